#!/usr/bin/env bash
# bench/run.sh: gallisto vs kallisto 0.48 vs salmon 1.10 vs the zcat input floor,
# side by side on the same inputs, same threads, in one run.
#
#   bench/run.sh [--quick] [--sets a,b] [--reps N] [--index-reps N] [--threads 1,2]
#                [--tools gallisto,gallisto-full,gallisto-isal,kallisto,salmon,zcat] [--gallisto PATH] [--no-acc]
#                [--quiet-wait S] [--data-only] [--tag TAG] [--out DIR]
#
#   --quick        sets real-airway,real-yeast,chr22-200k (a few minutes)
#   --sets         comma list (default: every set, see bench/data.sh --list)
#   --reps         repetitions of every measurement (default 3; medians are reported)
#   --index-reps   repetitions of the index step (default: --reps); 0 reuses the indexes
#                  the last run left in the work directory (quant rows only)
#   --threads      thread counts for quant and salmon index (default 1,2)
#   --tools        subset/order of tools (default gallisto,gallisto-isal,kallisto,salmon,zcat;
#                  gallisto-full is gallisto quant --model full with gallisto's index)
#   --gallisto     use this binary instead of building ./cmd/gallisto
#   --no-acc       skip the accuracy columns (shared eval tool)
#   --quiet-wait S before each command wait (up to S seconds) until other processes use
#                  < 0.3 CPU (default 0: do not wait; other use is recorded either way)
#   --data-only    only make/reuse the data sets
#   --tag          name of this run in the output file names (default: date-time)
#   --out          results directory (default bench/out)
#
# Data sets are made or reused by bench/data.sh in the cache
# ${GALLISTO_BENCH_DATA:-${XDG_CACHE_HOME:-$HOME/.cache}/gallisto-bench}; indexes and quant
# outputs of the last run go to <cache>/work/<set>/. Results: <out>/results-<tag>.md, every
# repetition in <out>/raw-<tag>.tsv, accuracy rows in <out>/acc-<tag>.tsv, commands and
# tool messages in <out>/log-<tag>/.
set -euo pipefail
# everything runs inside main, so editing this file during a long run cannot affect it
main() {
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
SHARED="${GALLISTO_SHARED:-$REPO/../shared}"
DATA="${GALLISTO_BENCH_DATA:-${XDG_CACHE_HOME:-$HOME/.cache}/gallisto-bench}"
export GALLISTO_SHARED="$SHARED" GALLISTO_BENCH_DATA="$DATA"
export BENCH_BIN="${BENCH_BIN:-$DATA/bin}"

QUICK_SETS="real-airway real-yeast chr22-200k"
sets="$("$HERE/data.sh" --list)"
reps=3; index_reps=""; threads="1 2"; tools="gallisto gallisto-isal kallisto salmon zcat"
do_acc=1; data_only=0; quiet_wait=0; tag="$(date +%Y%m%d-%H%M%S)"; out="$HERE/out"; gallisto_bin=""

die() { echo "run.sh: $*" >&2; exit 1; }
usage() { sed -n '2,28p' "$0"; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case $1 in
    --quick) sets="$QUICK_SETS"; shift ;;
    --sets) sets="${2//,/ }"; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --index-reps) index_reps=$2; shift 2 ;;
    --threads) threads="${2//,/ }"; shift 2 ;;
    --tools) tools="${2//,/ }"; shift 2 ;;
    --gallisto) gallisto_bin=$2; shift 2 ;;
    --no-acc) do_acc=0; shift ;;
    --quiet-wait) quiet_wait=$2; shift 2 ;;
    --data-only) data_only=1; shift ;;
    --tag) tag=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "run.sh: unknown argument '$1'" >&2; usage 2 ;;
  esac
done
index_reps=${index_reps:-$reps}
[[ $reps =~ ^[1-9][0-9]*$ && $index_reps =~ ^[0-9]+$ ]] || die "--reps must be a positive integer, --index-reps a number"
for t in $threads; do [[ $t =~ ^[1-9][0-9]*$ ]] || die "bad thread count '$t'"; done
[[ $quiet_wait =~ ^[0-9]+$ ]] || die "--quiet-wait takes whole seconds"

log() { echo "[run $(date +%T)] $*" >&2; }

# ---------------------------------------------------------------- data
"$HERE/data.sh" --sets "${sets// /,}"
[ "$data_only" = 1 ] && exit 0

