// Package labkit is what netlab's course labs share: the helpers their tests
// grade with (bounded reads that fail in seconds with a message that
// teaches, a lab's server or client run for the length of a test, every
// model run over one service), the pieces of a server that a lab hands its
// student because they are not its lesson (the accept loop [Accept], the
// recvfrom loop [Datagrams], the line framing [Lines], an echo), and the
// machinery behind the labtool command — list the labs, check one for a
// student, verify that every starter fails for its lab's reason while every
// solution passes, and export a student copy. It trades the generous waits
// of netlabtest for short ones: a starter that still serves one client at a
// time must fail in two seconds, not twenty.
//
// A lab is a folder under labs/ with a lab.json manifest ([Lab]), a
// README.md, a starter (build tag starter) with TODOs, a reference
// solution (build tag !starter) and tests. labkit is importable from a
// student's module, so a lab test reads the same in the repository and in
// the exported copy.
package labkit
