package report

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// palette colours samples and groups (colour-blind-safe, Okabe-Ito order
// with two greys added).
var palette = []string{"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000", "#999999", "#666666"}

func color(i int) string { return palette[i%len(palette)] }

// causeColors colour the parts of a mapping bar.
var causeColors = map[string]string{
	"unique": "#009E73", "multi": "#56B4E9",
	"too_short": "#F0E442", "too_many_n": "#E69F00", "no_kmer_match": "#D55E00", "mates_conflict": "#CC79A7",
	"overhang": "#999999", "strand_filter": "#0072B2", "low_score": "#666666", "unaligned": "#D55E00",
}

// svg accumulates one SVG element.
type svg struct {
	b    strings.Builder
	w, h int
}

func newSVG(w, h int, label string) *svg {
	s := &svg{w: w, h: h}
	fmt.Fprintf(&s.b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`, w, h, w, h, esc(label))
	return s
}

func (s *svg) String() string { return s.b.String() + "</svg>" }

func esc(x string) string { return html.EscapeString(x) }

func (s *svg) rect(x, y, w, h float64, fill, title string) {
	if w <= 0 || h <= 0 {
		return
	}
	if title == "" {
		fmt.Fprintf(&s.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x, y, w, h, fill)
		return
	}
	fmt.Fprintf(&s.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s</title></rect>`, x, y, w, h, fill, esc(title))
}

// text writes a label; anchor is start, middle or end.
func (s *svg) text(x, y float64, anchor, class, t string) {
	fmt.Fprintf(&s.b, `<text x="%.1f" y="%.1f" text-anchor="%s" class="%s">%s</text>`, x, y, anchor, class, esc(t))
}

func (s *svg) line(x1, y1, x2, y2 float64, stroke string) {
	fmt.Fprintf(&s.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1"/>`, x1, y1, x2, y2, stroke)
}

func (s *svg) raw(x string) { s.b.WriteString(x) }

// ticks returns about n round tick values covering [0, max].
func ticks(max float64, n int) []float64 {
	if max <= 0 {
		return []float64{0}
	}
	step := math.Pow(10, math.Floor(math.Log10(max/float64(n))))
	for _, m := range []float64{1, 2, 5, 10} {
		if max/(step*m) <= float64(n) {
			step *= m
			break
		}
	}
	var out []float64
	for v := 0.0; v <= max*1.0001; v += step {
		out = append(out, v)
	}
	return out
}

// short formats a count for an axis: 1.5M, 200k, 12.
func short(v float64) string {
	switch {
	case v >= 1e9:
		return trim(fmt.Sprintf("%.1f", v/1e9)) + "G"
	case v >= 1e6:
		return trim(fmt.Sprintf("%.1f", v/1e6)) + "M"
	case v >= 1e3:
		return trim(fmt.Sprintf("%.1f", v/1e3)) + "k"
	}
	return trim(fmt.Sprintf("%.2f", v))
}

func trim(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// heatColor maps t in [0, 1] to a light-to-dark blue.
func heatColor(t float64) string {
	t = math.Max(0, math.Min(1, t))
	r := int(247 - t*(247-8))
	g := int(251 - t*(251-48))
	b := int(255 - t*(255-107))
	return fmt.Sprintf("#%02x%02x%02x", r, g, b)
}
