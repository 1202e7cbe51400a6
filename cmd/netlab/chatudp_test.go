package main

import (
	"bytes"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/udp"
)

// startUDPChat serves a chat room over UDP on loopback until the test ends.
func startUDPChat(t *testing.T) string {
	sock, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	netlabtest.Serving(t, udp.New(chat.New(chat.Options{}), netlab.Config{}, udp.Options{Lines: true}), sock)
	return sock.LocalAddr().String()
}

func TestChatOverUDP(t *testing.T) {
	t.Run("a script's lines go out one datagram each, with the name asked for first", func(t *testing.T) {
		addr := startUDPChat(t)
		var out, errOut bytes.Buffer
		err := run(t.Context(), []string{"chat", "-udp", "-addr", addr, "-name", "ann"}, strings.NewReader("/who\n"), &out, &errOut)
		require.NoError(t, err, "stderr: %s", errOut.String())
		assert.Equal(t, "* welcome guest-1\n* you are ann\n* online: ann\n* bye\n", out.String())
	})

	t.Run("the chat screen works over UDP too", func(t *testing.T) {
		addr := startUDPChat(t)
		p := startTmux(t, 80, 10, "chat", "-udp", "-addr", addr, "-name", "ann")
		p.waitForText("* you are ann")
		p.typeText("/who")
		p.keys("Enter")
		p.waitForText("        ann (you)")
		p.keys("C-c")
		s := p.waitForText("[exit 0]")
		assert.Contains(t, s, "* bye")
	})
}
