package accept

import (
	"io"
	"sync"

	"github.com/netlab-go/netlab"
)

// Listeners is the set of listeners one server is serving. Shutdown and Close
// call [Listeners.Close], which closes every one of them, so that each accept
// loop wakes up, sees [Listeners.Closing] and returns
// [netlab.ErrServerClosed]. The zero value is an empty, open set; its methods
// are safe for concurrent use.
//
// A listener is anything with a Close method: a [net.Listener], or the
// *os.File the event loop accepts from.
type Listeners struct {
	mu      sync.Mutex
	set     map[io.Closer]struct{} // guarded by mu
	closing bool                   // Close was called; guarded by mu
	done    chan struct{}          // closed by Close; made on first use; guarded by mu
}

// Add registers l, so that Close closes it. If the set is already closing,
// Add closes l and returns [netlab.ErrServerClosed]: a Serve that starts
// after Shutdown must not serve.
func (ls *Listeners) Add(l io.Closer) error {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.closing {
		l.Close()
		return netlab.ErrServerClosed
	}
	if ls.set == nil {
		ls.set = make(map[io.Closer]struct{})
	}
	ls.set[l] = struct{}{}
	return nil
}

// Remove closes l and forgets it. A serve loop defers it after Add.
func (ls *Listeners) Remove(l io.Closer) {
	ls.mu.Lock()
	delete(ls.set, l)
	ls.mu.Unlock()
	l.Close()
}

// Close marks the set closing and closes every listener in it. It may be
// called any number of times; only the first closes [Listeners.Done].
func (ls *Listeners) Close() {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if !ls.closing {
		ls.closing = true
		close(ls.doneLocked())
	}
	for l := range ls.set {
		l.Close()
		delete(ls.set, l)
	}
}

// Closing reports whether Close has been called.
func (ls *Listeners) Closing() bool {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.closing
}

// Done returns a channel that is closed when Close is first called, for a
// wait that Shutdown must cut short.
func (ls *Listeners) Done() <-chan struct{} {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.doneLocked()
}

func (ls *Listeners) doneLocked() chan struct{} {
	if ls.done == nil {
		ls.done = make(chan struct{})
	}
	return ls.done
}
