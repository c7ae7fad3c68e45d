package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// byteSize is a flag value holding a number of bytes, written as a number
// with an optional unit K, M, G or T (powers of 1024, upper or lower case,
// optionally followed by B or iB): 4G, 4GB, 4GiB, 1.5G, 512m, 1000000.
type byteSize struct {
	p    *int64
	text *string // if set, receives the value as given
}

var sizeUnits = map[string]int{"": 0, "K": 1, "M": 2, "G": 3, "T": 4}

// parseSize parses a byteSize; the result is positive.
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "B"), "I")
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := t, ""
	if i >= 0 {
		num, unit = t[:i], t[i:]
	}
	exp, ok := sizeUnits[unit]
	v, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil || num == "" || strings.HasSuffix(strings.ToUpper(strings.TrimSpace(s)), "IB") && unit == "" {
		return 0, fmt.Errorf("%q is not a size: give a number with an optional unit K, M, G or T (for example 4G or 512M)", s)
	}
	b := v * math.Pow(1024, float64(exp))
	if b < 1 || b >= math.MaxInt64 || math.IsNaN(b) {
		return 0, fmt.Errorf("size %q is out of range", s)
	}
	return int64(b), nil
}

func (s byteSize) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	*s.p = n
	if s.text != nil {
		*s.text = v
	}
	return nil
}

func (s byteSize) String() string {
	if s.p == nil || *s.p == 0 {
		return ""
	}
	return strconv.FormatInt(*s.p, 10)
}

func (s byteSize) Type() string { return "SIZE" }
