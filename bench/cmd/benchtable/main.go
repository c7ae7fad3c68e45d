// Command benchtable turns the raw measurements of bench/run.sh into markdown
// tables: one per data set, rows tool x step x threads, medians over the
// repetitions, each figure also as a ratio to kallisto in the same run.
//
//	benchtable -raw raw.tsv[,raw2.tsv] [-acc acc.tsv,...] [-meta meta.tsv,...] [-o results.md]
//	benchtable -raw ... -acc ... -meta ... -readme README.md
//
// With -readme, the tables of the README ("Is it faster?", "Is it accurate?",
// single cell) are rewritten in place between their markers (readme.go), so
// that the README's figures are always one set of measured runs.
//
// Several runs can be merged into one report (e.g. the sets of a full suite run in
// separate invocations); repetitions are told apart by the run column.
//
// raw.tsv (one row per timed command; header names the columns):
//
//	run set tool step sample threads rep status wall_s user_s sys_s max_rss_kb index_bytes mapped_pct load1 busy_cpus started
//
// acc.tsv: rows appended by the shared eval tool, label "set|tool|step|threads|sample|ref"
// with ref "truth" (simulated ground truth) or "kallisto" (agreement with kallisto's
// output at the same threads). meta.tsv: "key<TAB>value" lines shown at the top;
// "setinfo<TAB>set<TAB>text" and "note<TAB>text" lines are placed where they belong.
// Standard library only.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
)

type measurement struct {
	set, tool, step, sample string
	threads, rep, status    int
	wall, user, sys, rssKB  float64
	indexBytes, mapped      float64
	busy                    float64 // CPUs used by other processes just before the command
}

type key struct {
	set, tool, step string
	threads         int
}

type accKey struct {
	key
	ref, level string
}

type accVals struct{ spearman, mard, mae, fp, fn []float64 }

type report struct {
	sets      []string
	steps     map[string][]string        // set -> steps in first-seen order
	reps      map[key]map[string]*repAgg // by run + repetition
	acc       map[accKey]*accVals
	meta      [][2]string
	setInfo   map[string]string
	notes     []string
	setNotes  map[string][]string
	toolOrder map[string]int
}

func die(f string, a ...any) {
	fmt.Fprintf(os.Stderr, "benchtable: "+f+"\n", a...)
	os.Exit(1)
}

// readTSV returns the rows of a TSV file as maps keyed by the header names.
func readTSV(r io.Reader) ([]map[string]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var hdr []string
	var rows []map[string]string
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			continue
		}
		p := strings.Split(line, "\t")
		if hdr == nil {
			hdr = p
			continue
		}
		m := make(map[string]string, len(hdr))
		for i, h := range hdr {
			if i < len(p) {
				m[h] = p[i]
			}
		}
		rows = append(rows, m)
	}
	return rows, sc.Err()
}

// num parses a number; "", "-", "NA" and junk are NaN.
func num(s string) float64 {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return math.NaN()
	}
	return v
}

func atoi(s string, def int) int {
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return def
	}
	return v
}

func newReport() *report {
	return &report{
		steps:     map[string][]string{},
		reps:      map[key]map[string]*repAgg{},
		acc:       map[accKey]*accVals{},
		setInfo:   map[string]string{},
		setNotes:  map[string][]string{},
		toolOrder: map[string]int{"kallisto": 0, "gallisto": 1, "gallisto-isal": 2, "gallisto-full": 3, "salmon": 4, "zcat": 5},
	}
}

func (rp *report) addRaw(rows []map[string]string) {
	for _, r := range rows {
		m := measurement{
			set: r["set"], tool: r["tool"], step: r["step"], sample: r["sample"],
			threads: atoi(r["threads"], 1), rep: atoi(r["rep"], 1), status: atoi(r["status"], 1),
			wall: num(r["wall_s"]), user: num(r["user_s"]), sys: num(r["sys_s"]),
			rssKB: num(r["max_rss_kb"]), indexBytes: num(r["index_bytes"]), mapped: num(r["mapped_pct"]),
			busy: num(r["busy_cpus"]),
		}
		if m.set == "" || m.tool == "" || m.step == "" {
			continue
		}
		if math.IsNaN(m.wall) || math.IsNaN(m.user) || math.IsNaN(m.sys) || math.IsNaN(m.rssKB) {
			m.status = -1 // unparsable timing counts as a failed run
		}
		if _, ok := rp.steps[m.set]; !ok {
			rp.sets = append(rp.sets, m.set)
		}
		if !slices.Contains(rp.steps[m.set], m.step) {
			rp.steps[m.set] = append(rp.steps[m.set], m.step)
		}
		k := key{m.set, m.tool, m.step, m.threads}
		if rp.reps[k] == nil {
			rp.reps[k] = map[string]*repAgg{}
		}
		rk := r["run"] + "#" + strconv.Itoa(m.rep)
		if rp.reps[k][rk] == nil {
			rp.reps[k][rk] = &repAgg{}
		}
		rp.reps[k][rk].add(m)
	}
}

