//go:build unix

package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// LockDir takes an exclusive advisory lock (flock(2)) on directory dir, so
// that a second run writing the same directory fails at once instead of
// mixing its files with the first one's. The lock goes with the process:
// a killed run leaves no stale lock. Call unlock when done.
func LockDir(dir string) (unlock func(), err error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot lock %s: %w", dir, unwrap(err))
	}
	if err := syscall.Flock(int(d.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		d.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("output directory %s is being written by another running gallisto; wait for it to finish or choose another directory", dir)
		}
		if errors.Is(err, syscall.ENOLCK) || errors.Is(err, syscall.EOPNOTSUPP) {
			return func() {}, nil // file system without locks: go on unlocked
		}
		return nil, fmt.Errorf("cannot lock %s: %w", dir, err)
	}
	return func() { d.Close() }, nil
}

// writable reports why this process may not create files in directory dir
// (nil if it may).
func writable(dir string) error {
	if err := syscall.Access(dir, 0x2|0x1); err != nil { // W_OK|X_OK
		return err
	}
	return nil
}
