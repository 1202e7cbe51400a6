package filesrv

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseCommand checks the order of the checks: verb, arity, name,
// number, left to right, so each line gets one well-defined reason.
func TestParseCommand(t *testing.T) {
	tests := []struct {
		name string
		line string
		want command
		err  *ProtocolError
	}{
		{"LIST", "LIST", command{verb: cmdList}, nil},
		{"QUIT", "QUIT", command{verb: cmdQuit}, nil},
		{"GET without an offset starts at zero", "GET a", command{verb: cmdGet, name: "a"}, nil},
		{"GET with an offset", "GET a 12", command{verb: cmdGet, name: "a", n: 12}, nil},
		{"leading zeros are still decimal", "GET a 007", command{verb: cmdGet, name: "a", n: 7}, nil},
		{"PUT", "PUT a 3", command{verb: cmdPut, name: "a", n: 3}, nil},
		{"a size beyond int64 saturates", "PUT a 99999999999999999999", command{verb: cmdPut, name: "a", n: math.MaxInt64}, nil},
		{"HASH", "HASH a", command{verb: cmdHash, name: "a"}, nil},
		{"the verb is checked first", "GOT ../x x", command{}, ErrUnknownCommand},
		{"then the arity", "PUT ../x", command{verb: cmdPut}, ErrBadRequest},
		{"then the name", "PUT ../x x", command{verb: cmdPut}, ErrInvalidName},
		{"then the number", "PUT a x", command{verb: cmdPut}, ErrBadRequest},
		{"an empty size", "PUT a ", command{verb: cmdPut}, ErrBadRequest},
		{"a size with a space inside", "PUT a 1 2", command{verb: cmdPut}, ErrBadRequest},
		{"a fractional size", "PUT a 1.5", command{verb: cmdPut}, ErrBadRequest},
		{"a size with a unit", "PUT a 1k", command{verb: cmdPut}, ErrBadRequest},
		{"a leading space", " LIST", command{}, ErrUnknownCommand},
		{"lower case", "get a", command{}, ErrUnknownCommand},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCommand(tt.line)
			require.Equal(t, tt.err, err, "parseCommand(%q) error = %v, want %v", tt.line, err, tt.err)
			if err == nil {
				assert.Equal(t, tt.want, got, "parseCommand(%q)", tt.line)
			} else {
				assert.Equal(t, tt.want.verb, got.verb, "parseCommand(%q)'s verb: the session needs it to close after a PUT", tt.line)
			}
		})
	}
}

// FuzzParseCommand checks that any line parses to one well-formed command
// or one documented reason, that a parsed command prints back to the
// same line, and that a session answers any line with exactly one reply
// line (or, for a PUT, waits for the payload) without panicking.
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"LIST", "GET a", "GET a 0", "PUT a 3", "HASH a", "QUIT",
		"GET ../x", "PUT a -1", "GET a 99999999999999999999999", "", " ", "GET  a", "\xff"} {
		f.Add(s)
	}
	svc, _ := newTestService(f, Options{MaxUpload: 10}, map[string]string{"a": "abc"})
	f.Fuzz(func(t *testing.T, line string) {
		cmd, err := parseCommand(line)
		if err != nil {
			if _, ok := reasons[err.Reason]; !ok {
				t.Fatalf("parseCommand(%q) gave undocumented reason %q", line, err.Reason)
			}
		} else {
			require.False(t, cmd.name != "" && !ValidName(cmd.name), "parseCommand(%q) accepted invalid name %q", line, cmd.name)
			require.GreaterOrEqual(t, cmd.n, int64(0), "parseCommand(%q)'s number", line)
			again := cmd.verb
			if cmd.name != "" {
				again += " " + cmd.name
			}
			if cmd.verb == cmdPut || cmd.n > 0 {
				again += " " + strconv.FormatInt(cmd.n, 10)
			}
			if back, err := parseCommand(again); err != nil || back != cmd {
				t.Fatalf("parseCommand(%q) = %+v, but printed back as %q it parses to %+v, %v", line, cmd, again, back, err)
			}
		}
		if strings.ContainsAny(line, "\n") || (err == nil && cmd.verb == cmdPut) {
			return // not one line, or a PUT whose payload would follow
		}
		out, _ := feed(svc, line+"\n", 0)
		require.True(t, strings.HasPrefix(out, "OK ") || strings.HasPrefix(out, "ERR "), "line %q got reply %q", line, out)
		require.False(t, strings.HasPrefix(out, "ERR ") && strings.Count(out, "\n") != 1, "line %q got more than one ERR line: %q", line, out)
	})
}
