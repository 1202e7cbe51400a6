// Package framing is lab 5: a sans-I/O chat room whose session treats the
// bytes of one read as one line, to be fixed so that lines are framed by
// their LF however the bytes arrive — one at a time, several lines at once,
// a line cut in two.
// The trade: a buffer per connection, held until a line's LF comes, for a
// protocol that is right however the network cuts the bytes.
package framing
