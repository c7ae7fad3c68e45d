package kmer

// Iterator walks the valid k-mers of a sequence from left to right, keeping
// each window's forward k-mer and its reverse complement. A window is valid
// when all k of its bytes are bases (see Code); windows that hold any other
// byte are skipped, as kallisto's KmerIterator does.
//
// The zero Iterator is not ready for use: start one with NewIterator or
// Reset. An Iterator is a small value: copying it
// forks the walk (kallisto's match() relies on copies to look ahead).
type Iterator struct {
	seq  []byte
	s    Shape
	pos  int  // start of the current window; meaningful only if !done
	fw   Kmer // current k-mer as read
	rc   Kmer // its reverse complement
	done bool
}

// NewIterator returns an iterator positioned at the first valid k-mer of
// seq. The iterator reads seq in place: seq must not change while in use.
func NewIterator(s Shape, seq []byte) Iterator {
	it := Iterator{seq: seq, s: s}
	it.seek(0)
	return it
}

// Reset repositions it at the first valid k-mer of seq.
func (it *Iterator) Reset(s Shape, seq []byte) {
	it.seq, it.s = seq, s
	it.seek(0)
}

// Done reports whether the iterator is exhausted.
func (it *Iterator) Done() bool { return it.done }

// Pos returns the 0-based start of the current k-mer in the sequence.
func (it *Iterator) Pos() int { return it.pos }

// Kmer returns the current k-mer as it reads on the sequence.
func (it *Iterator) Kmer() Kmer { return it.fw }

// RevComp returns the reverse complement of the current k-mer.
func (it *Iterator) RevComp() Kmer { return it.rc }

// Canonical returns the canonical form of the current k-mer and whether the
// k-mer as read is that form.
func (it *Iterator) Canonical() (Kmer, bool) {
	if it.rc < it.fw {
		return it.rc, false
	}
	return it.fw, true
}

// Next advances to the next valid k-mer.
func (it *Iterator) Next() {
	if it.done {
		return
	}
	j := it.pos + it.s.K
	if j < len(it.seq) {
		if c := code[it.seq[j]]; c != Invalid {
			it.pos++
			it.fw = it.s.Append(it.fw, c)
			it.rc = it.s.Prepend(it.rc, 3-c)
			return
		}
		it.seek(j + 1)
		return
	}
	it.done = true
}

// JumpTo moves to the first valid k-mer starting at or after pos (which may
// be before the current position). It is kallisto's KmerIterator::jumpTo.
func (it *Iterator) JumpTo(pos int) {
	if pos < 0 {
		pos = 0
	}
	it.seek(pos)
}

// seek positions the iterator at the first valid window starting at or
// after from, or marks it done.
func (it *Iterator) seek(from int) {
	k := it.s.K
	if from <= len(it.seq) {
		// Usually the window at from is valid: encode it in one go.
		if fw, ok := it.s.FromBytes(it.seq[from:]); ok {
			it.pos, it.fw, it.rc, it.done = from, fw, it.s.RevComp(fw), false
			return
		}
	}
	run := 0
	var fw, rc Kmer
	for j := from; j < len(it.seq); j++ {
		c := code[it.seq[j]]
		if c == Invalid {
			run = 0
			continue
		}
		fw = it.s.Append(fw, c)
		rc = it.s.Prepend(rc, 3-c)
		run++
		if run >= k {
			it.pos, it.fw, it.rc, it.done = j-k+1, fw, rc, false
			return
		}
	}
	it.done = true
}
