package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/netlab-go/netlab/labs/labkit"
)

// runLab is `netlab lab`: the course's labs under labs/, for a student who
// does not know go test's flags yet. It is labtool (go run ./labs/labtool)
// under the one binary's name, and works from the repository or from a
// student copy that `netlab lab export` wrote, since both hold the labs
// beside their go.mod.
func runLab(ctx context.Context, args []string, _ io.Reader, stdout, _ io.Writer) error {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Fprint(stdout, "Usage: netlab lab VERB [ARGS]\n\n"+labkit.Usage)
		return nil
	}
	code, err := labkit.Command(ctx, stdout, args)
	switch {
	case code == 0:
		return err
	case code == exitUsage:
		if err == nil {
			err = errors.New("see 'netlab help lab'")
		}
		return usagef("lab: %w", err)
	case err == nil:
		// A lab whose tests fail: the summary above says which and why.
		return errors.New("lab: not passing yet")
	}
	return fmt.Errorf("lab: %w", err)
}
