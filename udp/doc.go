// Package udp serves any [netlab.Service] over one UDP socket, trading
// everything a stream gives (accept, a connection per client, ordering,
// delivery) for a server that is one socket and one loop.
//
// It is the event loop's idea (eventloop) without the poller: one goroutine
// reads every datagram from one socket and hands it to the session of its
// source address, so no goroutine, buffer or file descriptor is spent per
// peer. UDP needs no accept because there is no connection to accept: a
// peer is its source address, its session is created by its first datagram
// and ends when the session closes its Conn (chat's /quit) or when it has
// sent nothing for the idle timeout. What a stream would have done for the
// service, and UDP does not:
//
//   - accept: a new address simply appears; beyond [netlab.Config.MaxConns]
//     peers it is told the service's busy reply once and then ignored;
//   - streams: a datagram is a message with edges, so for a line service
//     ([Options.Lines]) a line never spans datagrams, and text after a
//     datagram's last LF is one more line;
//   - ordering: datagrams may arrive out of order; on loopback they do not,
//     on a network they can;
//   - delivery: nothing is retransmitted or acknowledged. A lost datagram is
//     lost, and a peer that vanishes is only noticed by its silence.
//
// A Send writes its datagrams to the socket at once and never waits: when
// the kernel's send buffer is full the datagram is lost, as UDP allows, and
// counted ([Server.Lost]). A line service's session may say a line in
// several Sends or several lines in one; the peer buffers only the line
// whose LF has not come yet. Closed runs on the loop for every session:
// after /quit, after the idle timeout, and for all of them at Shutdown.
//
// The same [netlab.Service] value may be served by a TCP model and by a
// udp.Server at once: the chat hub then holds both kinds of member in one
// room. The protocols over UDP are in docs/protocols.md ("Other transports")
// and the transport is explained in docs/transports.md.
//
// [Dial] returns a [Client] for both services: [Client.Echo] is one
// request and its reply within a deadline, [Chat] is an interactive peer.
package udp
