package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func writeStaged(t *testing.T, dir, name, content string) {
	t.Helper()
	f, err := Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(content)
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
}

func readDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, n := range dirNames(t, dir) {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		m[n] = string(b)
	}
	return m
}

func TestStageCommit(t *testing.T) {
	dir := t.TempDir()
	// An earlier run's results, the marker included.
	os.WriteFile(filepath.Join(dir, "abundance.tsv"), []byte("old"), 0o644)
	os.WriteFile(filepath.Join(dir, "run_info.json"), []byte("old"), 0o644)
	st, err := NewStage(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Abort()
	if _, err := NewStage(dir + "/."); err == nil {
		t.Errorf("a second stage on the same directory was opened")
	}
	writeStaged(t, dir, "run_info.json", "new info")
	writeStaged(t, dir, "abundance.tsv", "new tsv")
	writeStaged(t, dir, "abundance.h5", "new h5")
	// Committed files stay hidden until the stage commits.
	got := readDir(t, dir)
	if got["abundance.tsv"] != "old" || got["run_info.json"] != "old" || len(got) != 5 {
		t.Errorf("before Stage.Commit: %v", got)
	}
	if err := st.Commit("run_info.json"); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"abundance.tsv": "new tsv", "abundance.h5": "new h5", "run_info.json": "new info"}
	if diff := cmp.Diff(want, readDir(t, dir)); diff != "" {
		t.Errorf("after Stage.Commit (-want +got):\n%s", diff)
	}
	// The stage is closed: files are committed one by one again.
	writeStaged(t, dir, "later.tsv", "x")
	if _, err := os.Stat(filepath.Join(dir, "later.tsv")); err != nil {
		t.Errorf("file created after the stage committed: %v", err)
	}
	if err := st.Commit(); err == nil {
		t.Errorf("second Stage.Commit succeeded")
	}
}

func TestStageAbort(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "run_info.json"), []byte("old"), 0o644)
	st, err := NewStage(dir)
	if err != nil {
		t.Fatal(err)
	}
	writeStaged(t, dir, "abundance.tsv", "new")
	writeStaged(t, dir, "run_info.json", "new")
	f, err := Create(filepath.Join(dir, "abundance.h5")) // still being written
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("partial")
	st.Abort()
	if diff := cmp.Diff(map[string]string{"run_info.json": "old"}, readDir(t, dir)); diff != "" {
		t.Errorf("after Stage.Abort (-want +got):\n%s", diff)
	}
	// A file whose stage was aborted cannot be committed.
	if err := f.Commit(); err == nil {
		t.Errorf("Commit after Stage.Abort: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"run_info.json": "old"}, readDir(t, dir)); diff != "" {
		t.Errorf("after the late Commit (-want +got):\n%s", diff)
	}
	st.Abort() // idempotent
}

// TestStageUncompleted: committing a stage while one of its files is
// still open is a bug of the caller; nothing is renamed.
func TestStageUncompleted(t *testing.T) {
	dir := t.TempDir()
	st, _ := NewStage(dir)
	writeStaged(t, dir, "a", "a")
	f, _ := Create(filepath.Join(dir, "b"))
	defer f.Abort()
	if err := st.Commit(); err == nil || !strings.Contains(err.Error(), "was not completed") {
		t.Errorf("got %v", err)
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("directory holds %v", names)
	}
}

func TestLockDir(t *testing.T) {
	dir := t.TempDir()
	unlock, err := LockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LockDir(dir); err == nil || !strings.Contains(err.Error(), "is being written by another running gallisto") {
		t.Errorf("second lock: %v", err)
	}
	unlock()
	unlock2, err := LockDir(dir)
	if err != nil {
		t.Errorf("lock after unlock: %v", err)
	} else {
		unlock2()
	}
	if _, err := LockDir(filepath.Join(dir, "missing")); err == nil {
		t.Errorf("locked a missing directory")
	}
}

func TestRemoveStale(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{".abundance.tsv.tmp-1x2y3z", ".run_info.json.tmp-0", "abundance.tsv", ".hidden", "x.tmp-12", ".a.tmp-toolong12", ".a.tmp-UPPER"} {
		os.WriteFile(filepath.Join(dir, n), nil, 0o644)
	}
	os.Mkdir(filepath.Join(dir, ".d.tmp-1"), 0o755) // not a regular file
	removed, err := RemoveStale(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{".abundance.tsv.tmp-1x2y3z", ".run_info.json.tmp-0"}, removed); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{".a.tmp-UPPER", ".a.tmp-toolong12", ".d.tmp-1", ".hidden", "abundance.tsv", "x.tmp-12"}, dirNames(t, dir)); diff != "" {
		t.Errorf("left (-want +got):\n%s", diff)
	}
	// Names Create makes are recognised.
	f, err := Create(filepath.Join(dir, "abundance.h5"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	if !IsTemp(filepath.Base(f.f.Name())) {
		t.Errorf("IsTemp(%q) = false", filepath.Base(f.f.Name()))
	}
}
