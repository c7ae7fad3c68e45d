// Package sheet reads a sample sheet: the table of samples and their read
// files that `gallisto quant --batch`, `gallisto merge` and the Snakemake
// workflow (workflow/Snakefile) share.
//
// # Format
//
// A tab-separated text file (UTF-8, an optional byte-order mark, LF or
// CRLF line ends). Blank lines and lines starting with # are skipped. The
// first other line is the header; column names are case-insensitive and
// may come in any order:
//
//	sample  a name for the sample (required): letters, digits and . _ -,
//	        not starting with . or -; it names the sample's output folder
//	r1      the read file (single-end) or the first mates' file (required)
//	r2      the second mates' file (paired-end); empty or - for single-end
//	l, s    fragment length mean and standard deviation (single-end only;
//	        when absent, quant's -l and -s apply)
//
// Other columns (condition, batch, ...) are kept as the sample's metadata
// (the report and merge carry them along). A sample may span several rows
// with the same name (lanes): its rows must agree on being paired or
// single-end and on l and s, and its lanes are read in row order. Files
// are resolved against the sheet's folder unless absolute, and must exist
// when the sheet is read. Every problem is reported with the sheet's name
// and line: "samples.tsv line 7: ...".
package sheet

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gallisto/gallisto/internal/input/zio"
)

// Sample is one sample of a sheet.
type Sample struct {
	Name string
	// Files are the read files in quant's order: R1 R2 R1 R2 ... (paired)
	// or R1 R1 ... (single-end), one group per lane.
	Files  []string
	Single bool
	// FragLen and FragSD are the sheet's l and s (0 when not given).
	FragLen, FragSD float64
	// Meta holds the other columns' values (from the sample's first row).
	Meta map[string]string
	Line int // line of the sample's first row
}

// Sheet is a parsed sample sheet.
type Sheet struct {
	Path     string
	Samples  []Sample // in order of first appearance
	MetaKeys []string // names of the extra columns, in the header's order
}

// Error is a problem at a line of a sheet (Line 0: the sheet as a whole).
type Error struct {
	Path string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.Path, e.Msg)
	}
	return fmt.Sprintf("%s line %d: %s", e.Path, e.Line, e.Msg)
}

// maxLine bounds a line of a sheet (a binary file given as a sheet must
// not be read into memory whole).
const maxLine = 1 << 20

// Options change how a sheet is checked.
type Options struct {
	// NoFileCheck skips the existence check of the read files (for
	// tests of the parser alone and the fuzz target).
	NoFileCheck bool
}

// Read parses the sheet at path.
func Read(path string, o Options) (*Sheet, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &Error{Path: path, Msg: "file not found"}
		}
		return nil, &Error{Path: path, Msg: err.Error()}
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, &Error{Path: path, Msg: "is a directory, not a sample sheet"}
	}
	return Parse(f, path, filepath.Dir(path), o)
}

// column indexes of the known columns; -1 when absent.
type columns struct {
	n                    int // columns in the header
	sample, r1, r2, l, s int
	meta                 []int
	metaKeys             []string
}

// Parse reads a sheet from r; path names it in errors and base is the
// folder relative file names are resolved against.
func Parse(r io.Reader, path, base string, o Options) (*Sheet, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	sh := &Sheet{Path: path}
	p := &parser{sh: sh, base: base, opt: o, byName: map[string]int{}, files: map[string]fileUse{}}
	line := 0
	var cols *columns
	for sc.Scan() {
		line++
		text := strings.TrimSuffix(sc.Text(), "\r")
		if line == 1 {
			text = strings.TrimPrefix(text, "\uFEFF")
		}
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if strings.ContainsRune(text, 0) {
			return nil, p.errorf(line, "holds a NUL byte: not a text file")
		}
		fields := strings.Split(text, "\t")
		for i := range fields {
			fields[i] = strings.TrimSpace(fields[i])
		}
		if cols == nil {
			var err error
			if cols, err = p.header(line, fields); err != nil {
				return nil, err
			}
			sh.MetaKeys = cols.metaKeys
			continue
		}
		if err := p.row(line, cols, fields); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, p.errorf(line+1, "line longer than %d bytes: not a sample sheet", maxLine)
		}
		return nil, p.errorf(line+1, "%v", err)
	}
	if cols == nil {
		return nil, p.errorf(0, "no header line (sample, r1, r2 or sample, r1, l, s, tab-separated)")
	}
	if len(sh.Samples) == 0 {
		return nil, p.errorf(0, "lists no sample")
	}
	return sh, nil
}

type parser struct {
	sh     *Sheet
	base   string
	opt    Options
	byName map[string]int // sample name -> index in sh.Samples
	files  map[string]fileUse
}

// fileUse is where a read file was first listed.
type fileUse struct {
	sample string
	line   int
}

func (p *parser) errorf(line int, format string, a ...any) error {
	return &Error{Path: p.sh.Path, Line: line, Msg: fmt.Sprintf(format, a...)}
}

