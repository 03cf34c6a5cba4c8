# test_searchd_hostile.sh - byline-searchd against hostile requests: each gets its expected status
# and a JSON error, and a client asking ordinary questions all along is answered every time.
# Oversized URL, headers and body (414, 431, 413), bad percent-encoding and bad UTF-8 (400 naming
# the parameter), thousands of terms, deep parentheses, a wildcard over the whole vocabulary,
# huge offset/limit, unknown routes, wrong methods, '..' in paths, idle connections held open
# (slowloris), a query stopped by --time-limit; and the security basics: 127.0.0.1 by default,
# nosniff on every response, a Content-Security-Policy on the page, no file names in errors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/searchd_lib.sh"
find_corpora
command -v python3 >/dev/null || { echo "$TEST_NAME: python3 is missing" >&2; exit 1; }
POLL="$BYLINE_SRC/tests/searchd_poll.py"
now_ms() { date +%s%3N; }

# The first 2,000 Reuters articles: a vocabulary large enough for wildcards to matter.
gzip -dc "$CORPORA/reuters21578.jsonl.gz" | head -n 2000 >"$SCRATCH/reuters.jsonl"
DB="$SCRATCH/reuters.db"
"$BYLINE_INDEX" --quiet --db "$DB" "$SCRATCH/reuters.jsonl" 2>"$SCRATCH/index.err" ||
    { echo "$TEST_NAME: indexing failed: $(cat "$SCRATCH/index.err")" >&2; exit 1; }
VOCABULARY=$(xapian-delve -1 -a "$DB" 2>/dev/null | grep -c '^[a-z0-9]')

