package debruijn

import "slices"

// sortUint64 sorts v in place: most-significant-digit radix sort on 8-bit
// digits (American flag sort: no scratch buffer), handing small buckets to
// slices.Sort. shift is the bit position of the top digit to sort on; keys
// must have no bits above shift+8.
func sortUint64(v []uint64, shift uint) {
	const small = 256 // below this, comparison sorting is faster
	if len(v) < small {
		slices.Sort(v)
		return
	}
	var count [256]int
	for _, x := range v {
		count[x>>shift&0xff]++
	}
	var start, next [256]int
	sum := 0
	for d := range count {
		start[d] = sum
		next[d] = sum
		sum += count[d]
	}
	// Permute in place: move each element to its bucket's next free slot.
	for d := 0; d < 256; d++ {
		end := start[d] + count[d]
		for next[d] < end {
			x := v[next[d]]
			dx := int(x >> shift & 0xff)
			if dx == d {
				next[d]++
				continue
			}
			// Cycle x through the buckets until an element of bucket d
			// comes back.
			for dx != d {
				y := v[next[dx]]
				v[next[dx]] = x
				next[dx]++
				x = y
				dx = int(x >> shift & 0xff)
			}
			v[next[d]] = x
			next[d]++
		}
	}
	if shift == 0 {
		return
	}
	lower := shift - 8
	if shift < 8 {
		lower = 0
	}
	for d := 0; d < 256; d++ {
		if count[d] > 1 {
			b := v[start[d] : start[d]+count[d]]
			if shift < 8 {
				slices.Sort(b)
			} else {
				sortUint64(b, lower)
			}
		}
	}
}

// topShift returns the shift of the highest 8-bit digit that holds a set
// bit for keys below 2^bits.
func topShift(bits uint) uint {
	if bits <= 8 {
		return 0
	}
	return bits - 8
}
