package procserver

import (
	"fmt"
	"sync"
	"time"
)

// A Sample is the state of a server's process tree at one moment.
type Sample struct {
	CPU   time.Duration // user + system time of the tree since it started, reaped children included
	RSS   int64         // resident bytes, summed over the live members
	Procs int           // live members: the server and its descendants
}

// Usage is what a server spent during a [Window].
type Usage struct {
	Elapsed time.Duration // wall time from Begin to End
	CPU     time.Duration // user + system time the tree spent in the window, to a clock tick (10ms)
	// PeakRSS is the largest resident size among the window's samples, in
	// bytes: for a tree, the largest sum of its live members' RSS. A spike
	// shorter than SampleEvery can fall between samples.
	PeakRSS int64
	// HighWater is the root process's own peak resident size since it
	// started (VmHWM), which no sample misses but which an earlier window
	// may have set; 0 if unknown.
	HighWater int64
	EndRSS    int64 // resident bytes at End
	MaxProcs  int   // most live members seen in one sample
	Samples   int   // samples taken
}

// A Window measures a server between [Server.Begin] and [Window.End],
// sampling its memory every SampleEvery from a goroutine of its own.
type Window struct {
	s     *Server
	start time.Time
	first Sample
	stop  chan struct{}
	done  chan struct{}

	mu   sync.Mutex
	peak Sample // largest RSS seen; guarded by mu
	n    int    // samples taken; guarded by mu
	err  error  // first sampling error; guarded by mu
}

// Begin opens a measurement window: it samples the server now, and then
// every SampleEvery until [Window.End]. Call End exactly once.
func (s *Server) Begin() (*Window, error) {
	first, err := s.Sample()
	if err != nil {
		return nil, err
	}
	w := &Window{s: s, start: time.Now(), first: first, peak: first, n: 1, stop: make(chan struct{}), done: make(chan struct{})}
	go w.sample()
	return w, nil
}

func (w *Window) sample() {
	defer close(w.done)
	t := time.NewTicker(w.s.opts.SampleEvery)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
		}
		w.observe()
	}
}

// observe takes one sample and keeps it if it is the largest.
func (w *Window) observe() Sample {
	smp, err := w.s.Sample()
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		if w.err == nil {
			w.err = err
		}
		return smp
	}
	w.n++
	if smp.RSS > w.peak.RSS {
		w.peak.RSS = smp.RSS
	}
	w.peak.Procs = max(w.peak.Procs, smp.Procs)
	return smp
}

// End closes the window with a last sample and returns what the server
// spent in it. A server that died during the window is an error.
func (w *Window) End() (Usage, error) {
	close(w.stop)
	<-w.done
	last := w.observe()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return Usage{}, fmt.Errorf("procserver: pid %d during the window: %w", w.s.PID(), w.err)
	}
	u := Usage{
		Elapsed:  time.Since(w.start),
		CPU:      last.CPU - w.first.CPU,
		PeakRSS:  w.peak.RSS,
		EndRSS:   last.RSS,
		MaxProcs: w.peak.Procs,
		Samples:  w.n,
	}
	if hwm, err := highWater(w.s.PID()); err == nil {
		u.HighWater = hwm
	}
	return u, nil
}

// A Measurement times a server over one load's window. Its OnWindow has
// the shape of a load generator's window hook (internal/workload's
// Spec.OnWindow): it opens a [Window] as the load's window opens and
// returns the function that closes it. Usage then says what the server
// spent.
type Measurement struct {
	s     *Server
	usage Usage
	err   error
}

// Measure returns a Measurement of s, for one window.
func (s *Server) Measure() *Measurement { return &Measurement{s: s} }

// OnWindow opens the window and returns the function that closes it, or
// nil if the window could not be opened (Usage then says why).
func (m *Measurement) OnWindow() func() {
	w, err := m.s.Begin()
	if err != nil {
		m.err = err
		return nil
	}
	return func() { m.usage, m.err = w.End() }
}

// Usage returns what the server spent in the window, once the load that
// opened and closed it has returned, or why it could not be measured.
func (m *Measurement) Usage() (Usage, error) { return m.usage, m.err }
