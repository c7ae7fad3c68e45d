// Package ascii finds the bytes that a sequence or quality line cannot
// hold.
//
// FASTQ (Cock et al., NAR 2010) writes sequence letters and Phred quality
// characters as printable ASCII: '!' (33) to '~' (126). Anything else in
// such a line — a space, a tab, a control byte, a NUL, a byte of 128 or more
// — is not a letter or a quality but damage (binary data, a wrong file, a
// broken transfer), and reading it as an unknown base would be silently
// wrong.
//
// Find looks at 16 bytes per step with word arithmetic (SWAR): in a 64-bit
// word, a byte below '!' sets its high bit in w - 0x21 per byte and a byte
// above '~' in w + 0x01 per byte (or has it set already). Borrows and
// carries only start at a byte that is out of range, so "some byte of the
// word is out of range" is exact; which one is then found byte by byte.
// The plain loop in findNaive is the oracle it is tested against.
//
// FindControl and SkipBOM serve the other lines of a text input: header
// lines may hold any text but control bytes, and a file may start with a
// UTF-8 byte-order mark.
package ascii

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"strconv"
)

const (
	lo = 0x0101010101010101
	hi = 0x8080808080808080
)

// First and Last bound the bytes a sequence or quality line may hold.
const (
	First = '!'
	Last  = '~'
)

// spill returns w with the high bit set in some byte if a byte of w is
// below First (the subtraction borrows through it) or above Last (the
// addition carries into the high bit, or it was set); for a word of bytes
// in range no high bit is set. A borrow or carry that leaves a bad byte can
// flag its neighbour too, but only in a word that holds a bad byte.
func spill(w uint64) uint64 {
	return (w - First*lo) | (w + (0x7f-Last)*lo) | w
}

// Find returns the index of the first byte of b outside '!'..'~', or -1.
// The tail that does not fill a 16-byte step is checked as the last 16
// (or 8) bytes, overlapping bytes already found clean: read lines are
// short (28 and 90 bases in 10x v3), and a byte loop over their tails cost
// as much as the steps.
func Find(b []byte) int {
	n := len(b)
	if n < 16 {
		return findShort(b)
	}
	i := 0
	for ; i+16 <= n; i += 16 {
		if step(b[i:]) {
			return i + findNaive(b[i:i+16])
		}
	}
	if i < n && step(b[n-16:]) {
		return n - 16 + findNaive(b[n-16:]) // the first bad byte is past i
	}
	return -1
}

// step reports whether some byte of b[:16] is out of range.
func step(b []byte) bool {
	w0 := binary.LittleEndian.Uint64(b)
	w1 := binary.LittleEndian.Uint64(b[8:])
	return (spill(w0)|spill(w1))&hi != 0
}

// findShort is Find for fewer than 16 bytes.
func findShort(b []byte) int {
	n := len(b)
	if n < 8 {
		return findNaive(b)
	}
	w0 := binary.LittleEndian.Uint64(b)
	w1 := binary.LittleEndian.Uint64(b[n-8:])
	if (spill(w0)|spill(w1))&hi == 0 {
		return -1
	}
	return findNaive(b)
}

// findNaive is Find one byte at a time.
func findNaive(b []byte) int {
	for i, c := range b {
		if c < First || c > Last {
			return i
		}
	}
	return -1
}

// FindControl returns the index of the first byte of b that no text line
// holds — a control byte other than the white space of C's isspace() (tab,
// line feed, vertical tab, form feed, carriage return), or DEL — or -1.
// Header and comment lines may hold spaces, tabs and UTF-8; a NUL or
// another control byte means the input is not text.
func FindControl(b []byte) int {
	for i, c := range b {
		if (c < ' ' && (c < '\t' || c > '\r')) || c == 0x7f {
			return i
		}
	}
	return -1
}

// SkipBOM skips a UTF-8 byte-order mark (EF BB BF) at the reader's
// position, which some editors write at the start of a text file.
func SkipBOM(br *bufio.Reader) {
	if bom, _ := br.Peek(3); string(bom) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
}

// Quote writes a byte for a message as Go quotes a character: 'A', ' ',
// '\t', '\x00' — and a byte of 128 or more as '\xc3', not as the Latin-1
// letter it would be as a rune.
func Quote(c byte) string {
	if c >= 0x80 {
		return fmt.Sprintf(`'\x%02x'`, c)
	}
	return strconv.QuoteRune(rune(c))
}
