package chat_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/internal/conformance"
	"github.com/netlab-go/netlab/perconn"
)

var perconnModel = conformance.Model{Name: "perconn", New: func(svc netlab.Service, cfg netlab.Config) (netlab.Server, error) {
	return perconn.New(svc, cfg), nil
}}

// startChat serves a fresh chat room on perconn for the length of the test.
func startChat(t *testing.T) string {
	t.Helper()
	addr, _ := conformance.Start(t, perconnModel, chat.New(chat.Options{}), netlab.Config{})
	return addr
}

// dial connects a client and closes it when the test ends.
func dial(t *testing.T, addr string, opts ...chat.ClientOption) *chat.Client {
	t.Helper()
	c, err := chat.Dial(t.Context(), addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// expect waits for c's next line and fails unless it is want.
func expect(t *testing.T, c *chat.Client, want string) {
	t.Helper()
	select {
	case got, ok := <-c.Lines():
		if !ok {
			t.Fatalf("connection ended (%v) while waiting for %q", c.Err(), want)
		}
		if got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	case <-time.After(conformance.Timeout):
		t.Fatalf("no line after %v, want %q", conformance.Timeout, want)
	}
}

func TestClient(t *testing.T) {
	t.Run("two clients talk, in the open and directly", func(t *testing.T) {
		addr := startChat(t)
		a := dial(t, addr)
		expect(t, a, "* welcome guest-1")
		b := dial(t, addr)
		expect(t, b, "* welcome guest-2")
		expect(t, a, "* guest-2 joined")

		if err := a.Nick("ann"); err != nil {
			t.Fatal(err)
		}
		expect(t, a, "* you are ann")
		expect(t, b, "* guest-1 is now ann")
		if err := a.Say("hello"); err != nil {
			t.Fatal(err)
		}
		expect(t, b, "ann: hello")
		if err := b.Msg("ann", "psst"); err != nil {
			t.Fatal(err)
		}
		expect(t, a, "guest-2 (dm): psst")
		if err := b.Who(); err != nil {
			t.Fatal(err)
		}
		expect(t, b, "* online: ann guest-2")
	})

	t.Run("lines end after quit, without an error", func(t *testing.T) {
		addr := startChat(t)
		a := dial(t, addr)
		expect(t, a, "* welcome guest-1")
		if err := a.Quit(); err != nil {
			t.Fatal(err)
		}
		expect(t, a, "* bye")
		if line, ok := <-a.Lines(); ok {
			t.Fatalf("got %q after bye, want the end", line)
		}
		<-a.Done()
		if err := a.Err(); err != nil {
			t.Errorf("Err after the server closed: %v", err)
		}
	})

	t.Run("CloseWrite leaves after the lines already sent, without a bye", func(t *testing.T) {
		addr := startChat(t)
		a := dial(t, addr)
		expect(t, a, "* welcome guest-1")
		b := dial(t, addr)
		expect(t, b, "* welcome guest-2")
		expect(t, a, "* guest-2 joined")
		if err := b.Say("last words"); err != nil {
			t.Fatal(err)
		}
		if err := b.Who(); err != nil {
			t.Fatal(err)
		}
		if err := b.CloseWrite(); err != nil {
			t.Fatal(err)
		}
		expect(t, b, "* online: guest-1 guest-2")
		if line, ok := <-b.Lines(); ok {
			t.Fatalf("got %q after the half-close was handled, want the end", line)
		}
		expect(t, a, "guest-2: last words")
		expect(t, a, "* guest-2 left")
	})

	t.Run("a function given with OnLine gets every line in order", func(t *testing.T) {
		addr := startChat(t)
		var (
			mu  sync.Mutex
			got []string
		)
		done := make(chan struct{})
		a := dial(t, addr, chat.OnLine(func(line string) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, line)
			if line == "guest-2: 99" {
				close(done)
			}
		}))
		if a.Lines() != nil {
			t.Error("Lines is not nil with OnLine")
		}
		b := dial(t, addr)
		expect(t, b, "* welcome guest-2")
		for i := range 100 {
			if err := b.Say(fmt.Sprint(i)); err != nil {
				t.Fatal(err)
			}
		}
		select {
		case <-done:
		case <-time.After(conformance.Timeout):
			t.Fatal("the last line never reached the OnLine function")
		}
		mu.Lock()
		defer mu.Unlock()
		want := []string{"* welcome guest-1", "* guest-2 joined"}
		for i := range 100 {
			want = append(want, fmt.Sprintf("guest-2: %d", i))
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("got %d lines %q…, want %d in order", len(got), got[:min(len(got), 4)], len(want))
		}
	})

	t.Run("many goroutines may send at once and every line arrives whole", func(t *testing.T) {
		addr := startChat(t)
		a := dial(t, addr)
		expect(t, a, "* welcome guest-1")
		b := dial(t, addr)
		expect(t, b, "* welcome guest-2")
		expect(t, a, "* guest-2 joined")
		const senders, each = 8, 50
		var wg sync.WaitGroup
		for i := range senders {
			wg.Go(func() {
				for j := range each {
					if err := a.Say(fmt.Sprintf("sender %d line %d %s", i, j, strings.Repeat("x", 100))); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		next := make([]int, senders)
		for range senders * each {
			line, ok := <-b.Lines()
			if !ok {
				t.Fatalf("connection ended: %v", b.Err())
			}
			var i, j int
			if _, err := fmt.Sscanf(line, "guest-1: sender %d line %d", &i, &j); err != nil || j != next[i] {
				t.Fatalf("got %q, want sender %d's line %d (%v)", line, i, next[i], err)
			}
			next[i]++
		}
		wg.Wait()
	})

	t.Run("Close stops the reader even when nobody takes the lines", func(t *testing.T) {
		addr := startChat(t)
		a := dial(t, addr)
		expect(t, a, "* welcome guest-1")
		b := dial(t, addr)
		expect(t, b, "* welcome guest-2")
		expect(t, a, "* guest-2 joined")
		// More lines than Lines buffers: a's reader blocks delivering.
		for i := range 1000 {
			b.Say(fmt.Sprint(i))
		}
		b.Who()
		for line := range b.Lines() {
			if strings.HasPrefix(line, "* online:") {
				break // every message was handled before this answer
			}
		}
		if err := a.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		<-a.Done() // goleak in TestMain checks the rest
	})

	t.Run("lines the server would misread are refused", func(t *testing.T) {
		addr := startChat(t)
		a := dial(t, addr)
		for _, text := range []string{"/quit", "%bob%hi"} {
			if err := a.Say(text); err == nil {
				t.Errorf("Say(%q) sent a command", text)
			}
		}
		if err := a.Send("two\nlines"); err == nil {
			t.Error("Send accepted a line break")
		}
	})

	t.Run("dialing nothing fails with the address in the error", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := chat.Dial(ctx, "127.0.0.1:1"); err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
			t.Errorf("Dial: %v", err)
		}
	})
}
