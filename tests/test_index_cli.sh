# test_index_cli.sh - byline-index from the command line: the sample corpus, every kind of bad
# input with its message, count and exit status, --strict, mapping, stdin and gzip, replace,
# delete, usage errors, stats, German stemming.
. "$(dirname "$0")/lib.sh"

SAMPLES="$BYLINE_SRC/samples/news.jsonl"
NSAMPLES=$(grep -c . "$SAMPLES")
DB="$SCRATCH/db"

# The sample corpus indexes cleanly; nothing goes to stdout.
run_index --db "$DB" "$SAMPLES"
assert_eq "$RC" 0 "exit status indexing the samples"
assert_eq "$OUT" "" "stdout while indexing"
assert_contains "$ERR" "$NSAMPLES added, 0 replaced, 0 deleted, 0 skipped" "summary"
assert_eq "$(doc_count "$DB")" "$NSAMPLES" "articles after indexing the samples"

# One writer and two writers in parallel build the same index.
run_index --db "$SCRATCH/one.db" --jobs 1 "$SAMPLES"
assert_eq "$RC" 0 "exit status with --jobs 1"
run_index --db "$SCRATCH/two.db" --jobs 2 "$SAMPLES"
assert_eq "$RC" 0 "exit status with --jobs 2"
assert_eq "$(doc_count "$SCRATCH/two.db")" "$NSAMPLES" "articles with --jobs 2"
for q in "rail strike" "interest rates" "category:sport" '"central bank"'; do
    assert_eq "$("$QUERY_TOOL" "$SCRATCH/two.db" search "$q" | sort)" \
        "$("$QUERY_TOOL" "$SCRATCH/one.db" search "$q" | sort)" "hits for $q, 1 vs 2 writers"
done
assert_eq "$("$BYLINE_INDEX" stats --db "$SCRATCH/two.db" --json | jq -c .categories)" \
    "$("$BYLINE_INDEX" stats --db "$SCRATCH/one.db" --json | jq -c .categories)" \
    "categories, 1 vs 2 writers"

# Re-indexing replaces: the count does not grow.
run_index --db "$DB" "$SAMPLES"
assert_eq "$RC" 0 "exit status re-indexing"
assert_contains "$ERR" "0 added, $NSAMPLES replaced" "summary of re-indexing"
assert_eq "$(doc_count "$DB")" "$NSAMPLES" "articles after re-indexing"

# Deleting by id and from a file drops the count by exactly that many.
run_index --db "$DB" --delete byline-0001 --delete byline-0002 --delete no-such-id
assert_eq "$RC" 0 "exit status deleting"
assert_contains "$ERR" "2 deleted" "summary of deleting"
assert_contains "$ERR" "no article with id 'no-such-id'" "warning for a missing id"
printf 'byline-0003\nbyline-0004\n\nbyline-0005\n' >"$SCRATCH/ids"
run_index --db "$DB" --delete-from "$SCRATCH/ids"
assert_contains "$ERR" "3 deleted" "summary of deleting from a file"
assert_eq "$(doc_count "$DB")" "$((NSAMPLES - 5))" "articles after deleting 5"
assert_eq "$("$QUERY_TOOL" "$DB" get byline-0003)" "" "a deleted article is gone"

# German stemming: inflected forms find each other in German articles.
hits=$("$QUERY_TOOL" "$BYLINE_SRC/../nonexistent" search x 2>&1)
assert_contains "$hits" "cannot open index" "query_tool on a missing index"
hits=$("$QUERY_TOOL" "$DB" search --lang de "Hauses")
assert_line "$hits" "byline-0101" "German 'Hauses' finds 'Haus' (byline-0101)"
assert_line "$hits" "byline-0199" "German 'Hauses' finds 'Häusern' (byline-0199)"
hits=$("$QUERY_TOOL" "$DB" search --lang fr "élection")
assert_contains "$hits" "byline-" "French 'élection' finds French articles"

# Stats: articles, categories, languages; JSON for scripts.
stats=$("$BYLINE_INDEX" stats --db "$DB")
assert_contains "$stats" "articles     $((NSAMPLES - 5))" "stats articles"
assert_contains "$stats" "categories" "stats categories"
json=$("$BYLINE_INDEX" stats --db "$DB" --json)
assert_eq "$(printf '%s' "$json" | jq -r '.languages | map(.value) | sort | join(",")')" "de,en,fr" \
    "stats languages"
