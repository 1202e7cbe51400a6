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

// Close releases the folder. Sessions still running fail their next file
// access with ERR busy, so close the service after the server.
func (s *Service) Close() error { return s.root.Close() }

// removeStale removes hidden temporary files that no upload holds: what a
// server that crashed mid-upload left behind. A running upload holds an
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
				s.log.Info("removed an unfinished upload left by an earlier server", "file", e.Name())
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

// A sumEntry remembers the SHA-256 of one version of a file, recognised by
// its inode, size and modification time.
type sumEntry struct {
	fi  fs.FileInfo
	sum string
}

// maxSums bounds the checksum cache. When it is full it is emptied: the
// cost is a re-hash, and a cache this simple is obviously correct.
const maxSums = 4096

// sum returns the hex SHA-256 of the open file f (described by fi).
// Uploads record the checksum they computed while writing, so HASH right
// after PUT, which every verifying client sends, costs nothing; otherwise
// the file is read through once. That read blocks the caller for as long
// as it takes to read the file (a gigabyte is about a second), which on
// an event loop stalls every connection of that loop: see the package
// documentation.
func (s *Service) sum(name string, f *os.File, fi fs.FileInfo) (string, error) {
	s.mu.Lock()
	e, ok := s.sums[name]
	s.mu.Unlock()
	if ok && sameVersion(e.fi, fi) {
		return e.sum, nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, fi.Size())); err != nil {
		return "", err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	s.remember(name, fi, sum)
	return sum, nil
}

// remember records that the version fi of name has checksum sum.
func (s *Service) remember(name string, fi fs.FileInfo, sum string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sums) >= maxSums {
		clear(s.sums)
	}
	s.sums[name] = sumEntry{fi: fi, sum: sum}
}

// sameVersion reports whether a and b describe the same unchanged file: the
// same inode, size and modification time (as make and rsync judge it). An
// upload always makes a new inode, so only a local edit that restores the
// old size and mtime could fool it.
func sameVersion(a, b fs.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// isNoSpace reports whether err means the disk (or the user's quota) is full.
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, syscall.EFBIG)
}
