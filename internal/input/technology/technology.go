// Package technology describes where a single-cell technology puts the cell
// barcode, the UMI and the cDNA in its reads: kallisto 0.48's -x table
// (src/main.cpp CheckOptionsBus, `kallisto bus --list`) and its custom
// "bc:umi:seq" strings (ParseTechnology), with the same defaults.
//
// A segment is (file, start, stop): the bases [start, stop) of the read of
// file number file (0-based) of each group of Files files; stop 0 means to
// the end of the read. The barcode is the concatenation of the barcode
// segments, likewise the UMI. The cDNA is one segment; two segments with a
// paired technology (SmartSeq3, Bulk with --paired, a custom string with
// two and --paired) are the two mates of a pair; any other number of
// segments is read as one sequence, the segments joined by an N each (as
// kallisto does).
//
// Where gallisto differs: kallisto collects the range errors of a custom
// string (a negative file or start, a stop before its start) but never
// prints them and runs anyway, dropping every read; gallisto refuses such a
// string with the first error.
package technology

import (
	"fmt"
	"strconv"
	"strings"
)

// Strand is a technology's default strand filter, numbered as
// Strand (which this package, an input stage, does not import).
type Strand int

// The strands.
const (
	Unstranded Strand = iota
	FR                // cDNA read on the transcript's strand (--fr-stranded)
	RF                // --rf-stranded
)

// Segment is a stretch of one read of a group.
type Segment struct {
	File, Start, Stop int // Stop 0: to the end of the read
}

// Technology is a read layout.
type Technology struct {
	Name    string // as given (upper-cased for the built-in ones)
	Files   int    // files per group (per lane)
	Barcode []Segment
	UMI     []Segment // empty: no UMI (Bulk), every record's UMI is all ones
	Seq     []Segment
	// Paired: the two Seq segments are the mates of a pair.
	Paired bool
	// Strand is the default strand filter (kallisto's per technology).
	Strand Strand
	// Tag is the SmartSeq3 UMI tag: reads whose UMI starts with it (within
	// one mismatch) are UMI reads, the others are not.
	Tag string
}

// SmartSeq3Tag is kallisto 0.48's default -T for SmartSeq3.
const SmartSeq3Tag = "ATTGCGCAATG"

type builtin struct {
	name, desc string
	make       func(paired bool) Technology
}

func seg(f, a, b int) Segment { return Segment{f, a, b} }

