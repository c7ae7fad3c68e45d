package quant

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/gallisto/gallisto/internal/input/fastq"
	"github.com/gallisto/gallisto/internal/input/zio"
)

// batchReads is the number of reads (pairs) per unit of work: large enough
// to amortise channel traffic, small enough that a few batches per worker
// stay within a few MB.
const batchReads = 16384

// Log lines gallisto adds to kallisto's (kallisto's own lines are kept
// byte for byte, so MultiQC reads the log as kallisto's).
const (
	// logUnaligned starts the breakdown of the reads that did not
	// pseudoalign, by cause (the keys of run_info.json's n_unaligned),
	// printed after "[quant] processed ..." when there are any.
	logUnaligned = "[quant] not pseudoaligned: "
	// logRemovedStale reports temporary files of killed runs removed from
	// the output directory.
	logRemovedStale = "[quant] removed "
	// logModel names the model of --model full (the default, kallisto's,
	// is not named, as kallisto does not).
	logModel = "[quant] model: "
)

// ExtraLogPrefixes lists the prefixes of the log lines gallisto adds to
// kallisto's; removing the lines that start with them leaves kallisto's log.
var ExtraLogPrefixes = []string{logUnaligned, logRemovedStale, logModel}

// readInputs says how the read files hold the fragments.
type readInputs struct {
	files []string
	// paired: two mates per fragment, in files R1 R2 R1' R2' ..., or, when
	// interleaved, each record of each file followed by its mate.
	paired, interleaved bool
	checkNames          bool // mates must have matching names
}

// inputs returns the read layout the options ask for.
func (o *Options) inputs() readInputs {
	return readInputs{files: o.Files, paired: !o.Single, interleaved: o.Interleaved, checkNames: !o.NoNameCheck}
}

// checkInputFiles reports read-file mistakes that would otherwise go
// unnoticed: standard input named twice (the second reader would see
// nothing), and one file given as both mates of a pair (the mates would
// match by name and count).
func (o *Options) checkInputFiles() []string {
	var errs []string
	stdin := 0
	for _, f := range o.Files {
		if f == zio.Stdin {
			stdin++
		}
	}
	if stdin > 1 {
		errs = append(errs, fmt.Sprintf("standard input (-) is given %d times; it can be read only once", stdin))
	}
	in := o.inputs()
	if !in.paired || in.interleaved {
		return errs
	}
	for i, u := range in.units() {
		if len(u) != 2 || u[0] == zio.Stdin || u[1] == zio.Stdin {
			continue
		}
		s1, err1 := os.Stat(u[0])
		s2, err2 := os.Stat(u[1])
		if u[0] == u[1] || (err1 == nil && err2 == nil && os.SameFile(s1, s2)) {
			errs = append(errs, fmt.Sprintf("pair %d: %s is given as both mates (R1 R2); for one file holding both mates use --interleaved", i+1, u[1]))
		}
	}
	return errs
}

// units splits the files into the groups read together: one file per
// fragment source (single-end or interleaved), or a pair of mate files.
func (in readInputs) units() [][]string {
	step := 1
	if in.paired && !in.interleaved {
		step = 2
	}
	var u [][]string
	for i := 0; i+step <= len(in.files); i += step {
		u = append(u, in.files[i:i+step])
	}
	return u
}

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
// two mates' files are decompressed in parallel. An interleaved file yields
// both mates' batches at once.
type fileReader struct {
	path string
	out  chan [2]*fastq.Batch // [1] is nil unless interleaved
	free chan *fastq.Batch
	err  error // valid once out is closed
}

func startFileReader(ctx context.Context, path string, nbuf int, interleaved bool) (*fileReader, error) {
	f, err := zio.Open(path)
	if err != nil {
		return nil, err
	}
	nb := nbuf
	if interleaved {
		nb *= 2
	}
	fr := &fileReader{path: path, out: make(chan [2]*fastq.Batch, 1), free: make(chan *fastq.Batch, nb)}
	for i := 0; i < nb; i++ {
		fr.free <- new(fastq.Batch)
	}
	go func() {
		defer close(fr.out)
		defer f.Close()
		r := fastq.NewReader(f, path)
		take := func() *fastq.Batch {
			select {
			case b := <-fr.free:
				return b
			case <-ctx.Done():
				return nil
			}
		}
		for {
			var bs [2]*fastq.Batch
			var err error
			if bs[0] = take(); bs[0] == nil {
				return
			}
			if interleaved {
				if bs[1] = take(); bs[1] == nil {
					return
				}
				err = r.ReadPairs(bs[0], bs[1], batchReads)
			} else {
				err = r.Read(bs[0], batchReads)
			}
			if err != nil {
				if err != io.EOF {
					fr.err = err
				}
				return
			}
			select {
			case fr.out <- bs:
			case <-ctx.Done():
				return
			}
		}
	}()
	return fr, nil
}

// next returns the reader's next batch (two when interleaved), nil at the
// end, or its error. It returns at once when ctx is cancelled, even if the
// reader is blocked on an input that sends nothing (a pipe, a terminal).
func (fr *fileReader) next(ctx context.Context) ([2]*fastq.Batch, error) {
	select {
	case bs, ok := <-fr.out:
		if !ok {
			return bs, fr.err
		}
		return bs, nil
	case <-ctx.Done():
		return [2]*fastq.Batch{}, ctx.Err()
	}
}

// produce reads all inputs in order and sends batches to out; it closes out
// when done. nbuf is the number of batch buffers per file.
func produce(ctx context.Context, in readInputs, nbuf int, out chan<- *readBatch) error {
	defer close(out)
	seq := 0
	for _, files := range in.units() {
		if err := produceInput(ctx, files, in, nbuf, out, &seq); err != nil {
			return err
		}
	}
	return nil
}

// produceInput reads one single-end or interleaved file, or one pair of
// mate files.
func produceInput(ctx context.Context, files []string, in readInputs, nbuf int, out chan<- *readBatch, seq *int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the readers on error
	var rb readBatch
	for i, f := range files {
		fr, err := startFileReader(ctx, f, nbuf, in.interleaved)
		if err != nil {
			return err
		}
		rb.home[i] = fr
	}
	mates := files
	if in.interleaved {
		rb.home[1] = rb.home[0]
		mates = []string{files[0], files[0]}
	}
	for {
		bs, err := rb.home[0].next(ctx)
		if err != nil {
			return err
		}
		b1, b2 := bs[0], bs[1]
		if len(files) == 2 {
			bs2, err := rb.home[1].next(ctx)
			if err != nil {
				return err
			}
			b2 = bs2[0]
		}
		if in.paired {
			if err := checkMates(mates, b1, b2, in.checkNames); err != nil {
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
			if files[0] == files[1] {
				return fmt.Errorf("%s line %d: read name %q does not match %q at line %d: the file is not interleaved (each record followed by its mate) (--no-name-check skips this check)",
					files[1], b2.Line(i), b2.Name(i), b1.Name(i), b1.Line(i))
			}
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
