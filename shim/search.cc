// search.cc - searching: query parsing, filters, sorting, freshness, facets, snippets,
// related articles and completions.
#include "shim_internal.h"

#include "byline_common.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <iterator>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <tuple>

// Whether two identities name the same database at the same revision.
static bool same_identity(const bx_db_identity &a, const bx_db_identity &b)
{
    return !a.uuid.empty() && a.uuid == b.uuid && a.revision == b.revision;
}

// A second handle on a reader's one local database and a thread of its own that searches it:
// the counting pass of a faceted search runs there while the ranked search runs in the
// caller's thread (bx_reader_options parallel_count). The handle is only used by the thread,
// and only changed between tasks.
struct bx_count_helper {
    Xapian::Database db;
    bx_db_identity identity; // of db; empty when it has none
    bx_db_identity refused;  // the reader's database when a handle opened for it was newer
    uint64_t passes = 0;     // counting passes it took part in

    bx_count_helper() : thread_([this] { loop(); })
    {
    }
    ~bx_count_helper()
    {
        {
            std::lock_guard<std::mutex> hold(lock_);
            quit_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }
    bx_count_helper(const bx_count_helper &) = delete;
    bx_count_helper &operator=(const bx_count_helper &) = delete;

    // Runs task in the thread; finish() must be called before starting another.
    void start(std::function<void()> task)
    {
        {
            std::lock_guard<std::mutex> hold(lock_);
            task_ = std::move(task);
            busy_ = true;
            error_ = nullptr;
        }
        cv_.notify_all();
    }

    // Waits for the task to end; throws what it threw.
    void finish()
    {
        std::unique_lock<std::mutex> hold(lock_);
        cv_.wait(hold, [this] { return !busy_; });
        if (error_) {
            std::exception_ptr e = error_;
            error_ = nullptr;
            std::rethrow_exception(e);
        }
    }

  private:
    void loop()
    {
        std::unique_lock<std::mutex> hold(lock_);
        for (;;) {
            cv_.wait(hold, [this] { return quit_ || task_; });
            if (quit_)
                return;
            std::function<void()> task = std::move(task_);
            task_ = nullptr;
            hold.unlock();
            std::exception_ptr error;
            try {
                task();
            } catch (...) {
                error = std::current_exception();
            }
            hold.lock();
            error_ = error;
            busy_ = false;
            cv_.notify_all();
        }
    }

    std::mutex lock_;
    std::condition_variable cv_;
    std::function<void()> task_;
    bool busy_ = false;
    bool quit_ = false;
    std::exception_ptr error_;
    std::thread thread_; // last: starts once the rest is made
};

namespace
{

const double RECENCY_SHARE = 0.3;   // freshness adds up to this share of a typical top score
const unsigned WILDCARD_MAX = 1000; // the terms all of a query's wildcards expand to, at most
const int RECENCY_MAX_DAYS = 3660;  // days given a freshness weight; older ones get none

// A query that matches nothing: a term no article has (ids are never empty).
Xapian::Query nothing()
{
    return Xapian::Query(std::string("Q"));
}

// `category:Earn`, `source:"Harbour Gazette"`: exact, case-insensitive boolean filters.
class LowerFieldProcessor : public Xapian::FieldProcessor
{
  public:
    explicit LowerFieldProcessor(const std::string &prefix) : prefix_(prefix)
    {
    }
    Xapian::Query operator()(const std::string &value) override
    {
        return Xapian::Query(bx_boolean_term(prefix_, bx_lower(value)));
    }

  private:
    std::string prefix_;
};

// `date:2023-01-01..2023-03-31`, `date:2023-01..2023-02`, `date:2023..`: a range over the
// publication time, each end taken as its whole period.
//
// A bad date is not thrown from inside Xapian's parser (an exception thrown there from a
// processor can crash it, as `-date:2 4` did in Xapian 1.4.22): it is noted in `error`, a query
// matching nothing stands in, and run_search reports the error once parsing is over.
class DateRangeProcessor : public Xapian::RangeProcessor
{
  public:
    explicit DateRangeProcessor(std::string &error)
        : Xapian::RangeProcessor(BX_SLOT_DATE, "date:", 0), error_(error)
    {
    }
    Xapian::Query operator()(const std::string &begin, const std::string &end) override
    {
        int64_t lo = 0, hi = 0, unused = 0;
        if (!begin.empty() && bl_date_parse(begin.data(), begin.size(), &lo, &unused, nullptr))
            return invalid("invalid date '" + begin + "' in date range");
        if (!end.empty() && bl_date_parse(end.data(), end.size(), &unused, &hi, nullptr))
            return invalid("invalid date '" + end + "' in date range");
        std::string vlo = Xapian::sortable_serialise(static_cast<double>(lo));
        std::string vhi = Xapian::sortable_serialise(static_cast<double>(hi));
        if (begin.empty() && end.empty())
            return Xapian::Query(Xapian::Query::OP_VALUE_GE, BX_SLOT_DATE, std::string(1, '\0'));
        // As the from and to parameters: a range that ends before it starts is an error, not
        // a search that silently finds nothing.
        if (!begin.empty() && !end.empty() && lo > hi)
            return invalid("date range '" + begin + ".." + end + "' ends before it starts");
        if (begin.empty())
            return Xapian::Query(Xapian::Query::OP_VALUE_LE, BX_SLOT_DATE, vhi);
        if (end.empty())
            return Xapian::Query(Xapian::Query::OP_VALUE_GE, BX_SLOT_DATE, vlo);
        return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, BX_SLOT_DATE, vlo, vhi);
    }

  private:
    Xapian::Query invalid(const std::string &message)
    {
        if (error_.empty())
            error_ = message;
        return nothing();
    }
    std::string &error_;
};

// `date:2024`, `date:2024-03`, `date:2024-03-14`: the whole period.
// A bad date is noted in `error`, as in DateRangeProcessor.
class DateFieldProcessor : public Xapian::FieldProcessor
{
  public:
    explicit DateFieldProcessor(std::string &error) : error_(error)
    {
    }
    Xapian::Query operator()(const std::string &value) override
    {
        int64_t lo = 0, hi = 0;
        if (bl_date_parse(value.data(), value.size(), &lo, &hi, nullptr)) {
            if (error_.empty())
                error_ = "invalid date '" + value + "' after date:";
            return nothing();
        }
        return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, BX_SLOT_DATE,
                             Xapian::sortable_serialise(static_cast<double>(lo)),
                             Xapian::sortable_serialise(static_cast<double>(hi)));
    }

  private:
    std::string &error_;
};

// `lang:de`, `lang:german`: a language by code or name.
class LangFieldProcessor : public Xapian::FieldProcessor
{
  public:
    Xapian::Query operator()(const std::string &value) override
    {
        const char *code = bx_lang_resolve_z(value.c_str());
        return Xapian::Query("L" + (code ? std::string(code) : bx_lang_tag(value)));
    }
};

// What WildcardProcessor's field value ends with (see rewrite_wildcards): Xapian's parser
// checks a field value against the stopper too, and "can*" is no stopword.
const char WILD_END = '_';

// A wildcard word ("hospital*", "title:elect*"), handed over by rewrite_wildcards. The index
// holds stems only, and a word's stem can be shorter than the word ("hospital" is indexed as
// "hospit"), so Xapian's own expansion, over the terms beginning with the typed letters,
// would miss the very words the user typed. The query is their expansion together with the
// stem of the typed letters and every term between that stem and them ("hospit",
// "hospita"), as one synonym. The typed letters are noted for snippets.
class WildcardProcessor : public Xapian::FieldProcessor
{
  public:
    WildcardProcessor(const std::string &prefix, const Xapian::Stem &stem, unsigned max,
                      std::vector<std::string> &typed)
        : prefix_(prefix), stem_(stem), max_(max), typed_(typed)
    {
    }
    Xapian::Query operator()(const std::string &value) override
    {
        std::string word = bx_lower(value);
        if (!word.empty() && word.back() == WILD_END)
            word.pop_back();
        if (word.empty())
            return nothing();
        typed_.push_back(word);
        std::vector<Xapian::Query> parts;
        parts.emplace_back(Xapian::Query::OP_WILDCARD, prefix_ + word, max_,
                           Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT, Xapian::Query::OP_SYNONYM);
        std::string root = stem_(word);
        if (root != word) {
            parts.emplace_back(prefix_ + root);
            size_t from = root.size();
            if (word.compare(0, from, root) != 0)
                from = word.size(); // the stem is not a prefix ("happi" for "happy")
            for (size_t n = from + 1; n < word.size(); n++)
                parts.emplace_back(prefix_ + word.substr(0, n));
        }
        return Xapian::Query(Xapian::Query::OP_SYNONYM, parts.begin(), parts.end());
    }

  private:
    std::string prefix_;
    Xapian::Stem stem_;
    unsigned max_;
    std::vector<std::string> &typed_;
};

// The field names rewrite_wildcards gives wildcard words, for WildcardProcessor.
const char *const WILD_PLAIN = "bylinewild";
const char *const WILD_TITLE = "bylinewildtitle";
const char *const WILD_AUTHOR = "bylinewildauthor";

// Whether the character that ends just before byte `at` (not looking before `floor`) is a
// word character in Xapian's sense; *start is set to where that character begins.
bool word_char_before(const std::string &text, size_t at, size_t floor, size_t *start)
{
    size_t s = at - 1;
    while (s > floor && (static_cast<unsigned char>(text[s]) & 0xc0) == 0x80)
        s--;
    *start = s;
    unsigned char c = static_cast<unsigned char>(text[s]);
    if (c < 0x80)
        return bx_ascii_wordchar(c);
    Xapian::Utf8Iterator it(text.data() + s, at - s);
    return Xapian::Unicode::is_wordchar(*it);
}

