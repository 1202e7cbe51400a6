package web_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/netlabtest"
)

// screenshots makes the browser tests also write their screenshots to a
// folder, for the docs: go test ./web -run Browser -screenshots ../docs/img
var screenshots = flag.String("screenshots", "", "also write the browser tests' screenshots (PNG) to this folder")

// browserBudget bounds a whole browser test: the browser is killed after it.
const browserBudget = 2 * time.Minute

// findBrowser returns the path of a Chromium or Chrome, or "".
func findBrowser() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	return ""
}

// startBrowser starts a headless Chromium with a fresh profile and returns
// the context of its first tab. Without a browser the test is skipped,
// unless CI is set: CI installs one, so its absence there is a failure.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	path := findBrowser()
	if path == "" {
		netlabtest.Missing(t, "Chromium (or Chrome)", "apt-get install -y chromium")
	}
	ctx, cancel := context.WithTimeout(context.Background(), browserBudget)
	t.Cleanup(cancel)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
		// The test machine has no network: without these the browser
		// keeps trying to reach Google's update and sync services.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("no-proxy-server", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
	)
	t.Cleanup(cancelAlloc)
	first, cancelFirst := chromedp.NewContext(alloc)
	t.Cleanup(cancelFirst)
	require.NoError(t, chromedp.Do(first), "start %s", path)
	return first
}

// tab is one browser tab the test drives.
type tab struct {
	t   *testing.T
	ctx context.Context
}

// newTab opens another tab in the browser of parent.
func newTab(t *testing.T, parent context.Context) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(parent)
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(ctx))
	return &tab{t: t, ctx: ctx}
}

// do runs actions in the tab, each step bounded by wait.
func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, wait)
	defer cancel()
	require.NoError(b.t, chromedp.Do(ctx, steps...))
}

// js quotes s as a JavaScript string.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// in returns the tab for use in the (sub)test t.
func (b *tab) in(t *testing.T) *tab { return &tab{t: t, ctx: b.ctx} }

// waitText waits until one of the elements sel matches has text in it.
func (b *tab) waitText(sel, text string) {
	b.t.Helper()
	b.waitFor(fmt.Sprintf(`[...document.querySelectorAll(%s)].some((e) => e.textContent.includes(%s))`, js(sel), js(text)))
}

// waitGone waits until none of the elements sel matches has text in it.
func (b *tab) waitGone(sel, text string) {
	b.t.Helper()
	b.waitFor(fmt.Sprintf(`![...document.querySelectorAll(%s)].some((e) => e.textContent.includes(%s))`, js(sel), js(text)))
}

// waitFor waits until the JavaScript expression is true.
func (b *tab) waitFor(expr string) {
	b.t.Helper()
	b.do(chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(wait)))
}

// focused returns the id of the element that has the keyboard focus.
func (b *tab) focused() string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, wait)
	defer cancel()
	id, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement?.id ?? ""`))
	require.NoError(b.t, err)
	return id
}

// connect opens the page and connects with the keyboard alone: the page
// starts with the focus on Connect, and Enter presses it.
func (b *tab) connect(url string) {
	b.t.Helper()
	b.do(chromedp.Navigate(url), chromedp.WaitVisible("#connect-button"))
	require.Equal(b.t, "connect-button", b.focused(), "the page opens with Connect focused")
	b.do(chromedp.KeyEvent(kb.Enter))
	b.waitFor(`document.querySelector("#status").dataset.state === "online"`)
	require.Equal(b.t, "input", b.focused(), "once connected the focus is in the input")
}

// typeLine types text and Enter into whatever has the focus.
func (b *tab) typeLine(text string) {
	b.t.Helper()
	b.do(chromedp.KeyEvent(text + kb.Enter))
}

// rename sets the name in the name field and submits it with Enter.
func (b *tab) rename(name string) {
	b.t.Helper()
	// As a person would: into the name field, select what is there, type
	// over it, Enter.
	b.do(chromedp.Focus("#name"))
	b.waitFor(`(document.querySelector("#name").select(), true)`)
	b.do(chromedp.KeyEvent(name + kb.Enter))
	b.waitText("#who", name)
	assert.Equal(b.t, "input", b.focused(), "the focus goes back to the input")
}

// screenshot saves the tab's viewport as a PNG under the test's temp dir
// (and under -screenshots, if given) and checks it is a real picture.
func (b *tab) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, wait)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	require.NoError(b.t, err)
	path := filepath.Join(b.t.TempDir(), name)
	require.NoError(b.t, os.WriteFile(path, png, 0o644))
	info, err := os.Stat(path)
	require.NoError(b.t, err)
	assert.Greater(b.t, info.Size(), int64(20<<10), "a screenshot of the whole page is more than 20 kB")
	assert.Equal(b.t, "\x89PNG\r\n\x1a\n", string(png[:8]))
	if *screenshots != "" {
		require.NoError(b.t, os.MkdirAll(*screenshots, 0o755))
		require.NoError(b.t, os.WriteFile(filepath.Join(*screenshots, name), png, 0o644))
	}
}
