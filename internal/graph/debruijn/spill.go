package debruijn

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"unsafe"
)

// partStore holds the records of every part, of two kinds (0: k-mers,
// 1: (k-1)-mers), written by several goroutines. In memory, each writer
// keeps its own slices. When spilling, each writer appends full buffers to
// its own file per part and kind, so writers never share a file.
type partStore struct {
	nparts  int
	spill   bool
	dir     string
	writers []*partWriter
}

// flushRecords is the buffer size of one part and kind in a spilling
// writer: 32,768 records (256 KiB).
const flushRecords = 1 << 15

type partWriter struct {
	nparts int
	spill  bool
	bufs   [2][][]uint64
	files  [2][]*os.File
	err    error
}

func newPartStore(nparts, writers int, spill bool, tmp string) (*partStore, error) {
	st := &partStore{nparts: nparts, spill: spill}
	if spill {
		if tmp == "" {
			tmp = os.TempDir()
		}
		dir, err := os.MkdirTemp(tmp, "gallisto-index-")
		if err != nil {
			return nil, fmt.Errorf("debruijn: cannot create temporary directory: %w", err)
		}
		st.dir = dir
	}
	for w := 0; w < writers; w++ {
		pw := &partWriter{nparts: nparts, spill: spill}
		for kind := 0; kind < 2; kind++ {
			pw.bufs[kind] = make([][]uint64, nparts)
			if spill {
				pw.files[kind] = make([]*os.File, nparts)
				for p := 0; p < nparts; p++ {
					f, err := os.Create(filepath.Join(st.dir, fmt.Sprintf("w%d-k%d-p%d", w, kind, p)))
					if err != nil {
						st.writers = append(st.writers, pw)
						st.close()
						return nil, fmt.Errorf("debruijn: cannot create spill file: %w", err)
					}
					pw.files[kind][p] = f
				}
			}
		}
		st.writers = append(st.writers, pw)
	}
	if spill {
		// Unlink the files at once: they stay usable through their open
		// descriptors, and the system frees them when the process ends,
		// even when it is killed outright.
		os.RemoveAll(st.dir)
	}
	return st, nil
}

func (st *partStore) writer(w int) *partWriter { return st.writers[w] }

func (pw *partWriter) add(part, kind int, rec uint64) {
	buf := append(pw.bufs[kind][part], rec)
	if pw.spill && len(buf) >= flushRecords {
		pw.write(part, kind, buf)
		buf = buf[:0]
	}
	pw.bufs[kind][part] = buf
}

func (pw *partWriter) write(part, kind int, buf []uint64) {
	if pw.err != nil || len(buf) == 0 {
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(buf))), 8*len(buf))
	if _, err := pw.files[kind][part].Write(b); err != nil {
		pw.err = fmt.Errorf("debruijn: cannot write spill file (disk full? set a temporary directory with --tmp): %w", err)
	}
}

// flushAll writes the remaining buffers of a spilling writer.
func (pw *partWriter) flushAll() error {
	if pw.spill {
		for kind := 0; kind < 2; kind++ {
			for p, buf := range pw.bufs[kind] {
				pw.write(p, kind, buf)
				pw.bufs[kind][p] = nil
			}
		}
	}
	return pw.err
}

// load returns all records of part p and releases them from the store.
func (st *partStore) load(p int) (kmers, km1 []uint64, err error) {
	var out [2][]uint64
	for kind := 0; kind < 2; kind++ {
		n := 0
		for _, pw := range st.writers {
			n += len(pw.bufs[kind][p])
			if st.spill {
				if fi, err := pw.files[kind][p].Stat(); err == nil {
					n += int(fi.Size() / 8)
				}
			}
		}
		recs := make([]uint64, 0, n)
		for _, pw := range st.writers {
			if st.spill {
				f := pw.files[kind][p]
				fi, err := f.Stat()
				if err != nil {
					return nil, nil, err
				}
				m := int(fi.Size() / 8)
				start := len(recs)
				recs = recs[:start+m]
				b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(recs[start:]))), 8*m)
				if _, err := f.ReadAt(b, 0); err != nil && err != io.EOF {
					return nil, nil, fmt.Errorf("debruijn: cannot read spill file: %w", err)
				}
				f.Close()
				pw.files[kind][p] = nil
			}
			recs = append(recs, pw.bufs[kind][p]...)
			pw.bufs[kind][p] = nil
		}
		out[kind] = recs
	}
	return out[0], out[1], nil
}

// close releases the spill files left.
func (st *partStore) close() {
	for _, pw := range st.writers {
		for kind := 0; kind < 2; kind++ {
			for p, f := range pw.files[kind] {
				if f != nil {
					f.Close()
					pw.files[kind][p] = nil
				}
			}
		}
	}
	if st.dir != "" {
		os.RemoveAll(st.dir)
		st.dir = ""
	}
}
