#!/usr/bin/env bash
# scale.sh - how Byline's costs grow with the corpus: for generated news corpora of 10k, 100k
# and 1M articles (bench/gen_corpus.py, deterministic), byline-index's wall and CPU time,
# articles/s, cost per article, index size and peak RSS, then query p50/p99 with and without
# facets (bench/query_bench.c over a generated query file). Writes the section "## Scale" of
# docs/BENCHMARKS.md.
#
# usage: bench/scale.sh
#
# environment:
#   SIZES="10000 100000 1000000"  corpus sizes, in articles (each a prefix of the largest)
#   SEED=1        the generator's seed
#   NQUERIES=30   queries of each kind (plain, facets); ROUNDS=5 timed rounds over them
#   BUILD=DIR     where Byline is built (default build-peers in the repository)
#   DOC=PATH      where the section goes (default docs/BENCHMARKS.md); DOC=- prints it only
#   TMPDIR=DIR    where the corpus and the databases go (default /tmp; the 1M corpus takes
#                 about 3.2 GB, its index about 8.5 GB); removed on exit
set -euo pipefail

COMMAND=
for var in SIZES SEED NQUERIES ROUNDS BUILD DOC TMPDIR; do
    if [[ -n "${!var+set}" ]]; then
        COMMAND+="$var=$(printf '%q' "${!var}") "
    fi
done
COMMAND+="bench/scale.sh"

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
SIZES=${SIZES:-10000 100000 1000000}
SEED=${SEED:-1}
NQUERIES=${NQUERIES:-30}
ROUNDS=${ROUNDS:-5}
BUILD=${BUILD:-$REPO/build-peers}
DOC=${DOC:-$REPO/docs/BENCHMARKS.md}
PY=python3

die() {
    echo "scale: $*" >&2
    exit 1
}
say() { echo "scale: $*" >&2; }

[[ -x /usr/bin/time ]] || die "GNU time is missing: apt-get install time"
command -v "$PY" >/dev/null || die "python3 is missing"
for n in $SIZES; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "SIZES holds '$n', not a number"
done
MAX=$(printf '%s\n' $SIZES | sort -n | tail -n 1)

say "building Byline in $BUILD"
cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || die "cmake failed"
cmake --build "$BUILD" -j "$(nproc)" --target byline-index query_bench >/dev/null ||
    die "the build failed: cmake --build $BUILD"
BYLINE_INDEX=$BUILD/indexer/byline-index
QUERY_BENCH=$BUILD/bench/query_bench

