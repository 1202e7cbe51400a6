//go:build !linux

package eventloop_test

import (
	"errors"
	"testing"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/eventloop"
)

func TestNewSaysUnsupportedOffLinux(t *testing.T) {
	_, err := eventloop.New(echo.New(), netlab.Config{}, eventloop.Options{})
	if !errors.Is(err, netlab.ErrUnsupported) {
		t.Fatalf("New: %v, want an error wrapping netlab.ErrUnsupported", err)
	}
}
