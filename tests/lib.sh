# lib.sh - helpers for Byline's shell tests: assertions that fail with the line and the
# values that differed, a scratch folder, and where to find the shared corpora.
set -u

TEST_NAME=$(basename "$0" .sh)
FAILURES=0
SCRATCH=$(mktemp -d "/tmp/byline-$TEST_NAME-XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT

fail() {
    local line=${BASH_LINENO[0]}
    case "${FUNCNAME[1]:-}" in assert_*) line=${BASH_LINENO[1]} ;; esac
    echo "$TEST_NAME: line $line: $*" >&2
    FAILURES=$((FAILURES + 1))
}

assert_eq() { # got want what
    if [ "$1" != "$2" ]; then fail "$3: got '$1', expected '$2'"; fi
}

assert_contains() { # haystack needle what
    case "$1" in
    *"$2"*) ;;
    *) fail "$3: '$2' not found in: $(printf '%s' "$1" | head -c 2000)" ;;
    esac
}

assert_not_contains() { # haystack needle what
    case "$1" in
    *"$2"*) fail "$3: '$2' should not be in: $(printf '%s' "$1" | head -c 2000)" ;;
    *) ;;
    esac
}

assert_line() { # text line what: the text holds this exact line
    if ! printf '%s\n' "$1" | grep -qxF -- "$2"; then
        fail "$3: no line '$2' in: $(printf '%s' "$1" | head -c 2000)"
    fi
}

finish() {
    if [ "$FAILURES" -ne 0 ]; then
        echo "$TEST_NAME: $FAILURES check(s) failed" >&2
        exit 1
    fi
    echo "$TEST_NAME: all checks passed"
}

# The shared corpora: $BYLINE_CORPORA, or ../shared/corpora beside the checkout, or the
# workplace's copy. A test that needs them fails (never skips) when they are missing.
find_corpora() {
    local d
    for d in "${BYLINE_CORPORA:-}" "$BYLINE_SRC/../shared/corpora" "/work/shared/corpora"; do
        if [ -n "$d" ] && [ -f "$d/reuters21578.jsonl.gz" ]; then
            CORPORA=$(cd "$d" && pwd)
            return 0
        fi
    done
    echo "$TEST_NAME: the shared corpora are missing: set BYLINE_CORPORA to the folder" \
        "holding reuters21578.jsonl.gz" >&2
    exit 1
}

# Runs byline-index, keeping its stdout, stderr and exit status in OUT, ERR and RC.
run_index() {
    OUT=$("$BYLINE_INDEX" "$@" 2>"$SCRATCH/stderr")
    RC=$?
    ERR=$(cat "$SCRATCH/stderr")
}

# The number of articles in an index, from byline-index stats --json.
doc_count() {
    "$BYLINE_INDEX" stats --db "$1" --json | jq -r .articles
}
