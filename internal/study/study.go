// Package study loads the finished quant folders of many samples for
// `gallisto merge` and `gallisto report`: each folder's abundance.tsv
// and run_info.json as gallisto quant (or kallisto 0.48 quant) writes
// them, checked to come from one index.
//
// A folder argument is a sample folder (it holds run_info.json and
// abundance.tsv; the sample is named after the folder) or a batch folder
// (quant --batch -o): its sample subfolders, in name order or in the
// order of a sample sheet. Given a sheet, its extra columns (condition,
// ...) become each sample's metadata. Two samples with one name, a
// folder without a finished run, and samples whose target lists (names
// and lengths) differ are refused: their numbers cannot share a matrix.
package study

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/gallisto/gallisto/internal/input/sheet"
	"github.com/gallisto/gallisto/internal/output/abundance"
)

// RunInfo is the part of run_info.json the study uses. The keys after
// call are gallisto's; a kallisto run lacks them (zero values).
type RunInfo struct {
	NTargets        int              `json:"n_targets"`
	NBootstraps     int              `json:"n_bootstraps"`
	NProcessed      int64            `json:"n_processed"`
	NPseudoaligned  int64            `json:"n_pseudoaligned"`
	NUnique         int64            `json:"n_unique"`
	PPseudoaligned  float64          `json:"p_pseudoaligned"`
	PUnique         float64          `json:"p_unique"`
	KallistoVersion string           `json:"kallisto_version"`
	IndexVersion    int              `json:"index_version"`
	StartTime       string           `json:"start_time"`
	Call            string           `json:"call"`
	GallistoVersion string           `json:"gallisto_version"`
	Model           string           `json:"model"`
	Unaligned       map[string]int64 `json:"n_unaligned"`
	LibraryStrand   string           `json:"library_strand"`
	Strand          *struct {
		Mode   string  `json:"mode"`
		Chosen string  `json:"chosen"`
		FracFR float64 `json:"fraction_fr"`
		Reason string  `json:"reason"`
	} `json:"strand"`
	FragmentLength *struct {
		Mean   float64 `json:"mean"`
		SD     float64 `json:"sd"`
		Source string  `json:"source"`
		Pairs  int64   `json:"pairs"`
		Hist10 []int64 `json:"hist_10bp"`
	} `json:"fragment_length"`
}

// Sample is one finished quant folder.
type Sample struct {
	Name string
	Dir  string
	Info RunInfo
	Tab  *abundance.Table
	Meta map[string]string // from the sheet; empty without one
}

// Study is the samples of one merge or report.
type Study struct {
	Samples  []*Sample
	MetaKeys []string // the sheet's extra columns, in order
}

// UnalignedCauses are the n_unaligned keys in the order tables show them.
var UnalignedCauses = []string{"too_short", "too_many_n", "no_kmer_match", "mates_conflict", "overhang", "strand_filter", "low_score"}

// isSample reports whether dir holds a finished quant run.
func isSample(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "run_info.json"))
	return err == nil
}

// Load reads the samples of dirs (sample or batch folders). With a sheet,
// the samples are ordered and annotated by it; each sheet sample must be
// found.
func Load(dirs []string, sh *sheet.Sheet) (*Study, error) {
	if len(dirs) == 0 {
		return nil, errors.New("no sample folder given")
	}
	var folders []string
	for _, d := range dirs {
		st, err := os.Stat(d)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("%s: no such folder", d)
		case err != nil:
			return nil, err
		case !st.IsDir():
			return nil, fmt.Errorf("%s: not a folder (give quant output folders)", d)
		}
		if isSample(d) {
			folders = append(folders, d)
			continue
		}
		subs, err := sampleSubfolders(d)
		if err != nil {
			return nil, err
		}
		folders = append(folders, subs...)
	}
	st := &Study{}
	byName := map[string]*Sample{}
	for _, f := range folders {
		s, err := loadSample(f)
		if err != nil {
			return nil, err
		}
		if prev, ok := byName[s.Name]; ok {
			return nil, fmt.Errorf("two samples named %s: %s and %s (sample names are folder names)", s.Name, prev.Dir, s.Dir)
		}
		byName[s.Name] = s
		st.Samples = append(st.Samples, s)
	}
	if sh != nil {
		if err := st.applySheet(sh, byName); err != nil {
			return nil, err
		}
	}
	return st, st.checkSameIndex()
}

