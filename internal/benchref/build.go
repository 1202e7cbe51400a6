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

// ErrNoCompiler is returned by [BuildC] and [BuildEcho] when no C compiler
// is on PATH.
var ErrNoCompiler = errors.New("benchref: no C compiler (cc) on PATH: install one (apt install gcc) to build the C references")

// BuildC compiles the C program src with cc -O2 and flags into the
// executable bin.
func BuildC(src, bin string, flags ...string) error {
	cc, err := exec.LookPath("cc")
	if err != nil {
		return ErrNoCompiler
	}
	args := append(append([]string{"-O2"}, flags...), "-o", bin, src)
	if out, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("benchref: cc %s: %w\n%s", filepath.Base(src), err, out)
	}
	return nil
}

// BuildEcho compiles c/echo.c into dir and returns the path of the
// executable. It takes a fraction of a second; call it once per benchmark
// run, into a temporary directory.
func BuildEcho(dir string) (string, error) {
	src := filepath.Join(dir, "echo.c")
	if err := os.WriteFile(src, echoSource, 0o600); err != nil {
		return "", fmt.Errorf("benchref: %w", err)
	}
	bin := filepath.Join(dir, "echo")
	if err := BuildC(src, bin); err != nil {
		return "", err
	}
	return bin, nil
}
