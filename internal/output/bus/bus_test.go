package bus

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

func TestEncode(t *testing.T) {
	for _, tc := range []struct {
		s     string
		v     uint64
		flags uint32
	}{
		{"ACGT", 0b00011011, 0},
		{"acgt", 0b00011011, 0},
		{"AATNCAGG", 0, 13}, // one N at 3: 1 | 3<<2 (kallisto's flags), N as G
		{"NNNNA", 0, 3},     // four Ns from 0: min(4,3)
		{"ACGTANNA", 0, 22}, // two Ns from 5: 2 | 5<<2
	} {
		v, f := Encode([]byte(tc.s))
		if f != tc.flags {
			t.Errorf("Encode(%q) flags %d, want %d", tc.s, f, tc.flags)
		}
		if tc.flags == 0 && v != tc.v {
			t.Errorf("Encode(%q) = %b, want %b", tc.s, v, tc.v)
		}
		if strings.Contains(tc.s, "N") {
			if d := Decode(v, len(tc.s)); d != strings.ReplaceAll(tc.s, "N", "G") {
				t.Errorf("Decode(Encode(%q)) = %s: N should read back as G", tc.s, d)
			}
		}
	}
	long := strings.Repeat("C", 40)
	if v, _ := Encode([]byte(long)); Decode(v, 32) != long[:32] {
		t.Error("only the first 32 bases should be encoded")
	}
	// Numeric order is alphabetical order.
	a, _ := Encode([]byte("AACGT"))
	b, _ := Encode([]byte("AAGCT"))
	if a >= b {
		t.Error("AACGT should sort before AAGCT")
	}
}

func TestRoundTrip(t *testing.T) {
	h := Header{BarcodeLen: 16, UMILen: 10, Text: KallistoText}
	recs := []Record{{Barcode: 1, UMI: 2, EC: -1, Count: 3, Flags: 4, Pad: 5}, {Barcode: 1 << 31, UMI: NoUMI, EC: 7099, Count: 1}}
	b := AppendHeader(nil, h)
	if len(b) != 49 {
		t.Errorf("kallisto's header is 49 bytes, got %d", len(b))
	}
	for _, r := range recs {
		b = AppendRecord(b, r)
	}
	b = append(b, 1, 2, 3) // a trailing partial record is ignored
	rd, err := NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if rd.Header != h {
		t.Errorf("header %+v", rd.Header)
	}
	for i, want := range recs {
		got, err := rd.Next()
		if err != nil || got != want {
			t.Fatalf("record %d: %+v %v, want %+v", i, got, err, want)
		}
	}
	if _, err := rd.Next(); err != io.EOF {
		t.Errorf("after the records: %v, want EOF", err)
	}
	var txt bytes.Buffer
	Text(&txt, Header{BarcodeLen: 4, UMILen: 2}, []Record{{Barcode: 0b00011011, UMI: 1, EC: 5, Count: 2, Flags: 9}}, true)
	if txt.String() != "ACGT\tAC\t5\t2\t9\n" {
		t.Errorf("text %q", txt.String())
	}
}

func TestBadHeaders(t *testing.T) {
	good := AppendHeader(nil, Header{BarcodeLen: 16, UMILen: 12, Text: "x"})
	for _, tc := range []struct {
		b    []byte
		want string
	}{
		{good[:10], "header: unexpected EOF"},
		{append([]byte("BUS\x01"), good[4:]...), "compressed BUS file"},
		{append([]byte("GZIP"), good[4:]...), `the first bytes are "GZIP"`},
		{append(append([]byte{}, good[:4]...), append([]byte{2, 0, 0, 0}, good[8:]...)...), "format version 2"},
		{good[:len(good)-1], "header text: unexpected EOF"},
	} {
		_, err := NewReader(bytes.NewReader(tc.b))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.b, err, tc.want)
		}
	}
}

func TestECs(t *testing.T) {
	sets := [][]uint32{{0}, {1}, {0, 1}, {1, 5, 9}}
	var b bytes.Buffer
	WriteECs(&b, len(sets), func(ec int) []uint32 { return sets[ec] })
	if b.String() != "0\t0\n1\t1\n2\t0,1\n3\t1,5,9\n" {
		t.Errorf("matrix.ec %q", b.String())
	}
	got, err := ReadECs(&b, "matrix.ec")
	if err != nil || len(got) != 4 || got[3][2] != 9 {
		t.Errorf("ReadECs: %v %v", got, err)
	}
	for _, bad := range []string{"1\t0\n", "0 0\n", "0\tx\n"} {
		if _, err := ReadECs(strings.NewReader(bad), "m.ec"); err == nil || !strings.Contains(err.Error(), "m.ec line 1") {
			t.Errorf("ReadECs(%q): %v", bad, err)
		}
	}
}

func FuzzReader(f *testing.F) {
	b := AppendHeader(nil, Header{BarcodeLen: 16, UMILen: 10, Text: KallistoText})
	f.Add(AppendRecord(b, Record{EC: 3, Count: 1}))
	f.Add([]byte("BUS\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		for {
			if _, err := rd.Next(); err != nil {
				break
			}
		}
		want := (int64(len(data)) - int64(20+len(rd.Header.Text))) / RecordSize
		if rd.Records() != want {
			t.Fatalf("%d records from %d bytes, want %d", rd.Records(), len(data), want)
		}
	})
}
