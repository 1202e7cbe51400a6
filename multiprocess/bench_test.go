package multiprocess_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/multiprocess"
	"github.com/netlab-go/netlab/multiprocess/services"
	"github.com/netlab-go/netlab/perconn"
)

// BenchmarkMemoryPerConnection holds 50 idle echo connections open under
// perconn and under a child per connection and reports what each costs: for
// perconn, the growth of this process's resident set divided by 50; for a
// child, its resident set (RSS: every page it touches, the program's shared
// code included) and its proportional set size (PSS: shared pages divided
// among the processes sharing them, the fairer count of what one more child
// costs the machine).
func BenchmarkMemoryPerConnection(b *testing.B) {
	const n = 50
	for b.Loop() {
		before := memKiB(b, os.Getpid(), "/status", "VmRSS:")
		pc := perconn.New(echo.New(), netlab.Config{})
		release := hold(b, pc, n)
		perconnKiB := float64(memKiB(b, os.Getpid(), "/status", "VmRSS:")-before) / n
		release()

		mp, err := multiprocess.New(services.Echo(), netlab.Config{}, multiprocess.Options{})
		if err != nil {
			b.Fatal(err)
		}
		release = hold(b, mp, n)
		var rss, pss int64
		kids := mp.Children()
		for _, pid := range kids {
			rss += memKiB(b, pid, "/status", "VmRSS:")
			pss += memKiB(b, pid, "/smaps_rollup", "Pss:")
		}
		release()
		b.ReportMetric(perconnKiB, "perconn-KiB/conn")
		b.ReportMetric(float64(rss)/float64(len(kids)), "child-RSS-KiB/conn")
		b.ReportMetric(float64(pss)/float64(len(kids)), "child-PSS-KiB/conn")
		b.ReportMetric(float64(pss)/float64(len(kids))/max(perconnKiB, 1), "child-PSS/perconn")
	}
}

// hold serves srv, opens n connections, makes sure each is being served (an
// echo came back), and returns a function that closes them and shuts the
// server down.
func hold(b *testing.B, srv netlab.Server, n int) (release func()) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(l)
	var conns []net.Conn
	release = func() {
		for _, c := range conns {
			c.Close()
		}
		srv.Shutdown(context.Background())
	}
	for range n {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			release()
			b.Fatal(err)
		}
		conns = append(conns, c)
		c.Write([]byte("x"))
		if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
			release()
			b.Fatal(err)
		}
	}
	return release
}

// memKiB reads a "Key: N kB" line of /proc/PID/FILE.
func memKiB(b *testing.B, pid int, file, key string) int64 {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + file)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), key); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	b.Fatalf("no %s in /proc/%d%s", key, pid, file)
	return 0
}
