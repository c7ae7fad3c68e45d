package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// addProfileFlags adds hidden --cpuprofile and --memprofile flags, used to
// produce the pprof profiles behind the performance work (see bench/).
func addProfileFlags(c *cobra.Command) {
	var cpu, mem string
	f := c.Flags()
	f.StringVar(&cpu, "cpuprofile", "", "write a CPU profile to this file")
	f.StringVar(&mem, "memprofile", "", "write a heap profile to this file at exit")
	f.MarkHidden("cpuprofile")
	f.MarkHidden("memprofile")
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
		return err
	}
}
