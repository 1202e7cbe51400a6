package multiprocess_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/conformance"
	"github.com/netlab-go/netlab/multiprocess"
	"github.com/netlab-go/netlab/multiprocess/services"
)

// crashy is a test service: it echoes, except that the line "panic" makes
// its session panic and the line "exit" kills the whole process, the way a
// session with a memory-corruption bug in C would.
type crashy struct{}

type crashySession struct{ c netlab.Conn }

func (crashy) Open(c netlab.Conn) netlab.Session { return crashySession{c} }

func (s crashySession) Data(p []byte) {
	switch strings.TrimSpace(string(p)) {
	case "panic":
		panic("crashy: asked to panic")
	case "exit":
		os.Exit(1)
	}
	s.c.Send(p)
}
func (s crashySession) EOF()       { s.c.Close() }
func (crashySession) Closed(error) {}

func init() {
	multiprocess.Register("test-crashy", func(multiprocess.Env) (netlab.Service, error) { return crashy{}, nil })
}

// start serves spec on a fresh port and returns the address and server. It
// shuts the server down when the test ends, and checks that Serve returned
// ErrServerClosed and that no child of this process is left, zombie or not.
func start(t *testing.T, spec multiprocess.Spec, cfg netlab.Config, opts multiprocess.Options) (string, *multiprocess.Server) {
	t.Helper()
	srv, err := multiprocess.New(spec, cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	t.Cleanup(func() {
		shutdown(t, srv)
		if err := <-served; !errors.Is(err, netlab.ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
		if kids := childrenOf(t, os.Getpid()); len(kids) > 0 {
			t.Errorf("after Shutdown these children are left (pid: state): %v", kids)
		}
	})
	return l.Addr().String(), srv
}

func shutdown(t *testing.T, srv *multiprocess.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), conformance.Timeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// childrenOf returns the processes whose parent is pid, with their state
// ("Z" for a zombie: exited, and never waited for), from /proc.
func childrenOf(t *testing.T, pid int) map[int]string {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	kids := map[int]string{}
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // the process ended while we looked
		}
		// pid (comm) state ppid …: comm may hold spaces, so cut at the last ')'.
		i := strings.LastIndexByte(string(b), ')')
		fields := strings.Fields(string(b[i+1:]))
		if len(fields) < 2 {
			continue
		}
		if ppid, _ := strconv.Atoi(fields[1]); ppid == pid {
			p, _ := strconv.Atoi(filepath.Base(filepath.Dir(path)))
			kids[p] = fields[0]
		}
	}
	return kids
}

// roundTrip sends line on c and fails the test unless it comes back.
func roundTrip(t *testing.T, c net.Conn, r *bufio.Reader, line string) {
	t.Helper()
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		t.Fatalf("send %q: %v", line, err)
	}
	got, err := r.ReadString('\n')
	if err != nil || got != line+"\n" {
		t.Fatalf("sent %q, got %q (%v)", line, got, err)
	}
}

type client struct {
	net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, addr string) client {
	c := conformance.Dial(t, addr)
	return client{c, bufio.NewReader(c)}
}

func TestACrashKillsOnlyItsChild(t *testing.T) {
	for _, magic := range []string{"exit", "panic"} {
		t.Run("a session that calls "+magic+" closes its connection alone", func(t *testing.T) {
			addr, srv := start(t, multiprocess.Spec{Service: "test-crashy"}, netlab.Config{}, multiprocess.Options{Stderr: io.Discard})
			a, b := dial(t, addr), dial(t, addr)
			roundTrip(t, a, a.r, "a is served")
			roundTrip(t, b, b.r, "b is served")

			io.WriteString(b, magic+"\n")
			if rest, err := io.ReadAll(b.r); len(rest) > 0 || err != nil && !errors.Is(err, net.ErrClosed) && !strings.Contains(err.Error(), "reset") {
				t.Fatalf("after %q b read %q (%v), want the connection to end", magic, rest, err)
			}
			roundTrip(t, a, a.r, "a is still served")
			c := dial(t, addr)
			roundTrip(t, c, c.r, "and a newcomer is served")

			a.Close()
			c.Close()
			shutdown(t, srv)
			st := srv.Stats()
			if st.Panics != 1 || st.Accepted != 3 || st.Active != 0 {
				t.Errorf("stats after shutdown: %+v, want 1 panic, 3 accepted, none active", st)
			}
		})
	}

	t.Run("a preforked child that dies is replaced, and the server goes on", func(t *testing.T) {
		addr, srv := start(t, multiprocess.Spec{Service: "test-crashy"}, netlab.Config{}, multiprocess.Options{Procs: 2, Stderr: io.Discard})
		b := dial(t, addr)
		roundTrip(t, b, b.r, "b is served")
		before := srv.Children()
		io.WriteString(b, "exit\n")
		io.ReadAll(b.r) // the end of the connection: its child is gone
		for i := range 4 {
			c := dial(t, addr)
			roundTrip(t, c, c.r, "client "+strconv.Itoa(i)+" is served")
			c.Close()
		}
		shutdown(t, srv)
		if st := srv.Stats(); st.Panics != 1 || st.Accepted != 5 {
			t.Errorf("stats after shutdown: %+v, want 1 crash, 5 accepted", st)
		}
		if len(before) != 2 {
			t.Errorf("started with children %v, want 2", before)
		}
	})
}

