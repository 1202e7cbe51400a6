package pool

// SetHooks sets the functions s calls at events no client can see: the
// accept loop about to hand a connection to a worker, and a worker that
// finished a session. Call it before Serve.
func SetHooks(s *Server, handoff, free func()) {
	s.hooks = hooks{handoff: handoff, free: free}
}
