package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/udp"
)

// Issue 10's acceptance test: one `netlab serve` on TCP, UDP and the web
// puts a TCP client, a UDP peer and a browser's WebSocket in one room, and
// each sees the others' lines as docs/protocols.md says.
func TestServeChatOnTCPUDPAndTheWebIsOneRoom(t *testing.T) {
	p := startServe(t, "-model", "perconn", "-service", "chat",
		"-addr", "127.0.0.1:0", "-udp", "127.0.0.1:0", "-web", "127.0.0.1:0")
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()

	tcp := dialRaw(t, p.addr)
	fromTCP := bufio.NewReader(tcp)
	expectLine(t, fromTCP, "* welcome guest-1\n")

	peer, err := udp.Dial(ctx, p.udpAddr)
	require.NoError(t, err)
	t.Cleanup(func() { peer.Close() })
	require.NoError(t, peer.Send([]byte("\n"))) // an empty line joins, saying nothing
	expectDatagram(t, peer, "* welcome guest-2\n")
	expectLine(t, fromTCP, "* guest-2 joined\n")

	wsURL := "ws" + strings.TrimPrefix(strings.TrimSuffix(p.webURL, "/"), "http") + "/ws"
	ws, _, err := websocket.Dial(ctx, wsURL, nil)
	require.NoError(t, err, "dial %s", wsURL)
	t.Cleanup(func() { ws.CloseNow() })
	expectMessage(t, ctx, ws, "* welcome guest-3")
	expectLine(t, fromTCP, "* guest-3 joined\n")
	expectDatagram(t, peer, "* guest-3 joined\n")

	t.Run("the TCP client's line reaches the UDP peer and the browser", func(t *testing.T) {
		fmt.Fprint(tcp, "hello from tcp\n")
		expectDatagram(t, peer, "guest-1: hello from tcp\n")
		expectMessage(t, ctx, ws, "guest-1: hello from tcp")
	})
	t.Run("the UDP peer's line reaches the TCP client and the browser", func(t *testing.T) {
		require.NoError(t, peer.Send([]byte("hello from udp\n")))
		expectLine(t, fromTCP, "guest-2: hello from udp\n")
		expectMessage(t, ctx, ws, "guest-2: hello from udp")
	})
	t.Run("the browser's line reaches the TCP client and the UDP peer", func(t *testing.T) {
		require.NoError(t, ws.Write(ctx, websocket.MessageText, []byte("hello from the web")))
		expectLine(t, fromTCP, "guest-3: hello from the web\n")
		expectDatagram(t, peer, "guest-3: hello from the web\n")
	})
	t.Run("all three are in the one list of who is online", func(t *testing.T) {
		fmt.Fprint(tcp, "/who\n")
		expectLine(t, fromTCP, "* online: guest-1 guest-2 guest-3\n")
	})
	t.Run("a browser that leaves is seen leaving on TCP and UDP", func(t *testing.T) {
		require.NoError(t, ws.Close(websocket.StatusNormalClosure, "bye"))
		expectLine(t, fromTCP, "* guest-3 left\n")
		expectDatagram(t, peer, "* guest-3 left\n")
	})
	t.Run("SIGINT shuts every transport down, and serve exits 0", func(t *testing.T) {
		require.NoError(t, p.cmd.Process.Signal(os.Interrupt))
		_, err := io.ReadAll(fromTCP) // the server closes the idle TCP member
		require.NoError(t, err)
		tcp.Close()
		assert.NoError(t, p.cmd.Wait())
	})
}

func expectDatagram(t *testing.T, c *udp.Client, want string) {
	t.Helper()
	got, err := c.Receive(10 * time.Second)
	require.NoError(t, err, "want %q", want)
	require.Equal(t, want, string(got))
}

func expectMessage(t *testing.T, ctx context.Context, ws *websocket.Conn, want string) {
	t.Helper()
	typ, got, err := ws.Read(ctx)
	require.NoError(t, err, "want %q", want)
	require.Equal(t, websocket.MessageText, typ)
	require.Equal(t, want, string(got))
}

