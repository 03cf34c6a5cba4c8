# test_shards_index.sh - byline-index --shards: Reuters indexed once into one database and once
# into 3 shards (the fixture test_shards_search and test_shards_faults use), the sharded
# folder's layout, Xapian's own tools and byline-index stats on it, articles placed by the hash
# of their id, and later runs that add, replace and delete articles, compared with the same runs
# on one database.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/searchd_lib.sh"
. "$(dirname "$0")/shards_lib.sh"
find_corpora

# ---- The fixture ------------------------------------------------------------------------------
# Under the sanitizers (BYLINE_SHARDS_SUBSET) only the corpus' first articles, to keep it quick.
rm -rf "$FIX"
mkdir -p "$FIX"
if [ -n "${BYLINE_SHARDS_SUBSET:-}" ]; then
    gzip -dc "$CORPORA/reuters21578.jsonl.gz" | head -n "$BYLINE_SHARDS_SUBSET" >"$FIX/reuters.jsonl"
else
    gzip -dc "$CORPORA/reuters21578.jsonl.gz" >"$FIX/reuters.jsonl"
fi
N=$(grep -c . "$FIX/reuters.jsonl")
# One database written by one writer, so that its document ids follow the input as the shards'
# do; the two runs at once, as the machine has two cores.
"$BYLINE_INDEX" --db "$FIX/one.db" --jobs 1 -q "$FIX/reuters.jsonl" 2>"$SCRATCH/one.err" &
one=$!
"$BYLINE_INDEX" --db "$FIX/sharded" --shards 3 -q "$FIX/reuters.jsonl" 2>"$SCRATCH/sharded.err"
assert_eq "$?" 0 "indexing into 3 shards: exit status ($(cat "$SCRATCH/sharded.err"))"
wait "$one"
assert_eq "$?" 0 "indexing into one database: exit status ($(cat "$SCRATCH/one.err"))"
assert_contains "$(cat "$SCRATCH/sharded.err")" "$N added" "indexing into 3 shards: summary"

# ---- The layout -------------------------------------------------------------------------------
assert_eq "$(cd "$FIX/sharded" && ls | tr '\n' ' ')" "XAPIANDB shard-0 shard-1 shard-2 spelling " \
    "the sharded folder"
assert_eq "$(grep -v '^#' "$FIX/sharded/XAPIANDB")" \
    "$(printf 'auto shard-0\nauto shard-1\nauto shard-2\nauto spelling')" "the stub file's lines"
# Xapian's own tools open the folder as one database.
assert_line "$(xapian-delve "$FIX/sharded")" "number of documents = $N" "xapian-delve on the folder"
sum=0
for i in 0 1 2; do
    n=$(xapian-delve "$FIX/sharded/shard-$i" | sed -n 's/^number of documents = //p')
    [ "${n:-0}" -gt $((N / 5)) ] || fail "shard-$i holds $n of $N articles: not a fair share"
    sum=$((sum + n))
done
assert_eq "$sum" "$N" "the shards' articles add up"
assert_line "$(xapian-delve "$FIX/sharded/spelling")" "number of documents = 0" \
    "the spelling database holds no articles"
STATS=$("$BYLINE_INDEX" stats --db "$FIX/sharded" --json)
assert_eq "$(printf '%s' "$STATS" | jq -r .articles)" "$N" "stats: articles"
assert_eq "$(printf '%s' "$STATS" | jq -r '.shards | length')" 4 "stats: 3 shards and the spelling"
assert_eq "$(printf '%s' "$STATS" | jq -c .categories)" \
    "$("$BYLINE_INDEX" stats --db "$FIX/one.db" --json | jq -c .categories)" \
    "stats: categories as over one database"

