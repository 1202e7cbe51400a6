package chat_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/netlabtest"
)

// reference builds the model a service's tests run under.
var reference = models.Reference().With(models.Flags{})

// startChat serves a fresh chat room under the reference model for the
// length of the test.
func startChat(t *testing.T) string {
	t.Helper()
	addr, _ := netlabtest.Start(t, reference, chat.New(chat.Options{}), netlab.Config{})
	return addr
}

// dial connects a client and closes it when the test ends.
func dial(t *testing.T, addr string, opts ...chat.ClientOption) *chat.Client {
	t.Helper()
	c, err := chat.Dial(t.Context(), addr, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// expect waits for c's next line and fails unless it is want.
func expect(t *testing.T, c *chat.Client, want string) {
	t.Helper()
	got := netlabtest.Next(t, c.Lines(), fmt.Sprintf("the line %q", want))
	require.Equal(t, want, got)
}

// join dials a client and waits for its welcome, so that the room names
// clients in the order the test joins them: the server opens sessions as
// their goroutines get to it, not in the order the clients connected.
func join(t *testing.T, addr, name string) *chat.Client {
	t.Helper()
	c := dial(t, addr)
	expect(t, c, "* welcome "+name)
	return c
}

// twoMembers starts a fresh room and joins guest-1 and guest-2, and reads
// guest-1's notice that guest-2 joined.
func twoMembers(t *testing.T) (a, b *chat.Client) {
	t.Helper()
	addr := startChat(t)
	a = join(t, addr, "guest-1")
	b = join(t, addr, "guest-2")
	expect(t, a, "* guest-2 joined")
	return a, b
}

func TestClient(t *testing.T) {
	t.Run("two clients talk, in the open and directly", func(t *testing.T) {
		a, b := twoMembers(t)

		require.NoError(t, a.Nick("ann"))
		expect(t, a, "* you are ann")
		expect(t, b, "* guest-1 is now ann")
		require.NoError(t, a.Say("hello"))
		expect(t, b, "ann: hello")
		require.NoError(t, b.Msg("ann", "psst"))
		expect(t, a, "guest-2 (dm): psst")
		require.NoError(t, b.Who())
		expect(t, b, "* online: ann guest-2")
	})

	t.Run("lines end after quit, without an error", func(t *testing.T) {
		addr := startChat(t)
		a := join(t, addr, "guest-1")
		require.NoError(t, a.Quit())
		expect(t, a, "* bye")
		line, ok := <-a.Lines()
		assert.False(t, ok, "got %q after bye, want the end", line)
		netlabtest.Await(t, a.Done(), "the client to end")
		assert.NoError(t, a.Err(), "Err after the server closed")
	})

	t.Run("CloseWrite leaves after the lines already sent, without a bye", func(t *testing.T) {
		a, b := twoMembers(t)
		require.NoError(t, b.Say("last words"))
		require.NoError(t, b.Who())
		require.NoError(t, b.CloseWrite())
		expect(t, b, "* online: guest-1 guest-2")
		line, ok := <-b.Lines()
		assert.False(t, ok, "got %q after the half-close was handled, want the end", line)
		expect(t, a, "guest-2: last words")
		expect(t, a, "* guest-2 left")
	})

	t.Run("a function given with OnLine gets every line in order", func(t *testing.T) {
		addr := startChat(t)
		var (
			mu  sync.Mutex
			got []string // guarded by mu
		)
		welcomed, last := make(chan struct{}), make(chan struct{})
		a := dial(t, addr, chat.OnLine(func(line string) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, line)
			switch line {
			case "* welcome guest-1":
				close(welcomed)
			case "guest-2: 99":
				close(last)
			}
		}))
		assert.Nil(t, a.Lines(), "Lines with OnLine")
		// The room names clients in the order their sessions open, so the
		// second client connects only once the first is welcomed.
		netlabtest.Await(t, welcomed, "the first client's welcome")
		b := join(t, addr, "guest-2")
		for i := range 100 {
			require.NoError(t, b.Say(fmt.Sprint(i)))
		}
		netlabtest.Await(t, last, "the last line to reach the OnLine function")
		mu.Lock()
		defer mu.Unlock()
		want := []string{"* welcome guest-1", "* guest-2 joined"}
		for i := range 100 {
			want = append(want, fmt.Sprintf("guest-2: %d", i))
		}
		assert.Equal(t, want, got)
	})

	t.Run("many goroutines may send at once and every line arrives whole", func(t *testing.T) {
		a, b := twoMembers(t)
		const senders, each = 8, 50
		var wg sync.WaitGroup
		for i := range senders {
			wg.Go(func() {
				for j := range each {
					if !assert.NoError(t, a.Say(fmt.Sprintf("sender %d line %d %s", i, j, strings.Repeat("x", 100)))) {
						return
					}
				}
			})
		}
		next := make([]int, senders)
		for range senders * each {
			line := netlabtest.Next(t, b.Lines(), "the next line")
			var i, j int
			_, err := fmt.Sscanf(line, "guest-1: sender %d line %d", &i, &j)
			require.NoError(t, err, "line %q", line)
			require.Equal(t, next[i], j, "sender %d's lines in order", i)
			next[i]++
		}
		wg.Wait()
	})

	t.Run("Close stops the reader even when nobody takes the lines", func(t *testing.T) {
		a, b := twoMembers(t)
		// More lines than Lines buffers: a's reader blocks delivering.
		for i := range 1000 {
			require.NoError(t, b.Say(fmt.Sprint(i)))
		}
		require.NoError(t, b.Who())
		for line := range b.Lines() {
			if strings.HasPrefix(line, "* online:") {
				break // every message was handled before this answer
			}
		}
		assert.NoError(t, a.Close())
		netlabtest.Await(t, a.Done(), "the reader to stop") // goleak in TestMain checks the rest
	})

	t.Run("lines the server would misread are refused", func(t *testing.T) {
		addr := startChat(t)
		a := dial(t, addr)
		for _, text := range []string{"/quit", "%bob%hi"} {
			assert.Error(t, a.Say(text), "Say(%q) sent a command", text)
		}
		assert.Error(t, a.Send("two\nlines"), "Send accepted a line break")
	})

	t.Run("dialing nothing fails with the address in the error", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := chat.Dial(ctx, "127.0.0.1:1")
		assert.ErrorContains(t, err, "127.0.0.1:1")
	})
}
