// Package web serves a netlab line service to browsers over WebSocket: a
// chat page (or a plain line console for any other service) and the
// WebSocket endpoint behind it, on which each browser tab is one session of
// the very same [netlab.Service] the TCP models run. It trades the TCP
// models' byte stream for messages: a text message is a line, which makes a
// browser a first-class client with no framing code of its own, at the cost
// of a goroutine pair and a WebSocket handshake per tab.
//
// The contract pays off here. A session sees bytes in and says bytes out;
// it does not know it is on TCP. The WebSocket side is one more
// [netlab.Conn]:
//
//   - Send queues a copy and returns at once, bounded by
//     [netlab.Config.MaxPending]; overflow drops that browser alone, as
//     chat's rule says for a receiver that stops reading;
//   - a writer goroutine turns the queued bytes into one text message per
//     line, without its LF (and without a CR before it); bytes that are not
//     UTF-8 become U+FFFD, since a text message must be UTF-8;
//   - the handler's goroutine reads: each text message becomes text+"\n"
//     for Session.Data, a binary message closes the socket with status
//     1003, a message over [MaxLine] bytes is discarded and answered with
//     "! line too long";
//   - the session's methods are called one at a time from that goroutine,
//     and Closed exactly once, last; EOF never, since a WebSocket has no
//     half-close (a tab that closes is Closed(nil)); the idle timeout
//     ([netlab.Config.IdleTimeout]) closes a tab that sent nothing for that
//     long (the chat page sends an empty line every five minutes, which
//     chat ignores);
//   - SendFile returns [ErrNoFiles]: the file service is for TCP.
//
// Give the same *chat.Service to a TCP model and to [New], and the browsers
// and the TCP (and UDP) clients are members of one room:
//
//	room := chat.New(chat.Options{})
//	go perconn.New(room, cfg).Serve(tcpListener)
//	go web.New(room, cfg, web.WithPage(web.ChatPage)).Serve(webListener)
//
// [Server] is an [net/http.Handler] ("/" the page, "/console" the console,
// "/static/" their files, "/ws" the WebSocket) and a [netlab.Server] of its
// own with Serve, Shutdown and Close. The page, its style sheet and its
// scripts are embedded files: no build step, nothing fetched from elsewhere.
// Cross-origin upgrades are refused with 403, so a page on another site
// cannot join a room in the name of whoever has this one open.
package web
