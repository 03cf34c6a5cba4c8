# test_index_full_disk.sh - the disk fills up while byline-index writes: it stops with a message
# that says so, exits non-zero, and leaves the index at its last commit (xapian-check passes and
# the count is exactly what the last commit held). Two ways to run out: a file-size limit
# (ulimit -f, works anywhere), and a small tmpfs in a private mount namespace when the machine
# lets us mount one (root, or a user namespace).
. "$(dirname "$0")/lib.sh"
find_corpora
REUTERS="$CORPORA/reuters21578.jsonl.gz"
SAMPLES="$BYLINE_SRC/samples/news.jsonl"
N=$(grep -c . "$SAMPLES")

# check_stopped WHAT DB BATCH: after a run that failed for want of space (RC, ERR), the index
# passes xapian-check and holds the samples plus the Reuters articles of the whole batches
# committed before the article named in the error.
check_stopped() {
    local what=$1 db=$2 batch=$3 line want
    [ "$RC" -ne 0 ] || fail "$what: exit status 0 on a full disk"
    line=$(printf '%s\n' "$ERR" | sed -n 's/^byline-index: [^ ]*reuters21578.jsonl.gz:\([0-9]*\): .*/\1/p' | head -1)
    case "$line" in
    '' | *[!0-9]*)
        fail "$what: no error naming the article where writing failed: $ERR"
        return
        ;;
    esac
    if ! xapian-check "$db" >"$SCRATCH/check" 2>&1; then
        fail "$what: xapian-check failed: $(tail -3 "$SCRATCH/check")"
    fi
    # Article $line failed (in its own write, or in the commit it set off): every batch before it
    # was committed, nothing after.
    want=$((N + (line - 1) / batch * batch))
    assert_eq "$(doc_count "$db")" "$want" "$what: articles after failing at Reuters line $line"
    echo "$what: failed at line $line, index at $want articles"
}

# ---- A file-size limit: writes past it fail with EFBIG ---------------------------------------------
# One run where the first commit cannot be written, one where several are before the limit.
for run in 10000:1 200:2; do
    batch=${run%%:*}
    DB="$SCRATCH/limit-$batch.db"
    run_index --quiet --db "$DB" "$SAMPLES"
    assert_eq "$RC" 0 "indexing the samples"
    # Room for a few MB more in the largest file of the index.
    largest=$(find "$DB" -type f -printf '%s\n' | sort -n | tail -1)
    limit_kb=$((largest / 1024 + ${run#*:} * 1024))
    # SIGXFSZ ignored, so that writes past the limit fail instead of killing the process.
    OUT=$( (trap '' XFSZ; ulimit -f "$limit_kb"; exec "$BYLINE_INDEX" --db "$DB" --jobs 1 \
        --batch "$batch" "$REUTERS") 2>"$SCRATCH/stderr")
    RC=$?
    ERR=$(cat "$SCRATCH/stderr")
    assert_contains "$ERR" "File too large" "file-size limit, batch $batch: the message says why"
    check_stopped "file-size limit, batch $batch" "$DB" "$batch"
done

# ---- A full tmpfs: ENOSPC ---------------------------------------------------------------------------
MNT="$SCRATCH/tmpfs"
mkdir -p "$MNT"
# Everything happens inside the namespace, which takes the mount with it when it ends.
cat >"$SCRATCH/inner.sh" <<'EOF'
mount -t tmpfs -o size=4m byline-test "$MNT" 2>/dev/null || { echo nomount >"$SCRATCH/tmpfs.rc"; exit 0; }
"$BYLINE_INDEX" --quiet --db "$MNT/db" "$SAMPLES" 2>"$SCRATCH/tmpfs.first" || exit 1
"$BYLINE_INDEX" --db "$MNT/db" --jobs 1 --batch 500 "$REUTERS" 2>"$SCRATCH/tmpfs.stderr"
echo $? >"$SCRATCH/tmpfs.rc"
xapian-check "$MNT/db" >"$SCRATCH/tmpfs.check" 2>&1
echo $? >"$SCRATCH/tmpfs.checkrc"
"$BYLINE_INDEX" stats --db "$MNT/db" --json 2>&1 | jq -r .articles >"$SCRATCH/tmpfs.count"
EOF
if command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
    MNT=$MNT SAMPLES=$SAMPLES REUTERS=$REUTERS SCRATCH=$SCRATCH unshare -m bash "$SCRATCH/inner.sh"
    if [ "$(cat "$SCRATCH/tmpfs.rc" 2>/dev/null)" = nomount ]; then
        echo "tmpfs: cannot mount one here; the file-size limit stands for a full disk"
    else
        RC=$(cat "$SCRATCH/tmpfs.rc")
        ERR=$(cat "$SCRATCH/tmpfs.stderr")
        assert_contains "$ERR" "No space left on device" "full tmpfs: the message says why"
        [ "$RC" -ne 0 ] || fail "full tmpfs: exit status 0"
        line=$(printf '%s\n' "$ERR" | sed -n 's/^byline-index: [^ ]*reuters21578.jsonl.gz:\([0-9]*\): .*/\1/p' | head -1)
        assert_eq "$(cat "$SCRATCH/tmpfs.checkrc")" 0 "full tmpfs: xapian-check ($(tail -2 "$SCRATCH/tmpfs.check"))"
        case "$line" in
        '' | *[!0-9]*) fail "full tmpfs: no error naming the article where writing failed: $ERR" ;;
        *)
            assert_eq "$(cat "$SCRATCH/tmpfs.count")" "$((N + (line - 1) / 500 * 500))" \
                "full tmpfs: articles after failing at Reuters line $line"
            echo "full tmpfs: failed at line $line"
            ;;
        esac
    fi
else
    echo "tmpfs: no mount namespace here; the file-size limit stands for a full disk"
fi
assert_eq "$(grep -c "$MNT" /proc/mounts)" 0 "no tmpfs left mounted"

finish
