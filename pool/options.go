package pool

import "fmt"

// DefaultWorkers is the pool size of the zero [Options]: enough that a
// laptop demo never notices the bound, small enough that the bound is real.
const DefaultWorkers = 64

// Options says how big the pool is and what happens to a client that arrives
// while every worker is busy. The zero value is 64 workers that make extra
// clients wait.
type Options struct {
	// Workers is the most sessions served at once, one per worker
	// goroutine. Zero or less means [DefaultWorkers].
	Workers int

	// Overflow is what happens to a client that connects while every
	// worker is busy: [Wait] (the default) or [Reject].
	Overflow Overflow
}

// withDefaults returns o with its zero fields set. An Overflow value that is
// neither Wait nor Reject is treated as Wait, the policy that never turns a
// client away.
func (o Options) withDefaults() Options {
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.Overflow != Reject {
		o.Overflow = Wait
	}
	return o
}

// Overflow is the policy for a client that connects while every worker is
// busy. It implements [flag.Value], so a command line can take it as
// -overflow wait|reject.
type Overflow int

const (
	// Wait stops accepting while every worker is busy: the accept loop
	// blocks in the pool's Go until a session ends, and new clients queue
	// in the kernel's listen backlog, connected but unanswered. Nobody is
	// turned away; a client may wait as long as the longest session lasts.
	Wait Overflow = iota

	// Reject accepts the client, tells it the server is busy in the
	// service's own words ([netlab.BusyReplyOf]: chat's "! server busy",
	// files' "ERR busy", nothing for echo) and closes the connection. A
	// client learns at once, and can retry later or elsewhere.
	Reject
)

// String returns "wait" or "reject".
func (o Overflow) String() string {
	switch o {
	case Wait:
		return "wait"
	case Reject:
		return "reject"
	}
	return fmt.Sprintf("Overflow(%d)", int(o))
}

// Set parses "wait" or "reject", for [flag.Var].
func (o *Overflow) Set(s string) error {
	switch s {
	case "wait":
		*o = Wait
	case "reject":
		*o = Reject
	default:
		return fmt.Errorf("pool: unknown overflow policy %q: use wait or reject", s)
	}
	return nil
}
