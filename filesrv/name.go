package filesrv

import "unicode/utf8"

// MaxName is the longest name in bytes: what ext4 and most other Linux file
// systems allow for one path component.
const MaxName = 255

// ValidName reports whether name may name a file on the wire: 1 to [MaxName]
// bytes of UTF-8 without a space, '/', '\\', NUL or any other control
// character (C0, DEL, C1), not starting with '.'.
//
// Each rule closes a door. '/' and '\\' would make a path, and with it
// "../../etc/passwd"; a leading '.' covers "." and ".." and keeps the
// server's own hidden temporary files out of reach; a space would split the
// control line; a newline or other control character would break LIST's
// one-name-a-line framing or a terminal that prints it. The check is
// the first line of defence only: every file is still opened through
// [os.Root], which is what actually keeps the server inside its folder.
func ValidName(name string) bool {
	if len(name) == 0 || len(name) > MaxName || name[0] == '.' || !utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		switch {
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
			return false // C0 (NUL included), DEL, C1
		case r == ' ', r == '/', r == '\\':
			return false
		}
	}
	return true
}
