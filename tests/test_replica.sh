# test_replica.sh - a read replica made with xapian-replicate-server and xapian-replicate: a
# daemon serving the replica finds articles committed on the primary within seconds, and drops
# deleted ones; a daemon on the primary and one on the replica (two behind a load balancer)
# answer alike. Everything on 127.0.0.1.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/searchd_lib.sh"
for tool in xapian-replicate xapian-replicate-server; do
    command -v "$tool" >/dev/null || {
        echo "$TEST_NAME: $tool is missing (Debian package xapian-tools)" >&2
        exit 1
    }
done
find_corpora

GROUPS_STARTED=()
replica_cleanup() {
    local pid
    for pid in "${GROUPS_STARTED[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
    searchd_cleanup
}
trap replica_cleanup EXIT

gzip -dc "$CORPORA/reuters21578.jsonl.gz" | head -n 1520 >"$SCRATCH/all.jsonl"
head -n 1500 "$SCRATCH/all.jsonl" >"$SCRATCH/base.jsonl"
tail -n 20 "$SCRATCH/all.jsonl" >"$SCRATCH/new.jsonl"
NEW_ID=$(tail -n 1 "$SCRATCH/new.jsonl" | jq -r .id)

# The primary keeps changesets for its replicas (XAPIAN_MAX_CHANGESETS), so each commit reaches
# them as a small change instead of a copy of the whole database.
export XAPIAN_MAX_CHANGESETS=20
mkdir -p "$SCRATCH/primary" "$SCRATCH/replica"
run_index --db "$SCRATCH/primary/news.db" -q "$SCRATCH/base.jsonl"
assert_eq "$RC" 0 "indexing the primary: exit status ($ERR)"

# xapian-replicate-server serves every database under primary/, on a free port.
for try in $(seq 20); do
    PORT=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && continue
    setsid xapian-replicate-server --interface 127.0.0.1 --port "$PORT" "$SCRATCH/primary" \
        >"$SCRATCH/server.log" 2>&1 &
    SERVER=$!
    for i in $(seq 30); do
        (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break 2
        kill -0 "$SERVER" 2>/dev/null || break
        sleep 0.1
    done
    kill -TERM -- "-$SERVER" 2>/dev/null
done
GROUPS_STARTED+=("$SERVER")
setsid xapian-replicate --host 127.0.0.1 --port "$PORT" --master news.db --interval 1 \
    --reader-time 1 "$SCRATCH/replica/news.db" >"$SCRATCH/replicate.log" 2>&1 &
GROUPS_STARTED+=("$!")
for i in $(seq 200); do [ -f "$SCRATCH/replica/news.db/XAPIANDB" ] && break; sleep 0.1; done
[ -f "$SCRATCH/replica/news.db/XAPIANDB" ] ||
    { echo "$TEST_NAME: no replica after 20 s: $(cat "$SCRATCH/replicate.log")" >&2; exit 1; }

start_daemon primary --db "$SCRATCH/primary/news.db"
PRIMARY=$D_URL
start_daemon replica --db "$SCRATCH/replica/news.db"
REPLICA=$D_URL
http GET "$REPLICA/health"
assert_json_status 200 "replica: /health"
assert_eq "$(field .documents)" 1500 "replica: the primary's articles"

# wait_for URL PATH JQ WANT: polls (every 0.1 s, at most 20 s) until JQ of PATH's answer is WANT.
# Sets WAITED to the seconds it took.
wait_for() {
    local t0 i
    t0=$(date +%s%N)
    for i in $(seq 200); do
        http GET "$1$2"
        [ "$(field "$3")" = "$4" ] && break
        sleep 0.1
    done
    WAITED=$(awk -v ns=$(($(date +%s%N) - t0)) 'BEGIN { printf "%.1f", ns / 1e9 }')
    assert_eq "$(field "$3")" "$4" "$2: $3 within 20 s"
}

# ---- New articles on the primary reach the replica's daemon within seconds ------------------
run_index --db "$SCRATCH/primary/news.db" -q "$SCRATCH/new.jsonl"
assert_eq "$RC" 0 "adding to the primary: exit status ($ERR)"
wait_for "$REPLICA" /health .documents 1520
echo "$TEST_NAME: 20 new articles served by the replica $WAITED s after the primary's commit"
awk -v w="$WAITED" 'BEGIN { exit !(w < 10) }' || fail "the replica took $WAITED s (over 10 s)"
wait_for "$REPLICA" "/search?q=id:$NEW_ID" .total 1
http GET "$REPLICA/articles/$NEW_ID"
assert_json_status 200 "replica: /articles/$NEW_ID"

# ---- A deletion too ---------------------------------------------------------------------------
run_index --db "$SCRATCH/primary/news.db" --delete "$NEW_ID"
assert_eq "$RC" 0 "deleting on the primary: exit status ($ERR)"
wait_for "$REPLICA" "/search?q=id:$NEW_ID" .total 0
echo "$TEST_NAME: a deletion reached the replica's daemon in $WAITED s"

# ---- Two daemons, one on the primary and one on the replica, answer alike ---------------------
for q in "q=oil+prices&facets=category,source" "q=bnak&facets=date" "q=&category=grain&limit=20"; do
    http GET "$PRIMARY/search?$q"
    want=$(field 'del(.took_ms) | tostring')
    http GET "$REPLICA/search?$q"
    assert_eq "$(field 'del(.took_ms) | tostring' | md5sum)" "$(printf '%s\n' "$want" | md5sum)" \
        "$q: the replica's daemon answers as the primary's"
done
# The daemons stop cleanly (under the sanitizers: without leaks or errors).
for pid in "${DAEMON_PIDS[@]}"; do
    stop_daemon "$pid"
    assert_eq "$STOP_RC" 0 "daemon $pid: exit status on SIGTERM"
done
finish
