// search.cc - searching: query parsing, filters, sorting, freshness, facets, snippets,
// related articles and completions.
#include "shim_internal.h"

#include "byline_common.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace
{

const double RECENCY_SHARE = 0.3;   // freshness adds up to this share of a typical top score
const unsigned WILDCARD_MAX = 1000; // a wildcard expands to at most this many terms
const int RECENCY_MAX_DAYS = 3660;  // days given a freshness weight; older ones get none

// `category:Earn`, `source:"Harbour Gazette"`: exact, case-insensitive boolean filters.
class LowerFieldProcessor : public Xapian::FieldProcessor
{
  public:
    explicit LowerFieldProcessor(const std::string &prefix) : prefix_(prefix)
    {
    }
    Xapian::Query operator()(const std::string &value) override
    {
        return Xapian::Query(prefix_ + bx_lower(value));
    }

  private:
    std::string prefix_;
};

// `date:2023-01-01..2023-03-31`, `date:2023-01..2023-02`, `date:2023..`: a range over the
// publication time, each end taken as its whole period.
class DateRangeProcessor : public Xapian::RangeProcessor
{
  public:
    DateRangeProcessor() : Xapian::RangeProcessor(BX_SLOT_DATE, "date:", 0)
    {
    }
    Xapian::Query operator()(const std::string &begin, const std::string &end) override
    {
        int64_t lo = 0, hi = 0, unused = 0;
        if (!begin.empty() && bl_date_parse(begin.data(), begin.size(), &lo, &unused, nullptr))
            throw Xapian::QueryParserError("invalid date '" + begin + "' in date range");
        if (!end.empty() && bl_date_parse(end.data(), end.size(), &unused, &hi, nullptr))
            throw Xapian::QueryParserError("invalid date '" + end + "' in date range");
        std::string vlo = Xapian::sortable_serialise(static_cast<double>(lo));
        std::string vhi = Xapian::sortable_serialise(static_cast<double>(hi));
        if (begin.empty())
            return Xapian::Query(Xapian::Query::OP_VALUE_LE, BX_SLOT_DATE, vhi);
        if (end.empty())
            return Xapian::Query(Xapian::Query::OP_VALUE_GE, BX_SLOT_DATE, vlo);
        return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, BX_SLOT_DATE, vlo, vhi);
    }
};

void setup_parser(Xapian::QueryParser &qp, bx_reader *r, const Xapian::Stem &stem, bool match_all)
{
    qp.set_database(r->db);
    qp.set_stemmer(stem);
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_ALL);
    qp.set_default_op(match_all ? Xapian::Query::OP_AND : Xapian::Query::OP_OR);
    qp.set_max_expansion(WILDCARD_MAX, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
    qp.add_prefix("title", "S");
    qp.add_prefix("author", "A");
    qp.add_boolean_prefix("category", (new LowerFieldProcessor("XCAT"))->release());
    qp.add_boolean_prefix("source", (new LowerFieldProcessor("XSRC"))->release());
    qp.add_boolean_prefix("tag", (new LowerFieldProcessor("K"))->release());
    qp.add_boolean_prefix("lang", (new LowerFieldProcessor("L"))->release());
    qp.add_boolean_prefix("id", "Q");
    qp.add_rangeprocessor((new DateRangeProcessor())->release());
}

bool is_plain_term(const std::string &t)
{
    return !t.empty() && !(t[0] >= 'A' && t[0] <= 'Z');
}

// Plain words found close together rank higher: the parsed query, with a NEAR over its words
// as an optional extra.
Xapian::Query add_proximity(bx_reader *r, const Xapian::Query &q)
{
    std::vector<std::string> terms;
    for (Xapian::TermIterator t = q.get_unique_terms_begin(); t != q.get_unique_terms_end(); ++t)
        if (is_plain_term(*t))
            terms.push_back(*t);
    if (terms.size() < 2 || terms.size() > 8 || !r->db.has_positions())
        return q;
    Xapian::Query near(Xapian::Query::OP_NEAR, terms.begin(), terms.end(),
                       static_cast<Xapian::termcount>(terms.size() + 2));
    return Xapian::Query(Xapian::Query::OP_AND_MAYBE, q, near);
}

