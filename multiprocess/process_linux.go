package multiprocess

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"syscall"

	"github.com/netlab-go/netlab/internal/frame"
)

// child is one child process, seen from the parent.
type child struct {
	cmd     *exec.Cmd
	ctl     net.Conn      // the parent's end of the control socketpair
	w       *frame.Writer // writes to ctl
	prefork bool          // a preforked child: it accepts for itself
	open    int64         // connections it serves now; guarded by Server.mu
	killed  bool          // we killed it: its death is no crash; guarded by Server.mu
	done    chan struct{} // closed once the child is reaped
}

// startLocked starts a child that inherits socket as fd 3, with its control
// socketpair as fd 4 and, for a Relayer, its link as fd 5. It holds mu while
// the child starts (a fork and an exec: about a millisecond), so that
// Shutdown either sees the child or stops it from being started.
func (s *Server) startLocked(socket *os.File, prefork bool) (*child, error) {
	ctlParent, ctlChild, err := socketpair("control")
	if err != nil {
		return nil, err
	}
	defer ctlChild.Close()
	files := []*os.File{socket, ctlChild}
	var linkParent *os.File
	if s.relay != nil {
		var linkChild *os.File
		linkParent, linkChild, err = socketpair("link")
		if err != nil {
			ctlParent.Close()
			return nil, err
		}
		defer linkChild.Close()
		files = append(files, linkChild)
	}
	cc := s.child
	cc.Prefork = prefork
	cc.MaxProcs = childProcs(s.opts.Procs)
	cfg, err := json.Marshal(cc)
	if err != nil {
		return nil, fmt.Errorf("multiprocess: encode the child's configuration: %w", err)
	}

	// /proc/self/exe is this very program even if its file was replaced
	// or removed since it started; os.Executable might name another.
	cmd := exec.Command("/proc/self/exe")
	cmd.Args = []string{"netlab-child-" + s.spec.Service} // what ps shows
	cmd.Env = append(os.Environ(), envChild+"="+string(cfg))
	cmd.Env = append(cmd.Env, raceOptions()...)
	cmd.ExtraFiles = files
	cmd.Stderr = s.opts.Stderr
	// A process group of its own: the terminal sends Ctrl-C's SIGINT (and
	// Ctrl-\'s SIGQUIT) to every process of its foreground group, and a
	// child that got it would die with its uploads half done. The parent
	// hears the signal and shuts its children down in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		ctlParent.Close()
		if linkParent != nil {
			linkParent.Close()
		}
		return nil, fmt.Errorf("multiprocess: start a child: %w", err)
	}
	ctl, err := asConn(ctlParent)
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, err
	}
	ch := &child{cmd: cmd, ctl: ctl, w: frame.NewWriter(ctl), prefork: prefork, done: make(chan struct{})}
	s.children[ch] = struct{}{}
	s.log.Debug("child started", "pid", cmd.Process.Pid, "prefork", prefork)
	s.wg.Go(func() { s.watch(ch) })
	if linkParent != nil {
		link, err := asConn(linkParent)
		if err != nil {
			s.log.Error("multiprocess: link to the child", "err", err)
		} else {
			s.wg.Go(func() {
				if err := s.relay.ServeRelay(link); err != nil {
					s.log.Error("multiprocess: relay to the child", "pid", cmd.Process.Pid, "err", err)
				}
			})
		}
	}
	return ch, nil
}

// childProcs returns the GOMAXPROCS for a child when procs children are
// preforked (0: a child per connection), or 0 to leave the runtime's
// choice when the user set GOMAXPROCS in the environment, which the child
// inherits. A child that serves one connection has one goroutine working at
// a time, and a second P only makes the runtime wake a second thread to
// steal work that is not there: futex calls, and a thread's switch, for
// every wake-up. Preforked children share the cores among them.
func childProcs(procs int) int {
	if _, ok := os.LookupEnv("GOMAXPROCS"); ok {
		return 0
	}
	if procs == 0 {
		return 1
	}
	return max(1, runtime.GOMAXPROCS(0)/procs)
}

// watch serves a child's control socket until the child exits, then reaps
// it, counts a crash, and replaces a preforked child.
func (s *Server) watch(ch *child) {
	s.serveControl(ch)
	ch.ctl.Close()
	err := ch.cmd.Wait() // the child is reaped: no zombie

	s.mu.Lock()
	delete(s.children, ch)
	s.active -= ch.open
	crashed := err != nil && !ch.killed
	if crashed {
		s.panics++
	}
	respawn := ch.prefork && !s.closing
	s.mu.Unlock()
	close(ch.done)

	if crashed {
		s.log.Error("child crashed; its connections are gone, the others are served", "pid", ch.cmd.Process.Pid, "status", ch.cmd.ProcessState.String())
		if r, ok := s.svc.(Recoverer); ok {
			// Before the replacement starts: what the dead child left
			// half-done is gone before anyone is served in its place.
			if err := r.Recover(); err != nil {
				s.log.Error("multiprocess: tidy up after a crashed child", "pid", ch.cmd.Process.Pid, "err", err)
			}
		}
	} else {
		s.log.Debug("child exited", "pid", ch.cmd.Process.Pid)
	}
	if respawn {
		s.respawn()
	}
}

// respawn replaces a preforked child that died, unless the server is
// closing by then.
func (s *Server) respawn() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing || s.lfile == nil {
		return
	}
	if _, err := s.startLocked(s.lfile, true); err != nil {
		s.log.Error("multiprocess: replace a child that died", "err", err)
	}
}

// kill ends the children at once. Their deaths are not counted as crashes.
func (s *Server) kill(cs []*child) {
	s.mu.Lock()
	for _, ch := range cs {
		ch.killed = true
	}
	s.mu.Unlock()
	for _, ch := range cs {
		ch.cmd.Process.Kill() // after Wait it does nothing: the process is known to be done
	}
}
