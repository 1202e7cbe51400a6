package filesrv

// A ProtocolError is one of the protocol's ERR replies. The server sends
// them and the client returns them, so a caller can test what went wrong
// with errors.Is against the sentinels below, whichever side it is on.
type ProtocolError struct {
	// Reason is the text after "ERR ", exactly as docs/protocols.md words it.
	Reason string
}

// Error implements error. It is the reason alone ("not found"), the way
// io.EOF is "EOF": the client checks names before sending them, so the
// same error may come from either side, and callers wrap it with the
// operation and the name.
func (e *ProtocolError) Error() string { return e.Reason }

// Is reports whether target is a ProtocolError with the same reason, so that
// errors.Is(err, ErrNotFound) holds for a reply parsed off the wire.
func (e *ProtocolError) Is(target error) bool {
	t, ok := target.(*ProtocolError)
	return ok && t.Reason == e.Reason
}

// line returns the reply as it goes on the wire.
func (e *ProtocolError) line() []byte { return []byte("ERR " + e.Reason + "\n") }

// The protocol's ERR replies, one for each reason docs/protocols.md allows.
var (
	// ErrUnknownCommand: the first word of the line is not a command.
	ErrUnknownCommand = &ProtocolError{"unknown command"}
	// ErrBadRequest: wrong number of arguments, or a SIZE or OFFSET that
	// is not a decimal integer ≥ 0.
	ErrBadRequest = &ProtocolError{"bad request"}
	// ErrLineTooLong: a control line over [MaxLine] bytes.
	ErrLineTooLong = &ProtocolError{"line too long"}
	// ErrInvalidName: the name breaks the rules of [ValidName].
	ErrInvalidName = &ProtocolError{"invalid name"}
	// ErrNotFound: no regular file of that name inside the root.
	ErrNotFound = &ProtocolError{"not found"}
	// ErrBadOffset: a GET's OFFSET is past the end of the file.
	ErrBadOffset = &ProtocolError{"bad offset"}
	// ErrTooLarge: a PUT's SIZE is over the server's maximum upload, or
	// does not fit in 63 bits.
	ErrTooLarge = &ProtocolError{"too large"}
	// ErrNoSpace: the server's disk (or quota) filled up while it stored
	// a PUT; the partial upload was removed.
	ErrNoSpace = &ProtocolError{"no space"}
	// ErrBusy: the server is at its connection limit, out of file
	// descriptors, or cannot do the work right now (a disk error); try
	// again later.
	ErrBusy = &ProtocolError{"busy"}
)

// reasons maps a reason on the wire back to its sentinel.
var reasons = map[string]*ProtocolError{}

func init() {
	for _, e := range []*ProtocolError{
		ErrUnknownCommand, ErrBadRequest, ErrLineTooLong, ErrInvalidName,
		ErrNotFound, ErrBadOffset, ErrTooLarge, ErrNoSpace, ErrBusy,
	} {
		reasons[e.Reason] = e
	}
}
