package labkit

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// A Lab is one folder under labs/ and its manifest, lab.json.
type Lab struct {
	Name    string   `json:"-"`       // the folder's name, "01-concurrent"
	Dir     string   `json:"-"`       // the folder's path
	Title   string   `json:"title"`   // what the student does, in a few words
	Covers  string   `json:"covers"`  // the course exercise or lesson it covers
	Minutes int      `json:"minutes"` // how long a student takes, about
	Fails   []string `json:"fails"`   // the top-level tests the starter fails, and no others
}

// Manifest is the name of a lab's manifest file.
const Manifest = "lab.json"

// Starter and Solution are the files a lab's student and reference code
// live in. The starter carries the build tag starter, the solution !starter.
const (
	Starter  = "starter.go"
	Solution = "solution.go"
)

// Labs returns the labs under dir (a module's labs/ folder) in the order of
// their names, which is the order they are taught in.
func Labs(dir string) ([]Lab, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("labs: %w", err)
	}
	var labs []Lab
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		lab, err := Load(filepath.Join(dir, e.Name()))
		if errors.Is(err, os.ErrNotExist) {
			continue // labkit, labtool and the examples are not labs
		}
		if err != nil {
			return nil, err
		}
		labs = append(labs, lab)
	}
	if len(labs) == 0 {
		return nil, fmt.Errorf("labs: no folder with a %s in %s", Manifest, dir)
	}
	return labs, nil
}

// Load reads the lab in dir.
func Load(dir string) (Lab, error) {
	b, err := os.ReadFile(filepath.Join(dir, Manifest))
	if err != nil {
		return Lab{}, fmt.Errorf("labs: %w", err)
	}
	lab := Lab{Name: filepath.Base(dir), Dir: dir}
	if err := json.Unmarshal(b, &lab); err != nil {
		return Lab{}, fmt.Errorf("labs: %s: %w", filepath.Join(dir, Manifest), err)
	}
	if lab.Title == "" || len(lab.Fails) == 0 {
		return Lab{}, fmt.Errorf("labs: %s needs a title and the tests its starter fails", filepath.Join(dir, Manifest))
	}
	return lab, nil
}

// Pick returns the labs named in names, all of them if names is empty. A
// name may be the folder's whole name or its number ("3" or "03").
func Pick(labs []Lab, names []string) ([]Lab, error) {
	if len(names) == 0 {
		return labs, nil
	}
	var picked []Lab
	for _, n := range names {
		i := slices.IndexFunc(labs, func(l Lab) bool {
			num, _, _ := strings.Cut(l.Name, "-")
			return l.Name == n || num == n || strings.TrimLeft(num, "0") == n
		})
		if i < 0 {
			return nil, fmt.Errorf("labs: no lab %q; `labtool list` shows them", n)
		}
		picked = append(picked, labs[i])
	}
	return picked, nil
}

// HasSolution reports whether the lab's reference solution is beside its
// starter: true in the repository, false in a student's copy.
func (l Lab) HasSolution() bool {
	_, err := os.Stat(filepath.Join(l.Dir, Solution))
	return err == nil
}

// ModuleRoot returns the folder holding the go.mod that governs dir.
func ModuleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("labs: no go.mod above %s: run this inside the netlab checkout or a student copy", dir)
		}
	}
}
