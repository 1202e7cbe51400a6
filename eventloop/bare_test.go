//go:build linux

package eventloop_test

import "github.com/netlab-go/netlab/netlabtest"

// newBareEcho is the standard library's minimum for an echo server, the Go
// yardstick of the throughput benchmark: a goroutine per connection that
// reads into its own buffer and writes back what it read, through the
// runtime's netpoller. No session, no queue, no timers; Shutdown closes
// everything at once.
func newBareEcho() *netlabtest.BareServer { return netlabtest.NewBareServer(netlabtest.BareEcho) }
