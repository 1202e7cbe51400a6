// Package enginebench holds the engines' out-of-process benchmarks: every
// model's server, and a bare reference beside it, runs in a process of its
// own (this test binary, run again as a helper), driven over loopback from
// the benchmark's process. Measuring from outside keeps the load
// generator's goroutines and garbage out of the server's CPU time, at the
// price of a process per server and of comparing only what crosses a
// process boundary: wall-clock rates, and the server's own CPU time from
// getrusage.
//
// The package has no API: it is its benchmarks (download_test.go), their
// helper processes (helper_test.go) and this page. The echo benchmarks
// against the C floor live with the event loop (eventloop/bench_test.go).
//
// One line per server, ready for benchstat; to alternate the servers
// between rounds, run the test binary in a loop:
//
//	go test -c -o eb.test ./internal/enginebench/ && cd internal/enginebench
//	for i in 1 2 3; do ../../eb.test -test.run '^$' -test.bench .; done | tee new.txt
//	benchstat -col /model new.txt
package enginebench
