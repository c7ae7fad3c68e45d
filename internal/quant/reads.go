package quant

import (
	"fmt"
	"os"

	"github.com/gallisto/gallisto/internal/input/lanes"
	"github.com/gallisto/gallisto/internal/input/zio"
)

// Log lines gallisto adds to kallisto's (kallisto's own lines are kept
// byte for byte, so MultiQC reads the log as kallisto's).
const (
	// logUnaligned starts the breakdown of the reads that did not
	// pseudoalign, by cause (the keys of run_info.json's n_unaligned),
	// printed after "[quant] processed ..." when there are any.
	logUnaligned = "[quant] not pseudoaligned: "
	// logRemovedStale reports temporary files of killed runs removed from
	// the output directory.
	logRemovedStale = "[quant] removed "
	// logModel names the model of --model full (the default, kallisto's,
	// is not named, as kallisto does not).
	logModel = "[quant] model: "
	// logWarn starts gallisto's own warnings.
	logWarn = "[quant] warning: "
)

// ExtraLogPrefixes lists the prefixes of the log lines gallisto adds to
// kallisto's; removing the lines that start with them leaves kallisto's log.
var ExtraLogPrefixes = []string{logUnaligned, logRemovedStale, logModel, logWarn}

// inputs returns the read layout the options ask for.
func (o *Options) inputs() lanes.Groups {
	per := 2
	if o.Single || o.Interleaved {
		per = 1
	}
	return lanes.Groups{Files: o.Files, PerGroup: per, Interleaved: o.Interleaved, CheckNames: !o.NoNameCheck}
}

// checkInputFiles reports read-file mistakes that would otherwise go
// unnoticed: standard input named twice (the second reader would see
// nothing), and one file given as both mates of a pair (the mates would
// match by name and count).
func (o *Options) checkInputFiles() []string {
	var errs []string
	in := o.inputs()
	if in.PerGroup != 2 {
		return append(errs, o.repeatedSingleFiles()...)
	}
	for i, u := range in.List() {
		if len(u) != 2 || u[0] == zio.Stdin || u[1] == zio.Stdin {
			continue
		}
		s1, err1 := os.Stat(u[0])
		s2, err2 := os.Stat(u[1])
		if u[0] == u[1] || (err1 == nil && err2 == nil && os.SameFile(s1, s2)) {
			errs = append(errs, fmt.Sprintf("pair %d: %s is given as both mates (R1 R2); for one file holding both mates use --interleaved", i+1, u[1]))
		}
	}
	return errs
}

// repeatedSingleFiles refuses a single-end (or interleaved) file given
// twice: its reads would be counted twice.
func (o *Options) repeatedSingleFiles() []string {
	var errs []string
	seen := map[string]int{}
	var stats []os.FileInfo
	var names []string
	for i, f := range o.Files {
		if f == zio.Stdin {
			continue
		}
		if j, ok := seen[f]; ok {
			errs = append(errs, fmt.Sprintf("%s is given twice (files %d and %d): its reads would be counted twice", f, j+1, i+1))
			continue
		}
		seen[f] = i
		st, err := os.Stat(f)
		if err != nil {
			continue
		}
		for k, prev := range stats {
			if os.SameFile(prev, st) {
				errs = append(errs, fmt.Sprintf("%s and %s are the same file: its reads would be counted twice", names[k], f))
			}
		}
		stats, names = append(stats, st), append(names, f)
	}
	return errs
}
