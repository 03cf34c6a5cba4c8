#!/usr/bin/env bash
# peers.sh - Byline and its peers on Reuters-21578, side by side in one run on one machine:
# Xapian's own scriptindex, SQLite FTS5, Sphinx 2.2 and PostgreSQL 15 full-text search, each
# given the same fields (title weighted higher, body, stemming, positions, categories, date).
# Measures index wall time, query p50/p99 for three kinds of answer, and queries/s with two
# clients; writes the section "## Byline and its peers on Reuters-21578" of docs/BENCHMARKS.md.
#
# usage: bench/peers.sh          (as root, or as a user who may run apt-get and su postgres)
#
# environment:
#   RUNS=N        timed runs of everything, round robin; medians are reported (default 3)
#   ROUNDS=N      timed passes over the query file in each latency run (default 5)
#   QPS_SECONDS=S length of each 2-client throughput measurement (default 5)
#   WRK_SECONDS=S length of each wrk measurement (default 5)
#   QUERIES=FILE  the query file, kind TAB query (default bench/peers_queries.txt)
#   CORPUS=PATH   Reuters as JSON Lines (default ../shared/corpora/reuters21578.jsonl.gz)
#   BUILD=DIR     where Byline is built (default build-peers in the repository); the build
#                 is brought up to date with cmake before the runs
#   INSTALL=0     do not install missing peers with apt-get (fail instead)
#   DOC=PATH      where the section goes (default docs/BENCHMARKS.md); DOC=- prints it only
#   TMPDIR=DIR    where the databases are built (default /tmp); removed on exit
#
# Servers listen on 127.0.0.1 only, on free ports, and are stopped on exit. See bench/README.md.
set -euo pipefail

COMMAND=
for var in RUNS ROUNDS QPS_SECONDS WRK_SECONDS QUERIES CORPUS BUILD INSTALL DOC TMPDIR; do
    if [[ -n "${!var+set}" ]]; then
        COMMAND+="$var=$(printf '%q' "${!var}") "
    fi
done
COMMAND+="bench/peers.sh"

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
RUNS=${RUNS:-3}
ROUNDS=${ROUNDS:-5}
QPS_SECONDS=${QPS_SECONDS:-5}
WRK_SECONDS=${WRK_SECONDS:-5}
QUERIES=${QUERIES:-$BENCH_DIR/peers_queries.txt}
CORPUS=${CORPUS:-$(cd "$REPO/.." && pwd)/shared/corpora/reuters21578.jsonl.gz}
BUILD=${BUILD:-$REPO/build-peers}
INSTALL=${INSTALL:-1}
DOC=${DOC:-$REPO/docs/BENCHMARKS.md}
PY=/usr/bin/python3 # Debian's python3, where apt-get puts the client modules
PEERS_PY=$BENCH_DIR/peers.py
PG_BIN=/usr/lib/postgresql/15/bin
MODES="top10 facets datesort"

die() {
    echo "peers: $*" >&2
    exit 1
}
say() { echo "peers: $*" >&2; }

