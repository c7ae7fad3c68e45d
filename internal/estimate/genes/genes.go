// Package genes maps transcripts to genes and sums transcript abundances to
// gene level, the way R's tximport summarizeToGene does with its default
// countsFromAbundance = "no":
//
//   - est_counts and tpm are summed over a gene's transcripts;
//   - length and eff_length are the TPM-weighted means of the transcripts'
//     lengths and effective lengths (tximport's "abundance-weighted mean");
//     for a gene whose TPM is zero they are the plain means, as tximport
//     does for genes with no abundance.
//
// The map comes from a two-column table (ParseGeneMap: transcript_id TAB
// gene_id, further columns ignored, header line optional) or a GTF
// annotation (ParseGTF: the transcript_id and gene_id attributes of its
// records). Both parsers report malformed lines with file and line number.
//
// A transcript is looked up by its full name, then by the part before the
// first '|' (GENCODE FASTA headers such as "ENST...|ENSG...|...|" become
// whole target names). Transcripts missing from the map become genes of
// their own, named after the transcript, so that gene-level counts still
// add up to the number of pseudoaligned fragments; Aggregate lists them so
// the caller can warn. (tximport instead drops them, with a message.) When
// no transcript is found at all, Aggregate fails: the map is for another
// annotation.
package genes

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gallisto/gallisto/internal/input/zio"
	"github.com/gallisto/gallisto/internal/output/abundance"
)

// Map maps transcript ids to gene ids.
type Map struct {
	Gene map[string]string // transcript id -> gene id
	line map[string]int    // where each transcript was defined, for errors
}

func newMap() *Map { return &Map{Gene: map[string]string{}, line: map[string]int{}} }

// LineError is a malformed line of a gene map or GTF file.
type LineError struct {
	File string
	Line int
	Msg  string
}

func (e *LineError) Error() string { return fmt.Sprintf("%s line %d: %s", e.File, e.Line, e.Msg) }

// set records tr -> gene from line n, refusing a conflicting definition.
func (m *Map) set(file string, n int, tr, gene string) error {
	if g, ok := m.Gene[tr]; ok {
		if g != gene {
			return &LineError{file, n, fmt.Sprintf("transcript %s is mapped to gene %s here but to %s on line %d", tr, gene, g, m.line[tr])}
		}
		return nil
	}
	m.Gene[tr] = gene
	m.line[tr] = n
	return nil
}

// maxLine bounds the length of one line (a GTF line with many attributes
// is a few kilobytes).
const maxLine = 1 << 20

// lines calls f with each line (without its line ending) and its number.
func lines(r io.Reader, file string, f func(n int, s string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxLine)
	n := 0
	for sc.Scan() {
		n++
		if err := f(n, strings.TrimSuffix(sc.Text(), "\r")); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return &LineError{file, n + 1, fmt.Sprintf("line longer than %d bytes", maxLine)}
		}
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}

// headerNames are first-column names that mark a header line of a gene map
// (tximport's tx2gene data frames use TXNAME/GENEID, others spell it out).
var headerNames = map[string]bool{
	"transcript_id": true, "transcript": true, "target_id": true, "tx_id": true,
	"txname": true, "tx": true, "transcriptid": true, "tx_name": true, "transcript_name": true,
}

// ParseGeneMap reads a transcript-to-gene table: lines of
// transcript_id TAB gene_id, optionally followed by more tab-separated
// columns (gene name, biotype, ...). A first line whose first column is a
// column name such as transcript_id, target_id or TXNAME is a header and
// skipped; empty lines and lines starting with '#' are skipped. file names
// the input in errors.
func ParseGeneMap(r io.Reader, file string) (*Map, error) {
	m := newMap()
	err := lines(r, file, func(n int, s string) error {
		if s == "" || strings.HasPrefix(s, "#") {
			return nil
		}
		f := strings.Split(s, "\t")
		if n == 1 && headerNames[strings.ToLower(strings.TrimSpace(f[0]))] {
			return nil
		}
		if len(f) < 2 {
			return &LineError{file, n, fmt.Sprintf("expected transcript_id<TAB>gene_id, found no tab in %q", clip(s))}
		}
		tr, gene := strings.TrimSpace(f[0]), strings.TrimSpace(f[1])
		if tr == "" || gene == "" {
			return &LineError{file, n, "empty transcript or gene id"}
		}
		return m.set(file, n, tr, gene)
	})
	if err != nil {
		return nil, err
	}
	if len(m.Gene) == 0 {
		return nil, fmt.Errorf("%s: no transcript-to-gene line found", file)
	}
	return m, nil
}

