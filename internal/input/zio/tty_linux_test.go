package zio

import (
	"errors"
	"os"
	"strconv"
	"syscall"
	"testing"
	"unsafe"
)

// openPTY returns the terminal end of a new pseudo-terminal, or skips.
func openPTY(t *testing.T) *os.File {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Skipf("unlockpt: %v", e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Skipf("ptsname: %v", e)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open terminal: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestStdinTerminal checks that "-" is refused when standard input is a
// terminal instead of waiting for reads typed at the keyboard.
func TestStdinTerminal(t *testing.T) {
	tty := openPTY(t)
	saved := os.Stdin
	os.Stdin = tty
	defer func() { os.Stdin = saved }()
	_, err := Open(Stdin)
	const want = "-: standard input is a terminal; pipe the reads in (for example: zcat R.fq.gz | gallisto quant ... -)"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
	if !errors.Is(err, syscall.ENOTTY) {
		t.Errorf("error does not wrap ENOTTY")
	}
	if isTerminal(saved) && saved != tty {
		t.Log("the test's own standard input is a terminal")
	}
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Errorf("%s is reported as a terminal", os.DevNull)
	}
}