# ---------------------------------------------------------------- tools
mkdir -p "$out/bin"
out="$(cd "$out" && pwd)"
RAW="$out/raw-$tag.tsv"; ACC="$out/acc-$tag.tsv"; META="$out/meta-$tag.tsv"
MD="$out/results-$tag.md"; LOGDIR="$out/log-$tag"
mkdir -p "$LOGDIR"; rm -f "$ACC"
: > "$META"
meta() { printf '%s\t%s\n' "$1" "$2" >> "$META"; }
note() { log "note: $*"; printf 'note\t%s\n' "$*" >> "$META"; }

command -v /usr/bin/time > /dev/null || die "GNU time missing (apt-get install time)"
(cd "$REPO" && go build -o "$out/bin/benchtable" ./bench/cmd/benchtable) || die "cannot build bench/cmd/benchtable"

have_tool=" "
for t in $tools; do
  case $t in
    gallisto)
      if [ -n "$gallisto_bin" ]; then
        [ -x "$gallisto_bin" ] || die "--gallisto $gallisto_bin is not executable"
        GALLISTO="$gallisto_bin"; have_tool+="gallisto "
      elif (cd "$REPO" && go build -o "$out/bin/gallisto" ./cmd/gallisto) > "$LOGDIR/gallisto-build.log" 2>&1; then
        GALLISTO="$out/bin/gallisto"; have_tool+="gallisto "
      else
        note "gallisto skipped: \`go build ./cmd/gallisto\` failed ($(grep -m1 -v '^#' "$LOGDIR/gallisto-build.log" | cut -c1-160))"
      fi ;;
    gallisto-full)
      # gallisto quant --model full, with gallisto's index: needs the gallisto tool too
      [[ " $tools " == *" gallisto "* ]] || die "gallisto-full needs the gallisto tool in --tools (for the index and the binary)"
      have_tool+="gallisto-full " ;;
    gallisto-isal)
      # gallisto built with the optional ISA-L gzip decoder (needs libisal-dev);
      # it quantifies with gallisto's index (the index build is the same code).
      if (cd "$REPO" && go build -tags isal -o "$out/bin/gallisto-isal" ./cmd/gallisto) > "$LOGDIR/gallisto-isal-build.log" 2>&1; then
        GALLISTO_ISAL="$out/bin/gallisto-isal"; have_tool+="gallisto-isal "
      else
        note "gallisto-isal skipped: \`go build -tags isal ./cmd/gallisto\` failed (apt-get install libisal-dev)"
      fi ;;
    kallisto|salmon|zcat)
      if command -v "$t" > /dev/null; then have_tool+="$t "; else note "$t skipped: not installed"; fi ;;
    *) die "unknown tool '$t'" ;;
  esac
done
has() { [[ $have_tool == *" $1 "* ]]; }
run_tools=(); for t in $tools; do has "$t" && run_tools+=("$t"); done
[ ${#run_tools[@]} -gt 0 ] || die "no tool to run"

EVAL="$BENCH_BIN/eval"
if [ "$do_acc" = 1 ] && [ ! -x "$EVAL" ]; then
  mkdir -p "$BENCH_BIN"
  (cd "$SHARED/bench/tools" && go build -o "$EVAL" ./cmd/eval) || { note "accuracy skipped: cannot build the shared eval tool"; do_acc=0; }
fi

# ---------------------------------------------------------------- machine
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
meta date "$(date '+%Y-%m-%d %H:%M:%S %Z')"
meta machine "$(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), $(awk '/MemTotal/ {printf "%.1f GiB RAM", $2 / 1048576}' /proc/meminfo), $(uname -sr)"
meta "load average at start" "$(loadavg)"
meta options "sets: $sets; reps: $reps (index: $index_reps); threads: $threads; tools: ${run_tools[*]}; quiet-wait: ${quiet_wait} s"
versions=""
has gallisto && versions+="gallisto $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo 'no commit')$( [ -n "$(git -C "$REPO" status --porcelain 2>/dev/null | head -1)" ] && echo ' (uncommitted changes)'), $(go version | cut -d' ' -f3); "
has kallisto && versions+="kallisto $(kallisto version | awk '{print $NF}'); "
has salmon && versions+="salmon $(salmon --version 2>&1 | awk '{print $NF}'); "
has zcat && versions+="zcat ($(gzip --version | head -1)); "
meta versions "${versions%; }"
meta "data cache" "$DATA"

# ---------------------------------------------------------------- measuring
printf 'run\tset\ttool\tstep\tsample\tthreads\trep\tstatus\twall_s\tuser_s\tsys_s\tmax_rss_kb\tindex_bytes\tmapped_pct\tload1\tbusy_cpus\tstarted\n' > "$RAW"

# mapped_pct DIR TOOL: pseudoaligned / mapped percentage from the tool's own report
mapped_pct() {
  local f
  case $2 in
    kallisto|gallisto|gallisto-isal|gallisto-full) f="$1/run_info.json"; [ -f "$f" ] && sed -n 's/.*"p_pseudoaligned": *\([0-9.]*\).*/\1/p' "$f" | head -1 ;;
    salmon) f="$1/aux_info/meta_info.json"; [ -f "$f" ] && sed -n 's/.*"percent_mapped": *\([0-9.]*\).*/\1/p' "$f" | head -1 ;;
  esac
  return 0
}