// ParseGTF reads a GTF (GFF2) annotation: tab-separated lines of nine
// columns whose ninth holds attributes `key "value";`. Every record with a
// transcript_id attribute maps it to its gene_id attribute (which it must
// have); records without transcript_id (genes) are skipped, as are comment
// lines starting with '#'. file names the input in errors.
func ParseGTF(r io.Reader, file string) (*Map, error) {
	m := newMap()
	err := lines(r, file, func(n int, s string) error {
		if s == "" || strings.HasPrefix(s, "#") {
			return nil
		}
		f := strings.Split(s, "\t")
		if len(f) != 9 {
			return &LineError{file, n, fmt.Sprintf("a GTF line has 9 tab-separated columns, this one has %d", len(f))}
		}
		attrs, err := parseAttributes(f[8])
		if err != nil {
			return &LineError{file, n, err.Error()}
		}
		tr, ok := attrs["transcript_id"]
		if !ok || tr == "" {
			return nil
		}
		gene := attrs["gene_id"]
		if gene == "" {
			return &LineError{file, n, fmt.Sprintf("record of transcript %s has no gene_id attribute", tr)}
		}
		// Ensembl's GTF keeps the version apart (transcript_id "ENST...";
		// transcript_version "7") while its FASTA names are ENST....7:
		// know the transcript by both.
		if v := attrs["transcript_version"]; v != "" && !strings.Contains(tr, ".") {
			if err := m.set(file, n, tr+"."+v, gene); err != nil {
				return err
			}
		}
		return m.set(file, n, tr, gene)
	})
	if err != nil {
		return nil, err
	}
	if len(m.Gene) == 0 {
		return nil, fmt.Errorf("%s: no record with a transcript_id attribute", file)
	}
	return m, nil
}

// parseAttributes splits a GTF attribute column: `key "value"; key value;`.
// Values may be quoted (with \" escapes) or bare. The first occurrence of a
// key wins (GENCODE repeats "tag").
func parseAttributes(s string) (map[string]string, error) {
	out := map[string]string{}
	i := 0
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == ';') {
			i++
		}
		if i >= len(s) {
			return out, nil
		}
		j := i
		for j < len(s) && s[j] != ' ' && s[j] != ';' && s[j] != '"' {
			j++
		}
		key := s[i:j]
		if key == "" {
			return nil, fmt.Errorf("attribute without a name at column %d of the attributes", i+1)
		}
		i = j
		for i < len(s) && s[i] == ' ' {
			i++
		}
		var val string
		if i < len(s) && s[i] == '"' {
			var b strings.Builder
			i++
			closed := false
			for i < len(s) {
				c := s[i]
				if c == '\\' && i+1 < len(s) {
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				i++
				if c == '"' {
					closed = true
					break
				}
				b.WriteByte(c)
			}
			if !closed {
				return nil, fmt.Errorf("attribute %s: unterminated quoted value", key)
			}
			val = b.String()
		} else {
			j = i
			for j < len(s) && s[j] != ';' {
				j++
			}
			val = strings.TrimSpace(s[i:j])
			i = j
		}
		if i < len(s) && s[i] != ';' && s[i] != ' ' {
			return nil, fmt.Errorf("attribute %s: expected ';' after its value", key)
		}
		if _, dup := out[key]; !dup {
			out[key] = val
		}
	}
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// Load reads a gene map (isGTF false) or a GTF file, plain or
// gzip-compressed.
func Load(path string, isGTF bool) (*Map, error) {
	f, err := zio.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if isGTF {
		return ParseGTF(f, path)
	}
	return ParseGeneMap(f, path)
}

// Gene is one line of abundance.genes.tsv.
type Gene struct {
	ID        string
	Length    float64 // TPM-weighted mean transcript length
	EffLength float64 // TPM-weighted mean effective length
	EstCounts float64 // sum of est_counts
	TPM       float64 // sum of tpm
	NumTx     int     // transcripts summed
}

