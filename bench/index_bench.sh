#!/usr/bin/env bash
# index_bench.sh - indexing benchmark: byline-index against Xapian's own scriptindex,
# both indexing Reuters-21578 into a fresh database with the same fields.
#
# usage: bench/index_bench.sh            (from anywhere)
#
# environment:
#   RUNS=N           timed runs per configuration; the median is reported (default 3)
#   CORPUS=PATH      JSON Lines corpus (default ../shared/corpora/reuters21578.jsonl.gz
#                    next to the repository, i.e. /work/shared/corpora/...)
#   BYLINE_INDEX=P   the byline-index binary (default build/indexer/byline-index)
#   JOBS="1 2"       the --jobs values to run byline-index with, when it has --jobs
#   SI_NONE=0        leave out the extra scriptindex row without stemming (-s none)
#   DOC=PATH         where to write the results (default docs/BENCHMARKS.md);
#                    DOC=- prints them only
#   TMPDIR=DIR       where the databases are built (default /tmp)
#
# Every database is built from scratch in a temporary directory that is removed on exit.
# The corpus is only read, never written to. See bench/README.md.
set -euo pipefail

# the command as run, with the settings that were given
COMMAND=
for var in RUNS CORPUS BYLINE_INDEX JOBS SI_NONE DOC TMPDIR; do
    if [[ -n "${!var+set}" ]]; then
        COMMAND+="$var=$(printf '%q' "${!var}") "
    fi
done
COMMAND+="bench/index_bench.sh${*:+ $*}"

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
RUNS=${RUNS:-3}
CORPUS=${CORPUS:-$(cd "$REPO/.." && pwd)/shared/corpora/reuters21578.jsonl.gz}
BYLINE_INDEX=${BYLINE_INDEX:-$REPO/build/indexer/byline-index}
JOBS=${JOBS:-1 2}
SI_NONE=${SI_NONE:-1}
DOC=${DOC:-$REPO/docs/BENCHMARKS.md}
SECTION="## Indexing Reuters-21578"
INDEX_SCRIPT=$BENCH_DIR/reuters.index
CONVERTER=$BENCH_DIR/jsonl2scriptindex.py

die() {
    echo "index_bench: $*" >&2
    exit 1
}
say() { echo "index_bench: $*" >&2; }

# ---- prerequisites (nothing is installed here) -------------------------------------------
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number, not '$RUNS'"
if ! command -v scriptindex >/dev/null 2>&1; then
    cat >&2 <<'EOF'
index_bench: 'scriptindex' was not found.
  It is Xapian's own indexer, from Xapian Omega, and is the baseline of this benchmark.
  Install it with:   sudo apt-get install xapian-omega      (Debian, Ubuntu)
                     sudo dnf install xapian-omega          (Fedora)
  or build Omega from https://xapian.org/download (same version as libxapian).
EOF
    exit 1
fi
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is missing: sudo apt-get install time"
command -v python3 >/dev/null 2>&1 || die "python3 is needed to convert the corpus for scriptindex"
command -v xapian-delve >/dev/null 2>&1 ||
    die "xapian-delve is missing (used to check document counts): sudo apt-get install xapian-tools"
command -v xapian-compact >/dev/null 2>&1 || die "xapian-compact is missing: sudo apt-get install xapian-tools"
[[ -x "$BYLINE_INDEX" ]] ||
    die "$BYLINE_INDEX not found; build it first: cmake -S $REPO -B $REPO/build && cmake --build $REPO/build -j2"
[[ -r "$CORPUS" ]] || die "cannot read the corpus $CORPUS (set CORPUS=...)"
[[ -r "$INDEX_SCRIPT" && -r "$CONVERTER" ]] || die "missing $INDEX_SCRIPT or $CONVERTER"

# Both indexers honour this: scriptindex flushes at Xapian's default (10000 documents),
# byline-index commits every 1,000 articles, 2,000 from 50,000 on (its --batch default), as each chooses.
unset XAPIAN_FLUSH_THRESHOLD

