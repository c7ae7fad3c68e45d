package index

import (
	"encoding/binary"
	"go/parser"
	"go/token"
	"hash/crc32"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unsafe"
)

// docSections returns the section names of the file format as the package
// documentation lists them (the indented block after "then these
// sections").
func docSections(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "index.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	doc := f.Doc.Text()
	_, rest, ok := strings.Cut(doc, "then these sections")
	if !ok {
		t.Fatal(`package doc has no "then these sections" block`)
	}
	name := regexp.MustCompile(`^\t(\S.*?)\s{2,}`)
	var names []string
	started := false
	for _, line := range strings.Split(rest, "\n") {
		if m := name.FindStringSubmatch(line); m != nil {
			names, started = append(names, m[1]), true
		} else if started && !strings.HasPrefix(line, "\t ") {
			break // end of the block
		}
	}
	return names
}

// TestFileLayout walks a written index file by the layout the package
// documentation gives, independently of the decoder: the header's counts
// give every section's size, each section holds what the Index holds, the
// dictionary's parts are skipped by their own word counts, and the
// checksum word comes exactly after the last section. A change to the
// writer that the documentation does not follow (or the reverse) fails.
func TestFileLayout(t *testing.T) {
	x, path := smallIndex(t)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw)%8 != 0 {
		t.Fatalf("file of %d bytes is not whole words", len(raw))
	}
	w := make([]uint64, len(raw)/8)
	for i := range w {
		w[i] = binary.LittleEndian.Uint64(raw[8*i:])
	}
	if string(raw[:8]) != "GALLIDX\x1a" {
		t.Fatalf("magic %q", raw[:8])
	}
	if v, k := uint32(w[1]), w[1]>>32; v != FormatVersion || int(k) != x.Shape.K {
		t.Fatalf("word 1: version %d k %d", v, k)
	}
	T, C, E, N, P, M, B, S := w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9]
	if int(T) != x.NumTargets() || int(C) != x.NumContigs() || int(E) != x.NumECs() || int(N) != x.NumKmers() ||
		int(P) != len(x.Occ) || int(M) != len(x.ECMembers) || int(S) != len(x.Seq.Words()) {
		t.Fatalf("counts %v", w[2:10])
	}
	pos := uint64(headerWords)
	words := func(n uint64) []uint64 {
		t.Helper()
		if pos+n > uint64(len(w)) {
			t.Fatalf("section of %d words at word %d runs past the end (%d words)", n, pos, len(w))
		}
		s := w[pos : pos+n]
		pos += n
		return s
	}
	u32s := func(n uint64) []uint32 {
		ws := words((n + 1) / 2)
		out := make([]uint32, n)
		for i := range out {
			out[i] = uint32(ws[i/2] >> (32 * (i % 2)))
		}
		return out
	}
	byteSec := func(n uint64) []byte {
		ws := words((n + 7) / 8)
		b := make([]byte, 0, 8*len(ws))
		for _, v := range ws {
			b = binary.LittleEndian.AppendUint64(b, v)
		}
		return b[:n]
	}
	var nameBytes []byte
	for _, n := range x.Names {
		nameBytes = append(nameBytes, n...)
	}
	lengths := make([]uint32, len(x.Lengths))
	for i, l := range x.Lengths {
		lengths[i] = uint32(l)
	}
	nameLens := make([]uint32, len(x.Names))
	for i, n := range x.Names {
		nameLens[i] = uint32(len(n))
	}
	occ := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(x.Occ))), len(x.Occ))
	sections := []struct {
		name string
		walk func() bool
	}{
		{"name lengths", func() bool { return slices.Equal(u32s(T), nameLens) }},
		{"names", func() bool { return string(byteSec(B)) == string(nameBytes) }},
		{"target lengths", func() bool { return slices.Equal(u32s(T), lengths) }},
		{"k-mer starts", func() bool { s := u32s(C + 1); return slices.Equal(s, x.KStart) && uint64(s[C]) == N }},
		{"contig classes", func() bool { return slices.Equal(u32s(C), x.ContigEC) }},
		{"pass offsets", func() bool { s := u32s(C + 1); return slices.Equal(s, x.OccOff) && uint64(s[C]) == P }},
		{"passes", func() bool { return slices.Equal(words(P), occ) }},
		{"class offsets", func() bool { s := u32s(E + 1); return slices.Equal(s, x.ECOff) && uint64(s[E]) == M }},
		{"class members", func() bool { return slices.Equal(u32s(M), x.ECMembers) }},
		{"contig sequence", func() bool { return slices.Equal(words(S), x.Seq.Words()) }},
		{"adjacency", func() bool { return slices.Equal(u32s(8*C), x.adj) }},
		{"dictionary", func() bool {
			h := words(3)
			parts, keys, filter := h[0], h[1], h[2]
			for range parts {
				total := w[pos+7] // mphf header word 7: the table's words
				words(total)
			}
			words((keys + 1) / 2)
			words(filter)
			return keys == N
		}},
	}
	var names []string
	for _, s := range sections {
		names = append(names, s.name)
	}
	if doc := docSections(t); !slices.Equal(doc, names) {
		t.Fatalf("package doc lists sections %q; this walk (and the writer) has %q", doc, names)
	}
	for _, s := range sections {
		if !s.walk() {
			t.Errorf("section %q (ending at word %d) does not hold what the Index holds", s.name, pos)
		}
	}
	if pos != uint64(len(w))-1 {
		t.Fatalf("sections end at word %d; the checksum word should follow as the file's last (%d words)", pos, len(w))
	}
	if got, want := uint32(w[pos]), crc32.Checksum(raw[:8*pos], crc32.MakeTable(crc32.Castagnoli)); got != want || w[pos]>>32 != 0 {
		t.Errorf("checksum word %016x, want CRC-32C %08x in the low half", w[pos], want)
	}
}

func TestLittleEndianMachine(t *testing.T) {
	if !littleEndian {
		t.Skip("big-endian machine: Write and Load refuse to run (tested by the refusal itself)")
	}
	var one uint16 = 1
	if *(*byte)(unsafe.Pointer(&one)) != 1 {
		t.Error("littleEndian is true on a big-endian machine")
	}
}