// The table of kallisto 0.48's CheckOptionsBus (non-BAM branch).
var builtins = []builtin{
	{"10xv1", "10x version 1 chemistry", func(bool) Technology {
		return Technology{Files: 3, Barcode: []Segment{seg(0, 0, 14)}, UMI: []Segment{seg(1, 0, 10)}, Seq: []Segment{seg(2, 0, 0)}, Strand: FR}
	}},
	{"10xv2", "10x version 2 chemistry", func(bool) Technology {
		return Technology{Files: 2, Barcode: []Segment{seg(0, 0, 16)}, UMI: []Segment{seg(0, 16, 26)}, Seq: []Segment{seg(1, 0, 0)}, Strand: FR}
	}},
	{"10xv3", "10x version 3 chemistry", func(bool) Technology {
		return Technology{Files: 2, Barcode: []Segment{seg(0, 0, 16)}, UMI: []Segment{seg(0, 16, 28)}, Seq: []Segment{seg(1, 0, 0)}, Strand: FR}
	}},
	{"Bulk", "Bulk RNA-seq or Smart-seq2 (multiplexed)", func(paired bool) Technology {
		t := Technology{Files: 3, Barcode: []Segment{seg(0, 0, 0), seg(1, 0, 0)}, Seq: []Segment{seg(2, 0, 0)}}
		if paired {
			t.Files, t.Seq, t.Paired = 4, append(t.Seq, seg(3, 0, 0)), true
		}
		return t
	}},
	{"BDWTA", "BD Rhapsody WTA", func(bool) Technology {
		return Technology{Files: 2, Barcode: []Segment{seg(0, 0, 9), seg(0, 21, 30), seg(0, 43, 52)}, UMI: []Segment{seg(0, 52, 60)}, Seq: []Segment{seg(1, 0, 0)}, Strand: FR}
	}},
	{"CELSeq", "CEL-Seq", func(bool) Technology {
		return Technology{Files: 2, Barcode: []Segment{seg(0, 0, 8)}, UMI: []Segment{seg(0, 8, 12)}, Seq: []Segment{seg(1, 0, 0)}, Strand: FR}
	}},
	{"CELSeq2", "CEL-Seq version 2", func(bool) Technology {
		return Technology{Files: 2, Barcode: []Segment{seg(0, 6, 12)}, UMI: []Segment{seg(0, 0, 6)}, Seq: []Segment{seg(1, 0, 0)}, Strand: FR}
	}},
	{"DropSeq", "DropSeq", func(bool) Technology {
		return Technology{Files: 2, Barcode: []Segment{seg(0, 0, 12)}, UMI: []Segment{seg(0, 12, 20)}, Seq: []Segment{seg(1, 0, 0)}}
	}},
	{"inDropsv1", "inDrops version 1 chemistry", func(bool) Technology {
		return Technology{Files: 2, Barcode: []Segment{seg(0, 0, 11), seg(0, 30, 38)}, UMI: []Segment{seg(0, 42, 48)}, Seq: []Segment{seg(1, 0, 0)}}
	}},
	{"inDropsv2", "inDrops version 2 chemistry", func(bool) Technology {
		return Technology{Files: 2, Barcode: []Segment{seg(1, 0, 11), seg(1, 30, 38)}, UMI: []Segment{seg(1, 42, 48)}, Seq: []Segment{seg(0, 0, 0)}}
	}},
	{"inDropsv3", "inDrops version 3 chemistry", func(bool) Technology {
		return Technology{Files: 3, Barcode: []Segment{seg(0, 0, 8), seg(1, 0, 8)}, UMI: []Segment{seg(1, 8, 14)}, Seq: []Segment{seg(2, 0, 0)}}
	}},
	{"SCRBSeq", "SCRB-Seq", func(bool) Technology {
		return Technology{Files: 2, Barcode: []Segment{seg(0, 0, 6)}, UMI: []Segment{seg(0, 6, 16)}, Seq: []Segment{seg(1, 0, 0)}}
	}},
	{"SmartSeq3", "Smart-seq3", func(bool) Technology {
		// kallisto's UMI segment 2:0-19 moved past the tag (-T)
		return Technology{Files: 4, Barcode: []Segment{seg(0, 0, 0), seg(1, 0, 0)}, UMI: []Segment{seg(2, len(SmartSeq3Tag), 19)}, Seq: []Segment{seg(2, 22, 0), seg(3, 0, 0)}, Paired: true, Strand: FR, Tag: SmartSeq3Tag}
	}},
	{"SPLiT-seq", "SPLiT-seq", func(bool) Technology {
		return Technology{Files: 2, Barcode: []Segment{seg(1, 10, 18), seg(1, 48, 56), seg(1, 78, 86)}, UMI: []Segment{seg(1, 0, 10)}, Seq: []Segment{seg(0, 0, 0)}}
	}},
	{"SureCell", "SureCell for ddSEQ", func(bool) Technology {
		return Technology{Files: 2, Barcode: []Segment{seg(0, 0, 6), seg(0, 21, 27), seg(0, 42, 48)}, UMI: []Segment{seg(0, 51, 59)}, Seq: []Segment{seg(1, 0, 0)}, Strand: FR}
	}},
	{"Visium", "10x Visium Spatial Transcriptomics", func(bool) Technology {
		return Technology{Files: 2, Barcode: []Segment{seg(0, 0, 16)}, UMI: []Segment{seg(0, 16, 28)}, Seq: []Segment{seg(1, 0, 0)}, Strand: FR}
	}},
}

// List is kallisto's `bus --list` table.
func List() string {
	var b strings.Builder
	b.WriteString("List of supported single-cell technologies\n\nshort name       description\n----------       -----------\n")
	for _, t := range builtins {
		fmt.Fprintf(&b, "%-17s%s\n", t.name, t.desc)
	}
	return b.String()
}

// Parse returns the technology named by s (a name of List, in any case)
// or described by a custom "bc:umi:seq" string; paired is kallisto's
// --paired (Bulk and custom strings with two cDNA segments).
func Parse(s string, paired bool) (Technology, error) {
	up := strings.ToUpper(s)
	for _, b := range builtins {
		if strings.ToUpper(b.name) == up {
			t := b.make(paired)
			t.Name = up
			if paired && !t.Paired {
				return t, fmt.Errorf("technology %s: paired reads are not compatible with it (--paired)", b.name)
			}
			return t, nil
		}
	}
	return parseCustom(s, paired)
}

