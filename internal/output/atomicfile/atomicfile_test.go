package atomicfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// dirNames lists the entries of dir, hidden ones included.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestCommit(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "abundance.tsv")
	f, err := Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort() // a no-op after Commit
	if f.Name() != dst {
		t.Errorf("Name() = %q, want %q", f.Name(), dst)
	}
	// 3 MiB: more than the 1 MiB bufio.Writer, so part of it reaches the
	// temporary file before Commit.
	content := bytes.Repeat([]byte("target\t1\t2\n"), 3<<20/11)
	if _, err := f.Write(content); err != nil {
		t.Fatal(err)
	}
	// Before Commit only the hidden temporary file exists.
	names := dirNames(t, dir)
	if len(names) != 1 || !strings.HasPrefix(names[0], ".abundance.tsv.tmp-") {
		t.Errorf("before Commit the directory holds %q, want one .abundance.tsv.tmp-* file", names)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"abundance.tsv"}, dirNames(t, dir)); diff != "" {
		t.Errorf("directory after Commit (-want +got):\n%s", diff)
	}
	got, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, content) {
		t.Errorf("content: got %d bytes, want %d", len(got), len(content))
	}
	f.Abort()
	if _, err := os.Stat(dst); err != nil {
		t.Errorf("Abort after Commit removed the file: %v", err)
	}
}

func TestCommitReplacesExistingFile(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "run_info.json")
	if err := os.WriteFile(dst, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("new")
	f.Flush()
	if got, _ := os.ReadFile(dst); string(got) != "old" {
		t.Errorf("before Commit the destination holds %q, want the old content", got)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(dst); string(got) != "new" {
		t.Errorf("after Commit the destination holds %q, want %q", got, "new")
	}
	if diff := cmp.Diff([]string{"run_info.json"}, dirNames(t, dir)); diff != "" {
		t.Errorf("directory after Commit (-want +got):\n%s", diff)
	}
}

func TestAbort(t *testing.T) {
	for _, existing := range []bool{false, true} {
		dir := t.TempDir()
		dst := filepath.Join(dir, "out.h5")
		want := []string(nil)
		if existing {
			if err := os.WriteFile(dst, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			want = []string{"out.h5"}
		}
		f, err := Create(dst)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(bytes.Repeat([]byte("x"), 2<<20)) // past the 1 MiB buffer
		f.Abort()
		f.Abort() // twice is harmless
		if diff := cmp.Diff(want, dirNames(t, dir)); diff != "" {
			t.Errorf("existing=%v: directory after Abort (-want +got):\n%s", existing, diff)
		}
		if existing {
			if got, _ := os.ReadFile(dst); string(got) != "old" {
				t.Errorf("Abort changed the existing file to %q", got)
			}
		}
		if err := f.Commit(); err == nil || err.Error() != "atomicfile: commit of a finished file" {
			t.Errorf("Commit after Abort: got %v, want the finished-file error", err)
		}
	}
}

func TestSecondCommit(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "out")
	f, err := Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("x")
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	err = f.Commit()
	if err == nil || err.Error() != "atomicfile: commit of a finished file" {
		t.Errorf("second Commit: got %v, want %q", err, "atomicfile: commit of a finished file")
	}
	if got, _ := os.ReadFile(dst); string(got) != "x" {
		t.Errorf("second Commit changed the file to %q", got)
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "x.txt")
	if err := WriteFile(dst, []byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(dst); string(got) != "hello\n" {
		t.Errorf("content %q, want %q", got, "hello\n")
	}
	if diff := cmp.Diff([]string{"x.txt"}, dirNames(t, dir)); diff != "" {
		t.Errorf("directory (-want +got):\n%s", diff)
	}
}

// TestRelativePath writes to a bare file name, whose directory is ".".
func TestRelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := WriteFile("plain.txt", []byte("a")); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"plain.txt"}, dirNames(t, dir)); diff != "" {
		t.Errorf("directory (-want +got):\n%s", diff)
	}
}

func TestCreateErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "no", "such", "out.tsv")
	tests := []struct {
		name, path, want string
	}{
		{"missing directory", missing, "cannot create " + missing + ": no such file or directory"},
		// /proc accepts no new files, whoever asks (proc(5)).
		{"under /proc", "/proc/gallisto-atomicfile-test", "cannot create /proc/gallisto-atomicfile-test: no such file or directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if strings.HasPrefix(tc.path, "/proc/") {
				if _, err := os.Stat("/proc/self"); err != nil {
					t.Skip("no /proc file system")
				}
			}
			_, err := Create(tc.path)
			if err == nil || err.Error() != tc.want {
				t.Errorf("got %v, want %q", err, tc.want)
			}
			err = WriteFile(tc.path, []byte("x"))
			if err == nil || err.Error() != tc.want {
				t.Errorf("WriteFile: got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestReadOnlyDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: a read-only directory is still writable (TestFullFileSystem covers the write error path)")
	}
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "out.tsv")
	_, err := Create(dst)
	if want := "cannot create " + dst + ": permission denied"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

// TestRenameError commits over a directory that appeared after Create
// (which refuses one up front): os.Rename refuses (on Unix it checks for a
// directory itself and reports EEXIST, "file exists", where rename(2)
// would say EISDIR), Commit reports it and removes the temporary file.
func TestRenameError(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "out")
	f, err := Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	f.WriteString("x")
	err = f.Commit()
	if want := "cannot write " + dst + ": file exists"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	if diff := cmp.Diff([]string{"out"}, dirNames(t, dir)); diff != "" {
		t.Errorf("directory after a failed Commit (-want +got):\n%s", diff)
	}
	if st, err := os.Stat(dst); err != nil || !st.IsDir() {
		t.Errorf("the directory in the way was changed: %v", err)
	}
	if err := f.Commit(); err == nil {
		t.Error("Commit after a failed Commit succeeded")
	}
}

// TestErrorsUnwrap checks that the error chain keeps the system error for
// callers.
func TestErrorsUnwrap(t *testing.T) {
	_, err := Create(filepath.Join(t.TempDir(), "no", "x"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error %v does not wrap os.ErrNotExist", err)
	}
}
