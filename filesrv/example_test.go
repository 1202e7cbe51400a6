package filesrv_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/filesrv"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/perconn"
)

// Serve a folder, upload a file to it, list it and download it back. Both
// transfers are verified by SHA-256. serveFolder, at the end of this file,
// serves a fresh folder on the goroutine-per-connection model, as any
// model would.
func Example() {
	addr, stop := serveFolder(nil)
	defer stop()

	ctx := context.Background()
	c, err := filesrv.Dial(ctx, addr)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	up, err := c.Upload(ctx, "greeting.txt", strings.NewReader("hello, files\n"), 13, filesrv.UploadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("uploaded", up.Name, up.Size, "bytes, verified:", up.Verified)

	list, err := c.List(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range list {
		fmt.Println("listed", e.Size, e.Name)
	}

	var got bytes.Buffer
	down, err := c.Download(ctx, "greeting.txt", &got, filesrv.DownloadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("downloaded %q, sha256 %s…, verified: %v\n", got.String(), down.SHA256[:16], down.Verified)

	_, err = c.Hash(ctx, "../etc/passwd")
	fmt.Println(err)
	// Output:
	// uploaded greeting.txt 13 bytes, verified: true
	// listed 13 greeting.txt
	// downloaded "hello, files\n", sha256 de87f09feb74b4bc…, verified: true
	// filesrv: hash "../etc/passwd": invalid name
}

// Download resumes: with an Offset the server sends only the bytes from
// there on, and the Prefix the caller already holds lets the whole file be
// checked against the server's SHA-256.
func ExampleClient_Download() {
	addr, stop := serveFolder(map[string]string{"story.txt": "once upon a time\n"})
	defer stop()
	c, err := filesrv.Dial(context.Background(), addr)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	have := "once upon" // what an earlier, interrupted download left
	var rest bytes.Buffer
	tr, err := c.Download(context.Background(), "story.txt", &rest, filesrv.DownloadOptions{
		Offset: int64(len(have)),
		Prefix: strings.NewReader(have),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("the rest: %q, verified: %v\n", rest.String(), tr.Verified)
	// Output:
	// the rest: " a time\n", verified: true
}

// serveFolder serves a fresh folder holding files (name → content) with a
// files service on the goroutine-per-connection model, on a fresh loopback
// port. It returns the address and a function that shuts the server down,
// closes the service and removes the folder.
func serveFolder(files map[string]string) (addr string, stop func()) {
	dir, err := os.MkdirTemp("", "filesrv-example")
	if err != nil {
		log.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	svc, err := filesrv.New(dir, filesrv.Options{})
	if err != nil {
		log.Fatal(err)
	}
	r := netlabtest.Loopback(perconn.New(svc, netlab.Config{}))
	return r.Addr, func() {
		r.Stop()
		svc.Close()
		os.RemoveAll(dir)
	}
}
