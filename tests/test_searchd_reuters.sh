# test_searchd_reuters.sh - byline-searchd over the real Reuters-21578 corpus: totals, facet
# counts and date histograms checked against counts computed from the JSONL with jq (and the
# corpus' README), sorting by date, and a few word searches.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/searchd_lib.sh"
find_corpora
REUTERS="$CORPORA/reuters21578.jsonl.gz"
JSONL="$SCRATCH/reuters.jsonl" # a scratch copy, deleted at the end
gzip -dc "$REUTERS" >"$JSONL"
DB="$SCRATCH/reuters.db"
"$BYLINE_INDEX" --db "$DB" -q "$REUTERS" 2>"$SCRATCH/index.err" ||
    { echo "$TEST_NAME: indexing Reuters failed: $(cat "$SCRATCH/index.err")" >&2; exit 1; }
N=$(grep -c . "$JSONL")
assert_eq "$N" 21578 "articles in the file (README)"
# The fields the checks need, with the words searched for worked out once: whether the title
# or body holds a form English stemming joins to oil, cocoa, said (and cocoa in the body).
META="$SCRATCH/meta.jsonl"
jqx -c '{id, date, categories, source, lang,
    oil: ([.title, .body] | map(select(. != null) | test("\\boil(s|ed|ing|\u0027s)?\\b"; "i")) | any),
    cocoa: ([.title, .body] | map(select(. != null) | test("\\bcocoa\\b"; "i")) | any),
    cocoa_body: ((.body // "") | test("\\bcocoa\\b"; "i")),
    said: ([.title, .body] | map(select(. != null) | test("\\bsaid\\b"; "i")) | any)}' \
    "$JSONL" >"$META"

start_daemon reuters --db "$DB"
PID=$D_PID

get /health
assert_json_status 200 "/health"
assert_eq "$(field .documents)" "$N" "/health documents"

# check_facet NAME FIELD SELECT WHAT: facet NAME in $BODY equals jq's counts of FIELD over the
# articles SELECT picks (an article counts once per category).
check_facet() {
    assert_eq "$(got_counts "$1")" "$(want_counts "$META" "$3" "$2")" "$4: $1 facet"
}
count() { # SELECT: how many articles SELECT picks
    jqx -s "[.[] | select($1)] | length" "$META"
}

# ---- Everything: totals, categories, the date histogram --------------------------------------
search q= facets=category,source,lang,date date_interval=month limit=0
assert_json_status 200 "empty q with facets"
assert_eq "$(field .total)" 21578 "empty q: total"
assert_eq "$(field .total_relation)" eq "empty q: total_relation"
check_facet category categories true "empty q"
check_facet source source true "empty q"
check_facet lang lang true "empty q"
for pair in earn:3987 acq:2448 money-fx:801 crude:634 grain:628 trade:551; do
    assert_eq "$(field ".facets.category[] | select(.value == \"${pair%%:*}\") | .count")" \
        "${pair#*:}" "empty q: category ${pair%%:*} (README)"
done
assert_eq "$(field '.facets.category[:6] | map(.value) | join(",")')" \
    "earn,acq,money-fx,crude,grain,trade" "empty q: largest categories first"
assert_eq "$(field '[.facets.date.buckets[].count] | add')" 21577 \
    "empty q: month buckets sum to the 21,577 dated articles"
assert_eq "$(got_buckets)" "$(want_buckets "$META" true month)" "empty q: month buckets"
assert_eq "$(field '.facets.date.buckets[] | select(.key == "1987-03") | .count')" 11543 \
    "empty q: March 1987 (README)"
search q= facets=date limit=0
assert_eq "$(field .facets.date.interval)" week "date_interval=auto over 8 months of 1987"
assert_eq "$(got_buckets)" "$(want_buckets "$META" true week)" "auto (week) buckets"
for interval in day year; do
    search q= facets=date date_interval=$interval limit=0
    assert_eq "$(got_buckets)" "$(want_buckets "$META" true $interval)" "$interval buckets"
    assert_eq "$(field '[.facets.date.buckets[].count] | add')" 21577 "$interval buckets sum"
done

# ---- Filters ---------------------------------------------------------------------------------
GRAIN='(.categories // [] | index("grain") != null)'
search q= category=grain facets=category,source,date date_interval=month limit=0
assert_eq "$(field .total)" 628 "category=grain: total (README)"
assert_eq "$(field .total)" "$(count "$GRAIN")" "category=grain: total"
check_facet category categories true "category=grain (disjunctive: every category)"
check_facet source source "$GRAIN" "category=grain"
assert_eq "$(got_buckets)" "$(want_buckets "$META" "$GRAIN" month)" "category=grain: month buckets"
all=$(all_ids q= category=grain)
assert_same_set "$all" "$(want_ids "$META" "$GRAIN")" "category=grain: the hits"

GW='(.categories // [] | index("grain") != null or index("wheat") != null)'
MA='in_range("1987-03-01T00:00:00Z" | fromdate; "1987-04-30T23:59:59Z" | fromdate)'
search q= category=grain category=wheat from=1987-03 to=1987-04 facets=category,source,lang limit=0
assert_eq "$(field .total)" "$(count "$GW and $MA")" "grain or wheat, March-April: total"
check_facet category categories "$MA" "grain or wheat, March-April"
check_facet lang lang "$GW and $MA" "grain or wheat, March-April"

MARCH='in_range("1987-03-01T00:00:00Z" | fromdate; "1987-03-31T23:59:59Z" | fromdate)'
search q= from=1987-03-01 to=1987-03-31 facets=category,date date_interval=day limit=0
assert_eq "$(field .total)" 11543 "from=1987-03-01&to=1987-03-31: total (README)"
assert_eq "$(field .total)" "$(count "$MARCH")" "from/to March: total"
check_facet category categories "$MARCH" "from/to March"
assert_eq "$(got_buckets)" "$(want_buckets "$META" true day)" \
    "from/to March: day buckets without the date filter (disjunctive)"
search q= from=1987-03 to=1987-03 limit=0
assert_eq "$(field .total)" 11543 "from=1987-03&to=1987-03: total"
search q=date:1987-03-01..1987-03-31 facets=date date_interval=day limit=0
assert_eq "$(field .total)" 11543 "q=date:1987-03-01..1987-03-31: total"
assert_eq "$(got_buckets)" "$(want_buckets "$META" "$MARCH" day)" \
    "q=date:... narrows the date facet: March's day buckets"
search q= to=1987-02-28 limit=0
assert_eq "$(field .total)" "$(count '.date != null and (.date | epoch) <= ("1987-02-28T23:59:59Z" | fromdate)')" \
    "to=1987-02-28: total"

# ---- Words ---------------------------------------------------------------------------------------
# q=oil: the forms English stemming joins to "oil", in titles and bodies.
OIL=.oil
search q=oil facets=category,source limit=0
assert_eq "$(field .total)" "$(count "$OIL")" "q=oil: total"
check_facet category categories "$OIL" "q=oil"
search q=oil category=crude facets=category,date date_interval=month limit=0
assert_eq "$(field .total)" "$(count "($OIL) and (.categories // [] | index(\"crude\") != null)")" \
    "q=oil&category=crude: total"
check_facet category categories "$OIL" "q=oil&category=crude (disjunctive)"
assert_eq "$(got_buckets)" \
    "$(want_buckets "$META" "($OIL) and (.categories // [] | index(\"crude\") != null)" month)" \
    "q=oil&category=crude: month buckets"

COCOA=.cocoa
search q=cocoa limit=100
assert_eq "$(field .total)" "$(count "$COCOA")" "q=cocoa: total"
assert_line "$(field '.hits[].id')" reuters-1 "q=cocoa finds reuters-1"
assert_same_set "$(all_ids q=cocoa)" "$(want_ids "$META" "$COCOA")" "q=cocoa: the hits"
in_body=$(jq -c -s '[.[] | select(.cocoa_body) | .id]' "$META")
assert_eq "$(printf '%s' "$BODY" | jq -r --argjson b "$in_body" '[.hits[] | select(.id as $i |
    $b | index($i)) | select(.snippet | test("<mark>cocoa</mark>"; "i") | not) | .id] | join(",")')" \
    "" "q=cocoa: every snippet from a body that says cocoa marks it"
search 'q="cocoa zone"' limit=100
assert_line "$(field '.hits[].id')" reuters-1 'q="cocoa zone" finds reuters-1'

# Asking for facets makes totals exact.
SAID=.said
search q=said facets=lang limit=0
assert_eq "$(field .total) $(field .total_relation)" "$(count "$SAID") eq" "q=said with facets: exact total"

# ---- Sorting by date -------------------------------------------------------------------------------
search q= sort=newest limit=100
dates=$(field '.hits[].date')
assert_sorted "$dates" desc "sort=newest: dates descending"
assert_eq "$(printf '%s\n' "$dates" | head -1)" \
    "$(jqx -s '[.[] | select(.date != null) | .date | utc] | max' "$META")" "sort=newest: the newest first"
search q= sort=newest offset=9900 limit=100
assert_sorted "$(field '.hits[].date')" desc "sort=newest, offset 9900: dates descending"
assert_eq "$(field '.hits | length')" 100 "sort=newest, offset 9900: a full page"
search q=oil sort=newest limit=100
assert_sorted "$(field '.hits[].date')" desc "q=oil&sort=newest: dates descending"
search q=oil sort=oldest limit=100
assert_sorted "$(field '.hits[].date')" asc "q=oil&sort=oldest: dates ascending"
search q= sort=oldest limit=100
assert_eq "$(field '[.hits[] | select(.date == null)] | map(.id) | join(",")')" "" \
    "sort=oldest: the undated article does not lead the oldest"
assert_eq "$(field '.hits[0].date')" \
    "$(jqx -s '[.[] | select(.date != null) | .date | utc] | min' "$META")" "sort=oldest: the oldest first"

# The undated article is there, without a date.
get /articles/reuters-17192
assert_json_status 200 "/articles/reuters-17192"
assert_eq "$(field 'has("date")')" false "reuters-17192 has no date"
get /articles/reuters-1
assert_eq "$(field .title)" "$(jq -r 'select(.id == "reuters-1") | .title' "$JSONL")" "reuters-1's title"

stop_daemon "$PID"
assert_eq "$STOP_RC" 0 "SIGTERM: exit status"
finish