TMP=$(mktemp -d "${TMPDIR:-/tmp}/byline-index-bench.XXXXXX")
cleanup() { rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- configurations ------------------------------------------------------------------------
HAS_JOBS=0
if "$BYLINE_INDEX" --help 2>&1 | grep -q -- '--jobs'; then
    HAS_JOBS=1
fi

CFG_IDS=()
declare -A CFG_LABEL
add_cfg() {
    CFG_IDS+=("$1")
    CFG_LABEL[$1]=$2
}
DEFAULT_JOBS=
if ((HAS_JOBS)); then
    # byline-index's own default: the number of cores, at most 4 (as its --help says)
    if "$BYLINE_INDEX" --help 2>&1 | grep -q 'default: the number'; then
        DEFAULT_JOBS=$(nproc)
        ((DEFAULT_JOBS <= 4)) || DEFAULT_JOBS=4
    fi
    for j in $JOBS; do
        [[ "$j" =~ ^[1-9][0-9]*$ ]] || die "JOBS holds '$j', not a number"
        label="byline-index --jobs $j"
        [[ "$j" != "$DEFAULT_JOBS" ]] || label+=" (default here)"
        add_cfg "byline-j$j" "$label"
    done
else
    say "byline-index has no --jobs option (yet): benchmarking its default settings only"
    add_cfg byline "byline-index (default)"
fi
add_cfg si-english "scriptindex -s english"
if [[ "$SI_NONE" == 1 ]]; then
    add_cfg si-none "scriptindex -s none"
fi
BASELINE=si-english

# cfg_cmd ID DB: set CMD to the command that indexes the corpus into the fresh database DB
cfg_cmd() {
    local id=$1 db=$2
    case $id in
    byline) CMD=("$BYLINE_INDEX" --db "$db" --quiet "$INPUT_JSONL") ;;
    byline-j*) CMD=("$BYLINE_INDEX" --db "$db" --quiet --jobs "${id#byline-j}" "$INPUT_JSONL") ;;
    si-english) CMD=(scriptindex --stemmer=english "$db" "$INDEX_SCRIPT" "$INPUT_SI") ;;
    si-none) CMD=(scriptindex --stemmer=none "$db" "$INDEX_SCRIPT" "$INPUT_SI") ;;
    *) die "unknown configuration $id" ;;
    esac
}

# ---- input, prepared once and outside the timings -----------------------------------------
INPUT_JSONL=$TMP/reuters.jsonl
INPUT_SI=$TMP/reuters.scriptindex
say "decompressing $CORPUS into $TMP"
gzip -dc "$CORPUS" >"$INPUT_JSONL"
INPUT_BYTES=$(stat -c %s "$INPUT_JSONL")
ARTICLES=$(grep -c . "$INPUT_JSONL" || true)
((ARTICLES > 0)) || die "no articles in $CORPUS"
say "converting for scriptindex ($ARTICLES articles, $INPUT_BYTES bytes of JSON Lines)"
CONVERT_START=$(date +%s.%N)
python3 "$CONVERTER" "$INPUT_JSONL" >"$INPUT_SI" 2>"$TMP/convert.log" ||
    die "conversion failed: $(cat "$TMP/convert.log")"
CONVERT_S=$(echo "$(date +%s.%N) $CONVERT_START" | awk '{printf "%.1f", $1 - $2}')
# warm the page cache so that no run pays for the first read of its input
cat "$INPUT_JSONL" "$INPUT_SI" >/dev/null