Xapian::Query any_of(const char *prefix, const bx_strlist &list)
{
    std::vector<Xapian::Query> qs;
    for (size_t i = 0; i < list.n; i++)
        if (list.items[i])
            qs.emplace_back(prefix + bx_lower(list.items[i]));
    return Xapian::Query(Xapian::Query::OP_OR, qs.begin(), qs.end());
}

Xapian::Query date_filter(const bx_search_spec *s)
{
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
    if (s->langs.n && skip != BX_FACET_LANG)
        parts.push_back(any_of("L", s->langs));
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

unsigned facet_slot(unsigned facet)
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
        return BX_SLOT_HOUR;
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

void count_facet(bx_reader *r, const Xapian::Query &q, unsigned facet, bx_results *res)
{
    Xapian::Enquire enq(r->db);
    enq.set_query(q);
    enq.set_weighting_scheme(Xapian::BoolWeight());
    Xapian::ValueCountMatchSpy spy(facet_slot(facet));
    enq.add_matchspy(&spy);
    enq.get_mset(0, 0, r->db.get_doccount());
    bx_counts_from_spy(spy, facet_is_set(facet), res->facets[facet]);
}

const unsigned all_facets[] = { BX_FACET_CATEGORY, BX_FACET_SOURCE, BX_FACET_LANG, BX_FACET_DATE,
                                BX_FACET_AUTHOR };

void fill_hits(bx_results *res)
{
    res->mset.fetch();
    for (Xapian::MSetIterator it = res->mset.begin(); it != res->mset.end(); ++it)
        res->data.push_back(it.get_document().get_data());
}

bx_status run_search(bx_reader *r, const bx_search_spec *s, bx_results *res)
{
    const Xapian::Stem &stem = r->stems.get(s->lang && *s->lang ? s->lang : "en");
    res->stem = stem;
    std::string text = s->query ? std::string(s->query, s->query_len) : std::string();
    bool empty = text.find_first_not_of(" \t\r\n") == std::string::npos;

    Xapian::Query q = Xapian::Query::MatchAll;
    if (!empty) {
        Xapian::QueryParser qp;
        setup_parser(qp, r, stem, s->match_all != 0);
        unsigned flags = Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_WILDCARD |
                         Xapian::QueryParser::FLAG_PURE_NOT;
        if (s->want_correction)
            flags |= Xapian::QueryParser::FLAG_SPELLING_CORRECTION;
        q = qp.parse_query(text, flags);
        std::string corrected = qp.get_corrected_query_string();
        if (!corrected.empty() && corrected != text) {
            res->corrected = corrected;
            res->has_corrected = true;
        }
        q = add_proximity(r, q);
        if (s->recency_half_life > 0)
            q = add_recency(r, q, s);
    }

    res->db = r->db;
    res->query = q;
    Xapian::Enquire enq(r->db);
    enq.set_query(with_filter(q, filters(s, 0)));
    int sort = s->sort;
    if (empty && sort == BX_SORT_RELEVANCE)
        sort = BX_SORT_NEWEST;
    if (sort == BX_SORT_NEWEST || sort == BX_SORT_OLDEST)
        enq.set_sort_by_value_then_relevance(BX_SLOT_DATE, sort == BX_SORT_NEWEST);
    if (s->collapse)
        enq.set_collapse_key(BX_SLOT_STORY);
    if (s->time_limit_ms)
        enq.set_time_limit(s->time_limit_ms / 1000.0);

    std::vector<std::pair<unsigned, Xapian::ValueCountMatchSpy *>> spies;
    for (unsigned f : all_facets) {
        if (!(s->facets & f) || facet_filtered(s, f))
            continue;
        spies.emplace_back(f, new Xapian::ValueCountMatchSpy(facet_slot(f)));
        enq.add_matchspy(spies.back().second->release());
    }
    Xapian::doccount check = s->check_at_least;
    if (s->facets)
        check = r->db.get_doccount();
    auto t0 = std::chrono::steady_clock::now();
    res->mset = enq.get_mset(s->offset, s->limit, check);
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    res->timed_out = s->time_limit_ms && ms >= s->time_limit_ms;
    res->total = res->mset.get_matches_estimated();
    res->exact = res->mset.get_matches_lower_bound() == res->mset.get_matches_upper_bound();
    if (res->exact)
        res->total = res->mset.get_matches_lower_bound();
    else
        res->total =
            std::max<uint64_t>(res->mset.get_matches_lower_bound(), s->offset + res->mset.size());
    for (auto &sp : spies)
        bx_counts_from_spy(*sp.second, facet_is_set(sp.first), res->facets[sp.first]);
    // Disjunctive facets: a filtered field is counted without its own filter.
    for (unsigned f : all_facets)
        if ((s->facets & f) && facet_filtered(s, f))
            count_facet(r, with_filter(q, filters(s, f)), f, res);
    fill_hits(res);
    return BX_OK;
}

} // namespace

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
    } catch (...) {
        delete res;
        return bx_status_from_exception("search failed", r->err);
    }
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
    return res ? res->data.size() : 0;
}

