// Package filesrv is the files service and its client: LIST, GET, PUT and
// HASH over one folder, with uploads that are atomic and downloads that are
// zero-copy. It trades a little disk work per upload (a hidden temporary
// file, an fsync, a rename) for the guarantee that nobody ever sees half a
// file, and it trades convenience for safety in naming: a flat namespace of
// plain names, every one of them opened through [os.Root].
//
// The wire protocol is specified in docs/protocols.md and explained in docs/services/files.md;
// in short, a client sends a control line and, for PUT, the payload:
//
//	LIST                  → OK N, then N lines "SIZE NAME", sorted by name
//	GET NAME [OFFSET]     → OK SIZE (or OK REMAINING), then the raw bytes
//	PUT NAME SIZE + bytes → OK SIZE SHA256HEX, once all of them are stored
//	HASH NAME             → OK SHA256HEX
//	QUIT                  → OK bye, then the server closes
//
// and any failure is one line ERR REASON, with one of the reasons of
// [ProtocolError].
//
// Serve a folder on the goroutine-per-connection model:
//
//	svc, err := filesrv.New("/srv/files", filesrv.Options{})
//	if err != nil { … }
//	defer svc.Close()
//	srv := perconn.New(svc, netlab.Config{})
//	go srv.Serve(l)
//
// and use it:
//
//	c, err := filesrv.Dial(ctx, "127.0.0.1:7009")
//	t, err := c.UploadFile(ctx, "report.pdf", "report.pdf", nil)
//	t, err = c.DownloadFile(ctx, "report.pdf", "/tmp/report.pdf", nil)
//	fmt.Println(t.SHA256, t.Verified)
//
// # Sans-I/O
//
// Like every netlab service, a session never touches its socket: it is fed
// bytes, which it splits into control lines (arriving in any pieces, one
// byte at a time included) and upload payloads (written straight to the
// temporary file as they come, never collected in memory), and it answers
// through its [netlab.Conn]. A download is queued as a file region with
// [netlab.Conn.SendFile], so whichever model runs the session can send it
// with sendfile(2), straight from the page cache to the socket.
//
// # What a session blocks on
//
// A session's methods may run on an event loop's thread, where anything
// that blocks stalls every connection of that loop. Most of what this
// service does is bounded and short: writing one read's worth of upload to
// the page cache, opening a file, listing a folder. Three things are not:
//
//   - HASH reads the whole file, about a second per gigabyte from the page
//     cache, more from disk, unless the file is unchanged since it was last
//     hashed. "Unchanged" means the same inode, size, modification time and
//     change time, and no change within two seconds of that hash, because
//     mtime can be put back by any writer and the kernel's change time is
//     coarse; so HASH right after a PUT reads the file once.
//   - Finishing an upload flushes the file and its folder to disk (two
//     fsyncs): milliseconds on an idle SSD, up to seconds on a busy or
//     spinning disk, and proportional to what is still unwritten.
//   - LIST of a very large folder stats every file.
//
// A model with a goroutine per connection does not care; an event loop that
// serves large files would hand these to a worker. The service documents
// the cost rather than hiding it, because the cost is the lesson.
//
// # Safety
//
// Names are checked ([ValidName]) and then every access goes through an
// [os.Root] opened on the folder, so neither a name, nor a symbolic link,
// nor a link swapped in while a transfer runs, reaches a file outside it:
// os.Root resolves each path component relative to an open directory and
// refuses to leave it. A symbolic link leading outside is "not found".
package filesrv