doc_count() {
    xapian-delve "$1" 2>/dev/null | awk -F' = ' '/^number of documents/ {print $2}'
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- timed runs: round robin, so that drifts in machine load hit every configuration -------
declare -A WALLS CPUS RSSES SIZES COMPACTED TABLES
for ((run = 1; run <= RUNS; run++)); do
    for id in "${CFG_IDS[@]}"; do
        db=$TMP/db-$id
        rm -rf "$db" "$db.compact"
        sync
        status=0
        cfg_cmd "$id" "$db"
        /usr/bin/time -f '%e %M %U %S' -o "$TMP/time" -- "${CMD[@]}" >"$TMP/log" 2>&1 || status=$?
        if ((status != 0)); then
            echo "index_bench: ${CFG_LABEL[$id]} failed (exit status $status); its output:" >&2
            tail -n 20 "$TMP/log" >&2
            exit 1
        fi
        read -r wall rss_kb user_s sys_s < <(tail -n 1 "$TMP/time")
        cpu=$(awk -v u="$user_s" -v s="$sys_s" 'BEGIN {printf "%.2f", u + s}')
        size=$(du -sb "$db" | cut -f1)
        docs=$(doc_count "$db")
        [[ "$docs" == "$ARTICLES" ]] ||
            die "${CFG_LABEL[$id]} indexed ${docs:-?} documents, not $ARTICLES; output: $(tail -n 5 "$TMP/log")"
        WALLS[$id]+="$wall "
        CPUS[$id]+="$cpu "
        RSSES[$id]+="$rss_kb "
        SIZES[$id]+="$size "
        say "run $run/$RUNS  $(printf '%-26s' "${CFG_LABEL[$id]}") ${wall} s  $((rss_kb * 1024 / 1000000)) MB RSS  $((size / 1000000)) MB index"
        if ((run == RUNS)); then
            # size after xapian-compact, outside the timing, so that sizes compare like with like
            xapian-compact "$db" "$db.compact" >/dev/null
            COMPACTED[$id]=$(du -sb "$db.compact" | cut -f1)
            for t in postlist termlist position spelling docdata; do
                TABLES[$id]+="$(stat -c %s "$db.compact/$t.glass" 2>/dev/null || echo 0) "
            done
        fi
        rm -rf "$db" "$db.compact"
    done
done

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

median() {
    tr ' ' '\n' | grep . | sort -g |
        awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

# ---- the table --------------------------------------------------------------------------
declare -A MED_WALL MED_CPU MED_RSS MED_SIZE
for id in "${CFG_IDS[@]}"; do
    MED_WALL[$id]=$(median <<<"${WALLS[$id]}")
    MED_CPU[$id]=$(median <<<"${CPUS[$id]}")
    MED_RSS[$id]=$(median <<<"${RSSES[$id]}")
    MED_SIZE[$id]=$(median <<<"${SIZES[$id]}")
done

TABLE=$TMP/table.md
{
    echo "| configuration | wall s (median) | articles/s | MB/s | CPU s | peak RSS MB | index MB | compacted MB | wall vs scriptindex | CPU vs scriptindex | compacted vs scriptindex |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for id in "${CFG_IDS[@]}"; do
        awk -v label="${CFG_LABEL[$id]}" -v wall="${MED_WALL[$id]}" -v cpu="${MED_CPU[$id]}" -v rss="${MED_RSS[$id]}" \
            -v size="${MED_SIZE[$id]}" -v comp="${COMPACTED[$id]}" -v n="$ARTICLES" \
            -v bytes="$INPUT_BYTES" -v bwall="${MED_WALL[$BASELINE]}" -v bcpu="${MED_CPU[$BASELINE]}" \
            -v bcomp="${COMPACTED[$BASELINE]}" 'BEGIN {
                printf "| %s | %.2f | %.0f | %.2f | %.2f | %.0f | %.1f | %.1f | %.2f× | %.2f× | %.2f× |\n",
                    label, wall, n / wall, bytes / 1e6 / wall, cpu, rss * 1024 / 1e6, size / 1e6,
                    comp / 1e6, wall / bwall, cpu / bcpu, comp / bcomp
            }'
    done
} >"$TABLE"

RUNS_TABLE=$TMP/runs.md
{
    echo "| configuration | wall s, every run | CPU s, every run | peak RSS MB, every run |"
    echo "| --- | --- | --- | --- |"
    for id in "${CFG_IDS[@]}"; do
        rss_list=$(for k in ${RSSES[$id]}; do awk -v k="$k" 'BEGIN {printf "%.0f ", k * 1024 / 1e6}'; done)
        echo "| ${CFG_LABEL[$id]} | ${WALLS[$id]% } | ${CPUS[$id]% } | ${rss_list% } |"
    done
} >"$RUNS_TABLE"

TABLES_TABLE=$TMP/tables.md
{
    echo "| configuration | postlist | termlist | position | spelling | docdata |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    for id in "${CFG_IDS[@]}"; do
        # shellcheck disable=SC2086 # the sizes are split on purpose
        awk -v label="${CFG_LABEL[$id]}" 'BEGIN {
            printf "| %s |", label
            for (i = 1; i < ARGC; i++) printf " %.1f |", ARGV[i] / 1e6
            printf "\n"
        }' ${TABLES[$id]}
    done
} >"$TABLES_TABLE"

echo
cat "$TABLE"
echo

# ---- the machine, the versions, the section -----------------------------------------------
CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
RAM=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
NPROC=$(nproc)
BYLINE_VERSION=$("$BYLINE_INDEX" --version 2>&1 | head -n 1)
SI_VERSION=$(scriptindex --version 2>&1 | head -n 1)
XAPIAN_VERSION=$( (xapian-config --version 2>/dev/null || xapian-delve --version 2>/dev/null) | head -n 1)
BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$(dirname "$(dirname "$BYLINE_INDEX")")/CMakeCache.txt" 2>/dev/null || true)
BUILT=$(date -u -r "$BYLINE_INDEX" '+%Y-%m-%d %H:%M UTC')
COMMIT=$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown)
FS=$(df -PT "$TMP" | awk 'NR == 2 {print $2}')
NOW=$(date -u '+%Y-%m-%d %H:%M UTC')
if ((HAS_JOBS)); then
    JOBS_NOTE="byline-index was run with \`--jobs N\` (N writer threads, each building a shard, merged by Xapian's compactor at the end) for N in: $JOBS${DEFAULT_JOBS:+; its default on this machine is $DEFAULT_JOBS (the number of cores, at most 4)}."
