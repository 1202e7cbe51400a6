package filesrv

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/netlab-go/netlab"
)

// spoolOver is the size above which a LIST reply is handed to the model as
// a file region instead of bytes. A connection's queued output is bounded
// ([netlab.Config.MaxPending], 1 MiB by default) and a reply bigger than
// the bound would get the client dropped; a file region costs the bound
// almost nothing, however long it is.
const spoolOver = 64 << 10

// session is one connection's protocol state machine. The model calls its
// methods one at a time, so it needs no lock.
//
// It is in one of four states: reading a control line (line holds what has
// come of it so far); discarding a line that grew past MaxLine up to its
// LF; receiving a PUT's payload (up is set); or done, after QUIT or an ERR
// to a PUT, when everything the client still sends is ignored while the
// model flushes and closes.
type session struct {
	svc *Service
	c   netlab.Conn

	line       []byte  // the control line so far, never more than MaxLine+1 bytes
	discarding bool    // skipping the rest of an over-long line
	up         *upload // the PUT whose payload is arriving, or nil
	done       bool    // Close was called: input is ignored
}

// Data feeds the session bytes from the client: control lines, split
// anywhere (one byte at a time works), and PUT payloads, which go straight
// to disk as they come. p is not kept.
func (s *session) Data(p []byte) {
	for len(p) > 0 && !s.done {
		if s.up != nil {
			p = s.receive(p)
		} else {
			p = s.control(p)
		}
	}
}

// control adds the bytes of p up to its first LF to the control line, runs
// the line if that LF ends it, and returns what follows the LF: the next
// line, or a PUT's payload.
func (s *session) control(p []byte) []byte {
	part, rest, ended := bytes.Cut(p, []byte{'\n'})
	s.appendLine(part)
	if !ended {
		return nil
	}
	if s.discarding {
		s.discarding = false // the over-long line ends here; it was answered when it overflowed
		return rest
	}
	line := strings.TrimSuffix(string(s.line), "\r")
	s.line = s.line[:0]
	s.handle(line)
	return rest
}

// appendLine adds b to the control line, or starts discarding if that
// makes the line too long. A line may reach MaxLine+1 bytes only if the
// last one is a CR, which the LF may yet turn into a terminator.
func (s *session) appendLine(b []byte) {
	if s.discarding || len(b) == 0 {
		return
	}
	n := len(s.line) + len(b)
	if n > MaxLine && !(n == MaxLine+1 && b[len(b)-1] == '\r') {
		// Answer now rather than at the LF: a client that never sends
		// one still learns why nothing happens.
		s.discarding = true
		s.line = s.line[:0]
		s.reply(ErrLineTooLong.line())
		return
	}
	if s.line == nil {
		s.line = make([]byte, 0, 128)
	}
	s.line = append(s.line, b...)
}

// receive stores the part of p that belongs to the current upload and
// returns the rest, which is the next command.
func (s *session) receive(p []byte) []byte {
	n := min(int64(len(p)), s.up.left)
	if err := s.up.write(p[:n]); err != nil {
		s.putFailed(err)
		return nil
	}
	if s.up.left == 0 {
		s.finishUpload()
	}
	return p[n:]
}

// handle runs one complete control line.
func (s *session) handle(line string) {
	cmd, perr := parseCommand(line)
	if perr != nil {
		s.fail(cmd.verb, perr)
		return
	}
	switch cmd.verb {
	case cmdList:
		s.list()
	case cmdGet:
		s.get(cmd.name, cmd.n)
	case cmdPut:
		s.put(cmd.name, cmd.n)
	case cmdHash:
		s.hash(cmd.name)
	case cmdQuit:
		s.reply([]byte("OK bye\n"))
		s.close()
	}
}

func (s *session) list() {
	entries, err := s.svc.list()
	if err != nil {
		s.fail(cmdList, s.ioError("list", err))
		return
	}
	var b bytes.Buffer
	b.WriteString("OK ")
	b.WriteString(strconv.Itoa(len(entries)))
	b.WriteByte('\n')
	for _, e := range entries {
		b.WriteString(strconv.FormatInt(e.Size, 10))
		b.WriteByte(' ')
		b.WriteString(e.Name)
		b.WriteByte('\n')
	}
	if b.Len() <= spoolOver {
		s.reply(b.Bytes())
		return
	}
	f, err := s.svc.spool(b.Bytes())
	if err != nil {
		s.fail(cmdList, s.ioError("list", err))
		return
	}
	s.c.SendFile(f, 0, int64(b.Len())) // the Conn owns f now, also on error
}

