// matchset.cc - the set of documents a query matches, as a bitmap by docid, for counting facets.
//
// Xapian's matcher spends about 60 ns on each match even when nothing is weighed (a search of
// one common word over 80,000 matches: 5.0 ms), where reading the word's posting list takes
// 16 ns a posting. Counting facets needs only which documents match, so the counting pass
// reads posting lists itself and combines them as bitmaps: AND, OR, AND_NOT and the like of
// words and filters. What a bitmap cannot say (a phrase needs positions, a wildcard an
// expansion, a date range the values) is left to Xapian's matcher, over the candidates the
// rest of the query leaves: a phrase inside an AND is proved only where its AND holds.
#include "shim_internal.h"

#include <algorithm>
#include <chrono>

namespace
{

using clock_type = std::chrono::steady_clock;

// Past the deadline the evaluation stops and says so; the clock is read every this many
// postings.
const size_t CLOCK_EVERY = 8192;

struct Eval {
    const Xapian::Database &db;
    Xapian::docid last;
    Xapian::docid lo, hi; // the docids evaluated
    bool timed;
    clock_type::time_point deadline;
    bool out_of_time = false;
    size_t postings = 0;

    bool late()
    {
        if (!timed || out_of_time)
            return out_of_time;
        if (++postings % CLOCK_EVERY == 0 && clock_type::now() >= deadline)
            out_of_time = true;
        return out_of_time;
    }
    double seconds_left() const
    {
        return std::chrono::duration<double>(deadline - clock_type::now()).count();
    }
};

// Feeds Xapian's matcher the documents of a bitmap (the candidates a subquery is proved on).
class BitmapSource : public Xapian::PostingSource
{
  public:
    explicit BitmapSource(const bx_doc_bitmap &b) : b_(b), count_(b.count())
    {
        set_maxweight(0);
    }
    Xapian::doccount get_termfreq_min() const override
    {
        return static_cast<Xapian::doccount>(count_);
    }
    Xapian::doccount get_termfreq_est() const override
    {
        return get_termfreq_min();
    }
    Xapian::doccount get_termfreq_max() const override
    {
        return get_termfreq_min();
    }
    void init(const Xapian::Database &) override
    {
        did_ = 0;
    }
    void next(double) override
    {
        did_ = b_.next(did_ + 1);
    }
    void skip_to(Xapian::docid did, double) override
    {
        if (did > did_)
            did_ = b_.next(did);
    }
    bool at_end() const override
    {
        return did_ == 0;
    }
    Xapian::docid get_docid() const override
    {
        return did_;
    }

  private:
    const bx_doc_bitmap &b_;
    size_t count_;
    Xapian::docid did_ = 0;
};

// Notes each match of Xapian's matcher in a bitmap.
class BitmapSpy : public Xapian::MatchSpy
{
  public:
    explicit BitmapSpy(bx_doc_bitmap &b) : b_(b)
    {
    }
    void operator()(const Xapian::Document &doc, double) override
    {
        b_.set(doc.get_docid());
    }

