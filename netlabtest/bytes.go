package netlabtest

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// SHA256 returns the SHA-256 of data in lowercase hex, as the files
// protocol's OK and HASH replies give it.
func SHA256[T string | []byte](data T) string {
	sum := sha256.Sum256([]byte(data))
	return hex.EncodeToString(sum[:])
}

// Pattern returns n reproducible pseudo-random bytes: binary, and different
// for every seed, so that misplaced or repeated bytes never compare equal.
func Pattern(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 0x6e65746c6162))
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := r.Uint64()
		for j := i; j < min(i+8, n); j++ {
			b[j] = byte(v)
			v >>= 8
		}
	}
	return b
}

// SameBytes fails the test unless got is want, saying how long each is
// and where they first differ instead of printing megabytes.
func SameBytes(t testing.TB, what string, got, want []byte) {
	t.Helper()
	if string(got) == string(want) {
		return
	}
	i := 0
	for i < min(len(got), len(want)) && got[i] == want[i] {
		i++
	}
	t.Fatalf("%s: got %d bytes, want %d; first difference at byte %d", what, len(got), len(want), i)
}

// FileNames returns the names in dir, sorted: what a test compares with
// the files it expects a folder to hold, and nothing else.
func FileNames(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// HiddenFiles returns the names in dir that start with '.': the files
// service keeps an upload in progress under a hidden name, so these are
// uploads under way or left behind.
func HiddenFiles(t testing.TB, dir string) []string {
	t.Helper()
	var hidden []string
	for _, name := range FileNames(t, dir) {
		if strings.HasPrefix(name, ".") {
			hidden = append(hidden, name)
		}
	}
	return hidden
}
