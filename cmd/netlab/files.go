package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/netlab-go/netlab/filesrv"
)

// runFiles is the files client on the command line. Several names given to
// get or put are transferred at once, each on its own connection with its
// own progress bar on standard error; every transfer is verified by
// SHA-256, and a line on standard output says so. A failure's line goes to
// standard error, and a failed get leaves no local file (see
// [filesrv.Client.DownloadFile]). With no action at a terminal it opens
// the interactive shell (filesshell.go).
func runFiles(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("files", stderr)
	addr := addrFlag(fs, "files")
	dir := fs.String("dir", ".", "get: the folder to download into")
	quiet := fs.Bool("q", false, "no progress bars")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		if isTTY(stdin) && isTTY(stdout) {
			c, err := filesrv.Dial(ctx, *addr)
			if err != nil {
				return err
			}
			return runFilesShell(ctx, c, *addr, *dir, stdin, stdout) // closes c
		}
		return usagef("files: say what to do: ls, get, put or hash (or run it at a terminal with none for the interactive shell); run 'netlab help files'")
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
			jobs[i] = getJob(c, *addr, arg, *dir)
		} else {
			jobs[i] = putJob(c, arg)
		}
	}
	return runTransfers(ctx, jobs, bars, stdout, stderr)
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

// A transferJob is one download or upload: a label for its bar and its
// lines ("get one.txt"), the file's name on the server, the transfer
// itself, the line that reports it done, and the command that resumes it.
type transferJob struct {
	label  string
	name   string
	run    func(ctx context.Context, progress filesrv.Progress) (filesrv.Transfer, error)
	report func(st *transferState, t filesrv.Transfer) string
	resume string
}

// getJob downloads name into dir. addr only goes into the resume hint.
func getJob(c *filesrv.Client, addr, name, dir string) transferJob {
	path := filepath.Join(dir, name)
	return transferJob{
		label: "get " + name,
		name:  name,
		run: func(ctx context.Context, progress filesrv.Progress) (filesrv.Transfer, error) {
			if !filesrv.ValidName(name) {
				// Checked here too, not only by the server: the name
				// becomes a local path, and "../x" must not.
				return filesrv.Transfer{Name: name}, fmt.Errorf("files: get %q: %w", name, filesrv.ErrInvalidName)
			}
			return c.DownloadFile(ctx, name, path, progress)
		},
		report: func(st *transferState, t filesrv.Transfer) string { return st.summary(t, "get "+name, path) },
		resume: fmt.Sprintf("run `netlab files -addr %s -dir %s get %s`", addr, dir, name),
	}
}

func putJob(c *filesrv.Client, path string) transferJob {
	name := filepath.Base(path)
	return transferJob{
		label: "put " + name,
		name:  name,
		run: func(ctx context.Context, progress filesrv.Progress) (filesrv.Transfer, error) {
			if !filesrv.ValidName(name) {
				return filesrv.Transfer{Name: name}, fmt.Errorf("files: put %s: %q is not a name the server accepts (no spaces, control characters or leading dot): rename the file", path, name)
			}
			return c.UploadFile(ctx, path, name, progress)
		},
		report: func(st *transferState, t filesrv.Transfer) string { return st.summary(t, "put "+path, name) },
	}
}

// transfersError is what a batch of transfers returns when some failed:
// it says how many, and errors.Is sees each failure (context.Canceled
// included, which main turns into the exit status of an interrupt). Each
// failure has already been reported on its own line.
type transfersError struct {
	failed, total int
	errs          []error
}

func (e *transfersError) Error() string {
	return fmt.Sprintf("files: %d of %d transfers failed", e.failed, e.total)
}

func (e *transfersError) Unwrap() []error { return e.errs }

// runTransfers runs every job at once, with one progress bar each on bars
// (none if bars is nil). Once all have ended it prints, in the order
// given, each success's line on stdout and each failure's on stderr. It
// returns a [transfersError] if any failed. mpb draws the bars only if
// bars is a terminal, unless opts says otherwise (mpb.WithAutoRefresh).
//
// The bars' container is not tied to ctx: an interrupt aborts each
// transfer, whose bar then draws its last frame and stays, rather than
// the whole display vanishing mid-line.
func runTransfers(ctx context.Context, jobs []transferJob, bars io.Writer, stdout, stderr io.Writer, opts ...mpb.ContainerOption) error {
	var p *mpb.Progress
	if bars != nil {
		// A bar of fixed width leaves room for the counters beside it,
		// whose width changes as they run: a line that the terminal wraps
		// would break the redraw in place.
		p = mpb.New(append([]mpb.ContainerOption{mpb.WithOutput(bars), mpb.WithWidth(32)}, opts...)...)
	}
	lines := make([]string, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, job := range jobs {
		st := newTransferState(job.label, time.Now())
		var bar *mpb.Bar
		if p != nil {
			bar = p.AddBar(0,
				mpb.PrependDecorators(decor.Name(job.label, decor.WCSyncSpaceR)),
				mpb.AppendDecorators(
					decor.Any(func(decor.Statistics) string { return st.status() }, decor.WCSyncSpace),
					decor.Any(func(decor.Statistics) string { return "  " + st.stats(time.Now()) }),
				),
			)
		}
		wg.Go(func() {
			progress := func(done, total int64) {
				st.progress(done, total)
				if bar != nil {
					bar.SetTotal(total, false)
					bar.SetCurrent(done)
				}
			}
			t, err := job.run(ctx, progress)
			st.end(time.Now(), err)
			if err != nil {
				errs[i] = err
				lines[i] = failure(job.label, job.name, t, err, job.resume)
			} else {
				lines[i] = job.report(st, t)
			}
			if bar == nil {
				return
			}
			if err != nil {
				bar.Abort(false) // keep its last frame
			} else {
				bar.SetTotal(-1, true) // complete, also for an empty file
			}
		})
	}
	wg.Wait()
	if p != nil {
		p.Wait()
	}
	var failed []error
	for i := range jobs {
		if errs[i] != nil {
			failed = append(failed, errs[i])
			fmt.Fprintln(stderr, lines[i])
		} else {
			fmt.Fprintln(stdout, lines[i])
		}
	}
	if len(failed) > 0 {
		return &transfersError{failed: len(failed), total: len(jobs), errs: failed}
	}
	return nil
}
