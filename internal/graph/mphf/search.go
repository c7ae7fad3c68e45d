package mphf

import "slices"

// place runs PtrHash's pilot search with eviction on the part: buckets are
// placed from largest to smallest; a bucket takes the first pilot that puts
// all its keys in free slots; failing that, it takes the pilot whose
// collisions cost least (sum of squared sizes of the buckets hit) and those
// buckets are evicted, to be placed again.
//
// It reports false if the eviction budget runs out or if some bucket has no
// usable pilot; in the latter case it also returns that bucket.
func (pb *partBuilder) place(part, salt, size uint64) (bool, uint32) {
	taken := pb.taken[:(size+63)/64]
	owner := pb.owner[:size]
	clear(taken)
	clear(owner)
	clear(pb.pilots)
	clear(pb.inRecent)
	for i := range pb.ring {
		pb.ring[i] = noBucket
	}
	for p := range pb.hp {
		pb.hp[p] = pilotHash(salt, uint64(p))
	}
	// Deterministic per-part, per-salt splitmix64 stream choosing where
	// each eviction search starts among the 256 pilots (PtrHash starts at
	// a random pilot to avoid eviction cycles).
	rng := mix(pb.seed ^ part*pilotMul ^ salt<<56)
	budget := evictionBudget(size)
	evictions := uint64(0)
	defer func() { pb.evictions += evictions }()
	for _, b0 := range pb.order {
		if pb.starts[b0+1] == pb.starts[b0] {
			break // the remaining buckets are empty
		}
		pb.push(b0)
		for i, e := range pb.ring {
			if e != noBucket {
				pb.inRecent[e]--
				pb.ring[i] = noBucket
			}
		}
		ri := 0
		pb.ring[0] = b0
		pb.inRecent[b0]++
		for len(pb.heap) > 0 {
			b := pb.pop()
			ks := pb.bucket(b)
			if pb.placeFree(b, ks, size, taken, owner) {
				continue
			}
			rng += pilotMul
			p, ok := pb.leastCollisions(ks, size, owner, mix(rng)&255)
			if !ok {
				pb.heap = pb.heap[:0]
				return false, b
			}
			pb.pilots[b] = uint8(p)
			hp := pb.hp[p]
			for _, h := range ks {
				s := slotIn(h, hp, size)
				if o := owner[s]; o != 0 {
					pb.evict(o-1, size, taken, owner)
					evictions++
				}
				owner[s] = b + 1
				taken[s>>6] |= 1 << (s & 63)
			}
			if evictions > budget {
				pb.heap = pb.heap[:0]
				return false, noBucket
			}
			ri = (ri + 1) % recentLen
			if e := pb.ring[ri]; e != noBucket {
				pb.inRecent[e]--
			}
			pb.ring[ri] = b
			pb.inRecent[b]++
		}
	}
	return true, noBucket
}

// placeFree looks for a pilot that puts all keys of bucket b into distinct
// free slots, trying pilots in increasing order, and places b there.
func (pb *partBuilder) placeFree(b uint32, ks []uint64, size uint64, taken []uint64, owner []uint32) bool {
	if len(ks) == 1 {
		// Most buckets, and nearly all of the late ones that need many
		// tries, hold a single key.
		h := ks[0]
		for p, hp := range &pb.hp {
			s := slotIn(h, hp, size)
			if taken[s>>6]&(1<<(s&63)) == 0 {
				taken[s>>6] |= 1 << (s & 63)
				owner[s] = b + 1
				pb.pilots[b] = uint8(p)
				return true
			}
		}
		return false
	}
	if len(ks) == 2 {
		// Next most common; also most of the work.
		h0, h1 := ks[0], ks[1]
		for p, hp := range &pb.hp {
			s0, s1 := slotIn(h0, hp, size), slotIn(h1, hp, size)
			if (taken[s0>>6]>>(s0&63)|taken[s1>>6]>>(s1&63))&1 == 0 && s0 != s1 {
				taken[s0>>6] |= 1 << (s0 & 63)
				taken[s1>>6] |= 1 << (s1 & 63)
				owner[s0], owner[s1] = b+1, b+1
				pb.pilots[b] = uint8(p)
				return true
			}
		}
		return false
	}
	slots := pb.slots[:len(ks)]
next:
	for p, hp := range &pb.hp {
		// Test the keys four at a time without branching inside a
		// group: whether a slot is free is a coin toss the branch
		// predictor cannot learn.
		i := 0
		for ; i+4 <= len(ks); i += 4 {
			s0 := slotIn(ks[i], hp, size)
			s1 := slotIn(ks[i+1], hp, size)
			s2 := slotIn(ks[i+2], hp, size)
			s3 := slotIn(ks[i+3], hp, size)
			slots[i], slots[i+1], slots[i+2], slots[i+3] = s0, s1, s2, s3
			if (taken[s0>>6]>>(s0&63)|taken[s1>>6]>>(s1&63)|
				taken[s2>>6]>>(s2&63)|taken[s3>>6]>>(s3&63))&1 != 0 {
				continue next
			}
		}
		hit := uint64(0)
		for ; i < len(ks); i++ {
			s := slotIn(ks[i], hp, size)
			slots[i] = s
			hit |= taken[s>>6] >> (s & 63)
		}
		if hit&1 != 0 {
			continue
		}
		// All free; take them, watching for two keys on one slot.
		for i, s := range slots {
			if taken[s>>6]&(1<<(s&63)) != 0 {
				for _, s := range slots[:i] {
					taken[s>>6] &^= 1 << (s & 63)
				}
				continue next
			}
			taken[s>>6] |= 1 << (s & 63)
		}
		for _, s := range slots {
			owner[s] = b + 1
		}
		pb.pilots[b] = uint8(p)
		return true
	}
	return false
}

