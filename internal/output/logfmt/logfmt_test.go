package logfmt

import (
	"testing"
	"time"
)

func TestNum(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -45000: "-45,000"} {
		if got := Num(n); got != want {
			t.Errorf("Num(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestAsctime(t *testing.T) {
	if got := Asctime(time.Date(2026, 12, 1, 9, 5, 3, 0, time.UTC)); got != "Tue Dec  1 09:05:03 2026" {
		t.Errorf("Asctime = %q", got)
	}
}