// Issue 14's log: one line per event, with the time, the peer, what
// happened and the text, quoted once; per line for a line service, per
// read and send for echo. Under multiprocess the children serve the
// sessions, and log them to the same file and terminal, each line whole.
func TestServeLogsOneLinePerMessage(t *testing.T) {
	stamp := `\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z?\S* `
	servers := [][]string{
		{"-model", "perconn"},
		{"-model", "multiprocess"},
		{"-model", "multiprocess", "-procs", "2"},
	}
	// logged runs netlab serve with args and -log and -v, lets exchange talk
	// to it, stops it, and returns its -log file and its standard error.
	logged := func(t *testing.T, args []string, exchange func(addr string)) (file, stderr string) {
		logFile := filepath.Join(t.TempDir(), "serve.log")
		var errs strings.Builder // read once the server has exited
		p := startServeTo(t, &errs, append(args, "-addr", "127.0.0.1:0", "-log", logFile, "-v")...)
		exchange(p.addr)
		file = stopAndReadLog(t, p, logFile)
		for line := range strings.Lines(file) {
			assert.Regexp(t, "^"+stamp+`(server|127\.0\.0\.1:\d+) \w`, line, "every line whole")
		}
		return file, errs.String()
	}

	for _, server := range servers {
		t.Run("chat under "+strings.Join(server, " ")+" logs each line received and sent with its peer", func(t *testing.T) {
			var annAddr, bobAddr string
			file, stderr := logged(t, append(server, "-service", "chat"), func(addr string) {
				ann := dialRaw(t, addr)
				annR := bufio.NewReader(ann)
				expectLine(t, annR, "* welcome guest-1\n")
				bob := dialRaw(t, addr)
				bobR := bufio.NewReader(bob)
				expectLine(t, bobR, "* welcome guest-2\n")
				expectLine(t, annR, "* guest-2 joined\n")
				fmt.Fprint(ann, "hi \"bob\"\n/who\n")
				expectLine(t, bobR, "guest-1: hi \"bob\"\n")
				expectLine(t, annR, "* online: guest-1 guest-2\n")
				annAddr, bobAddr = regexp.QuoteMeta(ann.LocalAddr().String()), regexp.QuoteMeta(bob.LocalAddr().String())
			})
			for _, want := range []string{
				stamp + annAddr + ` open\n`,
				stamp + annAddr + ` send "\* welcome guest-1"\n`,
				stamp + bobAddr + ` open\n`,
				stamp + annAddr + ` send "\* guest-2 joined"\n`,
				stamp + annAddr + ` recv "hi \\"bob\\""\n`,
				stamp + bobAddr + ` send "guest-1: hi \\"bob\\""\n`,
				stamp + annAddr + ` recv "/who"\n`,
				stamp + annAddr + ` send "\* online: guest-1 guest-2"\n`,
				stamp + annAddr + ` close`,
			} {
				assert.Regexp(t, "(?m)^"+want, file)
				assert.Regexp(t, "(?m)^"+want, stderr, "with -v")
			}
			assert.Regexp(t, "(?m)^"+stamp+`server stopped\n`, file)
			assert.Len(t, regexp.MustCompile(`recv "hi `).FindAllString(file, -1), 1, "one line per message")
		})
	}

	for _, server := range append(servers[1:], []string{"-model", "eventloop"}) {
		t.Run("echo under "+strings.Join(server, " ")+" logs each read and each send", func(t *testing.T) {
			var peer string
			file, stderr := logged(t, append(server, "-service", "echo"), func(addr string) {
				c := dialRaw(t, addr)
				fmt.Fprint(c, "ping\n")
				expectLine(t, bufio.NewReader(c), "ping\n")
				peer = regexp.QuoteMeta(c.LocalAddr().String())
			})
			for _, log := range []string{file, stderr} {
				assert.Regexp(t, "(?m)^"+stamp+peer+` recv "ping\\n"$`, log)
				assert.Regexp(t, "(?m)^"+stamp+peer+` send "ping\\n"$`, log)
			}
		})
	}

	t.Run("files logs control lines, and a body by its size", func(t *testing.T) {
		logFile := filepath.Join(t.TempDir(), "serve.log")
		p := startServe(t, "-model", "pool", "-service", "files", "-addr", "127.0.0.1:0", "-root", t.TempDir(), "-log", logFile)
		c := dialRaw(t, p.addr)
		r := bufio.NewReader(c)
		fmt.Fprint(c, "PUT a.txt 6\nhello\nLIST\n")
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(line, "OK 6 "), line)
		expectLine(t, r, "OK 1\n")
		expectLine(t, r, "6 a.txt\n")
		peer := regexp.QuoteMeta(c.LocalAddr().String())
		log := stopAndReadLog(t, p, logFile)
		assert.Regexp(t, "(?m)^"+stamp+peer+` recv "PUT a.txt 6"$`, log)
		assert.Regexp(t, "(?m)^"+stamp+peer+` recv bytes=6$`, log)
		assert.Regexp(t, "(?m)^"+stamp+peer+` recv "LIST"$`, log)
		assert.Regexp(t, "(?m)^"+stamp+peer+` send "6 a.txt"$`, log)
		assert.NotContains(t, log, `"hello"`, "the body is not read as a line")
	})

	t.Run("the terminal shows opens and closes, and with -v every line", func(t *testing.T) {
		for _, verbose := range []bool{false, true} {
			args := []string{"-model", "perconn", "-service", "chat", "-addr", "127.0.0.1:0"}
			if verbose {
				args = append(args, "-v")
			}
			var stderr strings.Builder // read once the server has exited
			p := startServeTo(t, &stderr, args...)
			c := dialRaw(t, p.addr)
			expectLine(t, bufio.NewReader(c), "* welcome guest-1\n")
			c.Close()
			require.NoError(t, p.cmd.Process.Signal(os.Interrupt))
			require.NoError(t, p.cmd.Wait())
			peer := regexp.QuoteMeta(c.LocalAddr().String())
			out := stderr.String()
			assert.Regexp(t, "(?m)^"+stamp+peer+` open$`, out)
			assert.Regexp(t, "(?m)^"+stamp+peer+` close$`, out)
			if verbose {
				assert.Regexp(t, "(?m)^"+stamp+peer+` send "\* welcome guest-1"$`, out)
			} else {
				assert.NotContains(t, out, "welcome", "without -v")
			}
		}
	})
}

