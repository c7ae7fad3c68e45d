package report

import (
	"math"
	"sort"
)

// logMatrix returns log2(x+1) of every sample's values (rows = samples),
// keeping the features that are non-zero in at least one sample.
func logMatrix(cols [][]float64) [][]float64 {
	n := len(cols)
	if n == 0 {
		return nil
	}
	var keep []int
	for f := range cols[0] {
		for s := 0; s < n; s++ {
			if cols[s][f] > 0 {
				keep = append(keep, f)
				break
			}
		}
	}
	out := make([][]float64, n)
	for s := range out {
		out[s] = make([]float64, len(keep))
		for j, f := range keep {
			out[s][j] = math.Log2(cols[s][f] + 1)
		}
	}
	return out
}

// correlations is the Pearson correlation of every pair of rows (1 on
// the diagonal; 0 where a row is constant).
func correlations(x [][]float64) [][]float64 {
	n := len(x)
	z := make([][]float64, n)
	for i, r := range x {
		z[i] = standardize(r)
	}
	c := make([][]float64, n)
	for i := range c {
		c[i] = make([]float64, n)
		c[i][i] = 1
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			v := dot(z[i], z[j])
			c[i][j], c[j][i] = v, v
		}
	}
	return c
}

// standardize returns (r - mean) / (sd * sqrt(len)), so that the dot
// product of two standardized rows is their correlation.
func standardize(r []float64) []float64 {
	out := make([]float64, len(r))
	if len(r) == 0 {
		return out
	}
	var m float64
	for _, v := range r {
		m += v
	}
	m /= float64(len(r))
	var ss float64
	for _, v := range r {
		ss += (v - m) * (v - m)
	}
	if ss == 0 {
		return out
	}
	s := math.Sqrt(ss)
	for i, v := range r {
		out[i] = (v - m) / s
	}
	return out
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// pcaFeatures is how many of the most variable features the PCA uses
// (DESeq2's plotPCA default, ntop = 500).
const pcaFeatures = 500

// pca returns the samples' coordinates on the first two principal
// components of x (rows = samples) restricted to its pcaFeatures most
// variable columns, and the fraction of the variance each explains. It
// works on the samples' Gram matrix (n x n, n = samples), by power
// iteration with deflation from a fixed start: deterministic.
func pca(x [][]float64) (coords [][2]float64, frac [2]float64) {
	n := len(x)
	coords = make([][2]float64, n)
	if n < 2 || len(x[0]) == 0 {
		return coords, frac
	}
	cols := topVariable(x, pcaFeatures)
	c := make([][]float64, n) // centred, selected columns
	for s := range c {
		c[s] = make([]float64, len(cols))
	}
	for j, f := range cols {
		var m float64
		for s := 0; s < n; s++ {
			m += x[s][f]
		}
		m /= float64(n)
		for s := 0; s < n; s++ {
			c[s][j] = x[s][f] - m
		}
	}
	g := make([][]float64, n)
	var trace float64
	for i := range g {
		g[i] = make([]float64, n)
	}
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			v := dot(c[i], c[j])
			g[i][j], g[j][i] = v, v
		}
		trace += g[i][i]
	}
	if trace == 0 {
		return coords, frac
	}
	for k := 0; k < 2; k++ {
		vec, val := topEigen(g)
		if val <= 0 {
			break
		}
		frac[k] = val / trace
		for i := range vec {
			coords[i][k] = vec[i] * math.Sqrt(val)
		}
		for i := range g { // deflate
			for j := range g {
				g[i][j] -= val * vec[i] * vec[j]
			}
		}
	}
	return coords, frac
}

// topVariable returns the indexes of the k columns of x with the largest
// variance (ties by index).
func topVariable(x [][]float64, k int) []int {
	m := len(x[0])
	v := make([]float64, m)
	for f := 0; f < m; f++ {
		var s, ss float64
		for _, r := range x {
			s += r[f]
			ss += r[f] * r[f]
		}
		n := float64(len(x))
		v[f] = ss/n - (s/n)*(s/n)
	}
	idx := make([]int, m)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return v[idx[a]] > v[idx[b]] })
	if len(idx) > k {
		idx = idx[:k]
	}
	return idx
}

// topEigen finds the dominant eigenvector (unit length, sign fixed so its
// largest entry is positive) and eigenvalue of the symmetric matrix g.
func topEigen(g [][]float64) ([]float64, float64) {
	n := len(g)
	v := make([]float64, n)
	for i := range v {
		v[i] = 1 + float64(i%7)/10 // fixed, not orthogonal to anything in practice
	}
	normalize(v)
	w := make([]float64, n)
	var val float64
	for it := 0; it < 1000; it++ {
		for i := range w {
			w[i] = dot(g[i], v)
		}
		nv := dot(v, w)
		normalize(w)
		delta := 0.0
		for i := range v {
			delta = math.Max(delta, math.Abs(w[i]-v[i]))
		}
		v, w = w, v
		val = nv
		if delta < 1e-10 {
			break
		}
	}
	big := 0
	for i := range v {
		if math.Abs(v[i]) > math.Abs(v[big]) {
			big = i
		}
	}
	if v[big] < 0 {
		for i := range v {
			v[i] = -v[i]
		}
	}
	return v, val
}

func normalize(v []float64) {
	s := math.Sqrt(dot(v, v))
	if s == 0 {
		return
	}
	for i := range v {
		v[i] /= s
	}
}