[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number, not '$RUNS'"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive number, not '$ROUNDS'"
[[ -r "$CORPUS" ]] || die "cannot read the corpus '$CORPUS' (set CORPUS=...)"
[[ -r "$QUERIES" ]] || die "cannot read the query file '$QUERIES'"

# ---- the peers, installed from Debian when missing ------------------------------------------
have_all() {
    command -v sqlite3 && command -v indexer && command -v searchd && [[ -x $PG_BIN/initdb ]] &&
        command -v psql && command -v scriptindex && command -v xapian-delve && command -v wrk &&
        [[ -x /usr/bin/time ]] && [[ -x $PY ]] && command -v cmake &&
        $PY -c 'import sqlite3, xapian, pymysql, psycopg2' &&
        $PY -c 'import sqlite3; sqlite3.connect(":memory:").execute("CREATE VIRTUAL TABLE t USING fts5(a)")'
}
if ! have_all >/dev/null 2>&1; then
    ((INSTALL)) || die "a peer or tool is missing and INSTALL=0; see bench/README.md for the packages"
    say "installing the missing peers with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || die "apt-get update failed"
    # Debian starts a package's own service where it can; ours run on their own ports below.
    apt-get install -y -qq sqlite3 sphinxsearch postgresql-15 xapian-omega xapian-tools \
        python3 python3-xapian python3-pymysql python3-psycopg2 wrk time cmake >/dev/null ||
        die "apt-get install failed"
    have_all >/dev/null 2>&1 || die "the peers are still missing after apt-get install"
fi

# ---- Byline, built in its own folder ----------------------------------------------------------
say "building Byline in $BUILD"
cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || die "cmake failed"
cmake --build "$BUILD" -j "$(nproc)" --target byline-index byline-searchd query_bench >/dev/null ||
    die "the build failed: cmake --build $BUILD"
BYLINE_INDEX=$BUILD/indexer/byline-index
BYLINE_SEARCHD=$BUILD/searchd/byline-searchd
QUERY_BENCH=$BUILD/bench/query_bench

# ---- a scratch folder, servers and their cleanup ---------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/byline-peers.XXXXXX")
chmod 755 "$TMP" # the postgres user reads and writes below it
PG_STARTED=0
SPHINX_STARTED=0
BYLINE_PID=
cleanup() {
    if [[ -n "$BYLINE_PID" ]]; then
        kill "$BYLINE_PID" 2>/dev/null || true
        wait "$BYLINE_PID" 2>/dev/null || true
    fi
    if ((SPHINX_STARTED)); then
        searchd --config "$TMP/sphinx.conf" --stopwait >/dev/null 2>&1 || true
    fi
    if ((PG_STARTED)); then
        su postgres -c "$PG_BIN/pg_ctl -D '$TMP/pg/data' -m fast -w stop" >/dev/null 2>&1 || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    $PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

RESULTS=$TMP/results.tsv
: >"$RESULTS"
result() { # fields...
    local IFS=$'\t'
    echo "$*" >>"$RESULTS"
}
result meta load_start "$(loadavg)"

# ---- inputs, prepared once and outside every timing -----------------------------------------
say "preparing each engine's input in $TMP"
gzip -dc "$CORPUS" >"$TMP/reuters.jsonl"
ARTICLES=$(grep -c . "$TMP/reuters.jsonl" || true)
$PY "$BENCH_DIR/jsonl2scriptindex.py" "$TMP/reuters.jsonl" >"$TMP/reuters.si" 2>/dev/null
$PY "$PEERS_PY" prepare "$TMP/reuters.jsonl" "$QUERIES" "$TMP"
NQUERIES=$(grep -c $'^[^#].*\t' "$QUERIES" || true)
result meta articles "$ARTICLES"
result meta queries "$NQUERIES"

cat >"$TMP/sqlite_load.sql" <<'EOF'
PRAGMA journal_mode = WAL;
BEGIN;
CREATE TEMP TABLE staging (n INTEGER, id TEXT, title TEXT, body TEXT, date TEXT, cats TEXT);
.import --csv --schema temp sqlite.csv staging
CREATE TABLE articles (n INTEGER PRIMARY KEY, id TEXT, date INTEGER);
CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize = 'porter unicode61');
CREATE TABLE cats (n INTEGER, cat TEXT);
INSERT INTO articles SELECT n, id, CAST(NULLIF(date, '') AS INTEGER) FROM staging;
INSERT INTO fts (rowid, title, body) SELECT n, title, body FROM staging;
INSERT INTO cats SELECT n, value FROM staging, json_each(staging.cats);
CREATE INDEX articles_date ON articles (date);
CREATE INDEX cats_n ON cats (n, cat);
COMMIT;
EOF

SPHINX_PORT=$(free_port)
cat >"$TMP/sphinx.conf" <<EOF
source reuters
{
    type = tsvpipe
    tsvpipe_command = cat $TMP/sphinx.tsv
    tsvpipe_field_string = title
    tsvpipe_field = body
    tsvpipe_attr_timestamp = published
    tsvpipe_attr_multi = cats
}
index reuters
{
    source = reuters
    path = $TMP/sphinx/reuters
    docinfo = extern
    morphology = stem_en
    min_word_len = 1
}
indexer
{
    mem_limit = 256M
}
searchd
{
    listen = 127.0.0.1:$SPHINX_PORT:mysql41
    log = $TMP/sphinx-searchd.log
    pid_file = $TMP/sphinx-searchd.pid
    binlog_path =
    workers = threads
}
EOF

cat >"$TMP/pg_load.sql" <<EOF
CREATE TABLE articles (
    n integer PRIMARY KEY,
    id text,
    title text,
    body text,
    date timestamptz,
    categories text[],
    tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A') ||
        setweight(to_tsvector('english', body), 'B')) STORED
);
\\copy articles (n, id, title, body, date, categories) FROM '$TMP/pg.tsv'
CREATE INDEX articles_tsv ON articles USING gin (tsv);
CREATE INDEX articles_date ON articles (date);
ANALYZE articles;
EOF

