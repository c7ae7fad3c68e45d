// Package prefetch asks the CPU to start loading a cache line that the
// caller will read soon, without waiting for it: a software prefetch
// (x86-64 PREFETCHT0, arm64 PRFM PLDL1KEEP). Unlike an ordinary load, a
// prefetch retires at once, so a loop can have many lines in flight
// instead of stalling on the first miss. Where no prefetch instruction is
// wired up, Line does nothing; the program is only slower.
package prefetch
