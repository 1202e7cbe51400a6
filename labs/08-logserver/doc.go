// Package logserver is lab 8: a sans-I/O log server that appends each line
// it is sent to one log file and answers "ok", whose sessions each open the
// log for themselves and so wipe what the others wrote, to be fixed by
// opening the log once, for appending, in the Service that every session
// shares.
// The trade: one open file every connection shares, in exchange for a log
// that every model and every process appends to safely.
package logserver
