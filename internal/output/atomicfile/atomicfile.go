// Package atomicfile writes files that appear complete or not at all.
//
// Data goes to a hidden temporary file in the destination's directory
// (".name.tmp-XXXX"); Commit flushes it to stable storage and renames it
// over the destination, which POSIX rename(2) does atomically within one
// file system. A run that fails, is interrupted or is killed leaves at most
// a hidden temporary file, never a file under the final name that looks
// finished.
//
// A run that writes several files that belong together (a quantification's
// abundance.tsv, run_info.json, abundance.h5, ...) opens a Stage on the
// output directory: Commit then only completes a file under its hidden
// name, and Stage.Commit renames them all at the end, the file that marks
// a finished run last, after removing any earlier one. A failed or
// interrupted run thus changes nothing visible, and one killed while the
// files are being renamed leaves no marker: a directory whose marker is
// present holds a complete, consistent set.
//
// LockDir keeps two runs from writing one directory at once, which makes
// RemoveStale safe: it deletes the hidden temporary files a killed run
// (SIGKILL, power loss) could not remove.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// File is a pending output file.
type File struct {
	*bufio.Writer
	f       *os.File
	dst     string
	through string // the symlink dst was reached through, if any
	done    bool
	stage   *Stage // nil unless the directory has a Stage open
}

// Create starts writing path. Call Commit when the content is complete, or
// Abort to discard it; Abort after Commit is a no-op, so it can be deferred.
//
// The destination must be a regular file or absent. A symlink is written
// through: the file it points to is replaced, in its directory, and the
// link stays (Through reports it). Anything else under the name (a
// directory, a FIFO, a device, a socket, a dangling or looping link) is
// refused, untouched.
func Create(path string) (*File, error) {
	dst, err := Destination(path)
	if err != nil {
		return nil, err
	}
	f, err := create(dst)
	if err == nil && dst != path {
		f.through = path
	}
	return f, err
}

// Destination is the file Create(path) writes: path itself, or the file
// a symlink at path points to. It fails, naming the problem, when path
// names something that is not a regular file.
func Destination(path string) (string, error) {
	st, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return path, nil
	}
	if err != nil {
		return "", fmt.Errorf("cannot create %s: %w", path, unwrap(err))
	}
	dst := path
	if st.Mode()&os.ModeSymlink != 0 {
		target, err := filepath.EvalSymlinks(path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return "", fmt.Errorf("%s is a symlink to a missing file: not written (remove the link or give another name)", path)
			}
			return "", fmt.Errorf("%s is a symlink that cannot be followed (%v): not written", path, unwrap(err))
		}
		if st, err = os.Stat(target); err != nil {
			return "", fmt.Errorf("cannot create %s: %w", path, unwrap(err))
		}
		dst = target
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s is %s, not a regular file: not replaced (give a file name)", path, kind(st.Mode()))
	}
	return dst, nil
}

// kind names a file type for messages.
func kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

// CheckCreate reports, without changing anything, why Create(path) would
// fail: the destination is not a regular file (see Destination), or its
// folder is missing, not a folder or not writable.
func CheckCreate(path string) error {
	dst, err := Destination(path)
	if err != nil {
		return err
	}
	dir := filepath.Dir(dst)
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return fmt.Errorf("cannot create %s: %w", path, unwrap(err))
	case !st.IsDir():
		return fmt.Errorf("cannot create %s: %s is not a directory", path, dir)
	}
	if err := writable(dir); err != nil {
		return fmt.Errorf("cannot create %s: %w", path, err)
	}
	return nil
}

// Through is the symlink the file is written through ("" when none).
func (a *File) Through() string { return a.through }

func create(path string) (*File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := createTemp(dir, "."+base+".tmp-")
	if err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", path, unwrap(err))
	}
	a := &File{Writer: bufio.NewWriterSize(plainErrors{f}, 1<<20), f: f, dst: path}
	if st := stageFor(dir); st != nil {
		a.stage = st
		st.add(a)
	}
	return a, nil
}

// Name returns the destination path.
func (a *File) Name() string { return a.dst }

// Commit flushes, syncs and renames the file into place. In a directory
// with an open Stage the rename is left to Stage.Commit.
func (a *File) Commit() error {
	if a.done {
		return errors.New("atomicfile: commit of a finished file")
	}
	a.done = true
	err := a.Writer.Flush()
	if err == nil {
		err = a.f.Sync()
	}
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	if err == nil && a.stage != nil {
		if a.stage.holds(a) {
			return nil // renamed by Stage.Commit
		}
		err = errors.New("its stage was already committed or aborted")
	}
	if err == nil {
		err = os.Rename(a.f.Name(), a.dst)
	}
	if err == nil {
		syncDir(filepath.Dir(a.dst))
	}
	if err != nil {
		os.Remove(a.f.Name())
		return fmt.Errorf("cannot write %s: %w", a.dst, unwrap(err))
	}
	return nil
}

// Abort discards the file.
func (a *File) Abort() {
	if a.done {
		return
	}
	a.done = true
	a.f.Close()
	os.Remove(a.f.Name())
	if a.stage != nil {
		a.stage.drop(a)
	}
}

// plainErrors passes writes to the temporary file and returns their
// errors without the temporary file's name ("no space left on device"),
// so that callers name the destination instead.
type plainErrors struct{ f *os.File }

func (w plainErrors) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	return n, unwrap(err)
}

// syncDir flushes a directory's entries (a rename) to stable storage, so
// that a file reported written survives a power loss. Errors are ignored:
// some file systems cannot sync directories, and the data is written.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// WriteFile writes data to path atomically.
func WriteFile(path string, data []byte) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, unwrap(err))
	}
	return f.Commit()
}

// createTemp is os.CreateTemp with mode 0644 (less the umask) instead of
// 0600, so the renamed file has the permissions of any other output.
func createTemp(dir, prefix string) (*os.File, error) {
	for try := 0; ; try++ {
		name := filepath.Join(dir, prefix+strconv.FormatUint(uint64(rand.Uint32()), 36))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if os.IsExist(err) && try < 100 {
			continue
		}
		return f, err
	}
}

func unwrap(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
