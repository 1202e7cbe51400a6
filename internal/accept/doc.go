// Package accept is what every netlab accept loop shares: the set of
// listeners a server is serving, so that Shutdown and Close can close them
// all and make each loop return, and the policy for an accept that failed.
// It trades a little generality (one fixed back-off schedule, one log line
// per burst) for the same behaviour under every model.
//
// An accept can fail for three kinds of reasons, and [Classify] tells them
// apart:
//
//   - the listener is closed or broken ([Stop]): the loop returns;
//   - only the connection being accepted was lost, reset while it waited in
//     the backlog ([Skip]): the loop accepts the next one at once;
//   - the process or the system ran out of descriptors or memory ([Pause]):
//     the connection stays in the backlog, the listener stays readable, and
//     retrying at once would spin, so the loop backs off (5ms, doubling up to
//     a second) and serves the backlog as soon as connections close and
//     descriptors free up, as docs/protocols.md asks. It logs the first
//     failure of a burst and the recovery, not every retry.
//
// [Next] applies that policy around any accept function, and a serve loop
// reads:
//
//	if err := ls.Add(l); err != nil {
//		return err // already shutting down
//	}
//	defer ls.Remove(l)
//	for {
//		nc, err := accept.Next(&ls, log, "perconn", l.Accept)
//		if err != nil {
//			return err // netlab.ErrServerClosed after ls.Close
//		}
//		go serve(nc)
//	}
package accept
