package runinfo

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/gallisto/gallisto/internal/testref"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current Write")

// base is a run as kallisto 0.48 reports one. The counts are chosen so that
// p_pseudoaligned is 100*940500/1000000 = 94.05, which as a double is
// 94.049999999999997 and so prints "94.0" with %.1f (C and Go alike), and
// p_unique is 100*802125/1000000 = 80.2125 -> "80.2".
func base() Info {
	return Info{
		NumTargets:       188753, // transcripts in Ensembl 96's human cDNA
		NumBootstraps:    100,
		NumProcessed:     1000000,
		NumPseudoaligned: 940500,
		NumUnique:        802125,
		Version:          "0.48.0",
		IndexVersion:     10, // kallisto 0.48's INDEX_VERSION
		StartTime:        "Thu Oct  6 10:05:19 2022",
		Call:             "kallisto quant -i index.idx -o out -b 100 R1.fastq.gz R2.fastq.gz",
	}
}

func goldenCases() map[string]Info {
	cases := map[string]Info{}

	cases["kallisto"] = base()

	zero := base()
	zero.NumProcessed, zero.NumPseudoaligned, zero.NumUnique = 0, 0, 0
	cases["no_reads"] = zero

	// 100*18850/20000 = 94.25, exact in binary: a tie that C's printf
	// rounds to even, "94.2"; 100*18950/20000 = 94.75 -> "94.8".
	ties := base()
	ties.NumProcessed, ties.NumPseudoaligned, ties.NumUnique = 20000, 18950, 18850
	cases["ties"] = ties

	quoted := base()
	quoted.Call = `gallisto quant -i "my index.idx" -o C:\out\dir --note '<a&b>' tab:	end é`
	cases["escaping"] = quoted

	extra := base()
	extra.Extra = []KV{
		{"gallisto_version", "0.1.0"},
		{"n_threads", 2},
		{"fragment_length_mean", 187.5},
		{"single_end", false},
		{"warnings", []string{"sequence \"x\" has N", "<none>"}},
		{"options", map[string]int{"b": 2, "a": 1}}, // keys sorted by encoding/json
		{"index", nil},
	}
	cases["extra"] = extra
	return cases
}

func TestWriteGolden(t *testing.T) {
	for name, info := range goldenCases() {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, &info); err != nil {
				t.Fatal(err)
			}
			testref.Golden(t, filepath.Join("testdata", name+".json.golden"), b.String(), *update)
		})
	}
}

// TestValidJSON parses every golden case with encoding/json and checks the
// key order and the values read back.
func TestValidJSON(t *testing.T) {
	for name, info := range goldenCases() {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, &info); err != nil {
				t.Fatal(err)
			}
			if !json.Valid(b.Bytes()) {
				t.Fatalf("not valid JSON:\n%s", b.String())
			}
			// Key order, read with the token stream.
			dec := json.NewDecoder(bytes.NewReader(b.Bytes()))
			dec.UseNumber()
			var keys []string
			var values = map[string]any{}
			if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
				t.Fatalf("first token %v, %v; want {", tok, err)
			}
			for dec.More() {
				tok, err := dec.Token()
				if err != nil {
					t.Fatal(err)
				}
				var v any
				if err := dec.Decode(&v); err != nil {
					t.Fatal(err)
				}
				keys = append(keys, tok.(string))
				values[tok.(string)] = v
			}
			want := []string{"n_targets", "n_bootstraps", "n_processed", "n_pseudoaligned",
				"n_unique", "p_pseudoaligned", "p_unique", "kallisto_version",
				"index_version", "start_time", "call"}
			for _, kv := range info.Extra {
				want = append(want, kv.Key)
			}
			if diff := cmp.Diff(want, keys); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
			if values["call"] != info.Call {
				t.Errorf("call reads back as %q, want %q", values["call"], info.Call)
			}
			if values["start_time"] != info.StartTime {
				t.Errorf("start_time reads back as %q, want %q", values["start_time"], info.StartTime)
			}
			if got := values["n_processed"].(json.Number).String(); got != fmt.Sprint(info.NumProcessed) {
				t.Errorf("n_processed reads back as %s, want %d", got, info.NumProcessed)
			}
		})
	}
}

// TestLayout pins details of the format that readers of kallisto's file
// may rely on, independently of the golden files.
func TestLayout(t *testing.T) {
	info := base()
	info.Call = `a "b" c\d <e> & f`
	var b bytes.Buffer
	if err := Write(&b, &info); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"{\n\t\"n_targets\": 188753,\n",
		"\t\"p_pseudoaligned\": 94.0,\n",
		"\t\"p_unique\": 80.2,\n",
		"\t\"start_time\": \"Thu Oct  6 10:05:19 2022\",\n",
		// Quotes and backslashes escaped; <, > and & kept as typed
		// (encoding/json would write \u003c, \u003e, \u0026).
		"\t\"call\": \"a \\\"b\\\" c\\\\d <e> & f\"\n}\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, `\u00`) {
		t.Errorf("output has \\u escapes:\n%s", out)
	}
}