  private:
    bx_doc_bitmap &b_;
};

bool eval(Eval &e, const Xapian::Query &q, const bx_doc_bitmap *within, bx_doc_bitmap &out);

// The query's one term, for a leaf term.
std::string leaf_term(const Xapian::Query &q)
{
    Xapian::TermIterator t = q.get_terms_begin();
    return t == q.get_terms_end() ? std::string() : *t;
}

// A guess at how many documents q matches, to order the parts of an AND: exact for a word,
// the whole database for what is not looked into.
Xapian::doccount estimate(const Eval &e, const Xapian::Query &q)
{
    Xapian::doccount all = e.db.get_doccount();
    switch (q.get_type()) {
    case Xapian::Query::LEAF_TERM:
        return e.db.get_termfreq(leaf_term(q));
    case Xapian::Query::LEAF_MATCH_NOTHING:
        return 0;
    case Xapian::Query::OP_AND:
    case Xapian::Query::OP_FILTER: {
        Xapian::doccount n = all;
        for (size_t i = 0; i < q.get_num_subqueries(); i++)
            n = std::min(n, estimate(e, q.get_subquery(i)));
        return n;
    }
    case Xapian::Query::OP_OR:
    case Xapian::Query::OP_SYNONYM:
    case Xapian::Query::OP_MAX: {
        uint64_t n = 0;
        for (size_t i = 0; i < q.get_num_subqueries(); i++)
            n += estimate(e, q.get_subquery(i));
        return static_cast<Xapian::doccount>(std::min<uint64_t>(n, all));
    }
    case Xapian::Query::OP_AND_NOT:
    case Xapian::Query::OP_AND_MAYBE:
    case Xapian::Query::OP_SCALE_WEIGHT:
        return q.get_num_subqueries() ? estimate(e, q.get_subquery(0)) : 0;
    default:
        return all;
    }
}

// A word's documents within the range (and in `within` only, when given).
void eval_term(Eval &e, const std::string &term, const bx_doc_bitmap *within, bx_doc_bitmap &out)
{
    Xapian::PostingIterator p = e.db.postlist_begin(term);
    Xapian::PostingIterator end = e.db.postlist_end(term);
    // The share of the word's postings that falls in the range, roughly.
    double postings = static_cast<double>(e.db.get_termfreq(term)) *
                      (static_cast<double>(e.hi - e.lo) + 1) / std::max(1.0, double(e.last));
    if (within && static_cast<double>(within->count()) * 8 < postings) {
        // Few candidates, a long list: look each candidate up instead of reading the list.
        for (Xapian::docid d = within->next(1); d && p != end; d = within->next(d + 1)) {
            if (e.late())
                return;
            p.skip_to(d);
            if (p != end && *p == d)
                out.set(d);
        }
        return;
    }
    if (e.lo > 1)
        p.skip_to(e.lo);
    for (; p != end; ++p) {
        if (e.late())
            return;
        Xapian::docid d = *p;
        if (d > e.hi)
            break;
        if (!within || within->test(d))
            out.set(d);
    }
}

// Every document within the range (of those in `within`, when given).
void eval_all(Eval &e, const bx_doc_bitmap *within, bx_doc_bitmap &out)
{
    if (within) {
        out = *within;
        return;
    }
    if (e.db.get_doccount() == e.last) { // no docid unused: no need to read the list
        out.set_range(e.lo, e.hi);
        return;
    }
    eval_term(e, std::string(), nullptr, out);
}

// What a bitmap cannot tell: Xapian's matcher, weighing next to nothing, over the candidates
// (or the range).
void eval_matcher(Eval &e, const Xapian::Query &q, const bx_doc_bitmap *within, bx_doc_bitmap &out)
{
    if (within && within->count() == 0)
        return;
    bx_doc_bitmap range;
    if (!within && (e.lo > 1 || e.hi < e.last)) {
        range = bx_doc_bitmap(e.lo, e.hi);
        range.set_range(e.lo, e.hi);
        within = &range;
    }
    Xapian::Enquire enq(e.db);
    std::unique_ptr<BitmapSource> source; // must outlive get_mset
    if (within) {
        source.reset(new BitmapSource(*within));
        enq.set_query(Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query(source.get())));
    } else {
        enq.set_query(q);
    }
    enq.set_weighting_scheme(counting_weight());
    if (e.timed) {
        double left = e.seconds_left();
        if (left <= 0) {
            e.out_of_time = true;
            return;
        }
        enq.set_time_limit(left);
    }
    BitmapSpy spy(out);
    enq.add_matchspy(&spy);
    enq.get_mset(0, 0, e.db.get_doccount());
    if (e.timed && e.seconds_left() <= 0)
        e.out_of_time = true;
}

// AND and FILTER: the part likely to match least first, each next part looked for only among
// the documents the parts before it left.
void eval_and(Eval &e, const Xapian::Query &q, const bx_doc_bitmap *within, bx_doc_bitmap &out)
{
    std::vector<std::pair<Xapian::doccount, size_t>> order;
    for (size_t i = 0; i < q.get_num_subqueries(); i++)
        order.emplace_back(estimate(e, q.get_subquery(i)), i);
    std::stable_sort(order.begin(), order.end());
    bx_doc_bitmap acc(e.lo, e.hi);
    bool first = true;
    for (const auto &o : order) {
        bx_doc_bitmap part(e.lo, e.hi);
        if (!eval(e, q.get_subquery(o.second), first ? within : &acc, part))
            return;
        acc.swap(part);
        first = false;
        if (acc.count() == 0)
            break;
    }
    out.swap(acc);
}

