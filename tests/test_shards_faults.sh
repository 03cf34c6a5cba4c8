# test_shards_faults.sh - a remote shard that goes down or stops answering while byline-searchd
# serves: by default a 503 naming the shard, with --allow-partial the other shards' answers
# marked "partial" with the missing shard named; and when the shard is back, the daemons use it
# again without a restart. Three xapian-tcpsrv serve the fixture's shards on 127.0.0.1.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/searchd_lib.sh"
. "$(dirname "$0")/shards_lib.sh"
[ -d "$FIX/sharded" ] || { echo "$TEST_NAME: no fixture: run test_shards_index first" >&2; exit 1; }
N=$(grep -c . "$FIX/reuters.jsonl")

PORTS=() PIDS=() REMOTE=()
for i in 0 1 2; do
    start_tcpsrv "$FIX/sharded/shard-$i"
    PORTS+=("$TCP_PORT")
    PIDS+=("$TCP_PID")
    REMOTE+=(--db "tcp://127.0.0.1:$TCP_PORT")
done
TIMEOUTS=(--remote-timeout 1500 --connect-timeout 500)
start_daemon strict "${REMOTE[@]}" --db "$FIX/sharded/spelling" "${TIMEOUTS[@]}"
STRICT=$D_URL
start_daemon partial "${REMOTE[@]}" --db "$FIX/sharded/spelling" "${TIMEOUTS[@]}" --allow-partial
PARTIAL=$D_URL

Q='/search?q=oil+prices&facets=category&limit=5'
http GET "$STRICT$Q"
assert_json_status 200 "all shards up: strict"
ALL=$(field .total)
http GET "$PARTIAL$Q"
assert_json_status 200 "all shards up: partial"
assert_eq "$(field .total)" "$ALL" "all shards up: the same total"
assert_eq "$(field 'has("partial")')" false "all shards up: not partial"

# want_total SHARD...: the total of $Q over these shards (and the spelling database), locally.
want_total() {
    local dbs=() i
    for i in "$@"; do dbs+=(--db "$FIX/sharded/shard-$i"); done
    "$BYLINE_SEARCH" "${dbs[@]}" --db "$FIX/sharded/spelling" --json --facets category oil prices |
        jq -r .total
}
# shard_docs I: the articles in shard I.
shard_docs() {
    xapian-delve "$FIX/sharded/shard-$1" | sed -n 's/^number of documents = //p'
}

# expect_down WHAT I: shard I is out: the strict daemon answers 503 naming it, quickly, from
# both its threads; the partial one answers from the other two, saying so.
expect_down() {
    local what=$1 i=$2 k t0 ms others=()
    local name="tcp://127.0.0.1:${PORTS[$i]}"
    for k in 0 1 2; do [ "$k" != "$i" ] && others+=("$k"); done
    local want
    want=$(want_total "${others[@]}")
    for k in 1 2 3 4; do
        t0=$(date +%s%N)
        http GET "$STRICT$Q"
        ms=$((($(date +%s%N) - t0) / 1000000))
        assert_json_status 503 "$what: strict daemon, request $k"
        assert_eq "$(field .error.code)" index_unavailable "$what: strict daemon: error code"
        assert_contains "$(field .error.message)" "'$name'" "$what: the 503 names the shard"
        [ "$ms" -lt 5000 ] || fail "$what: strict daemon took $ms ms to answer 503"
    done
    for k in 1 2 3 4; do
        http GET "$PARTIAL$Q"
        assert_json_status 200 "$what: partial daemon, request $k"
        assert_eq "$(field .partial)" true "$what: partial daemon: partial"
        assert_eq "$(field '.missing_shards | tostring')" "[\"$name\"]" "$what: partial daemon: missing shard"
        assert_eq "$(field .total)" "$want" "$what: partial daemon: total over the others"
    done
    http GET "$PARTIAL/health"
    assert_json_status 200 "$what: partial daemon: /health"
    assert_eq "$(field .partial)" true "$what: partial daemon: /health says partial"
    assert_eq "$(field .documents)" $((N - $(shard_docs "$i"))) "$what: partial daemon: documents"
}

# expect_back WHAT: within 10 s both daemons answer over every shard again, four times in a
# row each, so that both threads of each have taken the shard back.
expect_back() {
    local what=$1 t0 s ok=0 row=0
    t0=$(date +%s)
    for s in $(seq 100); do
        http GET "$STRICT$Q"
        local strict=$STATUS
        http GET "$PARTIAL$Q"
        if [ "$strict" = 200 ] && [ "$STATUS" = 200 ] && [ "$(field 'has("partial")')" = false ]; then
            row=$((row + 1))
            if [ "$row" = 4 ]; then
                ok=1
                break
            fi
            continue
        fi
        row=0
        sleep 0.1
    done
    [ "$ok" = 1 ] || fail "$what: the daemons did not use the shard again within 10 s"
    echo "$TEST_NAME: $what: both daemons over every shard again after $(($(date +%s) - t0)) s"
    for url in "$STRICT" "$PARTIAL"; do
        http GET "$url$Q"
        assert_eq "$STATUS $(field .total)" "200 $ALL" \
            "$what: $url: the total over every shard (answer: $(printf '%.300s' "$BODY"))"
    done
}

# ---- A shard's server killed mid-run, then started again on its port ---------------------
stop_tcpsrv "${PIDS[1]}" KILL
expect_down "shard 1 killed" 1
start_tcpsrv "$FIX/sharded/shard-1" "${PORTS[1]}"
PIDS[1]=$TCP_PID
expect_back "shard 1 restarted"

# ---- A shard that stops answering: connections accepted, nothing read ---------------------
kill -STOP -- "-${PIDS[2]}"
expect_down "shard 2 stopped" 2
kill -CONT -- "-${PIDS[2]}"
expect_back "shard 2 continued"

for pid in "${DAEMON_PIDS[@]}"; do
    stop_daemon "$pid"
    assert_eq "$STOP_RC" 0 "SIGTERM: exit status"
done
finish