# busy_cpus SECS: CPUs kept busy (by anything: nothing of ours runs meanwhile) over SECS
busy_cpus() {
  local a b
  a=$(head -1 /proc/stat); sleep "$1"; b=$(head -1 /proc/stat)
  awk -v a="$a" -v b="$b" -v n="$(nproc)" 'BEGIN {
    split(a, x, " "); split(b, y, " "); t = 0; i = 0
    for (k = 2; k <= 9; k++) { d = y[k] - x[k]; t += d; if (k == 5 || k == 6) i += d }
    printf "%.2f", (t > 0 ? (t - i) / t * n : 0) }'
}

# wait_quiet: sample the other CPU use just before a command; with --quiet-wait S keep
# sampling (1 s windows) until it is below 0.3 CPU or S seconds have passed. Prints it.
wait_quiet() {
  local b waited=0
  if [ "$quiet_wait" -gt 0 ]; then
    b=$(busy_cpus 1)
    while awk -v b="$b" 'BEGIN {exit !(b >= 0.3)}' && [ "$waited" -lt "$quiet_wait" ]; do
      b=$(busy_cpus 1); waited=$((waited + 1))
    done
  else
    b=$(busy_cpus 0.5)
  fi
  echo "$b"
}

# measure SET TOOL STEP SAMPLE THREADS REP SIZEPATH QUANTDIR -- CMD...
# Runs CMD under GNU time (stdout to /dev/null for zcat, else to the log) and appends a raw row.
measure() {
  local set=$1 tool=$2 step=$3 sample=$4 th=$5 rep=$6 sizepath=$7 qdir=$8
  shift 9
  local tf="$LOGDIR/time.tmp" lg="$LOGDIR/$set.$tool.$step.$sample.t$th.rep$rep.log"
  local load1 busy started rc=0 line wall user sys rss size="-" mapped="-"
  busy=$(wait_quiet)
  load1=$(cut -d' ' -f1 /proc/loadavg); started=$(date +%s)
  printf '%q ' "$@" > "$lg"; echo >> "$lg"
  if [ "$tool" = zcat ]; then
    /usr/bin/time -f '%e %U %S %M' -o "$tf" "$@" > /dev/null 2>> "$lg" || rc=$?
  else
    /usr/bin/time -f '%e %U %S %M' -o "$tf" "$@" >> "$lg" 2>&1 || rc=$?
  fi
  line=$(tail -1 "$tf")
  read -r wall user sys rss <<< "$line"
  if [ "$rc" = 0 ]; then
    [ "$sizepath" = - ] || size=$(du -sb "$sizepath" | cut -f1)
    [ "$qdir" = - ] || mapped=$(mapped_pct "$qdir" "$tool")
  else
    log "FAILED ($rc): $set $tool $step $sample t$th rep$rep, see $lg"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tag" "$set" "$tool" "$step" "$sample" \
    "$th" "$rep" "$rc" "${wall:--}" "${user:--}" "${sys:--}" "${rss:--}" "$size" "${mapped:--}" "$load1" "$busy" "$started" >> "$RAW"
  local msg
  msg="$set $tool $step $sample t$th rep$rep: ${wall:-?} s wall, $(awk -v u="${user:-0}" -v s="${sys:-0}" 'BEGIN{print u+s}') s CPU, $(( ${rss:-0} / 1024 )) MiB (others busy: $busy CPU)"
  [ "$size" = - ] || msg+=", size $((size / 1000000)) MB"
  [[ $mapped =~ ^[0-9] ]] && msg+=", $(printf '%.2f' "$mapped")% mapped"
  log "$msg"
}

