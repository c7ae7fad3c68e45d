// Package memlimit reads the memory limits a process runs under, so that a
// command can refuse work that cannot fit with one line instead of dying
// in the Go runtime's "fatal error: out of memory" with a goroutine dump.
//
// Two kinds of limit are read, as Linux documents them:
//   - the address-space limit, RLIMIT_AS (setrlimit(2); the shell's
//     `ulimit -v`), against the process's current address space, VmSize
//     in /proc/self/status (proc(5)). Go reserves address space it has not
//     touched (about 1.2 GB at start on amd64), and this counts it.
//   - the cgroup's memory limit: memory.max and memory.current (cgroup v2,
//     Documentation/admin-guide/cgroup-v2.rst) or memory.limit_in_bytes and
//     memory.usage_in_bytes (v1, cgroup-v1/memory.rst), for the process's
//     cgroup (/proc/self/cgroup) and its ancestors; the smallest room wins.
//     The usage counts the page cache, which the kernel reclaims before it
//     refuses memory, so the inactive file pages of memory.stat are taken
//     off it (the "working set" container tools report).
//
// The check is a floor, not a guarantee: it refuses what cannot fit, such
// as an index larger than the room left; a run that passes can still need
// more later. SetGoLimit also sets the Go runtime's soft limit
// (runtime/debug.SetMemoryLimit) to 90% of the room, so that the garbage
// collector works harder before the hard limit is met.
package memlimit

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// unlimited marks the absence of a limit.
const unlimited = ^uint64(0)

// Limits is the memory a process may still take.
type Limits struct {
	// AddressSpace is RLIMIT_AS and AddressUsed the address space in use
	// (VmSize); AddressSpace is 0 when there is no limit.
	AddressSpace, AddressUsed uint64
	// Cgroup is the smallest cgroup memory limit and CgroupUsed the memory
	// its cgroup uses; Cgroup is 0 when there is none.
	Cgroup, CgroupUsed uint64
	// CgroupFile names the file the cgroup limit came from.
	CgroupFile string
}

// Current reads the limits of this process.
func Current() Limits {
	var l Limits
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &r); err == nil && r.Cur != unlimited {
		l.AddressSpace = r.Cur
		l.AddressUsed = vmSize("/proc/self/status")
	}
	l.Cgroup, l.CgroupUsed, l.CgroupFile = cgroupLimit("/proc/self/cgroup", "/sys/fs/cgroup")
	return l
}

// Room returns the bytes the process may still take and which limit says
// so ("" when none does).
func (l Limits) Room() (uint64, string) {
	room, what := unlimited, ""
	if l.AddressSpace > 0 {
		room, what = sub(l.AddressSpace, l.AddressUsed), "the address-space limit (ulimit -v)"
	}
	if l.Cgroup > 0 {
		if r := sub(l.Cgroup, l.CgroupUsed); r < room {
			room, what = r, "the cgroup memory limit ("+l.CgroupFile+")"
		}
	}
	return room, what
}

// Check refuses a need of need bytes that the room left cannot hold; what
// names the need ("loading the index").
func (l Limits) Check(need uint64, what string) error {
	room, limit := l.Room()
	if limit == "" || need <= room {
		return nil
	}
	return fmt.Errorf("%s needs about %s of memory, and %s leaves %s: raise the limit or use a machine with more memory", what, mb(need), limit, mb(room))
}

// SetGoLimit sets the Go runtime's soft memory limit to 90% of the room,
// unless the user set GOMEMLIMIT or no limit applies.
func SetGoLimit(l Limits) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	if room, limit := l.Room(); limit != "" {
		debug.SetMemoryLimit(int64(min(room/10*9, 1<<62)))
	}
}

func sub(a, b uint64) uint64 {
	if b >= a {
		return 0
	}
	return a - b
}

func mb(b uint64) string { return strconv.FormatUint(b>>20, 10) + " MiB" }

// vmSize reads VmSize (kB) from a /proc status file; 0 if unreadable.
func vmSize(status string) uint64 {
	f, err := os.Open(status)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmSize:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cgroupLimit finds the smallest memory limit over the process's cgroup
// and its ancestors (v2 first, then v1's memory controller) under the
// cgroup file system root, with the usage of the cgroup that holds it.
func cgroupLimit(procCgroup, root string) (limit, used uint64, file string) {
	b, err := os.ReadFile(procCgroup)
	if err != nil {
		return 0, 0, ""
	}
	limit = unlimited
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		var dir, maxFile, usedFile string
		switch {
		case parts[0] == "0" && parts[1] == "":
			dir, maxFile, usedFile = root, "memory.max", "memory.current"
			if _, err := os.Stat(filepath.Join(root, "unified")); err == nil {
				dir = filepath.Join(root, "unified") // hybrid hierarchy
			}
		case slices.Contains(strings.Split(parts[1], ","), "memory"):
			dir, maxFile, usedFile = filepath.Join(root, "memory"), "memory.limit_in_bytes", "memory.usage_in_bytes"
		default:
			continue
		}
		for p := parts[2]; ; p = filepath.Dir(p) {
			d := filepath.Join(dir, p)
			if v, ok := readLimit(filepath.Join(d, maxFile)); ok && v < limit {
				limit, file = v, filepath.Join(d, maxFile)
				used, _ = readLimit(filepath.Join(d, usedFile))
				used = sub(used, inactiveFile(filepath.Join(d, "memory.stat")))
			}
			if p == "/" || p == "." {
				break
			}
		}
	}
	// A v1 "no limit" is the largest page-aligned int64, not "max".
	if limit == unlimited || limit >= 1<<62 {
		return 0, 0, ""
	}
	return limit, used, file
}

// inactiveFile reads the inactive file pages (reclaimable page cache) of
// a memory.stat file: "inactive_file" in v2, "total_inactive_file" in v1
// (its hierarchy's total); 0 if absent.
func inactiveFile(stat string) uint64 {
	b, err := os.ReadFile(stat)
	if err != nil {
		return 0
	}
	var v2, v1 uint64
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "inactive_file":
			v2 = n
		case "total_inactive_file":
			v1 = n
		}
	}
	return max(v1, v2)
}

// readLimit reads a number, or "max" (no limit), from a cgroup file.
func readLimit(path string) (uint64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	s := strings.TrimSpace(string(b))
	if s == "max" {
		return unlimited, true
	}
	v, err := strconv.ParseUint(s, 10, 64)
	return v, err == nil
}
