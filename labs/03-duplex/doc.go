// Package duplex is lab 3: a server that takes turns — one line from the
// client, then one from its keyboard — to be made full duplex, one
// goroutine printing what the client sends while another sends what is
// typed.
package duplex