func parseCustom(s string, paired bool) (Technology, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		what := [...]string{"none found", "only one found", "", "three found"}
		n := len(parts) - 1
		msg := "more than two found"
		if n < len(what) {
			msg = what[n]
		}
		if n == 0 && !strings.Contains(s, ",") {
			return Technology{}, fmt.Errorf("unknown technology %q: give one of kallisto's names (gallisto bus --list) or a custom bc:umi:seq string such as 0,0,16:0,16,26:1,0,0", s)
		}
		return Technology{}, fmt.Errorf("technology string must contain two colons (:), %s: %q", msg, s)
	}
	t := Technology{Name: s}
	maxFile := 0
	for i, name := range []string{"barcode", "UMI", "sequence"} {
		segs, err := parseSegments(parts[i], name)
		if err != nil {
			return t, fmt.Errorf("technology %q: %w", s, err)
		}
		for _, g := range segs {
			maxFile = max(maxFile, g.File)
		}
		switch i {
		case 0:
			t.Barcode = segs
		case 1:
			t.UMI = segs
		case 2:
			t.Seq = segs
		}
	}
	t.Files = maxFile + 1
	switch {
	case paired && len(t.Seq) != 2:
		return t, fmt.Errorf("technology %q: --paired needs exactly two sequence segments, got %d", s, len(t.Seq))
	case paired:
		t.Paired = true
	}
	return t, nil
}

// parseSegments reads a comma list of file,start,stop triples.
func parseSegments(s, name string) ([]Segment, error) {
	var v []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not an integer", name, f)
		}
		v = append(v, n)
	}
	if len(v)%3 != 0 {
		return nil, fmt.Errorf("%s: %q: the number of values must be a multiple of 3 (file,start,stop)", name, s)
	}
	var segs []Segment
	for i := 0; i < len(v); i += 3 {
		g := Segment{v[i], v[i+1], v[i+2]}
		switch {
		case g.File < 0:
			return nil, fmt.Errorf("%s: invalid file number %d", name, g.File)
		case g.Start < 0:
			return nil, fmt.Errorf("%s: invalid start %d", name, g.Start)
		case g.Stop != 0 && g.Stop <= g.Start:
			return nil, fmt.Errorf("%s: invalid stop %d: has to be after start %d (or 0, to the end of the read)", name, g.Stop, g.Start)
		}
		segs = append(segs, g)
	}
	return segs, nil
}

// fixedLen is the summed length of segs, or 0 when one is open-ended.
func fixedLen(segs []Segment) int {
	n := 0
	for _, g := range segs {
		if g.Stop == 0 {
			return 0
		}
		n += g.Stop - g.Start
	}
	return n
}

// BarcodeLen is the barcode's length in bases, or 0 when it depends on
// the reads (an open-ended segment).
func (t Technology) BarcodeLen() int { return fixedLen(t.Barcode) }

// UMILen is the UMI's length, 0 when it depends on the reads or there is
// no UMI.
func (t Technology) UMILen() int { return fixedLen(t.UMI) }

// WithTag returns t with a UMI tag (kallisto's -T/--tag): reads whose
// first UMI segment is preceded by the tag (within one mismatch) are UMI
// reads; the first UMI segment starts len(tag) bases later.
func (t Technology) WithTag(tag string) (Technology, error) {
	if len(t.UMI) == 0 {
		return t, fmt.Errorf("technology %s has no UMI, so no UMI tag (--tag)", t.Name)
	}
	u := append([]Segment(nil), t.UMI...)
	u[0].Start += len(tag)
	if u[0].Stop != 0 && u[0].Start >= u[0].Stop {
		return t, fmt.Errorf("the tag sequence (--tag) must be shorter than the UMI")
	}
	t.UMI, t.Tag = u, strings.ToUpper(tag)
	return t, nil
}

// MinLen is, for each file of a group, the shortest read the technology
// can take the barcode and UMI from (Extract skips shorter ones).
func (t Technology) MinLen() []int {
	m := make([]int, t.Files)
	for _, segs := range [][]Segment{t.Barcode, t.UMI} {
		for _, g := range segs {
			need := g.Start + 1
			if g.Stop > 0 {
				need = g.Stop
			}
			m[g.File] = max(m[g.File], need)
		}
	}
	return m
}
