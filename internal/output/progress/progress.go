// Package progress draws a live status line on a terminal: the line a step
// has begun ("[quant] finding pseudoalignments for the reads ...") is
// redrawn in place with how far the step has come, at most a few times a
// second, and ends as the plain line the log would have without it.
//
// The contract is the terminal's: a carriage return moves to the start of
// the line and the ANSI/ECMA-48 control sequence CSI K (ESC [ K, "erase in
// line") clears what an earlier, longer drawing left. Nothing of it is
// written when the output is not a terminal, so a redirected log holds
// exactly the lines a run without progress would write (MultiQC parses
// kallisto's log lines).
package progress

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/gallisto/gallisto/internal/input/zio"
	"github.com/gallisto/gallisto/internal/output/logfmt"
)

// Interval is the shortest time between two drawings of a line.
const Interval = 250 * time.Millisecond

const eraseLine = "\x1b[K"

// Line is a status line. Its methods may be called from several
// goroutines; a nil *Line draws nothing.
type Line struct {
	mu      sync.Mutex
	w       io.Writer
	prefix  string
	start   time.Time
	last    time.Time
	drawn   bool
	active  bool          // between Begin and End or Clear
	stopped chan struct{} // closes the clock goroutine
	now     func() time.Time
}

// New returns a Line writing to w, or nil — no drawing at all — when w is
// not a terminal.
func New(w io.Writer) *Line {
	f, ok := w.(*os.File)
	if !ok || !zio.IsTerminal(f) {
		return nil
	}
	return &Line{w: w, now: time.Now}
}

// Begin starts a step whose log line begins with prefix, which the caller
// has written (without a line break).
func (l *Line) Begin(prefix string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prefix, l.start, l.last, l.drawn, l.active = prefix, l.now(), time.Time{}, false, true
}

// Elapsed is the time since Begin.
func (l *Line) Elapsed() time.Duration {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.now().Sub(l.start)
}

// Due reports whether Set would draw now: callers that must compute the
// status text ask first.
func (l *Line) Due() bool {
	if l == nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.active && l.now().Sub(l.last) >= Interval
}

// Set redraws the line as the prefix followed by status, unless it was
// drawn less than Interval ago.
func (l *Line) Set(status string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if !l.active || now.Sub(l.last) < Interval {
		return // too soon, or the step has ended (a clock tick in flight)
	}
	l.last, l.drawn = now, true
	io.WriteString(l.w, "\r"+l.prefix+" "+status+eraseLine)
}

// Reads redraws the line, when due, with the reads done, their rate and
// the share of them aligned: "12,400,000 reads, 2.48M reads/s, 87.3%
// pseudoaligned".
func (l *Line) Reads(processed, aligned int64) {
	if !l.Due() {
		return
	}
	rate := float64(processed) / max(l.Elapsed().Seconds(), 1e-3)
	l.Set(fmt.Sprintf("%s reads, %s reads/s, %.1f%% pseudoaligned", logfmt.Num(processed), compact(rate), 100*float64(aligned)/float64(max(processed, 1))))
}

// compact writes a rate with three significant digits: 950, 12.4k, 2.48M.
func compact(x float64) string {
	switch {
	case x >= 1e6:
		return fmt.Sprintf("%.3gM", x/1e6)
	case x >= 1e3:
		return fmt.Sprintf("%.3gk", x/1e3)
	}
	return fmt.Sprintf("%.0f", x)
}

// Clock redraws the line with the seconds since Begin until End: for
// steps that cannot say how far they have come.
func (l *Line) Clock() {
	if l == nil {
		return
	}
	l.mu.Lock()
	stop := make(chan struct{})
	l.stopped = stop
	l.mu.Unlock()
	go func() {
		t := time.NewTicker(Interval)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				l.Set(formatSeconds(l.Elapsed()))
			}
		}
	}()
}

// End stops the clock and, if the line was drawn, redraws it as the bare
// prefix, so that what the caller writes next (" done\n") completes the
// log's own line.
func (l *Line) End() { l.finish(true) }

// Clear stops the clock and erases the line, for a step that has no log
// line of its own: the log goes on where it was.
func (l *Line) Clear() { l.finish(false) }

func (l *Line) finish(keepPrefix bool) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.active = false
	if l.stopped != nil {
		close(l.stopped)
		l.stopped = nil
	}
	if l.drawn {
		rest := ""
		if keepPrefix {
			rest = l.prefix
		}
		io.WriteString(l.w, "\r"+rest+eraseLine)
		l.drawn = false
	}
}

func formatSeconds(d time.Duration) string {
	s := int(d.Seconds())
	if s < 60 {
		return strconv.Itoa(s) + " s"
	}
	return strconv.Itoa(s/60) + " min " + strconv.Itoa(s%60) + " s"
}
