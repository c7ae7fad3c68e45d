//go:build !unix

package atomicfile

// LockDir is a no-op where flock(2) is not available.
func LockDir(dir string) (unlock func(), err error) { return func() {}, nil }

// writable is left to the first file created where access(2) is absent.
func writable(dir string) error { return nil }
