//go:build linux

package atomicfile

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPermissions checks that a committed file has mode 0644 less the
// umask, like a file made by os.Create (0666 less the umask) minus group
// and other write permission, not os.CreateTemp's 0600. The umask is
// process-wide, so this test must not run in parallel with others.
func TestPermissions(t *testing.T) {
	for _, umask := range []int{0o022, 0o027, 0o077, 0o000} {
		old := syscall.Umask(umask)
		dst := filepath.Join(t.TempDir(), "out.tsv")
		err := WriteFile(dst, []byte("x"))
		syscall.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(dst)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := st.Mode().Perm(), os.FileMode(0o644&^umask); got != want {
			t.Errorf("umask %#o: mode %v, want %v", umask, got, want)
		}
	}
}

// TestFullFileSystem is the write error path: Commit's flush fails with
// ENOSPC on a 16 KiB tmpfs. Mounting needs root (or CAP_SYS_ADMIN); the
// test skips without it.
func TestFullFileSystem(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	dir := t.TempDir()
	// size=16k: four 4 KiB pages, far below the 1 MiB written below.
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=16k"); err != nil {
		t.Skipf("cannot mount a tmpfs (%v): no full file system to write to", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	dst := filepath.Join(dir, "abundance.h5")
	f, err := Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	// 1 MiB fits the bufio.Writer, so Write succeeds and Commit's flush
	// is the first write to fail.
	if _, err := f.Write(bytes.Repeat([]byte("x"), 1<<20)); err != nil {
		t.Fatalf("buffered Write: %v", err)
	}
	err = f.Commit()
	if want := "cannot write " + dst + ": no space left on device"; err == nil || err.Error() != want {
		t.Errorf("Commit: got %v, want %q", err, want)
	}
	if diff := cmp.Diff([]string(nil), dirNames(t, dir)); diff != "" {
		t.Errorf("the full file system holds files after a failed Commit (-want +got):\n%s", diff)
	}

	// WriteFile writes past the buffer, so there Write itself fails.
	err = WriteFile(dst, bytes.Repeat([]byte("x"), 2<<20))
	if want := "cannot write " + dst + ": no space left on device"; err == nil || err.Error() != want {
		t.Errorf("WriteFile: got %v, want %q", err, want)
	}
	if diff := cmp.Diff([]string(nil), dirNames(t, dir)); diff != "" {
		t.Errorf("the full file system holds files after a failed WriteFile (-want +got):\n%s", diff)
	}
}

// TestDestinations: what Create does with each kind of thing already under
// the name: a symlink is written through (the link stays), the rest is
// refused and left as it was.
func TestDestinations(t *testing.T) {
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	os.WriteFile(p("target"), []byte("old"), 0o644)
	os.Symlink("target", p("link"))
	os.Symlink("missing", p("dangling"))
	os.Symlink("loop2", p("loop1"))
	os.Symlink("loop1", p("loop2"))
	os.Mkdir(p("dir"), 0o755)
	if err := syscall.Mkfifo(p("fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, want string }{
		{p("dir"), p("dir") + " is a directory, not a regular file: not replaced (give a file name)"},
		{p("fifo"), p("fifo") + " is a FIFO, not a regular file: not replaced (give a file name)"},
		{"/dev/null", "/dev/null is a character device, not a regular file: not replaced (give a file name)"},
		{p("dangling"), p("dangling") + " is a symlink to a missing file: not written (remove the link or give another name)"},
		{p("loop1"), p("loop1") + " is a symlink that cannot be followed"},
	}
	for _, tc := range cases {
		if _, err := Create(tc.name); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
	f, err := Create(p("link"))
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("new")
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if f.Through() != p("link") {
		t.Errorf("Through() = %q", f.Through())
	}
	if l, err := os.Readlink(p("link")); err != nil || l != "target" {
		t.Errorf("the link was replaced: %q %v", l, err)
	}
	if b, _ := os.ReadFile(p("target")); string(b) != "new" {
		t.Errorf("target holds %q, want the new content", b)
	}
	if st, err := os.Stat(p("fifo")); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Error("the FIFO was changed")
	}
}
