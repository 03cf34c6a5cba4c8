# searchd_lib.sh - helpers for the byline-searchd tests, sourced after lib.sh: start the real
# daemon on a free port and always stop it, talk to it with curl on 127.0.0.1, and work out
# what it should answer from the JSONL input with jq.

for var in BYLINE_SEARCHD BYLINE_SEARCH BYLINE_INDEX BYLINE_SRC; do
    if [ -z "${!var:-}" ] || { [ "$var" != BYLINE_SRC ] && [ ! -x "${!var}" ]; }; then
        echo "$TEST_NAME: $var is not set to a program (see tests/CMakeLists.txt)" >&2
        exit 1
    fi
done
for tool in curl jq; do
    command -v "$tool" >/dev/null || {
        echo "$TEST_NAME: $tool is missing" >&2
        exit 1
    }
done

DAEMON_PIDS=()

# Stops every daemon still running, then removes the scratch folder.
searchd_cleanup() {
    local pid
    for pid in "${DAEMON_PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null
        fi
    done
    rm -rf "$SCRATCH"
}
trap searchd_cleanup EXIT
trap 'exit 130' INT TERM

# start_daemon NAME ARGS...: starts byline-searchd with ARGS on a free port of 127.0.0.1 and
# waits for it to listen. Sets D_PID, D_URL, D_LOG (its access log) and D_ERR (its stderr).
start_daemon() {
    local name=$1 dir
    shift
    dir="$SCRATCH/daemon-$name"
    mkdir -p "$dir"
    "$BYLINE_SEARCHD" --port 0 --port-file "$dir/port" --access-log "$dir/access.log" \
        --threads 2 "$@" 2>"$dir/stderr" &
    D_PID=$!
    DAEMON_PIDS+=("$D_PID")
    D_LOG="$dir/access.log"
    D_ERR="$dir/stderr"
    local i
    for i in $(seq 100); do
        if [ -s "$dir/port" ]; then
            D_URL="http://127.0.0.1:$(tr -dc 0-9 <"$dir/port")"
            return 0
        fi
        kill -0 "$D_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "$TEST_NAME: byline-searchd $* did not start: $(cat "$dir/stderr")" >&2
    exit 1
}

# stop_daemon PID: sends SIGTERM and waits (at most 10 s). Sets STOP_RC to the exit status,
# or "hung" when it did not exit (it is then killed).
stop_daemon() {
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        STOP_RC=hung
        return
    fi
    wait "$pid"
    STOP_RC=$?
}

