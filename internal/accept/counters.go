package accept

import (
	"sync/atomic"

	"github.com/netlab-go/netlab"
)

// Counters are the totals a server reports in [netlab.Stats], kept where
// the events happen. The zero value is all zeros; every field is safe for
// concurrent use.
type Counters struct {
	Accepted, Refused, Active, Panics, Dropped atomic.Int64
}

// Stats returns the counters as they are now.
func (c *Counters) Stats() netlab.Stats {
	return netlab.Stats{
		Accepted: c.Accepted.Load(),
		Refused:  c.Refused.Load(),
		Active:   c.Active.Load(),
		Panics:   c.Panics.Load(),
		Dropped:  c.Dropped.Load(),
	}
}
