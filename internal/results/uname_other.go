//go:build !unix

package results

func kernel() string { return "unknown" }
