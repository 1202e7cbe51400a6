package labkit

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// List writes one line per lab: its name, the exercise it covers, how long
// it takes and its title.
func List(w io.Writer, labs []Lab) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LAB\tMINUTES\tTITLE\tCOVERS")
	for _, l := range labs {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", l.Name, l.Minutes, l.Title, l.Covers)
	}
	return tw.Flush()
}

// Check runs a lab's tests against the student's code and writes a summary
// a student can read: each test passed or failed, with the failure's
// message. In the repository, where the solution sits beside the starter,
// it tests the starter (-tags starter); in a student's copy, the code that
// is there. It reports whether every test passed.
func Check(ctx context.Context, w io.Writer, root string, lab Lab) (bool, error) {
	tags := ""
	if lab.HasSolution() {
		tags = "starter"
	}
	results, err := GoTest(ctx, root, []Lab{lab}, tags, "120s")
	if err != nil {
		return false, err
	}
	r := results[lab.Name]
	for _, name := range r.Tests {
		if !slices.Contains(r.Failed, name) {
			fmt.Fprintf(w, "  ok    %s\n", name)
			continue
		}
		fmt.Fprintf(w, "  FAIL  %s\n", name)
		for _, msg := range failures(r.Output[name]) {
			fmt.Fprintf(w, "          %s\n", strings.TrimSpace(msg))
		}
	}
	if !r.Passed && len(r.Failed) == 0 {
		fmt.Fprintf(w, "  the lab does not build or its test binary failed:\n")
		for _, msg := range failures(r.Output[""]) {
			fmt.Fprintf(w, "          %s\n", msg)
		}
	}
	if r.Passed {
		fmt.Fprintf(w, "PASS  %s  (%d tests)\n", lab.Name, len(r.Tests))
	} else {
		fmt.Fprintf(w, "FAIL  %s  (%d of %d tests fail; read the messages above and %s/README.md)\n",
			lab.Name, len(r.Failed), len(r.Tests), lab.Name)
	}
	return r.Passed, nil
}
