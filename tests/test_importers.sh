# test_importers.sh - byline-index reading CSV, RSS/Atom feeds and folders of article files:
# the BBC and 10kGNAD corpora, feeds and HTML pages written for these tests, broken inputs.
. "$(dirname "$0")/lib.sh"
find_corpora
DATA="$BYLINE_SRC/tests/data"

# BBC News: a folder of .txt files, the category is the folder.
tar -xzf "$CORPORA/bbc-news-2004-2005.tar.gz" -C "$SCRATCH"
run_index --db "$SCRATCH/bbc.db" --category-from-dir "$SCRATCH/bbc"
assert_eq "$RC" 0 "exit status indexing BBC"
assert_contains "$ERR" "bbc/sport/199.txt: warning: file is not valid UTF-8" \
    "the Latin-1 file is named in a warning"
assert_eq "$(doc_count "$SCRATCH/bbc.db")" 2225 "BBC articles"
stats=$("$BYLINE_INDEX" stats --db "$SCRATCH/bbc.db" --json)
for pair in business:510 entertainment:386 politics:417 sport:511 tech:401; do
    got=$(printf '%s' "$stats" | jq -r --arg c "${pair%%:*}" '.categories[] | select(.value == $c) | .count')
    assert_eq "$got" "${pair#*:}" "BBC articles in ${pair%%:*}"
done
# sport/199.txt is searchable by a word of its body, and its title is its first line.
word=$(sed -n '3p' "$SCRATCH/bbc/sport/199.txt" | tr -cs 'A-Za-z' '\n' | awk 'length > 6' | head -1)
assert_line "$("$QUERY_TOOL" "$SCRATCH/bbc.db" search "$word")" "sport/199.txt" \
    "sport/199.txt found by '$word'"
got=$("$QUERY_TOOL" "$SCRATCH/bbc.db" get sport/199.txt)
assert_eq "$(printf '%s' "$got" | jq -r .title)" "$(head -1 "$SCRATCH/bbc/sport/199.txt" | tr -d '\r')" \
    "title of sport/199.txt"
assert_contains "$got" "£" "the Latin-1 pound sign became UTF-8"

# 10kGNAD: CSV with no header, ';' and "'", German.
GNAD="$CORPORA/10kgnad-de-test.csv.gz"
run_index --db "$SCRATCH/gnad.db" --format csv --delimiter ';' --quote "'" \
    --columns categories,body --lang de "$GNAD"
assert_eq "$RC" 0 "exit status indexing 10kGNAD"
assert_eq "$(doc_count "$SCRATCH/gnad.db")" 1028 "10kGNAD articles"
gzip -dc "$GNAD" | grep -oE '^[A-Za-z]+;' | tr -d ';' | sort | uniq -c | awk '{print $2 " " $1}' \
    >"$SCRATCH/want"
"$BYLINE_INDEX" stats --db "$SCRATCH/gnad.db" --json | jq -r '.categories[] | "\(.value) \(.count)"' |
    sort >"$SCRATCH/got"
assert_eq "$(wc -l <"$SCRATCH/got")" 9 "10kGNAD categories"
cmp -s "$SCRATCH/want" "$SCRATCH/got" || fail "10kGNAD category counts: $(diff "$SCRATCH/want" "$SCRATCH/got")"
# German stemming: "Gewerkschaften" finds articles saying only "Gewerkschaft".
only=$(gzip -dc "$GNAD" | grep -n 'Gewerkschaft' | grep -v 'Gewerkschaften' | head -1 | cut -d: -f1)
hits=$("$QUERY_TOOL" "$SCRATCH/gnad.db" search --lang de Gewerkschaften)
assert_line "$hits" "10kgnad-de-test.csv.gz:$only" "'Gewerkschaften' finds row $only ('Gewerkschaft')"

# CSV with a header row, quoted multi-line fields, a short row; TSV.
cat >"$SCRATCH/news.csv" <<'CSV'
id,title,body,date,categories
c1,"Council, at last, agrees budget","The budget passed
after a long night.",2024-02-01,politics
c2,Library opens,"Books ""and"" more",2024-02-02
c3,Short row
CSV
run_index --db "$SCRATCH/csv.db" "$SCRATCH/news.csv"
assert_eq "$RC" 0 "exit status indexing CSV"
assert_contains "$ERR" "news.csv:5: warning: row has 2 fields where the columns name 5" \
    "a short row is reported with its line"
assert_eq "$(doc_count "$SCRATCH/csv.db")" 3 "CSV articles"
got=$("$QUERY_TOOL" "$SCRATCH/csv.db" get c1)
assert_eq "$(printf '%s' "$got" | jq -r .body)" "$(printf 'The budget passed\nafter a long night.')" \
    "multi-line quoted field"