// Whether byte `at` of text begins a quote character: '"', or the curly quotes U+201C and
// U+201D, which Xapian's parser takes for '"' too.
bool quote_at(const std::string &text, size_t at)
{
    if (text[at] == '"')
        return true;
    return text.compare(at, 3, "\xe2\x80\x9c") == 0 || text.compare(at, 3, "\xe2\x80\x9d") == 0;
}

// Byline's own field names for wildcards are not for users: one typed by hand
// ("bylinewild:x") is read as a plain word, its ':' taken for a space. (Xapian 1.4.22's parser
// leaks memory on some such input inside NEAR, and the query it builds cannot run.)
std::string disarm_wild_fields(const std::string &text)
{
    std::string out = text;
    const size_t n = strlen(WILD_PLAIN);
    size_t at = 0;
    while ((at = out.find(WILD_PLAIN, at)) != std::string::npos) {
        size_t end = at + n;
        while (end < out.size() && out[end] >= 'a' && out[end] <= 'z')
            end++;
        if (end < out.size() && out[end] == ':')
            out[end] = ' ';
        at = end;
    }
    return out;
}

// Rewrites each wildcard word of a query, a word ending in '*' outside quotes ("econom*",
// "-title:elect*"), into a field of WildcardProcessor's ("bylinewild:econom_"). Left to
// Xapian's own wildcard: words after another field (a boolean filter), inside a field's
// group ("title:(elect* OR vote*)"), and words glued to other characters ("covid-19*").
std::string rewrite_wildcards(const std::string &text)
{
    // NEAR and ADJ take only single terms and Xapian's own wildcards: a query that may hold
    // them (Xapian's parser finds them after any character that is not a letter or digit) is
    // left as written.
    if (text.find("NEAR") != std::string::npos || text.find("ADJ") != std::string::npos)
        return text;
    auto blank = [&](size_t at) { // whether byte `at` is the start of the text or follows a
                                  // space or an opening bracket
        if (at == 0)
            return true;
        char c = text[at - 1];
        return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '(';
    };
    auto token_start = [&](size_t at) { // whether a token can begin at `at` (after +/-)
        if (blank(at))
            return true;
        return (text[at - 1] == '+' || text[at - 1] == '-') && blank(at - 1);
    };
    std::string out;
    size_t copied = 0;
    bool quoted = false;
    std::vector<bool> groups; // for each '(' open: whether it is a field's group
    for (size_t i = 0; i < text.size(); i++) {
        if (quote_at(text, i)) {
            quoted = !quoted;
            continue;
        }
        if (quoted)
            continue;
        if (text[i] == '(') {
            groups.push_back(i > 0 && text[i - 1] == ':');
            continue;
        }
        if (text[i] == ')' && !groups.empty())
            groups.pop_back();
        if (text[i] != '*')
            continue;
        if (std::find(groups.begin(), groups.end(), true) != groups.end())
            continue;
        if (i + 1 < text.size() && text.find_first_of(" \t\r\n)", i + 1) != i + 1)
            continue;
        size_t ws = i, before = i;
        while (ws > copied && word_char_before(text, ws, copied, &before))
            ws = before;
        if (ws == i)
            continue;
        size_t from = ws;
        const char *field = WILD_PLAIN;
        if (ws > 0 && text[ws - 1] == ':') {
            size_t f = ws - 1;
            while (f > copied && text[f - 1] >= 'a' && text[f - 1] <= 'z')
                f--;
            std::string name = text.substr(f, ws - 1 - f);
            if (name == "title")
                field = WILD_TITLE;
            else if (name == "author")
                field = WILD_AUTHOR;
            else
                continue;
            from = f;
        }
        if (!token_start(from))
            continue;
        out.append(text, copied, from - copied);
        out += field;
        out += ':';
        out.append(text, ws, i - ws);
        out += WILD_END;
        copied = i + 1;
    }
    if (copied == 0)
        return text;
    out.append(text, copied, std::string::npos);
    return out;
}

// English stop words (BX_ENGLISH_STOPWORDS) are dropped from English queries (kept inside
// phrases and with +), so that questions in full sentences rank on their content.
const Xapian::Stopper *english_stopper()
{
    static const Xapian::SimpleStopper stopper(BX_ENGLISH_STOPWORDS,
                                               BX_ENGLISH_STOPWORDS + BX_N_ENGLISH_STOPWORDS);
    return &stopper;
}

// Sets up the parser for the query `text`; the date processors note a bad date in `error`,
// the wildcard processors the letters typed before each '*' in `typed`.
void setup_parser(Xapian::QueryParser &qp, bx_reader *r, const Xapian::Stem &stem,
                  const std::string &text, bool match_all, bool english, std::string &error,
                  std::vector<std::string> &typed)
{
    if (english)
        qp.set_stopper(english_stopper());
    qp.set_database(r->db);
    qp.set_stemmer(stem);
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_ALL);
    qp.set_default_op(match_all ? Xapian::Query::OP_AND : Xapian::Query::OP_OR);
    // Xapian bounds each wildcard; the bound is shared out among a query's wildcards (a '*'
    // after a word character), so that `a* b* c* ...` stays as cheap as one wildcard.
    unsigned wildcards = 0;
    for (size_t i = 1; i < text.size(); i++)
        wildcards += text[i] == '*' && text[i - 1] != ' ' && text[i - 1] != '*';
    unsigned max = std::max(10u, WILDCARD_MAX / std::max(1u, wildcards));
    qp.set_max_expansion(max, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
    // Only a query with a '*' has words rewrite_wildcards hands to these processors.
    if (wildcards) {
        qp.add_prefix(WILD_PLAIN, (new WildcardProcessor("", stem, max, typed))->release());
        qp.add_prefix(WILD_TITLE, (new WildcardProcessor("S", stem, max, typed))->release());
        qp.add_prefix(WILD_AUTHOR, (new WildcardProcessor("A", stem, max, typed))->release());
    }
    qp.add_prefix("title", "S");
    qp.add_prefix("author", "A");
    qp.add_boolean_prefix("category", (new LowerFieldProcessor("XCAT"))->release());
    qp.add_boolean_prefix("source", (new LowerFieldProcessor("XSRC"))->release());
    qp.add_boolean_prefix("tag", (new LowerFieldProcessor("K"))->release());
    qp.add_boolean_prefix("lang", (new LangFieldProcessor())->release());
    qp.add_boolean_prefix("date", (new DateFieldProcessor(error))->release());
    qp.add_boolean_prefix("id", "Q");
    qp.add_rangeprocessor((new DateRangeProcessor(error))->release());
}

// Whether a query word is free text that spelling correction may change: not an operator, not a
// field name or a field's value, not a wildcard, no digits.
bool correctable(const std::string &text, size_t start, size_t end, const std::string &word)
{
    static const char *const ops[] = { "AND", "OR", "NOT", "XOR", "NEAR", "ADJ" };
    for (const char *op : ops)
        if (word == op)
            return false;
    if (word.find_first_of("0123456789") != std::string::npos)
        return false;
    if (end < text.size() && (text[end] == ':' || text[end] == '*'))
        return false;
    size_t before = start;
    while (before > 0 && text[before - 1] == '"')
        before--;
    if (before > 0 && text[before - 1] == ':')
        return false;
    // Inside a quoted field value (source:"Reuterz Newz"): an odd number of quotes since the
    // last ':"' means the word is part of the value.
    size_t open = text.rfind(":\"", start);
    if (open != std::string::npos) {
        size_t quotes = 0;
        for (size_t i = open + 1; i < start; i++)
            quotes += text[i] == '"';
        if (quotes % 2 == 1)
            return false;
    }
    return true;
}

// Whether the spelling table holds this word.
bool known_spelling(const Xapian::Database &db, const std::string &word)
{
    Xapian::TermIterator it = db.spellings_begin();
    it.skip_to(word);
    return it != db.spellings_end() && *it == word;
}

// Did-you-mean: each query word that the index has never seen (neither the word nor its stem)
// is replaced by the index's best
// spelling suggestion. Returns the text unchanged when nothing was replaced.
std::string correct_spelling(const Xapian::Database &db, const Xapian::MSet &mset,
                             const Xapian::Stem &stem, const std::string &text)
{
    std::string out;
    size_t copied = 0;
    bx_for_each_word(text, [&](size_t start, size_t end, const std::string &lower) {
        std::string word = text.substr(start, end - start);
        // The term's frequency goes first: the search has it already for the query's
        // terms (no index read), and nearly every word of a query is in the index.
        if (lower.size() > 2 && correctable(text, start, end, word) &&
            mset.get_termfreq(stem(lower)) == 0 && !known_spelling(db, lower)) {
            std::string better = db.get_spelling_suggestion(lower);
            if (!better.empty()) {
                out.append(text, copied, start - copied);
                out += better;
                copied = end;
            }
        }
    });
    if (copied == 0)
        return text;
    out.append(text, copied, std::string::npos);
    return out;
}

bool is_plain_term(const std::string &t)
{
    return !t.empty() && !(t[0] >= 'A' && t[0] <= 'Z');
}