func (rp *report) addAcc(rows []map[string]string) {
	for _, r := range rows {
		p := strings.Split(r["label"], "|")
		if len(p) != 6 {
			continue
		}
		k := accKey{key{p[0], p[1], p[2], atoi(p[3], 1)}, p[5], r["level"]}
		v := rp.acc[k]
		if v == nil {
			v = &accVals{}
			rp.acc[k] = v
		}
		for _, c := range []struct {
			col string
			to  *[]float64
		}{{"spearman_count", &v.spearman}, {"mard_count", &v.mard}, {"mae_count", &v.mae}, {"fp_count_ge1", &v.fp}, {"fn_count_lt1", &v.fn}} {
			if x := num(r[c.col]); !math.IsNaN(x) {
				*c.to = append(*c.to, x)
			}
		}
	}
}

func (rp *report) addMeta(r io.Reader) error {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		p := strings.Split(strings.TrimRight(sc.Text(), "\r"), "\t")
		switch {
		case len(p) >= 3 && p[0] == "setinfo":
			rp.setInfo[p[1]] = p[2]
		case len(p) >= 3 && p[0] == "setnote":
			rp.setNotes[p[1]] = append(rp.setNotes[p[1]], p[2])
		case len(p) >= 2 && p[0] == "note":
			rp.notes = append(rp.notes, p[1])
		case len(p) >= 2:
			rp.meta = append(rp.meta, [2]string{p[0], strings.Join(p[1:], " ")})
		}
	}
	return sc.Err()
}

func (rp *report) summary(k key) (summary, bool) {
	m, ok := rp.reps[k]
	if !ok {
		return summary{}, false
	}
	var reps []*repAgg
	for _, r := range m {
		reps = append(reps, r)
	}
	return summarize(reps), true
}

// baseline is kallisto's summary for the same set and step, at the same thread
// count or, failing that (kallisto 0.48's index is single-threaded; zcat is one
// thread), at one thread, or else at the fewest threads measured.
func (rp *report) baseline(k key) (summary, bool) {
	for _, t := range []int{k.threads, 1} {
		if s, ok := rp.summary(key{k.set, "kallisto", k.step, t}); ok && s.ok > 0 {
			return s, true
		}
	}
	best := 0
	for kk := range rp.reps {
		if kk.set == k.set && kk.tool == "kallisto" && kk.step == k.step && (best == 0 || kk.threads < best) {
			if s, _ := rp.summary(kk); s.ok > 0 {
				best = kk.threads
			}
		}
	}
	if best == 0 {
		return summary{}, false
	}
	return rp.summary(key{k.set, "kallisto", k.step, best})
}

func (rp *report) accMean(k key, ref, level string) (sp, mard float64) {
	v := rp.acc[accKey{k, ref, level}]
	if v == nil {
		return math.NaN(), math.NaN()
	}
	return mean(v.spearman), mean(v.mard)
}

func f(x float64, prec int) string {
	if math.IsNaN(x) {
		return "–"
	}
	return strconv.FormatFloat(x, 'f', prec, 64)
}

// fr formats a ratio; kallisto's own row shows 1.00.
func fr(x float64) string {
	if math.IsNaN(x) {
		return "–"
	}
	return f(x, 2) + "×"
}

// fmtNum picks a precision that keeps small values readable.
func fmtNum(x float64) string {
	switch {
	case math.IsNaN(x):
		return "–"
	case x >= 100:
		return f(x, 0)
	case x >= 10:
		return f(x, 1)
	default:
		return f(x, 2)
	}
}