assert_eq "$(printf '%s' "$got" | jq -r .title)" "Council, at last, agrees budget" "quoted comma"
assert_eq "$("$QUERY_TOOL" "$SCRATCH/csv.db" get c2 | jq -r .body)" 'Books "and" more' "doubled quotes"
printf 'id\theadline\nt1\tTabs work too\n' >"$SCRATCH/news.tsv"
run_index --db "$SCRATCH/tsv.db" --map title=headline "$SCRATCH/news.tsv"
assert_eq "$("$QUERY_TOOL" "$SCRATCH/tsv.db" get t1 | jq -r .title)" "Tabs work too" "TSV with --map"

# RSS and Atom feeds.
run_index --db "$SCRATCH/feeds.db" "$DATA/feeds/harbour.rss" "$DATA/feeds/courier.atom"
assert_eq "$RC" 0 "exit status indexing good feeds"
assert_contains "$ERR" "harbour.rss:41 (item 4): warning: unparseable date 'sometime last spring'" \
    "an odd date is reported with line and item"
assert_eq "$(doc_count "$SCRATCH/feeds.db")" 6 "feed articles"
got=$("$QUERY_TOOL" "$SCRATCH/feeds.db" get hg-2024-0412-001)
assert_eq "$(printf '%s' "$got" | jq -r .title)" "Dock workers vote to accept pay deal & end dispute" "CDATA title"
assert_eq "$(printf '%s' "$got" | jq -c .categories)" '["Business","Shipping"]' "several categories"
assert_eq "$(printf '%s' "$got" | jq -c .author)" '["Marta Quinlan"]' "dc:creator"
assert_eq "$(printf '%s' "$got" | jq -r .date)" "2024-04-12T06:45:00Z" "RFC 2822 pubDate"
assert_eq "$(printf '%s' "$got" | jq -r .source)" "Harbour Gazette: Business" "channel title as source"
assert_eq "$(printf '%s' "$got" | jq -r .summary)" "Container terminal staff accepted a 6% rise." \
    "HTML description reduced to text, script left out"
assert_contains "$(printf '%s' "$got" | jq -r .body)" "The union said 71% of members backed the offer." \
    "content:encoded as body"
assert_eq "$("$QUERY_TOOL" "$SCRATCH/feeds.db" get https://example.org/business/electric-ferries | jq -r .id)" \
    "https://example.org/business/electric-ferries" "an item without guid is identified by its link"
got=$("$QUERY_TOOL" "$SCRATCH/feeds.db" get tag:example.net,2025:lac-17)
assert_eq "$(printf '%s' "$got" | jq -r .url)" "https://example.net/lac/elections-participation" \
    "Atom alternate link"
assert_eq "$(printf '%s' "$got" | jq -r .date)" "2025-03-02T07:30:00Z" "Atom published, RFC 3339"
assert_eq "$(printf '%s' "$got" | jq -r .lang)" "fr" "xml:lang of the feed"
assert_eq "$(printf '%s' "$got" | jq -c .categories)" '["Politique","regions"]' "Atom categories"
assert_line "$("$QUERY_TOOL" "$SCRATCH/feeds.db" search --lang fr "élection")" \
    "tag:example.net,2025:lac-17" "French stemming on a feed article"

# Broken feeds: clear errors, what can be kept is kept.
run_index --db "$SCRATCH/broken.db" "$DATA/feeds/broken.rss"
assert_eq "$RC" 3 "exit status of a broken feed"
assert_contains "$ERR" "broken.rss:20: feed is not well-formed XML" "broken feed message"
assert_eq "$("$QUERY_TOOL" "$SCRATCH/broken.db" get vt-bridge | jq -r .title)" \
    "Bridge repairs finish early" "the item before the break is kept"
run_index --db "$SCRATCH/broken.db" "$DATA/feeds/noid.rss"
assert_contains "$ERR" "noid.rss:4 (item 2): item has no guid or link; record skipped" \
    "an item without link or guid"
assert_contains "$ERR" "1 added" "the identifiable item of that feed is kept"
run_index --db "$SCRATCH/broken.db" --format feed "$DATA/feeds/notxml.rss"
assert_eq "$RC" 3 "exit status of a feed that is not XML"
assert_contains "$ERR" "notxml.rss:1: not an RSS or Atom feed: not XML" "not-XML message"