TMP=$(mktemp -d "${TMPDIR:-/tmp}/byline-scale.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "generating $MAX articles (seed $SEED)"
GEN_START=$(date +%s.%N)
$PY "$BENCH_DIR/gen_corpus.py" --articles "$MAX" --seed "$SEED" --out "$TMP/corpus.jsonl"
GEN_S=$(awk -v a="$GEN_START" -v b="$(date +%s.%N)" 'BEGIN {printf "%.0f", b - a}')
$PY "$BENCH_DIR/gen_corpus.py" --queries "$NQUERIES" --seed "$SEED" --out "$TMP/queries.txt"

ROWS=$TMP/rows.tsv
: >"$ROWS"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
for n in $(printf '%s\n' $SIZES | sort -n); do
    if ((n == MAX)); then
        input=$TMP/corpus.jsonl
    else
        input=$TMP/corpus-$n.jsonl
        head -n "$n" "$TMP/corpus.jsonl" >"$input"
    fi
    bytes=$(stat -c %s "$input")
    cat "$input" >/dev/null # the page cache holds the input, as for every size
    db=$TMP/db-$n
    sync
    say "indexing $n articles ($((bytes / 1000000)) MB)"
    status=0
    /usr/bin/time -v -o "$TMP/time" -- "$BYLINE_INDEX" --db "$db" --quiet "$input" >"$TMP/log" 2>&1 ||
        status=$?
    ((status == 0)) || die "byline-index failed on $n articles: $(tail -n 5 "$TMP/log")"
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$TMP/time")
    cpu=$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {print u + s}' "$TMP/time")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$TMP/time")
    size=$(du -sb "$db" | cut -f1)
    "$QUERY_BENCH" "$db" "$TMP/queries.txt" "$ROUNDS" >"$TMP/qb.out"
    read -r p50 p99 < <(awk '$1 == "plain" {print $3, $5}' "$TMP/qb.out")
    read -r f50 f99 < <(awk '$1 == "facets" {print $3, $5}' "$TMP/qb.out")
    # The faceted queries again, counted without facet columns (Xapian's match spies).
    awk -F'\t' '$1 == "facets"' "$TMP/queries.txt" >"$TMP/facet-queries.txt"
    "$QUERY_BENCH" -F "$db" "$TMP/facet-queries.txt" "$ROUNDS" >"$TMP/qbf.out"
    read -r s50 s99 < <(awk '$1 == "facets" {print $3, $5}' "$TMP/qbf.out")
    # And counted in the search's own thread (query_bench -S).
    "$QUERY_BENCH" -S "$db" "$TMP/facet-queries.txt" "$ROUNDS" >"$TMP/qbs.out"
    read -r t50 t99 < <(awk '$1 == "facets" {print $3, $5}' "$TMP/qbs.out")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$bytes" "$wall" "$cpu" \
        "$rss" "$size" "$p50" "$p99" "$f50" "$f99" "$s50" "$s99" "$t50" "$t99" >>"$ROWS"
    say "$n articles: $wall s wall, $cpu s CPU, $((rss / 1000)) MB RSS, $((size / 1000000)) MB; p99 $p99 ms, with facets $f99 ms ($s99 ms without facet columns)"
    rm -rf "$db"
    [[ "$input" == "$TMP/corpus.jsonl" ]] || rm -f "$input"
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- the section ---------------------------------------------------------------------------
SECTION=$TMP/section.md
{
    echo "## Scale"
    echo
    echo "How Byline's costs grow with the corpus, on generated news (\`bench/gen_corpus.py\`,"
    echo "seed $SEED: Zipfian vocabulary (exponent 1.25) of 200,000 words and collocations, bodies of median 280"
    echo "words, 20 categories, 60 sources, 3,000 authors, dates over 2019-2024; each corpus is"
    echo "the first N articles of the largest). One run per size: \`byline-index --db DB --quiet"
    echo "corpus.jsonl\` with its defaults (\`--jobs\` = cores), timed by GNU time; then"
    echo "\`query_bench DB queries.txt $ROUNDS\` over $NQUERIES generated queries of each kind"
    echo "(\`gen_corpus.py --queries $NQUERIES\`: common, middling and rare words, two and three"
    echo "words, phrases), \"plain\" with Byline's defaults (10 hits, \`match=any\`) and"
    echo "\"facets\" with every facet (category, source, author, lang, date), one warm-up round"
    echo "and $ROUNDS timed rounds, counted as byline-searchd counts them (facet columns, and a"
    echo "second thread sharing the counting pass); the faceted queries once more with"
    echo "\`query_bench -F\`, counted without facet columns (Xapian's match spies reading every"
    echo "match's values), and with \`query_bench -S\`, counted in the search's own thread after"
    echo "the ranked search. Written by \`bench/scale.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'),"
    echo "commit $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown); generating"
    echo "the $MAX articles took $GEN_S s (not timed)."
    echo
    echo "Machine: $(nproc) cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)),"
    echo "$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM, $(uname -sr); shared with other work (load average"
    echo "$LOAD_START at the start, $LOAD_END at the end)."
    echo
    echo "Command: \`$COMMAND\`"
    echo
    echo "| articles | input MB | index wall s | articles/s | wall µs/article | CPU µs/article | index MB | bytes/article | peak RSS MB | p50 ms | p99 ms | facets p50 ms | facets p99 ms | facets p50 ms, no columns | facets p99 ms, no columns | facets p50 ms, one thread | facets p99 ms, one thread |"
    echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    awk -F'\t' '{
        printf "| %d | %.0f | %.1f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |\n",
            $1, $2 / 1e6, $3, $1 / $3, $3 / $1 * 1e6, $4 / $1 * 1e6, $6 / 1e6, $6 / $1, $5 * 1024 / 1e6,
            $7, $8, $9, $10, $11, $12, $13, $14
    }' "$ROWS"
    echo
    awk -F'\t' 'NR > 1 {
        printf "From %d to %d articles, wall time per article ×%.2f, CPU time per article ×%.2f, bytes per article ×%.2f, p99 ×%.2f, facets p99 ×%.2f.\n",
            n, $1, ($3 / $1) / w, ($4 / $1) / c, ($6 / $1) / b, $8 / p, $10 / f
    } { n = $1; w = $3 / $1; c = $4 / $1; b = $6 / $1; p = $8; f = $10 }' "$ROWS"
    echo
    echo "Against the targets of issue 6:"
    echo
    awk -F'\t' '
        { n[NR] = $1; w[NR] = $3 / $1; c[NR] = $4 / $1; f99[NR] = $10 }
        END {
            a = 0; b = 0
            for (i = 1; i <= NR; i++) { if (n[i] == 100000) a = i; if (n[i] == 1000000) b = i }
            if (a && b) {
                r = w[b] / w[a]; rc = c[b] / c[a]
                printf "- Cost per article from 100k to 1M within 25 %%: **%s** (wall time per article %.2f× at 1M what it is at 100k; CPU time per article %.2f×).\n",
                    (r <= 1.25 ? "met" : "missed"), r, rc
            } else {
                print "- Cost per article from 100k to 1M within 25 %: **not measured** (this run did not index both sizes)."
            }
            if (b) {
                printf "- Faceted p99 at 1M under 50 ms: **%s** (%.1f ms).\n", (f99[b] < 50 ? "met" : "missed"), f99[b]
            } else {
                print "- Faceted p99 at 1M under 50 ms: **not measured** (this run did not index 1M articles)."
            }
        }' "$ROWS"
    if ((MAX < 1000000)); then
        echo
        awk -F'\t' 'END {
            printf "1M articles were not indexed in this run. To measure them: `SIZES=\"100000 1000000\" bench/scale.sh` (at the %d-article rate, about %.0f minutes of CPU for byline-index alone, more in wall time on a busy machine, and about 3.2 GB for the corpus and 8.5 GB for its index in TMPDIR).\n",
                $1, $4 / $1 * 1e6 / 60
        }' "$ROWS"
    fi
    echo
} >"$SECTION"

if [[ "$DOC" == - ]]; then
    cat "$SECTION"
    exit 0
fi
python3 "$BENCH_DIR/write_section.py" "$DOC" "$SECTION" "## Scale"
cat "$SECTION"
say "wrote the section into $DOC"
