package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/netlabtest"
)

// startChatRoom serves a fresh room on perconn through the same factory
// `netlab serve -service chat` uses, and joins it with an observer that
// has read its own welcome ("* welcome guest-1").
func startChatRoom(t *testing.T) (addr string, observer *chat.Client) {
	t.Helper()
	addr = startService(t, "chat", models.Flags{})
	observer, err := chat.Dial(t.Context(), addr)
	require.NoError(t, err)
	t.Cleanup(func() { observer.Close() })
	observerHears(t, observer, "* welcome guest-1")
	return addr, observer
}

// observerHears waits for the observer's next lines and fails unless they
// are want.
func observerHears(t *testing.T, c *chat.Client, want ...string) {
	t.Helper()
	for _, w := range want {
		require.Equal(t, w, netlabtest.Await(t, c.Lines(), "the observer to hear "+w), "the observer's next line (%v)", c.Err())
	}
}

func TestChatCommand(t *testing.T) {
	t.Run("a script's lines are sent and what comes back is printed until the server closes", func(t *testing.T) {
		addr, observer := startChatRoom(t)
		var stdout, stderr bytes.Buffer
		in := strings.NewReader("hello, room\r\n\n/who\n/quit\nignored after the quit\n")
		if err := run(t.Context(), []string{"chat", "-addr", addr, "-name", "ann"}, in, &stdout, &stderr); err != nil {
			t.Fatalf("netlab chat: %v (stderr %q)", err, stderr.String())
		}
		want := "* welcome guest-2\n* you are ann\n* online: ann guest-1\n* bye\n"
		assert.Equal(t, want, stdout.String())
		assert.False(t, stderr.Len() > 0, "a script got chatter on stderr: %q", stderr.String())
		observerHears(t, observer, "* guest-2 joined", "* guest-2 is now ann", "ann: hello, room", "* ann left")
	})

	t.Run("at the end of a script's input it leaves without a bye", func(t *testing.T) {
		addr, observer := startChatRoom(t)
		var stdout, stderr bytes.Buffer
		if err := run(t.Context(), []string{"chat", "-addr", addr}, strings.NewReader("last line, no LF"), &stdout, &stderr); err != nil {
			t.Fatalf("netlab chat: %v (stderr %q)", err, stderr.String())
		}
		assert.Equal(t, "* welcome guest-2\n", stdout.String())
		observerHears(t, observer, "* guest-2 joined", "guest-2: last line, no LF", "* guest-2 left")
	})

	t.Run("lines from the room are printed while input is still open", func(t *testing.T) {
		addr, observer := startChatRoom(t)
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		defer inW.Close()
		defer outR.Close()
		done := make(chan error, 1)
		go func() {
			done <- run(t.Context(), []string{"chat", "-addr", addr}, inR, outW, io.Discard)
			outW.Close()
		}()
		out := bufio.NewReader(outR)
		printed := func(want string) {
			t.Helper()
			if got, err := out.ReadString('\n'); got != want+"\n" {
				t.Fatalf("printed %q (%v), want %q", got, err, want)
			}
		}
		printed("* welcome guest-2")
		observerHears(t, observer, "* guest-2 joined")
		require.NoError(t, observer.Say("anyone there?"))
		printed("guest-1: anyone there?") // nothing typed yet
		_, err := io.WriteString(inW, "yes\n")
		require.NoError(t, err)
		observerHears(t, observer, "guest-2: yes")
		_, err = io.WriteString(inW, "/quit\n")
		require.NoError(t, err)
		printed("* bye")
		assert.NoError(t, <-done, "netlab chat")
		// The input goroutine is still reading the pipe; closing it (the
		// deferred inW.Close) lets it finish, which goleak checks.
	})

	t.Run("-name is the first line sent, before the server has said anything", func(t *testing.T) {
		// A server that says nothing, not even its welcome: the client's
		// /nick comes all the same, so a real server renames the client
		// right after its join, before anything else it could do.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		t.Cleanup(func() { l.Close() })
		inR, inW := io.Pipe()
		defer inW.Close()
		done := make(chan error, 1)
		go func() {
			done <- run(t.Context(), []string{"chat", "-addr", l.Addr().String(), "-name", "zoe"}, inR, io.Discard, io.Discard)
		}()
		conn, err := l.Accept()
		require.NoError(t, err)
		first, err := bufio.NewReader(conn).ReadString('\n')
		require.NoError(t, err)
		assert.Equal(t, "/nick zoe\n", first)
		conn.Close()
		assert.ErrorIs(t, netlabtest.Await(t, done, "netlab chat to end"), errClosedByServer)
	})

	t.Run("a close by the server while input is still open says so and fails", func(t *testing.T) {
		addr, srv, observer := startChatForTmux(t)
		inR, inW := io.Pipe()
		defer inW.Close()
		done := make(chan error, 1)
		go func() { done <- run(t.Context(), []string{"chat", "-addr", addr}, inR, io.Discard, io.Discard) }()
		observerHears(t, observer, "* guest-2 joined")
		srv.Close()
		err := netlabtest.Await(t, done, "netlab chat to end")
		assert.ErrorIs(t, err, errClosedByServer)
	})

	t.Run("an interrupt leaves at once", func(t *testing.T) {
		addr, observer := startChatRoom(t)
		ctx, cancel := context.WithCancel(t.Context())
		inR, inW := io.Pipe()
		defer inW.Close()
		outR, outW := io.Pipe()
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"chat", "-addr", addr}, inR, outW, io.Discard)
			outW.Close()
		}()
		// The observer can hear the join before the command's dial has
		// returned; its printed welcome is the sign it is connected.
		out := bufio.NewReader(outR)
		if got, err := out.ReadString('\n'); got != "* welcome guest-2\n" {
			t.Fatalf("printed %q (%v), want the welcome", got, err)
		}
		go io.Copy(io.Discard, out) // ends when the command does
		observerHears(t, observer, "* guest-2 joined")
		cancel()
		assert.NoError(t, <-done, "netlab chat after an interrupt")
		observerHears(t, observer, "* guest-2 left")
	})

	t.Run("bad command lines are refused before connecting", func(t *testing.T) {
		for _, tt := range []struct {
			args []string
			want string
		}{
			{[]string{"-name", "not a name"}, `-name "not a name": a name is 1 to 32`},
			{[]string{"-name", strings.Repeat("n", 33)}, "a name is 1 to 32"},
			{[]string{"hello"}, `unexpected argument "hello"`},
			{[]string{"-addr", "127.0.0.1:1"}, "chat: dial 127.0.0.1:1"},
		} {
			var stderr bytes.Buffer
			err := run(t.Context(), append([]string{"chat"}, tt.args...), strings.NewReader(""), io.Discard, &stderr)
			assert.ErrorContains(t, err, tt.want, "netlab chat %s", strings.Join(tt.args, " "))
		}
	})
}
