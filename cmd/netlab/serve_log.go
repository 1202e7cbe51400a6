package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/models"
)

// serveLogs are the logs of one `netlab serve`, as the course's server kept
// them: one line per event, "TIME PEER EVENT TEXT", the text quoted once.
//
//	2026-12-02T00:51:02.120Z 127.0.0.1:40312 open
//	2026-12-02T00:51:02.121Z 127.0.0.1:40312 send "* welcome guest-1"
//	2026-12-02T00:51:02.530Z 127.0.0.1:40312 recv "hello"
//	2026-12-02T00:51:09.004Z 127.0.0.1:40312 close
//
// Standard error shows the server's own events and each connection's open
// and close; -v adds every line received and sent, and the -log file has
// all of it.
type serveLogs struct {
	server  *slog.Logger // the server's events, for the models and services
	traffic *slog.Logger // open and close at info level, recv and send at debug
	file    *os.File     // the -log file, or nil
}

// openLogs opens the logs: on stderr, and with path, appended to that file.
func openLogs(path string, verbose bool, stderr io.Writer) (*serveLogs, error) {
	consoleLevel := slog.LevelInfo
	if verbose {
		consoleLevel = slog.LevelDebug
	}
	var mu sync.Mutex // one lock for every handler writing stderr
	console := &lineHandler{w: stderr, mu: &mu, level: slog.LevelInfo}
	consoleTraffic := &lineHandler{w: stderr, mu: &mu, level: consoleLevel}
	l := &serveLogs{
		server:  slog.New(console),
		traffic: slog.New(consoleTraffic),
	}
	if path == "" {
		return l, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("serve: -log: %w", err)
	}
	var fmu sync.Mutex
	l.file = f
	inFile := func(level slog.Level) slog.Handler { return &lineHandler{w: f, mu: &fmu, level: level} }
	l.server = slog.New(slog.NewMultiHandler(console, inFile(slog.LevelInfo)))
	l.traffic = slog.New(slog.NewMultiHandler(consoleTraffic, inFile(slog.LevelDebug)))
	return l, nil
}

// Close closes the -log file.
func (l *serveLogs) Close() error {
	if l.file == nil {
		return nil
	}
	return l.file.Close()
}

// lineHandler writes slog records as log lines: the time, the peer (or
// "server"), the level if it is not info, the message, the "text" attribute
// quoted once, and the other attributes as key=value.
type lineHandler struct {
	w     io.Writer
	mu    *sync.Mutex // guards w, shared by the handlers writing it
	level slog.Level
	attrs []slog.Attr
}

func (h *lineHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *lineHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &c
}

func (h *lineHandler) WithGroup(string) slog.Handler { return h }

func (h *lineHandler) Handle(_ context.Context, r slog.Record) error {
	peer, text, hasText := "server", "", false
	var rest []string
	add := func(a slog.Attr) bool {
		switch a.Key {
		case "peer":
			peer = a.Value.String()
		case "text":
			text, hasText = a.Value.String(), true
		default:
			rest = append(rest, a.Key+"="+quoteIfNeeded(a.Value.String()))
		}
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	var b strings.Builder
	b.WriteString(r.Time.Format("2006-01-02T15:04:05.000Z07:00"))
	b.WriteString(" " + peer)
	if r.Level != slog.LevelInfo && r.Level != slog.LevelDebug {
		b.WriteString(" " + r.Level.String())
	}
	b.WriteString(" " + r.Message)
	if hasText {
		b.WriteString(" " + strconv.Quote(text))
	}
	for _, kv := range rest {
		b.WriteString(" " + kv)
	}
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, b.String())
	return err
}

func quoteIfNeeded(s string) string {
	if s == "" || strings.ContainsAny(s, " \"=\\") || strconv.Quote(s) != `"`+s+`"` {
		return strconv.Quote(s)
	}
	return s
}

// logTraffic returns svc with every connection's open and close logged to
// log at info level and, when log shows debug, every line (or, for a
// service of bytes, every read and send) received and sent. It is a
// Service like any other, so the same log covers TCP, UDP and the browser.
func logTraffic(svc netlab.Service, row models.Service, log *slog.Logger) *loggedService {
	return &loggedService{
		svc: svc, row: row, log: log,
		lines: log.Enabled(context.Background(), slog.LevelDebug),
	}
}

// mostLogged is the longest text one log line shows; the rest is counted.
const mostLogged = 256

type loggedService struct {
	svc   netlab.Service
	row   models.Service
	log   *slog.Logger
	lines bool // log what is received and sent, not just open and close
}

// The model asks the service what a busy client and an idle timeout are.
var (
	_ netlab.BusyReplier   = (*loggedService)(nil)
	_ netlab.IdleTimeouter = (*loggedService)(nil)
	_ netlab.Idler         = (*loggedSession)(nil)
)

