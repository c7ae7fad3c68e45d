// Package hdf5test holds test helpers shared by the hdf5 and abundanceh5
// tests: a parser for h5dump's text output, the normalisation used to
// compare `h5dump -p -H` listings of files written by different libraries,
// and lookups of the external tools (h5dump, h5ls, h5py, Rscript) that skip
// the calling test when a tool is not installed.
package hdf5test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Dump is one dataset of an h5dump listing.
type Dump struct {
	Type   string   // the DATATYPE line's value, e.g. "H5T_IEEE_F64LE" or "H5T_STRING"
	Values []string // the DATA values as printed; strings unquoted
}

// ParseDump parses the output of `h5dump -y -m %.17g FILE` (no array
// indices, one dataset per DATASET block) into a map from dataset path
// ("/aux/ids") to its values.
func ParseDump(r io.Reader) (map[string]*Dump, error) {
	out := map[string]*Dump{}
	var stack []string // open GROUP/DATASET/other blocks: name or ""
	var cur *Dump
	inData := false
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	open := regexp.MustCompile(`^(GROUP|DATASET) "([^"]*)" \{$`)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		switch {
		case inData && s == "}":
			inData = false
			stack = stack[:len(stack)-1]
		case inData:
			vals, err := splitValues(s)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", line, err)
			}
			cur.Values = append(cur.Values, vals...)
		case open.MatchString(s):
			m := open.FindStringSubmatch(s)
			name := m[2]
			if m[1] == "DATASET" {
				cur = &Dump{}
				out[pathOf(stack, name)] = cur
			}
			stack = append(stack, name)
		case strings.HasPrefix(s, "DATATYPE"):
			cur.Type = strings.TrimSuffix(strings.Fields(s)[1], "{")
			if strings.HasSuffix(s, "{") {
				stack = append(stack, "")
			}
		case s == "DATA {":
			inData = true
			stack = append(stack, "")
		case strings.HasSuffix(s, "{"):
			stack = append(stack, "")
		case s == "}":
			if len(stack) == 0 {
				return nil, fmt.Errorf("line %d: unbalanced }", line)
			}
			stack = stack[:len(stack)-1]
		}
	}
	return out, sc.Err()
}

func pathOf(stack []string, name string) string {
	var parts []string
	for _, s := range stack {
		if s != "" && s != "/" {
			parts = append(parts, s)
		}
	}
	return "/" + strings.Join(append(parts, name), "/")
}

// splitValues splits one DATA line into values: comma separated, strings
// in double quotes with backslash escapes.
func splitValues(s string) ([]string, error) {
	var out []string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		if s[0] == '"' {
			i := 1
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
			if i >= len(s) {
				return nil, fmt.Errorf("unterminated string %q", s)
			}
			v, err := strconv.Unquote(s[:i+1])
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			s = strings.TrimPrefix(strings.TrimSpace(s[i+1:]), ",")
			continue
		}
		v, rest, _ := strings.Cut(s, ",")
		out = append(out, strings.TrimSpace(v))
		s = rest
	}
	return out, nil
}

var (
	sizeLine   = regexp.MustCompile(`^(\s*)SIZE \d+( \([0-9.]+:1 COMPRESSION\))?$`)
	offsetLine = regexp.MustCompile(`^\s*OFFSET \d+$`)
)

// NormalizeHeader prepares an `h5dump -p -H` listing for comparison with
// one of a file written by another library: it drops the first line (which
// names the file) and replaces the stored size of chunked data (compressed
// sizes differ between zlib implementations) and data offsets.
func NormalizeHeader(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 0 && strings.HasPrefix(lines[0], "HDF5 ") {
		lines = lines[1:]
	}
	var out []string
	for _, l := range lines {
		switch {
		case sizeLine.MatchString(l):
			l = sizeLine.ReplaceAllString(l, "${1}SIZE <stored size>")
		case offsetLine.MatchString(l):
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n") + "\n"
}

// Tool returns the path of an installed command or skips the test.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed (Debian package: %s)", name, debianPackage[name])
	}
	return p
}

var debianPackage = map[string]string{
	"h5dump":  "hdf5-tools",
	"h5ls":    "hdf5-tools",
	"Rscript": "r-base-core",
}

// python is Debian's interpreter: python3-h5py installs into it, not into
// whatever python3 comes first on PATH.
const python = "/usr/bin/python3"

// H5py returns a Python interpreter that can import h5py or skips the test.
func H5py(t testing.TB) string {
	t.Helper()
	if err := exec.Command(python, "-c", "import h5py").Run(); err != nil {
		t.Skipf("%s cannot import h5py (Debian package python3-h5py): %v", python, err)
	}
	return python
}

// PyDataset is what h5pyScript reports for one dataset.
type PyDataset struct {
	Dtype       string            `json:"dtype"`
	Shape       []int             `json:"shape"`
	Chunks      []int             `json:"chunks"`
	Compression string            `json:"compression"`
	Level       int               `json:"compression_opts"`
	Values      []json.RawMessage `json:"values"`
}

// h5pyScript walks a file with h5py and prints every dataset as JSON.
const h5pyScript = `
import h5py, json, math, sys
out = {"groups": [], "datasets": {}}
def visit(name, obj):
    if isinstance(obj, h5py.Group):
        out["groups"].append("/" + name)
        return
    v = obj[()]
    if obj.dtype.kind == "S":
        vals = [x.decode("ascii") for x in v]
    else:
        # JSON has no inf or nan: print those as strings.
        vals = [x.item() if math.isfinite(x) else repr(x.item()) for x in v]
    out["datasets"]["/" + name] = {
        "dtype": obj.dtype.str, "shape": list(obj.shape),
        "chunks": list(obj.chunks) if obj.chunks else None,
        "compression": obj.compression, "compression_opts": obj.compression_opts,
        "values": vals}
with h5py.File(sys.argv[1], "r") as f:
    f.visititems(visit)
json.dump(out, sys.stdout)
`

// PyFile is h5py's view of a file.
type PyFile struct {
	Groups   []string              `json:"groups"`
	Datasets map[string]*PyDataset `json:"datasets"`
}

// ReadWithH5py reads every dataset of path with h5py (skipping the test
// when h5py is missing).
func ReadWithH5py(t testing.TB, path string) *PyFile {
	t.Helper()
	py := H5py(t)
	out, err := exec.Command(py, "-c", h5pyScript, path).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("h5py reading %s: %v\n%s", path, err, msg)
	}
	var f PyFile
	if err := json.Unmarshal(out, &f); err != nil {
		t.Fatalf("h5py output: %v", err)
	}
	return &f
}

// Run runs a command and returns its standard output, failing the test
// with its standard error on failure.
func Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stderr = new(strings.Builder)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, cmd.Stderr)
	}
	return string(out)
}

// WriteFileOrFail writes data to path.
func WriteFileOrFail(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
