//go:build unix

package udp

import (
	"fmt"
	"net"
	"net/netip"

	"golang.org/x/sys/unix"
)

// sendNow writes p to addr without ever parking the caller. Go's own
// WriteTo waits for the socket to become writable when the kernel's send
// buffer is full (EAGAIN); here EAGAIN loses the datagram instead, which is
// what a datagram socket may do and what the contract's never-blocking Send
// needs. Returning true from the raw callback tells Go not to wait.
func sendNow(c *net.UDPConn, v4 bool, addr netip.AddrPort, p []byte) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return fmt.Errorf("udp: send: %w", err)
	}
	var sa unix.Sockaddr = &unix.SockaddrInet6{Port: int(addr.Port()), Addr: addr.Addr().As16()}
	if v4 {
		sa = &unix.SockaddrInet4{Port: int(addr.Port()), Addr: addr.Addr().As4()}
	}
	var serr error
	if err := rc.Write(func(fd uintptr) bool {
		serr = unix.Sendto(int(fd), p, unix.MSG_DONTWAIT, sa)
		return true
	}); err != nil {
		return fmt.Errorf("udp: send: %w", err)
	}
	if serr != nil {
		return fmt.Errorf("udp: sendto %v: %w", addr, serr)
	}
	return nil
}

// isIPv4 reports whether c is an AF_INET socket. Any other (Go listens on
// a dual-stack AF_INET6 socket for a wildcard address) reaches an IPv4 peer
// through its mapped address, ::ffff:a.b.c.d.
func isIPv4(c *net.UDPConn) bool {
	rc, err := c.SyscallConn()
	if err != nil {
		return false
	}
	domain := 0
	rc.Control(func(fd uintptr) {
		domain, _ = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_DOMAIN)
	})
	return domain == unix.AF_INET
}
