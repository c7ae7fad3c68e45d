package main

import (
	"bytes"
	"strings"
	"testing"
)

const rawFixture = `run	set	tool	step	sample	threads	rep	status	wall_s	user_s	sys_s	max_rss_kb	index_bytes	mapped_pct	load1	busy_cpus	started
t	s1	kallisto	index	-	1	1	0	10	9	1	1000000	2000000	-	0.1	0.2	0
t	s1	kallisto	index	-	1	2	0	12	9	1	1000000	2000000	-	0.1	0.2	0
t	s1	kallisto	index	-	1	3	0	11	9	1	1000000	2000000	-	0.1	0.2	0
t	s1	salmon	index	-	2	1	0	22	20	2	500000	1000000	-	0.1	0.2	0
t	s1	kallisto	quant	a	2	1	0	4	3	1	100000	-	90	0.1	0.2	0
t	s1	kallisto	quant	b	2	1	0	6	5	1	200000	-	80	0.1	0.2	0
t	s1	gallisto	quant	a	2	1	0	2	1	1	50000	-	90	0.1	0.2	0
t	s1	gallisto	quant	b	2	1	1	-	-	-	-	-	-	0.1	0.2	0
t	s1	gallisto	quant	a	2	2	0	2	1	1	50000	-	90	0.1	0.2	0
t	s1	gallisto	quant	b	2	2	0	3	2	1	50000	-	80	0.1	0.2	0
t	chr22-1M	kallisto	quant	sim	1	1	0	1	1	0	100000	-	99	0.1	0.2	0
t	chr22-20M	kallisto	quant	sim	1	1	0	20	20	0	104000	-	99	0.1	0.2	0
t	chr22-1M	salmon	quant	sim	1	1	0	1	1	0	100000	-	99	0.1	0.2	0
t	chr22-20M	salmon	quant	sim	1	1	0	20	20	0	120000	-	99	0.1	0.2	0
`

const accFixture = `label	tool	format	level	n_targets	n_missing	frac_assigned	est_total	true_total	spearman_count	pearson_log1p_count	mard_count	medrd_count_expr	mae_count	spearman_tpm	pearson_log1p_tpm	mard_tpm	medrd_tpm_expr	mae_tpm	fp_count_ge1	fn_count_lt1
s1|gallisto|quant|2|a|kallisto	gallisto	kallisto	transcript	10	0	1	1	1	0.9	0	0.1	0	0	0	0	0	0	0	0	0
s1|gallisto|quant|2|b|kallisto	gallisto	kallisto	transcript	10	0	1	1	1	0.8	0	0.3	0	0	0	0	0	0	0	0	0
`

func render(t *testing.T) string {
	t.Helper()
	rp := newReport()
	rows, err := readTSV(strings.NewReader(rawFixture))
	if err != nil {
		t.Fatal(err)
	}
	rp.addRaw(rows)
	acc, err := readTSV(strings.NewReader(accFixture))
	if err != nil {
		t.Fatal(err)
	}
	rp.addAcc(acc)
	if err := rp.addMeta(strings.NewReader("machine\t2 CPUs\nsetinfo\ts1\tsmall set\nnote\tgallisto is new\n")); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	rp.write(&b, "T")
	return b.String()
}

func rowOf(t *testing.T, md, prefix string) string {
	t.Helper()
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	t.Fatalf("no row starting with %q in\n%s", prefix, md)
	return ""
}

func TestRenderRowsAndRatios(t *testing.T) {
	md := render(t)
	for _, want := range []string{"| machine | 2 CPUs |", "small set", "- gallisto is new"} {
		if !strings.Contains(md, want) {
			t.Errorf("missing %q", want)
		}
	}
	// kallisto index: median wall 11, CPU 10, RSS 1024 MB, index 2 MB.
	if got, want := rowOf(t, md, "| kallisto | index | 1 |"), "| kallisto | index | 1 | 3/3 | 0.2 | 11.0 | 1.00× | 10.0 | 1.00× | 1024 | 1.00× | 2.00 | 1.00× |"; !strings.HasPrefix(got, want) {
		t.Errorf("kallisto index row\n got %s\nwant %s", got, want)
	}
	// salmon index at 2 threads compares with kallisto's single-threaded index.
	if got, want := rowOf(t, md, "| salmon | index | 2 |"), "| salmon | index | 2 | 1/1 | 0.2 | 22.0 | 2.00× | 22.0 | 2.20× | 512 | 0.50× | 1.00 | 0.50× |"; !strings.HasPrefix(got, want) {
		t.Errorf("salmon index row\n got %s\nwant %s", got, want)
	}
	// quant over two samples: wall sums (4+6), RSS is the max; gallisto's rep 1 failed.
	if got, want := rowOf(t, md, "| kallisto | quant | 2 |"), "| kallisto | quant | 2 | 1/1 | 0.2 | 10.0 | 1.00× | 10.0 | 1.00× | 205 | 1.00× |  |  | 85.00 |"; !strings.HasPrefix(got, want) {
		t.Errorf("kallisto quant row\n got %s\nwant %s", got, want)
	}
	if got, want := rowOf(t, md, "| gallisto | quant | 2 |"), "| gallisto | quant | 2 | 1/2 | 0.2 | 5.00 | 0.50× | 5.00 | 0.50× | 51.2 | 0.25× |  |  | 85.00 | 0.8500 | 0.2000 |"; got != want {
		t.Errorf("gallisto quant row\n got %s\nwant %s", got, want)
	}
}

