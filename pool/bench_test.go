package pool_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/pool"
)

// benchClients is how many clients talk to the server at once.
const benchClients = 50

// BenchmarkEcho50 measures echo with 50 clients at once under a pool of 8
// workers, a pool of 64 (more than there are clients) and perconn, the
// unbounded baseline, in two workloads:
//
//   - requests-per-conn=1: every request is a connection of its own (dial, echo
//     64 bytes, half-close, read to the end), as HTTP/1.0 did it. A worker
//     is held for one request.
//   - requests-per-conn=100: each client keeps its connection for 100 requests. A
//     worker is held for 100, and a client that finds every worker busy waits
//     for another client to finish all of its.
//
// It reports requests per second and the median and 99th-percentile latency of
// a request, in the units compare_test.go uses. A connection's first request
// is timed from its dial, since that is where the wait for a worker hides: the
// kernel completes the handshake at once, and the reply comes only when a
// worker takes the connection.
//
//	go test -run '^$' -bench Echo50 -benchtime 20000x ./pool/
func BenchmarkEcho50(b *testing.B) {
	servers := []struct {
		name string
		new  func(netlab.Service) netlab.Server
	}{
		{"model=pool/workers=8", func(svc netlab.Service) netlab.Server {
			return pool.New(svc, netlab.Config{}, pool.Options{Workers: 8})
		}},
		{"model=pool/workers=64", func(svc netlab.Service) netlab.Server {
			return pool.New(svc, netlab.Config{}, pool.Options{Workers: 64})
		}},
		{"model=" + models.Reference().Name, func(svc netlab.Service) netlab.Server {
			srv, _ := models.Reference().New(svc, netlab.Config{}, models.Flags{}) // perconn's never fails
			return srv
		}},
	}
	for _, w := range []struct {
		name    string
		perConn int
	}{{"requests-per-conn=1", 1}, {"requests-per-conn=100", 100}} {
		for _, s := range servers {
			b.Run(w.name+"/"+s.name, func(b *testing.B) { benchEcho(b, s.new, w.perConn) })
		}
	}
}

func benchEcho(b *testing.B, newServer func(netlab.Service) netlab.Server, perConn int) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := newServer(echo.New())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	defer func() {
		if err := srv.Shutdown(context.Background()); err != nil {
			b.Errorf("shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, netlab.ErrServerClosed) {
			b.Errorf("Serve = %v", err)
		}
	}()

	// Each request is a token on jobs; a client that fails closes failed
	// so that the loop below stops handing out tokens nobody will take.
	// 64 bytes, as compare_test.go's echo benchmarks send.
	addr, msg := l.Addr().String(), bytes.Repeat([]byte("netlab! "), 8)
	jobs, failed := make(chan struct{}), make(chan struct{})
	var once sync.Once
	latencies := make([][]time.Duration, benchClients)
	errs := make([]error, benchClients)
	var wg sync.WaitGroup
	for i := range benchClients {
		wg.Go(func() {
			latencies[i], errs[i] = benchClient(addr, msg, perConn, jobs)
			if errs[i] != nil {
				once.Do(func() { close(failed) })
			}
		})
	}

	start := time.Now()
	for b.Loop() {
		select {
		case jobs <- struct{}{}:
		case <-failed:
		}
	}
	close(jobs)
	wg.Wait() // the last requests in flight count too
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		b.Fatal(err)
	}

	all := slices.Concat(latencies...)
	slices.Sort(all)
	percentile := func(p int) float64 {
		return float64(all[min(len(all)-1, len(all)*p/100)].Nanoseconds())
	}
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "req/s")
	b.ReportMetric(percentile(50), "p50-ns")
	b.ReportMetric(percentile(99), "p99-ns")
}

// benchClient takes a token from jobs for every request, reconnecting after
// perConn requests, and returns each request's latency.
func benchClient(addr string, msg []byte, perConn int, jobs <-chan struct{}) ([]time.Duration, error) {
	var lat []time.Duration
	var c *echo.Client
	sent := 0
	defer func() {
		if c != nil {
			hangUp(c)
		}
	}()
	for range jobs {
		t0 := time.Now()
		if c == nil {
			var err error
			if c, err = echo.Dial(context.Background(), addr); err != nil {
				return lat, err
			}
		}
		if _, err := c.Echo(msg); err != nil {
			return lat, fmt.Errorf("request %d: %w", len(lat), err)
		}
		lat = append(lat, time.Since(t0))
		if sent++; sent == perConn {
			if err := hangUp(c); err != nil {
				return lat, err
			}
			c, sent = nil, 0
		}
	}
	return lat, nil
}

// hangUp half-closes c and reads to the end before closing it, so that the
// server closes first and the TIME_WAIT state stays on its side: a client that
// closed first would keep each used port in TIME_WAIT for a minute and run
// out of ephemeral ports within a benchmark.
func hangUp(c *echo.Client) error {
	defer c.Close()
	if err := c.CloseWrite(); err != nil {
		return err
	}
	if rest, err := c.ReadAll(); err != nil || len(rest) > 0 {
		return fmt.Errorf("hang up: %d unexpected bytes (%v)", len(rest), err)
	}
	return nil
}
