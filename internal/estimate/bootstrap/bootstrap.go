// Package bootstrap estimates the sampling variability of the EM's
// abundances the way kallisto 0.48 does (src/Bootstrap.cpp,
// src/Multinomial.hpp): each bootstrap draws a multinomial sample of the
// equivalence-class counts — as many fragments as were pseudoaligned, each
// class with probability proportional to its observed count — and runs a
// fresh EM on it from the uniform start, with kallisto's rounds (10,000 at
// most, 50 at least) and the effective lengths from the fragment length
// distribution (never bias-corrected; kallisto's bootstraps ignore --bias).
//
// Random numbers differ from kallisto's (which draws fragments one by one
// with std::discrete_distribution over a minstd_rand0 seeded from an
// mt19937_64): the samples have the same distribution, not the same values.
// Bootstrap b uses its own PCG generator (math/rand/v2) seeded from the
// run's seed and b alone, so results are identical whatever the number of
// threads and whichever order bootstraps finish in.
//
// The multinomial is drawn by conditional binomials: class i gets
// Binomial(n_left, c_i / mass_left) fragments, where n_left is the number
// of fragments not yet given to a class and mass_left the observed count of
// the classes not yet visited. This is exact (the multinomial factorises
// into these conditionals) and costs one binomial draw per non-empty class
// (gonum's distuv.Binomial) instead of one draw per fragment.
package bootstrap

import (
	"context"
	"math/rand/v2"
	"sync"

	"github.com/gallisto/gallisto/internal/estimate/em"
	"gonum.org/v1/gonum/stat/distuv"
)

// Source returns the random source of bootstrap b of a run seeded with
// seed: a PCG whose two 64-bit seed words are SplitMix64 hashes of seed and
// b, so that neighbouring seeds and bootstraps start far apart in the
// generator's period.
func Source(seed uint64, b int) *rand.PCG {
	s1 := splitmix64(seed)
	s2 := splitmix64(s1 ^ splitmix64(uint64(b)+0x632be59bd9b4e019))
	return rand.NewPCG(s1, s2)
}

// splitmix64 is the SplitMix64 finaliser (Steele, Lea & Flood, "Fast
// splittable pseudorandom number generators", OOPSLA 2014).
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Sample draws into out a multinomial sample of sum(counts) fragments over
// len(counts) classes with probabilities counts[i]/sum(counts). out must
// have len(counts) entries.
func Sample(src rand.Source, counts, out []int64) {
	var mass int64
	for _, c := range counts {
		mass += c
	}
	left := mass
	for i, c := range counts {
		out[i] = 0
		if c == 0 || left == 0 {
			continue
		}
		var x int64
		if c >= mass {
			x = left // the last class with mass takes what is left
		} else {
			x = int64(distuv.Binomial{N: float64(left), P: float64(c) / float64(mass), Src: src}.Rand())
		}
		out[i] = x
		left -= x
		mass -= c
	}
}

// One runs bootstrap b: a multinomial resample of p.Counts and a fresh EM.
// p is not modified. It returns the estimated counts per target.
func One(p *em.Problem, seed uint64, b int) []float64 {
	q := *p
	q.Counts = make([]int64, len(p.Counts))
	Sample(Source(seed, b), p.Counts, q.Counts)
	return em.Run(&q, em.MaxRounds, em.MinRounds, nil).Alpha
}

// Run runs bootstraps 0..n-1 of problem p on threads goroutines and calls
// emit with each bootstrap's estimated counts in order of b, from the
// calling goroutine. At most 2*threads bootstraps are held waiting for an
// earlier one. It stops at the first error from emit or when ctx is done.
func Run(ctx context.Context, p *em.Problem, n int, seed uint64, threads int, emit func(b int, alpha []float64) error) error {
	if threads < 1 {
		threads = 1
	}
	if threads > n {
		threads = n
	}
	if n <= 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		b     int
		alpha []float64
	}
	tokens := make(chan struct{}, 2*threads)
	for i := 0; i < cap(tokens); i++ {
		tokens <- struct{}{}
	}
	results := make(chan result, 2*threads)
	var mu sync.Mutex
	next := 0
	var wg sync.WaitGroup
	for w := 0; w < threads; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-tokens:
				case <-ctx.Done():
					return
				}
				mu.Lock()
				b := next
				next++
				mu.Unlock()
				if b >= n {
					return
				}
				r := result{b, One(p, seed, b)}
				select {
				case results <- r:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()
	pending := make(map[int][]float64)
	want := 0
	var err error
	for r := range results {
		if err != nil {
			continue
		}
		pending[r.b] = r.alpha
		for {
			a, ok := pending[want]
			if !ok {
				break
			}
			delete(pending, want)
			if err = emit(want, a); err != nil {
				cancel()
				break
			}
			want++
			tokens <- struct{}{}
		}
	}
	if err != nil {
		return err
	}
	return ctx.Err() // the caller's cancellation; nil when all were emitted
}