func TestRenderFlatness(t *testing.T) {
	md := render(t)
	if !strings.Contains(md, "## Memory flatness") {
		t.Fatal("no flatness section")
	}
	if got := rowOf(t, md, "| kallisto | 1 |"); !strings.Contains(got, "1.04×") || !strings.Contains(got, "within 5%") {
		t.Errorf("kallisto flatness row: %s", got)
	}
	if got := rowOf(t, md, "| salmon | 1 |"); !strings.Contains(got, "1.20×") || !strings.Contains(got, "over 5%") {
		t.Errorf("salmon flatness row: %s", got)
	}
}

func TestMergedRunsKeepRepsApart(t *testing.T) {
	raw := "run\tset\ttool\tstep\tsample\tthreads\trep\tstatus\twall_s\tuser_s\tsys_s\tmax_rss_kb\tindex_bytes\tmapped_pct\tload1\tbusy_cpus\tstarted\n" +
		"A\ts\tkallisto\tquant\tx\t1\t1\t0\t10\t10\t0\t1000\t-\t-\t0\t0\t0\n" +
		"B\ts\tkallisto\tquant\tx\t1\t1\t0\t20\t20\t0\t1000\t-\t-\t0\t0\t0\n" +
		"B\ts\tkallisto\tquant\tx\t1\t2\t0\t40\t40\t0\t1000\t-\t-\t0\t0\t0\n"
	rows, err := readTSV(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	rp := newReport()
	rp.addRaw(rows)
	s, _ := rp.summary(key{"s", "kallisto", "quant", 1})
	if s.reps != 3 || !near(s.wall, 20) {
		t.Errorf("reps %d wall %v, want 3 reps, median 20", s.reps, s.wall)
	}
}

func TestBaselineFallsBackToFewestThreads(t *testing.T) {
	raw := "run\tset\ttool\tstep\tsample\tthreads\trep\tstatus\twall_s\tuser_s\tsys_s\tmax_rss_kb\tindex_bytes\tmapped_pct\tload1\tbusy_cpus\tstarted\n" +
		"A\ts\tkallisto\tquant\tx\t2\t1\t0\t10\t10\t0\t1000\t-\t-\t0\t0\t0\n" +
		"A\ts\tzcat\tquant\tx\t1\t1\t0\t5\t4\t0\t10\t-\t-\t0\t0\t0\n"
	rows, err := readTSV(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	rp := newReport()
	rp.addRaw(rows)
	b, ok := rp.baseline(key{"s", "zcat", "quant", 1})
	if !ok || !near(b.wall, 10) {
		t.Fatalf("baseline = %v, %v; want kallisto at 2 threads", b.wall, ok)
	}
}

// TestRewriteReadme: the README's generated tables are replaced between
// their markers and nothing else changes; a missing marker is an error.
func TestRewriteReadme(t *testing.T) {
	rp := newReport()
	rows, _ := readTSV(strings.NewReader(rawFixture + "t\ts1\tzcat\tquant\ta\t1\t1\t0\t3\t3\t0\t1000\t-\t-\t0.1\t0.2\t0\n"))
	rp.addRaw(rows)
	acc, _ := readTSV(strings.NewReader(strings.ReplaceAll(accFixture, "|kallisto\t", "|truth\t")))
	rp.addAcc(acc)
	rp.addMeta(strings.NewReader("date\t2026-12-06 10:00:00 UTC\nmachine\t2 CPUs\n"))
	doc := "# README\n\nintro\n\n<!-- bench:speed -->\nold table\n<!-- /bench:speed -->\n\nmiddle\n\n" +
		"<!-- bench:accuracy -->\nold\n<!-- /bench:accuracy -->\n<!-- bench:singlecell -->\nkept: no single-cell rows\n<!-- /bench:singlecell -->\nend\n"
	out, err := replaceBlocks([]byte(doc), map[string]string{"speed": rp.readmeSpeed(), "accuracy": rp.readmeAccuracy(), "singlecell": rp.readmeSingleCell()})
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	for _, want := range []string{
		"# README\n\nintro\n\n<!-- bench:speed -->\n| data, step, threads | gallisto | kallisto 0.48 | salmon 1.10 | `zcat` (input floor) |\n",
		"| s1, quant, `-t 2` | 5.00 s (**0.50×**), 51 MB | 10.0 s, 205 MB |  | 3.00 s |\n",
		"Medians of 3 repetitions, all tools in the same run, 2026-12-06; 2 CPUs.",
		"<!-- /bench:speed -->\n\nmiddle\n\n<!-- bench:accuracy -->\n| data | tool |",
		"| s1 | gallisto | 2 | 0.8500 | 0.2000 |",
		"<!-- bench:singlecell -->\nkept: no single-cell rows\n<!-- /bench:singlecell -->\nend\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("rewritten README lacks %q:\n%s", want, got)
		}
	}
	if _, err := replaceBlocks([]byte("no markers"), map[string]string{"speed": "x"}); err == nil {
		t.Error("missing markers accepted")
	}
}
