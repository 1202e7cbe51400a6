// Package receiver is lab 2: a chat client that prints what arrives only
// after the user types, to be given a receiver goroutine that prints every
// line the moment it arrives. The trade: a second goroutine, and an end
// that must be arranged (closing the connection ends its read), for a
// client that never makes a message wait for the user.
package receiver