func TestChatAcrossProcesses(t *testing.T) {
	addr, srv := start(t, services.Chat(), netlab.Config{}, multiprocess.Options{})
	a := dial(t, addr)
	if got, _ := a.r.ReadString('\n'); got != "* welcome guest-1\n" {
		t.Fatalf("a got %q", got)
	}
	b := dial(t, addr)
	if got, _ := b.r.ReadString('\n'); got != "* welcome guest-2\n" {
		t.Fatalf("b got %q", got)
	}
	if kids := srv.Children(); len(kids) != 2 {
		t.Fatalf("two clients are served by children %v, want two processes", kids)
	}
	io.WriteString(b, "hello from another process\n")
	for _, want := range []string{"* guest-2 joined\n", "guest-2: hello from another process\n"} {
		if got, err := a.r.ReadString('\n'); got != want {
			t.Fatalf("a got %q (%v), want %q", got, err, want)
		}
	}
	io.WriteString(a, "/who\n")
	if got, _ := a.r.ReadString('\n'); got != "* online: guest-1 guest-2\n" {
		t.Errorf("who: %q", got)
	}
}

func TestShutdown(t *testing.T) {
	t.Run("a child whose upload outlives the context is killed, and reaped", func(t *testing.T) {
		root := t.TempDir()
		addr, srv := start(t, services.Files(root, 0), netlab.Config{}, multiprocess.Options{})
		c := dial(t, addr)
		io.WriteString(c, "PUT big 1000000\nonly the first bytes")
		roundTripOK := dial(t, addr) // the server is responsive: the PUT is in the child's hands
		io.WriteString(roundTripOK, "LIST\n")
		if got, _ := roundTripOK.r.ReadString('\n'); !strings.HasPrefix(got, "OK") {
			t.Fatalf("LIST: %q", got)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Shutdown with an upload stuck: got %v, want DeadlineExceeded", err)
		}
		if kids := childrenOf(t, os.Getpid()); len(kids) > 0 {
			t.Errorf("children left after Shutdown: %v", kids)
		}
		if st := srv.Stats(); st.Panics != 0 || st.Active != 0 {
			t.Errorf("stats: %+v: children we killed are no crash, and nothing is active", st)
		}
	})

	t.Run("Serve returns ErrServerClosed after Close, in both modes", func(t *testing.T) {
		for _, procs := range []int{0, 2} {
			srv, err := multiprocess.New(services.Echo(), netlab.Config{}, multiprocess.Options{Procs: procs})
			if err != nil {
				t.Fatal(err)
			}
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			served := make(chan error, 1)
			go func() { served <- srv.Serve(l) }()
			c := dial(t, l.Addr().String())
			roundTrip(t, c, c.r, "served")
			srv.Close()
			if err := <-served; !errors.Is(err, netlab.ErrServerClosed) {
				t.Errorf("procs=%d: Serve returned %v", procs, err)
			}
			if kids := childrenOf(t, os.Getpid()); len(kids) > 0 {
				t.Errorf("procs=%d: children left after Close: %v", procs, kids)
			}
		}
	})

	t.Run("an unregistered service is refused by New", func(t *testing.T) {
		_, err := multiprocess.New(multiprocess.Spec{Service: "nope"}, netlab.Config{}, multiprocess.Options{})
		if err == nil || !strings.Contains(err.Error(), "Register") {
			t.Errorf("got %v, want an error that says to register it", err)
		}
	})
}
