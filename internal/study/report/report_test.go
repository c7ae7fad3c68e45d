package report

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gallisto/gallisto/internal/estimate/genes"
	"github.com/gallisto/gallisto/internal/output/abundance"
	"github.com/gallisto/gallisto/internal/study"
)

// synthetic is a study of n samples over m transcripts in two conditions
// whose expression differs in a tenth of the transcripts.
func synthetic(n, m int) *study.Study {
	r := rand.New(rand.NewPCG(1, 2))
	base := make([]float64, m)
	for i := range base {
		base[i] = math.Exp(2 * r.NormFloat64())
	}
	st := &study.Study{MetaKeys: []string{"condition"}}
	ids := make([]string, m)
	lens := make([]int32, m)
	for i := range ids {
		ids[i] = fmt.Sprintf("ENST%08d.1|ENSG%08d.1|x|", i, i/3)
		lens[i] = int32(500 + i%2000)
	}
	for s := 0; s < n; s++ {
		cond := []string{"control", "treated"}[s%2]
		counts, tpm, eff := make([]float64, m), make([]float64, m), make([]float64, m)
		var tot float64
		for i := range counts {
			v := base[i] * math.Exp(0.2*r.NormFloat64())
			if cond == "treated" && i%10 == 0 {
				v *= 4
			}
			counts[i] = math.Round(v * 10)
			eff[i] = float64(lens[i]) - 150
			tpm[i] = counts[i] / eff[i]
			tot += tpm[i]
		}
		for i := range tpm {
			tpm[i] *= 1e6 / tot
		}
		var unal = map[string]int64{"no_kmer_match": int64(1000 + s), "mates_conflict": 200}
		hist := []int64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 40, 150, 400, 900, 1500, 1900, 1800, 1300, 900, 500, 300, 150, 80, 40, 20, 10, 5}
		in := study.RunInfo{NTargets: m, NProcessed: int64(20000 + 100*s), NPseudoaligned: int64(18800 + 100*s - s), NUnique: 12000,
			KallistoVersion: "0.48.0", IndexVersion: 3, GallistoVersion: "test", Model: "kallisto", Unaligned: unal, LibraryStrand: "rf"}
		in.FragmentLength = &struct {
			Mean   float64 `json:"mean"`
			SD     float64 `json:"sd"`
			Source string  `json:"source"`
			Pairs  int64   `json:"pairs"`
			Hist10 []int64 `json:"hist_10bp"`
		}{Mean: 190 + float64(s%7), SD: 30, Source: "estimated", Pairs: 10000, Hist10: hist}
		name := fmt.Sprintf("%s_%03d", cond, s)
		st.Samples = append(st.Samples, &study.Sample{Name: name, Dir: "q/" + name, Info: in, Meta: map[string]string{"condition": cond},
			Tab: &abundance.Table{IDs: ids, Lengths: lens, EffLens: eff, EstCounts: counts, TPM: tpm}})
	}
	return st
}

