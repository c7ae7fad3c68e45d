package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// Dir is an output directory that one run writes a set of files into:
// created if needed, locked against a second run (LockDir), cleared of the
// temporary files of killed runs (RemoveStale), with a Stage open, so that
// the run's files appear together at Commit or not at all.
type Dir struct {
	Path string
	// Stale lists the temporary files of earlier, killed runs that
	// OpenDir removed.
	Stale   []string
	created bool
	unlock  func()
	stage   *Stage
	closed  bool
}

// CheckDir reports, without changing anything, why dir cannot be used as an
// output directory: it exists and is not a directory, or it does not exist
// and the nearest existing parent is not a directory, or it (or that
// parent) is not writable. Commands call it
// before their long steps (building an index, reading the reads), so that
// a mistyped -o fails at once.
func CheckDir(dir string) error {
	st, err := os.Stat(dir)
	if err == nil {
		if !st.IsDir() {
			return fmt.Errorf("output directory %s exists and is not a directory", dir)
		}
		if err := writable(dir); err != nil {
			return fmt.Errorf("output directory %s is not writable: %w", dir, err)
		}
		return nil
	}
	if !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
		return fmt.Errorf("output directory %s: %w", dir, unwrap(err))
	}
	for p := filepath.Dir(filepath.Clean(dir)); ; p = filepath.Dir(p) {
		st, err := os.Stat(p)
		if err == nil {
			if !st.IsDir() {
				return fmt.Errorf("cannot create output directory %s: %s is not a directory", dir, p)
			}
			if err := writable(p); err != nil {
				return fmt.Errorf("cannot create output directory %s: %s is not writable: %w", dir, p, err)
			}
			return nil
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// OpenDir prepares dir for one run's files. Close it when done (it undoes
// what the run did not commit); Commit makes the files appear.
func OpenDir(dir string) (*Dir, error) {
	if err := CheckDir(dir); err != nil {
		return nil, err
	}
	d := &Dir{Path: dir}
	if _, err := os.Stat(dir); err != nil {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("cannot create output directory: %w", err)
		}
		d.created = true
	}
	var err error
	if d.unlock, err = LockDir(dir); err != nil {
		d.Close()
		return nil, err
	}
	d.Stale, _ = RemoveStale(dir)
	if d.stage, err = NewStage(dir); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Commit renames every file the run completed in the directory into place,
// the files named by last at the end (see Stage.Commit), and releases the
// directory.
func (d *Dir) Commit(last ...string) error {
	err := d.stage.Commit(last...)
	if err == nil {
		d.created = false // it holds results now
	}
	d.Close()
	return err
}

// Close discards the files not committed, releases the lock and removes
// the directory if OpenDir created it and it is still empty. It is a no-op
// after Commit or a first Close, so it can be deferred.
func (d *Dir) Close() {
	if d.closed {
		return
	}
	d.closed = true
	if d.stage != nil {
		d.stage.Abort()
	}
	if d.unlock != nil {
		d.unlock()
	}
	if d.created {
		os.Remove(d.Path) // only if empty: never remove anything else
	}
}

// Write writes path atomically with the content fill produces.
func Write(path string, fill func(io.Writer) error) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := fill(f); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, unwrap(err))
	}
	return f.Commit()
}
