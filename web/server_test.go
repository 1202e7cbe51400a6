package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/web"
)

func TestServer(t *testing.T) {
	t.Run("a page from another site cannot upgrade: 403", func(t *testing.T) {
		_, addr := startWeb(t, upper{}, netlab.Config{})
		ctx, cancel := context.WithTimeout(t.Context(), wait)
		defer cancel()
		_, resp, err := websocket.Dial(ctx, "ws://"+addr+"/ws", &websocket.DialOptions{
			HTTPHeader: http.Header{"Origin": {"http://evil.example"}},
		})
		require.Error(t, err)
		require.NotNil(t, resp)
		resp.Body.Close()
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	})

	t.Run("a page from the server's own origin can", func(t *testing.T) {
		_, addr := startWeb(t, upper{}, netlab.Config{})
		ctx, cancel := context.WithTimeout(t.Context(), wait)
		defer cancel()
		ws, resp, err := websocket.Dial(ctx, "ws://"+addr+"/ws", &websocket.DialOptions{
			HTTPHeader: http.Header{"Origin": {"http://" + addr}},
		})
		require.NoError(t, err)
		if resp.Body != nil {
			resp.Body.Close()
		}
		defer ws.CloseNow()
		_, p, err := ws.Read(ctx)
		require.NoError(t, err)
		assert.Equal(t, "ready", string(p))
	})

	t.Run("a binary message closes the socket with status 1003", func(t *testing.T) {
		c := ready(t, netlab.Config{})
		ctx, cancel := context.WithTimeout(t.Context(), wait)
		defer cancel()
		require.NoError(t, c.ws.Write(ctx, websocket.MessageBinary, []byte("hi\n")))
		assert.Equal(t, websocket.StatusUnsupportedData, c.closeStatus())
	})

	// Conversations with the upper-casing service: each message sent, and
	// the messages it is answered with.
	type say struct {
		send string
		hear []string
	}
	for _, tc := range []struct {
		name  string
		steps []say
	}{
		{"a message over 4096 bytes gets line too long and the socket stays open", []say{
			{strings.Repeat("x", web.MaxLine+1), []string{"! line too long"}},
			{strings.Repeat("x", web.MaxLine) + "\n", []string{strings.Repeat("X", web.MaxLine)}}, // its own LF is not counted
			{strings.Repeat("y", web.MaxLine), []string{strings.Repeat("Y", web.MaxLine)}},
		}},
		{"a line the service sends in pieces is one message, and one Send of two lines two", []say{
			{"multi", []string{"one", "two"}},
			{"part", []string{"partial"}},   // the CR before the LF is dropped too
			{"bytes", []string{"a\uFFFDb"}}, // a text message must be UTF-8
		}},
		{"SendFile says files are not served over WebSocket", []say{
			{"file", []string{"file: " + web.ErrNoFiles.Error()}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ready(t, netlab.Config{})
			for _, step := range tc.steps {
				c.send(step.send)
				for _, want := range step.hear {
					assert.Equal(t, want, c.read(), "the answer to %.20q", step.send)
				}
			}
		})
	}

	t.Run("a message over 1 MiB closes the socket with status 1009", func(t *testing.T) {
		c := ready(t, netlab.Config{})
		c.send(strings.Repeat("x", 1<<20+1))
		assert.Equal(t, websocket.StatusMessageTooBig, c.closeStatus())
	})

	t.Run("a session hears each message as a line, one call at a time, and Closed once, last", func(t *testing.T) {
		p := &probe{t: t, events: make(chan string, 16)}
		_, addr := startWeb(t, p, netlab.Config{})
		c := dialWS(t, addr)
		c.expect("ready")
		c.send("one")
		c.send("two\n")
		c.send("")
		require.NoError(t, c.ws.Close(websocket.StatusNormalClosure, ""))
		var events []string
		for e := range p.events {
			events = append(events, e)
		}
		assert.Equal(t, []string{"open", `data "one\n"`, `data "two\n"`, `data "\n"`, "closed <nil>"}, events)
	})

	t.Run("a service whose line never ends is dropped at the bound", func(t *testing.T) {
		srv, c := readyOn(t, netlab.Config{MaxPending: 4 << 10})
		c.send("endless")
		_, err := c.next()
		assert.Error(t, err)
		assert.Equal(t, int64(1), srv.Stats().Dropped)
	})

	t.Run("a session that closes gets its last line out, then a normal close", func(t *testing.T) {
		c := ready(t, netlab.Config{})
		c.send("quit")
		assert.Equal(t, "bye", c.read())
		assert.Equal(t, websocket.StatusNormalClosure, c.closeStatus())
	})

	t.Run("a browser silent for the idle timeout is closed", func(t *testing.T) {
		c := ready(t, netlab.Config{IdleTimeout: 50 * time.Millisecond})
		assert.Equal(t, websocket.StatusGoingAway, c.closeStatus())
	})

	t.Run("beyond MaxConns a browser hears the service's busy reply and 1013", func(t *testing.T) {
		_, addr := startWeb(t, chat.New(chat.Options{}), netlab.Config{MaxConns: 1})
		first := dialWS(t, addr)
		first.expect("* welcome guest-1")
		second := dialWS(t, addr)
		assert.Equal(t, "! server busy", second.read())
		assert.Equal(t, websocket.StatusTryAgainLater, second.closeStatus())
		first.send("/who")
		assert.Equal(t, "* online: guest-1", first.read(), "the first member is served on")
	})

	t.Run("the pages are served with a strict content policy", func(t *testing.T) {
		_, addr := startWeb(t, upper{}, netlab.Config{}, web.WithPage(web.ChatPage))
		for path, want := range map[string]string{
			"/":                  "netlab chat",
			"/console":           "netlab console",
			"/static/style.css":  ":root",
			"/static/chat.js":    "LineSocket",
			"/static/socket.js":  "class LineSocket",
			"/static/console.js": "LineSocket",
		} {
			resp, body := get(t, addr, path)
			assert.Equal(t, http.StatusOK, resp.StatusCode, path)
			assert.Contains(t, body, want, path)
			assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "script-src 'self'", path)
		}
		resp, _ := get(t, addr, "/nothing")
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	})

	t.Run("the server works as a handler in an HTTP server of one's own", func(t *testing.T) {
		srv := web.New(upper{}, netlab.Config{})
		hts := httptest.NewServer(srv)
		defer hts.Close()
		c := dialWS(t, strings.TrimPrefix(hts.URL, "http://"))
		c.expect("ready")
		c.send("mounted")
		assert.Equal(t, "MOUNTED", c.read())
		shut := netlabtest.Shutdown(t.Context(), srv)
		assert.Equal(t, websocket.StatusGoingAway, c.closeStatus())
		require.NoError(t, <-shut)
	})

	t.Run("a line service is served the console at its root", func(t *testing.T) {
		_, addr := startWeb(t, upper{}, netlab.Config{})
		_, body := get(t, addr, "/")
		assert.Contains(t, body, "netlab console")
	})
}
