package index

import (
	"context"
	"os"
	"testing"
)

const kallistoTest = "/usr/share/doc/kallisto/test/transcripts.fasta.gz"

// The numbers come from kallisto 0.48 on the same file: "[build] target de
// Bruijn graph has 27 contigs and contains 22118 k-mers" and inspect's
// "number of equivalence classes = 20".
func TestBuildKallistoTestTranscripts(t *testing.T) {
	if _, err := os.Stat(kallistoTest); err != nil {
		t.Skip("kallisto-examples not installed")
	}
	x, err := Build(context.Background(), []string{kallistoTest}, BuildOptions{K: 31})
	if err != nil {
		t.Fatal(err)
	}
	if x.NumKmers() != 22118 || x.NumContigs() != 27 || x.NumECs() != 20 || x.NumTargets() != 14 {
		t.Errorf("got %d k-mers, %d contigs, %d ECs, %d targets; want 22118, 27, 20, 14",
			x.NumKmers(), x.NumContigs(), x.NumECs(), x.NumTargets())
	}
	st := x.Stats()
	t.Logf("%+v", st)
}
