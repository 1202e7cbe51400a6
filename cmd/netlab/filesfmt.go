package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/netlab-go/netlab/filesrv"
)

// humanSize writes n bytes the way ls -h and curl do, in powers of 1024:
// "12 B", "1.5 KiB", "420 MiB". Below ten units it keeps one decimal, so a
// small file still shows it moving.
func humanSize(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v := float64(n)
	unit := ""
	for _, u := range []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"} {
		v /= 1024
		unit = u
		if v < 1024 {
			break
		}
	}
	if v < 10 {
		return fmt.Sprintf("%.1f %s", v, unit)
	}
	return fmt.Sprintf("%.0f %s", v, unit)
}

// humanDuration writes d as a person reads a transfer's time: "850 ms",
// "2.1 s", "3m12s".
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1f s", d.Seconds())
	default:
		return d.Round(time.Second).String()
	}
}

// byteRate writes n bytes moved in d as a speed, "190 MiB/s".
func byteRate(n int64, d time.Duration) string {
	if d <= 0 {
		return "- B/s"
	}
	return humanSize(int64(math.Round(float64(n)/d.Seconds()))) + "/s"
}

// A transferState is how far one download or upload has come. The transfer's
// goroutine updates it, a progress bar or the files shell reads it: it is
// safe for concurrent use.
type transferState struct {
	label string // "get one.txt", "put ./report.pdf"

	mu      sync.Mutex
	started time.Time // guarded by mu
	first   int64     // the offset the transfer started at (a resumed download's); guarded by mu
	done    int64     // guarded by mu
	total   int64     // -1 until the server or the file says; guarded by mu
	ended   time.Time // zero while running; guarded by mu
	outcome string    // "verified", "failed", "interrupted" once ended; guarded by mu
}

func newTransferState(label string, now time.Time) *transferState {
	return &transferState{label: label, started: now, first: -1, total: -1}
}

// progress is the transfer's [filesrv.Progress]: its first call says where
// the transfer starts, so a resumed download's speed counts only the bytes
// that crossed the network.
func (s *transferState) progress(done, total int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.first < 0 {
		s.first = done
	}
	s.done, s.total = done, total
}

// end stops the transfer's clock; err is how it ended.
func (s *transferState) end(now time.Time, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended.IsZero() {
		s.ended = now
	}
	switch {
	case err == nil:
		s.outcome = "verified"
	case errors.Is(err, context.Canceled):
		s.outcome = "interrupted"
	default:
		s.outcome = "failed"
	}
}

// status is the word beside a bar: how far it is, or how it ended.
func (s *transferState) status() string {
	s.mu.Lock()
	outcome := s.outcome
	s.mu.Unlock()
	if outcome != "" {
		return outcome
	}
	return fmt.Sprintf("%3.0f%%", 100*s.fraction())
}

// snapshot returns the transfer's counters: bytes done, total (-1 if not
// known yet), the bytes that crossed the network, and the time it has
// taken.
func (s *transferState) snapshot(now time.Time) (done, total, moved int64, elapsed time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ended.IsZero() {
		now = s.ended
	}
	moved = s.done - max(s.first, 0)
	return s.done, s.total, moved, now.Sub(s.started)
}

// stats is the text beside a transfer's bar: "12 MiB / 420 MiB  35 MiB/s
// ETA 11.7 s  elapsed 1.2 s".
func (s *transferState) stats(now time.Time) string {
	done, total, moved, elapsed := s.snapshot(now)
	if total < 0 {
		return "connecting  elapsed " + humanDuration(elapsed)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s / %s  %s", humanSize(done), humanSize(total), byteRate(moved, elapsed))
	s.mu.Lock()
	running := s.outcome == ""
	s.mu.Unlock()
	if running && moved > 0 && done < total {
		eta := time.Duration(float64(elapsed) * float64(total-done) / float64(moved))
		fmt.Fprintf(&b, "  ETA %s", humanDuration(eta))
	}
	fmt.Fprintf(&b, "  elapsed %s", humanDuration(elapsed))
	return b.String()
}

// fraction returns how much of the transfer is done, 0 to 1.
func (s *transferState) fraction() float64 {
	done, total, _, _ := s.snapshot(time.Time{})
	switch {
	case total == 0:
		return 1
	case total < 0:
		return 0
	}
	return float64(done) / float64(total)
}

// summary is the line that reports a finished transfer: "get one.txt ->
// ./one.txt: 420 MiB, resumed at 100 MiB, 320 MiB transferred in 2.1 s
// (190 MiB/s), sha256 … verified".
func (s *transferState) summary(t filesrv.Transfer, from, to string) string {
	_, _, moved, elapsed := s.snapshot(time.Time{})
	how := fmt.Sprintf("%s in %s (%s)", humanSize(t.Size), humanDuration(elapsed), byteRate(moved, elapsed))
	if t.Offset > 0 {
		how = fmt.Sprintf("%s, resumed at %s, %s transferred in %s (%s)", humanSize(t.Size), humanSize(t.Offset), humanSize(moved), humanDuration(elapsed), byteRate(moved, elapsed))
	}
	return fmt.Sprintf("%s -> %s: %s, sha256 %s verified", from, to, how, t.SHA256)
}

// failure is the line that reports a failed transfer of the file called
// name: "get missing: failed: not found", and if bytes were kept, how to
// take it up again (resume is the command that does).
func failure(label, name string, t filesrv.Transfer, err error, resume string) string {
	what := "failed: "
	var perr *filesrv.ProtocolError
	reason := err.Error()
	switch {
	case errors.Is(err, context.Canceled):
		what, reason = "interrupted", ""
	case errors.As(err, &perr):
		reason = perr.Reason
	default:
		// The label already names the operation and the file.
		for _, op := range []string{"download", "upload"} {
			reason = strings.TrimPrefix(reason, "filesrv: "+op+" "+name+": ")
		}
	}
	line := label + ": " + what + reason
	if t.Partial != "" {
		size := "its bytes"
		if fi, err := os.Stat(t.Partial); err == nil {
			size = humanSize(fi.Size())
		}
		line += fmt.Sprintf("; %s kept in %s: %s to resume", size, t.Partial, resume)
	}
	return line
}
