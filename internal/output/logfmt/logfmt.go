// Package logfmt formats numbers and times the way kallisto 0.48 prints
// them in its log and run_info.json (src/common.cpp pretty_num, C's
// asctime), so that gallisto's logs read as kallisto's to MultiQC.
package logfmt

import (
	"strconv"
	"strings"
	"time"
)

// Finding starts kallisto's log line for the read pipeline (quant and
// bus); " done" ends it, and a live progress line is drawn after it.
const Finding = "[quant] finding pseudoalignments for the reads ..."

// Num formats n with thousands separators, as kallisto's pretty_num.
func Num(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Asctime formats t as C's asctime() without the newline.
func Asctime(t time.Time) string { return t.Format("Mon Jan _2 15:04:05 2006") }
