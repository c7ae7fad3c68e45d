package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
)

// Stage holds the completed files of one run in a directory under their
// hidden temporary names until Commit renames them all.
type Stage struct {
	dir     string
	mu      sync.Mutex
	pending []*File // created, in creation order
	done    bool
}

var stages struct {
	sync.Mutex
	m map[string]*Stage
}

func stageKey(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return filepath.Clean(dir)
}

// NewStage opens a stage on dir: files created in dir from now until
// Commit or Abort are renamed into place by Commit, not by their own
// Commit. A directory has at most one open stage.
func NewStage(dir string) (*Stage, error) {
	key := stageKey(dir)
	stages.Lock()
	defer stages.Unlock()
	if stages.m == nil {
		stages.m = make(map[string]*Stage)
	}
	if stages.m[key] != nil {
		return nil, fmt.Errorf("%s: already being written by this process", dir)
	}
	st := &Stage{dir: dir}
	stages.m[key] = st
	return st, nil
}

func stageFor(dir string) *Stage {
	stages.Lock()
	defer stages.Unlock()
	if stages.m == nil {
		return nil
	}
	return stages.m[stageKey(dir)]
}

func (st *Stage) close() {
	stages.Lock()
	if stages.m[stageKey(st.dir)] == st {
		delete(stages.m, stageKey(st.dir))
	}
	stages.Unlock()
}

func (st *Stage) add(a *File) {
	st.mu.Lock()
	st.pending = append(st.pending, a)
	st.mu.Unlock()
}

// holds reports whether a is still waiting for the stage's Commit.
func (st *Stage) holds(a *File) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return !st.done && slices.Contains(st.pending, a)
}

func (st *Stage) drop(a *File) {
	st.mu.Lock()
	if i := slices.Index(st.pending, a); i >= 0 {
		st.pending = slices.Delete(st.pending, i, i+1)
	}
	st.mu.Unlock()
}

// Commit renames the staged files into place, in the order they were
// created except that the files named by last (base names) go at the end,
// in that order. Before any rename, the destinations of last are removed:
// a directory that holds the final marker holds this run's complete set,
// even if the process dies half-way through the renames. Every staged
// file must have been committed (or aborted) first.
func (st *Stage) Commit(last ...string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.done {
		return errors.New("atomicfile: commit of a finished stage")
	}
	st.done = true
	st.close()
	var first, end []*File
	for _, a := range st.pending {
		if !a.done {
			st.abortLocked()
			return fmt.Errorf("atomicfile: %s was not completed before the stage was committed", a.dst)
		}
		if !slices.Contains(last, filepath.Base(a.dst)) {
			first = append(first, a)
		}
	}
	for _, name := range last {
		for _, a := range st.pending {
			if filepath.Base(a.dst) == name {
				end = append(end, a)
			}
		}
	}
	for _, a := range end {
		if err := os.Remove(a.dst); err != nil && !errors.Is(err, os.ErrNotExist) {
			st.abortLocked()
			return fmt.Errorf("cannot replace %s: %w", a.dst, unwrap(err))
		}
	}
	syncDir(st.dir)
	for i, a := range append(first, end...) {
		if err := os.Rename(a.f.Name(), a.dst); err != nil {
			st.pending = slices.Concat(first, end)[i:]
			st.abortLocked()
			return fmt.Errorf("cannot write %s: %w", a.dst, unwrap(err))
		}
	}
	st.pending = nil
	syncDir(st.dir)
	return nil
}

// Abort removes the staged files; nothing visible changes. It is a no-op
// after Commit, so it can be deferred.
func (st *Stage) Abort() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.done {
		return
	}
	st.done = true
	st.close()
	st.abortLocked()
}

func (st *Stage) abortLocked() {
	for _, a := range st.pending {
		if !a.done {
			a.done = true
			a.f.Close()
		}
		os.Remove(a.f.Name())
	}
	st.pending = nil
}

// tempName matches the temporary files Create makes: "." + name +
// ".tmp-" + a base-36 number of at most 7 digits (32 bits).
var tempName = regexp.MustCompile(`^\..+\.tmp-[0-9a-z]{1,7}$`)

// IsTemp reports whether a base name is one of this package's temporary
// file names.
func IsTemp(name string) bool { return tempName.MatchString(name) }

// RemoveStale deletes the temporary files (".NAME.tmp-XXXX", regular files
// only) that runs killed before they could clean up left in dir, and
// returns their names. Hold LockDir(dir) first, or a concurrent run's
// pending files could be among them.
func RemoveStale(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, e := range ents {
		if !e.Type().IsRegular() || !IsTemp(e.Name()) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			return removed, fmt.Errorf("cannot remove stale temporary file %s: %w", filepath.Join(dir, e.Name()), unwrap(err))
		}
		removed = append(removed, e.Name())
	}
	return removed, nil
}
