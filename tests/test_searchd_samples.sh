# test_searchd_samples.sh - byline-searchd over HTTP, on the sample corpus and on small corpora
# of this test's own: every endpoint and parameter, facets and totals checked against counts
# computed from the JSONL with jq, paging, collapsing, snippets, did-you-mean, freshness, live
# reopening, errors, CORS, limits, metrics, the access log, keep-alive, shutdown, and the
# byline-search CLI giving the same answers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/searchd_lib.sh"

SAMPLES="$BYLINE_SRC/samples/news.jsonl"
N=$(grep -c . "$SAMPLES")
DB="$SCRATCH/samples.db"
"$BYLINE_INDEX" --db "$DB" -q "$SAMPLES" 2>"$SCRATCH/index.err" ||
    { echo "$TEST_NAME: indexing the samples failed: $(cat "$SCRATCH/index.err")" >&2; exit 1; }

start_daemon main --db "$DB"
MAIN_URL=$D_URL
MAIN_PID=$D_PID

# Word sets computed from the text with regular expressions that spell out the forms English
# stemming joins (each was chosen so that no other word of the corpus shares the stem).
# They are jq string source: \\b is a word boundary.
RAIL='\\brails?\\b'
STRIKE='\\bstrik(e|es|ing)\\b'
ECONOM='\\beconom'
FUEL_PRICES='\\bfuel(s|led|ling)?\\b|\\bpric(e|es|ed|ing)\\b'

# ---- /health and /openapi.json -----------------------------------------------------------
get /health
assert_json_status 200 "/health"
assert_eq "$(field .status)" ok "/health status"
assert_eq "$(field .documents)" "$N" "/health documents"
assert_contains "$(header Content-Type)" "application/json" "/health Content-Type"

get /openapi.json
assert_json_status 200 "/openapi.json"
assert_contains "$(header Content-Type)" "application/json" "/openapi.json Content-Type"
assert_eq "$(field '.openapi | test("^3\\.")')" true "/openapi.json names an OpenAPI 3 version"
assert_eq "$BODY" "$(cat "$BYLINE_SRC/docs/openapi.json")" "/openapi.json serves docs/openapi.json"
for path in /search '/articles/{id}' '/articles/{id}/related' /suggest /health /metrics; do
    assert_eq "$(printf '%s' "$BODY" | jq -r --arg p "$path" '.paths | has($p)' 2>&1)" true \
        "/openapi.json describes $path"
done

# ---- Empty q: everything, newest first; paging ---------------------------------------------
NEWEST=$(jqx -s 'sort_by(.date | epoch) | reverse | .[].id' "$SAMPLES")
search q=
assert_json_status 200 "empty q"
assert_eq "$(field .total)" "$N" "empty q: total"
assert_eq "$(field .total_relation)" eq "empty q: total_relation"
assert_eq "$(field '.hits | length')" 10 "empty q: default limit"
assert_eq "$(all_ids q=)" "$NEWEST" "empty q: every article, newest first"
got=$(field '.hits[0] | [.id, .title, .url, .date, .source, (.categories | join(",")), .lang] | @tsv')
want=$(jqx -s 'sort_by(.date | epoch) | last | [.id, .title, .url, (.date | utc), .source,
    (.categories | join(",")), .lang] | @tsv' "$SAMPLES")
assert_eq "$got" "$want" "empty q: first hit's fields"
assert_eq "$(field '.hits[0] | (.score | type) + " " + (.snippet | type) + " " + (.author | type)')" \
    "number string array" "hit: score, snippet and author types"

# Pages of 7 concatenate to the same order as pages of 100, and never overlap.
pages=""
for offset in $(seq 0 7 $((N - 1))); do
    search q= limit=7 offset=$offset
    pages+=$(field '.hits[].id')$'\n'
done
assert_eq "$(printf '%s' "$pages" | sed '/^$/d')" "$NEWEST" "empty q: pages of 7"
assert_eq "$(printf '%s' "$pages" | sed '/^$/d' | sort | uniq -d)" "" "pages of 7 do not overlap"
search q= page=3 hits_per_page=5
p3=$(field '[.hits[].id] | join(",")')
search q= offset=10 limit=5
assert_eq "$p3" "$(field '[.hits[].id] | join(",")')" "page=3&hits_per_page=5 is offset=10&limit=5"
# Relevance order pages too.
big=$(all_ids "q=rail OR strike OR council")
pages=""
for offset in $(seq 0 5 $(($(printf '%s\n' "$big" | grep -c .) - 1))); do
    search "q=rail OR strike OR council" limit=5 offset=$offset
    pages+=$(field '.hits[].id')$'\n'
done
assert_eq "$(printf '%s' "$pages" | sed '/^$/d')" "$big" "relevance order: pages of 5 = one page"
# Word order (proximity) must not make the order depend on the page size. (These queries were
# picked because the proximity re-ranking of the top hits reorders them.)
for q in "Kestrel rise" "Inflation years" "Interest Varga"; do
    big=$(all_ids "q=$q")
    search "q=$q" limit=10
    assert_eq "$(field '.hits[].id')" "$(printf '%s\n' "$big" | head -10)" \
        "q=$q: limit=10 gives the first 10 of limit=100"
    pages=""
    for offset in $(seq 0 7 $(($(printf '%s\n' "$big" | grep -c .) - 1))); do
        search "q=$q" limit=7 offset=$offset
        pages+=$(field '.hits[].id')$'\n'
    done
    assert_eq "$(printf '%s' "$pages" | sed '/^$/d')" "$big" "q=$q: pages of 7 = pages of 100"
done
search "q=rail OR strike OR council" limit=100
scores=$(field '.hits[].score')
assert_eq "$(printf '%s\n' "$scores" | sort -g -r)" "$scores" "relevance order: scores descending"

# limit=0: counts and facets only. Offsets up to 10000; limit up to 100.
search q= limit=0 facets=lang
assert_json_status 200 "limit=0"
assert_eq "$(field '.hits | length')" 0 "limit=0: no hits"
assert_eq "$(field .total)" "$N" "limit=0: total"
assert_eq "$(got_counts lang)" "$(want_counts "$SAMPLES" true lang)" "limit=0: lang facet"
search q= offset=10000
assert_json_status 200 "offset=10000"
assert_eq "$(field '.hits | length') $(field .total)" "0 $N" "offset=10000: no hits, total"
search q= offset=10001
assert_error 400 invalid_parameter offset "offset=10001"
search q= limit=101
assert_error 400 invalid_parameter limit "limit=101"
search q= limit=100
assert_eq "$(field '.hits | length')" 100 "limit=100"

# ---- Query syntax --------------------------------------------------------------------------
# check_query Q SELECT: the hits of q=Q are exactly the articles for which SELECT holds.
check_query() {
    local want
    want=$(want_ids "$SAMPLES" "$2")
    [ -n "$want" ] || fail "q=$1: the expectation selects no article (a broken test)"
    assert_same_set "$(all_ids "q=$1")" "$want" "q=$1"
    search "q=$1" limit=0
    assert_eq "$(field .total)" "$(printf '%s\n' "$want" | grep -c .)" "q=$1: total"
}
check_query rail "words(\"$RAIL\")"
check_query strike "words(\"$STRIKE\")"
check_query "rail AND strike" "words(\"$RAIL\") and words(\"$STRIKE\")"
check_query "rail OR strike" "words(\"$RAIL\") or words(\"$STRIKE\")"
check_query "rail strike" "words(\"$RAIL\") or words(\"$STRIKE\")"
check_query "strike NOT rail" "words(\"$STRIKE\") and (words(\"$RAIL\") | not)"
check_query "+strike -rail" "words(\"$STRIKE\") and (words(\"$RAIL\") | not)"
check_query "-strike" "words(\"$STRIKE\") | not"
check_query '"rail strike"' 'words("\\brails?\\W+strik(e|es|ing)\\b")'
check_query "title:strike" "[.title] | map(test(\"$STRIKE\"; \"i\")) | any"
check_query "author:volkov" '.author | list | map(test("\\bvolkov\\b"; "i")) | any'
check_query 'source:"Harbour Gazette"' '.source == "Harbour Gazette"'
check_query "category:sport" '.categories | index("sport") != null'
check_query "strike category:business" "words(\"$STRIKE\") and (.categories | index(\"business\") != null)"
check_query "econom*" "words(\"$ECONOM\")"
check_query "tag:flu" '.tags | index("flu") != null'
check_query "lang:de" '.lang == "de"'
check_query "id:byline-0042" '.id == "byline-0042"'
check_query "category:sport category:health" '.categories | index("sport") != null or index("health") != null'
check_query "category:sport source:\"Wire Service Daily\"" \
    '(.categories | index("sport") != null) and .source == "Wire Service Daily"'
