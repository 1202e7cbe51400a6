package models_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/internal/models"
)

func TestTables(t *testing.T) {
	t.Run("every name is spelled once and found by lookup", func(t *testing.T) {
		for _, names := range [][]string{models.Names(), models.ServiceNames()} {
			seen := map[string]bool{}
			for _, n := range names {
				assert.False(t, seen[n], "%s twice", n)
				seen[n] = true
			}
		}
		for _, m := range models.All {
			got, err := models.Lookup(m.Name)
			require.NoError(t, err)
			assert.Equal(t, m.Name, got.Name)
		}
		for _, s := range models.Services {
			got, err := models.LookupService(s.Name)
			require.NoError(t, err)
			assert.Equal(t, s.Name, got.Name)
		}
	})

	t.Run("an unknown name is an error that lists the known ones", func(t *testing.T) {
		_, err := models.Lookup("forking")
		assert.ErrorContains(t, err, `unknown model "forking"`)
		assert.ErrorContains(t, err, models.Names()[0])
		_, err = models.LookupService("http")
		assert.ErrorContains(t, err, `unknown service "http"`)
	})

	t.Run("what a model serves at once follows its flags", func(t *testing.T) {
		for _, m := range models.All {
			n := 0
			if m.AtOnce != nil {
				n = m.AtOnce(models.Flags{Workers: 3})
			}
			assert.Equal(t, n == 0 || 5 <= n, m.Serves(5, models.Flags{Workers: 3}), m.Name)
			assert.Equal(t, n == 1, m.Serial(models.Flags{Workers: 3}), m.Name)
			if l := m.Limit(models.Flags{Workers: 3}); l > 0 {
				assert.True(t, m.Serves(l, models.Flags{Workers: 3}), "%s serves its own limit", m.Name)
			}
		}
		assert.True(t, models.OneAtATime().Serial(models.Flags{}))
		assert.False(t, models.Reference().Serial(models.Flags{}))
	})
}

// The files service without a root serves a folder under the user's cache
// directory, creates it, and says so.
func TestFilesDefaultRoot(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	files, err := models.LookupService("files")
	require.NoError(t, err)
	var said bytes.Buffer
	_, cleanup, err := files.New(models.Flags{Say: &said})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, cleanup()) })
	want := filepath.Join(cache, "netlab", "files")
	assert.DirExists(t, want)
	assert.Equal(t, "serving files from "+want+"\n", said.String())
}

func TestFilesRefusesAFolderThatIsNotThere(t *testing.T) {
	files, err := models.LookupService("files")
	require.NoError(t, err)
	missing := filepath.Join(t.TempDir(), "missing")
	_, _, err = files.New(models.Flags{Root: missing})
	assert.ErrorContains(t, err, "pass -root DIR with an existing folder")
	_, statErr := os.Stat(missing)
	assert.ErrorIs(t, statErr, os.ErrNotExist, "nothing is created for a root given")
}

func TestServiceTransports(t *testing.T) {
	t.Run("every service has a port of its own", func(t *testing.T) {
		seen := map[int]string{}
		for _, s := range models.Services {
			assert.Positive(t, s.Port, s.Name)
			assert.Empty(t, seen[s.Port], "%s and %s share port %d", s.Name, seen[s.Port], s.Port)
			seen[s.Port] = s.Name
		}
	})

	t.Run("a line service is served over UDP as lines, a byte service as datagrams", func(t *testing.T) {
		for _, s := range models.Services {
			assert.Equal(t, s.Framing == models.Lines, s.UDPOptions().Lines, s.Name)
		}
	})

	t.Run("the chat page is chat's; files is served over TCP only", func(t *testing.T) {
		chat := models.MustLookupService("chat")
		assert.True(t, chat.Web)
		assert.True(t, chat.UDP)
		assert.Len(t, chat.WebOptions(), 1)
		files := models.MustLookupService("files")
		assert.False(t, files.Web)
		assert.False(t, files.UDP)
	})

	t.Run("a PUT line announces its body, other lines none", func(t *testing.T) {
		files := models.MustLookupService("files")
		require.NotNil(t, files.Body)
		for line, want := range map[string]int64{
			"PUT a.txt 6":   6,
			"PUT a.txt 0":   0,
			"PUT a.txt -1":  0,
			"PUT a.txt six": 0,
			"GET a.txt 6":   0,
			"PUT a.txt":     0,
			"LIST":          0,
		} {
			assert.Equal(t, want, files.Body([]byte(line)), line)
		}
	})

	t.Run("a flag a row reads belongs to that row alone", func(t *testing.T) {
		for _, m := range models.All {
			for _, f := range m.Flags {
				for _, s := range models.Services {
					assert.NotContains(t, s.Flags, f, "-%s is %s's and %s's", f, m.Name, s.Name)
				}
			}
		}
	})
}
