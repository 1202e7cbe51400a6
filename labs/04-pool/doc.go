// Package pool is lab 4: a server that starts a goroutine for every client
// however many come, to be bounded to a number of workers, telling each
// client beyond them "busy" at once instead of letting it wait.
// The trade: a bound keeps a flood of clients from exhausting the server, at
// the price of turning some away.
package pool
