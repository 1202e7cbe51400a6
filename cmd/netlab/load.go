package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/netlab-go/netlab/internal/workload"
)

// runLoad is `netlab load`: the course's threaded load client, for any
// server that speaks one of netlab's protocols, netlab's or another's. It
// runs the same workload code as a cell of `netlab compare`.
func runLoad(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	var spec workload.Spec
	fs := newFlagSet("load", stderr)
	fs.StringVar(&spec.Addr, "addr", "", "the server, HOST:PORT")
	fs.StringVar(&spec.Service, "service", workload.ServiceEcho, "what the server speaks: echo, chat or files")
	fs.IntVar(&spec.Clients, "clients", 10, "clients at once, each on a connection of its own (the course's threads)")
	fs.IntVar(&spec.Requests, "requests", 0, "requests per client, after which it disconnects (the course's iterations); 0 = until -duration")
	fs.DurationVar(&spec.Duration, "duration", 0, "how long the measured window lasts; 0 = until every client has made its -requests (default 10s if -requests is 0 too)")
	fs.Float64Var(&spec.Rate, "rate", 0, "open loop: send this many requests per second in all, whether or not replies keep up; latency counts from each request's intended send time. 0 = closed loop")
	fs.IntVar(&spec.Size, "size", 0, "echo payload or chat message bytes (default 64), or the file's size for files (default 1MiB)")
	fs.BoolVar(&spec.Lines, "lines", false, "echo: send the course's lines \"Thread k, iteration i\" instead of -size bytes")
	fs.BoolVar(&spec.Upload, "upload", false, "files: upload -size bytes per request instead of downloading")
	fs.DurationVar(&spec.ConnectTimeout, "connect-timeout", 10*time.Second, "how long connecting every client may take, before the window opens")
	quiet := fs.Bool("quiet", false, "no progress line")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("load: unexpected argument %q", fs.Arg(0))
	}
	if spec.Addr == "" {
		return usagef("load: -addr is required: the server to drive, e.g. -addr 127.0.0.1:7007")
	}
	if spec.ConnectTimeout <= 0 {
		return usagef("load: -connect-timeout %v: want a positive bound", spec.ConnectTimeout)
	}
	if spec.Requests == 0 && spec.Duration == 0 {
		spec.Duration = 10 * time.Second
	}
	if tty := terminal(stderr); tty != nil && !*quiet {
		spec.Progress = progressLine(tty, spec)
	}
	mode := "closed loop: each client sends when its last reply has come"
	if spec.Rate > 0 {
		mode = fmt.Sprintf("open loop at %g requests/s in all", spec.Rate)
	}
	fmt.Fprintf(stdout, "netlab load: %s at %s, %d clients, %s, %s.\n", spec.Service, spec.Addr, spec.Clients, bounds(spec), mode)
	rep, err := workload.Load(ctx, spec)
	if spec.Progress != nil {
		fmt.Fprint(stderr, "\r\033[K")
	}
	if rep == nil {
		return fmt.Errorf("load: %w", err)
	}
	if werr := rep.WriteSummary(stdout); werr != nil {
		return werr
	}
	if err != nil {
		return fmt.Errorf("load: stopped early, the summary covers what was measured: %w", err)
	}
	return nil
}

// bounds says what ends the run, for the opening line.
func bounds(spec workload.Spec) string {
	var b []string
	if spec.Requests > 0 {
		b = append(b, fmt.Sprintf("%d requests each", spec.Requests))
	}
	if spec.Duration > 0 {
		b = append(b, fmt.Sprintf("at most %v", spec.Duration))
	}
	return strings.Join(b, ", ")
}

// progressLine returns a workload.Spec.Progress that redraws one line on
// tty: elapsed time, requests so far, the rate, errors.
func progressLine(tty io.Writer, spec workload.Spec) func(workload.Progress) {
	var mu sync.Mutex
	return func(p workload.Progress) {
		mu.Lock()
		defer mu.Unlock()
		rate := 0.0
		if p.Elapsed > 0 {
			rate = float64(p.Requests) / p.Elapsed.Seconds()
		}
		of := ""
		if spec.Requests > 0 {
			of = fmt.Sprintf(" of %d", int64(spec.Requests)*int64(spec.Clients))
		}
		fmt.Fprintf(tty, "\r\033[K  %v: %d%s answered, %.0f/s, %d errors", p.Elapsed.Round(100*time.Millisecond), p.Requests, of, rate, p.Errors)
	}
}