# rotated I: the tool list starting at position I (spreads position effects over reps)
rotated() {
  local i=$1 n=${#run_tools[@]} j
  for ((j = 0; j < n; j++)); do echo "${run_tools[$(((i + j) % n))]}"; done
}

# index_path TOOL WORKDIR -> where TOOL's index is built
index_path() { case $1 in salmon) echo "$2/salmon/index" ;; gallisto-isal|gallisto-full) echo "$2/gallisto/index.idx" ;; *) echo "$2/$1/index.idx" ;; esac; }

# bench_sc SET SETDIR WORKDIR TECH SAMPLE R1 R2: single-cell rows. Step bus: gallisto bus
# vs kallisto bus. Step count: gallisto count (FASTQ to cells x genes in one process) vs
# the chain it replaces, kallisto bus | bustools correct | sort | count --genecounts, timed
# as one command (peak RSS is its largest process). zcat reads the two files once.
bench_sc() {
  local set=$1 sd=$2 w=$3 tech=$4 smp=$5 f1=$6 f2=$7 rep th t idx qd
  local wl="$sd/whitelist.txt" t2g="$sd/t2g.tsv"
  [ -n "$(command -v bustools)" ] || note "bustools not installed: no kallisto count rows"
  for ((rep = 1; rep <= reps; rep++)); do
    for th in $threads; do
      for t in $(rotated $((rep - 1))); do
        idx=$(index_path "$t" "$w")
        case $t in
          gallisto)
            qd="$w/gallisto/t$th/bus"; rm -rf "$qd"; mkdir -p "$(dirname "$qd")"
            measure "$set" gallisto bus "$smp" "$th" "$rep" - "$qd" -- \
              "$GALLISTO" bus -i "$idx" -o "$qd" -x "$tech" -t "$th" "$f1" "$f2"
            qd="$w/gallisto/t$th/count"; rm -rf "$qd"
            measure "$set" gallisto count "$smp" "$th" "$rep" - "$qd" -- \
              "$GALLISTO" count -i "$idx" -o "$qd" -x "$tech" -w "$wl" -g "$t2g" -t "$th" "$f1" "$f2" ;;
          kallisto)
            qd="$w/kallisto/t$th/bus"; rm -rf "$qd"; mkdir -p "$(dirname "$qd")"
            measure "$set" kallisto bus "$smp" "$th" "$rep" - "$qd" -- \
              kallisto bus -i "$idx" -o "$qd" -x "$tech" -t "$th" "$f1" "$f2"
            command -v bustools > /dev/null || continue
            qd="$w/kallisto/t$th/count"; rm -rf "$qd"; mkdir -p "$qd"
            measure "$set" kallisto count "$smp" "$th" "$rep" - "$qd" -- bash -c '
              set -e; q=$1; shift 6
              kallisto bus -i "$1" -o "$q" -x "$2" -t "$3" "$4" "$5"
              bustools correct -w "$6" -o "$q/corrected.bus" "$q/output.bus"
              bustools sort -t "$3" -T "$q/tmp" -o "$q/sorted.bus" "$q/corrected.bus"
              mkdir -p "$q/counts_unfiltered"
              bustools count -o "$q/counts_unfiltered/cells_x_genes" --genecounts -g "$7" \
                -e "$q/matrix.ec" -t "$q/transcripts.txt" "$q/sorted.bus"' \
              chain "$qd" x x x x x "$idx" "$tech" "$th" "$f1" "$f2" "$wl" "$t2g" ;;
          zcat)
            [ "$th" = "$(echo "$threads" | awk '{print $1}')" ] || continue
            measure "$set" zcat bus "$smp" 1 "$rep" - - -- zcat "$f1" "$f2" ;;
        esac
      done
    done
  done
  # the two count matrices must agree (same input): say so in the report
  local g k
  for th in $threads; do
    g="$w/gallisto/t$th/count/counts_unfiltered"; k="$w/kallisto/t$th/count/counts_unfiltered"
    [ -d "$g" ] && [ -d "$k" ] || continue
    if cmp -s "$g/cells_x_genes.mtx" "$k/cells_x_genes.mtx" && cmp -s "$g/cells_x_genes.barcodes.txt" "$k/cells_x_genes.barcodes.txt" \
       && cmp -s "$g/cells_x_genes.genes.txt" "$k/cells_x_genes.genes.txt"; then
      note "$set -t $th: gallisto count's matrix, barcodes and genes are byte-identical to kallisto bus + bustools'"
    else
      note "$set -t $th: gallisto count's output DIFFERS from kallisto bus + bustools' (see $g and $k)"
    fi
  done
}

