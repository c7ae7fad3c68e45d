#!/usr/bin/env bash
# bench/data.sh: make (or reuse) the benchmark input sets in the data cache.
#
#   bench/data.sh [--sets a,b,...] [--list]
#
# Cache: ${GALLISTO_BENCH_DATA:-${XDG_CACHE_HOME:-$HOME/.cache}/gallisto-bench}/sets/<set>/
# (never inside the repository). Shared inputs: ${GALLISTO_SHARED:-<repo>/../shared}.
# A set is complete when its directory holds READY; an incomplete one is rebuilt.
#
# Every set directory holds:
#   transcripts.fa.gz   index input (symlink or concatenation of the shared FASTAs)
#   samples.tsv         step  sample  layout(pe|se)  r1  r2|-  frag_len|-  frag_sd|-  pairs|-
#   truth.tsv t2g.tsv   simulated sets only (eval input; ids as kallisto reports them)
#   whitelist.txt       single-cell sets (layout sc:TECH in samples.tsv), with t2g.tsv and
#                       truth_cells_x_genes.tsv (barcode, gene, molecules)
#   READY               written last; holds generation time and sizes
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
SHARED="${GALLISTO_SHARED:-$REPO/../shared}"
[ -d "$SHARED" ] && SHARED="$(cd "$SHARED" && pwd)"
DATA="${GALLISTO_BENCH_DATA:-${XDG_CACHE_HOME:-$HOME/.cache}/gallisto-bench}"
export BENCH_BIN="${BENCH_BIN:-$DATA/bin}"
ALL_SETS="real-airway real-yeast chr22-200k chr22-1M chr22-2M chr22-10M chr22-20M human-10M sc-10xv3-1M sc-10xv3-10M"
PIGZ_THREADS="${PIGZ_THREADS:-2}"

log() { echo "[data $(date +%T)] $*" >&2; }
die() { echo "data.sh: $*" >&2; exit 1; }

# set_dir NAME -> prints the cache directory of a set
set_dir() { echo "$DATA/sets/$1"; }

# is_ready NAME: READY written and every input it names still readable (symlinks into
# the shared folder break when it moves)
is_ready() {
  local d; d="$(set_dir "$1")"
  [ -f "$d/READY" ] && [ -r "$d/transcripts.fa.gz" ] && [ -s "$d/samples.tsv" ] || return 1
  local _s _n _l r1 r2 _rest
  while IFS=$'\t' read -r _s _n _l r1 r2 _rest; do
    [ -r "$r1" ] && { [ "$r2" = - ] || [ -r "$r2" ]; } || return 1
  done < "$d/samples.tsv"
}

finish() { # finish NAME SECONDS
  local d; d="$(set_dir "$1")"
  {
    printf 'set\t%s\ngenerated\t%s\nsecs\t%s\n' "$1" "$(date -u +%FT%TZ)" "$2"
    printf 'bytes_dir\t%s\n' "$(du -sbL "$d" | cut -f1)"
  } > "$d/READY.tmp"
  mv "$d/READY.tmp" "$d/READY"
  log "$1 ready ($2 s, $(du -shL "$d" | cut -f1))"
}

# count_pairs FILE.fq.gz -> number of records
count_pairs() { pigz -dc "$1" | awk 'END{print NR/4}'; }

# truth_from_names SIMRESULTS READS_1.fq.gz -> truth.tsv on stdout.
# RSEM names simulated reads {rid}_{dir}_{sid}_{pos}_{insert}; sid is the 1-based row
# of the transcript in .sim.isoforms.results (0 = noise). TPM as RSEM defines it:
# count/effective_length, scaled to 1e6.
truth_from_names() {
  pigz -dc "$2" | awk 'NR % 4 == 1 { split(substr($1, 2), a, "_"); c[a[3]]++ }
    END { for (k in c) print k "\t" c[k] }' > "$2.sidcounts.tmp"
  awk -F'\t' -v C="$2.sidcounts.tmp" '
    BEGIN { while ((getline l < C) > 0) { split(l, a, "\t"); cnt[a[1]] = a[2] } }
    NR > 1 { i++; id[i] = $1; n = cnt[i] + 0; ct[i] = n; if ($4 > 0) { r[i] = n / $4; s += r[i] } }
    END { OFS = "\t"; print "target_id", "true_count", "true_tpm"
          for (j = 1; j <= i; j++) printf "%s\t%.2f\t%.2f\n", id[j], ct[j], (s > 0 ? r[j] / s * 1e6 : 0) }' "$1"
  rm -f "$2.sidcounts.tmp"
}