# Each article is in the shard the FNV-1a hash of its id names, and only there.
shard_of() { # ID N
    local s=$1 h=2166136261 i c
    for ((i = 0; i < ${#s}; i++)); do
        printf -v c '%d' "'${s:i:1}"
        h=$(((h ^ c) * 16777619 & 0xFFFFFFFF))
    done
    echo $((h % $2))
}
for id in reuters-1 reuters-2 reuters-17 reuters-100 reuters-999 reuters-1999; do
    want=$(shard_of "$id" 3)
    for i in 0 1 2; do
        got=$(xapian-delve -t "Q$id" "$FIX/sharded/shard-$i")
        if [ "$i" = "$want" ]; then
            assert_contains "$got" "termfreq 1" "$id in shard-$i"
        else
            assert_contains "$got" "not in database" "$id not in shard-$i"
        fi
    done
done

# ---- Later runs: the same changes on one database and on shards give the same answers -------
head -n 300 "$FIX/reuters.jsonl" >"$SCRATCH/first.jsonl"
sed -n 301,400p "$FIX/reuters.jsonl" >"$SCRATCH/more.jsonl"
# 40 of the first articles again, retitled: replaced where they are.
sed -n 41,80p "$FIX/reuters.jsonl" | jq -c '.title = "Revised: " + (.title // "")' >>"$SCRATCH/more.jsonl"
sed -n 81,95p "$FIX/reuters.jsonl" | jq -r .id >"$SCRATCH/gone.txt"
for db in "$SCRATCH/one.db" "$SCRATCH/sharded"; do
    how=(--jobs 1) # one writer: document ids in input order, as over shards
    [ "$db" = "$SCRATCH/sharded" ] && how=(--shards 3)
    "$BYLINE_INDEX" --db "$db" "${how[@]}" -q "$SCRATCH/first.jsonl" 2>/dev/null
    run_index --db "$db" -q "$SCRATCH/more.jsonl" # no --shards: the folder says
    assert_eq "$RC" 0 "$db: adding: exit status ($ERR)"
    assert_contains "$ERR" "100 added, 40 replaced" "$db: adding: summary"
    run_index --db "$db" --delete-from "$SCRATCH/gone.txt" --delete reuters-305 --delete no-such-id
    assert_eq "$RC" 0 "$db: deleting: exit status ($ERR)"
    assert_contains "$ERR" "16 deleted" "$db: deleting: summary"
    assert_contains "$ERR" "no article with id 'no-such-id' to delete" "$db: deleting a missing id"
    assert_eq "$(doc_count "$db")" 384 "$db: articles after the changes"
done
for q in "oil" "revised" "category:earn" "bnak rates" "said" ""; do
    for db in one.db sharded; do
        "$BYLINE_SEARCH" --db "$SCRATCH/$db" --json --facets category,source --limit 50 $q |
            jq 'del(.took_ms)' >"$SCRATCH/$db.json"
    done
    cmp -s "$SCRATCH/one.db.json" "$SCRATCH/sharded.json" ||
        fail "after the changes, '$q' over shards differs from one database (< one, > shards):" \
            "$(diff "$SCRATCH/one.db.json" "$SCRATCH/sharded.json" | grep '^[<>]' | head -8)"
done
assert_eq "$(xapian-delve -t Qreuters-85 "$SCRATCH/sharded" 2>&1 | grep -c 'termfreq')" 0 \
    "a deleted article is gone from its shard"

# ---- Mistakes are refused; --overwrite changes the number of shards ---------------------------
run_index --db "$SCRATCH/sharded" --shards 4 -q "$SCRATCH/more.jsonl"
assert_eq "$RC" 2 "--shards 4 on 3 shards: usage error"
assert_contains "$ERR" "has 3 shards, not 4" "--shards 4 on 3 shards: message"
run_index --db "$SCRATCH/one.db" --shards 3 -q "$SCRATCH/more.jsonl"
assert_eq "$RC" 2 "--shards on one database: usage error"
assert_contains "$ERR" "is not a sharded index" "--shards on one database: message"
run_index --db "$SCRATCH/sharded" --shards 2 --overwrite -q "$SCRATCH/first.jsonl"
assert_eq "$RC" 0 "--overwrite --shards 2: exit status ($ERR)"
assert_eq "$(grep -c '^auto shard-' "$SCRATCH/sharded/XAPIANDB")" 2 "--overwrite --shards 2: 2 shards"
assert_eq "$(doc_count "$SCRATCH/sharded")" 300 "--overwrite --shards 2: articles"
[ ! -e "$SCRATCH/sharded/shard-2" ] || fail "--overwrite --shards 2 left shard-2 behind"
finish
