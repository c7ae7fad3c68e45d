package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// addProfileFlags adds hidden --cpuprofile, --memprofile and --peak-memory
// flags, used to produce the pprof profiles behind the performance work
// (see bench/) and by the tests that check memory budgets.
func addProfileFlags(c *cobra.Command) {
	var cpu, mem, peak string
	f := c.Flags()
	f.StringVar(&cpu, "cpuprofile", "", "write a CPU profile to this file")
	f.StringVar(&mem, "memprofile", "", "write a heap profile to this file at exit")
	f.StringVar(&peak, "peak-memory", "", "write the peak resident memory in bytes to this file at exit")
	f.MarkHidden("cpuprofile")
	f.MarkHidden("memprofile")
	f.MarkHidden("peak-memory")
	run := c.RunE
	c.RunE = func(c *cobra.Command, args []string) error {
		if cpu != "" {
			pf, err := os.Create(cpu)
			if err != nil {
				return fmt.Errorf("cpuprofile: %w", err)
			}
			defer pf.Close()
			if err := pprof.StartCPUProfile(pf); err != nil {
				return fmt.Errorf("cpuprofile: %w", err)
			}
			defer pprof.StopCPUProfile()
		}
		err := run(c, args)
		if mem != "" {
			mf, merr := os.Create(mem)
			if merr != nil {
				return fmt.Errorf("memprofile: %w", merr)
			}
			defer mf.Close()
			runtime.GC()
			pprof.WriteHeapProfile(mf)
		}
		if peak != "" {
			n, perr := peakRSS()
			if perr == nil {
				perr = os.WriteFile(peak, []byte(strconv.FormatInt(n, 10)+"\n"), 0o644)
			}
			if perr != nil && err == nil {
				err = fmt.Errorf("peak-memory: %w", perr)
			}
		}
		return err
	}
}

// peakRSS returns this process's peak resident memory, VmHWM in
// /proc/self/status (Linux). Unlike the ru_maxrss a parent gets from
// wait4, it does not include the memory of the parent that started this
// process: Linux carries the parent's high-water mark over exec.
func peakRSS() (int64, error) {
	_, peak, err := procMemory("/proc/self/status")
	return peak, err
}

// procMemory reads the resident memory (VmRSS) and its peak (VmHWM) from a
// /proc/PID/status file, in bytes.
func procMemory(status string) (rss, peak int64, err error) {
	b, err := os.ReadFile(status)
	if err != nil {
		return 0, 0, err
	}
	found := 0
	for line := range strings.Lines(string(b)) {
		key, v, ok := strings.Cut(line, ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %s: %w", status, key, err)
		}
		if key == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
		found++
	}
	if found < 2 {
		return 0, 0, fmt.Errorf("%s: no VmRSS and VmHWM lines", status)
	}
	return rss, peak, nil
}
