package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/gallisto/gallisto/internal/study"
)

// layout constants shared by the per-sample bar charts.
const (
	chartW  = 1100 // fits a 1200 px window with the page's margins
	labelW  = 190  // sample names
	barH    = 16
	barGap  = 4
	axisH   = 28
	legendH = 26
)

// part is one segment of a mapping bar.
type part struct {
	key string
	n   int64
}

// mappingParts splits a sample's reads: unique, in several transcripts,
// and each cause of not aligning (the rest, for a kallisto run).
func mappingParts(s *study.Sample) []part {
	in := s.Info
	ps := []part{{"unique", in.NUnique}, {"multi", in.NPseudoaligned - in.NUnique}}
	var sum int64
	for _, c := range study.UnalignedCauses {
		if v := in.Unaligned[c]; v > 0 {
			ps = append(ps, part{c, v})
			sum += v
		}
	}
	if rest := in.NProcessed - in.NPseudoaligned - sum; rest > 0 {
		ps = append(ps, part{"unaligned", rest})
	}
	return ps
}

// mappingChart: one bar per sample, 100% = reads processed.
func mappingChart(st *study.Study) string {
	n := len(st.Samples)
	h := legendH + n*(barH+barGap) + axisH
	s := newSVG(chartW, h, "reads per sample by outcome")
	plotW := float64(chartW - labelW - 20)
	used := map[string]bool{}
	for i, smp := range st.Samples {
		y := float64(legendH + i*(barH+barGap))
		s.text(labelW-6, y+barH-4, "end", "lab", smp.Name)
		x := float64(labelW)
		tot := float64(smp.Info.NProcessed)
		if tot == 0 {
			continue
		}
		for _, p := range mappingParts(smp) {
			w := plotW * float64(p.n) / tot
			s.rect(x, y, w, barH, causeColors[p.key], fmt.Sprintf("%s: %s %s (%.1f%%)", smp.Name, label(p.key), comma(p.n), 100*float64(p.n)/tot))
			x += w
			used[p.key] = true
		}
	}
	for _, v := range []float64{0, 25, 50, 75, 100} {
		x := float64(labelW) + plotW*v/100
		s.line(x, float64(h-axisH), x, float64(h-axisH+4), "#444")
		s.text(x, float64(h-axisH+16), "middle", "ax", fmt.Sprintf("%.0f%%", v))
	}
	legend(s, used, []string{"unique", "multi", "too_short", "too_many_n", "no_kmer_match", "mates_conflict", "overhang", "strand_filter", "low_score", "unaligned"})
	return s.String()
}

func legend(s *svg, used map[string]bool, order []string) {
	x := float64(labelW)
	for _, k := range order {
		if !used[k] {
			continue
		}
		s.rect(x, 6, 12, 12, causeColors[k], "")
		s.text(x+16, 16, "start", "ax", label(k))
		x += 24 + 7*float64(len(label(k)))
	}
}

func label(key string) string {
	switch key {
	case "unique":
		return "one transcript"
	case "multi":
		return "several transcripts"
	case "unaligned":
		return "not aligned"
	}
	return strings.ReplaceAll(key, "_", " ")
}

// sizeChart: reads processed per sample.
func sizeChart(st *study.Study) string {
	n := len(st.Samples)
	h := n*(barH+barGap) + axisH + 8
	s := newSVG(chartW, h, "library sizes")
	var max float64
	for _, smp := range st.Samples {
		max = math.Max(max, float64(smp.Info.NProcessed))
	}
	ts := ticks(max, 6)
	top := ts[len(ts)-1]
	plotW := float64(chartW - labelW - 60)
	for i, smp := range st.Samples {
		y := float64(8 + i*(barH+barGap))
		s.text(labelW-6, y+barH-4, "end", "lab", smp.Name)
		w := plotW * float64(smp.Info.NProcessed) / top
		s.rect(labelW, y, w, barH, color(0), fmt.Sprintf("%s: %s reads, %s pseudoaligned", smp.Name, comma(smp.Info.NProcessed), comma(smp.Info.NPseudoaligned)))
		s.text(labelW+w+4, y+barH-4, "start", "ax", short(float64(smp.Info.NProcessed)))
	}
	for _, v := range ts {
		x := labelW + plotW*v/top
		s.line(x, float64(h-axisH), x, float64(h-axisH+4), "#444")
		s.text(x, float64(h-axisH+16), "middle", "ax", short(v))
	}
	return s.String()
}

// fldChart: each sample's fragment length distribution (fraction of
// pairs per 10-base bin), from run_info.json.
func fldChart(st *study.Study) (string, int) {
	const w, h, left, bottom = chartW, 320, 60, 36
	var maxLen, maxFrac float64
	shown := 0
	for _, smp := range st.Samples {
		fl := smp.Info.FragmentLength
		if fl == nil || len(fl.Hist10) == 0 {
			continue
		}
		shown++
		tot := float64(sum(fl.Hist10))
		for i, c := range fl.Hist10 {
			if c > 0 && float64(c)/tot > 0.001 {
				maxLen = math.Max(maxLen, float64(i+1)*10)
			}
			maxFrac = math.Max(maxFrac, float64(c)/tot)
		}
	}
	s := newSVG(w, h, "fragment length distributions")
	if shown == 0 {
		return "", 0
	}
	xs, ys := ticks(maxLen, 10), ticks(maxFrac, 5)
	xTop, yTop := xs[len(xs)-1], ys[len(ys)-1]
	px := func(l float64) float64 { return left + (w-left-20)*l/xTop }
	py := func(f float64) float64 { return float64(h-bottom) - (h-bottom-10)*f/yTop }
	for _, v := range xs {
		s.line(px(v), h-bottom, px(v), h-bottom+4, "#444")
		s.text(px(v), h-bottom+16, "middle", "ax", short(v))
	}
	for _, v := range ys {
		s.line(left-4, py(v), left, py(v), "#444")
		s.text(left-6, py(v)+4, "end", "ax", fmt.Sprintf("%.0f%%", 100*v))
	}
	s.text(px(xTop/2), h-4, "middle", "ax", "fragment length (bases, 10-base bins)")
	for i, smp := range st.Samples {
		fl := smp.Info.FragmentLength
		if fl == nil || len(fl.Hist10) == 0 {
			continue
		}
		tot := float64(sum(fl.Hist10))
		var pts []string
		for b, c := range fl.Hist10 {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(float64(b)*10+5), py(float64(c)/tot)))
		}
		fmt.Fprintf(&s.b, `<polyline fill="none" stroke="%s" stroke-width="1.5" stroke-opacity="0.8" points="%s"><title>%s: mean %.1f, sd %.1f (%s pairs)</title></polyline>`,
			color(i), strings.Join(pts, " "), esc(smp.Name), fl.Mean, fl.SD, comma(fl.Pairs))
	}
	return s.String(), shown
}

func sum(v []int64) int64 {
	var s int64
	for _, x := range v {
		s += x
	}
	return s
}

// comma formats n with thousands separators.
func comma(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + comma(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
