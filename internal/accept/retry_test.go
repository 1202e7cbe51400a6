package accept_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/accept"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want accept.Verdict
	}{
		{os.NewSyscallError("accept4", syscall.EMFILE), accept.Pause},
		{os.NewSyscallError("accept4", syscall.ENFILE), accept.Pause},
		{fmt.Errorf("wrapped: %w", os.NewSyscallError("accept", syscall.ENOBUFS)), accept.Pause},
		{os.NewSyscallError("accept4", syscall.ENOMEM), accept.Pause},
		{os.NewSyscallError("accept4", syscall.ECONNABORTED), accept.Skip},
		{os.NewSyscallError("accept4", syscall.EPROTO), accept.Skip},
		{os.NewSyscallError("accept4", syscall.ENETUNREACH), accept.Skip},
		{os.NewSyscallError("accept4", syscall.EBADF), accept.Stop},
		{os.NewSyscallError("accept4", syscall.EINVAL), accept.Stop},
		{net.ErrClosed, accept.Stop},
		{errors.New("something else"), accept.Stop},
	} {
		t.Run(fmt.Sprintf("%v is %v", tc.err, verdict(tc.want)), func(t *testing.T) {
			assert.Equal(t, tc.want, accept.Classify(tc.err))
		})
	}
}

func verdict(v accept.Verdict) string {
	return map[accept.Verdict]string{accept.Stop: "stop", accept.Skip: "skip", accept.Pause: "pause"}[v]
}

// script is an accept function that fails with the given errors, in turn,
// and then returns "conn".
type script struct {
	mu    sync.Mutex
	errs  []error
	calls int
}

func (s *script) accept() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if len(s.errs) > 0 {
		err := s.errs[0]
		s.errs = s.errs[1:]
		return "", err
	}
	return "conn", nil
}

// logTo returns a logger that writes every record to w as text, without its
// time. Next logs on its caller's goroutine, so w needs no lock.
func logTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		Level:       slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr { return dropTime(a) },
	}))
}

func dropTime(a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestNext(t *testing.T) {
	emfile := os.NewSyscallError("accept4", syscall.EMFILE)
	aborted := os.NewSyscallError("accept4", syscall.ECONNABORTED)

	for _, tc := range []struct {
		name string
		errs []error
	}{
		{"a connection is returned as accepted", nil},
		{"a connection lost in the backlog is skipped", []error{aborted, aborted}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ls accept.Listeners
			s := &script{errs: tc.errs}
			c, err := accept.Next(&ls, discard(), "test", s.accept)
			require.NoError(t, err)
			assert.Equal(t, "conn", c)
			assert.Equal(t, len(tc.errs)+1, s.calls, "calls to accept")
		})
	}

	t.Run("running out of descriptors is logged once per burst and the backlog served after", func(t *testing.T) {
		var ls accept.Listeners
		var log bytes.Buffer
		s := &script{errs: []error{emfile, emfile, emfile}}
		c, err := accept.Next(&ls, logTo(&log), "test", s.accept)
		require.NoError(t, err)
		assert.Equal(t, "conn", c)
		assert.Equal(t, 4, s.calls)

		lines := strings.Split(strings.TrimSpace(log.String()), "\n")
		require.Len(t, lines, 2, "one line when the burst starts, one when it ends: %q", lines)
		assert.Contains(t, lines[0], "level=ERROR")
		assert.Contains(t, lines[0], "too many open files")
		assert.Contains(t, lines[1], "level=INFO")
		assert.Contains(t, lines[1], "failures=3")
	})

	t.Run("any other error is returned with the loop's name", func(t *testing.T) {
		var ls accept.Listeners
		s := &script{errs: []error{os.NewSyscallError("accept4", syscall.EBADF)}}
		_, err := accept.Next(&ls, discard(), "test", s.accept)
		require.Error(t, err)
		assert.ErrorIs(t, err, syscall.EBADF)
		assert.True(t, strings.HasPrefix(err.Error(), "test: accept: "), err.Error())
	})

	t.Run("an error after Close is ErrServerClosed", func(t *testing.T) {
		var ls accept.Listeners
		ls.Close()
		s := &script{errs: []error{net.ErrClosed}}
		_, err := accept.Next(&ls, discard(), "test", s.accept)
		assert.Equal(t, netlab.ErrServerClosed, err)
	})

	t.Run("Close cuts a pause short", func(t *testing.T) {
		var ls accept.Listeners
		failed := make(chan struct{})
		var once sync.Once
		forever := func() (string, error) {
			once.Do(func() { close(failed) })
			return "", emfile
		}
		errc := make(chan error, 1)
		go func() {
			_, err := accept.Next(&ls, discard(), "test", forever)
			errc <- err
		}()
		<-failed
		ls.Close()
		assert.Equal(t, netlab.ErrServerClosed, <-errc)
	})
}
