// Package sansio is lab 7: a temperature converter written as a sans-I/O
// netlab service — a state machine fed bytes that answers through its
// Conn — which therefore runs unchanged under all five models.
// The trade: a session that must buffer and never block, in exchange for
// running under every model.
package sansio
