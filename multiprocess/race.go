//go:build race

package multiprocess

import (
	"os"
	"strings"
)

// raceOptions returns the GORACE setting for a child. A program built with
// -race sleeps for a second as it exits, so that other threads can still
// report a race; a child per connection would make every connection last a
// second longer. Zero keeps the reports and drops the wait.
func raceOptions() []string {
	opts := os.Getenv("GORACE")
	if !strings.Contains(opts, "atexit_sleep_ms") {
		opts = strings.TrimSpace(opts + " atexit_sleep_ms=0")
	}
	return []string{"GORACE=" + opts}
}
