package labkit

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// StudentModule is the module path of an exported student copy.
const StudentModule = "netlab-labs"

// Export writes a student copy of labs into out, a folder that must be empty
// or absent: a module of its own whose labs/ holds each lab's README,
// manifest, tests, shared code and starter — without its build tag, in
// place of the solution, which is left out — and whose go.mod resolves
// netlab to the checkout at root with a replace directive, so the copy
// builds on a machine that has that checkout. Its tests fail until the
// work is done.
func Export(root, out string, labs []Lab) error {
	if entries, err := os.ReadDir(out); err == nil && len(entries) > 0 {
		return fmt.Errorf("labs: export: %s is not empty; pick a new folder", out)
	}
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(out, "labs"), 0o755); err != nil {
		return fmt.Errorf("labs: export: %w", err)
	}
	if err := writeGoMod(absRoot, out); err != nil {
		return err
	}
	for _, l := range labs {
		if err := exportLab(l, filepath.Join(out, "labs", l.Name)); err != nil {
			return err
		}
	}
	// The READMEs link into docs/, which the copy carries along.
	if err := copyTree(filepath.Join(absRoot, "docs"), filepath.Join(out, "docs"), nil); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "README.md"), studentReadme(absRoot, labs), 0o644)
}

// writeGoMod writes the copy's go.mod, which requires what netlab requires
// at the same versions, and its go.sum, which is netlab's.
func writeGoMod(root, out string) error {
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return fmt.Errorf("labs: export: %w", err)
	}
	var b strings.Builder
	for line := range strings.Lines(string(mod)) {
		if strings.HasPrefix(line, "module ") {
			fmt.Fprintf(&b, "module %s\n", StudentModule)
			continue
		}
		b.WriteString(line)
	}
	path, err := modulePath(root)
	if err != nil {
		return err
	}
	fmt.Fprintf(&b, "\nrequire %s v0.0.0\n\n", path)
	fmt.Fprintf(&b, "// The labs grade through netlab's packages, taken from the checkout the\n// copy was exported from.\nreplace %s => %s\n", path, root)
	if err := os.WriteFile(filepath.Join(out, "go.mod"), []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("labs: export: %w", err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		return fmt.Errorf("labs: export: %w", err)
	}
	return os.WriteFile(filepath.Join(out, "go.sum"), sum, 0o644)
}

// exportLab copies one lab, the starter without its build tag and no
// solution.
func exportLab(l Lab, out string) error {
	return copyTree(l.Dir, out, func(rel string, b []byte) ([]byte, bool) {
		switch rel {
		case Solution:
			return nil, false
		case Starter:
			return untag(b), true
		}
		return b, true
	})
}

// untag removes a file's //go:build line and the blank line after it.
func untag(b []byte) []byte {
	first, rest, _ := bytes.Cut(b, []byte("\n"))
	if !bytes.HasPrefix(first, []byte("//go:build ")) {
		return b
	}
	return bytes.TrimLeft(rest, "\n")
}

// CopySolutions puts each lab's reference solution in a student copy at
// out, in place of its starter: what a student's finished work looks like.
func CopySolutions(root string, out string, labs []Lab) error {
	for _, l := range labs {
		b, err := os.ReadFile(filepath.Join(l.Dir, Solution))
		if err != nil {
			return fmt.Errorf("labs: %w", err)
		}
		if err := os.WriteFile(filepath.Join(out, "labs", l.Name, Starter), untag(b), 0o644); err != nil {
			return fmt.Errorf("labs: %w", err)
		}
	}
	return nil
}

// copyTree copies the files under src to dst; edit, if not nil, may change
// a file's bytes or leave it out.
func copyTree(src, dst string, edit func(rel string, b []byte) ([]byte, bool)) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("labs: export: %w", err)
		}
		keep := true
		if edit != nil {
			b, keep = edit(filepath.ToSlash(rel), b)
		}
		if !keep {
			return nil
		}
		if err := os.WriteFile(target, b, 0o644); err != nil {
			return fmt.Errorf("labs: export: %w", err)
		}
		return nil
	})
}

func studentReadme(root string, labs []Lab) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# netlab labs\n\n")
	fmt.Fprintf(&b, "Each folder under labs/ is one lab: read its README.md, edit its starter.go until its\n")
	fmt.Fprintf(&b, "tests pass. Check a lab with\n\n    go run github.com/netlab-go/netlab/labs/labtool check NAME\n\n")
	fmt.Fprintf(&b, "or with `go test ./labs/NAME`. This module takes netlab from the checkout at\n%s\n", root)
	fmt.Fprintf(&b, "(the replace line in go.mod); on another machine, point that line at your own checkout.\n\n")
	fmt.Fprintf(&b, "| lab | minutes | what you do | covers |\n|---|---|---|---|\n")
	for _, l := range labs {
		fmt.Fprintf(&b, "| [%s](labs/%s/README.md) | %d | %s | %s |\n", l.Name, l.Name, l.Minutes, l.Title, l.Covers)
	}
	return b.Bytes()
}