const size_t SNIPPET_SCAN = 64 * 1024;      // bytes of an article a snippet is looked for in
const Xapian::doccount RESCORE_WINDOW = 10; // top hits re-ranked by word proximity
const double PROXIMITY_SHARE = 0.25;        // adjacent words add this share of the top score
const size_t MAX_POSITIONS = 256;           // positions read per word and hit
const size_t LEAD_BYTES = 16;               // characters kept glued before a passage's first word
const size_t LEAD_IN_WORDS = 5;             // words of context a snippet may show before a match

// Counts the phrases of a query that hold plain terms, and notes its plain terms outside
// phrases.
void plain_terms_by_phrase(const Xapian::Query &q, std::set<std::string> &loose, size_t &phrases)
{
    if (q.get_type() == Xapian::Query::OP_PHRASE) {
        for (Xapian::TermIterator t = q.get_terms_begin(); t != q.get_terms_end(); ++t)
            if (is_plain_term(*t)) {
                phrases++;
                return;
            }
        return;
    }
    if (q.get_type() == Xapian::Query::LEAF_TERM) {
        Xapian::TermIterator t = q.get_terms_begin();
        if (t != q.get_terms_end() && is_plain_term(*t))
            loose.insert(*t);
        return;
    }
    for (size_t i = 0; i < q.get_num_subqueries(); i++)
        plain_terms_by_phrase(q.get_subquery(i), loose, phrases);
}

// The words whose closeness ranks hits higher: a query's plain terms, when there are 2 to 8
// and the index has positions. None for a query of one phrase and nothing else: its words
// are side by side in every match.
std::vector<std::string> proximity_terms(bx_reader *r, const Xapian::Query &q)
{
    std::vector<std::string> terms;
    std::set<std::string> loose;
    size_t phrases = 0;
    plain_terms_by_phrase(q, loose, phrases);
    if (loose.empty() && phrases <= 1)
        return terms;
    for (Xapian::TermIterator t = q.get_unique_terms_begin(); t != q.get_unique_terms_end(); ++t)
        if (is_plain_term(*t))
            terms.push_back(*t);
    if (terms.size() < 2 || terms.size() > 8 || !r->db.has_positions())
        terms.clear();
    return terms;
}

// How close together a document holds the words: 1 when all that it holds (at least two) sit
// side by side, falling with the length of the shortest stretch holding them all, and scaled
// by the share of the words it holds. 0 when it holds fewer than two.
double proximity(const Xapian::Database &db, Xapian::docid did,
                 const std::vector<std::string> &terms)
{
    std::vector<std::pair<Xapian::termpos, size_t>> ev;
    size_t present = 0;
    for (size_t i = 0; i < terms.size(); i++) {
        size_t n = 0;
        for (Xapian::PositionIterator p = db.positionlist_begin(did, terms[i]);
             p != db.positionlist_end(did, terms[i]) && n < MAX_POSITIONS; ++p, ++n)
            ev.emplace_back(*p, i);
        present += n > 0;
    }
    if (present < 2)
        return 0;
    std::sort(ev.begin(), ev.end());
    std::vector<size_t> seen(terms.size(), 0);
    size_t have = 0, lo = 0;
    Xapian::termpos best = 0;
    for (size_t hi = 0; hi < ev.size(); hi++) {
        if (seen[ev[hi].second]++ == 0)
            have++;
        while (have == present) {
            Xapian::termpos span = ev[hi].first - ev[lo].first + 1;
            if (best == 0 || span < best)
                best = span;
            if (--seen[ev[lo].second] == 0)
                have--;
            lo++;
        }
    }
    double closeness = best > 1 ? static_cast<double>(present - 1) / (best - 1) : 0;
    return std::min(1.0, closeness) * static_cast<double>(present) / terms.size();
}

Xapian::Query any_of(const char *prefix, const bx_strlist &list)
{
    std::vector<Xapian::Query> qs;
    for (size_t i = 0; i < list.n; i++)
        if (list.items[i])
            qs.emplace_back(bx_boolean_term(prefix, bx_lower(list.items[i])));
    return Xapian::Query(Xapian::Query::OP_OR, qs.begin(), qs.end());
}

// The first day (days since 1970-01-01) of the month after the one holding `day`, and of
// the year after.
int64_t next_month(int64_t day)
{
    int y, m, d, h, mi, sec;
    bl_date_civil(day * 86400, &y, &m, &d, &h, &mi, &sec);
    return bl_date_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1, 0, 0, 0) / 86400;
}

int64_t next_year(int64_t day)
{
    int y, m, d, h, mi, sec;
    bl_date_civil(day * 86400, &y, &m, &d, &h, &mi, &sec);
    return bl_date_from_civil(y + 1, 1, 1, 0, 0, 0) / 86400;
}

// The dates from..to (seconds, both inclusive) as the indexer's date terms, when they are
// whole UTC days: whole years as Y terms, whole months as M terms, other days as D terms.
// Matching these postings is cheaper than reading every candidate's date value. An empty
// query when the bounds fall inside a day, or outside the years 1..9999.
Xapian::Query date_terms(int64_t from, int64_t to)
{
    const int64_t DAY = 86400;
    const size_t MAX_TERMS = 120;
    if (from % DAY != 0 || (to + 1) % DAY != 0 || to < from)
        return Xapian::Query();
    if (from < bl_date_from_civil(1, 1, 1, 0, 0, 0) ||
        to >= bl_date_from_civil(10000, 1, 1, 0, 0, 0))
        return Xapian::Query();
    int64_t day = from / DAY, last = (to + 1) / DAY - 1;
    std::vector<Xapian::Query> terms;
    while (day <= last) {
        if (terms.size() == MAX_TERMS)
            return Xapian::Query();
        int y, m, d, h, mi, sec;
        bl_date_civil(day * DAY, &y, &m, &d, &h, &mi, &sec);
        char buf[16];
        if (m == 1 && d == 1 && next_year(day) - 1 <= last) {
            snprintf(buf, sizeof buf, "Y%04d", y);
            day = next_year(day);
        } else if (d == 1 && next_month(day) - 1 <= last) {
            snprintf(buf, sizeof buf, "M%04d%02d", y, m);
            day = next_month(day);
        } else {
            snprintf(buf, sizeof buf, "D%04d%02d%02d", y, m, d);
            day++;
        }
        terms.emplace_back(buf);
    }
    return Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end());
}

Xapian::Query date_filter(const bx_search_spec *s)
{
    if (s->has_from && s->has_to) {
        Xapian::Query terms = date_terms(s->from, s->to);
        if (!terms.empty())
            return terms;
    }
    std::string lo = Xapian::sortable_serialise(static_cast<double>(s->from));
    std::string hi = Xapian::sortable_serialise(static_cast<double>(s->to));
    if (s->has_from && s->has_to)
        return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, BX_SLOT_DATE, lo, hi);
    if (s->has_from)
        return Xapian::Query(Xapian::Query::OP_VALUE_GE, BX_SLOT_DATE, lo);
    return Xapian::Query(Xapian::Query::OP_VALUE_LE, BX_SLOT_DATE, hi);
}

// The filters of a search, leaving out the one belonging to facet `skip` (0 leaves none out).
Xapian::Query filters(const bx_search_spec *s, unsigned skip)
{
    std::vector<Xapian::Query> parts;
    if (s->categories.n && skip != BX_FACET_CATEGORY)
        parts.push_back(any_of("XCAT", s->categories));
    if (s->sources.n && skip != BX_FACET_SOURCE)
        parts.push_back(any_of("XSRC", s->sources));
    if (s->authors.n && skip != BX_FACET_AUTHOR)
        parts.push_back(any_of("XA", s->authors));
    if (s->langs.n && skip != BX_FACET_LANG) {
        std::vector<Xapian::Query> qs;
        for (size_t i = 0; i < s->langs.n; i++)
            if (s->langs.items[i])
                qs.emplace_back("L" + bx_lang_tag(s->langs.items[i]));
        parts.emplace_back(Xapian::Query::OP_OR, qs.begin(), qs.end());
    }
    if (s->tags.n)
        parts.push_back(any_of("K", s->tags));
    if ((s->has_from || s->has_to) && skip != BX_FACET_DATE)
        parts.push_back(date_filter(s));
    return Xapian::Query(Xapian::Query::OP_AND, parts.begin(), parts.end());
}

bool facet_filtered(const bx_search_spec *s, unsigned facet)
{
    switch (facet) {
    case BX_FACET_CATEGORY:
        return s->categories.n > 0;
    case BX_FACET_SOURCE:
        return s->sources.n > 0;
    case BX_FACET_AUTHOR:
        return s->authors.n > 0;
    case BX_FACET_LANG:
        return s->langs.n > 0;
    case BX_FACET_DATE:
        return s->has_from || s->has_to;
    }
    return false;
}

// The value slot a facet counts; the date facet counts days or hours.
unsigned facet_slot(unsigned facet, bool days)
{
    switch (facet) {
    case BX_FACET_CATEGORY:
        return BX_SLOT_CATEGORIES;
    case BX_FACET_SOURCE:
        return BX_SLOT_SOURCE;
    case BX_FACET_AUTHOR:
        return BX_SLOT_AUTHORS;
    case BX_FACET_LANG:
        return BX_SLOT_LANG;
    default:
        return days ? BX_SLOT_DAY : BX_SLOT_HOUR;
    }
}

bool facet_is_set(unsigned facet)
{
    return facet == BX_FACET_CATEGORY || facet == BX_FACET_AUTHOR;
}

Xapian::Query with_filter(const Xapian::Query &q, const Xapian::Query &f)
{
    if (f.empty())
        return q;
    return Xapian::Query(Xapian::Query::OP_FILTER, q, f);
}

