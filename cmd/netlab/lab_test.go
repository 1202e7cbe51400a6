package main

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLab(t *testing.T) {
	t.Run("list names every lab in teaching order and exits 0", func(t *testing.T) {
		var stdout bytes.Buffer
		err := run(t.Context(), []string{"lab", "list"}, nil, &stdout, io.Discard)
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
		require.Greater(t, len(lines), 10, "a header and at least ten labs:\n%s", stdout.String())
		assert.True(t, strings.HasPrefix(lines[1], "01-"), "the first lab comes first: %q", lines[1])
	})

	t.Run("an unknown verb is a usage error", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		err := run(t.Context(), []string{"lab", "nosuch"}, nil, &stdout, &stderr)
		require.Error(t, err)
		assert.Equal(t, exitUsage, exitCode(t.Context(), err, []string{"lab", "nosuch"}, &stderr))
		assert.Contains(t, stderr.String(), `unknown command "nosuch"`)
	})

	t.Run("help lab prints the verbs on standard output", func(t *testing.T) {
		var stdout bytes.Buffer
		require.NoError(t, run(t.Context(), []string{"help", "lab"}, nil, &stdout, io.Discard))
		assert.Contains(t, stdout.String(), "export -out DIR")
	})
}