func (rp *report) keysOf(set string) []key {
	var ks []key
	for k := range rp.reps {
		if k.set == set {
			ks = append(ks, k)
		}
	}
	stepIdx := func(s string) int {
		for i, x := range rp.steps[set] {
			if x == s {
				return i
			}
		}
		return 1 << 30
	}
	toolIdx := func(t string) int {
		if i, ok := rp.toolOrder[t]; ok {
			return i
		}
		return 100
	}
	sort.Slice(ks, func(i, j int) bool {
		a, b := ks[i], ks[j]
		if a.step != b.step {
			return stepIdx(a.step) < stepIdx(b.step)
		}
		if a.threads != b.threads {
			return a.threads < b.threads
		}
		if toolIdx(a.tool) != toolIdx(b.tool) {
			return toolIdx(a.tool) < toolIdx(b.tool)
		}
		return a.tool < b.tool
	})
	return ks
}

func (rp *report) hasAcc(set string) (truth, vsK bool) {
	for k := range rp.acc {
		if k.set == set {
			if k.ref == "truth" {
				truth = true
			} else {
				vsK = true
			}
		}
	}
	return
}

func (rp *report) write(w io.Writer, title string) {
	fmt.Fprintf(w, "# %s\n\n", title)
	if len(rp.meta) > 0 {
		fmt.Fprintln(w, "| | |\n|---|---|")
		for _, kv := range rp.meta {
			fmt.Fprintf(w, "| %s | %s |\n", kv[0], strings.ReplaceAll(kv[1], "|", "\\|"))
		}
		fmt.Fprintln(w)
	}
	for _, n := range rp.notes {
		fmt.Fprintf(w, "- %s\n", n)
	}
	if len(rp.notes) > 0 {
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "Medians over the repetitions (`ok/reps` = repetitions that succeeded; `busy` = median number of "+
		"CPUs that other processes kept busy just before each command, out of the machine's CPUs: high means noisy); ×k = ratio to kallisto "+
		"in the same run, same step, same threads (kallisto's single-threaded index and `zcat` compare at 1 thread, "+
		"or at the fewest threads kallisto ran with). "+
		"Wall and CPU (user+sys) in seconds; peak RSS and index size in MB (10^6 bytes). "+
		"A step over several samples sums wall and CPU and takes the largest RSS.")
	fmt.Fprintln(w)
	for _, set := range rp.sets {
		rp.writeSet(w, set)
	}
	rp.writeFlatness(w)
}

