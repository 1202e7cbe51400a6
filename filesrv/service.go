package filesrv

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/netlab-go/netlab"
)

// DefaultMaxUpload is the largest PUT a zero [Options] allows.
const DefaultMaxUpload = 4 << 30

// Options configures a [Service]. The zero value is ready to use.
type Options struct {
	// MaxUpload is the largest SIZE a PUT may announce; anything larger
	// gets ERR too large before a byte of it is stored. Zero means
	// DefaultMaxUpload (4 GiB).
	MaxUpload int64

	// Logger receives uploads at debug level and disk errors at error
	// level. Nil means no logging.
	Logger *slog.Logger
}

// Service is the files service, serving the regular files of one folder.
// One Service serves any number of connections at once: its methods and its
// sessions' may run on many goroutines (or event loops) simultaneously.
type Service struct {
	root      *os.Root // every file access goes through it; safe for concurrent use
	maxUpload int64
	log       *slog.Logger

	// uploadWriter, if set, wraps the temporary file every upload is
	// written to. It is nil except in tests, which use it to make the disk
	// fill up (ENOSPC) after a chosen number of bytes.
	uploadWriter func(f *os.File) io.Writer

	mu   sync.Mutex
	sums map[string]sumEntry // SHA-256 of files we know unchanged; guarded by mu
}

var (
	_ netlab.Service     = (*Service)(nil)
	_ netlab.BusyReplier = (*Service)(nil)
	_ netlab.Session     = (*session)(nil)
	_ netlab.Idler       = (*session)(nil)
)

// New returns a files service serving the folder dir, which must exist.
// It removes what crashed uploads left behind (hidden temporary files no
// running upload holds) before it returns. Call Close when the server
// using it has stopped.
func New(dir string, opts Options) (*Service, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("filesrv: open the folder to serve: %w", err)
	}
	if opts.MaxUpload <= 0 {
		opts.MaxUpload = DefaultMaxUpload
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{root: root, maxUpload: opts.MaxUpload, log: opts.Logger, sums: map[string]sumEntry{}}
	if err := s.removeStale(); err != nil {
		root.Close()
		return nil, err
	}
	return s, nil
}

// Open implements [netlab.Service]: a session starts waiting for a command.
func (s *Service) Open(c netlab.Conn) netlab.Session {
	return &session{svc: s, c: c}
}

// BusyReply implements [netlab.BusyReplier]: a client the server has no room
// for is told so in the protocol's own words.
func (s *Service) BusyReply() []byte { return ErrBusy.line() }

// String returns the folder served.
func (s *Service) String() string { return s.root.Name() }

// Recover removes the temporary files of uploads that were cut short and
// no running upload holds: what a process that died mid-upload left. The
// multiprocess model calls it in the parent after a child crashed
// (multiprocess.Recoverer); it is safe while other uploads run, since each
// holds a lock on its own file.
func (s *Service) Recover() error { return s.removeStale() }

// Close removes the temporary files of uploads that were cut short and no
// running upload holds, then releases the folder. Sessions still running
// fail their next file access with ERR busy, so close the service after
// the server. The sweep is what keeps the promise that a shutdown leaves no
// temporary file once the server has exited, also for uploads whose
// process was killed (the multiprocess model's children, when the grace
// period ends) and so never ran their own cleanup.
func (s *Service) Close() error {
	err := s.removeStale()
	return errors.Join(err, s.root.Close())
}

// removeStale removes hidden temporary files that no upload holds: what a
// server (or a child process) that died mid-upload left behind. A running upload holds an
// exclusive lock on its file, so several servers (or the children of the
// multiprocess model) may share one folder and start at any time without
// deleting each other's uploads.
func (s *Service) removeStale() error {
	dir, err := s.root.Open(".")
	if err != nil {
		return fmt.Errorf("filesrv: read the folder: %w", err)
	}
	defer dir.Close()
	entries, err := dir.ReadDir(-1)
	if err != nil {
		return fmt.Errorf("filesrv: read the folder: %w", err)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) || !e.Type().IsRegular() {
			continue
		}
		f, err := s.root.OpenFile(e.Name(), os.O_RDWR, 0)
		if err != nil {
			continue // gone already, or not ours to touch
		}
		if tryLock(f) {
			// Removed while we hold the lock: an upload that raced
			// us to it sees its file unlinked and starts another.
			if err := s.root.Remove(e.Name()); err == nil {
				s.log.Info("removed an upload whose process ended before it did", "file", e.Name())
			}
		}
		f.Close()
	}
	return nil
}

