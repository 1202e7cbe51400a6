package benchref_test

import (
	"bufio"
	"errors"
	"net"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/internal/benchref"
)

func TestBuildEcho(t *testing.T) {
	bin, err := benchref.BuildEcho(t.TempDir())
	if errors.Is(err, benchref.ErrNoCompiler) {
		t.Skip(err)
	}
	require.NoError(t, err)

	cmd := exec.Command(bin) // not CommandContext: t.Context ends before the cleanup that stops it
	in, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		in.Close() // end of input: the reference exits
		assert.NoError(t, cmd.Wait())
	})
	out := bufio.NewReader(stdout)
	line := func() []string {
		s, err := out.ReadString('\n')
		require.NoError(t, err)
		return strings.Fields(s)
	}

	listening := line()
	require.Len(t, listening, 2)
	require.Equal(t, "listening", listening[0])

	t.Run("it echoes what a client sends", func(t *testing.T) {
		c, err := net.Dial("tcp", listening[1])
		require.NoError(t, err)
		defer c.Close()
		_, err = c.Write([]byte("ping\n"))
		require.NoError(t, err)
		got, err := bufio.NewReader(c).ReadString('\n')
		require.NoError(t, err)
		assert.Equal(t, "ping\n", got)
	})

	t.Run("it reports its CPU time on request", func(t *testing.T) {
		_, err := in.Write([]byte("cpu\n"))
		require.NoError(t, err)
		f := line()
		require.Len(t, f, 3)
		assert.Equal(t, "cpu", f[0])
	})
}
