// Package services registers netlab's three services with the multiprocess
// model, so that a program that imports it can run echo, chat and files in
// child processes. It is the one place that knows how each service is
// described in a [multiprocess.Spec] and rebuilt from one; the model itself
// knows no service.
//
// A program imports it for its side effect, and calls the child hook first:
//
//	import "github.com/netlab-go/netlab/multiprocess/services"
//
//	func main() {
//		if multiprocess.IsChild() {
//			os.Exit(multiprocess.RunChild())
//		}
//		srv, err := multiprocess.New(services.Files("/srv/files", 1<<30), netlab.Config{}, multiprocess.Options{})
//		…
//	}
package services

import (
	"flag"
	"fmt"
	"io"
	"strconv"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/filesrv"
	"github.com/netlab-go/netlab/multiprocess"
	"github.com/netlab-go/netlab/tempconv"
)

// The chat service's parent instance serves each child's relay hub.
var _ multiprocess.Relayer = (*chat.Service)(nil)

func init() {
	multiprocess.Register("echo", newEcho)
	multiprocess.Register("chat", newChat)
	multiprocess.Register("files", newFiles)
	multiprocess.Register("tempconv", func(multiprocess.Env) (netlab.Service, error) { return tempconv.New(), nil })
}

// Echo returns the Spec of the echo service.
func Echo() multiprocess.Spec { return multiprocess.Spec{Service: "echo"} }

// Chat returns the Spec of a chat room. The room's one hub lives in the
// parent; every child relays to it over its socketpair.
func Chat() multiprocess.Spec { return multiprocess.Spec{Service: "chat"} }

// Files returns the Spec of a files service serving the folder root, which
// must be an absolute path (the children start in the parent's working
// directory, but an absolute path says so), with uploads of at most
// maxUpload bytes (0: [filesrv.DefaultMaxUpload]).
func Files(root string, maxUpload int64) multiprocess.Spec {
	args := []string{"-root", root}
	if maxUpload > 0 {
		args = append(args, "-max-upload", strconv.FormatInt(maxUpload, 10))
	}
	return multiprocess.Spec{Service: "files", Args: args}
}

// SpecOf returns the Spec of a service made by [echo.New], [chat.New],
// [filesrv.New] or [tempconv.New]. A files service does not tell its upload
// limit, so its Spec has the default one; use [Files] to choose it.
func SpecOf(svc netlab.Service) (multiprocess.Spec, error) {
	switch svc := svc.(type) {
	case *echo.Service:
		return Echo(), nil
	case *chat.Service:
		return Chat(), nil
	case *filesrv.Service:
		return Files(svc.String(), 0), nil
	case *tempconv.Service:
		return multiprocess.Spec{Service: "tempconv"}, nil
	}
	return multiprocess.Spec{}, fmt.Errorf("multiprocess: no Spec for a %T: register it with multiprocess.Register and build its Spec by hand", svc)
}

func newEcho(multiprocess.Env) (netlab.Service, error) { return echo.New(), nil }

// newChat gives a child a hub that relays to the parent's, and the parent
// the one real hub.
func newChat(env multiprocess.Env) (netlab.Service, error) {
	if env.Link != nil {
		return chat.New(chat.Options{Hub: chat.NewRelayHub(env.Link)}), nil
	}
	return chat.New(chat.Options{Logger: env.Logger}), nil
}

// newFiles opens the folder in every process. Each clears what crashed
// uploads left behind as it starts, and skips the temporary files that
// running uploads hold locked, so a child starting mid-upload harms none.
func newFiles(env multiprocess.Env) (netlab.Service, error) {
	fs := flag.NewFlagSet("files", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	root := fs.String("root", "", "the folder served")
	maxUpload := fs.Int64("max-upload", 0, "the largest PUT")
	if err := fs.Parse(env.Args); err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	if *root == "" {
		return nil, fmt.Errorf("files: no -root in the Spec")
	}
	return filesrv.New(*root, filesrv.Options{MaxUpload: *maxUpload, Logger: env.Logger})
}