int64_t day_number(const std::string &yyyymmdd)
{
    if (yyyymmdd.size() < 8)
        return -1;
    int y = atoi(yyyymmdd.substr(0, 4).c_str());
    int m = atoi(yyyymmdd.substr(4, 2).c_str());
    int d = atoi(yyyymmdd.substr(6, 2).c_str());
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    return bl_date_from_civil(y, m, d, 0, 0, 0) / 86400;
}

// A rough upper estimate of a top score for q: the sum of its words' inverse document
// frequencies, the way BM25 weighs a document holding each word once.
double typical_score(bx_reader *r, const Xapian::Query &q)
{
    double n = static_cast<double>(r->db.get_doccount());
    double sum = 0;
    for (Xapian::TermIterator t = q.get_unique_terms_begin(); t != q.get_unique_terms_end(); ++t) {
        if (!is_plain_term(*t))
            continue;
        double tf = static_cast<double>(r->db.get_termfreq(*t));
        sum += std::max(0.1, std::log((n - tf + 0.5) / (tf + 0.5)));
    }
    return sum > 0 ? sum : 1.0;
}

// Freshness: an optional extra weight per day, halving every half-life, built only from
// Xapian's own posting source so that it also runs on remote shards.
Xapian::Query add_recency(bx_reader *r, const Xapian::Query &q, const bx_search_spec *s)
{
    int64_t lo = day_number(r->db.get_value_lower_bound(BX_SLOT_DAY));
    int64_t hi = day_number(r->db.get_value_upper_bound(BX_SLOT_DAY));
    if (lo < 0 || hi < 0)
        return q;
    int64_t now_day = s->now / 86400;
    lo = std::max(lo, hi - RECENCY_MAX_DAYS);
    Xapian::ValueMapPostingSource *ps = new Xapian::ValueMapPostingSource(BX_SLOT_DAY);
    for (int64_t day = lo; day <= hi; day++) {
        double age = static_cast<double>((now_day - day) * 86400);
        double w = age <= 0 ? 1.0 : std::exp2(-age / static_cast<double>(s->recency_half_life));
        if (w < 1e-4)
            continue;
        int y, mo, d, h, mi, sec;
        bl_date_civil(day * 86400, &y, &mo, &d, &h, &mi, &sec);
        char key[16];
        snprintf(key, sizeof key, "%04d%02d%02d", y, mo, d);
        ps->add_mapping(key, w);
    }
    ps->set_default_weight(0.0);
    Xapian::Query fresh(ps->release());
    double scale = RECENCY_SHARE * typical_score(r, q);
    return Xapian::Query(Xapian::Query::OP_AND_MAYBE, q,
                         Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, fresh, scale));
}

// Counts facets over the matches of a search of one database: with its facet columns
// (facetcols.cc) where it has them, else with Xapian's ValueCountMatchSpy, which reads each
// match's value from the index (and is what runs on remote shards). Must outlive the get_mset
// calls it counts.
class FacetCounter : public Xapian::MatchSpy
{
  public:
    // Columns come from cols for the database db, which is `id`; with cols NULL or id empty
    // (several databases searched as one, remote ones) every facet is counted by a spy.
    FacetCounter(bx_facet_columns *cols, const bx_db_identity &id, const Xapian::Database &db)
        : cols_(cols), id_(id), db_(db)
    {
    }

    // Counts `facet` (with dates by day or by the hour).
    void add(unsigned facet, bool days)
    {
        unsigned slot = facet_slot(facet, days);
        bool is_set = facet_is_set(facet);
        std::shared_ptr<const bx_facet_column> col =
            bx_facet_column_get(cols_, id_, db_, slot, is_set);
        if (col) {
            columns_.push_back(Column{ facet, col, bx_column_counts() });
            columns_.back().counts.n.assign(col->values.size(), 0);
            return;
        }
        spies_.emplace_back(facet, std::unique_ptr<Xapian::ValueCountMatchSpy>(
                                       new Xapian::ValueCountMatchSpy(slot)));
    }

    // Whether every facet added has a column (and bitmaps can be counted).
    bool columns_only() const
    {
        return spies_.empty();
    }

    // Counts the matches of the searches of enq.
    void attach(Xapian::Enquire &enq)
    {
        if (!columns_.empty())
            enq.add_matchspy(this);
        for (const auto &sp : spies_)
            enq.add_matchspy(sp.second.get());
    }

    void operator()(const Xapian::Document &doc, double) override
    {
        Xapian::docid did = doc.get_docid();
        for (Column &c : columns_)
            bx_facet_column_count(*c.col, did, c.counts);
    }

    // Counts the documents of a bitmap (columns only).
    void count(const bx_doc_bitmap &docs)
    {
        for (Column &c : columns_)
            bx_facet_column_count_all(*c.col, docs, c.counts);
    }

    // Takes the columns of `o` (a counter of the same database), with counts of its own.
    void copy_columns(const FacetCounter &o)
    {
        for (const Column &c : o.columns_) {
            columns_.push_back(Column{ c.facet, c.col, bx_column_counts() });
            columns_.back().counts.n.assign(c.col->values.size(), 0);
        }
    }

    // Adds the counts of `o`, made by copy_columns from this one.
    void merge(const FacetCounter &o)
    {
        for (size_t i = 0; i < columns_.size() && i < o.columns_.size(); i++) {
            bx_column_counts &c = columns_[i].counts;
            const bx_column_counts &oc = o.columns_[i].counts;
            for (uint32_t id : oc.touched) {
                if (c.n[id] == 0)
                    c.touched.push_back(id);
                c.n[id] += oc.n[id];
            }
        }
    }

    // Puts the counts into `facets`, by facet.
    void fill(std::map<unsigned, bx_counts> &facets)
    {
        for (Column &c : columns_)
            bx_counts_from_column(*c.col, c.counts, facets[c.facet]);
        for (const auto &sp : spies_)
            bx_counts_from_spy(*sp.second, facet_is_set(sp.first), facets[sp.first]);
    }

  private:
    struct Column {
        unsigned facet;
        std::shared_ptr<const bx_facet_column> col;
        bx_column_counts counts;
    };
    bx_facet_columns *cols_;
    bx_db_identity id_;
    Xapian::Database db_;
    std::vector<Column> columns_;
    std::vector<std::pair<unsigned, std::unique_ptr<Xapian::ValueCountMatchSpy>>> spies_;
};

// What a counting pass found: how many documents match, whether that is all of them (a time
// limit can cut a pass short), and whether the time limit was reached.
struct Counted {
    uint64_t matches = 0;
    bool exact = true;
    bool timed_out = false;
};

// The counting pass of a search of q over db (the counter's database): counts the facets of
// `counter` over every match. Where db is one local database (`one_local`) and every facet
// has a column, the matches are a bitmap (bx_match_bitmap: posting lists read directly, about
// a quarter of the time of Xapian's matcher); else Xapian's matcher weighs next to nothing
// (counting_weight) and calls the spies. A time limit (ms, 0 for none) covers the pass.
Counted counting_pass(FacetCounter &counter, const Xapian::Database &db, const Xapian::Query &q,
                      double time_limit_ms, bool one_local)
{
    Counted c;
    auto t0 = std::chrono::steady_clock::now();
    if (one_local && counter.columns_only()) {
        bx_doc_bitmap docs;
        c.exact = bx_match_bitmap(db, q, 1, db.get_lastdocid(), time_limit_ms, docs);
        c.matches = docs.count();
        counter.count(docs);
        c.timed_out = !c.exact;
        return c;
    }
    Xapian::Enquire enq(db);
    enq.set_query(q);
    enq.set_weighting_scheme(counting_weight());
    if (time_limit_ms > 0)
        enq.set_time_limit(time_limit_ms / 1000.0);
    counter.attach(enq);
    Xapian::MSet all = enq.get_mset(0, 0, db.get_doccount());
    c.matches = all.get_matches_lower_bound();
    c.exact = all.get_matches_lower_bound() == all.get_matches_upper_bound();
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    c.timed_out = time_limit_ms > 0 && ms >= time_limit_ms;
    return c;
}

// A counting pass shared by a reader's two threads: the docids are cut into chunks, and each
// thread takes the next chunk left until there is none. The calling thread joins in once its
// ranked search is done, so the two end together whichever pass is the longer.
class SharedCount
{
  public:
    SharedCount(Xapian::docid last, double time_limit_ms)
        : last_(last), time_limit_ms_(time_limit_ms), t0_(std::chrono::steady_clock::now())
    {
        // Chunks of at least 4,096 docids, at most 16 of them.
        chunk_ = std::max<Xapian::docid>(4096, last / 16 + 1);
        chunks_ = last / chunk_ + 1;
    }

    // Adds the matches of q in the chunks it takes to `docs`; false once a time limit cut a
    // chunk short (no chunk is taken after that).
    bool take(const Xapian::Database &db, const Xapian::Query &q, bx_doc_bitmap &docs)
    {
        for (;;) {
            unsigned i = next_.fetch_add(1);
            if (i >= chunks_)
                return true;
            double left = 0;
            if (time_limit_ms_ > 0) {
                double spent = std::chrono::duration<double, std::milli>(
                                   std::chrono::steady_clock::now() - t0_)
                                   .count();
                left = std::max(0.001, time_limit_ms_ - spent);
            }
            Xapian::docid lo = i * chunk_ + 1;
            Xapian::docid hi = i + 1 == chunks_ ? last_ : (i + 1) * chunk_;
            if (!bx_match_bitmap(db, q, lo, hi, left, docs)) {
                next_ = chunks_;
                return false;
            }
        }
    }

