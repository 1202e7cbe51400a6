package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/netlab-go/netlab/filesrv"
)

// runFiles is the files client on the command line. Several names given to
// get or put are transferred at once, each on its own connection with its
// own progress bar on standard error; every transfer is verified by
// SHA-256, and a line on standard output says so.
func runFiles(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("files", stderr)
	addr := fs.String("addr", "127.0.0.1:7009", "files server address")
	dir := fs.String("dir", ".", "get: the folder to download into")
	quiet := fs.Bool("q", false, "no progress bars")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("files: say what to do: ls, get, put or hash; run 'netlab help files'")
	}
	sub, names := fs.Arg(0), fs.Args()[1:]
	switch {
	case sub != "ls" && sub != "get" && sub != "put" && sub != "hash":
		return usagef("files: unknown action %q: want ls, get, put or hash", sub)
	case sub == "ls" && len(names) > 0:
		return usagef("files: ls takes no names")
	case sub != "ls" && len(names) == 0:
		return usagef("files: %s needs at least one name", sub)
	}
	c, err := filesrv.Dial(ctx, *addr)
	if err != nil {
		return err
	}
	defer c.Close()

	switch sub {
	case "ls":
		return filesList(ctx, c, stdout)
	case "hash":
		return filesHash(ctx, c, names, stdout)
	}
	var bars io.Writer = stderr
	if *quiet {
		bars = nil
	}
	jobs := make([]transferJob, len(names))
	for i, arg := range names {
		if sub == "get" {
			jobs[i] = getJob(c, arg, *dir)
		} else {
			jobs[i] = putJob(c, arg)
		}
	}
	return runTransfers(ctx, jobs, bars, stdout)
}

func filesList(ctx context.Context, c *filesrv.Client, stdout io.Writer) error {
	list, err := c.List(ctx)
	if err != nil {
		return err
	}
	var total int64
	for _, e := range list {
		fmt.Fprintf(stdout, "%14d  %s\n", e.Size, e.Name)
		total += e.Size
	}
	fmt.Fprintf(stdout, "%d files, %d bytes\n", len(list), total)
	return nil
}

// filesHash prints checksums the way sha256sum does, so its output can be
// checked with `sha256sum -c` against local copies.
func filesHash(ctx context.Context, c *filesrv.Client, names []string, stdout io.Writer) error {
	var errs []error
	for _, name := range names {
		sum, err := c.Hash(ctx, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(stdout, "%s  %s\n", sum, name)
	}
	return errors.Join(errs...)
}

// A transferJob is one download or upload: a label for its bar, and the
// transfer itself, which reports progress and returns its line for
// standard output.
type transferJob struct {
	label string
	run   func(ctx context.Context, progress filesrv.Progress) (string, error)
}

func getJob(c *filesrv.Client, name, dir string) transferJob {
	return transferJob{label: "get " + name, run: func(ctx context.Context, progress filesrv.Progress) (string, error) {
		if !filesrv.ValidName(name) {
			// Checked here too, not only by the server: the name
			// becomes a local path, and "../x" must not.
			return "", fmt.Errorf("files: get %q: %w", name, filesrv.ErrInvalidName)
		}
		path := filepath.Join(dir, name)
		t, err := c.DownloadFile(ctx, name, path, progress)
		if err != nil {
			return "", err
		}
		how := fmt.Sprintf("%d bytes", t.Size)
		if t.Offset > 0 {
			how = fmt.Sprintf("%d bytes (resumed at %d, %d transferred)", t.Size, t.Offset, t.Size-t.Offset)
		}
		return fmt.Sprintf("get %s -> %s: %s, sha256 %s verified", name, path, how, t.SHA256), nil
	}}
}

func putJob(c *filesrv.Client, path string) transferJob {
	name := filepath.Base(path)
	return transferJob{label: "put " + name, run: func(ctx context.Context, progress filesrv.Progress) (string, error) {
		if !filesrv.ValidName(name) {
			return "", fmt.Errorf("files: put %s: %q is not a name the server accepts (no spaces, control characters or leading dot): rename the file", path, name)
		}
		t, err := c.UploadFile(ctx, path, name, progress)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("put %s -> %s: %d bytes, sha256 %s verified", path, name, t.Size, t.SHA256), nil
	}}
}

// runTransfers runs every job at once, with one progress bar each on bars
// (none if bars is nil), then prints each job's line in the order given.
// It returns the jobs' errors joined. mpb draws the bars only if bars is a
// terminal, unless opts says otherwise (mpb.WithAutoRefresh).
func runTransfers(ctx context.Context, jobs []transferJob, bars io.Writer, stdout io.Writer, opts ...mpb.ContainerOption) error {
	var p *mpb.Progress
	if bars != nil {
		p = mpb.NewWithContext(ctx, append([]mpb.ContainerOption{mpb.WithOutput(bars)}, opts...)...)
	}
	lines := make([]string, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, job := range jobs {
		var bar *mpb.Bar
		if p != nil {
			bar = p.AddBar(0,
				mpb.PrependDecorators(decor.Name(job.label, decor.WCSyncSpaceR)),
				mpb.AppendDecorators(
					decor.CountersKibiByte("% .1f/% .1f", decor.WCSyncSpace),
					decor.OnComplete(decor.Percentage(decor.WCSyncSpace), " verified"),
				),
			)
		}
		wg.Go(func() {
			progress := func(done, total int64) {
				if bar != nil {
					bar.SetTotal(total, false)
					bar.SetCurrent(done)
				}
			}
			lines[i], errs[i] = job.run(ctx, progress)
			if bar == nil {
				return
			}
			if errs[i] != nil {
				bar.Abort(false)
			} else {
				bar.SetTotal(-1, true) // complete, also for an empty file
			}
		})
	}
	wg.Wait()
	if p != nil {
		p.Wait()
	}
	for i := range jobs {
		if errs[i] == nil {
			fmt.Fprintln(stdout, lines[i])
		}
	}
	return errors.Join(errs...)
}
