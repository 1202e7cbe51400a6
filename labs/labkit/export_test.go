package labkit_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/labs/labkit"
)

// The student copy builds on its own, fails as handed out, and passes once
// the work is done. It compiles and runs a lab's tests twice, so -short
// skips it; labtool verify does the same for every lab.
func TestExport(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a student module twice")
	}
	root, err := labkit.ModuleRoot(".")
	require.NoError(t, err)
	all, err := labkit.Labs(filepath.Join(root, "labs"))
	require.NoError(t, err)
	picked, err := labkit.Pick(all, []string{"1"})
	require.NoError(t, err)
	out := t.TempDir()
	require.NoError(t, labkit.Export(root, out, picked))

	t.Run("the copy has the starter, the tests and the README, and no solution", func(t *testing.T) {
		dir := filepath.Join(out, "labs", picked[0].Name)
		assert.FileExists(t, filepath.Join(dir, "README.md"))
		assert.FileExists(t, filepath.Join(dir, labkit.Manifest))
		assert.NoFileExists(t, filepath.Join(dir, labkit.Solution))
		starter, err := os.ReadFile(filepath.Join(dir, labkit.Starter))
		require.NoError(t, err)
		assert.NotContains(t, string(starter), "//go:build", "the starter builds without tags")
		assert.Contains(t, string(starter), "TODO")
	})

	copied, err := labkit.Labs(filepath.Join(out, "labs"))
	require.NoError(t, err)
	t.Run("its tests fail as handed out", func(t *testing.T) {
		res, err := labkit.GoTest(t.Context(), out, copied, "", "120s")
		require.NoError(t, err)
		r := res[picked[0].Name]
		assert.False(t, r.Passed)
		assert.ElementsMatch(t, picked[0].Fails, r.Failed)
	})
	t.Run("with the solution in place of the starter its tests pass", func(t *testing.T) {
		require.NoError(t, labkit.CopySolutions(root, out, picked))
		res, err := labkit.GoTest(t.Context(), out, copied, "", "120s")
		require.NoError(t, err)
		assert.True(t, res[picked[0].Name].Passed, "%v", res[picked[0].Name].Output)
	})
	t.Run("a second export into the same folder is refused", func(t *testing.T) {
		assert.ErrorContains(t, labkit.Export(root, out, picked), "is not empty")
	})
}

func TestPick(t *testing.T) {
	labs := []labkit.Lab{{Name: "01-concurrent"}, {Name: "12-process"}}
	for _, name := range []string{"1", "01", "01-concurrent"} {
		got, err := labkit.Pick(labs, []string{name})
		require.NoError(t, err, name)
		assert.Equal(t, "01-concurrent", got[0].Name)
	}
	_, err := labkit.Pick(labs, []string{"99"})
	assert.ErrorContains(t, err, `no lab "99"`)
}