assert_eq "$(printf '%s' "$json" | jq -r '.categories | map(.count) | add > 0')" "true" \
    "stats category counts"

# Bad input: each problem reported with file and line; what can be kept is kept.
BAD="$SCRATCH/bad.jsonl"
{
    echo '{"id":"ok-1","title":"First good article","body":"Harbour cranes","date":"2024-01-02"}'
    echo '{"id":"broken-json", "title": '
    echo '{"title":"an article without an id"}'
    echo '{"id":"wrong-type","title":["a","list"]}'
    printf '{"id":"latin1","title":"Caf\xe9 society","body":"Na\xefve \x93quotes\x94"}\n'
    echo '{"id":"bad-date","title":"Dated badly","date":"the day after tomorrow"}'
    echo '{"id":"klingon","title":"Qapla","lang":"tlh"}'
    echo ''
    echo '{"id":"ok-2","title":"Second good article","date":"Tue, 02 Jan 2024 10:00:00 +0100"}'
} >"$BAD"
BADDB="$SCRATCH/bad.db"
run_index --db "$BADDB" "$BAD"
assert_eq "$RC" 3 "exit status with skipped records"
assert_contains "$ERR" "bad.jsonl:2: invalid JSON" "message for invalid JSON"
assert_contains "$ERR" "bad.jsonl:3: record has no id" "message for a missing id"
assert_contains "$ERR" "bad.jsonl:4: field 'title' must be a string, not a list; record skipped" \
    "message for a wrong type"
assert_contains "$ERR" "bad.jsonl:5: warning: invalid UTF-8 at byte" "message for bad UTF-8"
assert_contains "$ERR" "bad.jsonl:6: warning: unparseable date 'the day after tomorrow'" \
    "message for a bad date"
assert_contains "$ERR" "bad.jsonl:7: warning: no stemmer for language 'tlh'" "message for a language"
assert_contains "$ERR" "5 added, 0 replaced, 0 deleted, 3 skipped" "summary with skips"
assert_contains "$ERR" "skipped, invalid JSON: 1" "summary counts invalid JSON"
assert_contains "$ERR" "skipped, no id: 1" "summary counts missing ids"
assert_contains "$ERR" "skipped, wrong field type: 1" "summary counts wrong types"
assert_contains "$ERR" "dates dropped: 1" "summary counts dropped dates"
assert_eq "$(doc_count "$BADDB")" 5 "articles kept from the bad file"
assert_line "$("$QUERY_TOOL" "$BADDB" search "café")" "latin1" "repaired text is searchable"
assert_contains "$("$QUERY_TOOL" "$BADDB" get latin1)" "“quotes”" "Windows-1252 quotes repaired"
got=$("$QUERY_TOOL" "$BADDB" get bad-date)
assert_not_contains "$got" '"date":' "an article with a bad date has no date"
assert_contains "$got" '"date_text":"the day after tomorrow"' "the bad date is kept as text"
assert_contains "$("$QUERY_TOOL" "$BADDB" get ok-2)" '"date":"2024-01-02T09:00:00Z"' \
    "RFC 2822 date stored in UTC"
assert_line "$("$QUERY_TOOL" "$BADDB" search qapla)" "klingon" "unknown language indexed unstemmed"

# --strict stops at the first problem, with status 1, keeping what came before.
for jobs in 1 2; do
    run_index --db "$SCRATCH/strict$jobs.db" --jobs $jobs --strict "$BAD"
    assert_eq "$RC" 1 "exit status under --strict, --jobs $jobs"
    assert_contains "$ERR" "stopping at $BAD:2 (--strict)" "--strict names where it stopped"
    assert_eq "$(doc_count "$SCRATCH/strict$jobs.db")" 1 "articles before the --strict stop"
done

# --overwrite replaces an index only with a complete one: a run that --strict stops, or that
# cannot read all its input, leaves the old index as it was (and no build folder behind).
KEEP=$(doc_count "$DB")
for jobs in 1 2; do
    cp -r "$DB" "$SCRATCH/keep$jobs.db"
    run_index --db "$SCRATCH/keep$jobs.db" --overwrite --jobs $jobs --strict "$BAD"
    assert_eq "$RC" 1 "exit status of a stopped --overwrite, --jobs $jobs"
    assert_contains "$ERR" "is left as it was" "a stopped --overwrite says the old index is kept"
    assert_eq "$(doc_count "$SCRATCH/keep$jobs.db")" "$KEEP" \
        "a stopped --overwrite keeps the old index, --jobs $jobs"
