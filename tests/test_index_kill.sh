# test_index_kill.sh - kill -9 the indexer at random points during a Reuters run: each time the
# index passes xapian-check, opens, and holds exactly what its last commit held; a rerun then
# ends at exactly 21,578. KILL_ROUNDS sets the number of rounds (3; more for a long run).
. "$(dirname "$0")/lib.sh"
find_corpora
REUTERS="$CORPORA/reuters21578.jsonl.gz"
DB="$SCRATCH/kill.db"
BATCH=1000

for round in $(seq "${KILL_ROUNDS:-3}"); do
    # One writer, so that commits happen every $BATCH articles during the run.
    "$BYLINE_INDEX" --quiet --db "$DB" --jobs 1 --batch $BATCH "$REUTERS" 2>"$SCRATCH/log" &
    pid=$!
    # A random moment between 1.5 and 6 seconds in.
    sleep "$((1 + RANDOM % 5)).$((RANDOM % 10))"
    # Stopped first, it commits nothing more: what a reader sees now is its last commit.
    kill -STOP "$pid" 2>/dev/null
    committed=$(doc_count "$DB")
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if ! xapian-check "$DB" >"$SCRATCH/check" 2>&1; then
        fail "round $round: xapian-check failed: $(tail -5 "$SCRATCH/check")"
    fi
    count=$(doc_count "$DB")
    case "$count" in
    '' | *[!0-9]*) fail "round $round: the index does not open: $count" ;;
    *)
        # Commits happen every $BATCH changes, so a commit holds a multiple of $BATCH
        # articles, or the whole corpus.
        if [ $((count % BATCH)) -ne 0 ] && [ "$count" -ne 21578 ]; then
            fail "round $round: $count articles is not what any commit held"
        fi
        assert_eq "$count" "$committed" "round $round: articles after kill -9 (the last commit)"
        echo "round $round: killed with $count articles committed"
        ;;
    esac
done

# A parallel build killed midway leaves the new index empty but consistent, and no shards.
PDB="$SCRATCH/parallel.db"
"$BYLINE_INDEX" --quiet --db "$PDB" --jobs 2 "$REUTERS" 2>"$SCRATCH/log" &
pid=$!
sleep 2
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
xapian-check "$PDB" >"$SCRATCH/check" 2>&1 || fail "parallel: xapian-check failed"
assert_eq "$(doc_count "$PDB")" 0 "parallel build killed midway: articles"
run_index --quiet --db "$PDB" --jobs 2 "$REUTERS"
assert_eq "$RC" 0 "exit status of the parallel rerun"
assert_eq "$(doc_count "$PDB")" 21578 "articles after the parallel rerun"
assert_eq "$(ls -d "$PDB".build-* 2>/dev/null)" "" "leftover shard folders"

run_index --quiet --db "$DB" "$REUTERS"
assert_eq "$RC" 0 "exit status of the rerun"
assert_eq "$(doc_count "$DB")" 21578 "articles after the rerun"
xapian-check "$DB" >"$SCRATCH/check" 2>&1 || fail "xapian-check failed after the rerun"

finish
