package singlecell

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gallisto/gallisto/internal/align/pseudo"
	"github.com/gallisto/gallisto/internal/graph/index"
	"github.com/gallisto/gallisto/internal/input/technology"
	"github.com/gallisto/gallisto/internal/output/bus"
	"github.com/gallisto/gallisto/internal/simulate"
	"github.com/gallisto/gallisto/internal/testref"
)

var update = flag.Bool("update", false, "rewrite testdata/bus/*.golden from kallisto bus")

// world is a simulated transcriptome with a gallisto index and, when
// kallisto is installed, a kallisto index.
type world struct {
	dir, fasta, gidx, kidx string
	tx                     *simulate.Transcriptome
}

var (
	worldOnce sync.Once
	theWorld  world
	worldErr  error
)

func getWorld(t *testing.T) *world {
	t.Helper()
	worldOnce.Do(func() {
		w := &theWorld
		w.dir, worldErr = os.MkdirTemp("", "gallisto-sc-")
		if worldErr != nil {
			return
		}
		w.tx = simulate.NewTranscriptome(simulate.TranscriptomeOptions{Genes: 60, MaxIsoforms: 3, MinExon: 80, MaxExon: 300, ExonsPerGene: 4, Seed: 5})
		var fa bytes.Buffer
		w.tx.WriteFASTA(&fa)
		w.fasta = filepath.Join(w.dir, "tx.fa")
		os.WriteFile(w.fasta, fa.Bytes(), 0o644)
		x, err := index.Build(context.Background(), []string{w.fasta}, index.BuildOptions{K: 31})
		if err != nil {
			worldErr = err
			return
		}
		w.gidx = filepath.Join(w.dir, "g.idx")
		if worldErr = x.Write(w.gidx); worldErr != nil {
			return
		}
		if testref.Kallisto() != "" {
			w.kidx = filepath.Join(w.dir, "k.idx")
			if out, err := exec.Command("kallisto", "index", "-i", w.kidx, w.fasta).CombinedOutput(); err != nil {
				worldErr = fmt.Errorf("kallisto index: %v\n%s", err, out)
			}
		}
	})
	if worldErr != nil {
		t.Fatal(worldErr)
	}
	return &theWorld
}

func TestMain(m *testing.M) {
	code := m.Run()
	if theWorld.dir != "" {
		os.RemoveAll(theWorld.dir)
	}
	os.Exit(code)
}

// simulateTech writes read files for technology name into dir.
func simulateTech(t *testing.T, w *world, name string, paired bool, dir string) []string {
	t.Helper()
	tech, err := technology.Parse(name, paired)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	var outs []*os.File
	for i := 0; i < tech.Files; i++ {
		p := filepath.Join(dir, fmt.Sprintf("R%d.fq", i+1))
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		files, outs = append(files, p), append(outs, f)
	}
	ws := make([]io.Writer, len(outs))
	for i, f := range outs {
		ws[i] = f
	}
	if _, err := w.tx.CellReads(simulate.CellOptions{Tech: tech, Cells: 20, MoleculesPerCell: 40, ReadsPerMolecule: 2, ReadLen: 90,
		ErrorRate: 0.003, BarcodeErrors: 0.05, NoiseReads: 0.02, Seed: 3}, ws, false); err != nil {
		t.Fatal(err)
	}
	for _, f := range outs {
		f.Close()
	}
	return files
}

// canonical is a BUS output as bustools sort | text shows it with classes
// replaced by their transcript names: one line per distinct (barcode,
// UMI, transcripts, flags), counts summed, sorted.
func canonical(t *testing.T, dir string) string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "output.bus"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := bus.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	ecf, _ := os.Open(filepath.Join(dir, "matrix.ec"))
	ecs, err := bus.ReadECs(ecf, "matrix.ec")
	ecf.Close()
	if err != nil {
		t.Fatal(err)
	}
	names, _ := os.ReadFile(filepath.Join(dir, "transcripts.txt"))
	tx := strings.Fields(string(names))
	sum := map[string]uint32{}
	for {
		r, err := rd.Next()
		if err != nil {
			break
		}
		var set []string
		for _, m := range ecs[r.EC] {
			set = append(set, tx[m])
		}
		key := fmt.Sprintf("%s\t%s\t%s\t%d", bus.Decode(r.Barcode, int(rd.Header.BarcodeLen)), bus.Decode(r.UMI, int(rd.Header.UMILen)), strings.Join(set, ","), r.Flags)
		sum[key] += r.Count
	}
	var lines []string
	for k, c := range sum {
		lines = append(lines, fmt.Sprintf("%s\t%d", k, c))
	}
	sort.Strings(lines)
	return fmt.Sprintf("header %d %d\n", rd.Header.BarcodeLen, rd.Header.UMILen) + strings.Join(lines, "\n") + "\n"
}

func runBus(t *testing.T, w *world, tech string, paired bool, files []string, threads int) string {
	t.Helper()
	o := &Options{Index: w.gidx, OutDir: t.TempDir(), Technology: tech, Paired: paired, Files: files, Threads: threads, Call: "test", StartTime: time.Unix(0, 0)}
	if err := RunBus(context.Background(), o); err != nil {
		t.Fatalf("gallisto bus -x %s: %v", tech, err)
	}
	return o.OutDir
}

