package labkit

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Usage is the help of [Command].
const Usage = `usage:
  list                      the labs, in teaching order
  check NAME                run one lab's tests and summarise them
  export -out DIR [LAB...]  write a student copy: starters, tests, READMEs
  verify                    solutions pass, starters fail for their lab's reason, the copy works
`

// Command runs one of the verbs list, check, export and verify with its
// arguments, from the module that holds the current folder, and returns
// the exit code: 0 on success, 1 when a check or verify fails, 2 for a
// usage error. It is the whole of labtool, so that `netlab lab ARGS…` can
// be the same few lines.
func Command(ctx context.Context, w io.Writer, args []string) (int, error) {
	if len(args) == 0 {
		fmt.Fprint(w, Usage)
		return 2, errors.New("no command")
	}
	root, err := ModuleRoot(".")
	if err != nil {
		return 1, err
	}
	labs, err := Labs(filepath.Join(root, "labs"))
	if err != nil {
		return 1, err
	}
	switch verb, rest := args[0], args[1:]; verb {
	case "list":
		return 0, List(w, labs)
	case "check":
		if len(rest) != 1 {
			return 2, errors.New("check takes one lab: labtool check 01-concurrent")
		}
		picked, err := Pick(labs, rest)
		if err != nil {
			return 2, err
		}
		ok, err := Check(ctx, w, root, picked[0])
		if err != nil || !ok {
			return 1, err
		}
		return 0, nil
	case "export":
		fs := flag.NewFlagSet("export", flag.ContinueOnError)
		fs.SetOutput(w)
		out := fs.String("out", "", "the folder to write the student copy in (new or empty)")
		if err := fs.Parse(rest); err != nil {
			return 2, err
		}
		if *out == "" {
			return 2, errors.New("export needs -out DIR")
		}
		picked, err := Pick(labs, fs.Args())
		if err != nil {
			return 2, err
		}
		if err := Export(root, *out, picked); err != nil {
			return 1, err
		}
		fmt.Fprintf(w, "wrote %d labs to %s; hand it out as it is: `go test ./...` there fails until the work is done\n", len(picked), *out)
		return 0, nil
	case "verify":
		start := time.Now()
		if err := Verify(ctx, w, root, labs); err != nil {
			return 1, err
		}
		fmt.Fprintf(w, "verified in %s\n", time.Since(start).Round(time.Second))
		return 0, nil
	case "help", "-h", "-help":
		fmt.Fprint(w, Usage)
		return 0, nil
	}
	fmt.Fprint(os.Stderr, Usage)
	return 2, fmt.Errorf("unknown command %q", args[0])
}
