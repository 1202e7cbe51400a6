package labkit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// A Result is what `go test` said about one lab's package.
type Result struct {
	Passed   bool                // the package passed
	Tests    []string            // top-level tests, in the order they ran
	Failed   []string            // top-level tests that failed
	Output   map[string][]string // what each top-level test printed ("" for the package)
	Panicked bool                // a test panicked
	TimedOut bool                // the package hit go test's -timeout
}

// testEvent is one line of `go test -json` (cmd/test2json).
type testEvent struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// GoTest runs `go test -json` with the given build tags on the labs'
// packages, from the module root, and returns each lab's result by name.
// Packages run in parallel, as go test runs them; every package is cut
// off after timeout (a go test -timeout value).
func GoTest(ctx context.Context, root string, labs []Lab, tags, timeout string) (map[string]*Result, error) {
	args := []string{"test", "-json", "-count=1", "-timeout", timeout}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	byPkg := map[string]string{}
	for _, l := range labs {
		rel, err := filepath.Rel(root, l.Dir)
		if err != nil {
			return nil, err
		}
		pkg := "./" + filepath.ToSlash(rel)
		args = append(args, pkg)
		byPkg[filepath.ToSlash(rel)] = l.Name
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("labs: go test: %w", err)
	}
	results := map[string]*Result{}
	for _, l := range labs {
		results[l.Name] = &Result{Output: map[string][]string{}}
	}
	modPath, err := modulePath(root)
	if err != nil {
		return nil, err
	}
	if err := readEvents(out, func(e testEvent) {
		name := byPkg[strings.TrimPrefix(strings.TrimPrefix(e.Package, modPath), "/")]
		r := results[name]
		if r == nil {
			return
		}
		top, _, _ := strings.Cut(e.Test, "/")
		switch {
		case e.Action == "run" && e.Test == top:
			r.Tests = append(r.Tests, top)
		case e.Action == "fail" && e.Test == top && top != "":
			r.Failed = append(r.Failed, top)
		case e.Action == "pass" && e.Test == "":
			r.Passed = true
		case e.Action == "output":
			r.Output[top] = append(r.Output[top], strings.TrimRight(e.Output, "\n"))
			if strings.HasPrefix(e.Output, "panic: ") {
				r.Panicked = true
			}
			if strings.HasPrefix(e.Output, "panic: test timed out") {
				r.TimedOut = true
			}
		}
	}); err != nil {
		return nil, err
	}
	waitErr := cmd.Wait()
	// go test exits 1 when a test fails, which is a result, not an error;
	// a build failure shows as a package that did not pass.
	if _, ok := waitErr.(*exec.ExitError); waitErr != nil && !ok {
		return nil, fmt.Errorf("labs: go test: %w", waitErr)
	}
	for _, l := range labs {
		r := results[l.Name]
		if !r.Passed && len(r.Failed) == 0 && len(r.Output[""]) == 0 && stderr.Len() > 0 {
			r.Output[""] = strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n")
		}
	}
	return results, nil
}

func readEvents(r io.Reader, f func(testEvent)) error {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64<<10), 16<<20)
	for s.Scan() {
		var e testEvent
		if err := json.Unmarshal(s.Bytes(), &e); err != nil {
			continue // a build error line, reported on stderr as well
		}
		f(e)
	}
	return s.Err()
}

// modulePath reads the module path from root's go.mod.
func modulePath(root string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", fmt.Errorf("labs: %w", err)
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	return "", fmt.Errorf("labs: no module line in %s", filepath.Join(root, "go.mod"))
}

// failures returns the test's own lines of output: its t.Error and t.Fatal
// messages, without the === RUN and --- FAIL bookkeeping, and without
// testify's stack trace and diff, which repeat what expected and actual say.
func failures(lines []string) []string {
	var msgs []string
	inDiff := false
	for _, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "Diff:"):
			inDiff = true
			continue
		case strings.HasPrefix(t, "Test:"):
			inDiff = false
			continue
		case inDiff, strings.HasPrefix(t, "Error Trace:"), strings.HasPrefix(t, "/") && strings.Contains(t, ".go:"):
			continue
		}
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- ") ||
			t == "FAIL" || t == "PASS" || strings.HasPrefix(t, "FAIL\t") || strings.HasPrefix(t, "ok ") {
			continue
		}
		msgs = append(msgs, l)
	}
	return slices.Compact(msgs)
}
