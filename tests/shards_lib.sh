# shards_lib.sh - helpers for the sharding tests, sourced after lib.sh and searchd_lib.sh: the
# shared fixture (Reuters in one database and in 3 shards), xapian-tcpsrv processes on free
# ports of 127.0.0.1 (each in a process group of its own, always stopped at the end), and
# comparing daemons' answers.

for tool in xapian-tcpsrv xapian-delve; do
    command -v "$tool" >/dev/null || {
        echo "$TEST_NAME: $tool is missing (Debian package xapian-tools)" >&2
        exit 1
    }
done

# The fixture test_shards_index builds: FIX/reuters.jsonl, FIX/one.db, FIX/sharded.
FIX=${BYLINE_SHARDS_FIXTURE:-}
[ -n "$FIX" ] || {
    echo "$TEST_NAME: BYLINE_SHARDS_FIXTURE is not set (see tests/CMakeLists.txt)" >&2
    exit 1
}

TCPSRV_PIDS=()

shards_cleanup() {
    local pid
    for pid in "${TCPSRV_PIDS[@]}"; do
        kill -CONT -- "-$pid" 2>/dev/null
        kill -TERM -- "-$pid" 2>/dev/null
    done
    searchd_cleanup
}
trap shards_cleanup EXIT

# port_answers PORT: whether something accepts connections on 127.0.0.1:PORT.
port_answers() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# start_tcpsrv DB [PORT]: serves DB with xapian-tcpsrv on PORT, or on a free port, in a process
# group of its own (its children serve the connections; stop_tcpsrv stops them all). Sets
# TCP_PORT and TCP_PID (also the process group).
start_tcpsrv() {
    local db=$1 want=${2:-} port try i
    for try in $(seq 20); do
        port=${want:-$((20000 + RANDOM % 30000))}
        if ! port_answers "$port"; then
            setsid xapian-tcpsrv --quiet --interface 127.0.0.1 --port "$port" "$db" \
                >"$SCRATCH/tcpsrv-$port.log" 2>&1 &
            TCP_PID=$!
            for i in $(seq 50); do
                kill -0 "$TCP_PID" 2>/dev/null || break
                if port_answers "$port"; then
                    TCPSRV_PIDS+=("$TCP_PID")
                    TCP_PORT=$port
                    return 0
                fi
                sleep 0.1
            done
            kill -TERM -- "-$TCP_PID" 2>/dev/null
        fi
        [ -n "$want" ] && sleep 0.5
    done
    echo "$TEST_NAME: xapian-tcpsrv $db did not start: $(cat "$SCRATCH"/tcpsrv-*.log)" >&2
    exit 1
}

# stop_tcpsrv PID [SIGNAL]: stops a xapian-tcpsrv and the children serving its connections.
stop_tcpsrv() {
    kill "-${2:-KILL}" -- "-$1" 2>/dev/null
    local i
    for i in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    wait "$1" 2>/dev/null
}

# fetch_all URL_BASE LIST OUT_PREFIX: GETs URL_BASE + each line of LIST (paths with query
# strings) with one curl, writing OUT_PREFIX.N (N from 1) and the statuses to OUT_PREFIX.status.
fetch_all() {
    local base=$1 list=$2 out=$3 n=0 line
    : >"$out.curl"
    while IFS= read -r line; do
        n=$((n + 1))
        printf 'url = "%s%s"\noutput = "%s.%d"\n' "$base" "$line" "$out" "$n" >>"$out.curl"
    done <"$list"
    curl -s -K "$out.curl" -w '%{http_code}\n' >"$out.status"
}

# jq definitions for comparing answers: `same($a; $b)` holds when two /search answers are the
# same but for took_ms, with scores to 1e-6 and hits whose scores agree to 1e-6 in any order
# (duplicates: over shards Xapian adds up a document's term weights in an order each shard
# picks, and ties between equal scores are settled by their last bits); `counted($a; $b)`
# holds when totals and facets are the same.
CMPDEFS='
def r6: if type == "number" then (. * 1000000 | round) / 1000000 else . end;
def ties_by_id: reduce .[] as $h ([];
    if length > 0 and .[-1][0].score == $h.score then .[-1] += [$h] else . + [[$h]] end)
  | map(sort_by(.id)) | add // [];
def canon: del(.took_ms) | if has("hits") then .hits |= (map(.score |= r6) | ties_by_id) else . end;
def canon_sorted: del(.took_ms) | if has("hits") then .hits |= map(.score |= r6) else . end;
def same($a; $b): ($a | canon) == ($b | canon);
def same_sorted($a; $b): ($a | canon_sorted) == ($b | canon_sorted);
def counted($a; $b): [$a.total, $a.total_relation, $a.facets] == [$b.total, $b.total_relation, $b.facets];
'
