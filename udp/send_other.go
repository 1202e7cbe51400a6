//go:build !unix

package udp

import (
	"fmt"
	"net"
	"net/netip"
)

// sendNow writes p to addr. Off Unix it is Go's ordinary WriteTo, which
// may wait while the send buffer is full.
func sendNow(c *net.UDPConn, _ bool, addr netip.AddrPort, p []byte) error {
	if _, err := c.WriteToUDPAddrPort(p, addr); err != nil {
		return fmt.Errorf("udp: send: %w", err)
	}
	return nil
}

// isIPv4 does not matter off Unix: WriteTo spells the address itself.
func isIPv4(*net.UDPConn) bool { return false }
