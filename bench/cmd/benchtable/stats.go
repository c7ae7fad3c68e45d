package main

import (
	"math"
	"sort"
)

// median returns the median of xs (the mean of the two middle values for an
// even count) and NaN for an empty slice. xs is not modified.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// mean returns the arithmetic mean of xs, NaN when empty.
func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return t / float64(len(xs))
}

// ratio returns x/ref, or NaN when either is missing (NaN) or ref is not positive.
func ratio(x, ref float64) float64 {
	if math.IsNaN(x) || math.IsNaN(ref) || ref <= 0 {
		return math.NaN()
	}
	return x / ref
}

// repAgg is one repetition of one (set, tool, step, threads) measurement, summed
// over the samples that step runs: wall and CPU add up, peak RSS is the largest.
type repAgg struct {
	wall, cpu, rssKB, indexBytes float64
	mapped, busy                 []float64
	samples                      int
	failed                       bool
}

func (r *repAgg) add(m measurement) {
	r.samples++
	if !math.IsNaN(m.busy) {
		r.busy = append(r.busy, m.busy)
	}
	if m.status != 0 {
		r.failed = true
		return
	}
	r.wall += m.wall
	r.cpu += m.user + m.sys
	r.rssKB = math.Max(r.rssKB, m.rssKB)
	if !math.IsNaN(m.indexBytes) {
		r.indexBytes = math.Max(r.indexBytes, m.indexBytes)
	}
	if !math.IsNaN(m.mapped) {
		r.mapped = append(r.mapped, m.mapped)
	}
}

// summary is the median over the successful repetitions of one measurement.
type summary struct {
	reps, ok                  int
	wall, cpu, rssMB, indexMB float64
	mapped, busy              float64
	hasIndex                  bool
}

// summarize takes the repetitions (any order) and returns medians over the
// ones that did not fail. Sizes are reported in MB (10^6 bytes); GNU time
// reports RSS in KiB.
func summarize(reps []*repAgg) summary {
	s := summary{reps: len(reps)}
	var wall, cpu, rss, idx, mapped, busy []float64
	for _, r := range reps {
		busy = append(busy, r.busy...)
		if r.failed {
			continue
		}
		s.ok++
		wall = append(wall, r.wall)
		cpu = append(cpu, r.cpu)
		rss = append(rss, r.rssKB*1024/1e6)
		if r.indexBytes > 0 {
			idx = append(idx, r.indexBytes/1e6)
		}
		if len(r.mapped) > 0 {
			mapped = append(mapped, mean(r.mapped))
		}
	}
	s.wall, s.cpu, s.rssMB = median(wall), median(cpu), median(rss)
	s.indexMB, s.mapped = median(idx), median(mapped)
	s.busy = median(busy)
	s.hasIndex = len(idx) > 0
	return s
}
