#!/bin/bash
# http_bench.sh - search speed on Reuters-21578: in-process latency through queries/ (no HTTP),
# and over HTTP the throughput of byline-searchd with wrk (-t2 -c32) for the typical query mix,
# for queries with all facets, and for GET /health (the HTTP floor), medians of RUNS runs.
# Writes the section "## Searching Reuters-21578" of docs/BENCHMARKS.md.
#
#   bench/http_bench.sh            (RUNS=3 DURATION=10 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
CORPUS=${CORPUS:-$ROOT/../shared/corpora/reuters21578.jsonl.gz}
[ -f "$CORPUS" ] || CORPUS=/work/shared/corpora/reuters21578.jsonl.gz
command -v wrk >/dev/null || { echo "http_bench: wrk is missing: apt-get install wrk" >&2; exit 1; }

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
WORK=$(mktemp -d /tmp/byline-http-bench-XXXXXX)
DAEMON=""
COLD=""
cleanup() {
    [ -n "$DAEMON" ] && kill "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null
    [ -n "$COLD" ] && kill "$COLD" 2>/dev/null && wait "$COLD" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

build/indexer/byline-index --quiet --db "$WORK/reuters.db" "$CORPUS"
build/searchd/byline-searchd --db "$WORK/reuters.db" --port 0 --port-file "$WORK/port" \
    --access-log - --threads 2 2>"$WORK/daemon.log" &
DAEMON=$!
# The same daemon without its cache of stored articles: every hit read from the index.
build/searchd/byline-searchd --db "$WORK/reuters.db" --port 0 --port-file "$WORK/cold-port" \
    --access-log - --threads 2 --doc-cache 0 2>"$WORK/cold.log" &
COLD=$!
for _ in $(seq 50); do [ -s "$WORK/port" ] && [ -s "$WORK/cold-port" ] && break; sleep 0.1; done
PORT=$(cat "$WORK/port")
URL="http://127.0.0.1:$PORT"
COLD_URL="http://127.0.0.1:$(cat "$WORK/cold-port")"

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# Runs wrk RUNS times; prints "median req/s, median p50 ms, median p99 ms".
wrk_runs() { # labels path [url]
    local labels=$1 path=$2 url=${3:-$URL} i
    : >"$WORK/rps"; : >"$WORK/p50"; : >"$WORK/p99"
    for i in $(seq "$RUNS"); do
        if [ -n "$labels" ]; then
            LABELS=$labels QUERIES=bench/queries.txt wrk -t2 -c32 -d"${DURATION}s" --latency \
                -s bench/wrk_queries.lua "$url" >"$WORK/wrk.out"
        else
            wrk -t2 -c32 -d"${DURATION}s" --latency "$url$path" >"$WORK/wrk.out"
        fi
        if grep -q 'Non-2xx' "$WORK/wrk.out"; then
            echo "http_bench: some answers were not 200:" >&2
            cat "$WORK/wrk.out" >&2
            exit 1
        fi
        awk '/Requests\/sec/ {print $2}' "$WORK/wrk.out" >>"$WORK/rps"
        awk '$1 == "50%" {print $2}' "$WORK/wrk.out" | to_ms >>"$WORK/p50"
        awk '$1 == "99%" {print $2}' "$WORK/wrk.out" | to_ms >>"$WORK/p99"
    done
    echo "$(median <"$WORK/rps") $(median <"$WORK/p50") $(median <"$WORK/p99")"
}
to_ms() { sed -E 's/([0-9.]+)us/\1 0.001/; s/([0-9.]+)ms/\1 1/; s/([0-9.]+)s$/\1 1000/' | awk '{printf "%.3f\n", $1 * $2}'; }

# Warm the page cache and every worker thread.
wrk -t2 -c32 -d3s -s bench/wrk_queries.lua "$URL" >/dev/null
wrk -t2 -c32 -d3s -s bench/wrk_queries.lua "$COLD_URL" >/dev/null

TYPICAL="word,words,phrase,filter,datesort,collapse,long"
read -r health_rps health_p50 health_p99 < <(wrk_runs "" /health)
read -r typ_rps typ_p50 typ_p99 < <(wrk_runs "$TYPICAL" "")
read -r cold_rps cold_p50 cold_p99 < <(wrk_runs "$TYPICAL" "" "$COLD_URL")
read -r fac_rps fac_p50 fac_p99 < <(wrk_runs "facets,facetsfilter,browse" "")
cache_line() { curl -s "$URL/metrics" | awk -v r="$1" '$1 == "byline_doc_cache_lookups_total{result=\"" r "\"}" {print $2}'; }
cache_hits=$(cache_line hit)
cache_misses=$(cache_line miss)

# In-process: RUNS rounds over every query, through queries/ with no HTTP.
build/bench/query_bench "$WORK/reuters.db" bench/queries.txt "$((RUNS * 3))" >"$WORK/inproc"

MACHINE="$(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM"
SECTION="$WORK/section.md"
{
    echo "## Searching Reuters-21578"
    echo
    echo "Reuters-21578 (21,578 articles) indexed with default settings; the query file"
    echo "\`bench/queries.txt\` holds $(grep -vc '^#' bench/queries.txt) queries of mixed kinds (one word, several words,"
    echo "phrases, filters, date ranges sorted by date, collapsing, long questions, all facets)."
    echo "Written by \`bench/http_bench.sh\` on $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD)."
    echo "Machine: $MACHINE; load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    echo "### In-process latency (queries/ layer, no HTTP)"
    echo
    echo "Every query $((RUNS * 3)) times after one warm-up round, \`build/bench/query_bench DB bench/queries.txt $((RUNS * 3))\`:"
    echo
    echo '```'
    cat "$WORK/inproc"
    echo '```'
    echo
    echo "### Over HTTP: byline-searchd with 2 threads, wrk -t2 -c32, ${DURATION} s, median of $RUNS runs"
    echo
    echo "| requests | requests/s | p50 ms | p99 ms | vs /health |"
    echo "| --- | ---: | ---: | ---: | ---: |"
    echo "| GET /health (the HTTP floor) | $health_rps | $health_p50 | $health_p99 | 1.00 |"
    printf '| typical mix: 10 hits with snippets, no facets (%s) | %s | %s | %s | %.3f |\n' \
        "$TYPICAL" "$typ_rps" "$typ_p50" "$typ_p99" "$(echo "$typ_rps / $health_rps" | bc -l)"
    printf '| with all facets (facets, facetsfilter, browse) | %s | %s | %s | %.3f |\n' \
        "$fac_rps" "$fac_p50" "$fac_p99" "$(echo "$fac_rps / $health_rps" | bc -l)"
    printf '| typical mix, `--doc-cache 0` (every hit read and inflated from the index) | %s | %s | %s | %.3f |\n' \
        "$cold_rps" "$cold_p50" "$cold_p99" "$(echo "$cold_rps / $health_rps" | bc -l)"
    echo
    echo "The daemon keeps the stored records of the articles it showed last (\`--doc-cache\`,"
    echo "64 MB by default); the query file repeats, so after the warm-up round every hit comes"
    echo "from it ($cache_hits lookups found the article, $cache_misses read it from the index). The"
    echo "last row is the same daemon with no cache: each hit's record read (pread) and inflated."
    echo
    echo "wrk and the daemon share the machine's two cores, so the figures are a floor for a"
    echo "daemon with the machine to itself."
    echo
} >"$SECTION"

python3 bench/write_section.py docs/BENCHMARKS.md "$SECTION" "## Searching Reuters-21578"
cat "$SECTION"
