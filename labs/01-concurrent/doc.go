// Package concurrent is lab 1: an echo server that serves one client at a
// time, to be made to serve every client at once with a goroutine per
// connection.
// The trade the lab teaches: a goroutine per client costs a few KiB each and
// serves them all at once, where the iterative loop costs nothing and serves
// one.
package concurrent
