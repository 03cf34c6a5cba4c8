# test_searchd_faults.sh - the index under a running byline-searchd. Swapped for a compacted copy
# (xapian-compact, then an atomic symbolic-link swap, or two renames of a folder) while clients
# keep asking: no request fails and the new index is served within a second. Missing,
# unreadable or damaged when the daemon starts and while it runs: /health answers 503 with the
# reason, searches get a 503 JSON error naming no file, the daemon keeps running and recovers
# when the index is back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/searchd_lib.sh"
command -v python3 >/dev/null || { echo "$TEST_NAME: python3 is missing" >&2; exit 1; }
POLL="$BYLINE_SRC/tests/searchd_poll.py"
SAMPLES="$BYLINE_SRC/samples/news.jsonl"
N=$(grep -c . "$SAMPLES")
FEW=150
now_ms() { date +%s%3N; }

# Two indexes told apart by their size: the first $FEW articles, and all $N.
IX="$SCRATCH/ix"
mkdir -p "$IX"
head -n $FEW "$SAMPLES" >"$SCRATCH/few.jsonl"
"$BYLINE_INDEX" --quiet --db "$IX/few.build" "$SCRATCH/few.jsonl" 2>/dev/null
"$BYLINE_INDEX" --quiet --db "$IX/all.build" "$SAMPLES" 2>/dev/null
compact() { xapian-compact "$1" "$2" >/dev/null || fail "xapian-compact $1 $2"; }
compact "$IX/few.build" "$IX/v0"

# ---- Swaps under load ---------------------------------------------------------------------------
# One daemon serves a symbolic link swapped atomically (ln -s, then mv -T over it); another a
# folder replaced by two renames. Each round swaps in a fresh compaction of the other index
# and deletes the one it replaced. SWAP_ROUNDS rounds (2; more for a long run).
ln -s v0 "$IX/live"
compact "$IX/few.build" "$IX/folder"
start_daemon link --db "$IX/live"
LINK_URL=$D_URL LINK_PID=$D_PID
start_daemon folder --db "$IX/folder"
FOLDER_URL=$D_URL FOLDER_PID=$D_PID
python3 "$POLL" "$LINK_URL" "/search?q=&limit=0" "$SCRATCH/link.poll" "$SCRATCH/stop" 4 &
POLL1=$!
python3 "$POLL" "$FOLDER_URL" "/search?q=&limit=0" "$SCRATCH/folder.poll" "$SCRATCH/stop" 4 &
POLL2=$!
# Every client connection has been answered a few times (each worker has opened the index).
for _ in $(seq 200); do
    ready=$(awk '{n[FILENAME " " $2]++} END { for (c in n) if (n[c] >= 5) k++; print k + 0 }' \
        "$SCRATCH/link.poll" "$SCRATCH/folder.poll" 2>/dev/null)
    [ "${ready:-0}" -ge 8 ] && break
    sleep 0.05
done
sleep 0.5
: >"$SCRATCH/link.swaps"
: >"$SCRATCH/folder.swaps"
for round in $(seq "${SWAP_ROUNDS:-2}"); do
    if [ $((round % 2)) = 1 ]; then from=all total=$N; else from=few total=$FEW; fi
    compact "$IX/$from.build" "$IX/v$round"
    before=$(now_ms)
    ln -s "v$round" "$IX/live.new" && mv -T "$IX/live.new" "$IX/live"
    echo "$before $(now_ms) $total" >>"$SCRATCH/link.swaps"
    compact "$IX/$from.build" "$IX/folder.new"
    before=$(now_ms)
    mv "$IX/folder" "$IX/folder.old" && mv "$IX/folder.new" "$IX/folder" && rm -rf "$IX/folder.old"
    echo "$before $(now_ms) $total" >>"$SCRATCH/folder.swaps"
    sleep 1.5
    rm -rf "$IX/v$((round - 1))" # the daemon moved on a while ago
