//go:build !linux

package procserver

const supported = false

// Sample returns [ErrUnsupported]: there is no /proc to read.
func (s *Server) Sample() (Sample, error) { return Sample{}, ErrUnsupported }

func highWater(int) (int64, error) { return 0, ErrUnsupported }

// Proportional returns [ErrUnsupported]: there is no /proc to read.
func (s *Server) Proportional() (int64, error) { return 0, ErrUnsupported }
