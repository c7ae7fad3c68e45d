// Package testref helps tests find the reference tools and data they
// compare gallisto against: kallisto 0.48 on PATH and the shared data
// folder (../shared next to the repository, or $GALLISTO_SHARED).
package testref

import (
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
