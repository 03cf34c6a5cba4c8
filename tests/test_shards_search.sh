# test_shards_search.sh - byline-searchd over shards answers as over one database: Reuters in
# one database, in 3 shards opened locally (the folder's stub file), and in the same 3 shards
# served by three xapian-tcpsrv with the spelling database local. Every request of
# shards_queries.txt (with facets) gets the same answer from the three, and so do did-you-mean,
# /suggest, /articles/{id} and /articles/{id}/related.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/searchd_lib.sh"
. "$(dirname "$0")/shards_lib.sh"
[ -d "$FIX/sharded" ] || { echo "$TEST_NAME: no fixture: run test_shards_index first" >&2; exit 1; }
N=$(grep -c . "$FIX/reuters.jsonl")

REMOTE=()
for i in 0 1 2; do
    start_tcpsrv "$FIX/sharded/shard-$i"
    REMOTE+=(--db "tcp://127.0.0.1:$TCP_PORT")
done
start_daemon one --db "$FIX/one.db"
ONE=$D_URL
start_daemon local --db "$FIX/sharded"
LOCAL=$D_URL
start_daemon remote "${REMOTE[@]}" --db "$FIX/sharded/spelling"
REMOTE_URL=$D_URL
for url in "$ONE" "$LOCAL" "$REMOTE_URL"; do
    http GET "$url/health"
    assert_json_status 200 "$url/health"
    assert_eq "$(field .documents)" "$N" "$url/health: documents"
done

# ---- The query file ----------------------------------------------------------------------------
# Plain lines must be the same (scores to 1e-6); "wildcard:" lines the same totals and facets
# (Xapian 1.4 expands a wildcard shard by shard and estimates the frequency of what it expanded
# to per shard, so the ranking differs a little); "sorted:" lines sort by date.
QUERIES="$(dirname "$0")/shards_queries.txt"
grep -v '^#' "$QUERIES" | grep . | sed 's/^[a-z]*: //; s|^|/search?|' >"$SCRATCH/paths"
grep -v '^#' "$QUERIES" | grep . |
    awk '{ if (match($0, /^[a-z]+: /)) print substr($0, 1, RLENGTH - 2); else print "plain" }' \
        >"$SCRATCH/kinds"
plain=$(grep -cx plain "$SCRATCH/kinds")
[ "$plain" -ge 50 ] || fail "the query file has $plain plain queries, fewer than 50"
fetch_all "$ONE" "$SCRATCH/paths" "$SCRATCH/one"
fetch_all "$LOCAL" "$SCRATCH/paths" "$SCRATCH/local"
fetch_all "$REMOTE_URL" "$SCRATCH/paths" "$SCRATCH/remote"
assert_eq "$(sort -u "$SCRATCH/one.status")" 200 "every query over one database: status"

# Dates sorted over remote shards are compared too: the daemon sorts by value and, over remote
# shards, counts facets in a pass of their own (docs/SCALING.md).
REMOTE_SORTS=1

# compare_all WHERE: every answer from WHERE against one database's, in one jq run; prints the
# queries that differ.
compare_all() {
    local where=$1 i=0 kind files=()
    while IFS= read -r kind; do
        i=$((i + 1))
        files+=("$SCRATCH/one.$i" "$SCRATCH/$where.$i")
    done <"$SCRATCH/kinds"
    jq -n -r --rawfile kinds "$SCRATCH/kinds" --rawfile paths "$SCRATCH/paths" \
        --argjson sorts "$REMOTE_SORTS" --arg where "$where" "$CMPDEFS"'
        ($kinds | split("\n")) as $k | ($paths | split("\n")) as $p
        | [inputs] as $all | range(0; $all | length; 2) as $i | ($i / 2) as $n
        | $all[$i] as $a | $all[$i + 1] as $b
        | select(if $k[$n] == "wildcard" then counted($a; $b) | not
                 elif $k[$n] == "sorted" then
                     ($where == "remote" and $sorts == 0) or same_sorted($a; $b) | not
                 else same($a; $b) | not end)
        | "\($p[$n]): total \($a.total) vs \($b.total), first hits \([$a.hits[:3][]?.id])" +
          " vs \([$b.hits[:3][]?.id]), error \($b.error.message // "none")"' "${files[@]}"
}
for where in local remote; do
    differ=$(compare_all "$where")
    [ -z "$differ" ] ||
        fail "answers over $where shards differ from one database's for: $(printf '%s' "$differ" | head -5)"