// stopAndReadLog stops p with SIGINT and returns its -log file.
func stopAndReadLog(t *testing.T, p *netlabProcess, logFile string) string {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(os.Interrupt))
	require.NoError(t, p.cmd.Wait(), "netlab serve after SIGINT")
	b, err := os.ReadFile(logFile)
	require.NoError(t, err)
	return string(b)
}

func TestServeDefaultsToTheServicesPort(t *testing.T) {
	for _, tt := range []struct{ service, want string }{
		{"echo", "127.0.0.1:7007"}, {"chat", "127.0.0.1:7008"}, {"files", "127.0.0.1:7009"},
	} {
		t.Run(tt.service+" listens on "+tt.want, func(t *testing.T) {
			o := &serveOptions{}
			fs := o.flagSet(&strings.Builder{})
			require.NoError(t, fs.Parse([]string{"-model", "perconn", "-service", tt.service}))
			_, _, err := o.check(fs)
			require.NoError(t, err)
			assert.Equal(t, tt.want, o.addr)
		})
	}
	t.Run("and the clients dial the same ports", func(t *testing.T) {
		for _, tt := range []struct{ client, want string }{
			{"echo", "127.0.0.1:7007"}, {"chat", "127.0.0.1:7008"}, {"files", "127.0.0.1:7009"},
		} {
			var stdout strings.Builder
			err := run(t.Context(), []string{"help", tt.client}, nil, &stdout, &strings.Builder{})
			require.ErrorIs(t, err, flag.ErrHelp)
			assert.Contains(t, stdout.String(), `(default "`+tt.want+`")`, tt.client)
		}
	})
}