# PostgreSQL: a cluster of our own, as the postgres user, on 127.0.0.1 and a free port
PG_PORT=$(free_port)
PG_SETTINGS="-c shared_buffers=256MB -c maintenance_work_mem=256MB -c work_mem=32MB -c jit=off"
mkdir -p "$TMP/pg"
chown postgres "$TMP/pg"
su postgres -c "$PG_BIN/initdb -D '$TMP/pg/data' -U postgres -A trust --no-sync" >"$TMP/initdb.log" 2>&1 ||
    die "initdb failed: $(tail -n 5 "$TMP/initdb.log")"
su postgres -c "$PG_BIN/pg_ctl -D '$TMP/pg/data' -l '$TMP/pg/log' -w -o \"-c listen_addresses=127.0.0.1 -p $PG_PORT -k '$TMP/pg' $PG_SETTINGS\" start" >/dev/null ||
    die "postgres did not start: $(tail -n 5 "$TMP/pg/log")"
PG_STARTED=1
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres)

# ---- indexing: every engine RUNS times, round robin ------------------------------------------
doc_count() { # engine
    case $1 in
    byline) xapian-delve "$TMP/byline.db" | awk -F' = ' '/^number of documents/ {print $2}' ;;
    xapian) xapian-delve "$TMP/si.db" | awk -F' = ' '/^number of documents/ {print $2}' ;;
    sqlite) sqlite3 "$TMP/reuters.sqlite" 'SELECT count(*) FROM articles' ;;
    sphinx) awk '/^total [0-9]+ docs/ {print $2}' "$TMP/log" ;;
    postgres) "${PSQL[@]}" -d reuters -At -c 'SELECT count(*) FROM articles' ;;
    esac
}
index_size() { # engine
    case $1 in
    byline) du -sb "$TMP/byline.db" | cut -f1 ;;
    xapian) du -sb "$TMP/si.db" | cut -f1 ;;
    sqlite) du -cb "$TMP"/reuters.sqlite* | tail -n 1 | cut -f1 ;;
    sphinx) du -sb "$TMP/sphinx" | cut -f1 ;;
    postgres) "${PSQL[@]}" -d reuters -At -c "SELECT pg_database_size('reuters')" ;;
    esac
}
index_once() { # engine run
    local engine=$1 run=$2 status=0
    local cmd=()
    case $engine in
    byline)
        rm -rf "$TMP/byline.db"
        cmd=("$BYLINE_INDEX" --db "$TMP/byline.db" --quiet "$TMP/reuters.jsonl")
        ;;
    xapian)
        rm -rf "$TMP/si.db"
        cmd=(scriptindex --stemmer=english "$TMP/si.db" "$BENCH_DIR/reuters.index" "$TMP/reuters.si")
        ;;
    sqlite)
        rm -f "$TMP"/reuters.sqlite*
        cmd=(sh -c "cd '$TMP' && sqlite3 reuters.sqlite <sqlite_load.sql")
        ;;
    sphinx)
        rm -rf "$TMP/sphinx" && mkdir -p "$TMP/sphinx"
        cmd=(indexer --config "$TMP/sphinx.conf" reuters)
        ;;
    postgres)
        "${PSQL[@]}" -d postgres -c 'DROP DATABASE IF EXISTS reuters' -c 'CREATE DATABASE reuters' >/dev/null
        cmd=("${PSQL[@]}" -d reuters -f "$TMP/pg_load.sql")
        ;;
    esac
    sync
    /usr/bin/time -f '%e %M' -o "$TMP/time" -- "${cmd[@]}" >"$TMP/log" 2>&1 || status=$?
    ((status == 0)) || die "indexing with $engine failed (exit status $status): $(tail -n 5 "$TMP/log")"
    local wall rss docs size
    read -r wall rss < <(tail -n 1 "$TMP/time")
    docs=$(doc_count "$engine")
    [[ "$docs" == "$ARTICLES" ]] || die "$engine indexed ${docs:-?} articles, not $ARTICLES"
    size=$(index_size "$engine")
    # the server does PostgreSQL's work: the RSS of psql says nothing
    [[ $engine != postgres ]] || rss=
    result index "$engine" "$run" "$wall" "$rss" "$size"
    say "index run $run/$RUNS  $(printf '%-9s' "$engine") $wall s"
}
ENGINES="byline xapian sqlite sphinx postgres"
for ((run = 1; run <= RUNS; run++)); do
    for engine in $ENGINES; do
        index_once "$engine" "$run"
    done
