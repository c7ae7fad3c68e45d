package atomicfile

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckDir(t *testing.T) {
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	for _, tc := range []struct {
		dir, want string
	}{
		{tmp, ""},
		{filepath.Join(tmp, "new"), ""},
		{filepath.Join(tmp, "new", "deeper"), ""},
		{file, "output directory " + file + " exists and is not a directory"},
		{filepath.Join(file, "sub"), "cannot create output directory " + file + "/sub: " + file + " is not a directory"},
	} {
		err := CheckDir(tc.dir)
		if got := errString(err); got != tc.want {
			t.Errorf("CheckDir(%s) = %q, want %q", tc.dir, got, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(tmp, "new")); err == nil {
		t.Error("CheckDir created a directory")
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestDirAllOrNothing: files appear at Commit, a Close without Commit
// leaves nothing and removes the directory OpenDir made, never one that
// existed.
func TestDirAllOrNothing(t *testing.T) {
	tmp := t.TempDir()
	write := func(d *Dir, name string) {
		t.Helper()
		if err := Write(filepath.Join(d.Path, name), func(w io.Writer) error { _, err := io.WriteString(w, name); return err }); err != nil {
			t.Fatal(err)
		}
	}
	// Aborted in a new directory: the directory goes too.
	d, err := OpenDir(filepath.Join(tmp, "a"))
	if err != nil {
		t.Fatal(err)
	}
	write(d, "one.tsv")
	d.Close()
	if _, err := os.Stat(filepath.Join(tmp, "a")); !os.IsNotExist(err) {
		t.Errorf("aborted run left its new directory: %v", err)
	}
	// Aborted in an existing directory with other files: they stay.
	keep := filepath.Join(tmp, "b")
	os.Mkdir(keep, 0o755)
	os.WriteFile(filepath.Join(keep, "mine.txt"), []byte("user"), 0o644)
	d, err = OpenDir(keep)
	if err != nil {
		t.Fatal(err)
	}
	write(d, "one.tsv")
	d.Close()
	if names := dirNames(t, keep); strings.Join(names, ",") != "mine.txt" {
		t.Errorf("aborted run in an existing directory: %v", names)
	}
	// Committed: both files, and a second Close changes nothing.
	d, err = OpenDir(filepath.Join(tmp, "c"))
	if err != nil {
		t.Fatal(err)
	}
	write(d, "one.tsv")
	write(d, "marker.json")
	if names := dirNames(t, d.Path); len(names) != 2 || !IsTemp(names[0]) || !IsTemp(names[1]) {
		t.Errorf("before Commit the directory holds %v, want two hidden files", names)
	}
	if err := d.Commit("marker.json"); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if names := dirNames(t, d.Path); strings.Join(names, ",") != "marker.json,one.tsv" {
		t.Errorf("after Commit: %v", names)
	}
	// A stale temporary file is removed and reported.
	os.WriteFile(filepath.Join(d.Path, ".x.tsv.tmp-abc"), nil, 0o644)
	d, err = OpenDir(d.Path)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Stale) != 1 {
		t.Errorf("Stale = %v", d.Stale)
	}
	d.Close()
}