# sum_truth SIMRESULTS_A SIMRESULTS_B -> truth.tsv (counts summed, TPM recomputed)
sum_truth() {
  awk -F'\t' 'FNR == 1 { f++; next }
    { i = FNR - 1; if (f == 1) { id[i] = $1; el[i] = $4; ct[i] = $5; n = i } else {
        if ($1 != id[i]) { print "sum_truth: transcript order differs" > "/dev/stderr"; exit 1 }
        ct[i] += $5 } }
    END { OFS = "\t"; print "target_id", "true_count", "true_tpm"
          for (j = 1; j <= n; j++) if (el[j] > 0) s += ct[j] / el[j]
          for (j = 1; j <= n; j++) printf "%s\t%.2f\t%.2f\n", id[j], ct[j], (el[j] > 0 && s > 0 ? ct[j] / el[j] / s * 1e6 : 0) }' "$1" "$2"
}

write_sim_samples() { # write_sim_samples DIR PAIRS
  printf 'quant\tsim\tpe\t%s\t%s\t-\t-\t%s\n' "$1/reads_1.fq.gz" "$1/reads_2.fq.gz" "$2" > "$1/samples.tsv"
}

simulate_chr22() { # simulate_chr22 NAME PAIRS SEED
  local d; d="$(set_dir "$1")"
  local c="$SHARED/data/real/human_gencode44_chr22_pc"
  rm -rf "$d"; mkdir -p "$d"
  "$SHARED/bench/simulate" -f "$c/gencode.v44.transcripts.chr22.fa.gz" \
    -G "$c/tx2gene.gencode.v44.chr22.tsv" -n "$2" -s "$3" -j "$PIGZ_THREADS" -o "$d" >&2
  write_sim_samples "$d" "$2"
}

# simulate_sc NAME TECH CELLS READS SEED: single-cell reads (cmd/simreads -x) with cDNA
# from the GENCODE chr22 transcriptome, barcodes from a 20,000-barcode whitelist
simulate_sc() {
  local d; d="$(set_dir "$1")"
  local c="$SHARED/data/real/human_gencode44_chr22_pc"
  rm -rf "$d"; mkdir -p "$d" "$BENCH_BIN"
  (cd "$REPO" && go build -o "$BENCH_BIN/simreads" ./cmd/simreads) || die "cannot build cmd/simreads"
  ln -s "$c/gencode.v44.transcripts.chr22.fa.gz" "$d/transcripts.fa.gz"
  # t2g by the names the indexes use (the whole GENCODE header; field 2 is the gene)
  pigz -dc "$d/transcripts.fa.gz" | awk '/^>/ { n = substr($1, 2); split(n, a, "|"); print n "\t" a[2] }' > "$d/t2g.tsv"
  "$BENCH_BIN/simreads" -o "$d" -x "$2" -cells "$3" -reads "$4" -seed "$5" \
    -fasta "$d/transcripts.fa.gz" -genemap "$d/t2g.tsv" >&2
  pigz -dc "$d/whitelist.txt.gz" > "$d/whitelist.txt"  # bustools correct reads plain text only
  printf 'sc\tsim\tsc:%s\t%s\t%s\t-\t-\t%s\n' "$2" "$d/R1.fq.gz" "$d/R2.fq.gz" \
    "$(count_pairs "$d/R1.fq.gz")" > "$d/samples.tsv"
}

