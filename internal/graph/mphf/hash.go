package mphf

import "math/bits"

// The hash pipeline shared by Build and Lookup. Every function here is small
// enough for the compiler to inline (checked with -gcflags=-m), so Lookup is
// a single straight-line function.

// Multipliers of the splitmix64 finalizer ("Mix13" of D. Stafford's 2011
// variants, used by java.util.SplittableRandom). Both are odd, so each
// multiply is invertible modulo 2^64; together with the invertible
// xor-shifts this makes mix a bijection of the 64-bit integers.
const (
	mixMul1 = 0xbf58476d1ce4e5b9
	mixMul2 = 0x94d049bb133111eb
)

// mix scrambles a key (already xor-ed with the seed mask). It is a
// bijection, so distinct keys always get distinct hashes: Build relies on it
// to tell duplicate keys (equal hashes) from mere hash collisions, which
// cannot happen. Keys are 2-bit packed k-mers whose high bits are often zero;
// every output bit of mix depends on every input bit.
func mix(x uint64) uint64 {
	x = (x ^ x>>30) * mixMul1
	x = (x ^ x>>27) * mixMul2
	return x ^ x>>31
}

// unmix inverts mix. Only error reporting uses it, to name the duplicated
// key found by Build from its hash.
func unmix(x uint64) uint64 {
	x ^= x>>31 ^ x>>62
	x *= mixInv2
	x ^= x>>27 ^ x>>54
	x *= mixInv1
	x ^= x>>30 ^ x>>60
	return x
}

var (
	mixInv1 = inverseOdd(mixMul1)
	mixInv2 = inverseOdd(mixMul2)
)

// inverseOdd returns the inverse of the odd number a modulo 2^64 by Newton's
// iteration: starting from x = a (correct to 3 bits, as a*a = 1 mod 8 for
// odd a), each step doubles the number of correct low bits, so five steps
// give 3*2^5 = 96 >= 64 bits.
func inverseOdd(a uint64) uint64 {
	x := a
	for range 5 {
		x *= 2 - a*x
	}
	return x
}

// seedMask turns the user's seed into the mask xor-ed into every key before
// mix. Seed 0 gives mask 0, the plain mixer.
func seedMask(seed uint64) uint64 { return mix(seed) }

// bucketIn maps r, the part-local fraction of a hash (uniform over
// [0, 2^64)), to one of nb buckets, skewed so that low-numbered buckets get
// more keys. This is the "CubicEps" bucket function of PtrHash: with
// x = r/2^64 the bucket is floor(nb * f(x)) for
//
//	f(x) = x²(1+x)/2 · 255/256 + x/256,
//
// an increasing map of [0,1) onto [0,1). Few large buckets are placed first,
// while the table is empty, and many small ones fill the last free slots;
// PtrHash's default with uniform buckets is λ = 3.0, and this skew lets
// 8-bit pilots reach λ = 3.5 at α = 0.99. The x/256 term keeps the slope at
// 0 from vanishing, so bucket 0 gets at most 256/nb of the part's keys. All
// arithmetic is 64-bit fixed point: Mul64's high word is the product of two
// fractions.
func bucketIn(r, nb uint64) uint64 {
	sq, _ := bits.Mul64(r, r)                // x²
	cu, _ := bits.Mul64(sq, r>>1|1<<63)      // x² · (1+x)/2
	b, _ := bits.Mul64(cu/256*255+r/256, nb) // scale f(x) to [0, nb)
	return b
}

// pilotMul spreads pilot values over the 64-bit space before they are
// xor-ed into a key hash: an odd multiplier (2^64 divided by the golden
// ratio, rounded to odd) maps consecutive pilots to far-apart masks.
const pilotMul = 0x9e3779b97f4a7c15

// pilotHash returns the mask for pilot p of a part built with the given
// salt (see Table); distinct (salt, pilot) pairs give distinct masks.
func pilotHash(salt, p uint64) uint64 { return (salt<<8 | p) * pilotMul }

// slotMul is the odd multiplier of the slot hash (the splitmix64 mixer's
// second constant; any odd constant with well-spread bits works). The
// product's top bits depend on all bits of its input, in particular on the
// low bits of the key hash: keys of one bucket share their high bits (which
// chose the part and bucket) and differ in the low ones.
const slotMul = mixMul2

// slotIn maps key hash h, displaced by pilot mask hp, to a slot in [0, size).
func slotIn(h, hp, size uint64) uint64 {
	s, _ := bits.Mul64((h^hp)*slotMul, size)
	return s
}
