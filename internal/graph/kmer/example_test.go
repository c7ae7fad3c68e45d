package kmer_test

import (
	"fmt"

	"github.com/gallisto/gallisto/internal/graph/kmer"
)

// The iterator walks the k-mers of a read, skipping every window that
// holds a letter other than A, C, G or T; Canonical gives the smaller of a
// k-mer and its reverse complement, the form the index stores.
func ExampleIterator() {
	s := kmer.MustShape(5)
	for it := kmer.NewIterator(s, []byte("ACGTTNGGCATAT")); !it.Done(); it.Next() {
		c, fw := it.Canonical()
		fmt.Printf("%d %s canonical %s (forward %v)\n", it.Pos(), s.String(it.Kmer()), s.String(c), fw)
	}
	// Output:
	// 0 ACGTT canonical AACGT (forward false)
	// 6 GGCAT canonical ATGCC (forward false)
	// 7 GCATA canonical GCATA (forward true)
	// 8 CATAT canonical ATATG (forward false)
}
