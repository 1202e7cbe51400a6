package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/netlabtest"
)

func TestRoom(t *testing.T) {
	t.Run("browsers and TCP clients given one service are one room", func(t *testing.T) {
		room := chat.New(chat.Options{})
		tcpAddr := startTCP(t, room)
		_, webAddr := startWeb(t, room, netlab.Config{})

		tcp := dialTCP(t, tcpAddr)
		assert.Equal(t, "* welcome guest-1", tcp.read())
		browser := dialWS(t, webAddr)
		assert.Equal(t, "* welcome guest-2", browser.read())
		tcp.expect("* guest-2 joined")

		browser.send("hello from the browser")
		tcp.expect("guest-2: hello from the browser")
		tcp.send("hello from TCP")
		browser.expect("guest-1: hello from TCP")

		browser.send("/nick ann")
		assert.Equal(t, "* you are ann", browser.read())
		tcp.expect("* guest-2 is now ann")
		tcp.send("/msg ann just you")
		browser.expect("guest-1 (dm): just you")
		browser.send("/who")
		assert.Equal(t, "* online: ann guest-1", browser.read())

		require.NoError(t, browser.ws.Close(websocket.StatusNormalClosure, "bye"))
		tcp.expect("* ann left")
	})

	t.Run("a browser that stops reading is dropped alone", func(t *testing.T) {
		room := chat.New(chat.Options{})
		tcpAddr := startTCP(t, room)
		srv, webAddr := startWeb(t, room, netlab.Config{MaxPending: 64 << 10})

		tcp := dialTCP(t, tcpAddr)
		tcp.expect("* welcome guest-1")
		reader := dialWS(t, webAddr)
		reader.expect("* welcome guest-2")
		tcp.expect("* guest-2 joined")
		stalled := dialWS(t, webAddr)
		stalled.expect("* welcome guest-3") // and then never read again
		tcp.expect("* guest-3 joined")
		reader.expect("* guest-3 joined")

		// The stalled browser's socket buffers fill, then its queue passes
		// 64 KiB and it is dropped. The sender waits for the reading
		// browser to get each batch, so that only the stalled one falls
		// behind; 16k lines (64 MB) bound the loop, far more than loopback
		// buffers hold.
		line := strings.Repeat("z", 4000)
		const batch = 8 // 32 kB: well inside the reader's 64 KiB bound
		dropped := false
		for sent := 0; !dropped && sent < 16<<10; sent += batch {
			for range batch {
				tcp.send(line)
			}
			for got := 0; got < batch; {
				switch l := reader.read(); l {
				case "guest-1: " + line:
					got++
				case "* guest-3 left":
					dropped = true
				default:
					require.Fail(t, "unexpected line", "%.80q", l)
				}
			}
		}
		if !dropped {
			reader.expect("* guest-3 left")
		}
		assert.Equal(t, int64(1), srv.Stats().Dropped)
		tcp.send("/who")
		tcp.expect("* online: guest-1 guest-2")
	})

	t.Run("shutdown says going away to every browser after what was queued", func(t *testing.T) {
		room := chat.New(chat.Options{})
		tcpAddr := startTCP(t, room)
		srv, webAddr := startWeb(t, room, netlab.Config{})
		tcp := dialTCP(t, tcpAddr)
		tcp.expect("* welcome guest-1")
		a := dialWS(t, webAddr)
		a.expect("* welcome guest-2") // before b dials: the names go by the order of joining
		b := dialWS(t, webAddr)
		b.expect("* welcome guest-3")
		tcp.expect("* guest-3 joined")
		tcp.send("last words")
		a.expect("guest-1: last words")

		ctx, cancel := context.WithTimeout(t.Context(), wait)
		defer cancel()
		shut := netlabtest.Shutdown(ctx, srv)
		// A close handshake needs the browser to read: these reads are
		// what lets Shutdown finish.
		b.expect("guest-1: last words")
		assert.Equal(t, websocket.StatusGoingAway, a.closeStatus())
		assert.Equal(t, websocket.StatusGoingAway, b.closeStatus())
		require.NoError(t, <-shut)
		assert.ElementsMatch(t, []string{"* guest-2 left", "* guest-3 left"}, []string{tcp.read(), tcp.read()},
			"the browsers leave in either order")
		assert.Equal(t, int64(0), srv.Stats().Active)
	})

	t.Run("close drops every browser at once", func(t *testing.T) {
		srv, webAddr := startWeb(t, chat.New(chat.Options{}), netlab.Config{})
		a := dialWS(t, webAddr)
		a.expect("* welcome guest-1")
		require.NoError(t, srv.Close())
		_, err := a.next()
		assert.Error(t, err)
		assert.Equal(t, int64(0), srv.Stats().Active)
	})
}