    // Leaves the chunks not yet taken untaken.
    void cancel()
    {
        next_ = chunks_;
    }

  private:
    Xapian::docid last_;
    double time_limit_ms_;
    std::chrono::steady_clock::time_point t0_;
    Xapian::docid chunk_;
    unsigned chunks_;
    std::atomic<unsigned> next_{ 0 };
};

// The open shards of a reader, when they are all local and there is more than one.
std::vector<const bx_shard *> local_shards(const bx_reader *r)
{
    std::vector<const bx_shard *> open;
    for (const bx_shard &s : r->shards) {
        if (s.port)
            return {};
        if (s.open)
            open.push_back(&s);
    }
    return open;
}

// A counter for a search of the reader's database (r->db). Over several databases searched as
// one, Xapian gives a match spy each document's docid within its own database without saying
// which, so a column cannot be looked up: that counter has only spies (see
// count_each_database for what counts there with columns).
FacetCounter reader_counter(bx_reader *r)
{
    std::vector<const bx_shard *> open = local_shards(r);
    if (open.size() == 1)
        return FacetCounter(r->opts.facet_columns, open[0]->identity, r->db);
    return FacetCounter(nullptr, bx_db_identity(), r->db);
}

// Whether the counting pass runs over each database apart: a reader with facet columns of
// several local databases.
bool count_per_database(const bx_reader *r)
{
    return r->opts.facet_columns && local_shards(r).size() > 1;
}

// The reader's counting thread, its handle on the reader's one local database at the revision
// the reader searches; nullptr when the reader does not count in parallel, searches several
// databases or a remote one, or the database moved on before the handle was opened (until the
// reader reopens).
bx_count_helper *count_helper(bx_reader *r)
{
    if (!r->opts.parallel_count || !r->opts.facet_columns)
        return nullptr;
    std::vector<const bx_shard *> open = local_shards(r);
    if (open.size() != 1 || open[0]->identity.uuid.empty())
        return nullptr;
    const bx_shard &s = *open[0];
    try {
        if (!r->helper)
            r->helper = std::make_shared<bx_count_helper>();
        bx_count_helper &h = *r->helper;
        if (same_identity(h.identity, s.identity))
            return &h;
        if (same_identity(h.refused, s.identity)) // tried at this revision already
            return nullptr;
        h.db = Xapian::Database();
        h.identity = bx_db_identity();
        Xapian::Database db =
            s.backend ? Xapian::Database(s.name, s.backend) : Xapian::Database(s.name);
        bx_db_identity id = bx_identify(s.name, db);
        if (!same_identity(id, s.identity)) {
            h.refused = s.identity;
            return nullptr;
        }
        h.db = db;
        h.identity = id;
        return &h;
    } catch (...) {
        // No second thread or handle now (a folder being swapped, no thread left): the
        // search counts in its own thread.
        return nullptr;
    }
}

// Waits for a counting thread's task when it leaves scope, so that an exception in the ranked
// search cannot leave the thread using what the search owns; finish() rethrows the task's.
class CountJoin
{
  public:
    CountJoin(bx_count_helper *h, SharedCount *shared) : h_(h), shared_(shared)
    {
    }
    ~CountJoin()
    {
        if (!h_)
            return;
        if (shared_)
            shared_->cancel(); // the search failed: no chunk is started any more
        try {
            h_->finish();
        } catch (...) {
            h_->identity = bx_db_identity(); // reopened at the next search
        }
    }
    CountJoin(const CountJoin &) = delete;
    CountJoin &operator=(const CountJoin &) = delete;
    void finish()
    {
        bx_count_helper *h = h_;
        h_ = nullptr;
        try {
            h->finish();
        } catch (...) {
            h->identity = bx_db_identity();
            throw;
        }
    }

  private:
    bx_count_helper *h_;
    SharedCount *shared_;
};

// The counting pass of a reader of several local databases: one pass that weighs next to nothing
// over each database in turn, each with its own columns, the counts summed. Matching is by
// document, so the matches of the whole are those of the parts. `facets` holds (facet, count
// dates by day); a time limit (ms, 0 for none) covers all the passes, and *timed_out says
// whether it cut one short. Returns the number of matches.
uint64_t count_each_database(bx_reader *r, const Xapian::Query &q,
                             const std::vector<std::pair<unsigned, bool>> &facets,
                             double time_limit_ms, bool *timed_out, bx_results *res)
{
    std::map<unsigned, std::map<std::string, uint64_t>> sums;
    uint64_t total = 0;
    // Columns missing are built first, outside the time limit, as in a search of one database.
    for (const bx_shard *s : local_shards(r))
        for (const auto &f : facets)
            bx_facet_column_get(r->opts.facet_columns, s->identity, s->db,
                                facet_slot(f.first, f.second), facet_is_set(f.first));
    auto t0 = std::chrono::steady_clock::now();
    *timed_out = false;
    for (const bx_shard *s : local_shards(r)) {
        FacetCounter counter(r->opts.facet_columns, s->identity, s->db);
        for (const auto &f : facets)
            counter.add(f.first, f.second);
        double left = 0;
        if (time_limit_ms > 0) {
            double spent =
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                    .count();
            left = std::max(1.0, time_limit_ms - spent);
        }
        Counted c = counting_pass(counter, s->db, q, left, true);
        total += c.matches;
        *timed_out = *timed_out || c.timed_out;
        std::map<unsigned, bx_counts> part;
        counter.fill(part);
        for (const auto &kv : part)
            for (const auto &item : kv.second.items)
                sums[kv.first][item.first] += item.second;
    }
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    *timed_out = *timed_out || (time_limit_ms > 0 && ms >= time_limit_ms);
    for (const auto &f : facets)
        bx_counts_from_sums(sums[f.first], res->facets[f.first]);
    return total;
}

void count_facet(bx_reader *r, const Xapian::Query &q, unsigned facet, bool days, bx_results *res)
{
    if (count_per_database(r)) {
        bool timed_out = false;
        count_each_database(r, q, { { facet, days } }, 0, &timed_out, res);
        return;
    }
    FacetCounter counter = reader_counter(r);
    counter.add(facet, days);
    counting_pass(counter, r->db, q, 0, local_shards(r).size() == 1);
    counter.fill(res->facets);
}

// Whether day counts ("YYYYMMDD" keys) all fall within three days.
bool narrow_days(const bx_counts &c)
{
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (const auto &item : c.items) {
        int64_t d = day_number(item.first);
        if (d < 0)
            continue;
        lo = std::min(lo, d);
        hi = std::max(hi, d);
    }
    return lo <= hi && hi - lo <= 2;
}

const unsigned all_facets[] = { BX_FACET_CATEGORY, BX_FACET_SOURCE, BX_FACET_LANG, BX_FACET_DATE,
                                BX_FACET_AUTHOR };

// Copies the hits [first, first + count) of an MSet into the results.
// (No MSet::fetch(): in Xapian 1.4.22 it crashes when the MSet starts past offset 0. The
// stored article is read only for the hits kept; see load_data.)
void fill_hits(bx_results *res, const Xapian::MSet &mset, Xapian::doccount first,
               Xapian::doccount count)
{
    for (Xapian::doccount i = first; i < mset.size() && i < first + count; i++) {
        Xapian::MSetIterator it = mset[i];
        res->hits.push_back({ *it, it.get_weight(), it.get_collapse_count(), std::string() });
    }
}

// Reads the stored article of every hit kept.
void load_data(bx_results *res)
{
    for (bx_hit &h : res->hits)
        h.data = bx_doc_data(res->cache, res->stamp, res->db, h.did);
}

// Re-ranks the first RESCORE_WINDOW hits of an MSet (which starts at the first match) by how
// close together they hold the query's words, and keeps the hits [offset, offset + limit) of
// the new order. Hits past the window keep their order, so pages of any size join up.
void rescore(bx_results *res, const Xapian::MSet &mset, const std::vector<std::string> &terms,
             Xapian::doccount offset, Xapian::doccount limit)
{
    Xapian::doccount window = std::min(mset.size(), RESCORE_WINDOW);
    fill_hits(res, mset, 0, window);
    double bonus = PROXIMITY_SHARE * (mset.empty() ? 0 : mset[0].get_weight());
    for (bx_hit &h : res->hits)
        h.score += bonus * proximity(res->db, h.did, terms);
    std::stable_sort(res->hits.begin(), res->hits.end(),
                     [](const bx_hit &a, const bx_hit &b) { return a.score > b.score; });
    if (offset >= res->hits.size())
        res->hits.clear();
    else
        res->hits.erase(res->hits.begin(), res->hits.begin() + offset);
    if (res->hits.size() > limit)
        res->hits.resize(limit);
    Xapian::doccount from = std::max(window, offset);
    if (res->hits.size() < limit && from < mset.size())
        fill_hits(res, mset, from, limit - static_cast<Xapian::doccount>(res->hits.size()));
}

// "-strike -rail": a query of nothing but excluded words means every article without them
// (Xapian's parser would drop the lone '-' and search for the words instead).
bool only_excluded_words(const std::string &text, std::string &words)
{
    size_t i = 0, n = 0;
    words.clear();
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t'))
            i++;
        if (i == text.size())
            break;
        if (text[i] != '-' || i + 1 == text.size() || text[i + 1] == ' ')
            return false;
        size_t end = text.find_first_of(" \t", i);
        if (end == std::string::npos)
            end = text.size();
        words += text.substr(i + 1, end - i - 1) + " ";
        n++;
        i = end;
    }
    return n > 0;
}

