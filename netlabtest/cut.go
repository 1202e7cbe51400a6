package netlabtest

// Cut splits p into pieces whose lengths, 1 to 32 bytes, come from cuts in
// turn; no cuts means one byte a piece. A model may hand a session its
// input in any split, so a fuzz target feeds a session the same bytes whole
// and in Cut's pieces and requires the same outcome: the fuzzer chooses the
// split through cuts.
func Cut(p, cuts []byte) [][]byte {
	var pieces [][]byte
	for i := 0; len(p) > 0; i++ {
		n := 1
		if len(cuts) > 0 {
			n = int(cuts[i%len(cuts)])%32 + 1
		}
		n = min(n, len(p))
		pieces = append(pieces, p[:n])
		p = p[n:]
	}
	return pieces
}
