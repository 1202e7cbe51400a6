package netlabtest_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/perconn"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var newPerconn = netlabtest.Infallible(perconn.New)

func TestServing(t *testing.T) {
	t.Run("a server the test built serves on its socket until the test ends", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		netlabtest.Serving(t, perconn.New(echo.New(), netlab.Config{}), l)
		netlabtest.RoundTrip(t, netlabtest.Dial(t, l.Addr().String()), "hello\n")
	})
}

func TestBareFiles(t *testing.T) {
	t.Run("it lists the folder and sends a file after its size", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "b"), []byte("0123456789"), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "a"), []byte("x"), 0o644))
		addr := netlabtest.StartBare(t, func(c net.Conn) { netlabtest.BareFiles(c, dir, nil) })
		c := netlabtest.Dial(t, addr)
		_, err := c.Write([]byte("LIST\n"))
		require.NoError(t, err)
		netlabtest.Expect(t, c, "OK 2\n1 a\n10 b\n")
		_, err = c.Write([]byte("GET b\n"))
		require.NoError(t, err)
		netlabtest.Expect(t, c, "OK 10\n0123456789")
	})
}

func TestConn(t *testing.T) {
	t.Run("it records sends and file regions in order, and Take empties the record", func(t *testing.T) {
		c := netlabtest.NewConn()
		path := filepath.Join(t.TempDir(), "f")
		require.NoError(t, os.WriteFile(path, []byte("0123456789"), 0o644))
		f, err := os.Open(path)
		require.NoError(t, err)

		require.NoError(t, c.Send([]byte("head ")))
		require.NoError(t, c.SendFile(f, 2, 5))
		assert.Equal(t, "head 23456", c.Take())
		assert.Equal(t, "", c.String())
		assert.EqualValues(t, 1, c.Sends())
		assert.EqualValues(t, 1, c.Files())
		assert.ErrorIs(t, f.Close(), os.ErrClosed, "the Conn owns the file and closes it")
	})

	t.Run("after Close a send fails and Done is closed", func(t *testing.T) {
		c := netlabtest.NewConn()
		require.NoError(t, c.Close())
		require.NoError(t, c.Close())
		assert.ErrorIs(t, c.Send([]byte("late")), netlab.ErrConnClosed)
		assert.True(t, c.Closed())
		assert.EqualValues(t, 2, c.Closes())
		netlabtest.Await(t, c.Done(), "Done")
	})

	t.Run("with Max, the send that passes it drops the connection", func(t *testing.T) {
		c := netlabtest.NewConn()
		c.Max = 8
		require.NoError(t, c.Send([]byte("12345")))
		assert.ErrorIs(t, c.Send([]byte("6789")), netlab.ErrOverflow)
		netlabtest.Await(t, c.Dropped(), "the drop")
		assert.ErrorIs(t, c.Send([]byte("x")), netlab.ErrConnClosed)
		assert.Equal(t, "12345", c.Take())
	})
}

func TestProbe(t *testing.T) {
	t.Run("each session reports its open, its data, its end, and echoes by default", func(t *testing.T) {
		opened, opens := netlabtest.Opens()
		closed, closes := netlabtest.Closes()
		saw, data := netlabtest.Signal()
		svc := &netlabtest.Probe{OnOpen: opened, OnClosed: closed, OnData: func(c netlab.Conn, p []byte) {
			saw()
			c.Send(bytes.ToUpper(p))
		}}
		addr, _ := netlabtest.Start(t, newPerconn, svc, netlab.Config{})
		c := netlabtest.Dial(t, addr)
		netlabtest.Await(t, opens, "the session to open")
		_, err := c.Write([]byte("hi\n"))
		require.NoError(t, err)
		netlabtest.Expect(t, c, "HI\n")
		netlabtest.Await(t, data, "Data")
		require.NoError(t, c.Close())
		assert.NoError(t, netlabtest.Await(t, closes, "the session to close"))
	})

	t.Run("with IsIdle set its sessions are Idlers", func(t *testing.T) {
		s := (&netlabtest.Probe{IsIdle: func(netlab.Conn) bool { return true }}).Open(netlabtest.NewConn())
		idler, ok := s.(netlab.Idler)
		require.True(t, ok)
		assert.True(t, idler.Idle())
		_, ok = (&netlabtest.Probe{}).Open(netlabtest.NewConn()).(netlab.Idler)
		assert.False(t, ok)
	})
}

