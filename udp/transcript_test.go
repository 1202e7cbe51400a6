package udp_test

import (
	"io/fs"
	"path"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/udp"
)

// The golden transcripts (netlabtest.Golden), played over UDP. A client is
// a UDP socket of its own; "connect" makes it, and for chat also sends an
// empty line, which makes the peer known (its welcome comes back) and says
// nothing. UDP has no end of stream, so "closewrite", "eof" and "close" are
// no steps at all. What cannot make sense without a stream is skipped, by
// rule rather than by name: a chat transcript that relies on a half-close
// or a vanishing connection, or that cuts a line across sends (over UDP
// every datagram ends its lines).
func TestTranscripts(t *testing.T) {
	for _, tc := range []struct {
		dir   string
		svc   func() netlab.Service
		lines bool
	}{
		{"echo", func() netlab.Service { return echo.New() }, false},
		{"chat/single", func() netlab.Service { return chat.New(chat.Options{}) }, true},
		{"chat/multi", func() netlab.Service { return chat.New(chat.Options{}) }, true},
	} {
		files, err := fs.Glob(netlabtest.Golden(), path.Join(tc.dir, "*.txt"))
		require.NoError(t, err)
		require.NotEmpty(t, files)
		ran := 0
		for _, name := range files {
			steps := parse(t, name)
			if why := streamOnly(steps, tc.lines); why != "" {
				t.Logf("%s/%s needs a stream: %s", tc.dir, path.Base(name), why)
				continue
			}
			ran++
			t.Run(tc.dir+"/"+strings.TrimSuffix(path.Base(name), ".txt"), func(t *testing.T) {
				addr, _ := start(t, tc.svc(), netlab.Config{}, udp.Options{Lines: tc.lines})
				play(t, addr, steps, tc.lines)
			})
		}
		require.NotZero(t, ran, "no transcript of %s runs over UDP", tc.dir)
	}
}

type step struct {
	where, client, verb string
	data                string
}

func parse(t *testing.T, name string) []step {
	t.Helper()
	b, err := fs.ReadFile(netlabtest.Golden(), name)
	require.NoError(t, err)
	var steps []step
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		s := step{where: path.Base(name) + ":" + strconv.Itoa(i+1)}
		var rest string
		s.client, rest, _ = strings.Cut(line, " ")
		s.verb, rest, _ = strings.Cut(strings.TrimSpace(rest), " ")
		if s.verb == ">" || s.verb == "<" {
			s.data, err = strconv.Unquote(strings.TrimSpace(rest))
			require.NoError(t, err, s.where)
		}
		steps = append(steps, s)
	}
	return steps
}

// streamOnly says why a transcript cannot run over UDP, or "".
func streamOnly(steps []step, lines bool) string {
	if !lines {
		return "" // echo: a datagram comes back as it went, whatever the stream would have done
	}
	for _, s := range steps {
		switch {
		case s.verb == "closewrite" || s.verb == "close":
			return s.where + ": " + s.verb + " (UDP has no end of stream)"
		case s.verb == ">" && !strings.HasSuffix(s.data, "\n"):
			return s.where + ": a line cut across sends"
		}
	}
	return ""
}

func play(t *testing.T, addr string, steps []step, lines bool) {
	clients := map[string]*udp.Client{}
	for _, s := range steps {
		c := clients[s.client]
		switch s.verb {
		case "connect":
			c = dial(t, addr)
			clients[s.client] = c
			if lines {
				send(t, c, "\n")
			}
		case ">":
			require.NotNil(t, c, "%s: %s is not connected", s.where, s.client)
			send(t, c, s.data)
		case "<":
			require.NotNil(t, c, "%s: %s is not connected", s.where, s.client)
			expect(t, c, lines, s.data)
		}
	}
}