func (s *loggedService) BusyReply() []byte { return netlab.BusyReplyOf(s.svc) }

func (s *loggedService) IdleTimeout() time.Duration { return netlab.IdleTimeoutOf(s.svc) }

func (s *loggedService) Open(c netlab.Conn) netlab.Session {
	peer := c.RemoteAddr().String()
	log := s.log.With("peer", peer)
	log.Info("open")
	ls := &loggedSession{log: log, row: s.row, lines: s.lines}
	if s.lines {
		c = &loggedConn{Conn: c, log: log, row: s.row}
	}
	ls.Session = s.svc.Open(c)
	return ls
}

// loggedSession logs what the session is fed.
type loggedSession struct {
	netlab.Session
	log   *slog.Logger
	row   models.Service
	lines bool
	in    lineSplitter // the line received so far; session-owned
	body  int64        // raw bytes still to come after a control line
	bodyN int64        // the size of that body
}

func (s *loggedSession) Data(p []byte) {
	if s.lines {
		s.logReceived(p)
	}
	s.Session.Data(p)
}

func (s *loggedSession) logReceived(p []byte) {
	if s.row.Framing == models.Bytes {
		logBytes(s.log, "recv", p)
		return
	}
	for len(p) > 0 {
		if s.body > 0 {
			n := min(int64(len(p)), s.body)
			p, s.body = p[n:], s.body-n
			if s.body == 0 {
				s.log.Debug("recv", "bytes", s.bodyN)
			}
			continue
		}
		var line []byte
		var ok bool
		line, p, ok = s.in.next(p)
		if !ok {
			return
		}
		s.log.Debug("recv", "text", string(line))
		if s.row.Body != nil {
			s.body = s.row.Body(line)
			s.bodyN = s.body
		}
	}
}

func (s *loggedSession) EOF() {
	if rest := s.in.rest(); rest != nil {
		s.log.Debug("recv", "text", string(rest))
	}
	s.log.Debug("recv EOF")
	s.Session.EOF()
}

func (s *loggedSession) Closed(err error) {
	s.Session.Closed(err)
	if err != nil {
		s.log.Info("close", "err", err.Error())
	} else {
		s.log.Info("close")
	}
}

func (s *loggedSession) Idle() bool {
	if i, ok := s.Session.(netlab.Idler); ok {
		return i.Idle()
	}
	return true
}

// loggedConn logs what the session sends.
type loggedConn struct {
	netlab.Conn
	log *slog.Logger
	row models.Service
	mu  sync.Mutex   // guards out: Send may be called from any goroutine
	out lineSplitter // the line sent so far
}

func (c *loggedConn) Send(p []byte) error {
	if c.row.Framing == models.Bytes {
		logBytes(c.log, "send", p)
		return c.Conn.Send(p)
	}
	c.mu.Lock()
	for q := p; ; {
		line, rest, ok := c.out.next(q)
		if !ok {
			break
		}
		c.log.Debug("send", "text", string(line))
		q = rest
	}
	c.mu.Unlock()
	return c.Conn.Send(p)
}

func (c *loggedConn) SendFile(f *os.File, off, n int64) error {
	c.log.Debug("send", "bytes", n, "file", f.Name())
	return c.Conn.SendFile(f, off, n)
}

// logBytes logs p, a read or a send of a service of bytes, as one line.
func logBytes(log *slog.Logger, event string, p []byte) {
	if len(p) <= mostLogged {
		log.Debug(event, "text", string(p))
		return
	}
	log.Debug(event, "text", string(p[:mostLogged])+"…", "bytes", len(p))
}

// lineSplitter cuts a stream into lines, holding at most mostLogged bytes
// of the line not yet ended: a longer line is logged cut short.
type lineSplitter struct {
	buf  []byte
	over int // bytes of the current line beyond buf
}

// next returns the first line ended in p (without its LF, with what came
// before p) and the rest of p, or ok false once p holds no LF; the bytes
// it held then are kept for the next call.
func (s *lineSplitter) next(p []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(p, '\n')
	if i < 0 {
		s.keep(p)
		return nil, nil, false
	}
	s.keep(p[:i])
	line = s.buf
	if s.over > 0 {
		line = append(line, fmt.Sprintf("… (%d bytes more)", s.over)...)
	}
	s.buf, s.over = nil, 0
	return line, p[i+1:], true
}

func (s *lineSplitter) keep(p []byte) {
	n := min(len(p), mostLogged-len(s.buf))
	s.buf = append(s.buf, p[:n]...)
	s.over += len(p) - n
}

// rest returns the text of a line never ended, or nil.
func (s *lineSplitter) rest() []byte {
	if len(s.buf) == 0 && s.over == 0 {
		return nil
	}
	line, _, _ := s.next([]byte{'\n'})
	return line
}
