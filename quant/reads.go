package quant

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/gallisto/gallisto/fastq"
	"github.com/gallisto/gallisto/zio"
)

// batchReads is the number of reads (pairs) per unit of work: large enough
// to amortise channel traffic, small enough that a few batches per worker
// stay within a few MB.
const batchReads = 16384

// readBatch is a unit of work: consecutive reads of one input, both mates
// when paired. seq numbers batches in input order over all inputs.
type readBatch struct {
	seq    int
	r1, r2 *fastq.Batch
	home   [2]*fileReader
}

// release hands the batch's buffers back to the readers that filled them.
// Each reader owns a fixed number of buffers, so a reader that runs ahead
// of the workers blocks: memory stays bounded whatever the input size.
func (rb *readBatch) release() {
	rb.home[0].free <- rb.r1
	if rb.r2 != nil {
		rb.home[1].free <- rb.r2
	}
}

// fileReader reads one file into batches on its own goroutine, so that the
// two mates' files are decompressed in parallel.
type fileReader struct {
	path string
	out  chan *fastq.Batch
	free chan *fastq.Batch
	err  error // valid once out is closed
}

func startFileReader(ctx context.Context, path string, nbuf int) (*fileReader, error) {
	f, err := zio.Open(path)
	if err != nil {
		return nil, err
	}
	fr := &fileReader{path: path, out: make(chan *fastq.Batch, 1), free: make(chan *fastq.Batch, nbuf)}
	for i := 0; i < nbuf; i++ {
		fr.free <- new(fastq.Batch)
	}
	go func() {
		defer close(fr.out)
		defer f.Close()
		r := fastq.NewReader(f, path)
		for {
			var b *fastq.Batch
			select {
			case b = <-fr.free:
			case <-ctx.Done():
				return
			}
			if err := r.Read(b, batchReads); err != nil {
				if err != io.EOF {
					fr.err = err
				}
				return
			}
			select {
			case fr.out <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	return fr, nil
}

// next returns the reader's next batch, nil at the end, or its error.
func (fr *fileReader) next() (*fastq.Batch, error) {
	b, ok := <-fr.out
	if !ok {
		return nil, fr.err
	}
	return b, nil
}

// produce reads all inputs in order and sends batches to out; it closes out
// when done. Paired inputs are given as R1, R2, R1, R2, ... nbuf is the
// number of batch buffers per file.
func produce(ctx context.Context, files []string, paired bool, nbuf int, checkNames bool, out chan<- *readBatch) error {
	defer close(out)
	step := 1
	if paired {
		step = 2
	}
	seq := 0
	for i := 0; i < len(files); i += step {
		if err := produceInput(ctx, files[i:i+step], nbuf, checkNames, out, &seq); err != nil {
			return err
		}
	}
	return nil
}

// produceInput reads one single-end file or one pair of mate files.
func produceInput(ctx context.Context, files []string, nbuf int, checkNames bool, out chan<- *readBatch, seq *int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the readers on error
	var rb readBatch
	for i, f := range files {
		fr, err := startFileReader(ctx, f, nbuf)
		if err != nil {
			return err
		}
		rb.home[i] = fr
	}
	for {
		b1, err := rb.home[0].next()
		if err != nil {
			return err
		}
		var b2 *fastq.Batch
		if len(files) == 2 {
			if b2, err = rb.home[1].next(); err != nil {
				return err
			}
			if err := checkMates(files, b1, b2, checkNames); err != nil {
				return err
			}
		}
		if b1 == nil {
			return nil
		}
		batch := rb
		batch.seq, batch.r1, batch.r2 = *seq, b1, b2
		*seq++
		select {
		case out <- &batch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// checkMates verifies that two mate batches hold the same number of reads
// and, unless disabled, mates with the same names. A nil batch is the end
// of its file.
func checkMates(files []string, b1, b2 *fastq.Batch, checkNames bool) error {
	n1, n2 := 0, 0
	var first int64
	if b1 != nil {
		n1, first = b1.Len(), b1.First
	}
	if b2 != nil {
		n2, first = b2.Len(), b2.First
	}
	if n1 != n2 {
		short, long := files[0], files[1]
		if n2 < n1 {
			short, long = long, short
		}
		return fmt.Errorf("paired files have different numbers of reads: %s ends after %d reads, %s has more",
			short, first+int64(min(n1, n2)), long)
	}
	if !checkNames {
		return nil
	}
	for i := 0; i < n1; i++ {
		if !bytes.Equal(mateName(b1.Name(i)), mateName(b2.Name(i))) {
			return fmt.Errorf("%s line %d: read name %q does not match %q at %s line %d: the files are not mates or not in the same order (--no-name-check skips this check)",
				files[1], b2.Line(i), b2.Name(i), b1.Name(i), files[0], b1.Line(i))
		}
	}
	return nil
}

// mateName strips a trailing "/1" or "/2" (old Illumina mate suffixes);
// comments after white space are already gone.
func mateName(n []byte) []byte {
	if l := len(n); l >= 2 && n[l-2] == '/' && (n[l-1] == '1' || n[l-1] == '2') {
		return n[:l-2]
	}
	return n
}
