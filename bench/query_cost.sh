#!/bin/bash
# query_cost.sh - CPU instructions per search through queries/ (no HTTP), per label of
# bench/queries.txt, counted by valgrind's callgrind. Unlike timings, these counts do not move
# with the load of a shared machine, so they show what a change to the code saves.
# Each label runs twice, with 1 and with 3 timed rounds; the difference divided by twice the
# number of queries is the cost of one search (opening the index and the warm-up cancel out).
#
#   bench/query_cost.sh DB [QUERY_FILE]     (DB: a Reuters index built by byline-index)
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:?usage: bench/query_cost.sh DB [QUERY_FILE]}
QUERIES=${2:-bench/queries.txt}
BUILD=${BUILD:-build}
command -v valgrind >/dev/null || { echo "query_cost: valgrind is missing: apt-get install valgrind" >&2; exit 1; }
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target query_bench >/dev/null
WORK=$(mktemp -d /tmp/byline-cost-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

instructions() { # query_file rounds
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$BUILD/bench/query_bench" "$DB" "$1" "$2" \
        2>&1 >/dev/null | awk '/Collected :/ {print $4}'
}

printf '%-14s %7s %18s\n' label queries "instructions/query"
for label in $(cut -f1 "$QUERIES" | grep -v '^#' | awk 'NF' | awk '!seen[$0]++'); do
    awk -F'\t' -v l="$label" '$1 == l' "$QUERIES" >"$WORK/q.txt"
    n=$(wc -l <"$WORK/q.txt")
    one=$(instructions "$WORK/q.txt" 1)
    three=$(instructions "$WORK/q.txt" 3)
    printf '%-14s %7d %18s\n' "$label" "$n" "$(( (three - one) / (2 * n) ))"
done