start_daemon main --db "$DB"
MAIN_PID=$D_PID
PORT=${D_URL##*:}
# The ordinary client: two connections asking all along; checked at the end.
python3 "$POLL" "$D_URL" "/search?q=oil+prices&limit=3" "$SCRATCH/other.poll" "$SCRATCH/stop" 2 0.05 &
POLLER=$!

# raw REQUEST: sends REQUEST (printf format) on a new connection; sets RAW to the answer (CRs
# removed) and RAW_STATUS to its status code ("" when the connection closed without one).
raw() {
    RAW=$(python3 - "$PORT" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(sys.argv[2].encode("latin-1").decode("unicode_escape").encode("latin-1"))
data = b""
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
except (socket.timeout, ConnectionResetError):
    pass
sys.stdout.write(data.decode("latin-1").replace("\r", ""))
PY
)
    RAW_STATUS=$(printf '%s\n' "$RAW" | head -1 | awk '/^HTTP\// {print $2}')
    BODY=$(printf '%s\n' "$RAW" | sed '1,/^$/d')
}

# ---- Sizes: URL, headers, body -------------------------------------------------------------------
long_q=$(head -c 9000 /dev/zero | tr '\0' a)
get "/search?q=$long_q"
assert_error 414 uri_too_long null "URL of 9 KB"
huge_q=$(head -c 70000 /dev/zero | tr '\0' a)
get "/search?q=$huge_q"
assert_eq "$STATUS" 414 "URL of 70 KB (libmicrohttpd's own answer)"
get "/search?q=oil" -H "X-Filler: $(head -c 17000 /dev/zero | tr '\0' a)"
assert_error 431 headers_too_large null "17 KB of headers"
hdrs=()
for i in $(seq 40); do hdrs+=(-H "X-Filler-$i: $(head -c 500 /dev/zero | tr '\0' b)"); done
get "/search?q=oil" "${hdrs[@]}"
assert_error 431 headers_too_large null "40 headers of 500 bytes"
get "/search?q=oil" -H "X-Filler: $(head -c 70000 /dev/zero | tr '\0' a)"
assert_eq "$STATUS" 431 "70 KB of headers (libmicrohttpd's own answer)"
get "/search?q=oil" -H "X-Filler: $(head -c 8000 /dev/zero | tr '\0' a)"
assert_eq "$STATUS" 200 "8 KB of headers are fine"
head -c 200000 /dev/zero | tr '\0' x >"$SCRATCH/big.body"
http POST "$D_URL/search" -H 'Content-Type: application/json' --data-binary "@$SCRATCH/big.body"
assert_error 413 body_too_large null "POST of 200 KB"
assert_eq "$(header Connection | tr '[:upper:]' '[:lower:]')" close "413: the connection is closed unread"
http POST "$D_URL/search" -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' \
    --data-binary "@$SCRATCH/big.body"
assert_error 413 body_too_large null "chunked POST of 200 KB"

# ---- Percent-encoding and UTF-8 -----------------------------------------------------------------------
for q in %zz %4 50% %C3%28 %ED%A0%80 %C0%AF %FF; do
    get "/search?q=$q&limit=1"
    assert_error 400 invalid_parameter q "q=$q"
done
get "/search?q=oil&from=%2"
assert_error 400 invalid_parameter from "from=%2"
assert_contains "$(field .error.message)" "percent-encoding" "from=%2: message"
get "/search?q=%00x"
assert_error 400 invalid_parameter q "q=%00x"
get "/suggest?q=%C3%28"
assert_error 400 invalid_parameter q "/suggest q=%C3%28"
get "/articles/reuters-1/related?limit=%zz"
assert_error 400 invalid_parameter limit "/related limit=%zz"
get "/search?%zz=1"
assert_error 400 invalid_parameter null "a parameter name with %zz"
get "/articles/%zz"
assert_error 400 invalid_path null "/articles/%zz"
raw 'GET /search?q=\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
assert_eq "$RAW_STATUS $(field .error.param)" "400 q" "raw bytes 0xff 0xfe in q"
post_search "$(printf '{"q": "oil \xff"}')"
assert_eq "$STATUS" 400 "POST with invalid UTF-8"

# ---- Heavy queries --------------------------------------------------------------------------------
terms=$(for i in $(seq 1000); do printf 'w%d ' $((i % 10)); done)
terms=${terms:0:2040}
start=$(now_ms)
search "q=$terms" limit=5
assert_json_status 200 "q of $(printf '%s' "$terms" | wc -w) terms in 2 KB"
echo "many terms: $(($(now_ms) - start)) ms"
search "q=$(for i in $(seq 700); do printf 'x%d ' "$i"; done)"
assert_error 400 invalid_parameter q "q of 700 terms (over 2 KB)"
post_search "{\"q\": \"$(for i in $(seq 3000); do printf 'x%d ' "$i"; done)\"}"
assert_error 400 invalid_parameter q "POST q of 3,000 terms"
nested="$(head -c 1000 /dev/zero | tr '\0' '(')oil$(head -c 1000 /dev/zero | tr '\0' ')')"
search "q=$nested"
assert_json_status 200 "1,000 nested parentheses"
search "q=$(head -c 2000 /dev/zero | tr '\0' '(')"
assert_eq "$STATUS" 200 "2,000 opening parentheses and nothing else"
search "q=$(printf 'oil AND NOT (%.0s' $(seq 200))gold"
[ "$STATUS" = 200 ] || [ "$STATUS" = 400 ] || fail "200 nested NOTs: status $STATUS"
# Every word, by a wildcard per letter and digit: each expands to at most Xapian's limit.
all_words=$(printf '%s* ' {a..z} {0..9})
start=$(now_ms)
search "q=$all_words" facets=category,date limit=5
ms=$(($(now_ms) - start))
assert_json_status 200 "a wildcard per letter ($VOCABULARY words in the index)"
[ "$(field '.hits | length')" -gt 0 ] || fail "wildcards over the vocabulary: no hits"
echo "wildcards over the whole vocabulary: $ms ms"
[ "$ms" -lt 10000 ] || fail "wildcards over the whole vocabulary took $ms ms"

# ---- Paging and routes ------------------------------------------------------------------------------
for p in offset=99999999999999999999 offset=10001 offset=-1 limit=1000000 limit=101 \
    page=99999999999 page=0 hits_per_page=1000; do
    search q=oil "$p"
    assert_error 400 invalid_parameter "${p%%=*}" "$p"
done
for path in /nowhere /search/ /Search /articles /articles/ /index.html /web/app.js /.git/config \
    /%2e%2e/%2e%2e/etc/passwd /..%2f..%2fetc%2fpasswd /%2e%2e%2fapp.js /app.js/../../etc/passwd \
    //etc/passwd /app.js%2f..%2f..%2fetc%2fpasswd /.%2e/searchd/web/app.js; do
    get "$path" --path-as-is
    assert_error 404 not_found null "GET $path"
    assert_not_contains "$BODY" "root:" "GET $path: no file content"
done
get /../../etc/passwd --path-as-is
assert_error 404 not_found null "GET /../../etc/passwd"
get "/app.js%00"
assert_error 400 invalid_path null "GET /app.js%00"
for m in DELETE PUT PATCH FOO; do
    http "$m" "$D_URL/search?q=oil"
    assert_error 405 method_not_allowed null "$m /search"
done
http POST "$D_URL/health" --data-binary '{}'
assert_error 405 method_not_allowed null "POST /health"
http POST "$D_URL/app.js" --data-binary 'x'
assert_error 405 method_not_allowed null "POST /app.js"

# ---- Idle connections (slowloris) -------------------------------------------------------------------
# 300 connections that sent half a request and wait: others are still answered.
python3 - "$PORT" 300 "$SCRATCH/idle.ready" "$SCRATCH/idle.stop" <<'PY' &
import os, socket, sys, time
port, n, ready, stop = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
conns = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /search?q=oil HTTP/1.1\r\nHost: x\r\n")
    conns.append(s)
open(ready, "w").close()
while not os.path.exists(stop):
    time.sleep(0.05)
PY
IDLE=$!
for _ in $(seq 200); do [ -e "$SCRATCH/idle.ready" ] && break; sleep 0.05; done
[ -e "$SCRATCH/idle.ready" ] || fail "300 idle connections were not all accepted"
for i in 1 2 3 4; do
    start=$(now_ms)
    search q=oil limit=1
    ms=$(($(now_ms) - start))
    assert_eq "$STATUS" 200 "a search beside 300 idle connections ($i)"
    [ "$ms" -lt 3000 ] || fail "a search beside 300 idle connections took $ms ms"
done
touch "$SCRATCH/idle.stop"
wait "$IDLE"

# A daemon with tight limits: per address, idle time, sizes, time.
mkdir -p "$SCRATCH/daemon-tight"
start_daemon tight --db "$DB" --per-ip-limit 10 --connection-timeout 2 --time-limit 1 \
    --max-url 1024 --max-headers 2048 --max-body 4096
TIGHT_PID=$D_PID
get "/search?q=$(head -c 1100 /dev/zero | tr '\0' a)"
assert_error 414 uri_too_long null "--max-url 1024: 1,100 bytes"
get "/search?q=oil" -H "X-Filler: $(head -c 2100 /dev/zero | tr '\0' a)"
assert_error 431 headers_too_large null "--max-headers 2048: 2,100 bytes"
head -c 5000 /dev/zero | tr '\0' x >"$SCRATCH/5k.body"
http POST "$D_URL/search" --data-binary "@$SCRATCH/5k.body"
assert_error 413 body_too_large null "--max-body 4096: 5,000 bytes"
# --time-limit 1: a heavy query stops after a millisecond and says so, with what it found.
search "q=$all_words" facets=category limit=5
assert_json_status 200 "--time-limit 1: wildcards over the vocabulary"
assert_eq "$(field .timed_out)" true "--time-limit 1: flagged timed_out"
[ "$(field '.hits | length')" -gt 0 ] || fail "--time-limit 1: no hits in what was found"
python3 - "${D_URL##*:}" >"$SCRATCH/perip.out" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
def request(source):
    s = socket.socket()
    s.settimeout(5)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    s.close()
    return data.split(b" ")[1].decode() if data.startswith(b"HTTP/") else "none"
held = []
for _ in range(10):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /health HTTP/1.1\r\n")
    held.append(s)
time.sleep(0.3)
print("eleventh", request("127.0.0.1"))
print("other-address", request("127.0.0.2"))
start = time.time()
for s in held:
    s.settimeout(10)
    try:
        s.recv(1)
    except OSError:
        pass
print("idle-closed-after", round(time.time() - start))
print("after", request("127.0.0.1"))
PY
perip=$(cat "$SCRATCH/perip.out")
assert_line "$perip" "eleventh none" "--per-ip-limit 10: an 11th connection from one address is refused"
assert_line "$perip" "other-address 200" "--per-ip-limit 10: another address is answered"
idle_s=$(printf '%s\n' "$perip" | awk '$1 == "idle-closed-after" {print $2}')
[ -n "$idle_s" ] && [ "$idle_s" -le 4 ] ||
    fail "--connection-timeout 2: idle connections closed after ${idle_s:-?} s"
assert_line "$perip" "after 200" "--per-ip-limit 10: served again once the idle ones are gone"

# ---- Security basics ----------------------------------------------------------------------------------
# 127.0.0.1 unless told otherwise: the listening socket in /proc/net/tcp.
listen=$(awk -v p="$(printf '%04X' "$PORT")" '$4 == "0A" && $2 ~ ":" p "$" {print $2}' /proc/net/tcp)
assert_eq "$listen" "0100007F:$(printf '%04X' "$PORT")" "listens on 127.0.0.1 only by default"
D_URL="http://127.0.0.1:$PORT"
# nosniff on every kind of answer the daemon makes.
check_nosniff() { # WHAT
    assert_eq "$(header X-Content-Type-Options)" nosniff "$1: X-Content-Type-Options"
}
get "/search?q=oil"; check_nosniff "200 /search"
get "/search?limit=500"; check_nosniff "400"
get /nowhere; check_nosniff "404"
http DELETE "$D_URL/search"; check_nosniff "405"
http POST "$D_URL/search" --data-binary "@$SCRATCH/big.body"; check_nosniff "413"
get "/search?q=$long_q"; check_nosniff "414"
get /health -H "X-Filler: $(head -c 17000 /dev/zero | tr '\0' a)"; check_nosniff "431"
http OPTIONS "$D_URL/search"; check_nosniff "204 OPTIONS"
get /articles/reuters-1; check_nosniff "200 /articles"
get /health; check_nosniff "200 /health"
get /metrics; check_nosniff "200 /metrics"
for asset in /app.js /app.css /widget.js /favicon.svg /opensearch.xml /openapi.json; do
    get "$asset"; check_nosniff "GET $asset"
    assert_eq "$(header Content-Security-Policy)" "" "GET $asset: the page's CSP only on the page"
done
get /
check_nosniff "GET /"
csp=$(header Content-Security-Policy)
for directive in "default-src 'none'" "script-src 'self'" "frame-ancestors 'none'" "base-uri 'none'"; do
    assert_contains "$csp" "$directive" "GET /: Content-Security-Policy"
done
assert_not_contains "$csp" "unsafe-inline" "CSP: no unsafe-inline"
assert_not_contains "$csp" "unsafe-eval" "CSP: no unsafe-eval"
# No file names and no stack traces in errors.
errors=""
for path in "/search?q=title:(oil%20AND" "/search?q=%22oil" "/search?q=oil&sort=best" /nowhere \
    /articles/none "/articles/none/related" "/search?q=%zz" "/suggest?limit=0"; do
    get "$path"
    errors+="$STATUS $BODY"$'\n'
done
for bad in "$SCRATCH" "$BYLINE_SRC" "/tmp/" ".cc" "terminate called" "Xapian::" "std::" "what()"; do
    assert_not_contains "$errors" "$bad" "errors hold no '$bad'"
done

# ---- The ordinary client, all along ----------------------------------------------------------------
touch "$SCRATCH/stop"
wait "$POLLER"
answered=$(grep -c . "$SCRATCH/other.poll")
bad=$(awk '$3 != 200' "$SCRATCH/other.poll" | head -5)
assert_eq "$bad" "" "the ordinary client's answers (time connection status total ms)"
[ "$answered" -gt 20 ] || fail "the ordinary client was answered only $answered times"
slowest=$(awk 'BEGIN {m = 0} $5 > m {m = $5} END {print m}' "$SCRATCH/other.poll")
echo "ordinary client: $answered answers, slowest $slowest ms"

for pid in "$MAIN_PID" "$TIGHT_PID"; do
    stop_daemon "$pid"
    assert_eq "$STOP_RC" 0 "SIGTERM: exit status"
done
if grep -q "AddressSanitizer\|runtime error\|LeakSanitizer" "$SCRATCH"/daemon-*/stderr; then
    fail "sanitizer report: $(grep -h -A20 'Sanitizer\|runtime error' "$SCRATCH"/daemon-*/stderr | head -40)"
fi
finish