# http METHOD URL [CURL_ARGS...]: one request. Sets STATUS, BODY and HEADERS (CRs removed,
# names as sent).
http() {
    local method=$1 url=$2
    shift 2
    STATUS=$(curl -s -o "$SCRATCH/http.body" -D "$SCRATCH/http.headers" -w '%{http_code}' \
        -X "$method" "$@" "$url")
    BODY=$(<"$SCRATCH/http.body")
    HEADERS=$(<"$SCRATCH/http.headers")
    HEADERS=${HEADERS//$'\r'/}
}

# get PATH [CURL_ARGS...]: GET on the current daemon ($D_URL).
get() {
    local path=$1
    shift
    http GET "$D_URL$path" "$@"
}

# search NAME=VALUE...: GET /search with these parameters, each URL-encoded.
search() {
    local args=() p
    for p in "$@"; do args+=(--data-urlencode "$p"); done
    http GET "$D_URL/search" -G "${args[@]}"
}

# post_search JSON: POST /search with this JSON body.
post_search() {
    http POST "$D_URL/search" -H 'Content-Type: application/json' --data-binary "$1"
}

# field JQ_FILTER: a value from $BODY (raw output).
field() {
    printf '%s' "$BODY" | jq -r "$1" 2>/dev/null
}

# header NAME: the value of a response header from $HEADERS, case-insensitive ("" if none).
header() {
    printf '%s\n' "$HEADERS" | awk -v n="$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')" -F': ' \
        'tolower($1) == n { sub(/^[^:]*: /, ""); print; exit }'
}

# all_ids NAME=VALUE...: every hit id of a search, paging 100 at a time, in order.
all_ids() {
    local offset=0 total ids out
    while :; do
        search "$@" "limit=100" "offset=$offset"
        if [ "$STATUS" != 200 ]; then
            echo "ERROR-$STATUS"
            return
        fi
        out=$(field '.total, .hits[].id')
        total=${out%%$'\n'*}
        ids=${out#"$total"}
        ids=${ids#$'\n'}
        [ -n "$ids" ] && printf '%s\n' "$ids"
        offset=$((offset + 100))
        [ -z "$ids" ] || [ "$offset" -ge "$total" ] && break
    done
}

# assert_same_set GOT WANT WHAT: the two newline-separated lists hold the same lines.
assert_same_set() {
    local got want
    got=$(printf '%s\n' "$1" | sed '/^$/d' | sort)
    want=$(printf '%s\n' "$2" | sed '/^$/d' | sort)
    if [ "$got" != "$want" ]; then
        fail "$3: sets differ (< got, > expected): $(diff <(printf '%s\n' "$got") \
            <(printf '%s\n' "$want") | grep '^[<>]' | head -12 | tr '\n' ' ')"
    fi
}

# assert_json_status WANT WHAT: $STATUS is WANT and $BODY is JSON.
assert_json_status() {
    assert_eq "$STATUS" "$1" "$2: status"
    printf '%s' "$BODY" | jq -e . >/dev/null 2>&1 || fail "$2: body is not JSON: ${BODY:0:300}"
}

# assert_error STATUS CODE PARAM WHAT: $BODY is {"error": {"code": CODE, "param": PARAM}}
# with this status (PARAM "null" for none) and a message.
assert_error() {
    local got
    # One jq for all three (this runs often): code, param, whether there is a message.
    got=$(printf '%s' "$BODY" | jq -r '"\(.error.code) \(.error.param) \(.error.message != null
        and .error.message != "")"' 2>/dev/null)
    assert_eq "$STATUS" "$1" "$4: status"
    assert_eq "$got" "$2 $3 true" "$4: error code, param, has a message (body ${BODY:0:300})"
}

# assert_sorted LIST ORDER WHAT: LIST (lines) is in ascending ("asc") or descending order.
assert_sorted() {
    local want
    if [ "$2" = asc ]; then want=$(printf '%s\n' "$1" | sort); else want=$(printf '%s\n' "$1" | sort -r); fi
    [ "$1" = "$want" ] || fail "$3: not in $2 order: $(printf '%s' "$1" | head -20 | tr '\n' ' ')"
}

# jq definitions for expectations computed from JSONL articles:
#   epoch/utc: an article date (RFC 3339 with any offset) as seconds / as UTC text;
#   words($re): whether title, summary or body match $re (case-insensitive);
#   bucket($interval): the date histogram key of a date (day, week, month, year).
JQDEFS='
def epoch: (.[0:19] + "Z" | fromdateiso8601) as $t | .[19:] as $z
  | if $z == "" or $z == "Z" then $t
    else (($z[1:3] | tonumber) * 3600 + ($z[4:6] | tonumber) * 60) as $o
      | if $z[0:1] == "+" then $t - $o else $t + $o end end;
def utc: epoch | todate;
def words($re): [.title, .summary, .body] | map(select(type == "string") | test($re; "i")) | any;
def in_range($from; $to): .date != null and (.date | epoch) >= $from and (.date | epoch) <= $to;
def bucket($i): (.date | epoch) as $e
  | if $i == "day" then $e | todate | .[0:10]
    elif $i == "month" then $e | todate | .[0:7]
    elif $i == "year" then $e | todate | .[0:4]
    else (($e / 86400) | floor) as $d | (($d + 3) % 7) as $w | ($d - $w) * 86400 | todate | .[0:10]
    end;
def list: if . == null then [] elif type == "array" then . else [.] end;
'

# jqx [JQ_OPTIONS...] FILTER FILE...: jq -r with the definitions above.
jqx() {
    local opts=()
    while [ "${1:0:1}" = "-" ]; do opts+=("$1"); shift; done
    local filter=$1
    shift
    jq -r "${opts[@]}" "$JQDEFS $filter" "$@"
}

# want_ids FILE SELECT: the ids of the articles in FILE for which SELECT is true.
want_ids() {
    jqx "select($2) | .id" "$1"
}

# want_counts FILE SELECT FIELD: "value<TAB>count" for each value of FIELD (a string or a
# list; an article counts once per value) over the articles for which SELECT is true, in the
# order facets list them: by count, largest first, then by value.
want_counts() {
    jqx -s "[.[] | select($2) | (.$3 | list | unique | .[]) | select(. != \"\")]
        | group_by(.) | map({value: .[0], count: length}) | sort_by(-.count, .value)
        | .[] | \"\(.value)\t\(.count)\"" "$1"
}

# got_counts NAME: "value<TAB>count" for each value of facet NAME in $BODY, as listed.
got_counts() {
    field ".facets.$1[] | \"\(.value)\t\(.count)\""
}

# want_buckets FILE SELECT INTERVAL: "key<TAB>count" for the non-empty date buckets.
want_buckets() {
    jqx -s "[.[] | select($2) | select(.date != null) | bucket(\"$3\")] | group_by(.)
        | map(\"\(.[0])\t\(length)\") | .[]" "$1"
}

# got_buckets: "key<TAB>count" for the non-empty date buckets in $BODY.
got_buckets() {
    field '.facets.date.buckets[] | select(.count > 0) | "\(.key)\t\(.count)"'
}