done
result meta load_after_index "$(loadavg)"

# ---- the servers, on the last index each engine built ----------------------------------------
searchd --config "$TMP/sphinx.conf" >"$TMP/sphinx-start.log" 2>&1 ||
    die "sphinx searchd did not start: $(tail -n 5 "$TMP/sphinx-start.log")"
SPHINX_STARTED=1
"$BYLINE_SEARCHD" --db "$TMP/byline.db" --port 0 --port-file "$TMP/byline.port" --threads 2 \
    --access-log - 2>"$TMP/byline-searchd.log" &
BYLINE_PID=$!
for _ in $(seq 100); do
    [[ -s "$TMP/byline.port" ]] && break
    sleep 0.1
done
[[ -s "$TMP/byline.port" ]] || die "byline-searchd did not start: $(tail -n 5 "$TMP/byline-searchd.log")"
BYLINE_PORT=$(cat "$TMP/byline.port")
for _ in $(seq 50); do
    $PY -c "import pymysql; pymysql.connect(host='127.0.0.1', port=$SPHINX_PORT)" 2>/dev/null && break
    sleep 0.1
done

conn() { # engine
    case $1 in
    byline-http) echo "$BYLINE_PORT" ;;
    xapian) echo "$TMP/si.db" ;;
    sqlite) echo "$TMP/reuters.sqlite" ;;
    sphinx) echo "$SPHINX_PORT" ;;
    postgres) echo "$PG_PORT" ;;
    esac
}
CLIENT_ENGINES="byline-http xapian sqlite sphinx postgres"

# ---- latency: RUNS runs, round robin; each a warm-up pass and ROUNDS timed passes ------------
for ((run = 1; run <= RUNS; run++)); do
    totals=
    ((run > 1)) || totals="-T $TMP/byline-totals.txt"
    # shellcheck disable=SC2086 # totals is empty or two words
    "$QUERY_BENCH" $totals "$TMP/byline.db" "$TMP/byline_all.txt" "$ROUNDS" >"$TMP/qb.out"
    for mode in $MODES; do
        awk -v m="$mode" -v r="$run" '$1 == m {printf "latency\tbyline\t%s\t%s\t%s\t%s\n", m, r, $3, $5}' \
            "$TMP/qb.out" >>"$RESULTS"
    done
    for engine in $CLIENT_ENGINES; do
        $PY "$PEERS_PY" latency "$engine" "$(conn "$engine")" "$QUERIES" "$ROUNDS" "$run" "$RESULTS"
    done
    say "latency run $run/$RUNS done"
done
for mode in $MODES; do
    result totals byline "$mode" "$(awk -F'\t' -v m="$mode" '$1 == m {printf "%s%s", s, $2; s = ","}' "$TMP/byline-totals.txt")"
    result inexact byline "$mode" "$(awk -F'\t' -v m="$mode" '$1 == m && $3 == "gte" {n++} END {print n + 0}' "$TMP/byline-totals.txt")"
    result relations byline "$mode" "$(awk -F'\t' -v m="$mode" '$1 == m {printf "%s%s", s, $3; s = ","}' "$TMP/byline-totals.txt")"
done
result meta load_after_latency "$(loadavg)"