done
touch "$SCRATCH/stop"
wait $POLL1 $POLL2

# check_swaps NAME: every answer in NAME.poll was 200 with the old or the new total, and every
# request sent a second or more after a swap ended saw the new index. NAME.swaps has a line per
# swap: when it began, when it ended (ms), the new total.
check_swaps() {
    local name=$1 requests bad late
    requests=$(grep -c . "$SCRATCH/$name.poll")
    [ "$requests" -gt 100 ] || fail "$name: only $requests requests during the swaps"
    bad=$(awk -v few=$FEW -v all=$N '$3 != 200 || ($4 != few && $4 != all)' "$SCRATCH/$name.poll" |
        head -5)
    assert_eq "$bad" "" "$name: answers during the swaps (time connection status total)"
    late=$(awk 'NR == FNR { began[NR] = $1; ended[NR] = $2; want[NR] = $3; n = NR; next }
        { for (i = n; i >= 1; i--) if ($1 >= began[i]) { if ($1 >= ended[i] + 1000 && $4 != want[i])
            print "swap " i ": " $0; break } }' "$SCRATCH/$name.swaps" "$SCRATCH/$name.poll" | head -5)
    assert_eq "$late" "" "$name: requests a second after a swap that still saw the old index"
    echo "$name: $requests requests during $(grep -c . "$SCRATCH/$name.swaps") swaps, all answered"
}
check_swaps link
check_swaps folder
http GET "$LINK_URL/health"
assert_eq "$(field .documents)" "$total" "symbolic link: /health after the swaps"
http GET "$FOLDER_URL/health"
assert_eq "$(field .documents)" "$total" "folder: /health after the swaps"
reopens=$(curl -s "$LINK_URL/metrics" | awk '$1 == "byline_reopens_total" {print $2}')
[ "${reopens:-0}" -ge 1 ] || fail "symbolic link: byline_reopens_total is '$reopens' after the swaps"
for pid in "$LINK_PID" "$FOLDER_PID"; do
    stop_daemon "$pid"
    assert_eq "$STOP_RC" 0 "exit status after the swaps"
done

# ---- Missing, unreadable, damaged ------------------------------------------------------------------
# answers_settle STATUS: asks /health until its answers have had this status for 1.5 s in a
# row, six of them at least (at most 20 s). Each worker thread keeps its last good index for a
# second after it first fails, and retries a missing one every half second; a run that long,
# of requests on new connections that either thread may take, leaves neither thread behind.
answers_settle() {
    local run=0 start run_start=0
    start=$(now_ms)
    while [ $(($(now_ms) - start)) -lt 20000 ]; do
        get /health
        if [ "$STATUS" = "$1" ]; then
            [ $run = 0 ] && run_start=$(now_ms)
            run=$((run + 1))
        else
            run=0
        fi
        [ $run -ge 6 ] && [ $(($(now_ms) - run_start)) -ge 1500 ] && return 0
        sleep 0.02
    done
    fail "/health did not settle on $1 (last: $STATUS ${BODY:0:200})"
}

# check_unavailable REASON WHAT: the daemon says the index is unavailable for this reason, on
# /health and to searches, without naming any file, and keeps running.
check_unavailable() {
    local reason=$1 what=$2
    answers_settle 503
    assert_eq "$(field '"\(.status) \(.reason) \(.error.code)"')" "unavailable $reason index_unavailable" \
        "$what: /health status, reason, error code"
    assert_not_contains "$BODY" "$SCRATCH" "$what: /health names no file"
    search q=rail
    assert_eq "$STATUS $(field '"\(.error.code) \(.error.message)"')" \
        "503 index_unavailable cannot open the index: it is $reason" "$what: /search"
    assert_not_contains "$BODY" "$SCRATCH" "$what: /search names no file"
    get /articles/byline-0001
    assert_eq "$STATUS $(field .error.code)" "503 index_unavailable" "$what: /articles"
    get "/suggest?q=ra"
    assert_eq "$STATUS $(field .error.code)" "503 index_unavailable" "$what: /suggest"
    kill -0 "$D_PID" 2>/dev/null || fail "$what: the daemon exited"
}

# check_recovered TOTAL WHAT: the daemon answers from the index again, with TOTAL articles.
check_recovered() {
    answers_settle 200
    assert_eq "$(field .documents)" "$1" "$2: /health documents once the index is back"
    for i in 1 2; do
        search q=
        assert_eq "$STATUS $(field .total)" "200 $1" "$2: /search once the index is back ($i)"
    done
}

# Unreadable folders need a daemon that file permissions apply to: as root, it runs as nobody.
SEARCHD=$BYLINE_SEARCHD
if [ "$(id -u)" = 0 ]; then
    chmod 755 "$SCRATCH"
    cat >"$SCRATCH/searchd-nobody" <<EOF
#!/bin/sh
exec setpriv --reuid=65534 --regid=65534 --clear-groups -- "$SCRATCH/byline-searchd" "\$@"
EOF
    chmod 755 "$SCRATCH/searchd-nobody"
    cp "$BYLINE_SEARCHD" "$SCRATCH/byline-searchd" # the build folder may be closed to nobody
    BYLINE_SEARCHD="$SCRATCH/searchd-nobody"
fi
DB="$SCRATCH/faults.db"
for name in faults unreadable damaged; do # where each daemon writes its port and logs
    mkdir -p "$SCRATCH/daemon-$name" && chmod 777 "$SCRATCH/daemon-$name"
done
good_copy() { rm -rf "$DB" && compact "$IX/all.build" "$DB" && chmod -R a+rX "$DB"; }

# At start: missing.
start_daemon faults --db "$DB"
FAULTS_PID=$D_PID
check_unavailable missing "missing at start"
good_copy
check_recovered $N "missing at start"
# While running: missing (moved away), then back.
mv "$DB" "$DB.away"
check_unavailable missing "moved away while running"
mv "$DB.away" "$DB"
check_recovered $N "moved away while running"
# While running: damaged in place (its version file overwritten), then repaired.
cp "$DB/iamglass" "$SCRATCH/iamglass.good"
head -c 200 /dev/urandom >"$DB/iamglass"
check_unavailable damaged "damaged while running"
cp "$SCRATCH/iamglass.good" "$DB/iamglass"
check_recovered $N "damaged while running"
# While running: unreadable, then readable again.
chmod 000 "$DB"
check_unavailable unreadable "unreadable while running"
chmod 755 "$DB"
check_recovered $N "unreadable while running"
# While running: an empty folder where the index was.
mv "$DB" "$DB.away" && mkdir "$DB"
check_unavailable missing "an empty folder while running"
rmdir "$DB" && mv "$DB.away" "$DB"
check_recovered $N "an empty folder while running"
stop_daemon "$FAULTS_PID"
assert_eq "$STOP_RC" 0 "exit status after the faults"

# At start: unreadable, then damaged.
chmod 000 "$DB"
start_daemon unreadable --db "$DB"
check_unavailable unreadable "unreadable at start"
chmod 755 "$DB"
check_recovered $N "unreadable at start"
stop_daemon "$D_PID"
head -c 200 /dev/urandom >"$DB/iamglass"
start_daemon damaged --db "$DB"
check_unavailable damaged "damaged at start"
good_copy
check_recovered $N "damaged at start"
stop_daemon "$D_PID"
assert_eq "$STOP_RC" 0 "exit status after damaged at start"

# The details, with the file names, are in the daemon's log.
assert_contains "$(cat "$D_ERR")" "$DB" "the log names the index that failed"
if grep -q "AddressSanitizer\|runtime error" "$SCRATCH"/daemon-*/stderr; then
    fail "sanitizer report: $(grep -h -A20 'Sanitizer\|runtime error' "$SCRATCH"/daemon-*/stderr | head -40)"
fi
finish
