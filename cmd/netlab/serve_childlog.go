package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/multiprocess"
)

// childLogWrapper is the name under which every multiprocess child finds
// the traffic log: the sessions run in the children, so the children log
// them, to the same -log file and the same standard error as the parent.
const childLogWrapper = "netlab-serve-log"

func init() {
	multiprocess.RegisterWrapper(childLogWrapper, wrapChildLog)
}

// childLog returns what tells each multiprocess child to log its sessions
// as o asks. The path is made absolute so that it names the same file
// whatever directory a child runs in.
func childLog(o *serveOptions, se models.Service) (multiprocess.Wrap, error) {
	args := []string{"-service", se.Name}
	if o.logFile != "" {
		path, err := filepath.Abs(o.logFile)
		if err != nil {
			return multiprocess.Wrap{}, fmt.Errorf("serve: -log: %w", err)
		}
		args = append(args, "-log", path)
	}
	if o.verbose {
		args = append(args, "-v")
	}
	return multiprocess.Wrap{Wrapper: childLogWrapper, Args: args}, nil
}

// wrapChildLog runs in a child: it opens the child's own logs as
// [childLog]'s arguments say and logs svc's traffic to them. Every event is
// one write(2), to standard error (inherited from the parent) and to the
// -log file, opened with O_APPEND: the lines of several processes follow
// one another whole, never cut into each other.
func wrapChildLog(svc netlab.Service, env multiprocess.Env) (netlab.Service, error) {
	fs := flag.NewFlagSet(childLogWrapper, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	service := fs.String("service", "", "the service's name")
	path := fs.String("log", "", "the -log file")
	verbose := fs.Bool("v", false, "every line on standard error too")
	if err := fs.Parse(env.Args); err != nil {
		return nil, err
	}
	row, err := models.LookupService(*service)
	if err != nil {
		return nil, err
	}
	logs, err := openLogs(*path, *verbose, os.Stderr)
	if err != nil {
		return nil, err
	}
	return &childLogged{loggedService: logTraffic(svc, row, logs.traffic), logs: logs}, nil
}

// childLogged is a child's service, logged; closing it closes the log.
type childLogged struct {
	*loggedService
	logs *serveLogs
}

func (s *childLogged) Close() error { return s.logs.Close() }