func (rp *report) writeSet(w io.Writer, set string) {
	fmt.Fprintf(w, "## %s\n\n", set)
	if info := rp.setInfo[set]; info != "" {
		fmt.Fprintf(w, "%s\n\n", info)
	}
	for _, n := range rp.setNotes[set] {
		fmt.Fprintf(w, "- %s\n", n)
	}
	if len(rp.setNotes[set]) > 0 {
		fmt.Fprintln(w)
	}
	truth, vsK := rp.hasAcc(set)
	hdr := []string{"tool", "step", "threads", "ok/reps", "busy", "wall s", "×k", "CPU s", "×k", "peak RSS MB", "×k", "index MB", "×k", "mapped %"}
	if truth {
		hdr = append(hdr, "ρ tx", "ρ gene", "MARD tx")
	}
	if vsK {
		hdr = append(hdr, "ρ tx vs k", "MARD tx vs k")
	}
	fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(hdr, " | "), strings.Repeat("---|", len(hdr)))
	for _, k := range rp.keysOf(set) {
		s, _ := rp.summary(k)
		b, hasB := rp.baseline(k)
		if !hasB {
			b = summary{wall: math.NaN(), cpu: math.NaN(), rssMB: math.NaN(), indexMB: math.NaN()}
		}
		idx, idxR := "", ""
		if s.hasIndex {
			idx, idxR = fmtNum(s.indexMB), fr(ratio(s.indexMB, b.indexMB))
		}
		cells := []string{k.tool, k.step, strconv.Itoa(k.threads), fmt.Sprintf("%d/%d", s.ok, s.reps), f(s.busy, 1),
			fmtNum(s.wall), fr(ratio(s.wall, b.wall)),
			fmtNum(s.cpu), fr(ratio(s.cpu, b.cpu)),
			fmtNum(s.rssMB), fr(ratio(s.rssMB, b.rssMB)),
			idx, idxR, f(s.mapped, 2)}
		if math.IsNaN(s.mapped) {
			cells[len(cells)-1] = ""
		}
		quantish := k.step != "index" && k.tool != "zcat"
		if truth {
			if quantish {
				sp, md := rp.accMean(k, "truth", "transcript")
				spg, _ := rp.accMean(k, "truth", "gene")
				cells = append(cells, f(sp, 4), f(spg, 4), f(md, 4))
			} else {
				cells = append(cells, "", "", "")
			}
		}
		if vsK {
			if quantish && k.tool != "kallisto" {
				sp, md := rp.accMean(k, "kallisto", "transcript")
				cells = append(cells, f(sp, 4), f(md, 4))
			} else {
				cells = append(cells, "", "")
			}
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	fmt.Fprintln(w)
}

// writeFlatness compares quant peak RSS at chr22-20M with chr22-1M (same
// transcriptome, 20x the reads): a streaming quantifier should stay within 5%.
func (rp *report) writeFlatness(w io.Writer) {
	const small, large = "chr22-1M", "chr22-20M"
	var rows []string
	for _, k := range rp.keysOf(large) {
		if k.step != "quant" || k.tool == "zcat" {
			continue
		}
		l, _ := rp.summary(k)
		s, ok := rp.summary(key{small, k.tool, k.step, k.threads})
		if !ok || s.ok == 0 || l.ok == 0 {
			continue
		}
		r := ratio(l.rssMB, s.rssMB)
		verdict := "within 5%"
		if math.IsNaN(r) || r > 1.05 {
			verdict = "**over 5%**"
		}
		rows = append(rows, fmt.Sprintf("| %s | %d | %s | %s | %s | %s |", k.tool, k.threads,
			fmtNum(s.rssMB), fmtNum(l.rssMB), fr(r), verdict))
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(w, "## Memory flatness: quant peak RSS, %s vs %s\n\n", large, small)
	fmt.Fprintln(w, "| tool | threads | RSS MB 1M | RSS MB 20M | 20M/1M | verdict |\n|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Fprintln(w, r)
	}
	fmt.Fprintln(w)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

func readFile(path string) []map[string]string {
	fh, err := os.Open(path)
	if err != nil {
		die("%v", err)
	}
	defer fh.Close()
	rows, err := readTSV(fh)
	if err != nil {
		die("%s: %v", path, err)
	}
	return rows
}

func main() {
	raw := flag.String("raw", "", "raw measurements TSV (required; comma-separated files are merged)")
	acc := flag.String("acc", "", "accuracy TSVs written by eval (optional, comma-separated)")
	meta := flag.String("meta", "", "key<TAB>value lines for the header (optional, comma-separated)")
	out := flag.String("o", "", "output markdown (default stdout)")
	readme := flag.String("readme", "", "rewrite the tables between the bench: markers of this file (README.md) instead of writing a report")
	title := flag.String("title", "gallisto benchmark", "document title")
	flag.Parse()
	if *raw == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: benchtable -raw raw.tsv [-acc acc.tsv] [-meta meta.tsv] [-o out.md | -readme README.md] [-title T]")
		os.Exit(2)
	}
	rp := newReport()
	for _, p := range splitList(*raw) {
		rp.addRaw(readFile(p))
	}
	for _, p := range splitList(*acc) {
		if _, err := os.Stat(p); err == nil { // no accuracy rows yet is fine
			rp.addAcc(readFile(p))
		}
	}
	for _, p := range splitList(*meta) {
		fh, err := os.Open(p)
		if err != nil {
			die("%v", err)
		}
		if err := rp.addMeta(fh); err != nil {
			die("%s: %v", p, err)
		}
		fh.Close()
	}
	if *readme != "" {
		if err := rewriteReadme(*readme, rp); err != nil {
			die("%v", err)
		}
		return
	}
	w := os.Stdout
	if *out != "" {
		fh, err := os.Create(*out)
		if err != nil {
			die("%v", err)
		}
		defer fh.Close()
		w = fh
	}
	bw := bufio.NewWriter(w)
	rp.write(bw, *title)
	if err := bw.Flush(); err != nil {
		die("%v", err)
	}
}
