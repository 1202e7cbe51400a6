package udp_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/udp"
)

func TestChatClient(t *testing.T) {
	t.Run("a /quit typed ends the chat at the server's bye though the input goes on", func(t *testing.T) {
		addr, _ := startChat(t)
		in, typing := io.Pipe()
		t.Cleanup(func() { typing.Close() }) // ends the goroutine still reading the input
		var out strings.Builder              // read only after Chat, which waits for its receiver
		done := make(chan error, 1)
		go func() { done <- udp.Chat(t.Context(), dial(t, addr), in, &out) }()
		_, err := typing.Write([]byte("/who\n/quit\n"))
		require.NoError(t, err)
		require.NoError(t, <-done)
		assert.Equal(t, "* welcome guest-1\n* online: guest-1\n* bye\n", out.String())
	})

	t.Run("a cancelled context ends the chat", func(t *testing.T) {
		addr, _ := startChat(t)
		in, typing := io.Pipe()
		t.Cleanup(func() { typing.Close() })
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- udp.Chat(ctx, dial(t, addr), in, io.Discard) }()
		_, err := typing.Write([]byte("hello\n")) // the chat is under way
		require.NoError(t, err)
		cancel()
		assert.ErrorIs(t, <-done, context.Canceled)
	})
}