// openRegular opens name for reading if it is a regular file inside the
// root, following symbolic links only as far as they stay inside.
//
// O_NONBLOCK makes opening a FIFO return at once instead of waiting for a
// writer forever (it is then refused as not regular); for a regular file
// the flag changes nothing. The type is checked on the open file, not on the
// name beforehand, so a file swapped for something else between the check
// and the open cannot slip through.
func (s *Service) openRegular(name string) (*os.File, fs.FileInfo, error) {
	f, err := s.root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, fs.ErrNotExist
	}
	return f, fi, nil
}

// spool writes p to a file that has no name, for [netlab.Conn.SendFile]:
// it is created hidden in the root and removed at once, so the disk space
// is freed when the Conn closes the file after sending it.
func (s *Service) spool(p []byte) (*os.File, error) {
	var rnd [8]byte
	rand.Read(rnd[:])
	name := tempPrefix + "list-" + hex.EncodeToString(rnd[:])
	f, err := s.root.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	s.root.Remove(name)
	if _, err := f.Write(p); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// An Entry is one line of a LIST reply.
type Entry struct {
	Name string
	Size int64
}

// list returns the folder's regular files, sorted by name: the ones GET
// would serve, so a symlink to a file inside the root is listed and one
// leading outside is not. Names the protocol cannot carry (hidden files,
// our temporary files, names with spaces or newlines created by someone
// else) are left out rather than breaking the reply's framing.
func (s *Service) list() ([]Entry, error) {
	dir, err := s.root.Open(".")
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	names, err := dir.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	slices.Sort(names) // Readdirnames returns directory order
	var list []Entry
	for _, name := range names {
		if !ValidName(name) {
			continue
		}
		fi, err := s.root.Stat(name)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		list = append(list, Entry{Name: name, Size: fi.Size()})
	}
	return list, nil
}

// A sumEntry remembers the SHA-256 of one version of a file.
type sumEntry struct {
	fi    fs.FileInfo // the file as it was before its bytes were read
	ctime time.Time   // fi's change time
	sum   string
}

// maxSums bounds the checksum cache. When it is full it is emptied: the
// cost is a re-hash, and a cache this simple is obviously correct.
const maxSums = 4096

// racyWindow is how long after a file's last change its checksum is not
// cached. The kernel stamps a change with a coarse clock (one tick, a few
// milliseconds, behind the real time; whole seconds on some file systems),
// so a second write within the same tick as the first can leave the change
// time as it was. A version whose change time is older than the window was
// when its bytes were read cannot be rewritten without the change time
// moving. Git's index treats such "racily clean" entries the same way.
const racyWindow = 2 * time.Second

// sum returns the hex SHA-256 of the open file f (described by fi).
//
// A cached checksum is used only for the same inode with the same size,
// modification time and change time. The first three a writer can keep as
// they were (cp -p, touch -r and rsync -t restore the mtime); the change
// time it cannot, since the kernel sets it on every write and on every
// chmod or utimes, and no system call sets it back. A file changed within
// [racyWindow] of being hashed is not cached at all, so HASH right after a
// PUT reads the file once (from the page cache, at about a gigabyte per
// second).
//
// The read blocks the caller for as long as it takes, which on an event
// loop stalls every connection of that loop: see the package documentation.
func (s *Service) sum(name string, f *os.File, fi fs.FileInfo) (string, error) {
	ctime, cacheable := changeTime(fi)
	if cacheable {
		s.mu.Lock()
		e, ok := s.sums[name]
		s.mu.Unlock()
		if ok && sameVersion(e, fi, ctime) {
			return e.sum, nil
		}
	}
	started := time.Now()
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, fi.Size())); err != nil {
		return "", err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if cacheable && ctime.Before(started.Add(-racyWindow)) {
		s.remember(name, sumEntry{fi: fi, ctime: ctime, sum: sum})
	}
	return sum, nil
}

// remember records the checksum of one version of name.
func (s *Service) remember(name string, e sumEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sums) >= maxSums {
		clear(s.sums)
	}
	s.sums[name] = e
}

// sameVersion reports whether fi, whose change time is ctime, describes the
// version of the file that e was computed from.
func sameVersion(e sumEntry, fi fs.FileInfo, ctime time.Time) bool {
	return os.SameFile(e.fi, fi) && e.fi.Size() == fi.Size() &&
		e.fi.ModTime().Equal(fi.ModTime()) && e.ctime.Equal(ctime)
}

// isNoSpace reports whether err means the disk (or the user's quota) is full.
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}