bx_status run_search(bx_reader *r, const bx_search_spec *s, bx_results *res)
{
    const Xapian::Stem &stem = r->stems.get(s->lang && *s->lang ? s->lang : "en");
    res->stem = stem;
    std::string text = s->query ? std::string(s->query, s->query_len) : std::string();
    bool empty = text.find_first_not_of(" \t\r\n") == std::string::npos;

    Xapian::Query q = match_all();
    if (!empty) {
        std::string parse_error; // outlives qp, whose date processors write it
        Xapian::QueryParser qp;
        setup_parser(qp, r, stem, text, s->match_all != 0,
                     !s->lang || !*s->lang || strcmp(s->lang, "en") == 0, parse_error,
                     res->snippet_wildcards);
        unsigned flags = Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_WILDCARD |
                         Xapian::QueryParser::FLAG_PURE_NOT;
        std::string parsed = rewrite_wildcards(disarm_wild_fields(text));
        std::string excluded;
        if (only_excluded_words(parsed, excluded))
            q = Xapian::Query(Xapian::Query::OP_AND_NOT, match_all(),
                              qp.parse_query(excluded, flags));
        else
            q = qp.parse_query(parsed, flags);
        if (!parse_error.empty())
            throw Xapian::QueryParserError(parse_error);
        if (s->recency_half_life > 0)
            q = add_recency(r, q, s);
    }

    res->db = r->db;
    res->cache = r->opts.doc_cache;
    res->stamp = r->stamp;
    res->query = q;
    // Phrases of common words are proved by their pair terms (pairs.cc): one query for the
    // ranked search, which weighs the words as the phrase does, one for counting.
    Xapian::Query counting = bx_use_pairs(q, r->pairs, true);
    Xapian::Enquire enq(r->db);
    enq.set_query(with_filter(bx_use_pairs(q, r->pairs, false), filters(s, 0)));
    int sort = s->sort;
    if (empty && sort == BX_SORT_RELEVANCE)
        sort = BX_SORT_NEWEST;
    // Sorting by date: newest or oldest first, articles without a date last either way. Both
    // are a descending sort by value (cheaper than a key maker, and it runs on remote shards):
    // an undated article has no value, which sorts lowest.
    if (sort == BX_SORT_NEWEST)
        enq.set_sort_by_value_then_relevance(BX_SLOT_DATE, true);
    else if (sort == BX_SORT_OLDEST)
        enq.set_sort_by_value_then_relevance(BX_SLOT_OLDEST, true);
    if (s->collapse)
        enq.set_collapse_key(BX_SLOT_STORY);
    if (s->time_limit_ms)
        enq.set_time_limit(s->time_limit_ms / 1000.0);

    bool days = s->date_unit != BX_DATES_HOURS;
    // Facets are counted over every match. In a search by relevance they are counted in a
    // pass of their own that weighs next to nothing (counting_weight), and the ranked search
    // stops early as without facets: cheaper than weighing every match (about 15 % fewer
    // instructions for one-word queries). A search sorted by date must visit every match
    // anyway to sort them, so there one pass does both. Xapian 1.4 also over-counts match
    // spies on remote shards in a search sorted by value (the more so the more hits are
    // asked for): there, too, they are counted apart.
    bool spies_apart = s->facets && ((sort == BX_SORT_RELEVANCE && !s->collapse) ||
                                     (sort != BX_SORT_RELEVANCE && bx_reader_has_remote(r)));
    // The counting pass also gives the exact total, except when stories are collapsed (it
    // does not collapse): then the ranked search counts every match, as without it.
    bool total_apart = spies_apart && !s->collapse;
    // Over several local databases, the counting pass runs on each apart, with its columns.
    bool per_database = spies_apart && count_per_database(r);
    FacetCounter counter = reader_counter(r);
    std::vector<std::pair<unsigned, bool>> counted;
    for (unsigned f : all_facets) {
        if (!(s->facets & f) || facet_filtered(s, f))
            continue;
        if (per_database)
            counted.emplace_back(f, days);
        else
            counter.add(f, days);
    }
    if (!spies_apart)
        counter.attach(enq);
    Xapian::doccount check = s->check_at_least;
    if (s->facets && !total_apart)
        check = r->db.get_doccount();
    // With a counting thread, the counting pass runs there from now, on its own copy of the
    // query (Xapian's query objects count their references without locks).
    bx_count_helper *helper = nullptr;
    if (spies_apart && !per_database && counter.columns_only())
        helper = count_helper(r);
    // The query a counting pass apart counts: the search's, with every filter.
    Xapian::Query counted_query;
    if (spies_apart)
        counted_query = with_filter(counting, filters(s, 0));
    // With a counting thread, the pass's chunks of docids are shared with this thread once the
    // ranked search is done.
    std::unique_ptr<SharedCount> shared;
    bx_doc_bitmap helper_docs;
    bool helper_exact = true;
    std::unique_ptr<FacetCounter> mine; // this thread's counts, merged into the helper's
    if (helper) {
        mine.reset(new FacetCounter(reader_counter(r)));
        mine->copy_columns(counter);
        shared.reset(new SharedCount(r->db.get_lastdocid(), s->time_limit_ms));
        std::string wire = counted_query.serialise();
        SharedCount *sc = shared.get();
        helper->start([helper, wire, sc, &counter, &helper_docs, &helper_exact] {
            helper_exact = sc->take(helper->db, Xapian::Query::unserialise(wire), helper_docs);
            counter.count(helper_docs);
        });
    }
    CountJoin join(helper, shared.get());
    std::vector<std::string> near;
    if (!empty && sort == BX_SORT_RELEVANCE)
        near = proximity_terms(r, q);
    auto t0 = std::chrono::steady_clock::now();
    if (near.empty())
        res->mset = enq.get_mset(s->offset, s->limit, check);
    else
        res->mset = enq.get_mset(0, std::max(RESCORE_WINDOW, s->offset + s->limit), check);
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    res->timed_out = s->time_limit_ms && ms >= s->time_limit_ms;
    res->total = res->mset.get_matches_estimated();
    res->exact = res->mset.get_matches_lower_bound() == res->mset.get_matches_upper_bound();
    if (res->exact)
        res->total = res->mset.get_matches_lower_bound();
    else
        res->total =
            std::max<uint64_t>(res->mset.get_matches_lower_bound(),
                               near.empty() ? s->offset + res->mset.size() : res->mset.size());
    if (helper) {
        bx_doc_bitmap docs;
        bool exact = shared->take(r->db, counted_query, docs);
        mine->count(docs);
        join.finish();
        helper->passes++;
        counter.merge(*mine);
        exact = exact && helper_exact;
        res->timed_out = res->timed_out || !exact;
        if (total_apart) {
            res->exact = exact;
            res->total = std::max<uint64_t>(docs.count() + helper_docs.count(), res->total);
        }
    } else if (per_database) {
        bool timed_out = false;
        uint64_t total = count_each_database(
            r, counted_query, counted, s->time_limit_ms ? std::max(1.0, s->time_limit_ms - ms) : 0,
            &timed_out, res);
        res->timed_out = res->timed_out || timed_out;
        if (total_apart) {
            res->exact = !timed_out;
            res->total = std::max<uint64_t>(total, res->total);
        }
    } else if (spies_apart) {
        // The time limit covers both passes: the counting one gets what is left.
        Counted c = counting_pass(counter, r->db, counted_query,
                                  s->time_limit_ms ? std::max(1.0, s->time_limit_ms - ms) : 0,
                                  local_shards(r).size() == 1);
        res->timed_out = res->timed_out || c.timed_out;
        if (total_apart) {
            res->exact = c.exact;
            res->total = std::max<uint64_t>(c.matches, res->total);
        }
    }
    counter.fill(res->facets);
    // Disjunctive facets: a filtered field is counted without its own filter.
    for (unsigned f : all_facets)
        if ((s->facets & f) && facet_filtered(s, f))
            count_facet(r, with_filter(counting, filters(s, f)), f, days, res);
    // Days that span three days or fewer are counted again by the hour, for hourly buckets.
    if ((s->facets & BX_FACET_DATE) && s->date_unit == BX_DATES_AUTO &&
        narrow_days(res->facets[BX_FACET_DATE]))
        count_facet(r, with_filter(counting, filters(s, BX_FACET_DATE)), BX_FACET_DATE, false, res);
    if (near.empty())
        fill_hits(res, res->mset, 0, res->mset.size());
    else
        rescore(res, res->mset, near, s->offset, s->limit);
    load_data(res);
    // Did-you-mean, after the search: it looks up the words' frequencies in its statistics.
    if (!empty && s->want_correction) {
        std::string corrected = correct_spelling(r->db, res->mset, stem, text);
        if (corrected != text) {
            res->corrected = corrected;
            res->has_corrected = true;
        }
    }
    return BX_OK;
}

} // namespace

void bx_count_helper_release(bx_reader *r)
{
    if (!r->helper)
        return;
    r->helper->db = Xapian::Database();
    r->helper->identity = bx_db_identity();
    r->helper->refused = bx_db_identity();
}

extern "C" uint64_t bx_reader_parallel_passes(const bx_reader *r)
{
    return r && r->helper ? r->helper->passes : 0;
}