check_query "date:2024-01-01..2024-03-31" \
    'in_range("2024-01-01T00:00:00Z" | fromdate; "2024-03-31T23:59:59Z" | fromdate)'
check_query "date:2025-06..2025-08" \
    'in_range("2025-06-01T00:00:00Z" | fromdate; "2025-08-31T23:59:59Z" | fromdate)'
check_query "strike date:2025..2025" \
    "words(\"$STRIKE\") and in_range(\"2025-01-01T00:00:00Z\" | fromdate; \"2025-12-31T23:59:59Z\" | fromdate)"
assert_same_set "$(all_ids "q=rail strike" match=all)" \
    "$(want_ids "$SAMPLES" "words(\"$RAIL\") and words(\"$STRIKE\")")" "q=rail strike&match=all"
# Words found are marked in snippets.
search q=rail limit=100
assert_eq "$(field '[.hits[] | select(.snippet | test("<mark>rails?</mark>"; "i") | not) | .id] | join(",")')" \
    "" "q=rail: every snippet marks the word"

# ---- Filters ---------------------------------------------------------------------------------
# check_filter SELECT PARAMS...: the hits of an empty q with PARAMS are the selected articles,
# newest first.
check_filter() {
    local sel=$1
    shift
    local want
    want=$(jqx -s "[.[] | select($sel)] | sort_by(.date | epoch) | reverse | .[].id" "$SAMPLES")
    [ -n "$want" ] || fail "$*: the expectation selects no article (a broken test)"
    assert_eq "$(all_ids q= "$@")" "$want" "filter $*"
}
check_filter '.categories | index("science") != null' category=science
check_filter '.categories | index("science") != null or index("sport") != null' \
    category=science category=sport
check_filter '.categories | index("Science") != null or index("science") != null' category=Science
check_filter '.source == "Valley Tribune"' "source=Valley Tribune"
check_filter '.source == "Valley Tribune" or .source == "Coastline Observer"' \
    "source=Valley Tribune" "source=Coastline Observer"
check_filter '.author | list | index("Dmitri Volkov") != null' "author=Dmitri Volkov"
check_filter '.author | list | index("Wire Service Daily staff") != null' \
    "author=Wire Service Daily staff"
check_filter '.lang == "de"' lang=de
check_filter '.lang == "fr"' lang=french
check_filter '.lang == "de" or .lang == "fr"' lang=de lang=fr
check_filter '.tags | index("flu") != null' tag=flu
check_filter '.tags | index("coastal league") != null' "tag=coastal league"
check_filter '(.categories | index("business") != null) and .lang == "de"' category=business lang=de
check_filter 'in_range("2024-01-01T00:00:00Z" | fromdate; "2024-03-31T23:59:59Z" | fromdate)' \
    from=2024-01-01 to=2024-03-31
check_filter 'in_range("2025-06-01T00:00:00Z" | fromdate; "2025-08-31T23:59:59Z" | fromdate)' \
    from=2025-06 to=2025-08
check_filter 'in_range("2025-01-01T00:00:00Z" | fromdate; "2025-12-31T23:59:59Z" | fromdate)' \
    from=2025 to=2025
check_filter '(.date | epoch) >= ("2026-03-01T00:00:00Z" | fromdate)' from=2026-03
check_filter '(.date | epoch) <= ("2024-02-29T23:59:59Z" | fromdate)' to=2024-02
check_filter '(.date | epoch) >= ("2024-10-03T07:45:00Z" | fromdate)' from=2024-10-03T07:45:00Z
check_filter '(.date | epoch) >= ("2024-10-03T07:45:00Z" | fromdate)' from=2024-10-03T08:45:00+01:00
# q is stemmed in the language of a single lang filter, or in qlang.
for id in byline-0101 byline-0199; do
    assert_eq "$(jq -r --arg id "$id" 'select(.id == $id) | .lang' "$SAMPLES")" de "$id is German"
done
search q=Hauses lang=de limit=100
for id in byline-0101 byline-0199; do
    assert_line "$(field '.hits[].id')" "$id" "q=Hauses&lang=de (German stemming) finds $id"
done
search q=Hauses qlang=de limit=100
assert_line "$(field '.hits[].id')" byline-0199 "q=Hauses&qlang=de finds byline-0199"
# qlang naming a language without a stemmer (a tag, as lang takes) leaves q unstemmed:
# "strikes" then matches no English article, whose words are indexed as stems ("strike").
search q=strikes qlang=en limit=0
assert_eq "$STATUS" 200 "status of q=strikes&qlang=en"
[ "$(field .total)" -gt 0 ] || fail "q=strikes&qlang=en (English stemming) finds nothing"
search q=strikes qlang=pl limit=0
assert_eq "$STATUS" 200 "status of q=strikes&qlang=pl"
assert_eq "$(field .total)" 0 "articles for q=strikes&qlang=pl (not stemmed)"
# A word with filters.
assert_same_set "$(all_ids q=strike category=business from=2025)" \
    "$(want_ids "$SAMPLES" "words(\"$STRIKE\") and (.categories | index(\"business\") != null) and
        (.date | epoch) >= (\"2025-01-01T00:00:00Z\" | fromdate)")" "q=strike&category=business&from=2025"

# ---- Sort ----------------------------------------------------------------------------------
search q= sort=oldest limit=100
assert_eq "$(field '.hits[].id')" "$(printf '%s\n' "$NEWEST" | tac | head -100)" "sort=oldest, empty q"
search "q=rail OR strike" sort=newest limit=100
assert_sorted "$(field '.hits[].date')" desc "q=rail OR strike&sort=newest: dates"
assert_same_set "$(field '.hits[].id')" "$(all_ids "q=rail OR strike")" "sort=newest: same hits"
search "q=rail OR strike" sort=oldest limit=100
assert_sorted "$(field '.hits[].date')" asc "q=rail OR strike&sort=oldest: dates"
search q=strike sort=relevance limit=100
assert_eq "$(field '.hits[].score' | sort -g -r)" "$(field '.hits[].score')" "sort=relevance: scores"

# ---- Facets ----------------------------------------------------------------------------------
# Facet counts equal jq's over the same articles (an article counts once per value), most
# frequent first, ties by value; date buckets equal jq's UTC day/week/month/year groups.
search q= facets=category,source,lang,author,date limit=0
for f in category:categories source:source lang:lang author:author; do
    assert_eq "$(got_counts "${f%%:*}")" "$(want_counts "$SAMPLES" true "${f#*:}")" \
        "empty q: ${f%%:*} facet"
done
assert_eq "$(field '.facets.date.interval')" month "empty q: date_interval=auto over 3 years"
assert_eq "$(got_buckets)" "$(want_buckets "$SAMPLES" true month)" "empty q: auto date buckets"
for interval in hour day week month year; do
    search q= facets=date date_interval=$interval limit=0
    assert_eq "$(field '.facets.date.interval')" "$interval" "date_interval=$interval: interval"
    if [ "$interval" = hour ]; then
        want=$(jqx -s '[.[] | .date | epoch | todate | .[0:13]] | group_by(.) |
            map("\(.[0])\t\(length)") | .[]' "$SAMPLES")
    else
        want=$(want_buckets "$SAMPLES" true "$interval")
    fi
    assert_eq "$(got_buckets)" "$want" "date_interval=$interval: non-empty buckets"
    assert_eq "$(field '[.facets.date.buckets[].count] | add')" "$N" \
        "date_interval=$interval: buckets sum to the total"
    if [ "$interval" != hour ]; then
        assert_eq "$(field '[.facets.date.buckets | range(1; length) as $i | select((.[$i - 1].to |
            fromdate) + 1 != (.[$i].from | fromdate))] | length')" 0 \
            "date_interval=$interval: buckets are contiguous"
        assert_eq "$(field '[.facets.date.buckets[] | select(.from[0:(.key | length)] != .key)] | length')" \
            0 "date_interval=$interval: keys start their buckets"
    fi
