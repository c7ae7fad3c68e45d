package mphf

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

func TestSerializationRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 2, 65, 1000, 100_000} {
		keys := randomKeys(n, 21)
		tab := mustBuild(t, keys, Options{Seed: 5, PartKeys: 4096})
		words := tab.AppendWords([]uint64{42}) // a prefix, as in a larger file
		if len(words) != 1+tab.SizeWords() {
			t.Fatalf("n=%d: AppendWords gave %d words, SizeWords %d", n, len(words)-1, tab.SizeWords())
		}
		words = append(words, 7, 8) // and a suffix
		got, rest, err := FromWords(words[1:])
		if err != nil {
			t.Fatalf("n=%d: FromWords: %v", n, err)
		}
		if !slices.Equal(rest, []uint64{7, 8}) {
			t.Fatalf("n=%d: rest = %v", n, rest)
		}
		checkMinimalPerfect(t, got, keys)
		for _, k := range randomKeys(1000, 99) {
			if got.Lookup(k) != tab.Lookup(k) {
				t.Fatalf("n=%d: loaded table differs on %#x", n, k)
			}
		}
		if got.Seed() != 5 || got.SizeBits() != tab.SizeBits() {
			t.Fatalf("n=%d: seed %d, size %d", n, got.Seed(), got.SizeBits())
		}

		b, err := tab.MarshalBinary()
		if err != nil || len(b) != 8*tab.SizeWords() {
			t.Fatalf("n=%d: MarshalBinary: %d bytes, %v", n, len(b), err)
		}
		var wbuf bytes.Buffer
		if m, err := tab.WriteTo(&wbuf); err != nil || m != int64(len(b)) || !bytes.Equal(wbuf.Bytes(), b) {
			t.Fatalf("n=%d: WriteTo wrote %d bytes (%v), differing from MarshalBinary", n, m, err)
		}
		var u Table
		if err := u.UnmarshalBinary(b); err != nil {
			t.Fatalf("n=%d: UnmarshalBinary: %v", n, err)
		}
		checkMinimalPerfect(t, &u, keys)
		if err := u.UnmarshalBinary(append(b, make([]byte, 8)...)); err == nil {
			t.Fatalf("n=%d: UnmarshalBinary accepted trailing words", n)
		}

		// FromBytes, aligned (in place) and misaligned (copied).
		b = append(b, 1, 2, 3, 4, 5, 6, 7, 8)
		for _, off := range []int{0, 1} {
			buf := make([]byte, len(b)+8)[off:]
			copy(buf, b)
			buf = buf[:len(b)]
			v, rest, err := FromBytes(buf)
			if err != nil {
				t.Fatalf("n=%d off=%d: FromBytes: %v", n, off, err)
			}
			if !bytes.Equal(rest, b[len(b)-8:]) {
				t.Fatalf("n=%d off=%d: rest = %v", n, off, rest)
			}
			checkMinimalPerfect(t, v, keys)
		}
	}
}

// TestFromBytesInPlace checks that an aligned FromBytes does not copy: a
// change to the bytes shows in the Table.
func TestFromBytesInPlace(t *testing.T) {
	if !littleEndian {
		t.Skip("in-place loading needs a little-endian machine")
	}
	keys := randomKeys(5000, 1)
	b, _ := mustBuild(t, keys, Options{}).MarshalBinary()
	tab, _, err := FromBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	before := make([]uint64, len(keys))
	for i, k := range keys {
		before[i] = tab.Lookup(k)
	}
	p := 8 * (headerWords + len(tab.meta)) // first pilot byte
	for i := range 8 * len(tab.pilots) {
		b[p+i]++
	}
	changed := 0
	for i, k := range keys {
		if tab.Lookup(k) != before[i] {
			changed++
		}
	}
	if changed < len(keys)/2 {
		t.Fatalf("only %d of %d lookups changed with every pilot", changed, len(keys))
	}
}

func TestFromWordsCorrupt(t *testing.T) {
	keys := randomKeys(10_000, 2)
	good := mustBuild(t, keys, Options{PartKeys: 1024}).AppendWords(nil)
	mutate := func(f func(w []uint64)) []uint64 {
		w := slices.Clone(good)
		f(w)
		return w
	}
	cases := map[string][]uint64{
		"empty":        nil,
		"short header": good[:headerWords-1],
		"truncated":    good[:len(good)-1],
		"magic":        mutate(func(w []uint64) { w[0]++ }),
		"n":            mutate(func(w []uint64) { w[1]++ }),
		"n huge":       mutate(func(w []uint64) { w[1] = 1 << 63 }),
		"parts 0":      mutate(func(w []uint64) { w[3] = 0 }),
		"parts huge":   mutate(func(w []uint64) { w[3] = 1 << 62 }),
		"parts+1":      mutate(func(w []uint64) { w[3]++ }),
		"buckets odd":  mutate(func(w []uint64) { w[4]++ }),
		"buckets huge": mutate(func(w []uint64) { w[4] = 1 << 61 }),
		"remap len":    mutate(func(w []uint64) { w[5]++ }),
		"width":        mutate(func(w []uint64) { w[6]++ }),
		"total":        mutate(func(w []uint64) { w[7]++ }),
		"meta0":        mutate(func(w []uint64) { w[headerWords] = 1 }),
		"meta order":   mutate(func(w []uint64) { w[headerWords+2] = w[headerWords+1] }),
		"meta last":    mutate(func(w []uint64) { w[headerWords+int(w[3])]++ }),
		"salt":         mutate(func(w []uint64) { w[headerWords+1] |= maxSalt << offsetBits }),
		"remap value":  mutate(func(w []uint64) { w[len(w)-2] = ^uint64(0) }),
	}
	for name, w := range cases {
		if _, _, err := FromWords(w); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: err = %v, want ErrFormat", name, err)
		}
	}
	if _, _, err := FromBytes(make([]byte, 12)); !errors.Is(err, ErrFormat) {
		t.Errorf("FromBytes(12 bytes): %v", err)
	}
}

// FuzzLoad feeds arbitrary bytes to FromBytes: it must never panic, and
// any Table it accepts must answer every Lookup in range.
func FuzzLoad(f *testing.F) {
	for _, n := range []int{0, 1, 3, 100, 3000} {
		b, _ := mustBuild(f, randomKeys(n, 1), Options{PartKeys: 256}).MarshalBinary()
		f.Add(b)
	}
	f.Add([]byte("GMPHF\x1a\x01\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tab, rest, err := FromBytes(b)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error does not wrap ErrFormat: %v", err)
			}
			return
		}
		if 8*tab.SizeWords()+len(rest) != len(b) {
			t.Fatalf("size %d words + rest %d bytes != %d bytes", tab.SizeWords(), len(rest), len(b))
		}
		n := uint64(tab.Len())
		for i := range uint64(200) {
			v := tab.Lookup(i * 0x9e3779b97f4a7c15)
			if (n == 0 && v != 0) || (n > 0 && v >= n) {
				t.Fatalf("Lookup = %d for %d keys", v, n)
			}
		}
		// What loads must serialize back to the same bytes.
		out, _ := tab.MarshalBinary()
		if !bytes.Equal(out, b[:len(b)-len(rest)]) {
			t.Fatal("re-serialization differs")
		}
	})
}
