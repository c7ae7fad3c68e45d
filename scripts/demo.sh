#!/usr/bin/env bash
# Builds gallisto, simulates a small data set with the project's own
# simulator (300 genes, 200,000 read pairs), indexes it and quantifies it.
# Prints where the output went. Needs only Go.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-${TMPDIR:-/tmp}/gallisto-demo}
mkdir -p "$out/bin"
go build -o "$out/bin/gallisto" ./cmd/gallisto
go run ./cmd/simreads -o "$out/data" -genes 300 -pairs 200000 -seed 1
"$out/bin/gallisto" index -i "$out/transcripts.idx" "$out/data/transcripts.fa.gz"
"$out/bin/gallisto" quant -i "$out/transcripts.idx" -o "$out/quant" -t 2 \
  "$out/data/reads_1.fq.gz" "$out/data/reads_2.fq.gz"
echo
echo "demo output: $out/quant (abundance.tsv, run_info.json); true counts: $out/data/truth.tsv"
