package eventloop

// A connTable is a loop's connections, each in a numbered slot: the number
// the kernel hands back with each of the connection's events.
//
// epoll_data, the 64 bits that come back with an event, is ours to fill.
// nginx stores a pointer to the connection there, which Go forbids without
// unsafe; Redis indexes an array by descriptor, which with several loops
// costs every loop a slot for every descriptor in the process; a map from
// descriptor to connection costs 20–40 bytes a connection and, at a
// thousand connections, a cache miss or two per event (it was a quarter of
// the loop's own CPU time on the echo benchmark). We store the descriptor
// and the connection's slot in this loop's table: a slice index per event,
// eight bytes a connection, and the descriptor checked against the slot's
// connection, so that a stale event can never reach the wrong one.
type connTable struct {
	slots []*conn // by slot; nil where free
	free  []int32 // free slots, the most recently freed last
}

// add gives c a slot.
func (t *connTable) add(c *conn) {
	if k := len(t.free); k > 0 {
		c.slot = t.free[k-1]
		t.free = t.free[:k-1]
		t.slots[c.slot] = c
	} else {
		c.slot = int32(len(t.slots))
		t.slots = append(t.slots, c)
	}
}

// remove frees c's slot. Its number may go to the next connection added,
// which is why lookup checks the descriptor too.
func (t *connTable) remove(c *conn) {
	t.slots[c.slot] = nil
	t.free = append(t.free, c.slot)
}

// len returns how many connections are in the table: every slot ever made
// is either taken or free.
func (t *connTable) len() int { return len(t.slots) - len(t.free) }

// lookup returns the connection in slot whose descriptor is fd, or nil.
func (t *connTable) lookup(slot int32, fd int) *conn {
	if slot < 0 || int(slot) >= len(t.slots) {
		return nil
	}
	if c := t.slots[slot]; c != nil && c.fd == fd {
		return c
	}
	return nil
}

// each calls f for every connection in the table. f may remove connections
// (finish does), but not add them.
func (t *connTable) each(f func(c *conn)) {
	for _, c := range t.slots {
		if c != nil {
			f(c)
		}
	}
}
