#!/usr/bin/env bash
# bench/ablate.sh: what each part of `quant --model full` buys, on simulated sets with
# a known truth: gallisto's default model, the full model, and the full model with one
# part switched off at a time (quant's hidden --ablate flag), with kallisto 0.48 and
# salmon 1.10 (-l A) alongside; accuracy from the shared evaluator, wall time as the
# median of --reps runs.
#
#   bench/ablate.sh [--reps N] [--threads T] [--no-refs] [--out FILE] SETDIR...
#
# SETDIR holds transcripts.fa.gz, reads_1.fq.gz, reads_2.fq.gz, truth.tsv and t2g.tsv
# (bench/data.sh's simulated sets, or ../shared/bench/simulate's output). Indexes are
# built once in SETDIR/../ablate-work/<name>/. Parts (internal/quant/full.go):
#   rescue  candidates from every transcript the hits meet, not kallisto's set only
#   score   the mismatch filter and term
#   length  fragment length, position and facing terms
#   bins    range-factorized classes
#   vb      VBEM (off: EM)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
SHARED="${GALLISTO_SHARED:-$REPO/../shared}"
DATA="${GALLISTO_BENCH_DATA:-${XDG_CACHE_HOME:-$HOME/.cache}/gallisto-bench}"
BIN="${BENCH_BIN:-$DATA/bin}"
reps=3; threads=2; refs=1; out=""
while [ $# -gt 0 ]; do
  case $1 in
    --reps) reps=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --no-refs) refs=0; shift ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    -*) echo "ablate.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "ablate.sh: give at least one set directory" >&2; exit 2; }
mkdir -p "$BIN"
G="$BIN/gallisto-ablate"
(cd "$REPO" && go build -o "$G" ./cmd/gallisto)
[ -x "$BIN/eval" ] || (cd "$SHARED/bench/tools" && go build -o "$BIN/eval" ./cmd/eval)
log() { echo "[ablate $(date +%T)] $*" >&2; }

# timed DIR CMD...: runs CMD reps times (output in DIR, messages in DIR.log), prints
# the median wall seconds
timed() {
  local dir=$1; shift
  local ts=() r
  for ((r = 0; r < reps; r++)); do
    rm -rf "$dir"
    /usr/bin/time -f '%e' -o "$dir.time" "$@" > "$dir.log" 2>&1 || { echo "ablate.sh: failed: $* (see $dir.log)" >&2; exit 1; }
    ts+=("$(tail -1 "$dir.time")")
  done
  rm -f "$dir.time"
  printf '%s\n' "${ts[@]}" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}

rows=""
for sd in "$@"; do
  sd="$(cd "$sd" && pwd)"; name="$(basename "$sd")"
  w="$(dirname "$sd")/ablate-work/$name"; mkdir -p "$w"
  [ -s "$w/gallisto.idx" ] || "$G" index -i "$w/gallisto.idx" "$sd/transcripts.fa.gz" 2> "$w/gallisto-index.log"
  reads=("$sd/reads_1.fq.gz" "$sd/reads_2.fq.gz")
  cat "${reads[@]}" > /dev/null
  declare -A wall=() file=()
  run() { # label dir cmd...
    local lab=$1 dir=$2; shift 2
    log "$name: $lab"
    wall[$lab]=$(timed "$dir" "$@")
    file[$lab]=$dir/abundance.tsv
    if [ -e "$dir/quant.sf" ]; then file[$lab]=$dir/quant.sf; fi
  }
  labels=(default full)
  run default "$w/default" "$G" quant -i "$w/gallisto.idx" -o "$w/default" -t "$threads" "${reads[@]}"
  run full "$w/full" "$G" quant --model full -i "$w/gallisto.idx" -o "$w/full" -t "$threads" "${reads[@]}"
  for p in rescue score length bins vb; do
    labels+=("full -$p")
    run "full -$p" "$w/full-no-$p" "$G" quant --model full --ablate "$p" -i "$w/gallisto.idx" -o "$w/full-no-$p" -t "$threads" "${reads[@]}"
  done
  if [ "$refs" = 1 ]; then
    [ -s "$w/kallisto.idx" ] || kallisto index -i "$w/kallisto.idx" "$sd/transcripts.fa.gz" > /dev/null 2>&1
    [ -d "$w/salmon.idx" ] || salmon --no-version-check index -t "$sd/transcripts.fa.gz" -i "$w/salmon.idx" -p "$threads" > /dev/null 2>&1
    labels+=(kallisto salmon)
    run kallisto "$w/kallisto" kallisto quant -i "$w/kallisto.idx" -o "$w/kallisto" -t "$threads" "${reads[@]}"
    run salmon "$w/salmon" salmon --no-version-check quant -i "$w/salmon.idx" -l A -1 "${reads[0]}" -2 "${reads[1]}" -p "$threads" -o "$w/salmon"
  fi
  for lab in "${labels[@]}"; do
    m=$("$BIN/eval" -truth "$sd/truth.tsv" -t2g "$sd/t2g.tsv" "x=${file[$lab]}" | awk -F'\t' '
      NR == 1 {for (i = 1; i <= NF; i++) h[$i] = i; next}
      $h["level"] == "transcript" {t = sprintf("%.4f | %.4f | %.2f | %d | %d", $h["spearman_count"], $h["mard_count"], $h["mae_count"], $h["fp_count_ge1"], $h["fn_count_lt1"])}
      $h["level"] == "gene" {g = sprintf("%.4f | %.4f", $h["spearman_count"], $h["mard_count"])}
      END {print t " | " g}')
    rows+="| $name | $lab | $m | ${wall[$lab]} |"$'\n'
  done
  unset wall file
done
table="| set | run | Spearman | MARD | MAE | FP | FN | gene Spearman | gene MARD | wall s (median of $reps, -t $threads) |
|---|---|---|---|---|---|---|---|---|---|
$rows"
if [ -n "$out" ]; then printf '%s' "$table" > "$out"; fi
printf '%s' "$table"
