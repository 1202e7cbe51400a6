package accept

import (
	"context"
	"time"
)

// Drain is the graceful half of a Shutdown. It calls closeIdle, which asks
// every connection still open to close as soon as it is quiescent and
// returns how many are still open, again and again until none is or ctx
// ends, and then returns ctx's error.
//
// It polls, as net/http's Shutdown does: whether a connection is quiescent
// is its own goroutines' business, and asking now and then is simpler and
// cheaper than having every send report to a central place. The pause
// starts at a millisecond, so a quick drain is quick, and doubles up to a
// tenth of a second.
func Drain(ctx context.Context, closeIdle func() (open int)) error {
	pause := time.Millisecond
	timer := time.NewTimer(pause)
	defer timer.Stop()
	for closeIdle() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			pause = min(2*pause, 100*time.Millisecond)
			timer.Reset(pause)
		}
	}
	return nil
}