// Result is the outcome of Aggregate.
type Result struct {
	Genes    []Gene   // in order of first appearance in the target list
	Unmapped []string // targets missing from the map, each its own gene
}

// UnmappedSample lists up to n unmapped targets for a message.
func (r *Result) UnmappedSample(n int) string {
	s := r.Unmapped
	if len(s) > n {
		return strings.Join(s[:n], ", ") + ", ..."
	}
	return strings.Join(s, ", ")
}

// lookup finds target name in m: the whole name, then the part before the
// first '|' (GENCODE headers), then either without a trailing version
// (".7": a map of unversioned ids for versioned names).
func (m *Map) lookup(name string) (string, bool) {
	if g, ok := m.Gene[name]; ok {
		return g, true
	}
	if i := strings.IndexByte(name, '|'); i > 0 {
		name = name[:i]
		if g, ok := m.Gene[name]; ok {
			return g, true
		}
	}
	if i := strings.LastIndexByte(name, '.'); i > 0 && i < len(name)-1 && allDigits(name[i+1:]) {
		g, ok := m.Gene[name[:i]]
		return g, ok
	}
	return "", false
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Check tells whether the map is for these targets: an error when it
// names none of them (the map is for another annotation), else the
// number it misses.
func (m *Map) Check(names []string) (missing int, err error) {
	for _, n := range names {
		if _, ok := m.lookup(n); !ok {
			missing++
		}
	}
	if len(names) > 0 && missing == len(names) {
		return missing, fmt.Errorf("none of the %d transcripts of the index is in the gene map (first target: %s); is it for another annotation?", len(names), names[0])
	}
	return missing, nil
}

// Aggregate sums the transcript-level values (one entry per target, in
// index order) to genes.
func Aggregate(m *Map, names []string, lengths []int32, effLens, counts, tpm []float64) (*Result, error) {
	res := &Result{}
	idx := map[string]int{}
	type acc struct{ len, eff, lenW, effW, counts, tpm float64 }
	var sums []acc
	for t, name := range names {
		g, ok := m.lookup(name)
		if !ok {
			res.Unmapped = append(res.Unmapped, name)
			g = name
		}
		i, seen := idx[g]
		if !seen {
			i = len(res.Genes)
			idx[g] = i
			res.Genes = append(res.Genes, Gene{ID: g})
			sums = append(sums, acc{})
		}
		s := &sums[i]
		L := float64(lengths[t])
		s.len += L
		s.eff += effLens[t]
		s.lenW += tpm[t] * L
		s.effW += tpm[t] * effLens[t]
		s.counts += counts[t]
		s.tpm += tpm[t]
		res.Genes[i].NumTx++
	}
	if len(names) > 0 && len(res.Unmapped) == len(names) {
		return nil, fmt.Errorf("none of the %d transcripts of the index is in the gene map (first target: %s); is it for another annotation?", len(names), names[0])
	}
	for i := range res.Genes {
		g, s := &res.Genes[i], sums[i]
		g.EstCounts, g.TPM = s.counts, s.tpm
		if s.tpm > 0 {
			g.Length, g.EffLength = s.lenW/s.tpm, s.effW/s.tpm
		} else {
			n := float64(g.NumTx)
			g.Length, g.EffLength = s.len/n, s.eff/n
		}
	}
	return res, nil
}

// Header is the first line of abundance.genes.tsv, without the newline.
const Header = "gene_id\tlength\teff_length\test_counts\ttpm"

// Write writes genes as abundance.genes.tsv: the header, then one line per
// gene, numbers formatted as in abundance.tsv (6 significant digits).
func Write(w io.Writer, genes []Gene) error {
	buf := make([]byte, 0, 1<<16)
	buf = append(buf, Header...)
	buf = append(buf, '\n')
	for _, g := range genes {
		buf = append(buf, g.ID...)
		for _, x := range []float64{g.Length, g.EffLength, g.EstCounts, g.TPM} {
			buf = append(buf, '\t')
			buf = abundance.AppendG(buf, x)
		}
		buf = append(buf, '\n')
		if len(buf) > 1<<15 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err := w.Write(buf)
	return err
}
