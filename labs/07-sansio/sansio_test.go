package sansio

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/labs/labkit"
	"github.com/netlab-go/netlab/multiprocess"
	"github.com/netlab-go/netlab/netlabtest"
)

// The multiprocess model's children build the service from its name.
func init() {
	multiprocess.Register("lab-tempconv", func(multiprocess.Env) (netlab.Service, error) { return New(), nil })
}

func TestMain(m *testing.M) { labkit.Main(m) }

const noAnswer = "Data must answer each whole line with s.c.Send(reply(line))"

// The session alone, fed by the test as a model would feed it.
func TestTheSessionAnswersEachLine(t *testing.T) {
	c := netlabtest.NewConn()
	s := New().Open(c)
	s.Data([]byte("100\n"))
	assert.Equal(t, "212\n", c.Take(), "the client sent \"100\\n\": "+noAnswer)
	s.Data([]byte("-4"))
	assert.Empty(t, c.Take(), "half a line gets no answer yet")
	s.Data([]byte("0\nwarm\n"))
	assert.Equal(t, "-40\n! not a number\n", c.Take(), "a line in two pieces, then a second line in the same read")
	s.Data([]byte("0"))
	s.EOF()
	assert.Equal(t, "32\n", c.Take(), "a last line without LF is answered at EOF")
	s.Closed(nil)
}

// The very same Service value under every model: the models move bytes,
// the session says what they mean.
func TestEveryModelServesIt(t *testing.T) {
	labkit.EveryModel(t, New(), multiprocess.Spec{Service: "lab-tempconv"}, func(t *testing.T, addr string) {
		c, r := labkit.Dial(t, addr)
		labkit.Send(t, c, "100\n")
		labkit.ExpectLine(t, c, r, "212", "the server answered nothing: "+noAnswer)
		c.Close()
		netlabtest.RunTranscripts(t, os.DirFS("testdata"), "tempconv", func(*testing.T) string { return addr })
	})
}
