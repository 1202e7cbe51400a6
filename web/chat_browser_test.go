package web_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/web"
)

func TestBrowserChat(t *testing.T) {
	browser := startBrowser(t)
	room := chat.New(chat.Options{})
	tcpAddr := startTCP(t, room)
	srv, webAddr := startWeb(t, room, netlab.Config{}, web.WithPage(web.ChatPage))
	page := "http://" + webAddr + "/"

	carol := dialTCP(t, tcpAddr)
	require.Equal(t, "* welcome guest-1", carol.read())
	carol.send("/nick carol")
	require.Equal(t, "* you are carol", carol.read())

	ann := newTab(t, browser)
	ann.connect(page)
	ann.waitText("#who", "carol")
	carol.expect("* guest-2 joined")
	ann.rename("ann")
	assert.Equal(t, "* guest-2 is now ann", carol.read())

	bob := newTab(t, browser)
	bob.connect(page)
	bob.rename("bob")
	carol.expect("* guest-3 joined")
	assert.Equal(t, "* guest-3 is now bob", carol.read())
	ann.waitText("#who", "bob")
	bob.waitText("#who", "ann")

	t.Run("a line typed in one tab reaches the other tab and the TCP client", func(t *testing.T) {
		ann, bob, carol := ann.in(t), bob.in(t), carol.in(t)
		ann.typeLine("hello from the browser")
		ann.waitText("#log .own", "hello from the browser")
		bob.waitText("#log", "hello from the browser")
		assert.Equal(t, "ann: hello from the browser", carol.read())
	})

	t.Run("a line from the TCP client reaches both tabs with its sender", func(t *testing.T) {
		ann, bob, carol := ann.in(t), bob.in(t), carol.in(t)
		carol.send("hi from a terminal")
		ann.waitText("#log .say", "hi from a terminal")
		ann.waitText("#log .say .sender", "carol")
		bob.waitText("#log .say", "hi from a terminal")
	})

	t.Run("a direct message is shown apart, to its receiver only", func(t *testing.T) {
		ann, bob := ann.in(t), bob.in(t)
		bob.typeLine("/msg ann just between us")
		ann.waitText("#log .dm", "just between us")
		ann.waitText("#dms", "bob → you")
		bob.waitText("#dms", "you → ann")
		ann.screenshot("chat.png")
	})

	t.Run("a rename shows in every online list", func(t *testing.T) {
		ann, bob, carol := ann.in(t), bob.in(t), carol.in(t)
		bob.rename("robert")
		assert.Equal(t, "* bob is now robert", carol.read(), "carol did not get the direct message")
		ann.waitText("#who", "robert")
		ann.waitGone("#who", "bob")
		ann.waitText("#log", "bob is now robert")
	})

	t.Run("a tab that disconnects leaves the room", func(t *testing.T) {
		ann, bob, carol := ann.in(t), bob.in(t), carol.in(t)
		bob.do(chromedp.Focus("#connect-button"), chromedp.KeyEvent(kb.Enter))
		bob.waitFor(`document.querySelector("#status").dataset.state === "offline"`)
		bob.waitText("#log", "You disconnected.")
		assert.Equal(t, "* robert left", carol.read())
		ann.waitText("#log", "robert left")
		ann.waitGone("#who", "robert")
	})

	t.Run("a dropped connection shows plainly", func(t *testing.T) {
		ann, carol := ann.in(t), carol.in(t)
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		shut := netlabtest.Shutdown(ctx, srv)
		ann.waitFor(`!document.querySelector("#banner").hidden`)
		ann.waitText("#banner", "Disconnected: server shutting down (code 1001)")
		ann.waitFor(`document.querySelector("#input").disabled`)
		assert.Equal(t, "* ann left", carol.read())
		require.NoError(t, <-shut)
		ann.screenshot("chat-disconnected.png")
	})
}