make_set() {
  local name=$1 d t0=$SECONDS
  d="$(set_dir "$name")"
  log "making $name in $d"
  case $name in
    real-airway)
      local a="$SHARED/data/real/human_airway_chr1_10M"
      rm -rf "$d"; mkdir -p "$d"
      ln -s "$a/transcripts/gencode.v28.transcripts.1.1.10M.fa.gz" "$d/transcripts.fa.gz"
      : > "$d/samples.tsv"
      for s in SRR1039508 SRR1039509 SRR1039512 SRR1039513; do
        printf 'quant\t%s\tpe\t%s\t%s\t-\t-\t%s\n' "$s" "$a/reads/${s}_R1.fastq.gz" "$a/reads/${s}_R2.fastq.gz" \
          "$(count_pairs "$a/reads/${s}_R1.fastq.gz")" >> "$d/samples.tsv"
      done ;;
    real-yeast)
      local y="$SHARED/data/real/yeast_R64"
      rm -rf "$d"; mkdir -p "$d"
      # salmon takes one FASTA: concatenate the gzip members (kallisto gets the same file)
      cat "$y/transcripts/Saccharomyces_cerevisiae.R64-1-1.cdna.all.fa.gz" \
          "$y/transcripts/Saccharomyces_cerevisiae.R64-1-1.ncrna.fa.gz" > "$d/transcripts.fa.gz"
      local pe1="$y/reads/SRR6924569_S1_L001_R1_001.fastq.gz" pe2="$y/reads/SRR6924569_S1_L001_R2_001.fastq.gz"
      local se="$y/reads/SRR4238351_subsamp.fastq.gz"
      {
        printf 'quant-pe\tSRR6924569\tpe\t%s\t%s\t-\t-\t%s\n' "$pe1" "$pe2" "$(count_pairs "$pe1")"
        printf 'quant-se\tSRR4238351\tse\t%s\t-\t200\t20\t%s\n' "$se" "$(count_pairs "$se")"
      } > "$d/samples.tsv" ;;
    chr22-200k) simulate_chr22 "$name" 200000 3 ;;
    chr22-2M) simulate_chr22 "$name" 2000000 3 ;;
    chr22-10M) simulate_chr22 "$name" 10000000 3 ;;
    chr22-1M)
      # The first 1 M pairs of chr22-10M; truth recounted from RSEM's read names.
      ensure chr22-10M
      local src; src="$(set_dir chr22-10M)"
      rm -rf "$d"; mkdir -p "$d"
      ln -s "$src/transcripts.fa.gz" "$d/transcripts.fa.gz"; ln -s "$src/t2g.tsv" "$d/t2g.tsv"
      for r in 1 2; do
        { pigz -dc "$src/reads_$r.fq.gz" || true; } | head -n 4000000 | pigz -p "$PIGZ_THREADS" > "$d/reads_$r.fq.gz"
      done
      [ "$(count_pairs "$d/reads_2.fq.gz")" = 1000000 ] || die "chr22-1M: short read file"
      truth_from_names "$src/rsem/sim.sim.isoforms.results" "$d/reads_1.fq.gz" > "$d/truth.tsv"
      write_sim_samples "$d" 1000000 ;;
    chr22-20M)
      # chr22-10M followed by 10 M more pairs drawn by RSEM from the same reference and
      # expression profile with another seed (4); gzip members concatenated.
      ensure chr22-10M
      local src; src="$(set_dir chr22-10M)"
      rm -rf "$d"; mkdir -p "$d/rsem"
      ln -s "$src/transcripts.fa.gz" "$d/transcripts.fa.gz"; ln -s "$src/t2g.tsv" "$d/t2g.tsv"
      rsem-simulate-reads "$src/rsem/ref" "$SHARED/bench/model/train.stat/train.model" \
        "$src/profile.isoforms.results" 0 10000000 "$d/rsem/sim" --seed 4 -q >&2
      for r in 1 2; do
        cp "$src/reads_$r.fq.gz" "$d/reads_$r.fq.gz"
        pigz -p "$PIGZ_THREADS" -c "$d/rsem/sim_$r.fq" >> "$d/reads_$r.fq.gz"
        rm -f "$d/rsem/sim_$r.fq"
      done
      sum_truth "$src/rsem/sim.sim.isoforms.results" "$d/rsem/sim.sim.isoforms.results" > "$d/truth.tsv"
      write_sim_samples "$d" 20000000 ;;
    human-10M)
      rm -rf "$d"; mkdir -p "$d"
      "$SHARED/bench/simulate" -p human -n 10000000 -s 1 -j "$PIGZ_THREADS" -o "$d" >&2
      write_sim_samples "$d" 10000000 ;;
    sc-10xv3-1M) simulate_sc "$name" 10xv3 1000 1000000 1 ;;
    sc-10xv3-10M) simulate_sc "$name" 10xv3 3000 10000000 1 ;;
    *) die "unknown set '$name' (known: $ALL_SETS)" ;;
  esac
  finish "$name" $((SECONDS - t0))
}

# ensure NAME: make the set unless it is ready; a lock per set keeps two runs from
# building (and deleting) the same set at once
ensure() {
  is_ready "$1" && return 0
  mkdir -p "$DATA/sets"
  (
    flock 9
    is_ready "$1" || make_set "$1"
  ) 9> "$DATA/sets/.$1.lock"
}

main() {
  local sets="$ALL_SETS"
  while [ $# -gt 0 ]; do
    case $1 in
      --sets) sets="${2//,/ }"; shift 2 ;;
      --list) echo "$ALL_SETS"; exit 0 ;;
      -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
      *) die "unknown argument '$1'" ;;
    esac
  done
  [ -d "$SHARED/bench" ] || die "shared folder not found at $SHARED (set GALLISTO_SHARED)"
  for t in rsem-simulate-reads pigz go; do command -v "$t" > /dev/null || die "$t not found (apt-get install rsem pigz; Go)"; done
  mkdir -p "$DATA/sets"
  local s
  for s in $sets; do ensure "$s"; done
}

main "$@"; exit
