//go:build !unix

package filesrv

import "os"

// Without flock(2) there is no telling a crashed server's upload from a
// running one's, so the startup sweep removes nothing: a leftover hidden
// file costs disk space, a removed live upload costs a user's data.

func lock(*os.File) error    { return nil }
func tryLock(*os.File) bool  { return false }
func unlinked(*os.File) bool { return false }