done
search q= facets=date date_interval=week limit=0
assert_eq "$(field '[.facets.date.buckets[] | .from | fromdate | strftime("%u")] | unique | join(",")')" \
    1 "date_interval=week: weeks start on Monday"
search q=zzzzqx facets=date
assert_eq "$(field '.facets.date | "\(.interval) \(.buckets | length)"')" "day 0" \
    "date facet with no match: interval day, no buckets"
search q= from=2024-10-03 to=2024-10-03 facets=date
assert_eq "$(field '.total')" "$(want_ids "$SAMPLES" '.date | utc | startswith("2024-10-03")' | grep -c .)" \
    "from=to=2024-10-03: total"
search q=date:2024-10-03..2024-10-03 facets=date
assert_eq "$(field '.facets.date.interval')" hour "date_interval=auto within one day: hour"
assert_eq "$(got_buckets)" "$(jqx -s '[.[] | select(.date | utc | startswith("2024-10-03")) | .date |
    utc | .[0:13]] | group_by(.) | map("\(.[0])\t\(length)") | .[]' "$SAMPLES")" "one day: hour buckets"

# A word query: facets over its matches; the date histogram sums to the total.
SEL="words(\"$RAIL\") or words(\"$STRIKE\")"
search "q=rail OR strike" facets=category,source,lang,date date_interval=month limit=3
total=$(field .total)
assert_eq "$total" "$(want_ids "$SAMPLES" "$SEL" | grep -c .)" "q=rail OR strike: total"
for f in category:categories source:source lang:lang; do
    assert_eq "$(got_counts "${f%%:*}")" "$(want_counts "$SAMPLES" "$SEL" "${f#*:}")" \
        "q=rail OR strike: ${f%%:*} facet"
done
assert_eq "$(got_buckets)" "$(want_buckets "$SAMPLES" "$SEL" month)" "q=rail OR strike: date facet"
assert_eq "$(field '[.facets.date.buckets[].count] | add')" "$total" \
    "q=rail OR strike: date buckets sum to the total"
assert_eq "$(field '.hits | length')" 3 "facets do not change the hits asked for"

# Disjunctive facets: a filtered field's facet counts as if that filter were not there, so the
# other values stay visible; every other facet is filtered.
BUS='(.categories | index("business") != null)'
search q= category=business facets=category,source,lang limit=0
assert_eq "$(field .total)" "$(want_ids "$SAMPLES" "$BUS" | grep -c .)" "category=business: total"
assert_eq "$(got_counts category)" "$(want_counts "$SAMPLES" true categories)" \
    "category=business: category facet lists every category, unfiltered"
assert_eq "$(got_counts source)" "$(want_counts "$SAMPLES" "$BUS" source)" \
    "category=business: source facet filtered"
assert_eq "$(got_counts lang)" "$(want_counts "$SAMPLES" "$BUS" lang)" \
    "category=business: lang facet filtered"
search q=strike category=business category=politics "source=Wire Service Daily" \
    facets=category,source,lang limit=0
BP='(.categories | index("business") != null or index("politics") != null)'
WSD='.source == "Wire Service Daily"'
assert_eq "$(field .total)" \
    "$(want_ids "$SAMPLES" "words(\"$STRIKE\") and $BP and $WSD" | grep -c .)" \
    "q=strike, 2 categories, 1 source: total"
assert_eq "$(got_counts category)" "$(want_counts "$SAMPLES" "words(\"$STRIKE\") and $WSD" categories)" \
    "q=strike, 2 categories, 1 source: category facet without the category filter"
assert_eq "$(got_counts source)" "$(want_counts "$SAMPLES" "words(\"$STRIKE\") and $BP" source)" \
    "q=strike, 2 categories, 1 source: source facet without the source filter"
assert_eq "$(got_counts lang)" "$(want_counts "$SAMPLES" "words(\"$STRIKE\") and $BP and $WSD" lang)" \
    "q=strike, 2 categories, 1 source: lang facet with both filters"
search q= lang=de facets=lang,category,date date_interval=year limit=0
assert_eq "$(got_counts lang)" "$(want_counts "$SAMPLES" true lang)" "lang=de: lang facet unfiltered"
assert_eq "$(got_counts category)" "$(want_counts "$SAMPLES" '.lang == "de"' categories)" \
    "lang=de: category facet filtered"
assert_eq "$(got_buckets)" "$(want_buckets "$SAMPLES" '.lang == "de"' year)" "lang=de: date facet"
assert_eq "$(field '[.facets.date.buckets[].count] | add')" "$(field .total)" \
    "lang=de: date buckets sum to the total"
# The date facet with a date filter counts as if the date filter were not there.
search q= from=2025-01-01 to=2025-06-30 category=science facets=date,category date_interval=year limit=0
SCI='(.categories | index("science") != null)'
H1='in_range("2025-01-01T00:00:00Z" | fromdate; "2025-06-30T23:59:59Z" | fromdate)'
assert_eq "$(field .total)" "$(want_ids "$SAMPLES" "$SCI and $H1" | grep -c .)" "from/to+category: total"
assert_eq "$(got_buckets)" "$(want_buckets "$SAMPLES" "$SCI" year)" \
    "from/to+category: date facet without the date filter"
assert_eq "$(got_counts category)" "$(want_counts "$SAMPLES" "$H1" categories)" \
    "from/to+category: category facet with the date filter only"

# ---- Collapse --------------------------------------------------------------------------------
# Repeated wire items (the same title on the same day) collapse into one hit that counts the
# others; jq finds the groups.
SEL="words(\"$FUEL_PRICES\")"
groups=$(jqx -s "[.[] | select($SEL)] | group_by([(.date | utc | .[0:10]), .title]) |
    map(select(length > 1) | map(.id) | join(\",\")) | .[]" "$SAMPLES")
assert_contains "$groups" "byline-0060,byline-0061,byline-0062" "the fuel price wire items are a group"
nstories=$(jqx -s "[.[] | select($SEL)] | group_by([(.date | utc | .[0:10]), .title]) | length" "$SAMPLES")
search "q=fuel prices" collapse=story limit=100
assert_json_status 200 "collapse=story"
assert_eq "$(field '.hits | length')" "$nstories" "collapse=story: one hit per story"
assert_eq "$(field .total)" "$nstories" "collapse=story: total counts stories"
got=$(field '.hits[] | select(.id | test("byline-006[012]")) | "\(.id) \(.collapsed)"')
assert_eq "$(printf '%s\n' "$got" | grep -c .)" 1 "collapse=story: one of byline-0060/61/62"
assert_eq "${got#* }" 2 "collapse=story: it counts the 2 others as collapsed"
want=$(jqx -s "[.[] | select($SEL)] | group_by([(.date | utc | .[0:10]), .title]) |
    map(\"\(length - 1)\") | sort | join(\",\")" "$SAMPLES")
assert_eq "$(field '[.hits[] | "\(.collapsed)"] | sort | join(",")')" "$want" \
    "collapse=story: collapsed counts of every hit"
search "q=fuel prices" limit=100
assert_eq "$(field '[.hits[] | select(.id | test("byline-006[012]"))] | length')" 3 \
    "without collapse: all three wire items"
assert_eq "$(field '[.hits[].collapsed] | add')" 0 "without collapse: collapsed is 0"
search q= collapse=story limit=0
assert_eq "$(field .total)" "$(jqx -s 'group_by([(.date | utc | .[0:10]), .title]) | length' "$SAMPLES")" \
    "collapse=story, empty q: total"
# Facets count articles, not stories (docs/API.md): collapsing does not change them.
search "q=fuel prices" collapse=story facets=category,date date_interval=month limit=0
assert_eq "$(got_counts category)" "$(want_counts "$SAMPLES" "$SEL" categories)" \
    "collapse=story: category facet counts articles"
assert_eq "$(got_buckets)" "$(want_buckets "$SAMPLES" "$SEL" month)" \
    "collapse=story: date facet counts articles"

# ---- GET and POST --------------------------------------------------------------------------
strip='del(.took_ms)'
search "q=rail OR strike" category=business category=politics facets=category,source,date \
    date_interval=year sort=newest offset=1 limit=4 from=2024-06 collapse=story
get_body=$(field "$strip")
assert_eq "$(field '.hits | length')" 4 "GET with every kind of parameter: hits"
post_search '{"q": "rail OR strike", "category": ["business", "politics"],
    "facets": "category,source,date", "date_interval": "year", "sort": "newest", "offset": 1,
    "limit": 4, "from": "2024-06", "collapse": "story"}'
assert_json_status 200 "POST /search"
assert_eq "$(field "$strip")" "$get_body" "POST JSON body = GET parameters"
post_search '{"q": "", "lang": "de", "limit": 100}'
assert_eq "$(field '[.hits[].id] | join(",")')" \
    "$(all_ids q= lang=de | paste -sd,)" "POST lang=de = GET lang=de"
post_search '{"q": "rail", "limit": 5, "_client": "test"}'
assert_json_status 200 "POST with a _-prefixed field"
search q=rail _t=1700000000
assert_json_status 200 "GET with a _-prefixed parameter"
search q= hits_per_page=3 limit=4
assert_eq "$(field '.hits | length')" 4 "limit wins over hits_per_page"

# ---- /articles/{id}, /related, /suggest -------------------------------------------------------
# Every stored article equals its line of the JSONL, the date in UTC.
proj='{id, title, body, summary, url, source, categories, tags, lang, author: (.author | list),
    date: (.date | utc)}'
urls=$(jq -r ".id | \"$MAIN_URL/articles/\" + @uri" "$SAMPLES")
# shellcheck disable=SC2086
got=$(curl -s $urls | jqx -c "$proj")
assert_eq "$got" "$(jqx -c "$proj" "$SAMPLES")" "/articles/{id} for all $N articles"
get /articles/byline-0005
assert_json_status 200 "/articles/byline-0005"
assert_contains "$(header Content-Type)" "application/json" "/articles Content-Type"
get /articles/no-such-article
assert_error 404 not_found null "/articles/no-such-article"

get "/articles/byline-0060/related"
assert_json_status 200 "/articles/byline-0060/related"
assert_eq "$(field .id)" byline-0060 "related: id"
related=$(field '.hits[].id')
assert_not_contains "$related" byline-0060 "related: not the article itself"
assert_line "$related" byline-0061 "related to byline-0060: its copy byline-0061"
assert_line "$related" byline-0062 "related to byline-0060: its copy byline-0062"
assert_eq "$(field '.hits | length')" 10 "related: 10 by default"
get "/articles/byline-0060/related?limit=3"
assert_eq "$(field '.hits | length')" 3 "related: limit=3"
get "/articles/byline-0060/related?limit=51"
assert_error 400 invalid_parameter limit "related: limit=51"
get "/articles/byline-0060/related?q=x"
assert_error 400 unknown_parameter q "related: unknown parameter"
get /articles/no-such-article/related
assert_error 404 not_found null "related: unknown id"
get "/articles/byline-0060/related"
assert_eq "$(field '[.hits[] | select((.snippet | contains("<mark>")) or .collapsed != 0)] | length')" 0 \
    "related: snippets without <mark>, collapsed 0"

get "/suggest?q=elect"
assert_json_status 200 "/suggest?q=elect"
assert_eq "$(field .query)" elect "suggest: query"
sugg=$(field '.suggestions[]')
for w in election elected; do
    jqx "select(words(\"\\\\b$w\\\\b\")) | .id" "$SAMPLES" | grep -q . ||
        fail "suggest: the corpus lacks '$w' (a broken test)"
    assert_line "$sugg" "$w" "suggest q=elect offers '$w'"
done
assert_eq "$(field '[.suggestions[] | select(startswith("elect") | not)] | length')" 0 \
    "suggest: every suggestion starts with the prefix"
assert_eq "$(field '.suggestions | length <= 8')" true "suggest: at most 8 by default"
get "/suggest?q=rail%20stri&limit=2"
assert_eq "$(field '.suggestions | length')" 2 "suggest limit=2"
assert_line "$(field '.suggestions[]')" "rail strike" "suggest: the last word completes"
get "/suggest?q=elect&limit=21"
assert_error 400 invalid_parameter limit "suggest limit=21"
get "/suggest?q=zzzzqx"
assert_eq "$(field '.suggestions | length')" 0 "suggest: nothing for an unknown prefix"

# ---- Did you mean ----------------------------------------------------------------------------
search q=electoin
assert_json_status 200 "q=electoin"
assert_eq "$(field .corrected_query)" election "q=electoin: did you mean"
search "q=rail strke"
assert_eq "$(field .corrected_query)" "rail strike" "q=rail strke: did you mean"
for q in election "rail strike" fuel; do
    search "q=$q"
    assert_eq "$(field .total | awk '$1 > 0 {print "some"}')" some "q=$q finds articles"
    assert_eq "$(field .corrected_query)" null "q=$q (spelled right, with hits): no did-you-mean"
done

# ---- Errors --------------------------------------------------------------------------------
# check_bad PARAM CODE NAME=VALUE...: a 400 naming PARAM.
check_bad() {
    local param=$1 code=$2
    shift 2
    search "$@"
    assert_error 400 "$code" "$param" "GET /search $*"
}
check_bad colour unknown_parameter q=rail colour=red
check_bad sort invalid_parameter sort=best
check_bad from invalid_parameter from=2024-13-45
check_bad to invalid_parameter "to=next tuesday"
check_bad from invalid_parameter from=2025-01-01 to=2024-01-01
check_bad facets invalid_parameter facets=category,colour
check_bad recency invalid_parameter recency=7x
check_bad recency invalid_parameter recency=soon
check_bad date_interval invalid_parameter facets=date date_interval=fortnight
check_bad limit invalid_parameter limit=-1
check_bad limit invalid_parameter limit=ten
check_bad offset invalid_parameter offset=-5
check_bad page invalid_parameter page=0
check_bad collapse invalid_parameter collapse=yes
check_bad match invalid_parameter match=most
check_bad lang invalid_parameter lang=x1
check_bad lang invalid_parameter lang=klingonese
check_bad q invalid_parameter "q=$(head -c 2049 /dev/zero | tr '\0' a)"
check_bad q query_syntax "q=date:2024-99..2025"
check_bad q query_syntax "q=date:2024-01-01..2023-01-01"
assert_contains "$(field .error.message)" "date range '2024-01-01..2023-01-01' ends before it starts" \
    "message for a date range that ends before it starts"
# Each end is a whole period: ends of one period, or of periods of different sizes that
# overlap, are a range, not a reversed one.
for r in 2024-03..2024-03 2024..2024-03 2024-03..2024 2024-03-15..2024-03; do
    search "q=date:$r" limit=0
    assert_eq "$STATUS" 200 "status of q=date:$r"
done
check_bad q query_syntax "q=date:2024-03..2024-02-29"
# Byline's own wildcard field name typed by hand is a plain word. Found by fuzz_query: inside
# NEAR it made a query Xapian could not run (a server error) and its parser leak memory, which
# the ASan build's exit status below would show.
search "q=rail NEAR bylinewild:h*Zstri"
assert_eq "$STATUS" 200 "status of q=rail NEAR bylinewild:h*Zstri"
search q=bylinewild:strike facets=category limit=0
assert_eq "$STATUS" 200 "status of q=bylinewild:strike"
WILD_TOTAL=$(field .total)
search q=strike facets=category limit=0
assert_eq "$WILD_TOTAL" "$(field .total)" "q=bylinewild:strike is read as the words bylinewild strike"
check_bad page invalid_parameter q= page=2000 limit=10
http GET "$MAIN_URL/search?q=%FF%FE"
assert_error 400 invalid_parameter q "q that is not UTF-8"
cats=()
for i in $(seq 33); do cats+=("category=c$i"); done
check_bad category invalid_parameter "${cats[@]}"
many=()
for i in $(seq 65); do many+=("_p$i=1"); done
search "${many[@]}"
assert_error 400 too_many_parameters null "65 parameters"
post_search '{"q": "rail", '
assert_error 400 invalid_json null "POST invalid JSON"
post_search '["rail"]'
assert_error 400 invalid_json null "POST a JSON array"
post_search '{"q": {"text": "rail"}}'
assert_error 400 invalid_parameter q "POST q as an object"
post_search '{"q": "rail", "colour": "red"}'
assert_error 400 unknown_parameter colour "POST unknown field"
post_search '{"limit": 101}'
assert_error 400 invalid_parameter limit "POST limit 101"
for n in 1e1 10.0 1E1; do # digits only, as in a query string
    post_search "{\"limit\": $n}"
    assert_error 400 invalid_parameter limit "POST limit $n"
done
post_search '{"q": 5.5, "limit": 1}'
assert_eq "$STATUS $(field .query)" "200 5.5" "POST a number as q is its text"

get /nowhere
assert_error 404 not_found null "unknown route"
get /search/more
assert_error 404 not_found null "/search/more"
get /search/
assert_error 404 not_found null "/search/"
get /Search
assert_error 404 not_found null "/Search"
http OPTIONS "$MAIN_URL/nowhere"
assert_eq "$STATUS" 404 "OPTIONS on an unknown path"
http OPTIONS "$MAIN_URL/health"
assert_eq "$STATUS" 204 "OPTIONS on /health"
# HEAD: a GET without the body (read off the socket, as curl would not read a body).
exec 3<>"/dev/tcp/127.0.0.1/${MAIN_URL##*:}"
printf 'HEAD /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
head_reply=$(timeout 5 cat <&3 | tr -d '\r')
exec 3<&-
assert_eq "$(printf '%s\n' "$head_reply" | head -1)" "HTTP/1.1 200 OK" "HEAD /health: status"
assert_eq "$(printf '%s\n' "$head_reply" | sed '1,/^$/d')" "" "HEAD /health: no body"
http DELETE "$MAIN_URL/search"
assert_error 405 method_not_allowed null "DELETE /search"
assert_eq "$(header Allow)" "GET, POST, OPTIONS" "DELETE /search: Allow"
http POST "$MAIN_URL/health" --data-binary '{}'
assert_error 405 method_not_allowed null "POST /health"
assert_eq "$(header Allow)" "GET, OPTIONS" "POST /health: Allow"
http PUT "$MAIN_URL/articles/byline-0001" --data-binary '{}'
assert_eq "$STATUS" 405 "PUT /articles/byline-0001"
assert_eq "$(header Allow)" "GET, OPTIONS" "PUT /articles: Allow"

# POST bodies: 64 KB is the limit.
body_of_size() { # bytes: a JSON search body of exactly this size
    local base='{"q": "rail", "_pad": ""}'
    printf '{"q": "rail", "_pad": "%s"}' "$(head -c $(($1 - ${#base})) /dev/zero | tr '\0' x)"
}
body_of_size 65536 >"$SCRATCH/64k.json"
body_of_size 65537 >"$SCRATCH/64k1.json"
body_of_size 3000000 >"$SCRATCH/3m.json"
assert_eq "$(stat -c %s "$SCRATCH/64k.json") $(stat -c %s "$SCRATCH/64k1.json")" "65536 65537" \
    "body sizes (a broken test if not)"
http POST "$MAIN_URL/search" --data-binary "@$SCRATCH/64k.json"
assert_json_status 200 "POST of exactly 64 KB"
http POST "$MAIN_URL/search" --data-binary "@$SCRATCH/64k1.json"
assert_error 413 body_too_large null "POST of 64 KB + 1"
http POST "$MAIN_URL/search" --data-binary "@$SCRATCH/3m.json"
assert_error 413 body_too_large null "POST of 3 MB"
get /health
assert_eq "$STATUS" 200 "the daemon still answers after the errors"

# ---- Keep-alive and CORS off -------------------------------------------------------------------
verbose=$(curl -sv -o /dev/null -o /dev/null "$MAIN_URL/search?q=rail" "$MAIN_URL/health" 2>&1)
assert_contains "$verbose" "Re-using existing connection" "keep-alive: two requests, one connection"
assert_not_contains "$(printf '%s' "$verbose" | tr '[:upper:]' '[:lower:]')" "< connection: close" \
    "keep-alive: no Connection: close"
verbose=$(curl -sv -o /dev/null -o /dev/null -X POST --data-binary '{"q":"rail"}' \
    "$MAIN_URL/search" "$MAIN_URL/search" 2>&1)
assert_contains "$verbose" "Re-using existing connection" "keep-alive for POST"
http GET "$MAIN_URL/search?q=rail" -H "Origin: https://example.org"
assert_eq "$(header Access-Control-Allow-Origin)" "" "no --cors-origin: no ACAO header"

# ---- The byline-search CLI -----------------------------------------------------------------------
# cli_vs_http CLI_ARGS -- PARAMS: byline-search --json gives /search's answer.
cli_vs_http() {
    local cli=() p
    while [ "$1" != -- ]; do cli+=("$1"); shift; done
    shift
    search "$@"
    local want
    want=$(field "$strip")
    local got
    got=$("$BYLINE_SEARCH" --db "$DB" --json "${cli[@]}" 2>"$SCRATCH/cli.err" | jq -c "$strip")
    assert_eq "$got" "$(printf '%s' "$want" | jq -c .)" "byline-search ${cli[*]} = /search $*"
    local text
    text=$("$BYLINE_SEARCH" --db "$DB" "${cli[@]}" 2>&1)
    local said="$(field .total) match" # "1 match", "7 matches"
    [ "$(field .total_relation)" = gte ] && said="$(field .total) or more matches"
    assert_contains "$text" "$said" "byline-search ${cli[*]}: total in text"
    local folded
    for folded in $(field '.hits[] | select(.collapsed > 0) | .collapsed'); do
        assert_contains "$text" "(+$folded like it)" "byline-search ${cli[*]}: collapsed count"
    done
    for p in $(field '.hits[:3][].id'); do
        assert_contains "$text" "$p" "byline-search ${cli[*]}: hit $p in text"
    done
}
cli_vs_http rail strike -- "q=rail strike"
cli_vs_http strike --collapse --limit 20 -- q=strike collapse=story limit=20
assert_contains "$("$BYLINE_SEARCH" --version)" "byline-search " "byline-search --version"
cli_vs_http "econom*" --category business --category politics -- "q=econom*" category=business \
    category=politics
cli_vs_http --sort oldest --from 2025-01 --to 2025-06 --limit 20 -- q= sort=oldest from=2025-01 \
    to=2025-06 limit=20
cli_vs_http --facets category,source,date --date-interval year --lang de --limit 0 -- q= \
    facets=category,source,date date_interval=year lang=de limit=0
cli_vs_http '"rail strike"' --offset 2 --limit 3 -- 'q="rail strike"' offset=2 limit=3
cli_vs_http fuel prices --collapse -- "q=fuel prices" collapse=story
cli_vs_http electoin -- q=electoin
"$BYLINE_SEARCH" --db "$DB" --sort best rail >/dev/null 2>"$SCRATCH/cli.err"
assert_eq "$?" 2 "byline-search --sort best: exit status"
assert_contains "$(cat "$SCRATCH/cli.err")" "sort" "byline-search --sort best: message"

# ---- Own corpus: date boundaries, freshness, escaping ---------------------------------------------
OWN="$SCRATCH/own.jsonl"
ago() { date -u -d "$1 ago" +%Y-%m-%dT%H:%M:%SZ; }
{
    for i in $(seq 1 20); do
        printf '{"id":"filler-%d","title":"Harbour market report %d","body":"Trading at the harbour market was quiet on day %d, with fish prices steady and the weather calm.","date":"2023-06-%02dT12:00:00Z","categories":["misc"],"source":"Own Wire","lang":"en"}\n' \
            "$i" "$i" "$i" "$i"
    done
    # Dates at the edges of March 2024 and of 2024 (one with an offset: 23:30 UTC on 31 March).
    for d in 2024-02-29T23:59:59Z 2024-03-01T00:00:00Z 2024-03-31T23:59:59Z \
        2024-04-01T00:00:00Z 2024-04-01T01:30:00+02:00 2024-12-31T23:59:59Z 2025-01-01T00:00:00Z; do
        printf '{"id":"edge-%s","title":"Edge case %s","body":"A quiet tide table entry.","date":"%s","categories":["edge"],"source":"Own Wire","lang":"en"}\n' \
            "$d" "$d" "$d"
    done
    # Freshness: two equally relevant articles, the older indexed first; and a far more
    # relevant old one.
    printf '{"id":"fresh-old","title":"Harbour notes","body":"The lighthouse at the point was repainted this week, and the ferry timetable changed for the winter months ahead.","date":"%s","categories":["fresh"],"source":"Own Wire","lang":"en"}\n' "$(ago '60 days')"
    printf '{"id":"fresh-new","title":"Harbour notes","body":"The lighthouse at the point was repainted this week, and the ferry timetable changed for the winter months ahead.","date":"%s","categories":["fresh"],"source":"Own Wire","lang":"en"}\n' "$(ago '1 day')"
    printf '{"id":"fresh-strong","title":"Lighthouse keeper restores lighthouse lamp","body":"The lighthouse keeper said the lighthouse lamp, the oldest working lighthouse lamp on the coast, would shine again. Lighthouse visitors welcomed it.","date":"%s","categories":["fresh"],"source":"Own Wire","lang":"en"}\n' "$(ago '61 days')"
    printf '%s\n' '{"id":"wire/2024/7","title":"An id with slashes","body":"Slashes in ids.","date":"2024-05-06T10:00:00Z","lang":"en"}'
    # Languages without a stemmer: filtered and counted under their tag.
    printf '%s\n' '{"id":"pl-1","title":"Strajk w porcie","body":"Dokerzy przerwali prac\u0119.","date":"2024-05-07T10:00:00Z","lang":"PL"}'
    printf '%s\n' '{"id":"tlh-1","title":"Qapla","body":"Qapla batlh.","date":"2024-05-07T11:00:00Z","lang":"tlh"}'
    printf '%s\n' '{"id":"zh-1","title":"Gangkou","body":"Gangkou bagong.","date":"2024-05-07T12:00:00Z","lang":"zh_Hant"}'
    printf '%s\n' '{"id":"xss-1","title":"Council site hit by <script>alert(1)</script> attack","body":"Staff found <script>alert(1)</script> and <b>bold</b> & \"quoted\" markup pasted into the comment form.","date":"2024-05-05T10:00:00Z","categories":["tech"],"source":"Own Wire","lang":"en"}'
} >"$OWN"
OWNDB="$SCRATCH/own.db"
"$BYLINE_INDEX" --db "$OWNDB" --jobs 1 -q "$OWN" 2>"$SCRATCH/index.err" ||
    fail "indexing the own corpus: $(cat "$SCRATCH/index.err")"
start_daemon own --db "$OWNDB" --cors-origin https://example.org
OWN_URL=$D_URL
OWN_PID=$D_PID

# Inclusive date filters at the exact edges, in every form they take.
# check_own_filter FROM_RFC TO_RFC PARAMS: the hits are the articles dated within [FROM, TO].
check_own_filter() {
    local lo=$1 hi=$2
    shift 2
    local want
    want=$(jqx -s "[.[] | select(in_range(\"$lo\" | fromdate; \"$hi\" | fromdate))] |
        sort_by(.date | epoch) | reverse | .[].id" "$OWN")
    assert_eq "$(all_ids "$@")" "$want" "own corpus: $*"
}
check_own_filter 2024-03-01T00:00:00Z 2024-03-31T23:59:59Z q= from=2024-03-01 to=2024-03-31
check_own_filter 2024-03-01T00:00:00Z 2024-03-31T23:59:59Z q= from=2024-03 to=2024-03
check_own_filter 2024-03-01T00:00:00Z 2024-03-31T23:59:59Z q= from=2024-03-01T00:00:00Z \
    to=2024-03-31T23:59:59Z
check_own_filter 2024-04-01T00:00:00Z 2024-04-01T00:00:00Z q= from=2024-04-01T00:00:00Z \
    to=2024-04-01T00:00:00Z
check_own_filter 2024-01-01T00:00:00Z 2024-12-31T23:59:59Z q= from=2024 to=2024
check_own_filter 2024-04-01T00:00:00Z 2100-01-01T00:00:00Z q= from=2024-04-01
check_own_filter 1970-01-01T00:00:00Z 2024-03-31T23:59:59Z q= to=2024-03-31
check_own_filter 2024-03-01T00:00:00Z 2024-03-31T23:59:59Z q=date:2024-03-01..2024-03-31 sort=newest
check_own_filter 2024-03-01T00:00:00Z 2024-03-31T23:59:59Z q=date:2024-03..2024-03 sort=newest
check_own_filter 2025-01-01T00:00:00Z 2100-01-01T00:00:00Z q=date:2025.. sort=newest
search q= from=2024-03-01 to=2024-03-31
assert_line "$(field '.hits[].id')" "edge-2024-03-31T23:59:59Z" "to=2024-03-31 holds 23:59:59 that day"
assert_line "$(field '.hits[].id')" "edge-2024-04-01T01:30:00+02:00" \
    "to=2024-03-31 holds 01:30+02:00 on 1 April (23:30 UTC)"
assert_not_contains "$(field '.hits[].id')" "edge-2024-04-01T00:00:00Z" "to=2024-03-31 stops there"
search q= category=edge facets=date date_interval=month limit=0
assert_eq "$(got_buckets)" "$(want_buckets "$OWN" '.categories == ["edge"]' month)" \
    "own corpus: month buckets at the edges"
search q= category=edge facets=date date_interval=day limit=0
assert_eq "$(got_buckets)" "$(want_buckets "$OWN" '.categories == ["edge"]' day)" \
    "own corpus: day buckets at the edges"

# Freshness.
search q=lighthouse limit=3
assert_eq "$(field '[.hits[].id] | join(",")')" "fresh-strong,fresh-old,fresh-new" \
    "q=lighthouse without recency: by relevance, then in index order"
assert_eq "$(field '.hits[1].score == .hits[2].score')" true \
    "fresh-old and fresh-new are equally relevant"
search q=lighthouse recency=7d limit=3
assert_json_status 200 "recency=7d"
assert_eq "$(field '[.hits[].id] | join(",")')" "fresh-strong,fresh-new,fresh-old" \
    "q=lighthouse&recency=7d: the newer of two equal articles first; the far better old one still first"
for r in 12h 2w 1y off; do
    search q=lighthouse recency=$r
    assert_eq "$STATUS" 200 "recency=$r"
done

# Snippets are HTML-escaped, with the matches marked.
search q=alert
assert_eq "$(field '.hits[0].id')" xss-1 "q=alert finds the markup article"
snippet=$(field '.hits[0].snippet')
assert_contains "$snippet" "&lt;script&gt;" "snippet escapes <script>"
assert_not_contains "$snippet" "<script" "snippet holds no raw <script"
assert_contains "$snippet" "<mark>alert</mark>" "snippet marks the word found"
assert_not_contains "$(printf '%s' "$snippet" | sed 's#</\?mark>##g')" "<" \
    "snippet: no raw '<' other than <mark>"
assert_contains "$snippet" "&amp;" "snippet escapes &"
get /articles/xss-1
assert_eq "$(field .title)" 'Council site hit by <script>alert(1)</script> attack' \
    "the stored title is returned as written (JSON-escaped, not altered)"

# Languages without a stemmer: the tag (lower-cased) in hits, facets and filters.
http GET "$OWN_URL/search" -G --data-urlencode q= --data-urlencode facets=lang --data-urlencode limit=0
assert_eq "$(field '[.facets.lang[] | select(.value == "pl" or .value == "tlh") | "\(.value)=\(.count)"] | sort | join(",")')" \
    "pl=1,tlh=1" "lang facet counts languages without a stemmer"
http GET "$OWN_URL/search?lang=pl"
assert_eq "$STATUS $(field '[.hits[].id] | join(",")') $(field '.hits[0].lang')" "200 pl-1 pl" "lang=pl filters"
http GET "$OWN_URL/search?lang=PL&lang=tlh&sort=oldest"
assert_eq "$(field '[.hits[].id] | join(",")')" "pl-1,tlh-1" "lang=PL&lang=tlh: any of them"
http GET "$OWN_URL/search?q=lang:tlh"
assert_eq "$(field '[.hits[].id] | join(",")')" "tlh-1" "q=lang:tlh"
http GET "$OWN_URL/search?lang=zh-HANT&facets=lang"
assert_eq "$(field '[.hits[].id] | join(",")') $(field '.hits[0].lang') $(field '[.facets.lang[] | select(.value | startswith("zh"))] | map(.value) | join(",")')" \
    "zh-1 zh-hant zh-hant" "zh_Hant is indexed as zh-hant, and lang=zh-HANT finds it"

# Ids may hold '/', percent-encoded or not.
for path in /articles/wire%2F2024%2F7 /articles/wire/2024/7; do
    get "$path"
    assert_eq "$STATUS $(field .id)" "200 wire/2024/7" "GET $path"
    assert_eq "$(field 'keys | join(",")')" "body,date,id,lang,title" \
        "GET $path: only the fields the input had"
done
get /articles/wire/2024/7/related
assert_eq "$STATUS $(field .id)" "200 wire/2024/7" "related of an id with slashes"

# CORS.
http GET "$OWN_URL/search?q=alert" -H "Origin: https://example.org"
assert_eq "$(header Access-Control-Allow-Origin)" "https://example.org" "CORS: allowed origin gets ACAO"
assert_contains "$(header Vary)" Origin "CORS: Vary: Origin"
http OPTIONS "$OWN_URL/search" -H "Origin: https://example.org" \
    -H "Access-Control-Request-Method: POST" -H "Access-Control-Request-Headers: content-type"
assert_eq "$STATUS" 204 "CORS preflight: 204"
assert_eq "$(header Access-Control-Allow-Origin)" "https://example.org" "CORS preflight: ACAO"
assert_contains "$(header Access-Control-Allow-Methods)" POST "CORS preflight: allows POST"
assert_contains "$(header Access-Control-Allow-Methods)" GET "CORS preflight: allows GET"
assert_contains "$(header Access-Control-Allow-Headers | tr '[:upper:]' '[:lower:]')" content-type \
    "CORS preflight: allows Content-Type"
http GET "$OWN_URL/search?q=alert" -H "Origin: https://evil.example"
assert_eq "$STATUS" 200 "CORS: other origin still answered"
assert_eq "$(header Access-Control-Allow-Origin)" "" "CORS: other origin gets no ACAO"
http OPTIONS "$OWN_URL/search" -H "Origin: https://evil.example" -H "Access-Control-Request-Method: POST"
assert_eq "$(header Access-Control-Allow-Origin)" "" "CORS preflight: other origin gets no ACAO"

# Live reopening: articles indexed while the daemon runs are found within 2 seconds.
D_URL=$OWN_URL
get /health
before=$(field .documents)
{
    for i in 1 2 3; do
        printf '{"id":"live-%d","title":"Zeppelin sighting %d over the bay","body":"A zeppelin drifted over the bay.","date":"2026-01-0%dT10:00:00Z","lang":"en"}\n' "$i" "$i" "$i"
    done
} >"$SCRATCH/live.jsonl"
search q=zeppelin
assert_eq "$(field .total)" 0 "live: not there before"
"$BYLINE_INDEX" --db "$OWNDB" -q "$SCRATCH/live.jsonl" 2>"$SCRATCH/index.err" ||
    fail "live indexing: $(cat "$SCRATCH/index.err")"
start=$(date +%s%N)
found=0
while [ $(($(date +%s%N) - start)) -lt 3000000000 ]; do
    search q=zeppelin limit=0
    [ "$(field .total)" = 3 ] && found=1 && break
    sleep 0.05
done
ms=$((($(date +%s%N) - start) / 1000000))
assert_eq "$found" 1 "live: new articles found without a restart"
[ "$ms" -le 2000 ] || fail "live: found only after $ms ms (want <= 2000)"
sleep 0.5 # every worker thread has looked again by now
for i in 1 2 3 4; do
    search q=zeppelin limit=0
    assert_eq "$(field .total)" 3 "live: every later request sees them ($i)"
done
get /health
assert_eq "$(field .documents)" $((before + 3)) "live: /health counts them"

# ---- A missing index: 503, the daemon keeps running, and recovers ----------------------------------
LATE="$SCRATCH/late.db"
start_daemon late --db "$LATE" --cors-origin '*'
LATE_PID=$D_PID
get /health
assert_json_status 503 "/health with no index"
assert_eq "$(field .status)" unavailable "/health with no index: status"
assert_eq "$(field .error.code)" index_unavailable "/health with no index: error.code"
search q=rail
assert_error 503 index_unavailable null "/search with no index"
get /articles/byline-0001
assert_eq "$STATUS" 503 "/articles with no index"
get /metrics
assert_eq "$STATUS" 200 "/metrics with no index"
assert_line "$BODY" "byline_documents 0" "/metrics with no index: 0 documents"
kill -0 "$LATE_PID" 2>/dev/null || fail "the daemon exited with no index"
"$BYLINE_INDEX" --db "$LATE" -q "$SAMPLES" 2>"$SCRATCH/index.err" ||
    fail "indexing into the late path: $(cat "$SCRATCH/index.err")"
ok=0
for _ in $(seq 60); do
    get /health
    [ "$STATUS" = 200 ] && ok=1 && break
    sleep 0.05
done
assert_eq "$ok" 1 "/health recovers once the index exists"
sleep 0.6 # past the retry interval of every worker thread
for i in 1 2 3 4; do
    search q=
    assert_eq "$STATUS $(field .total)" "200 $N" "/search recovers ($i)"
done
http GET "$D_URL/health" -H "Origin: https://anywhere.example"
assert_eq "$(header Access-Control-Allow-Origin)" "*" "--cors-origin '*': ACAO *"
http GET "$D_URL/health"
assert_eq "$(header Access-Control-Allow-Origin)" "" "--cors-origin '*': no Origin, no ACAO"

# ---- The cache of stored articles ----------------------------------------------------------------
cache_count() { # hit|miss: the cache's lookups so far, from /metrics
    http GET "$D_URL/metrics"
    printf '%s\n' "$BODY" | awk -v r="$1" '$1 == "byline_doc_cache_lookups_total{result=\"" r "\"}" {print $2}'
}
start_daemon cached --db "$DB"
search q=rail
first=$(printf '%s' "$BODY" | jq -c 'del(.took_ms)')
shown=$(field '.hits | length')
[ "$shown" -ge 2 ] || fail "doc cache: q=rail should show at least 2 hits, shows $shown"
assert_eq "$(cache_count miss) $(cache_count hit)" "$shown 0" "doc cache: the first answer reads every hit"
search q=rail
assert_eq "$(printf '%s' "$BODY" | jq -c 'del(.took_ms)')" "$first" "doc cache: the same answer again"
assert_eq "$(cache_count miss) $(cache_count hit)" "$shown $shown" \
    "doc cache: the second answer takes every hit from the cache"
stop_daemon "$D_PID"
start_daemon uncached --db "$DB" --doc-cache 0
search q=rail
assert_eq "$(printf '%s' "$BODY" | jq -c 'del(.took_ms)')" "$first" "--doc-cache 0: the same answer"
assert_eq "$(cache_count hit)" "" "--doc-cache 0: no cache metrics"
stop_daemon "$D_PID"
"$BYLINE_SEARCHD" --db "$DB" --doc-cache lots >/dev/null 2>"$SCRATCH/doccache.err"
assert_eq "$?" 2 "--doc-cache lots: exit status"
assert_contains "$(cat "$SCRATCH/doccache.err")" "bad --doc-cache 'lots'" "--doc-cache lots: message"

# ---- Facet columns: the same counts as reading every match's values from the index ------------
metric() { # NAME: its value in /metrics ("" when absent)
    http GET "$D_URL/metrics"
    printf '%s\n' "$BODY" | awk -v n="$1" '$1 == n {print $2}'
}
FACET_QUERIES=("q=rail&facets=category,source,author,lang,date"
    "q=strike OR council&facets=category,source,author,lang,date&category=business"
    "facets=category,source,author,lang,date&sort=newest"
    'q="city council"&facets=category,author,date&collapse=story')
facet_search() { # "k=v&k=v": each part URL-encoded
    local parts
    IFS='&' read -ra parts <<<"$1"
    search "${parts[@]}"
}
start_daemon columns --db "$DB"
columns_answers=""
for fq in "${FACET_QUERIES[@]}"; do
    facet_search "$fq"
    assert_eq "$STATUS" 200 "facet columns: $fq"
    columns_answers+="$(printf '%s' "$BODY" | jq -c 'del(.took_ms)')"$'\n'
done
[ "$(metric byline_facet_column_builds_total)" -ge 5 ] ||
    fail "facet columns: /metrics should count at least 5 columns built, says '$(metric byline_facet_column_builds_total)'"
[ "$(metric byline_facet_column_bytes)" -gt 0 ] || fail "facet columns: /metrics should show their bytes"
stop_daemon "$D_PID"
start_daemon nocolumns --db "$DB" --no-facet-columns
spies_answers=""
for fq in "${FACET_QUERIES[@]}"; do
    facet_search "$fq"
    spies_answers+="$(printf '%s' "$BODY" | jq -c 'del(.took_ms)')"$'\n'
done
assert_eq "$spies_answers" "$columns_answers" "--no-facet-columns: the same answers"
assert_eq "$(metric byline_facet_columns)" "" "--no-facet-columns: no facet column metrics"
stop_daemon "$D_PID"

# A port already taken: the message says so.
taken=${MAIN_URL##*:}
"$BYLINE_SEARCHD" --db "$DB" --port "$taken" --access-log - 2>"$SCRATCH/taken.err"
assert_eq "$?" 1 "a port in use: exit status"
assert_contains "$(cat "$SCRATCH/taken.err")" "cannot listen on 127.0.0.1:$taken: Address already in use" \
    "a port in use: the reason"

# ---- Metrics and the access log, on a daemon of their own -----------------------------------------
start_daemon count --db "$DB"
COUNT_PID=$D_PID
: >"$SCRATCH/expected.log"
logged() { # METHOD PATH [CURL_ARGS]: one request, noted as the access log should record it
    local method=$1 path=$2
    shift 2
    http "$method" "$D_URL$path" "$@"
    printf '%s %s %s %s\n' "$method" "${path%%\?*}" "$STATUS" "$(stat -c %s "$SCRATCH/http.body")" \
        >>"$SCRATCH/expected.log"
}
logged GET "/search?q=rail"
logged GET "/search?q=strike&facets=category"
logged POST /search -H 'Content-Type: application/json' --data-binary '{"q": "council"}'
logged GET "/search?sort=best"
logged GET "/search?limit=500"
logged GET /articles/byline-0001
logged GET /articles/nope
logged GET /health
logged DELETE /search
logged GET /nowhere
logged OPTIONS /search
get /metrics
metrics=$BODY
assert_eq "$STATUS" 200 "/metrics"
assert_contains "$(header Content-Type)" "text/plain" "/metrics Content-Type"
assert_line "$metrics" "# TYPE byline_requests_total counter" "/metrics: counter type"
for line in 'route="search",status="200"} 3' 'route="search",status="400"} 2' \
    'route="search",status="405"} 1' 'route="article",status="200"} 1' \
    'route="article",status="404"} 1' 'route="health",status="200"} 1' \
    'route="other",status="404"} 1' 'route="preflight",status="204"} 1'; do
    assert_line "$metrics" "byline_requests_total{$line" "/metrics: byline_requests_total{$line"
done
assert_eq "$(printf '%s\n' "$metrics" | grep -c '^byline_requests_total{')" 8 \
    "/metrics: no other request counters"
assert_line "$metrics" 'byline_request_duration_seconds_count{route="search"} 6' \
    "/metrics: latency histogram count for search"
assert_line "$metrics" 'byline_request_duration_seconds_bucket{route="search",le="+Inf"} 6' \
    "/metrics: latency histogram +Inf bucket"
assert_line "$metrics" "byline_documents $N" "/metrics: documents"
bad=$(printf '%s\n' "$metrics" | grep -v '^#' | grep -v -E '^[a-z_]+(\{[^}]*\})? [0-9.e+-]+$')
assert_eq "$bad" "" "/metrics: every sample line is 'name{labels} value'"
get /metrics
assert_line "$BODY" 'byline_requests_total{route="metrics",status="200"} 1' \
    "/metrics counts the earlier /metrics"
for _ in $(seq 40); do # the log line is written once the answer is sent
    [ "$(grep -c . "$D_LOG")" -ge $(($(grep -c . "$SCRATCH/expected.log") + 2)) ] && break
    sleep 0.05
done
log=$(head -n "$(grep -c . "$SCRATCH/expected.log")" "$D_LOG")
assert_eq "$(printf '%s\n' "$log" | awk '{print $3, $4, $5, $6}')" "$(cat "$SCRATCH/expected.log")" \
    "access log: method, path, status and bytes of each request, in order"
assert_eq "$(grep -c . "$D_LOG")" $(($(grep -c . "$SCRATCH/expected.log") + 2)) \
    "access log: one line per request (and the two /metrics)"
assert_eq "$(printf '%s\n' "$log" | grep -c -v -E \
    '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z 127\.0\.0\.1 [A-Z]+ /[^ ]* [0-9]{3} [0-9]+ [0-9]+\.[0-9]+ms$')" 0 \
    "access log: 'time address method path status bytes N.NNNms'"

# ---- SIGTERM: every daemon exits with status 0 -------------------------------------------------------
for pid in "$MAIN_PID" "$OWN_PID" "$LATE_PID" "$COUNT_PID"; do
    stop_daemon "$pid"
    assert_eq "$STOP_RC" 0 "SIGTERM: exit status of byline-searchd (pid $pid)"
    if [ "$STOP_RC" != 0 ]; then
        for f in "$SCRATCH"/daemon-*/stderr; do
            echo "--- $f (last lines)" >&2
            tail -n 40 "$f" >&2
        done
    fi
done
assert_contains "$(cat "$SCRATCH/daemon-main/stderr")" "stopped" "SIGTERM: main daemon says it stopped"

finish
