package main

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestMedian(t *testing.T) {
	cases := []struct {
		in   []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{2, 2, 9}, 2},
		{[]float64{10, 1}, 5.5},
	}
	for _, c := range cases {
		in := append([]float64(nil), c.in...)
		if got := median(c.in); !near(got, c.want) {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
		for i := range in {
			if in[i] != c.in[i] {
				t.Fatalf("median modified its input: %v -> %v", in, c.in)
			}
		}
	}
	if !math.IsNaN(median(nil)) {
		t.Error("median(nil) should be NaN")
	}
}

func TestRatio(t *testing.T) {
	if got := ratio(3, 2); !near(got, 1.5) {
		t.Errorf("ratio(3,2) = %v", got)
	}
	for _, c := range [][2]float64{{1, 0}, {1, -1}, {math.NaN(), 1}, {1, math.NaN()}} {
		if !math.IsNaN(ratio(c[0], c[1])) {
			t.Errorf("ratio(%v,%v) should be NaN", c[0], c[1])
		}
	}
}

func TestSummarizeSkipsFailedReps(t *testing.T) {
	mk := func(wall, user, sys, rss float64, status int) measurement {
		return measurement{wall: wall, user: user, sys: sys, rssKB: rss, status: status,
			indexBytes: math.NaN(), mapped: math.NaN()}
	}
	var reps []*repAgg
	for i, w := range []float64{10, 30, 20} {
		r := &repAgg{}
		r.add(mk(w, w, 1, 1000*float64(i+1), 0))
		reps = append(reps, r)
	}
	bad := &repAgg{}
	bad.add(mk(1, 1, 1, 1, 0))
	bad.add(mk(1, 1, 1, 1, 2)) // a failed sample fails the whole repetition
	reps = append(reps, bad)
	s := summarize(reps)
	if s.reps != 4 || s.ok != 3 {
		t.Fatalf("reps/ok = %d/%d, want 4/3", s.reps, s.ok)
	}
	if !near(s.wall, 20) || !near(s.cpu, 21) {
		t.Errorf("wall, cpu = %v, %v; want 20, 21", s.wall, s.cpu)
	}
	if !near(s.rssMB, 2000*1024/1e6) {
		t.Errorf("rss = %v MB", s.rssMB)
	}
	if s.hasIndex || !math.IsNaN(s.indexMB) {
		t.Errorf("no index sizes were given, got %v", s.indexMB)
	}
}

func TestRepAggSumsSamples(t *testing.T) {
	r := &repAgg{}
	r.add(measurement{wall: 1, user: 2, sys: 0.5, rssKB: 100, indexBytes: math.NaN(), mapped: 80})
	r.add(measurement{wall: 2, user: 1, sys: 0.5, rssKB: 300, indexBytes: math.NaN(), mapped: 90})
	if r.wall != 3 || r.cpu != 4 || r.rssKB != 300 || r.failed {
		t.Errorf("got wall %v cpu %v rss %v failed %v", r.wall, r.cpu, r.rssKB, r.failed)
	}
	if got := mean(r.mapped); got != 85 {
		t.Errorf("mean mapped = %v", got)
	}
}