func geneMap(t *testing.T, st *study.Study) *genes.Map {
	var b strings.Builder
	for _, id := range st.Samples[0].Tab.IDs {
		f := strings.Split(id, "|")
		fmt.Fprintf(&b, "%s\t%s\n", f[0], f[1])
	}
	m, err := genes.ParseGeneMap(strings.NewReader(b.String()), "t2g")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestWrite(t *testing.T) {
	st := synthetic(6, 3000)
	st.Samples[2].Name = `odd <name> & "quotes"`
	var b bytes.Buffer
	if err := Write(&b, st, Options{GeneMap: geneMap(t, st)}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{"<title>gallisto report: 6 samples</title>", `odd &lt;name&gt; &amp; &#34;quotes&#34;`, "Most expressed genes",
		"coloured by condition", `id="heat"`, "PC1 (", "no kmer match"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(page, "<name>") || strings.Contains(page, "http://") && !strings.Contains(page, `xmlns="http://www.w3.org/2000/svg"`) {
		t.Error("unescaped name or a network reference in the page")
	}
	for _, bad := range []string{"<link", "src=\"http", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("the page refers to something outside it: %q", bad)
		}
	}
}

// TestPCASeparatesConditions: on data whose conditions differ, PC1 splits
// them; the coordinates do not depend on the samples' order.
func TestPCASeparatesConditions(t *testing.T) {
	st := synthetic(8, 2000)
	var tpm [][]float64
	for _, s := range st.Samples {
		tpm = append(tpm, s.Tab.TPM)
	}
	coords, frac := pca(logMatrix(tpm))
	if frac[0] < 0.2 || frac[0] < frac[1] {
		t.Errorf("variance explained %v", frac)
	}
	var ctl, trt []float64
	for i, s := range st.Samples {
		if s.Meta["condition"] == "control" {
			ctl = append(ctl, coords[i][0])
		} else {
			trt = append(trt, coords[i][0])
		}
	}
	if !(maxOf(ctl) < minOf(trt) || maxOf(trt) < minOf(ctl)) {
		t.Errorf("PC1 does not separate the conditions: control %v, treated %v", ctl, trt)
	}
	c := correlations(logMatrix(tpm))
	if c[0][2] < c[0][1] {
		t.Errorf("two controls correlate less (%.4f) than a control and a treated (%.4f)", c[0][2], c[0][1])
	}
}

func maxOf(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = math.Max(m, x)
	}
	return m
}

func minOf(v []float64) float64 {
	m := math.Inf(1)
	for _, x := range v {
		m = math.Min(m, x)
	}
	return m
}

// chromium returns the headless browser's path, or skips.
func chromium(t *testing.T) string {
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	t.Skip("no chromium (apt-get install chromium): the report is not rendered")
	return ""
}

// render loads the page in headless Chromium: the DOM after its script
// ran, and a screenshot at 1200 pixels wide.
func render(t *testing.T, page, shot string) (string, time.Duration) {
	t.Helper()
	bin := chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	common := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + t.TempDir()}
	start := time.Now()
	dom, err := exec.CommandContext(ctx, bin, append(common, "--dump-dom", "file://"+page)...).Output()
	took := time.Since(start)
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	if out, err := exec.CommandContext(ctx, bin, append(common, "--window-size=1200,2400", "--screenshot="+shot, "file://"+page)...).CombinedOutput(); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, out)
	}
	return string(dom), took
}

// TestRenderInChromium: the page renders without script errors, its DOM
// names every sample, and a screenshot shows more than a blank page; on
// 100 samples the file stays under 2 MB.
func TestRenderInChromium(t *testing.T) {
	for _, n := range []int{4, 100} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			st := synthetic(n, 5000)
			dir := t.TempDir()
			page := filepath.Join(dir, "report.html")
			var b bytes.Buffer
			if err := Write(&b, st, Options{GeneMap: geneMap(t, st)}); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(page, b.Bytes(), 0o644)
			if b.Len() > 2<<20 {
				t.Errorf("report of %d samples is %d bytes, over 2 MB", n, b.Len())
			}
			shot := filepath.Join(dir, "report.png")
			if d := os.Getenv("GALLISTO_ARTIFACTS"); d != "" {
				shot = filepath.Join(d, fmt.Sprintf("report-%d.png", n))
			}
			dom, took := render(t, page, shot)
			ms := ""
			if i := strings.Index(dom, `data-load-ms="`); i >= 0 {
				ms = strings.SplitN(dom[i+14:], `"`, 2)[0]
			}
			t.Logf("%d samples: %d bytes; page parsed and its script run %s ms after navigation (chromium start, load and dump: %v); screenshot %s", n, b.Len(), ms, took, shot)
			if !strings.Contains(dom, fmt.Sprintf(`data-rendered="%d"`, n)) {
				t.Error("the page's script did not run to its end")
			}
			if !strings.Contains(dom, `<div id="js-errors"></div>`) {
				i := strings.Index(dom, `id="js-errors"`)
				t.Errorf("script errors: %.300s", dom[i:])
			}
			for _, s := range st.Samples {
				if !strings.Contains(dom, `data-sample="`+s.Name+`"`) {
					t.Errorf("sample %s is not in the rendered table", s.Name)
				}
			}
			checkScreenshot(t, shot)
		})
	}
}

// checkScreenshot fails on a missing or blank image.
func checkScreenshot(t *testing.T, path string) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	im, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	b := im.Bounds()
	if b.Dx() != 1200 {
		t.Errorf("screenshot is %d pixels wide, want 1200", b.Dx())
	}
	colors := map[uint32]bool{}
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			r, g, bl, _ := im.At(x, y).RGBA()
			colors[r>>12<<8|g>>12<<4|bl>>12] = true
		}
	}
	if len(colors) < 20 {
		t.Errorf("screenshot has %d colours: a blank page?", len(colors))
	}
}
