package fastq_test

import (
	"fmt"
	"strings"

	"github.com/gallisto/gallisto/internal/input/fastq"
)

// Reads come in batches that reuse their memory; every record is located
// by its line, and a malformed one is an error naming file and line.
func ExampleReader_Read() {
	in := "@r1 comment\nACGTN\n+\nIIIII\n@r2\nacgt\n+\nIIII\n"
	r := fastq.NewReader(strings.NewReader(in), "reads.fq")
	var b fastq.Batch
	if err := r.Read(&b, 1000); err != nil {
		fmt.Println(err)
	}
	for i := 0; i < b.Len(); i++ {
		fmt.Printf("line %d: %s %s\n", b.Line(i), b.Name(i), b.Seq(i))
	}

	bad := fastq.NewReader(strings.NewReader("@r1\nACGT\n+\nIII\n"), "bad.fq")
	fmt.Println(bad.Read(&b, 1000))
	// Output:
	// line 1: r1 ACGTN
	// line 5: r2 acgt
	// fastq: bad.fq line 4: sequence and quality lengths differ (4 != 3)
}
