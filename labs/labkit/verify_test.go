package labkit

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStarterProblem(t *testing.T) {
	lab := Lab{Name: "01-x", Fails: []string{"TestB", "TestA"}}
	for _, tc := range []struct {
		name string
		r    Result
		want string // "" for no problem; else a phrase of the problem
	}{
		{"a starter that fails exactly the manifest's tests is honest", Result{Failed: []string{"TestA", "TestB"}}, ""},
		{"a starter that passes has nothing to do", Result{Passed: true}, "nothing to do"},
		{"a starter that also fails another test fails for the wrong reason", Result{Failed: []string{"TestA", "TestB", "TestC"}}, "says it fails"},
		{"a starter that fails fewer tests than the manifest says is caught", Result{Failed: []string{"TestA"}}, "says it fails"},
		{"a panic is not a failure message", Result{Failed: []string{"TestA", "TestB"}, Panicked: true}, "panic"},
		{"a timeout is not a failure message", Result{Failed: []string{"TestA", "TestB"}, TimedOut: true}, "time out"},
		{"a starter that does not build is caught", Result{Output: map[string][]string{"": {"undefined: x"}}}, "does not build"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := starterProblem(lab, &tc.r)
			if tc.want == "" {
				assert.Empty(t, got)
				return
			}
			assert.Contains(t, got, tc.want)
		})
	}
}

func TestFailuresKeepTheMessagesOnly(t *testing.T) {
	out := []string{
		"=== RUN   TestA",
		"    a_test.go:10: the second client waited 2.0s",
		"    a_test.go:12: ",
		"        \tError Trace:\t/x/a_test.go:12",
		"        \tError:      \tNot equal: ",
		"        \tDiff:",
		"        \t            \t-busy",
		"        \tTest:       \tTestA",
		"        \tMessages:   \tno bound",
		"--- FAIL: TestA (2.00s)",
	}
	got := failures(out)
	assert.Equal(t, []string{
		"    a_test.go:10: the second client waited 2.0s",
		"    a_test.go:12: ",
		"        \tError:      \tNot equal: ",
		"        \tMessages:   \tno bound",
	}, got)
}
