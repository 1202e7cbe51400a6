package benchref

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

//go:embed c/echo.c
var echoSource []byte

// ErrNoCompiler is returned by [BuildEcho] when no C compiler is on PATH.
var ErrNoCompiler = errors.New("benchref: no C compiler (cc) on PATH: install one (apt install gcc) to measure the C floor")

// BuildEcho compiles c/echo.c with cc -O2 into dir and returns the path of
// the executable. It takes a fraction of a second; call it once per
// benchmark run, into a temporary directory.
func BuildEcho(dir string) (string, error) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		return "", ErrNoCompiler
	}
	src := filepath.Join(dir, "echo.c")
	if err := os.WriteFile(src, echoSource, 0o600); err != nil {
		return "", fmt.Errorf("benchref: %w", err)
	}
	bin := filepath.Join(dir, "echo")
	out, err := exec.Command(cc, "-O2", "-o", bin, src).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("benchref: cc echo.c: %w\n%s", err, out)
	}
	return bin, nil
}
