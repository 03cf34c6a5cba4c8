#!/usr/bin/env bash
# shards_bench.sh - sharding benchmark: indexing Reuters-21578 into one database and into 1, 2
# and 4 shards (wall time, CPU time, articles/s), then search latency over one database, over 3
# shards opened locally and over the same 3 shards served by xapian-tcpsrv, side by side.
#
# usage: bench/shards_bench.sh            (from anywhere)
#
# environment:
#   RUNS=N        timed runs of each configuration, interleaved; medians reported (default 3)
#   ROUNDS=N      rounds of the query file per latency run (default 3)
#   CORPUS=PATH   JSON Lines corpus (default ../shared/corpora/reuters21578.jsonl.gz)
#   BUILD=DIR     the build folder (default build)
#   DOC=PATH      where to write the section (default docs/BENCHMARKS.md; - prints it only)
#   TMPDIR=DIR    where the databases are built (default /tmp)
#
# Everything is built from scratch in a temporary folder removed on exit; the xapian-tcpsrv
# processes it starts (on 127.0.0.1) are stopped on exit. See bench/README.md.
set -euo pipefail

COMMAND=
for var in RUNS ROUNDS CORPUS BUILD DOC TMPDIR; do
    if [[ -n "${!var+set}" ]]; then
        COMMAND+="$var=$(printf '%q' "${!var}") "
    fi
done
COMMAND+="bench/shards_bench.sh"

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
RUNS=${RUNS:-3}
ROUNDS=${ROUNDS:-3}
CORPUS=${CORPUS:-$(cd "$REPO/.." && pwd)/shared/corpora/reuters21578.jsonl.gz}
BUILD=${BUILD:-$REPO/build}
DOC=${DOC:-$REPO/docs/BENCHMARKS.md}
INDEX=$BUILD/indexer/byline-index
QUERY_BENCH=$BUILD/bench/query_bench
SECTION="## Shards: indexing and searching Reuters-21578"

die() {
    echo "shards_bench: $*" >&2
    exit 1
}
say() { echo "shards_bench: $*" >&2; }

