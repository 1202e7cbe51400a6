package gui

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/labs/labkit"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/perconn"
	"github.com/netlab-go/netlab/udp"
	"github.com/netlab-go/netlab/web"
)

func TestMain(m *testing.M) { labkit.Main(m) }

// A tab is the browser page, played by a Go WebSocket client exactly as
// the page's script talks: one text message per line, without its LF.
type tab struct {
	t  *testing.T
	ws *websocket.Conn
}

// openTab serves the Bridge behind web's line console and opens a tab.
func openTab(t *testing.T) tab {
	addr, _ := netlabtest.Start(t, func(svc netlab.Service, cfg netlab.Config) (netlab.Server, error) {
		return web.New(svc, cfg, web.WithPage(web.ConsolePage)), nil
	}, Bridge{}, netlab.Config{})
	ctx, cancel := context.WithTimeout(t.Context(), labkit.Patience)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws://"+addr+"/ws", nil)
	require.NoError(t, err)
	t.Cleanup(func() { ws.CloseNow() })
	return tab{t, ws}
}

func (p tab) typeLine(line string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.t.Context(), labkit.Patience)
	defer cancel()
	require.NoError(p.t, p.ws.Write(ctx, websocket.MessageText, []byte(line)))
}

// shows fails the test unless the next line the page shows is want.
func (p tab) shows(want, why string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.t.Context(), labkit.Patience)
	defer cancel()
	_, got, err := p.ws.Read(ctx)
	if ctx.Err() != nil {
		p.t.Fatalf("the page waited %v for %q and showed nothing: %s", labkit.Patience, want, why)
	}
	require.NoError(p.t, err)
	if string(got) != want {
		p.t.Fatalf("the page showed %q, want %q: %s", got, want, why)
	}
}

const connectTyped = "the address comes from what the user typed: /connect HOST:PORT must dial it and say \"* connected to HOST:PORT\""

// connected serves a TCP chat room and opens a tab connected to it, the
// room's first member.
func connected(t *testing.T) (addr string, page tab) {
	addr, _ = netlabtest.Start(t, netlabtest.Infallible(perconn.New), chat.New(chat.Options{}), netlab.Config{})
	page = openTab(t)
	page.typeLine("/connect " + addr)
	page.shows("* connected to "+addr, connectTyped)
	page.shows("* welcome guest-1", "once connected, what the server says is shown at once")
	return addr, page
}

func TestNothingIsSentBeforeConnecting(t *testing.T) {
	page := openTab(t)
	page.typeLine("hello?")
	page.shows(strings.TrimSuffix(NotConnected, "\n"), "a line typed before /connect has nowhere to go")
}

func TestConnectToTheAddressTyped(t *testing.T) {
	addr, page := connected(t)
	member, r := labkit.Dial(t, addr)
	labkit.ExpectLine(t, member, r, "* welcome guest-2", "the chat server greets a TCP member")
	page.shows("* guest-2 joined", "what the server says is shown while the user types nothing")
	page.typeLine("hi from the browser")
	labkit.ExpectLine(t, member, r, "guest-1: hi from the browser", "a line typed in the page reaches the room")
	labkit.Send(t, member, "hi from TCP\n")
	page.shows("guest-2: hi from TCP", "a member's line is shown in the page")
}

func TestConnectOverUDP(t *testing.T) {
	srv := udp.New(chat.New(chat.Options{}), netlab.Config{}, udp.Options{Lines: true})
	pc := labkit.ListenUDP(t)
	netlabtest.Serving(t, srv, pc)
	addr := pc.LocalAddr().String()

	page := openTab(t)
	page.typeLine("/connect udp " + addr)
	page.shows("* connected to udp "+addr, "\"/connect udp HOST:PORT\" dials the UDP chat server: "+connectTyped)
	// A UDP server meets a peer at its first datagram.
	page.typeLine("/nick page")
	page.shows("* welcome guest-1", "the UDP chat server greets a peer at its first datagram")
	page.shows("* you are page", "and answers its /nick")
	peer, err := net.Dial("udp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { peer.Close() })
	_, err = peer.Write([]byte("hi over UDP\n"))
	require.NoError(t, err)
	page.shows("* guest-2 joined", "another UDP peer joined")
	page.shows("guest-2: hi over UDP", "a datagram from the server is shown as a line")
}

func TestABadAddressIsSaid(t *testing.T) {
	l := labkit.Listen(t)
	addr := l.Addr().String()
	l.Close() // nobody listens there now
	page := openTab(t)
	page.typeLine("/connect " + addr)
	ctx, cancel := context.WithTimeout(t.Context(), labkit.Patience)
	defer cancel()
	_, got, err := page.ws.Read(ctx)
	require.NoError(t, err, "the page must say why it could not connect")
	require.True(t, strings.HasPrefix(string(got), "! "), "the page showed %q, want an error line starting with \"! \"", got)
}

func TestTheServerHangingUpIsShown(t *testing.T) {
	addr, page := connected(t)
	page.typeLine("/quit")
	page.shows("* bye", "the chat server says goodbye")
	page.shows(strings.TrimSuffix(Disconnected, "\n"), "the server closed the connection")
	page.typeLine("/connect " + addr)
	page.shows("* connected to "+addr, "the user may connect again")
}
