package main

import "testing"

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"1000000", 1000000}, {"4G", 4 << 30}, {"4g", 4 << 30}, {"4GB", 4 << 30}, {"4GiB", 4 << 30},
		{"512M", 512 << 20}, {"512MB", 512 << 20}, {"1.5G", 3 << 29}, {"64K", 64 << 10}, {"2T", 2 << 40}, {" 8G ", 8 << 30},
	} {
		got, err := parseSize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "G", "4X", "4GG", "-1G", "0", "0.1", "1e3", "4iB", "9999999T", "abc", "4 G B"} {
		if got, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", in, got)
		}
	}
}
