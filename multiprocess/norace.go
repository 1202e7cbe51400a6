//go:build !race

package multiprocess

// raceOptions returns nothing: only a program built with -race reads
// GORACE (see race.go).
func raceOptions() []string { return nil }
