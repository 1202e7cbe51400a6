// Package duplex is lab 3: a server that takes turns — one line from the
// client, then one from its keyboard — to be made full duplex, one
// goroutine printing what the client sends while another sends what is
// typed. The trade: a goroutine and a select, and a shutdown that must
// end both, for a conversation in which neither side waits for the other.
package duplex