extern "C" bx_status bx_search(bx_reader *r, const bx_search_spec *s, bx_results **out)
{
    if (out)
        *out = nullptr;
    if (!r || !s || !out)
        return BX_ERR_INVALID;
    bx_results *res = nullptr;
    try {
        res = new bx_results;
        bx_status st = run_search(r, s, res);
        if (st != BX_OK) {
            delete res;
            return st;
        }
        *out = res;
        return BX_OK;
    } catch (const Xapian::UnimplementedError &e) {
        // A query Xapian parses but cannot run, such as NEAR or ADJ over a group of terms (a
        // wildcard of Byline's own, when its field name is typed by hand): the query's fault.
        delete res;
        r->err = "search failed: " + e.get_msg();
        if (e.get_msg().find("OP_NEAR and OP_PHRASE") != std::string::npos)
            r->err = "search failed: NEAR, ADJ and phrases take single words here, not "
                     "wildcards or groups of words";
        return BX_ERR_QUERY;
    } catch (...) {
        delete res;
        return bx_status_from_exception("search failed", r->err);
    }
}

extern "C" void bx_record_split(const char *rec, size_t len, bx_record *out)
{
    static const char empty_object[] = "{}";
    const char *end = rec ? rec + len : rec;
    const char *nl1 = rec ? static_cast<const char *>(memchr(rec, '\n', len)) : nullptr;
    const char *nl2 =
        nl1 ? static_cast<const char *>(memchr(nl1 + 1, '\n', end - nl1 - 1)) : nullptr;
    out->hit = rec;
    out->hit_len = nl1 ? static_cast<size_t>(nl1 - rec) : len;
    out->more = nl2 ? nl1 + 1 : empty_object;
    out->more_len = nl2 ? static_cast<size_t>(nl2 - nl1 - 1) : 2;
    out->body = nl2 ? nl2 + 1 : end;
    out->body_len = nl2 ? static_cast<size_t>(end - nl2 - 1) : 0;
}

extern "C" uint64_t bx_results_total(const bx_results *res, int *exact)
{
    if (exact)
        *exact = res && res->exact ? 1 : 0;
    return res ? res->total : 0;
}

extern "C" int bx_results_timed_out(const bx_results *res)
{
    return res && res->timed_out ? 1 : 0;
}

extern "C" const char *bx_results_corrected(const bx_results *res)
{
    return res && res->has_corrected ? res->corrected.c_str() : nullptr;
}

extern "C" size_t bx_results_size(const bx_results *res)
{
    return res ? res->hits.size() : 0;
}

extern "C" const char *bx_results_data(const bx_results *res, size_t i, size_t *len)
{
    if (!res || i >= res->hits.size())
        return nullptr;
    if (len)
        *len = res->hits[i].data.size();
    return res->hits[i].data.c_str();
}

extern "C" double bx_results_score(const bx_results *res, size_t i)
{
    return res && i < res->hits.size() ? res->hits[i].score : 0;
}

extern "C" uint64_t bx_results_collapsed(const bx_results *res, size_t i)
{
    return res && i < res->hits.size() ? res->hits[i].collapsed : 0;
}

namespace
{

// The words a snippet highlights: the query's terms without their field prefixes.
std::set<std::string> snippet_terms(const Xapian::Query &q)
{
    std::set<std::string> terms;
    for (Xapian::TermIterator t = q.get_unique_terms_begin(); t != q.get_unique_terms_end(); ++t) {
        const std::string &term = *t;
        size_t i = 0;
        while (i < term.size() && term[i] >= 'A' && term[i] <= 'Z')
            i++;
        if (i < term.size() && (i == 0 || term[0] == 'S' || term[0] == 'A'))
            terms.insert(term.substr(i));
    }
    return terms;
}

struct Word {
    size_t start, end; // byte offsets in the text
    bool match;
};

// Splits the n bytes at text into words (Xapian's notion of word characters), marking those
// whose lower-case or stemmed form is a query term.
std::vector<Word> split_words(const char *text, size_t n, const Xapian::Stem &stem,
                              const std::set<std::string> &terms,
                              const std::vector<std::string> &wild,
                              std::unordered_map<std::string, bool> &seen, bool any_start,
                              bool two_letters)
{
    std::vector<Word> words;
    words.reserve(n / 5 + 1); // about one word in five or six bytes of news text
    // A stem begins as its word does: only words starting as some term starts are looked at
    // (lower-cased and stemmed), each distinct one once per search (`seen`). Stemmers that
    // take prefixes off (any_start: Irish, Indonesian) look at every word. Those that keep
    // a word's first two letters when both are ASCII (two_letters: they rewrite endings, and
    // accented letters only) look at a word whose first two bytes are ASCII only when a term
    // begins with them too; a term of one byte, or whose second byte is not ASCII, lets every
    // word through that begins with its first. English turns "dying", "lying" and "tying"
    // into "die", "lie" and "tie": a term whose second letter is 'i' lets 'y' through too.
    bool first_ascii[128] = { false };
    bool any_second[128] = { false }; // some term with this first byte takes any second one
    std::vector<uint16_t> pairs;      // first two bytes of the other terms
    bool non_ascii = false;
    auto note = [&](const std::string &t) {
        if (t.empty())
            return;
        unsigned char c = static_cast<unsigned char>(t[0]);
        if (c >= 0x80) {
            non_ascii = true;
            return;
        }
        first_ascii[c] = true;
        unsigned char d = t.size() > 1 ? static_cast<unsigned char>(t[1]) : 0x80;
        if (d >= 0x80 || !two_letters)
            any_second[c] = true;
        else
            pairs.push_back(static_cast<uint16_t>(c << 8 | d));
        if (d == 'i')
            pairs.push_back(static_cast<uint16_t>(c << 8 | 'y'));
    };
    for (const std::string &t : terms)
        note(t);
    for (const std::string &w : wild)
        note(w);
    // A word matches a wildcard when it begins with the letters typed before the '*'.
    auto wild_match = [&](const std::string &word) {
        for (const std::string &w : wild)
            if (word.compare(0, w.size(), w) == 0)
                return true;
        return false;
    };
    auto want = [&](unsigned cp) { return any_start || (cp < 0x80 ? first_ascii[cp] : non_ascii); };
    auto may_match = [&](const std::string &w) {
        if (any_start)
            return true;
        unsigned char c = static_cast<unsigned char>(w[0]);
        if (c >= 0x80 || w.size() < 2 || any_second[c])
            return true;
        unsigned char d = static_cast<unsigned char>(w[1]);
        if (d >= 0x80)
            return true;
        uint16_t pair = static_cast<uint16_t>(c << 8 | d);
        return std::find(pairs.begin(), pairs.end(), pair) != pairs.end();
    };
    bx_for_each_word(text, n, want, [&](size_t start, size_t end, const std::string &lower) {
        bool match = false;
        if (!lower.empty() && may_match(lower)) {
            auto hit = seen.find(lower);
            if (hit == seen.end())
                hit = seen.emplace(lower, terms.count(lower) || wild_match(lower) ||
                                              terms.count(stem(lower)))
                          .first;
            match = hit->second;
        }
        words.push_back({ start, end, match });
    });
    return words;
}

// How the snippet scanner may pass over words for the search's stemmer (see split_words).
// The two-letter list holds the libstemmer algorithms checked to keep the first two ASCII
// letters of a word (Serbian rewrites "ije" after the first consonant; Dutch and German
// change in later Snowball releases, so they keep the one-letter test).
void set_snippet_stemmer(bx_results *res)
{
    static const char *const two_letters[] = { "english",    "french",     "italian",   "spanish",
                                               "portuguese", "romanian",   "danish",    "norwegian",
                                               "swedish",    "finnish",    "hungarian", "catalan",
                                               "basque",     "lithuanian", "porter" };
    std::string d = res->stem.get_description(); // "Xapian::Stem(libstemmer(english))"
    std::string name;
    size_t open = d.rfind('('), close = d.find(')', open == std::string::npos ? 0 : open);
    if (open != std::string::npos && close != std::string::npos && close > open)
        name = d.substr(open + 1, close - open - 1);
    res->snippet_any_start = name == "irish" || name == "indonesian";
    res->snippet_two_letters = false;
    for (const char *l : two_letters)
        res->snippet_two_letters = res->snippet_two_letters || name == l;
}

// What append_escaped does with each byte: copies it (0), takes it for white space (1) or
// writes an entity for it (2).
struct EscapeTable {
    unsigned char kind[256];
};
constexpr EscapeTable make_escape_table()
{
    EscapeTable t{};
    for (int c = 0; c < 256; c++)
        t.kind[c] = c == ' ' || c == '\n' || c == '\r' || c == '\t'             ? 1
                    : c == '&' || c == '<' || c == '>' || c == '"' || c == '\'' ? 2
                                                                                : 0;
    return t;
}
constexpr EscapeTable escape_table = make_escape_table();

// Appends text[from, to) to out with HTML's special characters as entities and each run of
// white space as one space (none at the start of out or after a space). Runs of bytes that
// need neither are copied in one go.
void append_escaped(std::string &out, const std::string &text, size_t from, size_t to)
{
    const unsigned char *s = reinterpret_cast<const unsigned char *>(text.data());
    bool space = false;
    size_t i = from;
    while (i < to) {
        unsigned char kind = escape_table.kind[s[i]];
        if (kind == 1) {
            space = true;
            i++;
            continue;
        }
        if (space && !out.empty() && out.back() != ' ')
            out += ' ';
        space = false;
        if (kind == 0) {
            size_t run = i;
            while (i < to && escape_table.kind[s[i]] == 0)
                i++;
            out.append(text, run, i - run);
            continue;
        }
        switch (s[i]) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += "&#39;";
        }
        i++;
    }
    if (space && !out.empty() && out.back() != ' ')
        out += ' ';
}

