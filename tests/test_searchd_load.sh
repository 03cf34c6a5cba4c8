# test_searchd_load.sh - byline-searchd under load: wrk with LOAD_CONNECTIONS connections (64)
# for LOAD_SECONDS (10 here; 60 for the long run, see docs/OPERATIONS.md) sends the real queries
# of bench/queries.txt against Reuters. Every answer is 2xx with no socket error, the p99 latency
# is reported, and the daemon's RSS at the end is within 10% of its RSS after 5 seconds. Then the
# same while byline-index adds articles and commits every second: no request fails, and every
# article added is served. Under AddressSanitizer (whose quarantine holds freed memory) the RSS
# is reported, not checked, and a smaller part of Reuters is indexed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/searchd_lib.sh"
find_corpora
command -v wrk >/dev/null || { echo "$TEST_NAME: wrk is missing (apt-get install wrk)" >&2; exit 1; }
DURATION=${LOAD_SECONDS:-10}
CONNECTIONS=${LOAD_CONNECTIONS:-64}
ASAN=0
grep -q __asan_init "$BYLINE_SEARCHD" && ASAN=1
ADD_EVERY_SECOND=20
# LOAD_ARTICLES of Reuters (8,000 here, 2,000 under ASan; the long run takes all but the 2,000
# the second run may add).
RESERVE=2000
if [ "$ASAN" = 1 ]; then ARTICLES=${LOAD_ARTICLES:-2000}; else ARTICLES=${LOAD_ARTICLES:-8000}; fi
gzip -dc "$CORPORA/reuters21578.jsonl.gz" >"$SCRATCH/reuters.jsonl"
head -n "$ARTICLES" "$SCRATCH/reuters.jsonl" >"$SCRATCH/base.jsonl"
tail -n +"$((ARTICLES + 1))" "$SCRATCH/reuters.jsonl" | head -n "$RESERVE" >"$SCRATCH/reserve.jsonl"
rm "$SCRATCH/reuters.jsonl"
DB="$SCRATCH/reuters.db"
"$BYLINE_INDEX" --quiet --db "$DB" "$SCRATCH/base.jsonl" 2>"$SCRATCH/index.err" ||
    { echo "$TEST_NAME: indexing failed: $(cat "$SCRATCH/index.err")" >&2; exit 1; }

start_daemon load --db "$DB" --access-log -
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$D_PID/status"; }

# load NAME: runs wrk for $DURATION seconds; notes the RSS after 5 seconds and at the end, and
# checks wrk's report: no non-2xx answer, no socket error.
load() {
    local name=$1 out="$SCRATCH/$1.wrk"
    QUERIES="$BYLINE_SRC/bench/queries.txt" wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 30s \
        --latency -s "$BYLINE_SRC/bench/wrk_queries.lua" "$D_URL" >"$out" 2>&1 &
    local wrk_pid=$!
    sleep 5
    RSS_5S=$(rss_kb)
    wait "$wrk_pid" || fail "$name: wrk failed: $(cat "$out")"
    RSS_END=$(rss_kb)
    REQUESTS=$(awk '/requests in/ {print $1}' "$out")
    P99=$(awk '$1 == "99%" {print $2}' "$out")
    RPS=$(awk '/^Requests\/sec/ {print $2}' "$out")
    [ -n "$REQUESTS" ] && [ "$REQUESTS" -gt 0 ] || fail "$name: no requests made: $(cat "$out")"
    assert_eq "$(grep -c 'Non-2xx' "$out")" 0 "$name: non-2xx answers ($(grep 'Non-2xx' "$out"))"
    assert_eq "$(grep -c 'Socket errors' "$out")" 0 "$name: socket errors ($(grep 'Socket errors' "$out"))"
    echo "$name: $REQUESTS requests in ${DURATION} s ($RPS/s), p99 $P99, RSS ${RSS_5S} kB after 5 s," \
        "${RSS_END} kB at the end"
}

# ---- Searching --------------------------------------------------------------------------------------
get /health
BEFORE=$(field .documents)
assert_eq "$BEFORE" "$ARTICLES" "articles served"
load search
if [ "$ASAN" = 0 ]; then
    [ $((RSS_END * 100)) -le $((RSS_5S * 110)) ] ||
        fail "search: RSS grew from $RSS_5S kB after 5 s to $RSS_END kB at the end (more than 10%)"
fi

# ---- Searching while articles are added, a commit a second -------------------------------------------
(
    i=0
    while [ ! -e "$SCRATCH/stop" ] && [ $((i * ADD_EVERY_SECOND)) -lt "$RESERVE" ]; do
        sed -n "$((i * ADD_EVERY_SECOND + 1)),$(((i + 1) * ADD_EVERY_SECOND))p" \
            "$SCRATCH/reserve.jsonl" >"$SCRATCH/batch.jsonl"
        "$BYLINE_INDEX" --quiet --db "$DB" "$SCRATCH/batch.jsonl" 2>>"$SCRATCH/adder.err" ||
            echo "batch $i failed" >>"$SCRATCH/adder.err"
        i=$((i + 1))
        echo "$i" >"$SCRATCH/batches"
        sleep 1
    done
) &
ADDER=$!
load indexing
touch "$SCRATCH/stop"
wait "$ADDER"
assert_eq "$(grep -v '^byline-index: .* added' "$SCRATCH/adder.err" 2>/dev/null)" "" "adding articles: errors"
ADDED=$(($(cat "$SCRATCH/batches") * ADD_EVERY_SECOND))
# A commit a second is the aim; a slow machine (or ASan) manages fewer, but some must happen.
[ "$ADDED" -ge $((ADD_EVERY_SECOND * 2)) ] || fail "only $ADDED articles added in $DURATION s"
sleep 0.5 # past the moment every worker thread looks for new commits
for _ in 1 2 3 4; do
    get /health
    assert_eq "$(field .documents)" $((BEFORE + ADDED)) "articles served after adding $ADDED"
done
last=$(sed -n "${ADDED}p" "$SCRATCH/reserve.jsonl" | jq -r .id)
get "/articles/$last"
assert_eq "$STATUS $(field .id)" "200 $last" "the last article added is served"
reopens=$(curl -s "$D_URL/metrics" | awk '$1 == "byline_reopens_total" {print $2}')
[ "${reopens:-0}" -gt 0 ] || fail "no reopen counted while articles were added"
echo "indexing: $ADDED articles added in $(cat "$SCRATCH/batches") commits; $reopens reopens"

stop_daemon "$D_PID"
assert_eq "$STOP_RC" 0 "SIGTERM after the load"
if grep -q "AddressSanitizer\|runtime error\|LeakSanitizer" "$D_ERR"; then
    fail "sanitizer report: $(grep -A20 'Sanitizer\|runtime error' "$D_ERR" | head -40)"
fi
finish
