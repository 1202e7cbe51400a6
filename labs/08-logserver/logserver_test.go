package logserver

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/labs/labkit"
	"github.com/netlab-go/netlab/multiprocess"
	"github.com/netlab-go/netlab/netlabtest"
)

// The multiprocess model's children each open the log named in the Spec.
func init() {
	multiprocess.Register("lab-log", func(env multiprocess.Env) (netlab.Service, error) {
		if len(env.Args) != 1 {
			return nil, fmt.Errorf("lab-log: want the log's path, got %q", env.Args)
		}
		return New(env.Args[0])
	})
}

func TestMain(m *testing.M) { labkit.Main(m) }

func newLog(t *testing.T) (*Service, string) {
	path := filepath.Join(t.TempDir(), "server.log")
	svc, err := New(path)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, svc.Close()) })
	return svc, path
}

func logged(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

const shareTheLog = "every session opened the log for itself with os.Create, which empties it — " +
	"open it once in New, with O_APPEND, and let every session write to that one file"

func TestEachLineIsAcknowledged(t *testing.T) {
	svc, path := newLog(t)
	c := netlabtest.NewConn()
	s := svc.Open(c)
	s.Data([]byte("first\nsec"))
	assert.Equal(t, Ack, c.Take())
	s.Data([]byte("ond\n"))
	assert.Equal(t, Ack, c.Take())
	s.Closed(nil)
	assert.Equal(t, "first\nsecond\n", logged(t, path))
}

func TestTwoSessionsShareTheLog(t *testing.T) {
	svc, path := newLog(t)
	a, b := netlabtest.NewConn(), netlabtest.NewConn()
	sa := svc.Open(a)
	sa.Data([]byte("from a\n"))
	sb := svc.Open(b)
	sb.Data([]byte("from b\n"))
	sa.Data([]byte("a again\n"))
	sa.Closed(nil)
	sb.Closed(nil)
	assert.Equal(t, "from a\nfrom b\na again\n", logged(t, path), "a second client connected while the first was logging: "+shareTheLog)
}

func TestALogKeepsWhatItHeld(t *testing.T) {
	path := filepath.Join(t.TempDir(), "server.log")
	require.NoError(t, os.WriteFile(path, []byte("yesterday\n"), 0o644))
	svc, err := New(path)
	require.NoError(t, err)
	t.Cleanup(func() { svc.Close() })
	s := svc.Open(netlabtest.NewConn())
	s.Data([]byte("today\n"))
	s.Closed(nil)
	assert.Equal(t, "yesterday\ntoday\n", logged(t, path), "a restarted server must not empty its log: "+shareTheLog)
}

func TestEveryModelKeepsEveryLine(t *testing.T) {
	svc, path := newLog(t)
	labkit.EveryModel(t, svc, multiprocess.Spec{Service: "lab-log", Args: []string{path}}, func(t *testing.T, addr string) {
		var want strings.Builder
		// One client after another, so that the iterative model serves
		// them too; each line is in the log once its ok has come.
		for _, who := range []string{"ann", "bob", "cid"} {
			c, r := labkit.Dial(t, addr)
			line := t.Name() + " " + who
			labkit.Send(t, c, line+"\n")
			labkit.ExpectLine(t, c, r, strings.TrimSuffix(Ack, "\n"), "each line is answered once it is logged")
			want.WriteString(line + "\n")
			c.Close()
		}
		if got := logged(t, path); !strings.HasSuffix(got, want.String()) {
			t.Errorf("three clients logged\n%sand the log ends\n%s%s", want.String(), got[max(0, len(got)-want.Len()):], shareTheLog)
		}
	})
}
