package filesrv

import (
	"math"
	"slices"
	"strings"
)

// MaxLine is the longest control line in bytes, not counting its CR LF or LF.
const MaxLine = 1024

// The protocol's commands.
const (
	cmdList = "LIST"
	cmdGet  = "GET"
	cmdPut  = "PUT"
	cmdHash = "HASH"
	cmdQuit = "QUIT"
)

// A command is one parsed control line.
type command struct {
	verb string // one of the cmd constants; set even when parsing fails, if the verb was known
	name string // GET, PUT, HASH
	n    int64  // GET's OFFSET (0 if absent) or PUT's SIZE
}

// parseCommand parses one control line (its CR LF already removed) and
// checks what can be checked without the file system: the verb, the number
// of arguments, the name's rules and the numbers' syntax, in that order,
// left to right. Limits that depend on the server (SIZE over the maximum,
// OFFSET past the end) are the session's to check.
//
// A failed parse still reports a known verb in cmd.verb, because the
// session must close the connection after any ERR to a PUT.
func parseCommand(line string) (cmd command, err *ProtocolError) {
	// Split on single spaces, not strings.Fields: a tab or a double space
	// is not a separator, so "GET a\tb" is an invalid name and "GET  a"
	// has an empty argument, rather than being silently read as something
	// the client may not have meant.
	words := strings.Split(line, " ")
	cmd.verb = words[0]
	args := words[1:]
	if slices.Contains(args, "") && isVerb(cmd.verb) {
		return cmd, ErrBadRequest // a double, leading or trailing space: not a well-formed request
	}
	arity := func(lo, hi int) bool { return len(args) >= lo && len(args) <= hi }
	switch cmd.verb {
	case cmdList, cmdQuit:
		if !arity(0, 0) {
			return cmd, ErrBadRequest
		}
		return cmd, nil
	case cmdHash:
		if !arity(1, 1) {
			return cmd, ErrBadRequest
		}
	case cmdGet:
		if !arity(1, 2) {
			return cmd, ErrBadRequest
		}
	case cmdPut:
		if !arity(2, 2) {
			return cmd, ErrBadRequest
		}
	default:
		return command{}, ErrUnknownCommand
	}
	if !ValidName(args[0]) {
		return cmd, ErrInvalidName
	}
	cmd.name = args[0]
	if len(args) == 2 {
		n, ok := parseCount(args[1])
		if !ok {
			return cmd, ErrBadRequest
		}
		cmd.n = n
	}
	return cmd, nil
}

func isVerb(w string) bool {
	switch w {
	case cmdList, cmdGet, cmdPut, cmdHash, cmdQuit:
		return true
	}
	return false
}

// parseCount parses a SIZE or OFFSET: one or more ASCII digits, nothing else
// (no sign, no spaces, no 0x). A number too big for an int64 is still a
// decimal integer ≥ 0, so it is not a bad request: it saturates at
// math.MaxInt64 and fails the size or offset check instead, with the
// reason that says what is wrong with it.
func parseCount(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		d := s[i]
		if d < '0' || d > '9' {
			return 0, false
		}
		if n > (math.MaxInt64-int64(d-'0'))/10 {
			n = math.MaxInt64 // keep checking the syntax of the rest
			continue
		}
		n = n*10 + int64(d-'0')
	}
	return n, true
}
