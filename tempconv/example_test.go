package tempconv_test

import (
	"fmt"

	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/tempconv"
)

// A session answers whole lines, however the reads cut them: a line may
// arrive in pieces, a CR before the LF is dropped, an empty line gets no
// answer, and a last line without LF counts once the client half-closes.
// A model feeds it what it reads; here a recording Conn stands in for the
// socket, and the session runs as it would under any of them, or over UDP.
func Example() {
	c := netlabtest.NewConn()
	s := tempconv.New().Open(c)
	for _, read := range []string{"10", "0\r\n\n  -4", "0 \nwarm\n36.6"} {
		s.Data([]byte(read))
	}
	s.EOF()
	s.Closed(nil)
	fmt.Print(c.Take())
	// Output:
	// 212
	// -40
	// ! not a number
	// 97.88
}

// Reply is the whole protocol as a function of one line.
func ExampleReply() {
	fmt.Print(tempconv.Reply([]byte("21.5")))
	fmt.Print(tempconv.Reply([]byte("-300")))
	// Output:
	// 70.7
	// ! out of range
}
