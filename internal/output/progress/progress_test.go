package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func newTestLine() (*Line, *bytes.Buffer, *fakeClock) {
	var buf bytes.Buffer
	c := &fakeClock{t: time.Unix(1000, 0)}
	return &Line{w: &buf, now: c.now}, &buf, c
}

func TestSetDrawsAtMostEveryInterval(t *testing.T) {
	l, buf, c := newTestLine()
	l.Begin("[quant] step ...")
	l.Set("1 read") // first drawing: at once
	c.t = c.t.Add(Interval / 2)
	if l.Due() {
		t.Error("Due within the interval")
	}
	l.Set("2 reads") // too soon
	c.t = c.t.Add(Interval / 2)
	if !l.Due() {
		t.Error("not Due after the interval")
	}
	l.Set("3 reads")
	l.End()
	want := "\r[quant] step ... 1 read\x1b[K" + "\r[quant] step ... 3 reads\x1b[K" + "\r[quant] step ...\x1b[K"
	if got := buf.String(); got != want {
		t.Errorf("wrote %q\nwant %q", got, want)
	}
}

func TestEndWithoutDrawingWritesNothing(t *testing.T) {
	l, buf, _ := newTestLine()
	l.Begin("[build] step ... ")
	l.End()
	if buf.Len() != 0 {
		t.Errorf("wrote %q for a step that never drew", buf.String())
	}
}

func TestClearErasesTheLine(t *testing.T) {
	l, buf, _ := newTestLine()
	l.Begin("[build] reading")
	l.Set("tx.fa: 10 targets")
	l.Clear()
	want := "\r[build] reading tx.fa: 10 targets\x1b[K" + "\r\x1b[K"
	if got := buf.String(); got != want {
		t.Errorf("wrote %q\nwant %q", got, want)
	}
}

func TestNilLineDoesNothing(t *testing.T) {
	var l *Line
	l.Begin("x")
	l.Set("y")
	l.Clock()
	l.End()
	l.Clear()
	if l.Due() || l.Elapsed() != 0 {
		t.Error("a nil Line is due or has elapsed time")
	}
}

func TestNewOnAFileIsNil(t *testing.T) {
	var buf bytes.Buffer
	if New(&buf) != nil {
		t.Error("New on a buffer draws")
	}
	f, err := openNull()
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	if New(f) != nil {
		t.Error("New on /dev/null draws")
	}
}

func TestClock(t *testing.T) {
	var buf syncBuffer
	l := &Line{w: &buf, now: time.Now}
	l.Begin("[build] step ...")
	l.Clock()
	time.Sleep(3 * Interval)
	l.End()
	got := buf.String()
	if !strings.Contains(got, "\r[build] step ... 0 s\x1b[K") || !strings.HasSuffix(got, "\r[build] step ...\x1b[K") {
		t.Errorf("clock wrote %q", got)
	}
	n := len(buf.String())
	time.Sleep(2 * Interval)
	if len(buf.String()) != n {
		t.Error("the clock went on after End")
	}
}

func TestFormatSeconds(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "0 s", 59 * time.Second: "59 s", 61 * time.Second: "1 min 1 s", 3600 * time.Second: "60 min 0 s"} {
		if got := formatSeconds(d); got != want {
			t.Errorf("formatSeconds(%v) = %q, want %q", d, got, want)
		}
	}
}
