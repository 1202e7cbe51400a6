package filesrv

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
)

// tempPrefix starts the name of every upload in progress. The leading '.'
// makes it a name no client can send ([ValidName]) and LIST never shows.
const tempPrefix = ".netlab-upload-"

// An upload is one PUT on its way to disk: the payload goes to a hidden
// temporary file, hashed as it is written, and only a complete one is
// renamed to its name. rename(2) replaces the directory entry atomically,
// so a reader sees the old file or the new one, never half of either, and
// two uploads of one name end as whichever was renamed last, never a mix.
type upload struct {
	svc  *Service
	name string    // where it goes
	tmp  string    // where it is being written
	f    *os.File  // the temporary file, locked so no startup sweep removes it
	w    io.Writer // f, or what a test wrapped it in
	h    hash.Hash
	size int64 // announced SIZE
	left int64 // bytes still to come
}

// startUpload creates the temporary file for a PUT of size bytes to name.
func (s *Service) startUpload(name string, size int64) (*upload, error) {
	if fi, err := s.root.Lstat(name); err == nil && fi.IsDir() {
		// rename(2) cannot put a file where a folder is: say so now,
		// not after the client sent gigabytes.
		return nil, ErrInvalidName
	}
	// A random name makes a collision with another upload (or a planted
	// symlink) unlikely, and O_EXCL makes it harmless: the create fails,
	// symlinks are never followed, and we try another name.
	for range 8 {
		var rnd [8]byte
		rand.Read(rnd[:])
		tmp := tempPrefix + hex.EncodeToString(rnd[:])
		f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := lock(f); err != nil {
			f.Close()
			s.root.Remove(tmp)
			return nil, err
		}
		if unlinked(f) {
			// Another server's startup sweep removed it between our
			// create and our lock. It is gone; start over.
			f.Close()
			continue
		}
		var w io.Writer = f
		if s.uploadWriter != nil {
			w = s.uploadWriter(f)
		}
		return &upload{svc: s, name: name, tmp: tmp, f: f, w: w, h: sha256.New(), size: size, left: size}, nil
	}
	return nil, errors.New("filesrv: no free temporary file name after 8 tries")
}

// write stores the next part of the payload. The caller passes at most
// u.left bytes. One write(2) of one read's worth of bytes is the most a
// session blocks on disk per call.
func (u *upload) write(p []byte) error {
	n, err := u.w.Write(p)
	u.h.Write(p[:n])
	u.left -= int64(n)
	return err
}

// commit makes a complete upload visible under its name and returns its
// SHA-256. The fsync comes before the rename: otherwise a crash shortly
// after could leave the new name pointing at a file whose blocks never
// reached the disk, an empty or truncated file where the client was told
// OK. It costs two disk flushes per upload (the file's, the folder's) (milliseconds on an SSD, more on a
// busy or spinning disk), during which the session's thread waits.
func (u *upload) commit() (string, error) {
	defer u.f.Close()
	if err := u.f.Sync(); err != nil {
		u.svc.root.Remove(u.tmp)
		return "", fmt.Errorf("sync %s: %w", u.tmp, err)
	}
	if err := u.svc.root.Rename(u.tmp, u.name); err != nil {
		u.svc.root.Remove(u.tmp)
		return "", fmt.Errorf("rename %s to %s: %w", u.tmp, u.name, err)
	}
	// The rename lives in the folder's own data: flush that too, or a
	// crash could bring back the old file after we said OK.
	if dir, err := u.svc.root.Open("."); err == nil {
		dir.Sync()
		dir.Close()
	}
	// The checksum is not cached: the file changed a moment ago, within
	// racyWindow, and anyone may write to it now.
	return hex.EncodeToString(u.h.Sum(nil)), nil
}

// abort throws an unfinished upload away.
func (u *upload) abort() {
	u.f.Close()
	u.svc.root.Remove(u.tmp)
}