# A folder of HTML, text and JSON files: only the article's own text is indexed.
run_index --db "$SCRATCH/site.db" --category-from-dir "$DATA/site"
assert_eq "$RC" 0 "exit status indexing a folder"
assert_contains "$ERR" "site/world/cafe.txt: warning: file is not valid UTF-8" "bad encoding named"
assert_eq "$(doc_count "$SCRATCH/site.db")" 5 "articles in the folder (README left out)"
got=$("$QUERY_TOOL" "$SCRATCH/site.db" get world/summit.html)
assert_eq "$(printf '%s' "$got" | jq -r .title)" "Leaders agree climate fund at summit" "og:title"
assert_eq "$(printf '%s' "$got" | jq -r .date)" "2025-11-08T14:20:00Z" "article:published_time"
assert_eq "$(printf '%s' "$got" | jq -c .author)" '["Ines Karlsson"]' "author meta"
assert_eq "$(printf '%s' "$got" | jq -c .categories)" '["world"]' "category from the folder"
for word in analytics footerscriptword unrelatedword subscribe cookie navlink weather; do
    assert_eq "$("$QUERY_TOOL" "$SCRATCH/site.db" search "$word")" "" "page furniture '$word' not indexed"
done
assert_line "$("$QUERY_TOOL" "$SCRATCH/site.db" search twelve)" "world/summit.html" "article text indexed"
got=$("$QUERY_TOOL" "$SCRATCH/site.db" get sport/derby.html)
assert_eq "$(printf '%s' "$got" | jq -r .date)" "2025-10-19T15:00:00Z" "date from <time datetime>"
assert_not_contains "$got" "Search the site" "forms left out"
assert_eq "$("$QUERY_TOOL" "$SCRATCH/site.db" get sport/marathon.txt | jq -r .title)" \
    "Marathon record falls" "first line of a .txt is its title"
assert_eq "$("$QUERY_TOOL" "$SCRATCH/site.db" get sport/relay.json | jq -c .tags)" '["swimming"]' \
    "a .json file holds one article"
assert_eq "$("$QUERY_TOOL" "$SCRATCH/site.db" get world/cafe.txt | jq -r .title)" \
    "Café owners protest new rules" "Windows-1252 text repaired"

# Malformed CSV quoting is reported where the row begins; rows before it are kept.
printf 'id,title,body\n1,"ok","fine"\n2,"unbalanced,body two\n3,"three","body three"\n' \
    >"$SCRATCH/unbalanced.csv"
run_index --db "$SCRATCH/unb.db" "$SCRATCH/unbalanced.csv"
assert_eq "$RC" 3 "exit status with malformed CSV quoting"
assert_contains "$ERR" "unbalanced.csv:3: malformed CSV quoting" "malformed quoting reported"
assert_eq "$(doc_count "$SCRATCH/unb.db")" 1 "rows before the malformed one kept"
# A quote in the middle of an unquoted field: said in Byline's words, not libcsv's (whose
# message speaks of a strict mode the user never asked for).
printf 'id,title,body\n1,"ok","fine"\n2,Bad "quote,body two\n' >"$SCRATCH/midquote.csv"
run_index --db "$SCRATCH/mid.db" "$SCRATCH/midquote.csv"
assert_eq "$RC" 3 "exit status with a quote inside an unquoted field"
assert_contains "$ERR" "midquote.csv:3: malformed CSV quoting in the row beginning here (a quote inside a field that does not start with one, or text after a closing quote)" \
    "a quote inside an unquoted field reported"
case "$ERR" in *"strict checking"*) fail "libcsv's wording leaks into the message: $ERR" ;; esac

# A gzip file cut short is a failure; a binary file is not read as text.
head -c 20000 "$CORPORA/reuters21578.jsonl.gz" >"$SCRATCH/cut.jsonl.gz"
run_index --db "$SCRATCH/cut.db" "$SCRATCH/cut.jsonl.gz"
assert_eq "$RC" 1 "exit status of a truncated gzip file"
assert_contains "$ERR" "cannot read '$SCRATCH/cut.jsonl.gz' after line" "truncated gzip reported"
head -c 4096 /dev/urandom | tr -d '\n' >"$SCRATCH/noise.bin"
printf '\0' >>"$SCRATCH/noise.bin"
run_index --db "$SCRATCH/cut.db" "$SCRATCH/noise.bin"
assert_contains "$ERR" "noise.bin: not a text file" "binary input reported"

# Symbolic links in a folder are left out: no loops, nothing from outside.
mkdir -p "$SCRATCH/linked"
printf 'A title\nA body\n' >"$SCRATCH/linked/a.txt"
ln -s .. "$SCRATCH/linked/loop"
ln -s /etc/hostname "$SCRATCH/linked/outside.txt"
run_index --db "$SCRATCH/linked.db" "$SCRATCH/linked"
assert_eq "$(doc_count "$SCRATCH/linked.db")" 1 "symbolic links left out"

run_index --db "$SCRATCH/x.db" --format nonsense "$DATA/site"
assert_eq "$RC" 2 "exit status of a bad --format"
assert_contains "$ERR" "bad --format 'nonsense'" "message of a bad --format"

finish
