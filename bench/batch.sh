#!/usr/bin/env bash
# bench/batch.sh: gallisto quant --batch against one gallisto quant per sample,
# on many small samples cut from one simulated set, in the same run.
#
#   bench/batch.sh [--samples 100] [--pairs 10000] [--reps 3] [--threads 2]
#                  [--gallisto PATH] [--set chr22-2M] [--out DIR]
#
# The samples are the first SAMPLES x PAIRS pairs of the set's reads (bench/data.sh
# makes the set), PAIRS each, gzipped, with a sample sheet. Each repetition times
# `quant --batch` and the loop of separate quants, alternating which goes first,
# under GNU time (wall, peak RSS: the loop's is its largest run), and checks that
# every sample's abundance.tsv is byte-identical between the two. Prints medians
# and the ratio; writes every repetition to OUT/batch-raw.tsv.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
DATA="${GALLISTO_BENCH_DATA:-${XDG_CACHE_HOME:-$HOME/.cache}/gallisto-bench}"
samples=100; pairs=10000; reps=3; threads=2; gallisto=""; set=chr22-2M; out="$HERE/out"
while [ $# -gt 0 ]; do
  case $1 in
    --samples) samples=$2; shift 2 ;;
    --pairs) pairs=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --gallisto) gallisto=$2; shift 2 ;;
    --set) set=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "batch.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
log() { echo "[batch $(date +%T)] $*" >&2; }
"$HERE/data.sh" --sets "$set" >&2
sd="$DATA/sets/$set"
w="$DATA/work/batch-$set-${samples}x$pairs"
mkdir -p "$w" "$out"
if [ -z "$gallisto" ]; then
  gallisto="$w/gallisto"
  (cd "$REPO" && go build -o "$gallisto" ./cmd/gallisto)
fi
if [ ! -s "$w/samples.tsv" ]; then
  log "cutting $samples samples of $pairs pairs from $set"
  for m in 1 2; do
    { pigz -dc "$sd/reads_$m.fq.gz" || true; } | head -n $((4 * samples * pairs)) |  # pigz stops on SIGPIPE
      awk -v p=$((4 * pairs)) -v d="$w" -v m=$m '{ f = sprintf("%s/S%03d_%d.fq", d, int((NR - 1) / p) + 1, m); print > f; if (NR % p == 0) close(f) }'
  done
  pigz -f "$w"/S*_?.fq
  { printf 'sample\tr1\tr2\n'; for i in $(seq -f %03g 1 "$samples"); do printf 'S%s\tS%s_1.fq.gz\tS%s_2.fq.gz\n' "$i" "$i" "$i"; done; } > "$w/samples.tsv"
fi
[ -s "$w/index.idx" ] || "$gallisto" index -i "$w/index.idx" "$sd/transcripts.fa.gz" 2> "$w/index.log"

raw="$out/batch-raw.tsv"
printf 'rep\tmode\twall_s\tmax_rss_kb\n' > "$raw"
batch() {
  rm -rf "$w/b"
  /usr/bin/time -f '%e %M' -o "$w/time" "$gallisto" quant -i "$w/index.idx" -o "$w/b" -t "$threads" --batch "$w/samples.tsv" 2> "$w/batch.log"
  read -r wall rss < "$w/time"
  printf '%s\tbatch\t%s\t%s\n' "$1" "$wall" "$rss" >> "$raw"
}
separate() {
  rm -rf "$w/s"; mkdir -p "$w/s"
  local t0 t1 rss=0 r
  t0=$(date +%s.%N)
  for i in $(seq -f %03g 1 "$samples"); do
    /usr/bin/time -f '%M' -o "$w/time" "$gallisto" quant -i "$w/index.idx" -o "$w/s/S$i" -t "$threads" "$w/S${i}_1.fq.gz" "$w/S${i}_2.fq.gz" 2> /dev/null
    read -r r < "$w/time"; [ "$r" -gt "$rss" ] && rss=$r
  done
  t1=$(date +%s.%N)
  printf '%s\tseparate\t%s\t%s\n' "$1" "$(echo "$t1 - $t0" | bc)" "$rss" >> "$raw"
}
for ((rep = 1; rep <= reps; rep++)); do
  if ((rep % 2)); then batch "$rep"; separate "$rep"; else separate "$rep"; batch "$rep"; fi
  for i in $(seq -f %03g 1 "$samples"); do
    cmp -s "$w/b/S$i/abundance.tsv" "$w/s/S$i/abundance.tsv" || { echo "batch.sh: S$i: abundance.tsv differs between --batch and a separate quant" >&2; exit 1; }
  done
  log "rep $rep: $(tail -2 "$raw" | awk '{printf "%s %s s %d MB; ", $2, $3, $4 / 1024}')"
done
# median of column COL over MODE's repetitions (sort, not gawk's asort: Debian's awk is mawk)
med() {
  awk -F'\t' -v m="$1" -v c="$2" 'NR > 1 && $2 == m { print $c }' "$raw" | sort -g |
    awk '{ a[NR] = $1 } END { print NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
b=$(med batch 3); s=$(med separate 3)
awk -v b="$b" -v s="$s" -v rb="$(med batch 4)" -v rs="$(med separate 4)" 'BEGIN {
  printf "%d samples x %d pairs, -t %d, medians of %d: --batch %.2f s (%d MB), separate quants %.2f s (largest %d MB): %.2fx less time; every abundance.tsv identical\n",
    '"$samples"', '"$pairs"', '"$threads"', '"$reps"', b, rb / 1024, s, rs / 1024, s / b }'
