package hdf5_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gallisto/gallisto/internal/output/hdf5"
	"github.com/google/go-cmp/cmp"
)

// FuzzRead feeds arbitrary bytes to Read. It must return an error or a
// tree, never panic or run away with memory; a tree it returns must write
// and read back unchanged. Seeds: every .h5 file under testdata/h5 and a
// few small files from Write.
//
//	go test ./hdf5/ -run '^$' -fuzz FuzzRead -fuzztime 60s
func FuzzRead(f *testing.F) {
	err := filepath.WalkDir("../../../testdata/h5", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".h5") {
			return err
		}
		b, err := os.ReadFile(path)
		if err == nil {
			f.Add(b)
		}
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	small := &hdf5.Group{}
	small.AddGroup("aux").AddStrings("ids", []string{"a", "bcd"})
	small.AddInt32s("n", []int32{1, 2})
	small.AddFloat64s("empty", nil)
	for _, g := range []*hdf5.Group{{}, small} {
		var buf bytes.Buffer
		if err := hdf5.Write(&buf, g); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := hdf5.Read(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "hdf5: ") {
				t.Fatalf("error without hdf5: prefix: %v", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := hdf5.Write(&buf, g); err != nil {
			t.Fatalf("tree read from the input cannot be written: %v", err)
		}
		g2, err := hdf5.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatalf("rewritten tree cannot be read: %v", err)
		}
		if diff := cmp.Diff(g, g2, treeOpts); diff != "" {
			t.Fatalf("rewritten tree differs (-read +reread):\n%s", diff)
		}
	})
}