bench_set() {
  local set=$1 sd w tx
  sd="$DATA/sets/$set"; w="$DATA/work/$set"; tx="$sd/transcripts.fa.gz"
  # --index-reps 0 quantifies with the indexes the last run left: keep them
  [ "$index_reps" -gt 0 ] && rm -rf "$w"
  mkdir -p "$w"
  local -a step sample layout r1 r2 fl fs pairs
  local n=0 a b c d e f g h total=0
  while IFS=$'\t' read -r a b c d e f g h; do
    step[n]=$a; sample[n]=$b; layout[n]=$c; r1[n]=$d; r2[n]=$e; fl[n]=$f; fs[n]=$g; pairs[n]=$h
    [[ $h =~ ^[0-9]+$ ]] && total=$((total + h))
    n=$((n + 1))
  done < "$sd/samples.tsv"

  # set description for the report
  local txstat readbytes=0 i
  txstat=$(pigz -dc "$tx" | awk '/^>/ {n++; next} {bp += length($0)} END {printf "%d transcripts, %.1f Mbp", n, bp / 1e6}')
  for ((i = 0; i < n; i++)); do
    readbytes=$((readbytes + $(du -bL "${r1[i]}" | cut -f1)))
    [ "${r2[i]}" = - ] || readbytes=$((readbytes + $(du -bL "${r2[i]}" | cut -f1)))
  done
  printf 'setinfo\t%s\t%s\n' "$set" "$txstat; $n sample(s), $(printf "%'d" "$total") reads/pairs in all ($(awk -v b="$readbytes" 'BEGIN{printf "%.0f", b / 1e6}') MB gzip); steps: $(printf '%s\n' "${step[@]}" | uniq | paste -sd, -); data in $sd" >> "$META"
  log "== $set: $txstat, $n sample(s), $total reads/pairs"

  # ---- index: every tool, every rep; kallisto 0.48 / gallisto index are single-threaded
  # (single-cell sets: no salmon)
  local rep t th dest
  for ((rep = 1; rep <= index_reps; rep++)); do
    for t in $(rotated $((rep - 1))); do
      [ "$t" = zcat ] || [ "$t" = gallisto-isal ] || [ "$t" = gallisto-full ] && continue
      [[ ${layout[0]} == sc:* ]] && [ "$t" = salmon ] && continue
      local ths="1"; [ "$t" = salmon ] && ths="$threads"
      for th in $ths; do
        dest=$(index_path "$t" "$w"); rm -rf "$dest" "$w/$t/tmp"; mkdir -p "$w/$t"
        case $t in
          kallisto) measure "$set" kallisto index - "$th" "$rep" "$dest" - -- kallisto index -i "$dest" "$tx" ;;
          gallisto) measure "$set" gallisto index - "$th" "$rep" "$dest" - -- "$GALLISTO" index -i "$dest" "$tx" ;;
          salmon) measure "$set" salmon index - "$th" "$rep" "$dest" - -- \
                    salmon --no-version-check index -t "$tx" -i "$dest" -p "$th" ;;
        esac
      done
    done
  done

  # ---- quant: reads are read once beforehand so every tool sees a warm page cache
  for ((i = 0; i < n; i++)); do cat "${r1[i]}" > /dev/null; [ "${r2[i]}" = - ] || cat "${r2[i]}" > /dev/null; done
  if [[ ${layout[0]} == sc:* ]]; then
    bench_sc "$set" "$sd" "$w" "${layout[0]#sc:}" "${sample[0]}" "${r1[0]}" "${r2[0]}"
    return 0
  fi
  local qd idx
  local -a rd se sl
  for ((rep = 1; rep <= reps; rep++)); do
    for th in $threads; do
      for t in $(rotated $((rep - 1))); do
        [ "$t" = zcat ] && [ "$th" != "$(echo "$threads" | awk '{print $1}')" ] && continue  # zcat: once per rep
        local zth=$th; [ "$t" = zcat ] && zth=1
        idx=$(index_path "$t" "$w")
        if [ "$t" != zcat ] && [ ! -e "$idx" ]; then log "no $t index for $set, skipping its quant"; continue; fi
        for ((i = 0; i < n; i++)); do
          qd="$w/$t/t$th/${sample[i]}"; rm -rf "$qd"; mkdir -p "$(dirname "$qd")"
          rd=("${r1[i]}"); [ "${layout[i]}" = pe ] && rd+=("${r2[i]}")
          se=(); sl=()
          if [ "${layout[i]}" = se ]; then
            se=(--single -l "${fl[i]}" -s "${fs[i]}"); sl=(--fldMean "${fl[i]}" --fldSD "${fs[i]}")
          fi
          case $t in
            kallisto) measure "$set" kallisto "${step[i]}" "${sample[i]}" "$th" "$rep" - "$qd" -- \
                        kallisto quant -i "$idx" -o "$qd" -t "$th" ${se[@]+"${se[@]}"} "${rd[@]}" ;;
            gallisto) measure "$set" gallisto "${step[i]}" "${sample[i]}" "$th" "$rep" - "$qd" -- \
                        "$GALLISTO" quant -i "$idx" -o "$qd" -t "$th" ${se[@]+"${se[@]}"} "${rd[@]}" ;;
            gallisto-full) measure "$set" gallisto-full "${step[i]}" "${sample[i]}" "$th" "$rep" - "$qd" -- \
                        "$GALLISTO" quant --model full -i "$idx" -o "$qd" -t "$th" ${se[@]+"${se[@]}"} "${rd[@]}" ;;
            gallisto-isal) measure "$set" gallisto-isal "${step[i]}" "${sample[i]}" "$th" "$rep" - "$qd" -- \
                        "$GALLISTO_ISAL" quant -i "$idx" -o "$qd" -t "$th" ${se[@]+"${se[@]}"} "${rd[@]}" ;;
            salmon)
              if [ "${layout[i]}" = pe ]; then
                measure "$set" salmon "${step[i]}" "${sample[i]}" "$th" "$rep" - "$qd" -- \
                  salmon --no-version-check quant -i "$idx" -l A -1 "${r1[i]}" -2 "${r2[i]}" -p "$th" -o "$qd"
              else
                measure "$set" salmon "${step[i]}" "${sample[i]}" "$th" "$rep" - "$qd" -- \
                  salmon --no-version-check quant -i "$idx" -l A -r "${r1[i]}" ${sl[@]+"${sl[@]}"} -p "$th" -o "$qd"
              fi ;;
            zcat) measure "$set" zcat "${step[i]}" "${sample[i]}" "$zth" "$rep" - - -- zcat "${rd[@]}" ;;
          esac
        done
      done
    done
  done

  # ---- accuracy of the last repetition's output
  [ "$do_acc" = 1 ] || return 0
  local q kq ref
  for th in $threads; do
    for ((i = 0; i < n; i++)); do
      kq="$w/kallisto/t$th/${sample[i]}/abundance.tsv"
      ref=""
      if [ -s "$kq" ]; then
        ref="$w/kallisto/t$th/${sample[i]}/as_truth.tsv"
        awk -F'\t' 'BEGIN {OFS = "\t"} NR == 1 {print "target_id", "true_count", "true_tpm"; next} {print $1, $4, $5}' "$kq" > "$ref"
      fi
      for t in "${run_tools[@]}"; do
        case $t in kallisto|gallisto|gallisto-isal|gallisto-full) q=abundance.tsv ;; salmon) q=quant.sf ;; *) continue ;; esac
        q="$w/$t/t$th/${sample[i]}/$q"
        [ -s "$q" ] || continue
        local lab="$set|$t|${step[i]}|$th|${sample[i]}"
        if [ -s "$sd/truth.tsv" ]; then
          "$EVAL" -truth "$sd/truth.tsv" -t2g "$sd/t2g.tsv" -total "${pairs[i]}" -o "$ACC" -label "$lab|truth" "$t=$q" \
            2>> "$LOGDIR/eval.log" || log "eval failed for $lab (see $LOGDIR/eval.log)"
        fi
        if [ -n "$ref" ] && [ "$t" != kallisto ]; then
          "$EVAL" -truth "$ref" -o "$ACC" -label "$lab|kallisto" "$t=$q" \
            2>> "$LOGDIR/eval.log" || log "eval vs kallisto failed for $lab (see $LOGDIR/eval.log)"
        fi
      done
    done
  done
}

log "results: $MD"
for s in $sets; do
  bench_set "$s"
  # the table is rewritten after every set, so an interrupted run still leaves one
  "$out/bin/benchtable" -raw "$RAW" -acc "$ACC" -meta "$META" -o "$MD"
done
meta "load average at end" "$(loadavg)"
meta "finished" "$(date '+%Y-%m-%d %H:%M:%S %Z')"
"$out/bin/benchtable" -raw "$RAW" -acc "$ACC" -meta "$META" -o "$MD"
log "done: $MD"
cat "$MD"
}
main "$@"; exit
