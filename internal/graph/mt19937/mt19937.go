// Package mt19937 implements the 32-bit Mersenne Twister of Matsumoto and
// Nishimura, "Mersenne Twister: a 623-dimensionally equidistributed uniform
// pseudo-random number generator" (ACM TOMACS 8(1), 1998), with the
// seeding of the C++ standard's std::mt19937 ([rand.eng.mers]).
//
// gallisto needs it for one thing: kallisto replaces every non-ACGTU letter
// of a transcript with "ACGT"[gen() & 3] drawn from std::mt19937 seeded with
// 42, and an index with the same k-mers needs the same draws.
package mt19937

const (
	n         = 624
	m         = 397
	matrixA   = 0x9908b0df
	upperMask = 0x80000000
	lowerMask = 0x7fffffff
	// initMult is the seeding multiplier of [rand.eng.mers] (f = 1812433253).
	initMult = 1812433253
)

// Source is a std::mt19937 generator.
type Source struct {
	mt  [n]uint32
	idx int
}

// New returns a generator seeded like std::mt19937(seed).
func New(seed uint32) *Source {
	s := &Source{}
	s.mt[0] = seed
	for i := 1; i < n; i++ {
		s.mt[i] = initMult*(s.mt[i-1]^(s.mt[i-1]>>30)) + uint32(i)
	}
	s.idx = n
	return s
}

// Uint32 returns the next 32-bit output.
func (s *Source) Uint32() uint32 {
	if s.idx >= n {
		s.twist()
	}
	y := s.mt[s.idx]
	s.idx++
	// Tempering.
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

func (s *Source) twist() {
	for i := 0; i < n; i++ {
		y := s.mt[i]&upperMask | s.mt[(i+1)%n]&lowerMask
		v := s.mt[(i+m)%n] ^ y>>1
		if y&1 != 0 {
			v ^= matrixA
		}
		s.mt[i] = v
	}
	s.idx = 0
}