# ---- queries/s with 2 clients, RUNS runs, round robin ----------------------------------------
wrk_run() { # what run connections file-or-path [labels]
    local what=$1 run=$2 c=$3 target=$4 labels=${5:-}
    if [[ -n "$labels" ]]; then
        (cd "$BENCH_DIR" && LABELS=$labels QUERIES=$target wrk -t2 -c"$c" -d"${WRK_SECONDS}s" --latency \
            -s wrk_queries.lua "http://127.0.0.1:$BYLINE_PORT") >"$TMP/wrk.out"
    else
        wrk -t2 -c"$c" -d"${WRK_SECONDS}s" --latency "http://127.0.0.1:$BYLINE_PORT$target" >"$TMP/wrk.out"
    fi
    ! grep -q 'Non-2xx' "$TMP/wrk.out" || die "byline-searchd answered with errors: $(cat "$TMP/wrk.out")"
    if grep -q 'Socket errors' "$TMP/wrk.out"; then # timeouts on a loaded machine: say so
        say "wrk ($what, run $run): $(grep 'Socket errors' "$TMP/wrk.out" | sed 's/^ *//')"
    fi
    local rps p50 p99
    rps=$(awk '/Requests\/sec/ {print $2}' "$TMP/wrk.out")
    p50=$(awk '$1 == "50%" {print $2}' "$TMP/wrk.out" | to_ms)
    p99=$(awk '$1 == "99%" {print $2}' "$TMP/wrk.out" | to_ms)
    result wrk "$what" "$run" "$rps" "$p50" "$p99"
}
to_ms() {
    sed -E 's/([0-9.]+)us/\1 0.001/; s/([0-9.]+)ms/\1 1/; s/([0-9.]+)s$/\1 1000/' |
        awk '{printf "%.3f\n", $1 * $2}'
}
for ((run = 1; run <= RUNS; run++)); do
    for mode in $MODES; do
        "$QUERY_BENCH" -c 2 -d "$QPS_SECONDS" "$TMP/byline.db" "$TMP/byline_$mode.txt" >"$TMP/qb.out"
        result qps byline "$mode" "$run" "$(awk '{print $NF}' "$TMP/qb.out")"
        wrk_run "c2-$mode" "$run" 2 "$TMP/byline_all.txt" "$mode"
        for engine in $CLIENT_ENGINES; do
            $PY "$PEERS_PY" throughput "$engine" "$(conn "$engine")" "$QUERIES" "$mode" 2 "$QPS_SECONDS" \
                "$run" "$RESULTS"
        done
    done
    # the targets of issue 6: full answers over HTTP with wrk -t2 -c32, beside the /health floor
    wrk_run health "$run" 32 /health
    wrk_run c32-top10 "$run" 32 "$TMP/byline_all.txt" top10
    say "throughput run $run/$RUNS done"
done
result meta load_end "$(loadavg)"
result meta daemon_rss_kb "$(awk '/^VmHWM/ {print $2}' "/proc/$BYLINE_PID/status")"

# ---- the machine, the versions, the section ---------------------------------------------------
result meta nproc "$(nproc)"
result meta cpu "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
result meta ram "$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
result meta kernel "$(uname -sr)"
result meta os "$(. /etc/os-release && echo "$PRETTY_NAME")"
result meta byline "$("$BYLINE_INDEX" --version 2>&1 | head -n 1), commit $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown)"
result meta scriptindex "$(scriptindex --version 2>&1 | head -n 1)"
result meta sqlite "SQLite $($PY -c 'import sqlite3; print(sqlite3.sqlite_version)') (sqlite3 CLI $(sqlite3 --version | cut -d' ' -f1)), Python $($PY -c 'import platform; print(platform.python_version())')"
result meta sphinx "$(indexer 2>&1 | head -n 1)"
result meta postgres "$("${PSQL[@]}" -d reuters -At -c 'SHOW server_version')"
result meta clients "pymysql $($PY -c 'import pymysql; print(pymysql.__version__)'), psycopg2 $($PY -c 'import psycopg2; print(psycopg2.__version__.split()[0])'), python3-xapian $($PY -c 'import xapian; print(xapian.version_string())')"
result meta wrk "$(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2)"
result meta pg_settings "$PG_SETTINGS"
result meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
result meta command "$COMMAND"
result meta runs "$RUNS"
result meta rounds "$ROUNDS"
result meta qps_seconds "$QPS_SECONDS"
result meta wrk_seconds "$WRK_SECONDS"

SECTION=$TMP/section.md
$PY "$PEERS_PY" report "$RESULTS" "$SECTION"
cp "$RESULTS" "${TMPDIR:-/tmp}/byline-peers-results.tsv"
say "raw results: ${TMPDIR:-/tmp}/byline-peers-results.tsv"
if [[ "$DOC" == - ]]; then
    cat "$SECTION"
    exit 0
fi
python3 "$BENCH_DIR/write_section.py" "$DOC" "$SECTION" "## Byline and its peers on Reuters-21578"
say "wrote the section into $DOC"
