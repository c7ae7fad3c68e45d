//go:build !isal

package zio

import (
	"bufio"

	"github.com/klauspost/compress/gzip"
)

// inflater decompresses a gzip stream.
type inflater interface {
	Read(p []byte) (int, error)
	Close() error
}

// Inflater names the gzip decoder this build uses.
const Inflater = "klauspost/compress (pure Go)"

// newInflater returns the default, pure-Go decoder (klauspost/compress),
// reading every member of a multi-member stream.
func newInflater(br *bufio.Reader) (inflater, error) {
	return gzip.NewReader(br)
}
