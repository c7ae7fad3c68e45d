package report

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/gallisto/gallisto/internal/study"
)

// heatLevels is the number of colours of the correlation heatmap (one SVG
// path per colour keeps a 100-sample map small).
const heatLevels = 24

// heatmapChart draws the sample-to-sample correlation matrix; it returns
// the SVG and the colour scale's ends (the smallest and largest
// correlation of two different samples).
func heatmapChart(st *study.Study, c [][]float64) (string, float64, float64) {
	n := len(c)
	cell := math.Max(3, math.Min(48, 760/float64(n)))
	labels := cell >= 9
	offX, offY := 8.0, 8.0
	if labels {
		longest := 0
		for _, smp := range st.Samples {
			longest = max(longest, len(smp.Name))
		}
		offX = math.Min(labelW, 12+6.5*float64(longest))
		offY = offX
	}
	side := cell * float64(n)
	s := newSVG(int(offX+side+70), int(offY+side+12), "sample correlation heatmap")
	// The scale spans the pairs of different samples (the diagonal's 1s
	// would squeeze every other pair into the pale end).
	lo, hi := 1.0, -1.0
	for i := range c {
		for j := range c[i] {
			if i != j {
				lo, hi = math.Min(lo, c[i][j]), math.Max(hi, c[i][j])
			}
		}
	}
	if hi <= lo {
		lo, hi = math.Min(lo, 1)-1e-3, 1
	}
	paths := make([]strings.Builder, heatLevels)
	for i := range c {
		for j := range c[i] {
			t := int(math.Round(math.Max(0, math.Min(1, (c[i][j]-lo)/(hi-lo))) * (heatLevels - 1)))
			fmt.Fprintf(&paths[t], "M%.1f %.1fh%.1fv%.1fh-%.1fz", offX+cell*float64(j), offY+cell*float64(i), cell, cell, cell)
		}
	}
	fmt.Fprintf(&s.b, `<g id="heat" data-x="%.1f" data-y="%.1f" data-cell="%.2f">`, offX, offY, cell)
	for t := range paths {
		if paths[t].Len() > 0 {
			fmt.Fprintf(&s.b, `<path fill="%s" d="%s"/>`, heatColor(float64(t)/(heatLevels-1)), paths[t].String())
		}
	}
	s.raw("</g>")
	if labels {
		for i, smp := range st.Samples {
			y := offY + cell*float64(i) + cell/2 + 4
			s.text(offX-4, y, "end", "lab", smp.Name)
			x := offX + cell*float64(i) + cell/2 + 4
			fmt.Fprintf(&s.b, `<text x="%.1f" y="%.1f" text-anchor="start" class="lab" transform="rotate(-90 %.1f %.1f)">%s</text>`, x, offY-4, x, offY-4, esc(smp.Name))
		}
	}
	// colour scale
	x0 := offX + side + 16
	for t := 0; t < heatLevels; t++ {
		s.rect(x0, offY+side*(1-float64(t+1)/heatLevels), 14, side/heatLevels+0.5, heatColor(float64(t)/(heatLevels-1)), "")
	}
	s.text(x0+18, offY+10, "start", "ax", fmt.Sprintf("%.3f", hi))
	s.text(x0+18, offY+side, "start", "ax", fmt.Sprintf("%.3f", lo))
	return s.String(), lo, hi
}

// pcaChart draws PC1 against PC2, points coloured by the first sheet
// column (when there is one).
func pcaChart(st *study.Study, coords [][2]float64, frac [2]float64) string {
	const w, h, left, bottom = 760, 560, 70, 44
	s := newSVG(w, h, "principal components of log TPM")
	var minX, maxX, minY, maxY float64
	for _, p := range coords {
		minX, maxX = math.Min(minX, p[0]), math.Max(maxX, p[0])
		minY, maxY = math.Min(minY, p[1]), math.Max(maxY, p[1])
	}
	pad := func(a, b float64) (float64, float64) {
		d := (b - a) * 0.08
		if d == 0 {
			d = 1
		}
		return a - d, b + d
	}
	minX, maxX = pad(minX, maxX)
	minY, maxY = pad(minY, maxY)
	px := func(v float64) float64 { return left + (w-left-170)*(v-minX)/(maxX-minX) }
	py := func(v float64) float64 { return float64(h-bottom) - (h-bottom-16)*(v-minY)/(maxY-minY) }
	s.line(left, h-bottom, w-170, h-bottom, "#444")
	s.line(left, 16, left, h-bottom, "#444")
	s.text((left+w-170)/2, h-12, "middle", "ax", fmt.Sprintf("PC1 (%.1f%% of variance)", 100*frac[0]))
	fmt.Fprintf(&s.b, `<text x="18" y="%d" text-anchor="middle" class="ax" transform="rotate(-90 18 %d)">PC2 (%.1f%% of variance)</text>`, (h-bottom+16)/2, (h-bottom+16)/2, 100*frac[1])
	groups, keys := groupsOf(st)
	for i, smp := range st.Samples {
		x, y := px(coords[i][0]), py(coords[i][1])
		title := fmt.Sprintf("%s: PC1 %.2f, PC2 %.2f", smp.Name, coords[i][0], coords[i][1])
		fmt.Fprintf(&s.b, `<circle cx="%.1f" cy="%.1f" r="5" fill="%s" fill-opacity="0.85"><title>%s</title></circle>`, x, y, color(groups[i]), esc(title))
		if len(st.Samples) <= 40 {
			s.text(x+7, y+4, "start", "lab", smp.Name)
		}
	}
	if len(keys) > 1 {
		for g, k := range keys {
			y := 24 + 18*float64(g)
			fmt.Fprintf(&s.b, `<circle cx="%d" cy="%.1f" r="5" fill="%s"/>`, w-150, y-4, color(g))
			s.text(w-140, y, "start", "ax", k)
		}
	}
	return s.String()
}

// groupsOf numbers the samples by the value of the first sheet column.
func groupsOf(st *study.Study) ([]int, []string) {
	g := make([]int, len(st.Samples))
	if len(st.MetaKeys) == 0 {
		return g, nil
	}
	idx := map[string]int{}
	var keys []string
	for i, s := range st.Samples {
		v := s.Meta[st.MetaKeys[0]]
		k, ok := idx[v]
		if !ok {
			k = len(keys)
			idx[v] = k
			keys = append(keys, v)
		}
		g[i] = k
	}
	return g, keys
}

// topRow is a line of the most-expressed tables.
type topRow struct {
	Name           string // as in the index
	Short          string // a GENCODE header's first field; Name otherwise
	Mean, Min, Max float64
}

// topFeatures returns the n features with the largest mean over samples.
func topFeatures(names []string, cols [][]float64, n int) []topRow {
	rows := make([]topRow, len(names))
	for f, name := range names {
		r := topRow{Name: name, Short: name, Min: math.Inf(1)}
		if i := strings.IndexByte(name, '|'); i > 0 {
			r.Short = name[:i]
		}
		for _, c := range cols {
			r.Mean += c[f]
			r.Min, r.Max = math.Min(r.Min, c[f]), math.Max(r.Max, c[f])
		}
		r.Mean /= float64(len(cols))
		rows[f] = r
	}
	sort.SliceStable(rows, func(a, b int) bool { return rows[a].Mean > rows[b].Mean })
	if len(rows) > n {
		rows = rows[:n]
	}
	return rows
}
