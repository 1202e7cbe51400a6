// Package multiprocess is the process-per-connection model: every connection
// is served by a child process of its own (or, with prefork, by one of a
// fixed number of children that share the listening socket), so a session
// that crashes — os.Exit, a nil map write on a goroutine of its own, memory
// corruption in a C library — takes down its own child and nothing else. It
// trades a thousand times the memory of a goroutine per connection and a
// fork-and-exec per connect for isolation the operating system enforces.
//
// # Why re-exec, and not fork
//
// A Go program cannot fork(2) and go on running Go in the child: fork copies
// only the calling thread, and the runtime's other threads (the scheduler,
// the garbage collector, the network poller) would be missing, with their
// locks possibly held. So the parent starts its own program again
// (/proc/self/exe) with the work passed as inherited file descriptors
// (exec.Cmd.ExtraFiles[i] becomes fd 3+i in the child) and a description of
// the service in the environment. The program calls one hook first thing in
// main, before it does anything else, and the child takes that branch:
//
//	func main() {
//		if multiprocess.IsChild() {
//			os.Exit(multiprocess.RunChild())
//		}
//		…
//	}
//
// A test binary does the same in TestMain.
//
// # Services cross exec as a Spec
//
// A [netlab.Service] is a value in the parent's memory and cannot cross
// exec. A program [Register]s a [Factory] under a name from an init
// function; a [Spec] names it and carries its arguments; every process —
// the parent once, each child once — builds its own instance. The package
// [github.com/netlab-go/netlab/multiprocess/services] registers echo, chat
// and files.
//
// A service whose connections share state implements [Relayer]: the state
// stays in the parent's instance, and each child's instance reaches it over
// a socketpair. That is how chat works across processes: the one hub lives
// in the parent, and each child's chat service uses a [github.com/netlab-go/netlab/chat.RelayHub].
//
// A program that would wrap the service it serves, to log every session's
// traffic say, wraps nothing the sessions run through: they run in the
// children. It [RegisterWrapper]s a [Wrapper] under a name instead, and
// names it in [Options.Wrap]; each child applies it to its own instance.
// netlab serve's -log and -v work that way under this model.
//
// # What a child inherits
//
//	fd 3  the connection (a child per connection) or the listener (prefork)
//	fd 4  the control socketpair (below). When it closes, the other side
//	      is gone.
//	fd 5  the service's link to the parent's instance ([Relayer] only)
//
// Inside, a child runs the same blocking engine as perconn: a goroutine per
// connection that reads, and a queue per connection that a writer drains.
// It runs with a GOMAXPROCS of its own share of the cores ([Options.Procs]):
// a hundred children each scheduling for every core would wake threads for
// work that is not there.
//
// # The control protocol
//
// The parent and each child talk on fd 4 in lines of the form
// "VERB NUM [TEXT]", the frame chat's relay uses too. A request that needs
// an answer carries a fresh tag as its NUM, and is answered with
// "answer TAG RESULT"; every frame has a NUM, 0 where its verb needs none.
//
//	from    frame          means                                         answer
//	child   open TAG       may I serve the connection I accepted?         answer TAG ok | busy
//	                       (prefork: the parent keeps the server-wide
//	                       connection limit)
//	child   close N        N connections I was granted have ended          —
//	child   panic TAG      a session panicked (sent before its Closed)     answer TAG ack
//	child   drop TAG       a client was dropped for overflow (likewise)    answer TAG ack
//	parent  shutdown 0     stop accepting, finish what is in flight, exit  —
//
// The child waits for the acknowledgement of panic and drop so that the
// parent's [Server.Stats] count them before the session's Closed runs (for
// chat, before the others see "* NAME left"). A child that sends what is not
// in this table is killed, and counted as a crash.
//
// # Shutdown, signals and reaping
//
// Shutdown stops accepting and sends every child "shutdown": each stops
// accepting, closes its idle connections and lets the others finish (an
// upload completes). When the context ends the parent kills the rest.
// Every child is waited for, so none is left a zombie, and a child that died
// of anything but our kill counts in [netlab.Stats.Panics].
//
// Each child runs in a process group of its own. A terminal sends Ctrl-C's
// SIGINT to every process of its foreground group; were the children in the
// parent's, they would die with their uploads half done. So only the parent
// hears it, and a program that shuts down on SIGINT (as netlab serve does)
// shuts its children down in order.
//
// # At the descriptor limit
//
// Starting a child takes descriptors in the parent: a socketpair or two and
// exec's status pipe while it starts, and for as long as it runs its control
// socket and a pidfd. When they run out, accept(2) fails (the client waits in
// the listen backlog) or the start does (the client gets the service's busy
// reply, "ERR busy" or "! server busy"); either way the accept loop pauses,
// from 5 ms doubling up to a second, logs the shortage once per burst and its
// end once, and serves the backlog as descriptors free up when children exit.
// No client is closed without the service's busy reply (echo, which has no
// words for it, just closes).
//
// The model runs on Linux; elsewhere [New] returns an error wrapping
// [netlab.ErrUnsupported].
package multiprocess
