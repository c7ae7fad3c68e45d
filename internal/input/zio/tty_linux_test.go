package zio

import (
	"errors"
	"os"
	"syscall"
	"testing"

	"github.com/gallisto/gallisto/internal/testref"
)

// TestStdinTerminal checks that "-" is refused when standard input is a
// terminal instead of waiting for reads typed at the keyboard.
func TestStdinTerminal(t *testing.T) {
	_, tty := testref.PTY(t)
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
	if IsTerminal(saved) && saved != tty {
		t.Log("the test's own standard input is a terminal")
	}
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) {
		t.Errorf("%s is reported as a terminal", os.DevNull)
	}
}
