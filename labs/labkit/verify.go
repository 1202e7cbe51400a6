package labkit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Verify is the course's honesty check, run in CI: every lab's solution
// passes its tests; every lab's starter fails exactly the tests its
// manifest names — the ones the lab is about — without a panic or a
// timeout; and a student copy exported from the labs fails until the
// solutions are copied into it, and then passes. It writes one line per
// lab and returns an error naming every lab that broke a rule.
func Verify(ctx context.Context, w io.Writer, root string, labs []Lab) error {
	var problems []string
	fmt.Fprintln(w, "solutions:")
	sol, err := GoTest(ctx, root, labs, "", "300s")
	if err != nil {
		return err
	}
	for _, l := range labs {
		r := sol[l.Name]
		if r.Passed {
			fmt.Fprintf(w, "  ok    %s passes (%d tests)\n", l.Name, len(r.Tests))
			continue
		}
		problems = append(problems, fmt.Sprintf("%s: the solution fails %v", l.Name, r.Failed))
		fmt.Fprintf(w, "  FAIL  %s: the solution fails %v\n", l.Name, r.Failed)
		for _, m := range failures(append(r.Output[""], outputOf(r, r.Failed)...)) {
			fmt.Fprintf(w, "          %s\n", m)
		}
	}

	fmt.Fprintln(w, "starters:")
	st, err := GoTest(ctx, root, labs, "starter", "300s")
	if err != nil {
		return err
	}
	for _, l := range labs {
		if p := starterProblem(l, st[l.Name]); p != "" {
			problems = append(problems, l.Name+": "+p)
			fmt.Fprintf(w, "  FAIL  %s: %s\n", l.Name, p)
			continue
		}
		fmt.Fprintf(w, "  ok    %s fails %s, as its manifest says\n", l.Name, strings.Join(l.Fails, ", "))
	}

	fmt.Fprintln(w, "student copy:")
	if err := verifyExport(ctx, w, root, labs); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return fmt.Errorf("labs: %d problems:\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
	fmt.Fprintf(w, "all %d labs are honest\n", len(labs))
	return nil
}

// starterProblem says what is wrong with a starter's run, or "" if it
// failed exactly as the manifest says.
func starterProblem(l Lab, r *Result) string {
	switch {
	case r.Passed:
		return "the starter passes its tests: there is nothing to do"
	case r.TimedOut:
		return "the starter's tests time out: make them fail in seconds with a message"
	case r.Panicked:
		return "the starter's tests panic: make them fail with a message instead"
	case len(r.Failed) == 0:
		return "the starter does not build or its test binary failed: " + strings.Join(failures(r.Output[""]), "; ")
	}
	want := slices.Sorted(slices.Values(l.Fails))
	got := slices.Sorted(slices.Values(r.Failed))
	if !slices.Equal(want, got) {
		return fmt.Sprintf("the starter fails %v, but %s says it fails %v", got, Manifest, want)
	}
	return ""
}

func outputOf(r *Result, tests []string) []string {
	var out []string
	for _, t := range tests {
		out = append(out, r.Output[t]...)
	}
	return out
}

// verifyExport exports the labs to a temporary folder, checks that the
// copy's tests fail, copies the solutions in and checks that they pass.
func verifyExport(ctx context.Context, w io.Writer, root string, labs []Lab) (err error) {
	dir, err := os.MkdirTemp("", "netlab-labs-*")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, os.RemoveAll(dir)) }()
	if err := Export(root, dir, labs); err != nil {
		return err
	}
	copied, err := Labs(filepath.Join(dir, "labs"))
	if err != nil {
		return err
	}
	res, err := GoTest(ctx, dir, copied, "", "300s")
	if err != nil {
		return err
	}
	var problems []string
	for _, l := range copied {
		if p := starterProblem(l, res[l.Name]); p != "" {
			problems = append(problems, "the student copy of "+l.Name+": "+p)
		}
	}
	if err := CopySolutions(root, dir, labs); err != nil {
		return err
	}
	res, err = GoTest(ctx, dir, copied, "", "300s")
	if err != nil {
		return err
	}
	for _, l := range copied {
		if !res[l.Name].Passed {
			r := res[l.Name]
			problems = append(problems, fmt.Sprintf("the student copy of %s with its solution fails %v: %s",
				l.Name, r.Failed, strings.Join(failures(append(r.Output[""], outputOf(r, r.Failed)...)), " / ")))
		}
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintf(w, "  FAIL  %s\n", p)
		}
		return errors.New(strings.Join(problems, "\n  "))
	}
	fmt.Fprintf(w, "  ok    the copy of %d labs fails as handed out and passes with the solutions\n", len(copied))
	return nil
}