extern "C" const char *bx_results_data(const bx_results *res, size_t i, size_t *len)
{
    if (!res || i >= res->data.size())
        return nullptr;
    if (len)
        *len = res->data[i].size();
    return res->data[i].c_str();
}

extern "C" double bx_results_score(const bx_results *res, size_t i)
{
    try {
        if (!res || i >= res->mset.size())
            return 0;
        return res->mset[static_cast<Xapian::doccount>(i)].get_weight();
    } catch (...) {
        return 0;
    }
}

extern "C" uint64_t bx_results_collapsed(const bx_results *res, size_t i)
{
    try {
        if (!res || i >= res->mset.size())
            return 0;
        return res->mset[static_cast<Xapian::doccount>(i)].get_collapse_count();
    } catch (...) {
        return 0;
    }
}

// Xapian's snippets look for a text's words, and for their stems under the "Z" prefix that
// Xapian's default stemming strategy indexes them with. Byline indexes stems unprefixed, so
// the snippets are made against the same query with each stem also written "Z"-prefixed.
static const Xapian::MSet &snippet_mset(bx_results *res)
{
    if (res->snippet_ready)
        return res->snippet_mset;
    std::vector<Xapian::Query> terms;
    for (Xapian::TermIterator t = res->query.get_unique_terms_begin();
         t != res->query.get_unique_terms_end(); ++t) {
        if (!is_plain_term(*t))
            continue;
        terms.emplace_back(*t);
        terms.emplace_back("Z" + *t);
    }
    Xapian::Enquire enq(res->db);
    enq.set_query(Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end()));
    res->snippet_mset = enq.get_mset(0, 0);
    res->snippet_ready = true;
    return res->snippet_mset;
}

extern "C" char *bx_results_snippet(bx_results *res, const char *text, size_t len, size_t length)
{
    if (!res || !text)
        return nullptr;
    try {
        std::string s = snippet_mset(res).snippet(
            std::string(text, len), length ? length : 200, res->stem,
            Xapian::MSet::SNIPPET_BACKGROUND_MODEL | Xapian::MSet::SNIPPET_EXHAUSTIVE, "<mark>",
            "</mark>", "\xe2\x80\xa6");
        char *out = static_cast<char *>(malloc(s.size() + 1));
        if (out)
            memcpy(out, s.c_str(), s.size() + 1);
        return out;
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
        Xapian::ESet eset = enq.get_eset(20, rset, &decider);
        res = new bx_results;
        res->stem = r->stems.get("en");
        res->exact = true;
        if (!eset.empty()) {
            Xapian::Query terms(Xapian::Query::OP_OR, eset.begin(), eset.end());
            enq.set_query(Xapian::Query(Xapian::Query::OP_AND_NOT, terms, Xapian::Query(idterm)));
            res->mset = enq.get_mset(0, limit);
            res->total = res->mset.get_matches_estimated();
            res->exact = false;
            fill_hits(res);
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
