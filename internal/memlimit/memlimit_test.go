package memlimit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tree writes files (path -> content) under a fresh directory.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, c := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestCgroup(t *testing.T) {
	for _, tc := range []struct {
		name       string
		files      map[string]string
		limit, use uint64
		file       string
	}{
		{
			name: "v2, limit on the parent",
			files: map[string]string{
				"cgroup":                        "0::/user.slice/job\n",
				"fs/user.slice/memory.max":      "4294967296\n",
				"fs/user.slice/memory.current":  "1073741824\n",
				"fs/user.slice/job/memory.max":  "max\n",
				"fs/user.slice/job/memory.curr": "x",
			},
			limit: 4 << 30, use: 1 << 30, file: "fs/user.slice/memory.max",
		},
		{
			name: "v2, the smaller of two",
			files: map[string]string{
				"cgroup":                          "0::/a/b\n",
				"fs/a/memory.max":                 "8589934592\n",
				"fs/a/b/memory.max":               "2147483648\n",
				"fs/a/b/memory.current":           "104857600\n",
				"fs/memory.max":                   "max\n",
				"fs/a/memory.current":             "200",
				"fs/a/b/memory.swap.max.whatever": "0",
			},
			limit: 2 << 30, use: 100 << 20, file: "fs/a/b/memory.max",
		},
		{
			name: "v1, no limit",
			files: map[string]string{
				"cgroup":                          "4:memory:/process_api/x\n0::/\n",
				"fs/memory/memory.limit_in_bytes": "9223372036854771712\n",
				"fs/memory/process_api/x/memory.limit_in_bytes": "9223372036854771712\n",
			},
		},
		{
			name: "v1, limit",
			files: map[string]string{
				"cgroup": "9:cpu,memory:/slurm/job1\n",
				"fs/memory/slurm/job1/memory.limit_in_bytes": "536870912\n",
				"fs/memory/slurm/job1/memory.usage_in_bytes": "52428800\n",
			},
			limit: 512 << 20, use: 50 << 20, file: "fs/memory/slurm/job1/memory.limit_in_bytes",
		},
		{
			name:  "cgroup namespace: the path is not under the mount",
			files: map[string]string{"cgroup": "0::/elsewhere\n", "fs/memory.max": "1073741824\n", "fs/memory.current": "0\n"},
			limit: 1 << 30, file: "fs/memory.max",
		},
		{
			name: "v2, page cache is not counted",
			files: map[string]string{
				"cgroup":                "0::/job\n",
				"fs/job/memory.max":     "8589934592\n",
				"fs/job/memory.current": "7516192768\n", // 7 GiB, of which 6 GiB cache
				"fs/job/memory.stat":    "anon 1073741824\nfile 6442450944\nactive_file 100\ninactive_file 6442450944\n",
			},
			limit: 8 << 30, use: 1 << 30, file: "fs/job/memory.max",
		},
		{
			name: "v1, total_inactive_file",
			files: map[string]string{
				"cgroup":                            "4:memory:/j\n",
				"fs/memory/j/memory.limit_in_bytes": "4294967296\n",
				"fs/memory/j/memory.usage_in_bytes": "3221225472\n",
				"fs/memory/j/memory.stat":           "cache 2147483648\ninactive_file 10\ntotal_inactive_file 2147483648\n",
			},
			limit: 4 << 30, use: 1 << 30, file: "fs/memory/j/memory.limit_in_bytes",
		},
		{name: "no cgroup file", files: map[string]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := tree(t, tc.files)
			limit, use, file := cgroupLimit(filepath.Join(root, "cgroup"), filepath.Join(root, "fs"))
			if limit != tc.limit || use != tc.use {
				t.Errorf("limit %d used %d, want %d %d", limit, use, tc.limit, tc.use)
			}
			if tc.file != "" && file != filepath.Join(root, tc.file) {
				t.Errorf("file %s, want %s", file, tc.file)
			}
		})
	}
}

func TestVmSize(t *testing.T) {
	root := tree(t, map[string]string{"status": "Name:\tgallisto\nVmPeak:\t 1300000 kB\nVmSize:\t 1227184 kB\nVmRSS:\t 5000 kB\n"})
	if got := vmSize(filepath.Join(root, "status")); got != 1227184<<10 {
		t.Errorf("vmSize = %d", got)
	}
	if got := vmSize(filepath.Join(root, "missing")); got != 0 {
		t.Errorf("vmSize of a missing file = %d", got)
	}
}

func TestCheck(t *testing.T) {
	l := Limits{AddressSpace: 2 << 30, AddressUsed: 1200 << 20, Cgroup: 4 << 30, CgroupUsed: 1 << 30, CgroupFile: "/sys/fs/cgroup/memory.max"}
	if room, what := l.Room(); room != 848<<20 || !strings.Contains(what, "ulimit -v") {
		t.Errorf("Room = %d, %q", room, what)
	}
	if err := l.Check(800<<20, "loading the index"); err != nil {
		t.Errorf("800 MiB in 848: %v", err)
	}
	err := l.Check(900<<20, "loading the index")
	want := "loading the index needs about 900 MiB of memory, and the address-space limit (ulimit -v) leaves 848 MiB: raise the limit or use a machine with more memory"
	if err == nil || err.Error() != want {
		t.Errorf("Check = %v\nwant %s", err, want)
	}
	l.Cgroup = 1500 << 20
	if err := l.Check(900<<20, "x"); err == nil || !strings.Contains(err.Error(), "the cgroup memory limit (/sys/fs/cgroup/memory.max) leaves 476 MiB") {
		t.Errorf("cgroup: %v", err)
	}
	if err := (Limits{}).Check(1<<50, "x"); err != nil {
		t.Errorf("no limit: %v", err)
	}
}