// The window of words of at most `length` bytes holding the most matches (distinct words
// first), earliest on ties. Returns [first, last) word indexes.
std::pair<size_t, size_t> best_window(const std::string &text, const std::vector<Word> &w,
                                      size_t length)
{
    size_t best_first = 0, best_last = 0, best_score = 0, matches = 0;
    size_t last = 0;
    for (size_t first = 0; first < w.size(); first++) {
        if (last < first) {
            last = first;
            matches = 0;
        }
        while (last < w.size() && w[last].end - w[first].start <= length) {
            matches += w[last].match;
            last++;
        }
        size_t score = matches * 2 + (w[first].match ? 1 : 0);
        bool sentence = first == 0;
        for (size_t i = first ? w[first - 1].end : 0; first && i < w[first].start; i++)
            sentence = sentence || text[i] == '.' || text[i] == '!' || text[i] == '?';
        score = score * 2 + (sentence ? 1 : 0);
        if (score > best_score || best_last == 0) {
            best_score = score;
            best_first = first;
            best_last = last;
        }
        if (w[first].match && matches > 0)
            matches--;
        if (last == w.size() && best_last == w.size())
            break;
    }
    return { best_first, best_last };
}

bool is_space(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

// Moves a window that starts at a match back by up to LEAD_IN_WORDS words of the same
// sentence, so that the match is read in context, as long as the window (ending earlier to
// keep within `length` bytes) holds as many matches. Returns the new [first, last).
std::pair<size_t, size_t> lead_in(const std::string &text, const std::vector<Word> &w, size_t first,
                                  size_t last, size_t length)
{
    auto matches = [&](size_t a, size_t b) {
        size_t n = 0;
        for (size_t i = a; i < b; i++)
            n += w[i].match;
        return n;
    };
    size_t want = matches(first, last);
    for (size_t k = 0; k < LEAD_IN_WORDS && first > 0; k++) {
        size_t cand = first - 1;
        bool sentence_end = false;
        for (size_t i = w[cand].end; i < w[first].start; i++)
            sentence_end = sentence_end || text[i] == '.' || text[i] == '!' || text[i] == '?';
        if (sentence_end)
            break;
        size_t end = last;
        while (end > cand + 1 && w[end - 1].end - w[cand].start > length)
            end--;
        if (matches(cand, end) < want)
            break;
        first = cand;
        last = end;
    }
    return { first, last };
}

} // namespace

extern "C" char *bx_results_snippet(bx_results *res, const char *text, size_t len, size_t length)
{
    if (!res || !text)
        return nullptr;
    try {
        if (!res->snippet_ready) {
            res->snippet_terms = snippet_terms(res->query);
            set_snippet_stemmer(res);
            res->snippet_ready = true;
        }
        // The snippet is looked for in the first SNIPPET_SCAN bytes (cut at a character).
        if (len > SNIPPET_SCAN) {
            len = SNIPPET_SCAN;
            while (len > 0 && (static_cast<unsigned char>(text[len]) & 0xc0) == 0x80)
                len--;
        }
        std::string t(text, len);
        std::vector<Word> words =
            split_words(t.data(), t.size(), res->stem, res->snippet_terms, res->snippet_wildcards,
                        res->snippet_words, res->snippet_any_start, res->snippet_two_letters);
        std::string out;
        if (!words.empty()) {
            size_t first = 0, last = words.size();
            if (t.size() > length)
                std::tie(first, last) = best_window(t, words, length);
            // A window starting a few words in starts at the beginning instead.
            if (first > 0 && words[first].start < 40)
                first = 0;
            if (first > 0)
                std::tie(first, last) = lead_in(t, words, first, last, length);
            if (first > 0)
                out += "\xe2\x80\xa6";
            // From the start of the text, or of the first word with what is glued to its
            // front after a space (an opening quote, bracket or currency sign), but not the
            // tail of a token it is part of ("16.50"), and at most LEAD_BYTES before the word
            // (a text opening with a line of "=====" starts at its first word).
            size_t pos = 0;
            if (first > 0) {
                pos = words[first].start;
                while (pos > words[first - 1].end && !is_space(t[pos - 1]))
                    pos--;
                if (!is_space(t[pos - 1]))
                    pos = words[first].start;
            }
            if (words[first].start - pos > LEAD_BYTES)
                pos = words[first].start;
            for (size_t i = first; i < last; i++) {
                append_escaped(out, t, pos, words[i].start);
                if (words[i].match)
                    out += "<mark>";
                append_escaped(out, t, words[i].start, words[i].end);
                if (words[i].match)
                    out += "</mark>";
                pos = words[i].end;
            }
            if (last < words.size()) {
                out += "\xe2\x80\xa6";
            } else {
                append_escaped(out, t, pos, t.size());
                while (!out.empty() && out.back() == ' ')
                    out.pop_back();
            }
        }
        char *r = static_cast<char *>(malloc(out.size() + 1));
        if (r)
            memcpy(r, out.c_str(), out.size() + 1);
        return r;
    } catch (...) {
        return nullptr;
    }
}

extern "C" const bx_counts *bx_results_facet(const bx_results *res, unsigned facet)
{
    if (!res)
        return nullptr;
    auto it = res->facets.find(facet);
    return it == res->facets.end() ? nullptr : &it->second;
}

extern "C" void bx_results_free(bx_results *res)
{
    delete res;
}

namespace
{

// Keeps the words of related-article queries: plain terms of letters, no ids or filters.
class PlainTermDecider : public Xapian::ExpandDecider
{
  public:
    bool operator()(const std::string &term) const override
    {
        if (!is_plain_term(term) || term.size() < 3)
            return false;
        return !(term[0] >= '0' && term[0] <= '9');
    }
};

} // namespace

extern "C" bx_status bx_related(bx_reader *r, const char *id, size_t id_len, unsigned limit,
                                bx_results **out)
{
    if (out)
        *out = nullptr;
    if (!r || !id || !out)
        return BX_ERR_INVALID;
    std::string sid(id, id_len);
    bx_results *res = nullptr;
    try {
        std::string idterm = "Q" + sid;
        Xapian::PostingIterator p = r->db.postlist_begin(idterm);
        if (p == r->db.postlist_end(idterm)) {
            r->err = "no article with id '" + sid + "'";
            return BX_ERR_NOT_FOUND;
        }
        Xapian::RSet rset;
        rset.add_document(*p);
        Xapian::Enquire enq(r->db);
        PlainTermDecider decider;
        // Exact term frequencies: over shards Xapian would otherwise weigh the terms with the
        // frequencies of the shard holding the article.
        Xapian::ESet eset = enq.get_eset(20, rset, Xapian::Enquire::USE_EXACT_TERMFREQ, &decider);
        res = new bx_results;
        res->db = r->db;
        res->cache = r->opts.doc_cache;
        res->stamp = r->stamp;
        res->stem = r->stems.get("en");
        res->exact = true;
        if (!eset.empty()) {
            Xapian::Query terms(Xapian::Query::OP_OR, eset.begin(), eset.end());
            enq.set_query(Xapian::Query(Xapian::Query::OP_AND_NOT, terms, Xapian::Query(idterm)));
            res->mset = enq.get_mset(0, limit);
            res->total = res->mset.get_matches_estimated();
            res->exact = false;
            fill_hits(res, res->mset, 0, res->mset.size());
            load_data(res);
        }
        *out = res;
        return BX_OK;
    } catch (...) {
        delete res;
        return bx_status_from_exception("cannot find articles related to '" + sid + "'", r->err);
    }
}

extern "C" bx_status bx_suggest(bx_reader *r, const char *prefix, size_t prefix_len, unsigned limit,
                                char ***out, size_t *n)
{
    if (out)
        *out = nullptr;
    if (n)
        *n = 0;
    if (!r || !prefix || !out || !n)
        return BX_ERR_INVALID;
    try {
        std::string text = bx_lower(std::string(prefix, prefix_len));
        size_t start = text.find_last_of(" \t\r\n\"'(");
        std::string head = start == std::string::npos ? "" : text.substr(0, start + 1);
        std::string word = start == std::string::npos ? text : text.substr(start + 1);
        std::vector<std::pair<Xapian::doccount, std::string>> found;
        if (!word.empty()) {
            Xapian::TermIterator it = r->db.spellings_begin();
            Xapian::TermIterator end = r->db.spellings_end();
            it.skip_to(word);
            for (int seen = 0; it != end && seen < 20000; ++it, ++seen) {
                const std::string &t = *it;
                if (t.compare(0, word.size(), word) != 0)
                    break;
                found.emplace_back(it.get_termfreq(), t);
            }
        }
        std::stable_sort(
            found.begin(), found.end(),
            [](const std::pair<Xapian::doccount, std::string> &a,
               const std::pair<Xapian::doccount, std::string> &b) { return a.first > b.first; });
        if (found.size() > limit)
            found.resize(limit);
        char **list = static_cast<char **>(calloc(found.size() + 1, sizeof(char *)));
        if (!list)
            throw std::bad_alloc();
        for (size_t i = 0; i < found.size(); i++) {
            std::string s = head + found[i].second;
            list[i] = static_cast<char *>(malloc(s.size() + 1));
            if (!list[i]) {
                bx_strings_free(list, i);
                throw std::bad_alloc();
            }
            memcpy(list[i], s.c_str(), s.size() + 1);
        }
        *out = list;
        *n = found.size();
        return BX_OK;
    } catch (...) {
        return bx_status_from_exception("cannot suggest completions", r->err);
    }
}

extern "C" void bx_strings_free(char **strings, size_t n)
{
    if (!strings)
        return;
    for (size_t i = 0; i < n; i++)
        free(strings[i]);
    free(strings);
}