// leastCollisions returns the pilot, scanning all 256 from start, that maps
// the keys ks to distinct slots at least cost: the sum over occupied slots
// of the squared size of their bucket. Pilots that hit a recently placed
// bucket are skipped. It reports false if no pilot qualifies.
func (pb *partBuilder) leastCollisions(ks []uint64, size uint64, owner []uint32, start uint64) (uint64, bool) {
	best, bestP := uint64(1<<63), uint64(0)
	starts, inRecent := pb.starts, pb.inRecent
next:
	for d := range uint64(256) {
		p := (start + d) & 255
		hp := pb.hp[p]
		score := uint64(0)
		for _, h := range ks {
			o := owner[slotIn(h, hp, size)]
			if o == 0 {
				continue
			}
			if inRecent[o-1] != 0 {
				continue next
			}
			n := uint64(starts[o] - starts[o-1])
			score += n * n
			if score >= best {
				continue next
			}
		}
		if pb.selfCollides(ks, hp, size) {
			continue
		}
		best, bestP = score, p
		if best <= 1 {
			break // a single collision with a one-key bucket: cannot do better
		}
	}
	return bestP, best < 1<<63
}

// selfCollides reports whether two keys of ks land on the same slot.
func (pb *partBuilder) selfCollides(ks []uint64, hp, size uint64) bool {
	slots := pb.slots[:len(ks)]
	for i, h := range ks {
		slots[i] = slotIn(h, hp, size)
	}
	if len(slots) <= 16 {
		for i := 1; i < len(slots); i++ {
			if slices.Contains(slots[:i], slots[i]) {
				return true
			}
		}
		return false
	}
	slices.Sort(slots)
	for i := 1; i < len(slots); i++ {
		if slots[i] == slots[i-1] {
			return true
		}
	}
	return false
}

// evict removes bucket b from its slots and queues it again.
func (pb *partBuilder) evict(b uint32, size uint64, taken []uint64, owner []uint32) {
	hp := pb.hp[pb.pilots[b]]
	for _, h := range pb.bucket(b) {
		s := slotIn(h, hp, size)
		owner[s] = 0
		taken[s>>6] &^= 1 << (s & 63)
	}
	pb.push(b)
}

// push and pop maintain pb.heap as a binary max-heap of size<<32|bucket:
// larger buckets first, ties by larger index (any fixed rule keeps Build
// deterministic).
func (pb *partBuilder) push(b uint32) {
	h := append(pb.heap, uint64(pb.starts[b+1]-pb.starts[b])<<32|uint64(b))
	for i := len(h) - 1; i > 0; {
		up := (i - 1) / 2
		if h[up] >= h[i] {
			break
		}
		h[up], h[i] = h[i], h[up]
		i = up
	}
	pb.heap = h
}

func (pb *partBuilder) pop() uint32 {
	h := pb.heap
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		c := 2*i + 1
		if c >= len(h) {
			break
		}
		if c+1 < len(h) && h[c+1] > h[c] {
			c++
		}
		if h[i] >= h[c] {
			break
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
	pb.heap = h
	return uint32(top)
}
