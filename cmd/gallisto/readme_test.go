package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeLayout: the README's layout table names every package folder
// under internal/, and every internal/ folder it names exists, so the
// table cannot drift from `ls`.
func TestReadmeLayout(t *testing.T) {
	root := filepath.Join("..", "..")
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(readme)
	i := strings.Index(doc, "### Layout")
	j := strings.Index(doc[i+1:], "\n### ")
	if i < 0 || j < 0 {
		t.Fatal("README.md has no Layout section")
	}
	table := doc[i : i+1+j]
	named := map[string]bool{}
	for _, m := range regexp.MustCompile("`(internal/[a-z0-9/]+)`").FindAllStringSubmatch(table, -1) {
		named[m[1]] = true
	}
	// "(+ `/prefetch`)" names a subfolder of the package before it.
	for _, m := range regexp.MustCompile("`(internal/[a-z0-9/]+)` \\(\\+ `(/[a-z0-9]+)`\\)").FindAllStringSubmatch(table, -1) {
		named[m[1]+m[2]] = true
	}
	for _, m := range regexp.MustCompile("`(internal/[a-z0-9]+)` \\(`(/[a-z0-9]+)`, `(/[a-z0-9]+)`\\)").FindAllStringSubmatch(table, -1) {
		named[m[1]+m[2]], named[m[1]+m[3]] = true, true
	}
	for p := range named {
		if st, err := os.Stat(filepath.Join(root, p)); err != nil || !st.IsDir() {
			t.Errorf("README's layout names %s, which is not a folder", p)
		}
	}
	filepath.WalkDir(filepath.Join(root, "internal"), func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if d.Name() == "testdata" {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(root, path)
		goFiles, _ := filepath.Glob(filepath.Join(path, "*.go"))
		if len(goFiles) > 0 && !named[filepath.ToSlash(rel)] {
			t.Errorf("package %s is not in README's layout table", rel)
		}
		return nil
	})
}
