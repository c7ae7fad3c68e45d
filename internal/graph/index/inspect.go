package index

import (
	"fmt"
	"io"
	"slices"
)

// Stats summarises an index the way kallisto's inspect command does.
type Stats struct {
	FormatVersion int
	K             int
	Targets       int
	ECs           int
	Contigs       int
	Kmers         int
	// TargetsPerEC[n] is the number of classes with n transcripts.
	TargetsPerEC map[int]int
	// KmersPerECSize[n] is the number of k-mers whose class has n transcripts.
	KmersPerECSize map[int]int
}

// Stats computes the summary.
func (x *Index) Stats() Stats {
	st := Stats{
		FormatVersion: FormatVersion, K: x.Shape.K, Targets: x.NumTargets(), ECs: x.NumECs(),
		Contigs: x.NumContigs(), Kmers: x.NumKmers(),
		TargetsPerEC: map[int]int{}, KmersPerECSize: map[int]int{},
	}
	for e := 0; e < x.NumECs(); e++ {
		st.TargetsPerEC[len(x.EC(uint32(e)))]++
	}
	for c, l := range x.ContigLen {
		st.KmersPerECSize[len(x.EC(x.ContigEC[c]))] += int(l)
	}
	return st
}

// WriteInspect prints st in kallisto inspect's layout.
func (st Stats) WriteInspect(w io.Writer) error {
	_, err := fmt.Fprintf(w, "#[inspect] Index version number = %d (gallisto index format)\n"+
		"#[inspect] k = %d\n#[inspect] number of targets = %d\n"+
		"#[inspect] number of equivalence classes = %d\n#[inspect] number of contigs = %d\n"+
		"#[inspect] Number of k-mers in index = %d\n",
		st.FormatVersion, st.K, st.Targets, st.ECs, st.Contigs, st.Kmers)
	if err != nil {
		return err
	}
	hist := func(title string, m map[int]int) {
		fmt.Fprintf(w, "#EC.size\t%s\n", title)
		keys := make([]int, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "%d\t%d\n", k, m[k])
		}
	}
	hist("Num.targets", st.TargetsPerEC)
	fmt.Fprint(w, "\n\n")
	hist("Num.kmers", st.KmersPerECSize)
	return nil
}
