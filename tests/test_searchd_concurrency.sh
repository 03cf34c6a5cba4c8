# test_searchd_concurrency.sh - many clients at once against one daemon: every answer is right
# and the daemon survives. Run on every build; under ThreadSanitizer (tests/run.sh builds one)
# any data race between the worker threads stops the daemon and fails the test.
. "$(dirname "$0")/lib.sh"

DB="$SCRATCH/db"
"$BYLINE_INDEX" --quiet --db "$DB" "$BYLINE_SRC/samples/news.jsonl" 2>/dev/null
"$BYLINE_SEARCHD" --db "$DB" --port 0 --port-file "$SCRATCH/port" --threads 4 \
    2>"$SCRATCH/daemon.err" &
PID=$!
trap 'kill $PID 2>/dev/null; rm -rf "$SCRATCH"' EXIT
for _ in $(seq 100); do [ -s "$SCRATCH/port" ] && break; sleep 0.1; done
URL="http://127.0.0.1:$(cat "$SCRATCH/port")"

# A mix of every kind of request, each with its expected status.
cat >"$SCRATCH/requests" <<'REQ'
200 /search?q=rail+strike
200 /search?q=
200 /search?q=interest+rates&facets=category,source,lang,date&date_interval=month
200 /search?q=-strike&limit=3
200 /search?q=election&sort=newest&from=2024&to=2025
200 /search?q=heatwave&collapse=story&recency=30d
200 /search?q=%22central+bank%22&offset=2&limit=5
200 /search?q=H%C3%A4user&lang=de
200 /search?q=electoin
200 /suggest?q=inter
200 /articles/byline-0051
200 /articles/byline-0051/related?limit=3
200 /health
200 /metrics
400 /search?limit=500
404 /nowhere
REQ
for round in $(seq 12); do cat "$SCRATCH/requests"; done >"$SCRATCH/all"
# 16 clients at once, each request checked for its status.
xargs -P 16 -L 1 sh -c 'got=$(curl -s -o /dev/null -w "%{http_code}" "'"$URL"'$1"); \
    [ "$got" = "$0" ] || echo "$1: status $got, expected $0"' <"$SCRATCH/all" >"$SCRATCH/bad" 2>&1
assert_eq "$(cat "$SCRATCH/bad")" "" "answers under concurrent load"
assert_eq "$(curl -s "$URL/health" | jq -r .status)" "ok" "the daemon is still up"
# --overwrite rebuilds aside and swaps: searches meanwhile see the old index or the new one,
# never an empty or missing one.
OLD=$(curl -s "$URL/health" | jq -r .documents)
head -50 "$BYLINE_SRC/samples/news.jsonl" >"$SCRATCH/fifty.jsonl"
(for _ in $(seq 60); do
    code=$(curl -s -o "$SCRATCH/body" -w '%{http_code}' "$URL/search?q=&limit=0")
    echo "$code $(jq -r .total "$SCRATCH/body" 2>/dev/null)"
    sleep 0.02
done) >"$SCRATCH/during" &
POLL=$!
"$BYLINE_INDEX" --quiet --db "$DB" --overwrite "$SCRATCH/fifty.jsonl" "$BYLINE_SRC/samples/news.jsonl" 2>/dev/null
"$BYLINE_INDEX" --quiet --db "$DB" --overwrite "$SCRATCH/fifty.jsonl" 2>/dev/null
wait $POLL
sleep 0.5
assert_eq "$(curl -s "$URL/search?q=&limit=0" | jq -r .total)" 50 "the rebuilt index is served"
bad=$(grep -v -E "^200 ($OLD|50)\$" "$SCRATCH/during" | sort | uniq -c)
assert_eq "$bad" "" "answers while --overwrite rebuilt the index"

kill -TERM $PID
wait $PID
assert_eq "$?" 0 "exit status after SIGTERM"
if grep -q "ThreadSanitizer\|AddressSanitizer\|runtime error" "$SCRATCH/daemon.err"; then
    fail "sanitizer report: $(grep -A20 'Sanitizer\|runtime error' "$SCRATCH/daemon.err" | head -40)"
fi
assert_eq "$(grep -c ' /search ' "$SCRATCH/daemon.err")" "$((12 * 10 + 60 + 1))" "access log lines for /search"
finish