func TestRunTranscripts(t *testing.T) {
	t.Run("netlab's echo passes the golden echo transcripts under perconn", func(t *testing.T) {
		netlabtest.RunTranscripts(t, netlabtest.Golden(), "echo", func(t *testing.T) string {
			addr, _ := netlabtest.Start(t, newPerconn, echo.New(), netlab.Config{})
			return addr
		})
	})

	t.Run("netlab's chat passes the golden chat transcripts under perconn", func(t *testing.T) {
		for _, dir := range []string{"chat/single", "chat/multi"} {
			netlabtest.RunTranscripts(t, netlabtest.Golden(), dir, func(t *testing.T) string {
				addr, _ := netlabtest.Start(t, newPerconn, chat.New(chat.Options{}), netlab.Config{})
				return addr
			})
		}
	})

	t.Run("rewriting replaces only the receive steps that changed", func(t *testing.T) {
		dir := t.TempDir()
		script := "# a comment stays\nA connect\nA > \"hi\\n\"\nA < \"ho\\n\"\nA close\n"
		require.NoError(t, os.WriteFile(filepath.Join(dir, "t.txt"), []byte(script), 0o644))
		netlabtest.RunTranscripts(t, os.DirFS(dir), ".", func(t *testing.T) string {
			addr, _ := netlabtest.Start(t, newPerconn, echo.New(), netlab.Config{})
			return addr
		}, netlabtest.RewriteTo(dir))
		got, err := os.ReadFile(filepath.Join(dir, "t.txt"))
		require.NoError(t, err)
		assert.Equal(t, "# a comment stays\nA connect\nA > \"hi\\n\"\nA < \"hi\\n\"\nA close\n", string(got))
	})

	t.Run("the golden set has a transcript for every protocol", func(t *testing.T) {
		for _, dir := range []string{"echo", "chat/single", "chat/multi", "files"} {
			names, err := fs.Glob(netlabtest.Golden(), dir+"/*.txt")
			require.NoError(t, err)
			assert.NotEmpty(t, names, dir)
		}
		assert.DirExists(t, netlabtest.GoldenDir())
	})

}

func TestIsReset(t *testing.T) {
	assert.True(t, netlabtest.IsReset(&os.SyscallError{Syscall: "read", Err: syscall.ECONNRESET}))
	assert.False(t, netlabtest.IsReset(errors.New("EOF")))
	assert.False(t, netlabtest.IsReset(nil))
}

func TestHiddenFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a", ".upload-1", "b", ".partial"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), nil, 0o644))
	}
	assert.ElementsMatch(t, []string{".upload-1", ".partial"}, netlabtest.HiddenFiles(t, dir))
	assert.Equal(t, []string{".partial", ".upload-1", "a", "b"}, netlabtest.FileNames(t, dir), "every name, sorted")
}

func TestSHA256(t *testing.T) {
	const abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	assert.Equal(t, abc, netlabtest.SHA256("abc"))
	assert.Equal(t, abc, netlabtest.SHA256([]byte("abc")))
}

func TestLines(t *testing.T) {
	t.Run("Line waits for a line written after the call", func(t *testing.T) {
		var l netlabtest.Lines
		started := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			<-started
			fmt.Fprint(&l, "first\nsec")
			fmt.Fprint(&l, "ond\nthird, not ended")
		}()
		close(started)
		assert.Equal(t, "second", l.Line(t, 1, "the second line"))
		<-done
		assert.Equal(t, "first", l.Line(t, 0, "the first line"))
		assert.Equal(t, "first\nsecond\nthird, not ended", l.String())
	})

	t.Run("Seen is closed at once for a line already written, and never for one that is not", func(t *testing.T) {
		var l netlabtest.Lines
		fmt.Fprint(&l, "ready\n")
		l.End()
		select {
		case <-l.Seen("read"):
		default:
			t.Error("Seen of a line already written is open")
		}
		select {
		case <-l.Seen("stopped"):
			t.Error("Seen of a line never written is closed")
		default:
		}
		assert.Empty(t, l.Matching("stopped"))
	})
}
