package frame_test

import (
	"bytes"
	"fmt"

	"github.com/netlab-go/netlab/internal/frame"
)

// A frame is written as one line, and a line is read back as the same frame.
func Example() {
	var stream bytes.Buffer
	w := frame.NewWriter(&stream)
	w.Write(frame.Frame{Verb: "say", Num: 7, Text: "hello, world"})
	w.Write(frame.Frame{Verb: "shutdown"})
	fmt.Print(stream.String())

	r := frame.NewReader(&stream, 128)
	for {
		f, err := r.Read()
		if err != nil {
			fmt.Println(err)
			break
		}
		fmt.Printf("%q %d %q\n", f.Verb, f.Num, f.Text)
	}
	// Output:
	// say 7 hello, world
	// shutdown 0
	// "say" 7 "hello, world"
	// "shutdown" 0 ""
	// EOF
}
