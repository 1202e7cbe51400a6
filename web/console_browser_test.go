package web_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/netlab-go/netlab"
)

// TestBrowserConsole runs a line service that is not chat (the tests' own
// upper-caser) in the page's console, as the temperature converter runs.
func TestBrowserConsole(t *testing.T) {
	browser := startBrowser(t)
	_, webAddr := startWeb(t, upper{}, netlab.Config{})
	console := newTab(t, browser)

	t.Run("the console shows each line sent and each line received", func(t *testing.T) {
		console := console.in(t)
		console.connect("http://" + webAddr + "/")
		console.waitText("#log .recv", "ready")
		console.typeLine("hello, console")
		console.waitText("#log .sent", "hello, console")
		console.waitText("#log .recv", "HELLO, CONSOLE")
		console.typeLine("multi")
		console.waitText("#log .recv", "two")
		assert.Equal(t, "input", console.focused(), "the input keeps the focus")
		console.typeLine("100 c")
		console.waitText("#log .recv", "100 C")
		console.screenshot("console.png")
	})

	t.Run("a service that closes leaves the console plainly disconnected", func(t *testing.T) {
		console := console.in(t)
		console.typeLine("quit")
		console.waitText("#log .recv", "bye")
		console.waitFor(`document.querySelector("#status").dataset.state === "offline"`)
		console.waitText("#banner", "code 1000")
		console.waitFor(`document.querySelector("#input").disabled`)
	})
}