// header finds the columns.
func (p *parser) header(line int, fields []string) (*columns, error) {
	c := &columns{n: len(fields), sample: -1, r1: -1, r2: -1, l: -1, s: -1}
	seen := map[string]bool{}
	for i, f := range fields {
		name := strings.ToLower(f)
		if name == "" {
			return nil, p.errorf(line, "header: column %d has no name", i+1)
		}
		if seen[name] {
			return nil, p.errorf(line, "header: column %q appears twice", f)
		}
		seen[name] = true
		switch name {
		case "sample":
			c.sample = i
		case "r1":
			c.r1 = i
		case "r2":
			c.r2 = i
		case "l":
			c.l = i
		case "s":
			c.s = i
		default:
			c.meta, c.metaKeys = append(c.meta, i), append(c.metaKeys, f)
		}
	}
	if c.sample < 0 || c.r1 < 0 {
		return nil, p.errorf(line, "header %q: want columns sample and r1 (and r2 for paired-end, l and s for single-end), tab-separated", strings.Join(fields, "\t"))
	}
	if (c.l < 0) != (c.s < 0) {
		return nil, p.errorf(line, "header: columns l and s go together (fragment length mean and standard deviation)")
	}
	return c, nil
}

// row adds one row.
func (p *parser) row(line int, c *columns, fields []string) error {
	get := func(i int) string {
		if i < 0 || i >= len(fields) {
			return ""
		}
		return fields[i]
	}
	if len(fields) > c.n {
		return p.errorf(line, "%d fields, the header has %d (tab-separated)", len(fields), c.n)
	}
	name := get(c.sample)
	if err := checkName(name); err != nil {
		return p.errorf(line, "%v", err)
	}
	r1, r2 := get(c.r1), get(c.r2)
	if r2 == "-" {
		r2 = ""
	}
	if r1 == "" || r1 == "-" {
		return p.errorf(line, "sample %s: no r1 file", name)
	}
	single := r2 == ""
	var fl, fs float64
	if ls, ss := get(c.l), get(c.s); ls != "" || ss != "" {
		var err error
		if fl, err = positive("l", ls); err != nil {
			return p.errorf(line, "sample %s: %v", name, err)
		}
		if fs, err = positive("s", ss); err != nil {
			return p.errorf(line, "sample %s: %v", name, err)
		}
		if !single {
			return p.errorf(line, "sample %s: l and s are for single-end samples; a paired-end sample's fragment lengths are estimated from its pairs", name)
		}
	}
	files := []string{r1}
	if !single {
		files = append(files, r2)
	}
	for i, f := range files {
		files[i] = p.resolve(f)
		if u, ok := p.files[files[i]]; ok {
			if u.sample == name {
				return p.errorf(line, "sample %s: %s is listed twice (also at line %d)", name, f, u.line)
			}
			return p.errorf(line, "sample %s: %s is also sample %s's (line %d)", name, f, u.sample, u.line)
		}
		if i == 1 && files[1] == files[0] {
			return p.errorf(line, "sample %s: %s is given as both r1 and r2", name, f)
		}
		if err := p.checkFile(files[i], f); err != nil {
			return p.errorf(line, "sample %s: %v", name, err)
		}
	}
	for _, f := range files {
		p.files[f] = fileUse{name, line}
	}
	if k, ok := p.byName[name]; ok {
		s := &p.sh.Samples[k]
		if s.Single != single {
			return p.errorf(line, "sample %s: single-end here but paired-end at line %d (all rows of a sample must agree)", name, s.Line)
		}
		if s.FragLen != fl || s.FragSD != fs {
			return p.errorf(line, "sample %s: l and s differ from line %d (all rows of a sample must agree)", name, s.Line)
		}
		s.Files = append(s.Files, files...)
		return nil
	}
	meta := map[string]string{}
	for j, i := range c.meta {
		meta[c.metaKeys[j]] = get(i)
	}
	p.byName[name] = len(p.sh.Samples)
	p.sh.Samples = append(p.sh.Samples, Sample{Name: name, Files: files, Single: single, FragLen: fl, FragSD: fs, Meta: meta, Line: line})
	return nil
}

// checkName accepts names that are safe as one folder name on every file
// system a cluster may share.
func checkName(name string) error {
	if name == "" {
		return errors.New("empty sample name")
	}
	if len(name) > 200 {
		return fmt.Errorf("sample name of %d characters (at most 200)", len(name))
	}
	if name[0] == '.' || name[0] == '-' {
		return fmt.Errorf("sample name %q starts with %q (names become folder names)", name, name[:1])
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("sample name %q holds %q: use letters, digits and . _ - (names become folder names)", name, r)
		}
	}
	return nil
}

func positive(what, v string) (float64, error) {
	if v == "" {
		return 0, fmt.Errorf("%s is empty (give both l and s, or neither)", what)
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || x <= 0 {
		return 0, fmt.Errorf("%s %q is not a positive number", what, v)
	}
	return x, nil
}

func (p *parser) resolve(f string) string {
	if filepath.IsAbs(f) || p.base == "" {
		return f
	}
	return filepath.Join(p.base, f)
}

func (p *parser) checkFile(path, given string) error {
	if p.opt.NoFileCheck {
		return nil
	}
	var ze *zio.Error
	if err := zio.Check(path, "read file"); errors.As(err, &ze) {
		if given != path && errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s (%s): %s", given, path, ze.Problem) // where it was looked for
		}
		return fmt.Errorf("%s: %s", given, ze.Problem)
	}
	return nil
}

// Names returns the sample names in order.
func (s *Sheet) Names() []string {
	out := make([]string, len(s.Samples))
	for i, x := range s.Samples {
		out[i] = x.Name
	}
	return out
}