// TestBusMatchesKallisto: for every technology of kallisto 0.48's table
// (and two custom strings), on reads simulated in its layout, gallisto
// bus gives kallisto bus's records once both are sorted and merged as
// bustools sort does: barcode, UMI, transcript set, flags and count;
// transcripts.txt is identical. Compared live with kallisto when it is
// installed, else with testdata/bus/*.golden.
func TestBusMatchesKallisto(t *testing.T) {
	w := getWorld(t)
	cases := []struct {
		tech   string
		paired bool
	}{
		{"10xv1", false}, {"10xv2", false}, {"10xv3", false}, {"Visium", false}, {"SureCell", false},
		{"DropSeq", false}, {"inDropsv1", false}, {"inDropsv2", false}, {"inDropsv3", false},
		{"CELSeq", false}, {"CELSeq2", false}, {"SPLiT-seq", false}, {"SCRBSeq", false}, {"BDWTA", false},
		{"SmartSeq3", false}, {"Bulk", false}, {"Bulk", true},
		{"0,0,8,0,8,16:0,16,26:1,0,0", false}, {"0,0,16:0,16,0:1,0,0", false},
	}
	for _, tc := range cases {
		name := strings.NewReplacer(",", "_", ":", "-").Replace(tc.tech)
		if tc.paired {
			name += "-paired"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			files := simulateTech(t, w, tc.tech, tc.paired, dir)
			got := canonical(t, runBus(t, w, tc.tech, tc.paired, files, 2))
			golden := filepath.Join("testdata", "bus", name+".golden")
			var want string
			if w.kidx != "" {
				kout := filepath.Join(dir, "kallisto")
				args := []string{"bus", "-i", w.kidx, "-o", kout, "-x", tc.tech, "-t", "1"}
				if tc.paired {
					args = append(args, "--paired")
				}
				if out, err := exec.Command("kallisto", append(args, files...)...).CombinedOutput(); err != nil {
					t.Fatalf("kallisto bus: %v\n%s", err, out)
				}
				want = canonical(t, kout)
				if *update {
					os.MkdirAll(filepath.Dir(golden), 0o755)
					os.WriteFile(golden, []byte(want), 0o644)
				}
				gt, _ := os.ReadFile(filepath.Join(dir, "kallisto", "transcripts.txt"))
				if !bytes.Equal(gt, w.transcripts(t)) {
					t.Error("transcripts.txt differs from kallisto's")
				}
			} else {
				b, err := os.ReadFile(golden)
				if err != nil {
					t.Skipf("kallisto not installed and no golden file: %v", err)
				}
				want = string(b)
			}
			if got != want {
				gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
				t.Errorf("records differ from kallisto's: %d lines vs %d; first differences:\n%s", len(gl), len(wl), firstDiffs(gl, wl))
			}
		})
	}
}

func (w *world) transcripts(t *testing.T) []byte {
	var b bytes.Buffer
	x, err := index.Load(w.gidx)
	if err != nil {
		t.Fatal(err)
	}
	bus.WriteNames(&b, x.Names)
	return b.Bytes()
}

func firstDiffs(a, b []string) string {
	sa, sb := map[string]bool{}, map[string]bool{}
	for _, l := range a {
		sa[l] = true
	}
	for _, l := range b {
		sb[l] = true
	}
	var out []string
	for _, l := range a {
		if !sb[l] && len(out) < 5 {
			out = append(out, "+ "+l)
		}
	}
	for _, l := range b {
		if !sa[l] && len(out) < 10 {
			out = append(out, "- "+l)
		}
	}
	return strings.Join(out, "\n")
}

// TestBusThreads: the same bytes for every -t.
func TestBusThreads(t *testing.T) {
	w := getWorld(t)
	files := simulateTech(t, w, "10xv3", false, t.TempDir())
	var want []byte
	for _, th := range []int{1, 2, 5} {
		dir := runBus(t, w, "10xv3", false, files, th)
		var got []byte
		for _, f := range []string{"output.bus", "matrix.ec"} {
			b, _ := os.ReadFile(filepath.Join(dir, f))
			got = append(got, b...)
		}
		if want == nil {
			want = got
		} else if !slices.Equal(got, want) {
			t.Errorf("-t %d: output.bus or matrix.ec differs from -t 1", th)
		}
	}
}

func buildIndex(t *testing.T, fasta, out string) {
	t.Helper()
	x, err := index.Build(context.Background(), []string{fasta}, index.BuildOptions{K: 31})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Write(out); err != nil {
		t.Fatal(err)
	}
}

// TestStrandNumbering: technology.Strand converts to pseudo.Strand.
func TestStrandNumbering(t *testing.T) {
	if pseudo.Strand(technology.Unstranded) != pseudo.Unstranded || pseudo.Strand(technology.FR) != pseudo.FR || pseudo.Strand(technology.RF) != pseudo.RF {
		t.Fatal("technology.Strand and pseudo.Strand number the strands differently")
	}
}