done
total=$(grep -c . "$SCRATCH/paths")
echo "$TEST_NAME: $total requests ($plain plain) compared over local and remote shards"

# ---- Did-you-mean, completions, articles, related articles --------------------------------
for url in "$ONE" "$LOCAL" "$REMOTE_URL"; do
    http GET "$url/search?q=bnak+rates&limit=1"
    assert_eq "$(field .corrected_query)" "bank rates" "$url: did-you-mean for 'bnak rates'"
    http GET "$url/suggest?q=oil+pri&limit=8"
    printf '%s' "$BODY" >"$SCRATCH/suggest.$(printf '%s' "$url" | md5sum | cut -c1-8)"
    assert_contains "$BODY" '"oil prices"' "$url: /suggest?q=oil pri"
done
# The shards' writers share out the spelling words (each word added by one shard, with the
# count of all), moved then into one spelling database: the same words and counts, so the same
# completions in the same order, as over one database. Numbers are not spelling words.
http GET "$ONE/suggest?q=19&limit=20"
assert_eq "$(field '[.suggestions[] | select(test("^[0-9.,]+$"))] | length')" 0 \
    "no numbers among the completions of '19'"
assert_eq "$(field '[.suggestions[] | select(test("[a-z]"))] | length > 0')" true \
    "words beginning with digits (1970s) are completed"
for url in "$LOCAL" "$REMOTE_URL"; do
    for q in oil+pri s com ban 19; do
        http GET "$ONE/suggest?q=$q&limit=20"
        want=$BODY
        http GET "$url/suggest?q=$q&limit=20"
        assert_eq "$BODY" "$want" "$url: /suggest?q=$q as over one database"
    done
    for id in reuters-1 reuters-1999; do
        http GET "$ONE/articles/$id"
        want=$BODY
        http GET "$url/articles/$id"
        assert_eq "$BODY" "$want" "$url: /articles/$id as over one database"
    done
done
# Related articles: the same over local and remote shards; over one database the same articles
# but for ties (Xapian weighs the expansion terms shard by shard: see docs/SCALING.md).
for id in reuters-5 reuters-1 reuters-300; do
    http GET "$LOCAL/articles/$id/related?limit=10"
    want=$BODY
    assert_json_status 200 "local: /articles/$id/related"
    [ "$(field '.hits | length')" -gt 0 ] || fail "local: /articles/$id/related: no hits"
    assert_eq "$(field "[.hits[] | select(.id == \"$id\")] | length")" 0 \
        "local: /articles/$id/related leaves the article out"
    http GET "$REMOTE_URL/articles/$id/related?limit=10"
    assert_eq "$BODY" "$want" "remote: /articles/$id/related as over local shards"
    http GET "$ONE/articles/$id/related?limit=30"
    in_one=$(field '[.hits[].id] | sort | join(" ")')
    http GET "$LOCAL/articles/$id/related?limit=30"
    shared=$(comm -12 <(printf '%s\n' $in_one) <(field '.hits[].id' | sort) | grep -c .)
    [ "$shared" -ge 20 ] ||
        fail "/articles/$id/related over shards shares $shared of 30 articles with one database's"
done
# The daemons stop cleanly (under the sanitizers: without leaks or errors).
for pid in "${DAEMON_PIDS[@]}"; do
    stop_daemon "$pid"
    assert_eq "$STOP_RC" 0 "daemon $pid: exit status on SIGTERM"
done
finish
