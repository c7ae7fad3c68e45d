// Package lanes reads groups of FASTQ/FASTA files in lockstep, in batches,
// for the pipelines that process reads in parallel (quant, bus, count).
//
// A group is the files that hold the parts of one set of fragments, read
// by read: one file of single-end reads, the two mate files of a pair, one
// interleaved file (each record followed by its mate), or a single-cell
// technology's files (barcode and UMI read, cDNA read, index reads). The
// groups of a run are read one after the other (several lanes of one
// sample), and batches are numbered in input order over all of them.
//
// Each file is decompressed and parsed on its own goroutine, so the files
// of a group are read in parallel. Every reader owns a fixed number of
// batch buffers, which a batch's consumer hands back (Batch.Release): a
// reader that runs ahead of the consumers blocks, so memory stays bounded
// whatever the input size. The files of a group must hold the same number
// of reads, and, unless disabled, reads with the same names (after
// removing /1 or /2; comments after white space are not part of a name).
package lanes

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/gallisto/gallisto/internal/input/fastq"
	"github.com/gallisto/gallisto/internal/input/zio"
)

// BatchReads is the number of reads (groups of reads) per batch: large
// enough that handing batches between goroutines costs little, small
// enough that a batch of each file fits in cache.
const BatchReads = 16384

// Groups says how to read a run's files.
type Groups struct {
	// Files in groups of PerGroup (PerGroup 1 when Interleaved).
	Files    []string
	PerGroup int
	// Interleaved: each file holds two reads per fragment, every record
	// followed by its mate (PerGroup must be 1).
	Interleaved bool
	// CheckNames: the reads of a fragment must have the same name.
	CheckNames bool
}

// List splits the files into their groups.
func (g Groups) List() [][]string {
	step := max(g.PerGroup, 1)
	var out [][]string
	for i := 0; i+step <= len(g.Files); i += step {
		out = append(out, g.Files[i:i+step])
	}
	return out
}

// width is the number of reads per fragment.
func (g Groups) width() int {
	if g.Interleaved {
		return 2
	}
	return max(g.PerGroup, 1)
}

// Batch is consecutive reads of one group: Reads[i] holds the reads of
// its i-th file (or mate, interleaved), all of the same length. Seq
// numbers batches in input order over all groups.
type Batch struct {
	Seq   int
	Group int // index of the group in Groups.List
	Reads []*fastq.Batch
	home  []*fileReader
}

// Len is the number of fragments in the batch.
func (b *Batch) Len() int { return b.Reads[0].Len() }

// Release hands the batch's buffers back to the readers that filled them.
func (b *Batch) Release() {
	for i, r := range b.Reads {
		b.home[i].free <- r
	}
}

// fileReader reads one file into batches on its own goroutine. An
// interleaved file yields both mates' batches at once.
type fileReader struct {
	path string
	out  chan [2]*fastq.Batch // [1] is nil unless interleaved
	free chan *fastq.Batch
	err  error // valid once out is closed
}

// startFileReader starts reading path; names says whether the reads'
// names are kept (for the mates' name check).
func startFileReader(ctx context.Context, path string, nbuf int, interleaved, names bool) (*fileReader, error) {
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
		r.SkipNames = !names
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
				err = r.ReadPairs(bs[0], bs[1], BatchReads)
			} else {
				err = r.Read(bs[0], BatchReads)
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

// Produce reads every group in order and sends its batches to out; it
// closes out when done. nbuf is the number of batch buffers per file.
func Produce(ctx context.Context, g Groups, nbuf int, out chan<- *Batch) error {
	defer close(out)
	seq := 0
	for i, files := range g.List() {
		if err := produceGroup(ctx, g, i, files, nbuf, out, &seq); err != nil {
			return err
		}
	}
	return nil
}

func produceGroup(ctx context.Context, g Groups, gi int, files []string, nbuf int, out chan<- *Batch, seq *int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the readers on error
	readers := make([]*fileReader, len(files))
	for i, f := range files {
		fr, err := startFileReader(ctx, f, nbuf, g.Interleaved, g.CheckNames && g.width() > 1)
		if err != nil {
			return err
		}
		readers[i] = fr
	}
	names, home := files, readers
	if g.Interleaved {
		names, home = []string{files[0], files[0]}, []*fileReader{readers[0], readers[0]}
	}
	for {
		reads := make([]*fastq.Batch, g.width())
		for i, fr := range readers {
			bs, err := fr.next(ctx)
			if err != nil {
				return err
			}
			if g.Interleaved {
				reads[0], reads[1] = bs[0], bs[1]
			} else {
				reads[i] = bs[0]
			}
		}
		if len(reads) > 1 {
			if err := CheckMates(names, reads, g.CheckNames); err != nil {
				return err
			}
		}
		if reads[0] == nil {
			return nil
		}
		b := &Batch{Seq: *seq, Group: gi, Reads: reads, home: home}
		*seq++
		select {
		case out <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// CheckMates verifies that the batches of a group's files hold the same
// number of reads and, when checkNames, reads with the same names. A nil
// batch is the end of its file.
func CheckMates(files []string, bs []*fastq.Batch, checkNames bool) error {
	n0 := length(bs[0])
	for i := 1; i < len(bs); i++ {
		if ni := length(bs[i]); ni != n0 {
			first := int64(0)
			for _, b := range bs {
				if b != nil {
					first = b.First
				}
			}
			short, long := files[0], files[i]
			if ni < n0 {
				short, long = long, short
			}
			kind := "paired files"
			if len(bs) > 2 {
				kind = "the files of a read group"
			}
			return fmt.Errorf("%s have different numbers of reads: %s ends after %d reads, %s has more",
				kind, short, first+int64(min(n0, ni)), long)
		}
	}
	if !checkNames || n0 == 0 {
		return nil
	}
	for i := 0; i < n0; i++ {
		want := MateName(bs[0].Name(i))
		for j := 1; j < len(bs); j++ {
			b := bs[j]
			if bytes.Equal(MateName(b.Name(i)), want) {
				continue
			}
			if files[0] == files[j] {
				return fmt.Errorf("%s line %d: read name %q does not match %q at line %d: the file is not interleaved (each record followed by its mate) (--no-name-check skips this check)",
					files[j], b.Line(i), b.Name(i), bs[0].Name(i), bs[0].Line(i))
			}
			return fmt.Errorf("%s line %d: read name %q does not match %q at %s line %d: the files are not mates or not in the same order (--no-name-check skips this check)",
				files[j], b.Line(i), b.Name(i), bs[0].Name(i), files[0], bs[0].Line(i))
		}
	}
	return nil
}

func length(b *fastq.Batch) int {
	if b == nil {
		return 0
	}
	return b.Len()
}

// MateName strips a trailing "/1" or "/2" (old Illumina mate suffixes).
func MateName(n []byte) []byte {
	if l := len(n); l >= 2 && n[l-2] == '/' && (n[l-1] == '1' || n[l-1] == '2') {
		return n[:l-2]
	}
	return n
}