done
gzip -c "$SAMPLES" >"$SCRATCH/whole.jsonl.gz"
head -c 300 "$SCRATCH/whole.jsonl.gz" >"$SCRATCH/cut.jsonl.gz"
run_index --db "$SCRATCH/keep1.db" --overwrite "$SAMPLES" "$SCRATCH/cut.jsonl.gz"
assert_eq "$RC" 1 "exit status of --overwrite with a cut gzip input"
assert_eq "$(doc_count "$SCRATCH/keep1.db")" "$KEEP" "--overwrite with a cut input keeps the old index"
assert_eq "$(ls -d "$SCRATCH"/keep1.db.build-* 2>/dev/null)" "" "no build folder left behind"
run_index --db "$SCRATCH/keep1.db" --overwrite "$SAMPLES"
assert_eq "$RC" 0 "a complete --overwrite"
assert_eq "$(doc_count "$SCRATCH/keep1.db")" "$NSAMPLES" "a complete --overwrite replaces the index"

# A warning stops a --strict run too, and the summary does not count the record it stopped
# at as indexed.
printf '%s\n' '{"id":"w1","title":"Fine","body":"Fine."}' \
    '{"id":"w2","title":"Bad date","body":"Text.","date":"the day after tomorrow"}' \
    '{"id":"w3","title":"Never read","body":"Text."}' >"$SCRATCH/warn.jsonl"
run_index --db "$SCRATCH/strictwarn.db" --strict "$SCRATCH/warn.jsonl"
assert_eq "$RC" 1 "exit status when --strict stops at a warning"
assert_contains "$ERR" "stopping at $SCRATCH/warn.jsonl:2 (--strict)" "--strict stops at the warning"
assert_contains "$ERR" "1 added" "--strict at a warning: one article added"
assert_not_contains "$ERR" "indexed with a warning" "--strict: the stopped record is not counted"
assert_eq "$(doc_count "$SCRATCH/strictwarn.db")" 1 "--strict at a warning keeps what came before"

# gzip input, standard input, field mapping.
gzip -c "$SAMPLES" >"$SCRATCH/news.jsonl.gz"
run_index --db "$SCRATCH/gz.db" "$SCRATCH/news.jsonl.gz"
assert_eq "$(doc_count "$SCRATCH/gz.db")" "$NSAMPLES" "articles from gzip"
OUT=$(gzip -dc "$SCRATCH/news.jsonl.gz" | BYLINE_DB="$SCRATCH/stdin.db" "$BYLINE_INDEX" - 2>&1)
assert_eq "$(doc_count "$SCRATCH/stdin.db")" "$NSAMPLES" "articles from stdin with BYLINE_DB"
echo '{"guid":"m1","headline":"Mapped headline","published_at":"2023-05-06","text":"Body"}' \
    >"$SCRATCH/mapped.jsonl"
run_index --db "$SCRATCH/map.db" --map id=guid,title=headline,date=published_at,body=text \
    "$SCRATCH/mapped.jsonl"
assert_eq "$RC" 0 "exit status with --map"
got=$("$QUERY_TOOL" "$SCRATCH/map.db" get m1)
assert_contains "$got" '"title":"Mapped headline"' "mapped title"
assert_contains "$got" '"date":"2023-05-06T00:00:00Z"' "mapped date"
assert_line "$("$QUERY_TOOL" "$SCRATCH/map.db" search "title:headline")" "m1" "mapped title searchable"

