package accept

import "syscall"

// lostOnThisOS are the accept errors for a lost connection that only Linux
// defines: ENONET, "machine is not on the network", which accept(2) lists
// among the pending network errors it may report on the new socket.
var lostOnThisOS = []syscall.Errno{syscall.ENONET}
