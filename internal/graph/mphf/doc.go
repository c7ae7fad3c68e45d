// Package mphf builds minimal perfect hash functions (MPHFs) over sets of
// uint64 keys: a Table maps the n keys of its set one-to-one onto [0, n).
// gallisto uses it for the k-mer dictionary: Lookup(canonical k-mer) gives
// a slot holding the k-mer's position in the packed contig sequence, and
// the caller verifies the k-mer there, since a key outside the set also
// maps to some slot in [0, n) (a Table cannot tell non-members apart).
//
// # Algorithm
//
// The Table is a PtrHash (R. Groot Koerkamp, "PtrHash: Minimal Perfect
// Hashing at RAM Throughput", SEA 2025), a refinement of PTHash (G. E.
// Pibiri and R. Trani, "PTHash: Revisiting FCH Minimal Perfect Hashing",
// SIGIR 2021) with the skewed bucket function in the spirit of PHOBIC (S.
// Hermann, H.-P. Lehmann, G. E. Pibiri, P. Sanders, S. Walzer, "PHOBIC:
// Perfect Hashing with Optimized Bucket Sizes and Interleaved Coding", ESA
// 2024). A key is hashed once (seeded, bijective 64-bit mixer); the high
// bits of the hash pick a part, the next ones a bucket within the part;
// each bucket stores an 8-bit pilot, found at build time, and the key's
// slot is
//
//	slot = partStart + reduce((hash XOR pilotHash(pilot)) * C, partSlots)
//
// Each part has partSlots = ceil(keys/Alpha) slots, so about 1% of all
// slots (at Alpha 0.99) lie beyond n; the keys that land there are
// redirected to the free slots below n through a small bit-packed remap
// array. A lookup therefore reads one random byte (the pilot) plus, for
// about 1% of the keys, one remap entry; the per-part metadata (8 bytes per
// part of 32 Ki keys) stays in cache.
//
// Build finds the pilots part by part with PtrHash's search: buckets are
// placed from largest to smallest, each taking the first pilot that puts
// all its keys on free slots, or else the pilot whose collisions cost least
// and evicting the buckets it hits (cuckoo-style), which lets 8-bit pilots
// reach 3.5 keys per bucket. This implementation differs from PtrHash in
// four ways: parts get as many slots as their key count requires (offsets
// in the metadata) instead of a fixed number, so no part can overflow and
// every part is filled to exactly Alpha; a part whose search fails is
// retried with another salt (stored in its metadata) instead of rebuilding
// everything with another seed; the key mixer is a bijection, so equal
// hashes mean equal keys and duplicates are reported as errors rather than
// as build failures; and the hashes are gathered in batches of parts, one
// pass over the keys per batch, to bound memory.
//
// # Why this design, and why in-project
//
// BBHash (A. Limasset, G. Rizk, R. Chikhi, P. Peterlongo, "Fast and
// scalable minimal perfect hashing for massive key sets", SEA 2017) with
// gamma 2 costs about 3.7 bits per key, and a lookup visits 1.6 levels on
// average, each a random bit read plus a rank-directory read: about two to
// three cache misses, against one here, at 2.5 bits per key. Existing Go
// packages were measured when this package was planned: relab/bbhash's
// Find computes ranks from word 0 of each level, O(n) per lookup; and
// opencoff/go-mph is GPL-licensed and panicked building 1 M keys. Hence
// this package.
//
// # Parameters and measurements
//
// Defaults: Lambda 3.5 keys per bucket (8/3.5 = 2.29 bits per key of
// pilots), Alpha 0.99, parts of 32 Ki keys, batches of n/8 keys. Size,
// all of it (pilots, part metadata, remap, header), in bits per key:
//
//	n = 1 M: 2.49   50 M: 2.55   200 M: 2.57
//
// The remap entries widen with n (log2 n bits each), hence the slow growth.
// Lambda 3.0 gives 2.9 bits per key for about 30% less build time, Lambda
// 4.0 2.2 bits per key for twice the build time; Alpha 0.995 to 0.999 saves
// another 0.1 to 0.2 bits per key for 3 to 20% more build time. Lookup
// speed hardly depends on these: it is one random read either way.
//
// Measured on the development machine, a 2-core AMD EPYC shared with other
// jobs (load average 6 to 10 during the runs, so wall times are inflated
// and vary up to 3x between runs; per-thread CPU time, measured then by a
// test since turned into BenchmarkLookupFloor's cpu-ns/op, is the steadier
// figure). Medians of 5 (go test -bench) or 7 runs, ranges over 2-3
// sessions; "dependent"
// lookups wait for the previous result, so they measure latency rather
// than throughput:
//
//	                          1 M keys        50 M keys
//	Lookup, CPU time          6-7 ns          12-52 ns
//	dependent, CPU time       16-20 ns        67-94 ns
//	random byte read floor    7-9 ns          80-113 ns (dependent reads
//	                                          over an array the size of
//	                                          the pilots, 14 MB)
//	BenchmarkLookup (wall)    11 ns           50 ns
//	  Dependent (wall)        25 ns           164 ns
//	  Parallel, 2 goroutines  12 ns           82 ns
//
// so a lookup costs what one random memory read costs, which is the floor
// for any MPHF that is not cache-resident. Build takes 65 to 85 ns of CPU
// per key (50 M keys: 4.2 s CPU; 200 M keys: 17 s CPU, 31 s wall), about
// 20% of it in the extra passes over the keys that batching costs. Parts
// are built in parallel, but on the loaded machine a second thread did not
// shorten wall times measurably. Peak heap beyond the keys (Table
// included): 74-78 MiB for 50 M keys and 293 MiB for 200 M (1.5-1.6 bytes
// per key), mostly the n/8-key batch buffer; a smaller Options.BatchKeys
// trades memory for passes (n/32: about 0.8 bytes per key, a third more
// CPU).
//
// # Contracts
//
// A Table is immutable and safe for concurrent use; Lookup never
// allocates. Build is deterministic: the same key set (in any order), Seed
// and parameters give the same Table and the same serialized words,
// whatever Options.Threads. Build reports duplicate keys as a
// *DuplicateKeyError naming a duplicated key, and fails with an error
// (never loops forever) if the pilot search cannot succeed.
//
// AppendWords/AppendBinary/MarshalBinary write a flat array of uint64 words
// (little-endian as bytes; the layout is described in format.go).
// FromWords and, on little-endian machines with 8-byte-aligned input,
// FromBytes use the caller's memory in place without copying or decoding,
// so an index file can be mmap'ed and used directly: the caller's slice
// must then not change while the Table is in use. Loading validates every
// length, offset and remap entry, so corrupt input gives an error wrapping
// ErrFormat, never a panic, and any loaded Table's Lookup stays in range;
// corrupt pilot bytes cannot be detected without the keys (checksum the
// file for that).
package mphf
