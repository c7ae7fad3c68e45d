// Package testref helps tests find the reference tools and data they
// compare gallisto against: kallisto 0.48 on PATH and the shared data
// folder (../shared next to the repository, or $GALLISTO_SHARED).
package testref

import (
	"github.com/google/go-cmp/cmp"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// RepoRoot returns the repository's top directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Shared returns the shared data folder, or "" if it is absent.
func Shared() string {
	dir := os.Getenv("GALLISTO_SHARED")
	if dir == "" {
		dir = filepath.Join(RepoRoot(), "..", "shared")
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return ""
	}
	return dir
}

// SharedFile returns the path of a file under the shared folder, skipping
// the test if it is not there.
func SharedFile(t testing.TB, rel string) string {
	t.Helper()
	dir := Shared()
	if dir == "" {
		t.Skip("shared data folder not found (set GALLISTO_SHARED)")
	}
	p := filepath.Join(dir, rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared file %s not found", rel)
	}
	return p
}

// Kallisto returns the path of the kallisto binary, or "" if not installed.
func Kallisto() string {
	p, err := exec.LookPath("kallisto")
	if err != nil {
		return ""
	}
	return p
}

// KallistoTestDir is where Debian's kallisto-examples package puts
// kallisto's own test data.
const KallistoTestDir = "/usr/share/doc/kallisto/test"

// KallistoTestFile returns a file of kallisto's test data, skipping the test
// if the package is not installed.
func KallistoTestFile(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(KallistoTestDir, name)
	if _, err := os.Stat(p); err != nil {
		t.Skip("kallisto-examples not installed")
	}
	return p
}

// BuildCpp compiles the C++ program src with g++ and the given flags and
// returns the binary's path; it skips the test when g++ is not on PATH.
// The tests that compare gallisto's arithmetic or formatting with
// kallisto's C++ build it this way, with -O2 -std=c++11 as kallisto 0.48's
// CMakeLists.txt does, plus -ffp-contract=off where fused multiply-adds
// would change the bits (a generic x86-64 kallisto binary has none).
func BuildCpp(t testing.TB, src string, flags ...string) string {
	t.Helper()
	gxx, err := exec.LookPath("g++")
	if err != nil {
		t.Skip("g++ not on PATH (apt-get install g++): cannot compare with kallisto's C++")
	}
	dir := t.TempDir()
	cpp := filepath.Join(dir, "prog.cpp")
	bin := filepath.Join(dir, "prog")
	if err := os.WriteFile(cpp, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append(append([]string{}, flags...), "-o", bin, cpp)
	if out, err := exec.Command(gxx, args...).CombinedOutput(); err != nil {
		t.Fatalf("g++ %v: %v\n%s", flags, err, out)
	}
	return bin
}

// Golden compares got with the golden file at path (relative to the test's
// package directory), showing a diff when they differ; with update it
// first rewrites the file. Each package's -update flag is passed in.
func Golden(t testing.TB, path, got string, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./%s -update to create it)", err, packageDir())
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

// packageDir is the running test's package directory, relative to the
// repository's top (tests run in their package's directory).
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "PKG"
	}
	rel, err := filepath.Rel(RepoRoot(), wd)
	if err != nil {
		return "PKG"
	}
	return filepath.ToSlash(rel)
}
