package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/udp"
	"github.com/netlab-go/netlab/web"
)

// A transport is one listening socket of `netlab serve` and the server on
// it. Every transport serves the same Service value, so chat's TCP, UDP and
// browser members are in one room.
type transport struct {
	name   string    // tcp, udp, web
	addr   string    // the address bound
	banner string    // the line serve prints once it listens
	sock   io.Closer // the socket, until serve owns it
	serve  func() error
	srv    interface {
		Shutdown(context.Context) error
		Close() error
	}
}

// listen binds every socket the command line asks for, TCP first, and
// returns the transports on them; on an error it closes what it opened.
func listen(o *serveOptions, m models.Model, se models.Service, svc netlab.Service, cfg netlab.Config, f models.Flags) (ts []transport, err error) {
	srv, err := m.New(svc, cfg, f)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	defer func() {
		if err != nil {
			for _, t := range ts {
				t.sock.Close()
			}
			srv.Close()
		}
	}()
	for _, b := range []struct {
		addr   string
		flag   string // in the error: "" for -addr, which every serve has
		banner string // the line printed once it listens, with its address
		bind   func(addr string) (transport, error)
	}{
		{o.addr, "", "listening on %s", func(a string) (transport, error) { return onListener("tcp", a, srv) }},
		{o.udpAddr, "-udp: ", "listening on udp %s", func(a string) (transport, error) {
			return onUDP(a, udp.New(svc, cfg, se.UDPOptions()))
		}},
		{o.webAddr, "-web: ", "serving the browser page on http://%s/", func(a string) (transport, error) {
			return onListener("web", a, web.New(svc, cfg, se.WebOptions()...))
		}},
	} {
		if b.addr == "" {
			continue
		}
		t, err := b.bind(b.addr)
		if err != nil {
			return ts, fmt.Errorf("serve: %s%w", b.flag, err)
		}
		t.banner = fmt.Sprintf(b.banner, t.addr)
		ts = append(ts, t)
	}
	return ts, nil
}

// onListener listens on TCP at addr for srv: the model's server, or the
// browser's.
func onListener(name, addr string, srv interface {
	Serve(net.Listener) error
	Shutdown(context.Context) error
	Close() error
}) (transport, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return transport{}, err
	}
	return transport{name: name, addr: l.Addr().String(), sock: l, serve: func() error { return srv.Serve(l) }, srv: srv}, nil
}

// onUDP binds the UDP socket at addr for us.
func onUDP(addr string, us *udp.Server) (transport, error) {
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return transport{}, err
	}
	uc := pc.(*net.UDPConn) // what ListenPacket makes for "udp"
	return transport{name: "udp", addr: uc.LocalAddr().String(), sock: uc, serve: func() error { return us.Serve(uc) }, srv: us}, nil
}

// shutdownGrace is how long a signalled server waits for sessions to
// finish before it cuts them short.
const shutdownGrace = 10 * time.Second

// serveUntil runs every transport until ctx ends (SIGINT, SIGTERM) or one
// of them fails, then shuts them all down gracefully and waits for them.
func serveUntil(ctx context.Context, ts []transport, logs *serveLogs) error {
	failed := make(chan error, len(ts))
	var wg sync.WaitGroup
	for _, t := range ts {
		wg.Go(func() {
			if err := t.serve(); !errors.Is(err, netlab.ErrServerClosed) {
				failed <- fmt.Errorf("serve: %s %s: %w", t.name, t.addr, err)
			}
		})
	}
	var err error
	select {
	case err = <-failed:
	case <-ctx.Done():
		logs.server.Info("shutting down: no new connections; waiting for sessions to finish", "for", shutdownGrace)
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	var down sync.WaitGroup
	for _, t := range ts {
		down.Go(func() {
			if err := t.srv.Shutdown(sctx); err != nil {
				logs.server.Warn("shutdown cut sessions short", "transport", t.name, "err", err)
			}
		})
	}
	down.Wait()
	wg.Wait()
	if err != nil {
		return err
	}
	logs.server.Info("stopped")
	return nil
}