# Usage errors and failures.
run_index "$SAMPLES"
assert_eq "$RC" 2 "exit status without --db"
assert_contains "$ERR" "no index given" "message without --db"
run_index --db "$DB" --lang xx "$SAMPLES"
assert_eq "$RC" 2 "exit status with a bad --lang"
assert_contains "$ERR" "unknown language 'xx' for --lang" "message for a bad --lang"
run_index --db "$DB" --map nonsense "$SAMPLES"
assert_eq "$RC" 2 "exit status with a bad --map"
run_index --db "$DB" --no-such-option
assert_eq "$RC" 2 "exit status with an unknown option"
run_index --db "$DB" "$SCRATCH/missing.jsonl"
assert_eq "$RC" 1 "exit status with a missing file"
assert_contains "$ERR" "cannot read input '$SCRATCH/missing.jsonl'" "message for a missing file"
# Inputs are checked before the index is opened: nothing is written, no empty index made.
run_index --db "$SCRATCH/never.db" "$SAMPLES" "$SCRATCH/missing.jsonl"
assert_eq "$RC" 1 "exit status with one missing file of two"
assert_contains "$ERR" "cannot read input '$SCRATCH/missing.jsonl'" "the missing one is named"
assert_eq "$([ -e "$SCRATCH/never.db" ] && echo made || echo none)" none \
    "no index is made when an input is missing"
run_index --db "$DB"
assert_eq "$RC" 2 "exit status with nothing to do"
run_index --help
assert_eq "$RC" 0 "exit status of --help"
assert_contains "$OUT" "exit status:" "--help documents exit statuses"
run_index --version
assert_contains "$OUT" "byline-index " "--version"
run_index stats --db "$SCRATCH/nothing-here"
assert_eq "$RC" 1 "stats on a missing index"
assert_contains "$ERR" "cannot open index" "stats message for a missing index"
# A file of articles given as the index by mistake: said so, and the file is left as it was.
head -n 3 "$SAMPLES" >"$SCRATCH/articles.jsonl"
BEFORE=$(md5sum <"$SCRATCH/articles.jsonl")
run_index --db "$SCRATCH/articles.jsonl" "$SAMPLES"
assert_eq "$RC" 1 "exit status with a file of articles as --db"
assert_contains "$ERR" "articles.jsonl:1: not a line of a stub file, which lists databases" \
    "message for a file of articles as --db"
run_index stats --db "$SCRATCH/articles.jsonl"
assert_contains "$ERR" "articles.jsonl:1: not a line of a stub file" \
    "stats message for a file of articles as --db"
assert_eq "$(md5sum <"$SCRATCH/articles.jsonl")" "$BEFORE" "the file given as --db is unchanged"
run_index stats --db "$DB" extra
assert_eq "$RC" 2 "stats with an argument it does not take"
assert_contains "$ERR" "stats takes no other arguments, got 'extra'" "message for stats' extra argument"

# The default batch grows with the index: a commit every 1,000 articles until the database
# holds 50,000, then every 2,000 (BX_BATCH, BX_BATCH_LARGE, BX_LARGE_INDEX); an explicit
# --batch keeps its size. Xapian's revision number counts the commits: over 56,000 articles
# the default makes three fewer (at 52,000, 54,000 and 56,000 instead of six from 51,000).
awk 'BEGIN { for (i = 1; i <= 56000; i++)
                 printf "{\"id\":\"n%d\",\"title\":\"note %s\"}\n", i, substr("abcdefgh", i % 8 + 1, 1) }' \
    >"$SCRATCH/many.jsonl"
revision() {
    xapian-delve "$1" | awk -F' = ' '$1 == "revision" { print $2 }'
}
run_index --db "$SCRATCH/grow.db" --jobs 1 --quiet "$SCRATCH/many.jsonl"
assert_eq "$RC" 0 "exit status indexing 56,000 articles"
run_index --db "$SCRATCH/fixed.db" --jobs 1 --quiet --batch 1000 "$SCRATCH/many.jsonl"
assert_eq "$RC" 0 "exit status indexing 56,000 articles with --batch 1000"
assert_eq "$(doc_count "$SCRATCH/grow.db")" 56000 "articles with the default batch"
GROW_REV=$(revision "$SCRATCH/grow.db")
FIXED_REV=$(revision "$SCRATCH/fixed.db")
assert_eq "$((FIXED_REV - GROW_REV))" 3 \
    "commits saved by the larger batch (revisions $FIXED_REV with --batch 1000, $GROW_REV by default)"
[ "$FIXED_REV" -ge 56 ] || fail "--batch 1000 over 56,000 articles made $FIXED_REV commits, expected 56 or more"
rm -rf "$SCRATCH/grow.db" "$SCRATCH/fixed.db" "$SCRATCH/many.jsonl"

finish
