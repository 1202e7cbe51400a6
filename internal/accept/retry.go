package accept

import (
	"errors"
	"fmt"
	"log/slog"
	"syscall"
	"time"

	"github.com/netlab-go/netlab"
)

// Verdict is what an accept loop should do after an accept failed.
type Verdict int

const (
	// Stop: the listener is closed or broken. Retrying cannot help; the
	// loop returns.
	Stop Verdict = iota

	// Skip: only the connection being accepted was lost. The loop accepts
	// the next one at once.
	Skip

	// Pause: the process or the system is out of something that closing
	// connections gives back (descriptors, buffer memory). The connection
	// waits in the backlog; the loop backs off and tries again.
	Pause
)

// exhausted are the errors of an accept that ran out of a resource.
var exhausted = []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM}

// lost are the errors of an accept whose connection is gone: reset while it
// waited in the backlog (ECONNABORTED), or, as accept(2) says Linux does, a
// network error already pending on the new socket. Go's own Accept retries
// ECONNABORTED (and EINTR) itself; accept4(2) called directly, as the event
// loop does, reports them.
// Linux adds ENONET, which other systems do not define (lostOnThisOS).
var lost = append([]syscall.Errno{syscall.ECONNABORTED, syscall.EPROTO, syscall.ENETDOWN, syscall.ENOPROTOOPT,
	syscall.EHOSTDOWN, syscall.EHOSTUNREACH, syscall.EOPNOTSUPP, syscall.ENETUNREACH, syscall.EPERM}, lostOnThisOS...)

// Classify says what an accept loop should do after an accept returned err,
// which must not be nil. Errors it does not know, a closed listener's among
// them, are [Stop].
func Classify(err error) Verdict {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return Stop
	}
	for _, e := range exhausted {
		if errno == e {
			return Pause
		}
	}
	for _, e := range lost {
		if errno == e {
			return Skip
		}
	}
	return Stop
}

// The back-off schedule for [Pause]: the first wait is minPause, each next
// one twice as long, up to maxPause. A second is short enough that a backlog
// is served soon after descriptors free up, and long enough that a server
// stuck at its limit costs nothing.
const (
	minPause = 5 * time.Millisecond
	maxPause = time.Second
)

// Next calls accept until it returns a connection, and returns it. In
// between it applies the package's policy (see [Classify]): it skips lost
// connections, backs off while the process is out of descriptors or memory
// (logging the first failure of the burst at error level, and the recovery
// at info level), and gives up on anything else.
//
// It returns [netlab.ErrServerClosed], unwrapped, once ls is closing (Close
// also cuts a pause short), and any other error wrapped as
// "NAME: accept: ...". name says whose loop it is, for errors and logs.
func Next[C any](ls *Listeners, log *slog.Logger, name string, accept func() (C, error)) (C, error) {
	var (
		pause    time.Duration
		failures int
		since    time.Time
	)
	for {
		c, err := accept()
		if err == nil {
			if failures > 0 {
				log.Info(name+": accepting again", "failures", failures, "after", time.Since(since).Round(time.Millisecond))
			}
			return c, nil
		}
		if ls.Closing() {
			return c, netlab.ErrServerClosed
		}
		switch Classify(err) {
		case Skip:
			log.Debug(name+": accept: connection lost in the backlog", "err", err)
			continue
		case Stop:
			return c, fmt.Errorf("%s: accept: %w", name, err)
		}
		if failures == 0 {
			since = time.Now()
			log.Error(name+": accept failed; pausing accepts until connections close", "err", err)
		}
		failures++
		pause = min(max(2*pause, minPause), maxPause)
		select {
		case <-time.After(pause): // since Go 1.23 an unreferenced timer is collected, fired or not
		case <-ls.Done():
			return c, netlab.ErrServerClosed
		}
	}
}
