package netlabtest

import (
	"bufio"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// BareFiles answers c the least a files server can: "LIST" with "OK N"
// and N lines "SIZE NAME", and "GET NAME" with "OK SIZE" and the file's
// bytes, sent with send (nil is io.Copy from the *os.File, which on a TCP
// socket is sendfile(2)), as docs/protocols.md says, until c closes or
// asks anything else; then it closes c. It is the yardstick a benchmark
// holds a files server to: a handler for [StartBare], or for an accept
// loop of a process of its own. It checks nothing a real server must
// (names, errors), so it serves only a benchmark's own folder.
func BareFiles(c net.Conn, dir string, send func(net.Conn, *os.File) error) {
	defer c.Close()
	if send == nil {
		send = func(c net.Conn, f *os.File) error { _, err := io.Copy(c, f); return err }
	}
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimSpace(line)
		if line == "LIST" {
			listBare(c, dir)
			continue
		}
		name, ok := strings.CutPrefix(line, "GET ")
		if !ok {
			return
		}
		f, err := os.Open(filepath.Join(dir, filepath.Base(name)))
		if err != nil {
			return
		}
		fi, err := f.Stat()
		if err == nil {
			_, err = io.WriteString(c, "OK "+strconv.FormatInt(fi.Size(), 10)+"\n")
		}
		if err == nil {
			err = send(c, f)
		}
		f.Close()
		if err != nil {
			return
		}
	}
}

// listBare answers LIST: "OK N", then N lines "SIZE NAME", sorted by name
// (os.ReadDir sorts them).
func listBare(w io.Writer, dir string) {
	des, _ := os.ReadDir(dir)
	var out []string
	for _, de := range des {
		if fi, err := de.Info(); err == nil && fi.Mode().IsRegular() {
			out = append(out, strconv.FormatInt(fi.Size(), 10)+" "+de.Name())
		}
	}
	io.WriteString(w, "OK "+strconv.Itoa(len(out))+"\n")
	for _, l := range out {
		io.WriteString(w, l+"\n")
	}
}
