# test_index_reuters.sh - byline-index on the real Reuters-21578 corpus, checked against the
# corpus' README and against counts computed from the JSONL file itself.
. "$(dirname "$0")/lib.sh"
find_corpora
REUTERS="$CORPORA/reuters21578.jsonl.gz"
DB="$SCRATCH/reuters.db"

run_index --db "$DB" "$REUTERS"
assert_eq "$RC" 0 "exit status indexing Reuters"
assert_eq "$(doc_count "$DB")" 21578 "articles"
xapian-check "$DB" >"$SCRATCH/check" 2>&1 || fail "xapian-check failed: $(tail -5 "$SCRATCH/check")"

# Category counts: an article counts once per category (two list one twice).
stats=$("$BYLINE_INDEX" stats --db "$DB" --json)
for pair in earn:3987 acq:2448 money-fx:801 crude:634 grain:628 trade:551; do
    cat=${pair%%:*}
    want=${pair#*:}
    got=$(printf '%s' "$stats" | jq -r --arg c "$cat" '.categories[] | select(.value == $c) | .count')
    assert_eq "$got" "$want" "articles in category $cat"
done
# Every category's count equals the count computed from the file.
gzip -dc "$REUTERS" | jq -r '(.categories // []) | unique | .[]' | sort | uniq -c |
    awk '{print $2 " " $1}' | sort >"$SCRATCH/want-cats"
printf '%s' "$stats" | jq -r '.categories[] | "\(.value) \(.count)"' | sort >"$SCRATCH/got-cats"
if ! cmp -s "$SCRATCH/want-cats" "$SCRATCH/got-cats"; then
    fail "category counts differ from the file: $(diff "$SCRATCH/want-cats" "$SCRATCH/got-cats" | head)"
fi
assert_eq "$(printf '%s' "$stats" | jq -r .dated)" 21577 "articles with a date"
got=$("$QUERY_TOOL" "$DB" facet category "")
assert_line "$got" "earn 3987" "category facet over all articles"

# The article with a null date is present and has no date.
got=$("$QUERY_TOOL" "$DB" get reuters-17192)
assert_contains "$got" '"id":"reuters-17192"' "reuters-17192 is present"
assert_not_contains "$got" '"date":' "reuters-17192 has no date"
assert_eq "$("$QUERY_TOOL" "$DB" total 'date:1987-03..1987-03')" 11543 "articles in March 1987"

# Searches: a word, a phrase, a stemmed form.
assert_line "$("$QUERY_TOOL" "$DB" search cocoa)" "reuters-1" "'cocoa' finds reuters-1"
phrase=$("$QUERY_TOOL" "$DB" total '"cocoa zone"')
words=$("$QUERY_TOOL" "$DB" total 'cocoa zone')
[ "$phrase" -ge 1 ] || fail "phrase \"cocoa zone\" found nothing"
[ "$phrase" -lt "$words" ] || fail "phrase total $phrase not below word total $words"
assert_line "$("$QUERY_TOOL" "$DB" search '"cocoa zone"')" "reuters-1" "phrase finds reuters-1"
assert_eq "$("$QUERY_TOOL" "$DB" total '"zone cocoa"')" 0 "the reversed phrase"
shipped=$(gzip -dc "$REUTERS" | jq -r 'select(((.title // "") + " " + (.body // "")) | ascii_downcase |
    (test("\\bshipped\\b") and (test("\\bship(ping|s)?\\b") | not))) | .id' | head -3)
[ -n "$shipped" ] || fail "no article says 'shipped' without 'ship'/'shipping'"
hits=$("$QUERY_TOOL" "$DB" search shipping)
for id in $shipped; do
    assert_line "$hits" "$id" "'shipping' finds $id, which says 'shipped'"
done

# Re-indexing the same file: still 21,578. Deleting 25 ids: exactly 25 fewer.
run_index --db "$DB" "$REUTERS"
assert_eq "$RC" 0 "exit status re-indexing Reuters"
assert_contains "$ERR" "0 added, 21578 replaced" "summary re-indexing Reuters"
assert_eq "$(doc_count "$DB")" 21578 "articles after re-indexing"
seq 100 100 2500 | sed 's/^/reuters-/' >"$SCRATCH/ids"
run_index --db "$DB" --delete-from "$SCRATCH/ids"
assert_contains "$ERR" "25 deleted" "summary deleting 25"
assert_eq "$(doc_count "$DB")" 21553 "articles after deleting 25"
xapian-check "$DB" >"$SCRATCH/check" 2>&1 || fail "xapian-check failed after deletes"

finish
