// Package runinfo writes run_info.json with kallisto 0.48's keys, order and
// layout (src/PlaintextWriter.cpp plaintext_aux): tab-indented, one key per
// line, percentages with one decimal. gallisto adds keys after kallisto's;
// readers that look up kallisto's keys (MultiQC, sleuth, tximport) are
// unaffected.
//
// Unlike kallisto, strings are escaped, so a command line holding quotes or
// backslashes still yields valid JSON.
package runinfo

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Info is the content of run_info.json.
type Info struct {
	NumTargets       int
	NumBootstraps    int
	NumProcessed     int64
	NumPseudoaligned int64
	NumUnique        int64
	Version          string // reported as kallisto_version, as readers expect
	IndexVersion     int
	StartTime        string // asctime() format, "Thu Oct  6 10:05:19 2022"
	Call             string
	// Extra holds gallisto's additional keys in order; values are
	// marshalled with encoding/json.
	Extra []KV
}

// KV is one extra key.
type KV struct {
	Key   string
	Value any
}

// Write writes info as kallisto does.
func Write(w io.Writer, info *Info) error {
	var pAln, pUniq float64
	if info.NumProcessed > 0 {
		pUniq = 100.0 * float64(info.NumUnique) / float64(info.NumProcessed)
		pAln = 100.0 * float64(info.NumPseudoaligned) / float64(info.NumProcessed)
	}
	var b strings.Builder
	line := func(key, val string, last bool) {
		b.WriteString("\t\"" + key + "\": " + val)
		if !last {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("{\n")
	line("n_targets", strconv.Itoa(info.NumTargets), false)
	line("n_bootstraps", strconv.Itoa(info.NumBootstraps), false)
	line("n_processed", strconv.FormatInt(info.NumProcessed, 10), false)
	line("n_pseudoaligned", strconv.FormatInt(info.NumPseudoaligned, 10), false)
	line("n_unique", strconv.FormatInt(info.NumUnique, 10), false)
	line("p_pseudoaligned", strconv.FormatFloat(pAln, 'f', 1, 64), false)
	line("p_unique", strconv.FormatFloat(pUniq, 'f', 1, 64), false)
	line("kallisto_version", quote(info.Version), false)
	line("index_version", strconv.Itoa(info.IndexVersion), false)
	line("start_time", quote(info.StartTime), false)
	line("call", quote(info.Call), len(info.Extra) == 0)
	for i, kv := range info.Extra {
		v, err := marshal(kv.Value)
		if err != nil {
			return fmt.Errorf("runinfo: %s: %w", kv.Key, err)
		}
		line(kv.Key, v, i == len(info.Extra)-1)
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func quote(s string) string {
	q, _ := marshal(s)
	return q
}

// marshal is json.Marshal without HTML escaping, so that "<" and ">" in a
// command line stay as typed.
func marshal(v any) (string, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}