[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number, not '$RUNS'"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive number, not '$ROUNDS'"
for p in "$INDEX" "$QUERY_BENCH"; do
    [[ -x "$p" ]] || die "'$p' is missing: build first (cmake --build build)"
done
for t in xapian-tcpsrv /usr/bin/time; do
    command -v "$t" >/dev/null || die "'$t' is missing (Debian: xapian-tools, time)"
done
[[ -f "$CORPUS" ]] || die "no corpus at '$CORPUS' (set CORPUS)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/byline-shards-bench-XXXXXX")
SERVERS=()
cleanup() {
    local pid
    for pid in "${SERVERS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

gzip -dc "$CORPUS" >"$TMP/reuters.jsonl"
ARTICLES=$(grep -c . "$TMP/reuters.jsonl")
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

median() { # numbers on stdin, one a line
    sort -g | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

# ---- Indexing -------------------------------------------------------------------------------
CONFIGS=(one shards1 shards2 shards4)
declare -A LABEL=([one]="one database (--jobs 1)" [shards1]="--shards 1" [shards2]="--shards 2"
    [shards4]="--shards 4")
declare -A ARGS=([one]="--jobs 1" [shards1]="--shards 1" [shards2]="--shards 2"
    [shards4]="--shards 4")
declare -A WALLS CPUS
for run in $(seq "$RUNS"); do
    for cfg in "${CONFIGS[@]}"; do
        rm -rf "$TMP/$cfg"
        # shellcheck disable=SC2086
        /usr/bin/time -f '%e %U %S' -o "$TMP/time" "$INDEX" --db "$TMP/$cfg" ${ARGS[$cfg]} -q \
            "$TMP/reuters.jsonl" 2>/dev/null || die "byline-index ${ARGS[$cfg]} failed"
        read -r wall user sys <"$TMP/time"
        WALLS[$cfg]+="$wall "
        CPUS[$cfg]+="$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u + s}') "
        say "run $run, ${LABEL[$cfg]}: $wall s"
    done
done
INDEX_TABLE=$TMP/index.md
{
    echo "| indexing | median wall s | articles/s | median CPU s | every run, wall s |"
    echo "| --- | ---: | ---: | ---: | --- |"
    for cfg in "${CONFIGS[@]}"; do
        w=$(printf '%s\n' ${WALLS[$cfg]} | median)
        c=$(printf '%s\n' ${CPUS[$cfg]} | median)
        echo "| ${LABEL[$cfg]} | $w | $(awk -v n="$ARTICLES" -v w="$w" 'BEGIN {printf "%.0f", n / w}') | $c | ${WALLS[$cfg]}|"
    done
} >"$INDEX_TABLE"

# ---- Searching --------------------------------------------------------------------------------
# One database (the last run's) and 3 shards, served locally and by three xapian-tcpsrv; the
# remote set is a stub file: the shards by address, the spelling database by path.
"$INDEX" --db "$TMP/shards3" --shards 3 -q "$TMP/reuters.jsonl" 2>/dev/null ||
    die "byline-index --shards 3 failed"
: >"$TMP/remote.stub"
for i in 0 1 2; do
    for try in $(seq 20); do
        port=$((20000 + RANDOM % 30000))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
        setsid xapian-tcpsrv --quiet --interface 127.0.0.1 --port "$port" "$TMP/shards3/shard-$i" \
            >/dev/null 2>&1 &
        pid=$!
        up=0
        for k in $(seq 30); do
            if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then up=1; break; fi
            sleep 0.1
        done
        if [[ $up == 1 ]]; then SERVERS+=("$pid"); break; fi
        kill -TERM -- "-$pid" 2>/dev/null || true
    done
    [[ $up == 1 ]] || die "xapian-tcpsrv did not start"
    echo "remote 127.0.0.1:$port" >>"$TMP/remote.stub"
done
echo "auto $TMP/shards3/spelling" >>"$TMP/remote.stub"
# Searches sorted by date are left out: over remote shards they need the sort by value of
# docs/SCALING.md ("Known limits").
grep -v -P '^(#|datesort\t|browse\t)' "$BENCH_DIR/queries.txt" >"$TMP/queries.txt"
QUERIES=$(grep -c . "$TMP/queries.txt")
TARGETS=(one local remote)
declare -A DB=([one]="$TMP/one" [local]="$TMP/shards3" [remote]="$TMP/remote.stub")
declare -A TLABEL=([one]="one database" [local]="3 shards, local" [remote]="3 shards, xapian-tcpsrv")
declare -A P50 P95
for run in $(seq "$RUNS"); do
    for t in "${TARGETS[@]}"; do
        "$QUERY_BENCH" "${DB[$t]}" "$TMP/queries.txt" "$ROUNDS" >"$TMP/q.out" 2>"$TMP/q.err" ||
            die "query_bench over ${TLABEL[$t]} failed: $(cat "$TMP/q.err")"
        [[ ! -s "$TMP/q.err" ]] || die "query_bench over ${TLABEL[$t]}: $(head -3 "$TMP/q.err")"
        while read -r label count p50 p95 rest; do
            [[ "$label" == queries ]] && continue
            P50[$t,$label]+="$p50 "
            P95[$t,$label]+="$p95 "
        done <"$TMP/q.out"
        say "run $run, ${TLABEL[$t]}: p50 $(awk '$1 == "all" {print $3}' "$TMP/q.out") ms"
    done
done
LABELS=$(awk '$1 != "queries" {print $1}' "$TMP/q.out")
QUERY_TABLE=$TMP/query.md
{
    printf '| queries (p50 ms, median of %s runs) |' "$RUNS"
    for t in "${TARGETS[@]}"; do printf ' %s |' "${TLABEL[$t]}"; done
    printf ' remote / one |\n| --- |'
    for t in "${TARGETS[@]}"; do printf ' ---: |'; done
    printf ' ---: |\n'
    for label in $LABELS; do
        printf '| %s |' "$label"
        for t in "${TARGETS[@]}"; do
            m=$(printf '%s\n' ${P50[$t,$label]} | median)
            printf ' %s |' "$m"
            declare "M_$t=$m"
        done
        # shellcheck disable=SC2154
        awk -v r="$M_remote" -v o="$M_one" 'BEGIN {printf " %.1f× |\n", (o > 0 ? r / o : 0)}'
    done
    printf '| all, p95 |'
    for t in "${TARGETS[@]}"; do printf ' %s |' "$(printf '%s\n' ${P95[$t,all]} | median)"; done
    printf ' |\n'
} >"$QUERY_TABLE"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

SECTION_FILE=$TMP/section.md
cat >"$SECTION_FILE" <<EOF
$SECTION

Indexing the $ARTICLES articles of Reuters-21578 (uncompressed JSON Lines) into one database and
into 1, 2 and 4 shards, then searching one database, 3 shards opened locally (the folder's stub
file) and the same 3 shards served by three \`xapian-tcpsrv\` on 127.0.0.1 with the spelling
database local (docs/SCALING.md). Medians of $RUNS runs, configurations interleaved.

Command: \`$COMMAND\` ($(date -u +%Y-%m-%d), $(nproc) CPUs, load average $LOAD_BEFORE before and
$LOAD_AFTER after: a shared, noisy machine, so compare the rows with each other).

$(cat "$INDEX_TABLE")

- \`--shards N\` writes N shards with one writer thread each while the main thread reads and
  converts the input; one database with \`--jobs 1\` is written by one thread (the reference
  for results: its document ids follow the input, as a sharded index's do). CPU s is user +
  system time of the whole process.

$(cat "$QUERY_TABLE")

- In-process latency through queries/ (\`bench/query_bench\`), $ROUNDS rounds of the
  $QUERIES requests of \`bench/queries.txt\` without its date-sorted ones, after a warm-up
  round; every answer renders its JSON. The remote column pays a round trip to each shard
  for each Xapian call the search makes: the statistics of the query's words (spelling
  check, recency scale), the match itself, then per hit the word positions read for the
  proximity re-ranking of the top hits and the stored article; here all on one machine, so
  a round trip is a switch between processes on the same two CPUs. Faceted searches spend
  their time in the match, which the shards run in parallel, and lose least.
EOF
if [[ "$DOC" == - ]]; then
    cat "$SECTION_FILE"
    exit 0
fi
python3 "$BENCH_DIR/write_section.py" "$DOC" "$SECTION_FILE" "$SECTION"
say "wrote the section \"$SECTION\" of $DOC"
