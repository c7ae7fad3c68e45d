//go:build !isal

package zio

import (
	"bufio"

	"github.com/gallisto/gallisto/internal/input/inflate"
)

// Inflater names the gzip decoder this build uses.
const Inflater = "gallisto/inflate (pure Go)"

// newInflater returns the default, pure-Go decoder (package inflate,
// about 2.2× the throughput of klauspost/compress on FASTQ), reading every
// member of a multi-member stream.
func newInflater(br *bufio.Reader) (inflater, error) {
	return inflate.NewReader(br)
}
