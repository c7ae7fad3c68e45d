//go:build linux

package atomicfile

import (
	"bytes"
	"os"
	"path/filepath"
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