func (s *session) get(name string, off int64) {
	f, fi, err := s.svc.openRegular(name)
	if err != nil {
		s.fail(cmdGet, s.notFound("get", err))
		return
	}
	if off > fi.Size() {
		f.Close()
		s.fail(cmdGet, ErrBadOffset)
		return
	}
	n := fi.Size() - off
	s.reply([]byte("OK " + strconv.FormatInt(n, 10) + "\n"))
	if n == 0 {
		f.Close()
		return
	}
	// The bytes go from the page cache to the socket without passing
	// through this process (sendfile(2)); the size is the one we
	// announced, taken from the file we opened, whatever happens to the
	// name meanwhile.
	s.c.SendFile(f, off, n)
}

func (s *session) put(name string, size int64) {
	if size > s.svc.maxUpload {
		s.fail(cmdPut, ErrTooLarge)
		return
	}
	up, err := s.svc.startUpload(name, size)
	if err != nil {
		s.fail(cmdPut, s.ioError("put", err))
		return
	}
	s.up = up
	if size == 0 {
		s.finishUpload()
	}
}

// finishUpload commits the upload whose last byte just arrived.
func (s *session) finishUpload() {
	up := s.up
	s.up = nil
	sum, err := up.commit()
	if err != nil {
		s.fail(cmdPut, s.ioError("put", err))
		return
	}
	s.svc.log.Debug("upload stored", "name", up.name, "bytes", up.size, "sha256", sum, "peer", s.c.RemoteAddr())
	s.reply([]byte("OK " + strconv.FormatInt(up.size, 10) + " " + sum + "\n"))
}

// putFailed handles a write error in the middle of an upload.
func (s *session) putFailed(err error) {
	s.up.abort()
	s.up = nil
	s.fail(cmdPut, s.ioError("put", err))
}

func (s *session) hash(name string) {
	f, fi, err := s.svc.openRegular(name)
	if err != nil {
		s.fail(cmdHash, s.notFound("hash", err))
		return
	}
	defer f.Close()
	sum, err := s.svc.sum(name, f, fi)
	if err != nil {
		s.fail(cmdHash, s.ioError("hash", err))
		return
	}
	s.reply([]byte("OK " + sum + "\n"))
}

// fail sends an ERR reply. After an ERR to a PUT the connection is closed:
// the payload may already be on its way, and there is no telling where it
// ends and the next command begins.
func (s *session) fail(verb string, e *ProtocolError) {
	s.reply(e.line())
	if verb == cmdPut {
		s.close()
	}
}

// notFound turns a failure to open a file for reading into its reply. Every
// reason a name does not lead to a regular file inside the root (absent, a
// folder, a FIFO, a symlink leading outside, no permission) is "not found";
// a server out of file descriptors or memory, or a failing disk, is the
// server's problem, not the name's.
func (s *session) notFound(op string, err error) *ProtocolError {
	for _, serverSide := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOMEM, syscall.EIO, os.ErrClosed} {
		if errors.Is(err, serverSide) {
			return s.ioError(op, err)
		}
	}
	return ErrNotFound
}

// ioError turns a server-side failure into the reply that tells the client
// what to do: a full disk (or quota) is "no space", a file larger than the
// file system allows is "too large", and anything else, running out of
// file descriptors included, is logged and answered busy, as in "try again
// later". docs/protocols.md has no reason for "the server's disk failed",
// and inventing one would break clients that know only the documented ones.
func (s *session) ioError(op string, err error) *ProtocolError {
	var perr *ProtocolError
	switch {
	case errors.As(err, &perr):
		return perr
	case isNoSpace(err):
		s.svc.log.Warn("disk full", "op", op, "err", err, "peer", s.c.RemoteAddr())
		return ErrNoSpace
	case errors.Is(err, syscall.EFBIG):
		return ErrTooLarge
	default:
		s.svc.log.Error("file access failed", "op", op, "err", err, "peer", s.c.RemoteAddr())
		return ErrBusy
	}
}

// reply queues p for the client. A failed send means the connection is
// already gone; Closed follows and cleans up.
func (s *session) reply(p []byte) { s.c.Send(p) }

// close ends the conversation: the model flushes the replies and closes.
func (s *session) close() {
	s.done = true
	s.c.Close()
}

// EOF reports that the client will send nothing more. An upload still
// waiting for bytes never gets them: it is thrown away here, and the model
// closes the connection.
func (s *session) EOF() {
	if s.up != nil {
		s.up.abort()
		s.up = nil
	}
}

// Closed releases what the session holds: an unfinished upload's temporary
// file is removed, so a client that vanishes mid-upload leaves nothing.
func (s *session) Closed(error) {
	if s.up != nil {
		s.up.abort()
		s.up = nil
	}
}

// Idle reports whether the session is between commands, so a graceful
// shutdown may close it: not while an upload is arriving, and not with half
// a command line read, which may be the start of one.
func (s *session) Idle() bool {
	return s.up == nil && len(s.line) == 0 && !s.discarding
}
