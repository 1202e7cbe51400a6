//go:build !linux

package eventloop_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/eventloop"
)

func TestNewSaysUnsupportedOffLinux(t *testing.T) {
	_, err := eventloop.New(echo.New(), netlab.Config{}, eventloop.Options{})
	assert.ErrorIs(t, err, netlab.ErrUnsupported, "New off Linux")
}
