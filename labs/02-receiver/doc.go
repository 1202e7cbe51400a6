// Package receiver is lab 2: a chat client that prints what arrives only
// after the user types, to be given a receiver goroutine that prints every
// line the moment it arrives.
package receiver
