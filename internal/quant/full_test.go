package quant_test

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gallisto/gallisto/internal/align/pseudo"
	"github.com/gallisto/gallisto/internal/quant"
	"github.com/gallisto/gallisto/internal/simulate"
)

// truthData is a simulated set with its true fragment counts: genes with
// isoforms that share exons, so that the models can differ.
type truthData struct {
	idx   string
	reads []string
	truth map[string]int64
}

func fullSimulated(t *testing.T) *truthData {
	t.Helper()
	s := simulated(t) // the transcriptome and index of the other feature tests
	dir := t.TempDir()
	tx := simulate.NewTranscriptome(simulate.TranscriptomeOptions{Genes: 150, MaxIsoforms: 4, MinExon: 60, MaxExon: 400, ExonsPerGene: 5, Seed: 11})
	var r1, r2 bytes.Buffer
	counts, err := tx.Reads(simulate.ReadOptions{Pairs: 40000, ReadLen: 75, FragMean: 200, FragSD: 30, ErrorRate: 0.005, Seed: 77, ExpressedFrac: 0.6}, &r1, &r2, false)
	if err != nil {
		t.Fatal(err)
	}
	p1, p2 := filepath.Join(dir, "r1.fq"), filepath.Join(dir, "r2.fq")
	os.WriteFile(p1, r1.Bytes(), 0o644)
	os.WriteFile(p2, r2.Bytes(), 0o644)
	d := &truthData{idx: s.idx, reads: []string{p1, p2}, truth: map[string]int64{}}
	for i, n := range tx.Names {
		d.truth[n] = counts[i]
	}
	return d
}

// absError is the summed |est_counts - truth| of an abundance.tsv.
func absError(t *testing.T, tsv string, truth map[string]int64) float64 {
	t.Helper()
	sum := 0.0
	for _, row := range abundanceTSV(t, tsv)[1:] {
		est, err := strconv.ParseFloat(row[3], 64)
		if err != nil {
			t.Fatal(err)
		}
		sum += math.Abs(est - float64(truth[row[0]]))
	}
	return sum
}

// TestFullModelCloserToTruth: on simulated isoforms the full model's
// counts are closer to the truth than kallisto's model's, and it records
// itself in run_info.json.
func TestFullModelCloserToTruth(t *testing.T) {
	d := fullSimulated(t)
	def, _ := run(t, quant.Options{Index: d.idx, Files: d.reads})
	full, log := run(t, quant.Options{Index: d.idx, Files: d.reads, Model: quant.ModelFull})
	eDef := absError(t, read(t, filepath.Join(def, "abundance.tsv")), d.truth)
	eFull := absError(t, read(t, filepath.Join(full, "abundance.tsv")), d.truth)
	t.Logf("summed absolute error: kallisto model %.0f, full model %.0f", eDef, eFull)
	if eFull >= eDef {
		t.Errorf("full model error %.0f, kallisto model %.0f: the full model should be closer to the truth", eFull, eDef)
	}
	var ri map[string]any
	if err := json.Unmarshal([]byte(read(t, filepath.Join(full, "run_info.json"))), &ri); err != nil {
		t.Fatal(err)
	}
	if ri["model"] != "full" {
		t.Errorf("run_info.json model = %v, want full", ri["model"])
	}
	if !strings.Contains(log, "[quant] model: full") {
		t.Errorf("the log does not name the model:\n%s", log)
	}
}

// TestFullModelThreads: the full model gives the same bytes for every -t.
func TestFullModelThreads(t *testing.T) {
	d := fullSimulated(t)
	var want string
	for _, th := range []int{1, 2, 4} {
		out, _ := run(t, quant.Options{Index: d.idx, Files: d.reads, Model: quant.ModelFull, Threads: th, Bootstraps: 2, Plaintext: true})
		got := read(t, filepath.Join(out, "abundance.tsv")) + read(t, filepath.Join(out, "bs_abundance_1.tsv"))
		if th == 1 {
			want = got
		} else if got != want {
			t.Errorf("-t %d: abundance.tsv or bs_abundance_1.tsv differs from -t 1", th)
		}
	}
}

// TestFullModelWithEveryOption runs the full model with the options it
// must work with; each run succeeds, writes its files, and differs from
// kallisto's model where the models can differ.
func TestFullModelWithEveryOption(t *testing.T) {
	s := simulated(t)
	cases := []struct {
		name string
		o    quant.Options
	}{
		{"paired", quant.Options{Files: s.reads["unstranded"]}},
		{"single-end", quant.Options{Files: s.reads["unstranded"][:1], Single: true, FragLen: 200, FragSD: 30}},
		{"fr-stranded", quant.Options{Files: s.reads["fr"], Strand: pseudo.FR}},
		{"strand auto", quant.Options{Files: s.reads["rf"], StrandAuto: true}},
		{"bias", quant.Options{Files: s.reads["unstranded"], Bias: true}},
		{"bootstraps, genes, h5", quant.Options{Files: s.reads["unstranded"], Bootstraps: 3, GeneMap: s.t2g}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.o
			o.Index = s.idx
			def, _ := run(t, o)
			o.Model = quant.ModelFull
			full, _ := run(t, o)
			files := []string{"abundance.tsv", "run_info.json", "abundance.h5"}
			if o.GeneMap != "" {
				files = append(files, "abundance.genes.tsv")
			}
			for _, f := range files {
				if _, err := os.Stat(filepath.Join(full, f)); err != nil {
					t.Errorf("%s missing: %v", f, err)
				}
			}
			if read(t, filepath.Join(def, "abundance.tsv")) == read(t, filepath.Join(full, "abundance.tsv")) {
				t.Error("the full model gave kallisto's model's abundance.tsv exactly")
			}
			if o.Bootstraps > 0 {
				f := h5Datasets(t, filepath.Join(full, "abundance.h5"))
				if len(f.Bootstraps) != 3 {
					t.Errorf("%d bootstraps in abundance.h5, want 3", len(f.Bootstraps))
				}
			}
		})
	}
}

// TestModelRefused: an unknown model is refused before anything runs.
func TestModelRefused(t *testing.T) {
	o := quant.Options{Index: "x.idx", OutDir: t.TempDir(), Files: []string{"r.fq"}, Threads: 1, Model: "salmon"}
	err := o.Validate()
	if err == nil || !strings.Contains(err.Error(), `invalid --model "salmon"`) {
		t.Errorf("Validate: %v", err)
	}
}