// sampleSubfolders lists the finished sample folders inside a batch folder.
func sampleSubfolders(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	var unfinished []string
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if isSample(p) {
			out = append(out, p)
		} else if _, err := os.Stat(filepath.Join(p, "abundance.tsv")); err == nil {
			unfinished = append(unfinished, p)
		}
	}
	if len(unfinished) > 0 {
		return nil, fmt.Errorf("%s: no run_info.json: not a finished quant folder", unfinished[0])
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: neither a quant folder (run_info.json, abundance.tsv) nor a folder of them", dir)
	}
	sort.Strings(out)
	return out, nil
}

func loadSample(dir string) (*Sample, error) {
	s := &Sample{Name: filepath.Base(filepath.Clean(dir)), Dir: dir, Meta: map[string]string{}}
	b, err := os.ReadFile(filepath.Join(dir, "run_info.json"))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &s.Info); err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir, "run_info.json"), err)
	}
	p := filepath.Join(dir, "abundance.tsv")
	f, err := os.Open(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: file not found (run with --plaintext or not, quant always writes it)", p)
		}
		return nil, err
	}
	defer f.Close()
	if s.Tab, err = abundance.Read(f, p); err != nil {
		return nil, err
	}
	if s.Info.NTargets != 0 && s.Info.NTargets != len(s.Tab.IDs) {
		return nil, fmt.Errorf("%s: %d targets, run_info.json says %d: the folder mixes two runs", p, len(s.Tab.IDs), s.Info.NTargets)
	}
	return s, nil
}

// applySheet orders the samples as the sheet does and attaches its
// metadata; a sheet sample without a folder is an error, a folder the
// sheet does not name is left out.
func (st *Study) applySheet(sh *sheet.Sheet, byName map[string]*Sample) error {
	var out []*Sample
	for _, s := range sh.Samples {
		x, ok := byName[s.Name]
		if !ok {
			return fmt.Errorf("%s line %d: sample %s has no finished quant folder among those given", sh.Path, s.Line, s.Name)
		}
		x.Meta = s.Meta
		out = append(out, x)
	}
	st.Samples, st.MetaKeys = out, sh.MetaKeys
	return nil
}

// checkSameIndex refuses samples quantified against different targets.
func (st *Study) checkSameIndex() error {
	a := st.Samples[0]
	for _, b := range st.Samples[1:] {
		if len(b.Tab.IDs) != len(a.Tab.IDs) {
			return fmt.Errorf("samples %s and %s were quantified with different indexes (%d and %d targets)", a.Name, b.Name, len(a.Tab.IDs), len(b.Tab.IDs))
		}
		for i := range a.Tab.IDs {
			if a.Tab.IDs[i] != b.Tab.IDs[i] || a.Tab.Lengths[i] != b.Tab.Lengths[i] {
				return fmt.Errorf("samples %s and %s were quantified with different indexes (target %d is %s of length %d in one, %s of length %d in the other)",
					a.Name, b.Name, i+1, a.Tab.IDs[i], a.Tab.Lengths[i], b.Tab.IDs[i], b.Tab.Lengths[i])
			}
		}
	}
	return nil
}

// Strand is the sample's library strand as quantified: the --strand auto
// call when there was one, else the filter used ("" for a kallisto run).
func (s *Sample) Strand() string {
	if s.Info.Strand != nil && s.Info.Strand.Chosen != "" {
		return s.Info.Strand.Chosen + " (auto)"
	}
	return s.Info.LibraryStrand
}