func TestExtraMarshalError(t *testing.T) {
	info := base()
	info.Extra = []KV{{"ok", 1}, {"bad", math.NaN()}}
	err := Write(io.Discard, &info)
	if want := "runinfo: bad: json: unsupported value: NaN"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

func TestWriteError(t *testing.T) {
	boom := errors.New("disk full")
	info := base()
	if err := Write(failWriter{boom}, &info); !errors.Is(err, boom) {
		t.Errorf("got %v, want %v", err, boom)
	}
}

// auxCpp is kallisto 0.48's plaintext_aux and to_json (src/PlaintextWriter.cpp)
// reduced to what they compute, written anew: it reads the nine values as
// lines of standard input and writes the file named by argv[1].
const auxCpp = `
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>

static std::string field(const std::string& id, const std::string& val, bool quote, bool comma = true) {
	std::string out = "\t\"" + id + "\": ";
	if (quote) out += '"';
	out += val;
	if (quote) out += '"';
	if (comma) out += ',';
	return out;
}

int main(int argc, char** argv) {
	std::string v[9];
	for (int i = 0; i < 9; i++) std::getline(std::cin, v[i]);
	double p_uniq = 0.0, p_aln = 0.0;
	double nreads = std::stod(v[2]), naln = std::stod(v[3]), nuniq = std::stod(v[4]);
	if (nreads > 0) {
		p_uniq = 100.0 * nuniq / nreads;
		p_aln = 100.0 * naln / nreads;
	}
	std::stringstream ss;
	ss << std::fixed << std::setprecision(1) << p_uniq;
	std::string p_uniq_s = ss.str();
	ss.str("");
	ss << std::fixed << std::setprecision(1) << p_aln;
	std::string p_aln_s = ss.str();
	std::ofstream of(argv[1]);
	of << "{" << std::endl
		<< field("n_targets", v[0], false) << std::endl
		<< field("n_bootstraps", v[1], false) << std::endl
		<< field("n_processed", v[2], false) << std::endl
		<< field("n_pseudoaligned", v[3], false) << std::endl
		<< field("n_unique", v[4], false) << std::endl
		<< field("p_pseudoaligned", p_aln_s, false) << std::endl
		<< field("p_unique", p_uniq_s, false) << std::endl
		<< field("kallisto_version", v[5], true) << std::endl
		<< field("index_version", v[6], false) << std::endl
		<< field("start_time", v[7], true) << std::endl
		<< field("call", v[8], true, false) << std::endl
		<< "}" << std::endl;
	return 0;
}
`

// TestMatchesCpp compares Write with kallisto's C++ for runs whose strings
// need no escaping (where kallisto's output is valid JSON): the files must
// be identical, percentages included. The counts cover exact ties (x.x5
// with a power-of-two denominator), values just below and above them, 0%,
// 100%, and random runs of up to 10^9 reads.
func TestMatchesCpp(t *testing.T) {
	bin := testref.BuildCpp(t, auxCpp, "-O2", "-std=c++11")
	dir := t.TempDir()
	type counts struct{ processed, aligned, unique int64 }
	runs := []counts{
		{1000000, 940500, 802125}, // 94.05, 80.2125
		{20000, 18950, 18850},     // 94.75, 94.25: exact ties
		{0, 0, 0},
		{1, 1, 0},
		{3, 2, 1},                     // 66.666..., 33.333...
		{2000, 1, 1},                  // 0.05 -> 0.050000000000000003 -> "0.1"
		{200, 1, 1},                   // 0.5
		{400, 1, 1},                   // 0.25: a tie, "0.2"
		{1600, 1, 3},                  // 0.0625, 0.1875
		{1 << 40, 1<<40 - 1, 1 << 39}, // 99.99999999990905 -> "100.0"
	}
	rng := rand.New(rand.NewPCG(48, 0)) // any fixed seed
	for i := 0; i < 300; i++ {
		n := rng.Int64N(1e9) + 1
		a := rng.Int64N(n + 1)
		runs = append(runs, counts{n, a, rng.Int64N(a + 1)})
	}
	for i := 0; i < 100; i++ {
		// Denominators of 20, 40, 80, ... give percentages with a 5 in
		// the second decimal, the rounding boundary of %.1f.
		n := int64(20) << rng.IntN(10)
		a := rng.Int64N(n + 1)
		runs = append(runs, counts{n, a, rng.Int64N(n + 1)})
	}
	for _, c := range runs {
		info := base()
		info.NumProcessed, info.NumPseudoaligned, info.NumUnique = c.processed, c.aligned, c.unique
		var b bytes.Buffer
		if err := Write(&b, &info); err != nil {
			t.Fatal(err)
		}
		outFile := filepath.Join(dir, "run_info.json")
		cmd := exec.Command(bin, outFile)
		cmd.Stdin = strings.NewReader(strings.Join([]string{
			fmt.Sprint(info.NumTargets), fmt.Sprint(info.NumBootstraps),
			fmt.Sprint(info.NumProcessed), fmt.Sprint(info.NumPseudoaligned), fmt.Sprint(info.NumUnique),
			info.Version, fmt.Sprint(info.IndexVersion), info.StartTime, info.Call,
		}, "\n") + "\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		want, err := os.ReadFile(outFile)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), b.String()); diff != "" {
			t.Errorf("%+v: differs from kallisto's C++ (-C++ +Write):\n%s", c, diff)
		}
	}
}