else
    JOBS_NOTE="This byline-index has no \`--jobs\` option, so only its default settings were measured."
fi

SECTION_FILE=$TMP/section.md
cat >"$SECTION_FILE" <<EOF
$SECTION

Indexing the $ARTICLES articles of Reuters-21578 ($(awk -v b="$INPUT_BYTES" 'BEGIN {printf "%.1f", b / 1e6}') MB of JSON Lines) into a fresh
database, with \`byline-index\` and with Xapian's own \`scriptindex\` (Omega) given the
same fields in the same kind of index. Median of $RUNS runs per configuration, run in
turn (round robin). Written by \`bench/index_bench.sh\`; see \`bench/README.md\`.

$(cat "$TABLE")

- **wall s**: elapsed time of the indexer, from start to exit (the final commit and its
  fsync included); **articles/s** and **MB/s** divide the article count and the
  uncompressed input size by it (MB = 10^6 bytes).
- **CPU s**: user + system CPU time of the indexer (all threads), median. It shows what
  parallelism costs: with \`--jobs\` N > 1 the wall time drops below the CPU time only
  when the threads really run side by side. (On this virtual machine, contention from
  other work inflates CPU time almost as much as wall time.)
- **peak RSS**: GNU time's maximum resident set size of the indexer process (MB = 10^6
  bytes; all threads included).
- **index MB**: \`du -sb\` of the database as the indexer left it; **compacted MB**: the
  same database after \`xapian-compact\` (run outside the timing), which compares sizes
  like with like: Xapian leaves a freshly written database with partly filled blocks,
  while a compacted one (such as the output of a shard merge) is tightly packed.
- **vs scriptindex**: against \`scriptindex -s english\` (below 1×: faster or smaller);
  times median to median, sizes compacted to compacted.
- $JOBS_NOTE

Every run:

$(cat "$RUNS_TABLE")

Where the bytes go: the compacted database of the last run, table by table (MB; values
live in the postlist table):

$(cat "$TABLES_TABLE")

What each side does:

- \`byline-index --quiet\` reads the uncompressed JSON Lines file (so neither side pays
  for gzip; the conversion for scriptindex took ${CONVERT_S} s and is not timed).
  Defaults: Snowball english from libstemmer with STEM_ALL (stemmed terms only),
  positions, spelling data, a commit every 1,000 articles, 2,000 from 50,000 on (its \`--batch\` default).
- \`scriptindex\` reads a dump converted once from the same file
  (\`bench/jsonl2scriptindex.py\`) and indexes it with \`bench/reuters.index\`: id as
  unique \`Q\` term; title at weight 3 and under \`S\`; body with positions; spelling data
  for title and body; categories as \`XCAT\` terms; source as \`XSRC\` term; \`L\`
  language term; date as \`D\`/\`M\`/\`Y\` terms and a sortable number in value 0; values
  1-5 as Byline fills them; every field stored as document data. Xapian's default flush
  threshold (10,000 documents) applies to it.
- Differences that could not be avoided: scriptindex 1.4 has no \`stemstrategy\`
  action (added in 1.5), so \`-s english\` indexes every word twice, unstemmed and as a
  \`Z\`-prefixed stem (STEM_SOME), where Byline keeps only the stem (STEM_ALL): the
  scriptindex index holds both, hence its larger termlist and postlist tables, though
  not twice the positions (Xapian 1.4 records positions for the unstemmed terms only). The
  \`scriptindex -s none\` row (unstemmed terms only: one term per word, as in Byline)
  brackets the comparison from the other side. scriptindex uses Xapian's built-in copy
  of the Snowball english stemmer, Byline libstemmer's. scriptindex computes no story
  key (Byline's value 6), stores data as \`name=value\` lines rather than JSON, and
  receives the hour, day and category-set values precomputed by the converter.

Machine and software:

- machine: $NPROC CPUs ($CPU), $RAM RAM, databases on $FS under ${TMPDIR:-/tmp}; a shared,
  noisy machine: compare medians and ratios, not single runs (load average before the
  runs: $LOAD_BEFORE; after: $LOAD_AFTER)
- $BYLINE_VERSION, build type ${BUILD_TYPE:-unknown}, binary built $BUILT, repository at
  commit $COMMIT
- $SI_VERSION; $XAPIAN_VERSION
- date: $NOW
- command: \`$COMMAND\`

EOF

if [[ "$DOC" == "-" ]]; then
    cat "$SECTION_FILE"
    exit 0
fi

# Replace only this section of the document (up to the next "## " heading), keep the rest.
python3 "$BENCH_DIR/write_section.py" "$DOC" "$SECTION_FILE" "$SECTION"
say "wrote the section \"$SECTION\" of $DOC"