// Evaluates q into out (an empty bitmap sized to the database), only among `within` when it is
// given. Returns false when the time ran out.
bool eval(Eval &e, const Xapian::Query &q, const bx_doc_bitmap *within, bx_doc_bitmap &out)
{
    if (e.late())
        return false;
    size_t n = q.get_num_subqueries();
    switch (q.get_type()) {
    case Xapian::Query::LEAF_TERM:
        eval_term(e, leaf_term(q), within, out);
        break;
    case Xapian::Query::LEAF_MATCH_ALL:
        eval_all(e, within, out);
        break;
    case Xapian::Query::LEAF_MATCH_NOTHING:
        break;
    case Xapian::Query::OP_AND:
    case Xapian::Query::OP_FILTER:
        eval_and(e, q, within, out);
        break;
    case Xapian::Query::OP_OR:
    case Xapian::Query::OP_SYNONYM:
    case Xapian::Query::OP_MAX:
        for (size_t i = 0; i < n; i++) {
            bx_doc_bitmap part(e.lo, e.hi);
            if (!eval(e, q.get_subquery(i), within, part))
                return false;
            out.unite(part);
        }
        break;
    case Xapian::Query::OP_AND_NOT:
        // Cut short, what is left would hold documents not yet taken out: nothing is kept.
        if (n > 0 && !eval(e, q.get_subquery(0), within, out)) {
            out.clear();
            return false;
        }
        for (size_t i = 1; i < n && out.count() > 0; i++) {
            bx_doc_bitmap part(e.lo, e.hi);
            if (!eval(e, q.get_subquery(i), &out, part)) {
                out.clear();
                return false;
            }
            out.subtract(part);
        }
        break;
    case Xapian::Query::OP_AND_MAYBE:    // only the first part decides what matches
    case Xapian::Query::OP_SCALE_WEIGHT: // a weight, over one part
        if (n > 0)
            eval(e, q.get_subquery(0), within, out);
        break;
    default: // phrases, NEAR, wildcards, value ranges, posting sources, XOR, ELITE_SET
        eval_matcher(e, q, within, out);
        break;
    }
    return !e.out_of_time;
}

} // namespace

bx_doc_bitmap::bx_doc_bitmap(Xapian::docid first, Xapian::docid last)
    : words_(last >= first ? (last >> 6) - (first >> 6) + 1 : 0, 0), base_(first >> 6), last_(last)
{
}

void bx_doc_bitmap::set_range(Xapian::docid from, Xapian::docid to)
{
    for (Xapian::docid d = from; d <= to && d != 0; d++) {
        size_t w = d >> 6;
        if ((d & 63) == 0 && static_cast<uint64_t>(d) + 63 <= to && w >= base_ &&
            w - base_ < words_.size()) {
            words_[w - base_] = ~0ULL;
            d += 63;
            continue;
        }
        set(d);
    }
    count_ = SIZE_MAX;
}

void bx_doc_bitmap::clear()
{
    std::fill(words_.begin(), words_.end(), 0);
    count_ = 0;
}

size_t bx_doc_bitmap::count() const
{
    if (count_ == SIZE_MAX) {
        size_t n = 0;
        for (uint64_t w : words_)
            n += static_cast<size_t>(__builtin_popcountll(w));
        count_ = n;
    }
    return count_;
}

Xapian::docid bx_doc_bitmap::next(Xapian::docid from) const
{
    size_t w = from >> 6;
    uint64_t mask = ~0ULL << (from & 63);
    if (w < base_) {
        w = base_;
        mask = ~0ULL;
    }
    size_t i = w - base_;
    if (i >= words_.size())
        return 0;
    uint64_t bits = words_[i] & mask;
    while (bits == 0) {
        if (++i == words_.size())
            return 0;
        bits = words_[i];
    }
    return static_cast<Xapian::docid>(((base_ + i) << 6) +
                                      static_cast<size_t>(__builtin_ctzll(bits)));
}

void bx_doc_bitmap::unite(const bx_doc_bitmap &o)
{
    for (size_t i = 0; i < o.words_.size(); i++) {
        size_t w = o.base_ + i;
        if (w >= base_ && w - base_ < words_.size())
            words_[w - base_] |= o.words_[i];
    }
    count_ = SIZE_MAX;
}

void bx_doc_bitmap::subtract(const bx_doc_bitmap &o)
{
    for (size_t i = 0; i < o.words_.size(); i++) {
        size_t w = o.base_ + i;
        if (w >= base_ && w - base_ < words_.size())
            words_[w - base_] &= ~o.words_[i];
    }
    count_ = SIZE_MAX;
}

bool bx_match_bitmap(const Xapian::Database &db, const Xapian::Query &q, Xapian::docid lo,
                     Xapian::docid hi, double time_limit_ms, bx_doc_bitmap &out)
{
    Xapian::docid last = db.get_lastdocid();
    Eval e{ db,
            last,
            std::max<Xapian::docid>(lo, 1),
            std::min(hi, last),
            time_limit_ms > 0,
            clock_type::now() + std::chrono::microseconds(
                                    static_cast<int64_t>(std::max(0.0, time_limit_ms) * 1000)) };
    if (out.size_for() != last)
        out = bx_doc_bitmap(last);
    if (e.lo > e.hi)
        return true;
    bx_doc_bitmap part(e.lo, e.hi);
    bool done = eval(e, q, nullptr, part);
    out.unite(part);
    return done;
}
