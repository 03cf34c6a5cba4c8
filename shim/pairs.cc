// pairs.cc - an index of adjacent pairs of common words, which proves a phrase of them without
// reading positions.
//
// Xapian proves a phrase at each document that holds all its words, from their position
// lists: about 300 to 400 ns a document. For a phrase of two common words that is most of the
// index ("heat wave" in a news corpus of a million articles: 470,000 documents, 139 ms), and
// a faceted search must prove every match to count it. So each database has a list of its
// common words, learnt from its first articles (the words in at least a tenth of them, English
// stop words aside; see settle in writer.cc), and each document gets a boolean term for every two
// of those words that stand side by side in its text ("XP" + first + " " + second). A search
// rewrites an exact phrase of two such words to its pair term: which documents hold it, with no
// position read. A longer phrase is proved from positions only where its pairs of common words
// all are. A phrase with a word off the list has at most the documents of that less common
// word as candidates, as before.
//
// The pairs are derived from the document's own terms and positions (the terms Xapian's
// phrase search reads), so a pair term is present exactly where the phrase of its two words
// matches. They are boolean terms (no weight, no share in the document's length): rankings do
// not change.
#include "shim_internal.h"

#include <algorithm>

namespace
{

const char PAIR_PREFIX[] = "XP";
const char LIST_HEADER[] = "pairs 1";

// A word is common when at least this share of the learning sample holds it (and at least two
// of its documents do), up to this many words (the most common first).
const double COMMON_SHARE = 0.10;
const size_t MAX_WORDS = 1000;
// Longer words are left off the list: a pair term must stay under Xapian's term limit.
const size_t MAX_WORD = 60;

// Whether a word is an English stop word. Pairs with one would be most of the pairs of common
// words (84 % on Reuters, 73 % on bench/gen_corpus.py's articles), and phrases are seldom
// searched for by them. The index holds stems ("any" is "ani", "does" "doe"): both forms are
// looked for.
bool stopword(const std::string &w)
{
    static const std::unordered_set<std::string> words = [] {
        std::unordered_set<std::string> set;
        Xapian::Stem english = bx_snowball_stem("en");
        for (size_t i = 0; i < BX_N_ENGLISH_STOPWORDS; i++) {
            set.insert(BX_ENGLISH_STOPWORDS[i]);
            set.insert(english(BX_ENGLISH_STOPWORDS[i]));
        }
        return set;
    }();
    return words.count(w) != 0;
}

// Whether a document's term is a word of its text (unprefixed): Xapian's prefixes are capital
// letters, and the term generator writes words in lower case.
bool text_term(const std::string &t)
{
    return !t.empty() && !(t[0] >= 'A' && t[0] <= 'Z');
}

// The exact phrase's words, when q is a phrase of two or more words whose window is its length
// (a quoted phrase, or ADJ within as many words); else empty.
std::vector<std::string> phrase_words(const Xapian::Query &q)
{
    std::vector<std::string> words;
    size_t n = q.get_num_subqueries();
    if (q.get_type() != Xapian::Query::OP_PHRASE || n < 2)
        return words;
    for (size_t i = 0; i < n; i++) {
        Xapian::Query sub = q.get_subquery(i);
        if (sub.get_type() != Xapian::Query::LEAF_TERM)
            return {};
        Xapian::TermIterator t = sub.get_terms_begin();
        if (t == sub.get_terms_end())
            return {};
        words.push_back(*t);
    }
    // Xapian 1.4 has no accessor for the window; its description gives it ("PHRASE 2").
    std::string d = q.get_description();
    if (d.find(" PHRASE " + std::to_string(n) + ' ') == std::string::npos)
        return {};
    return words;
}

Xapian::Query rewrite(const Xapian::Query &q, const BxPairWords &common, bool counting,
                      bool &changed)
{
    Xapian::Query::op op = q.get_type();
    if (op == Xapian::Query::OP_PHRASE) {
        std::vector<std::string> words = phrase_words(q);
        std::vector<Xapian::Query> pairs;
        for (size_t i = 0; i + 1 < words.size(); i++)
            if (common.count(words[i]) && common.count(words[i + 1]))
                pairs.emplace_back(bx_pair_term(words[i], words[i + 1]));
        if (pairs.empty())
            return q;
        Xapian::Query all(Xapian::Query::OP_AND, pairs.begin(), pairs.end());
        changed = true;
        if (words.size() == 2) {
            // The pair says it all: counting needs nothing else, ranking weighs the two words
            // as the phrase does (the sum of their weights).
            if (counting)
                return all;
            return Xapian::Query(
                Xapian::Query::OP_FILTER,
                Xapian::Query(Xapian::Query::OP_AND, q.get_subquery(0), q.get_subquery(1)), all);
        }
        // A longer phrase is still proved from positions, but only where its pairs of common
        // words all are.
        return Xapian::Query(Xapian::Query::OP_FILTER, q, all);
    }
    switch (op) {
    case Xapian::Query::OP_AND:
    case Xapian::Query::OP_OR:
    case Xapian::Query::OP_AND_NOT:
    case Xapian::Query::OP_XOR:
    case Xapian::Query::OP_AND_MAYBE:
    case Xapian::Query::OP_FILTER:
        break;
    default: // leaves; operators with a parameter the 1.4 API does not give back; SYNONYM and
             // MAX, whose weights depend on their parts' estimates, which a rewrite changes
        return q;
    }
    size_t n = q.get_num_subqueries();
    std::vector<Xapian::Query> subs;
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        bool c = false;
        subs.push_back(rewrite(q.get_subquery(i), common, counting, c));
        any = any || c;
    }
    if (!any)
        return q;
    changed = true;
    return Xapian::Query(op, subs.begin(), subs.end());
}

} // namespace

const char BX_PAIRS_KEY[] = "byline:pair-words";

std::string bx_pair_term(const std::string &first, const std::string &second)
{
    std::string t(PAIR_PREFIX);
    t.reserve(t.size() + first.size() + 1 + second.size());
    t += first;
    t += ' ';
    t += second;
    return t;
}

bool bx_pairs_parse(const std::string &value, BxPairWords &out)
{
    out.clear();
    size_t nl = value.find('\n');
    if (value.compare(0, nl, LIST_HEADER) != 0)
        return false;
    while (nl != std::string::npos) {
        size_t start = nl + 1;
        nl = value.find('\n', start);
        std::string w = value.substr(start, nl == std::string::npos ? nl : nl - start);
        if (!w.empty())
            out.insert(w);
    }
    return true;
}

std::string bx_pairs_serialise(const std::vector<std::string> &words)
{
    std::string v(LIST_HEADER);
    for (const std::string &w : words) {
        v += '\n';
        v += w;
    }
    return v;
}

void PairLearner::add(const Xapian::Document &doc)
{
    docs_++;
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        const std::string &term = *t;
        if (text_term(term) && term.size() <= MAX_WORD && !stopword(term))
            df_[term]++;
    }
}

std::vector<std::string> PairLearner::common() const
{
    size_t least = std::max<size_t>(2, static_cast<size_t>(COMMON_SHARE * double(docs_) + 0.999));
    std::vector<std::pair<size_t, std::string>> ranked;
    for (const auto &e : df_)
        if (e.second >= least)
            ranked.emplace_back(e.second, e.first);
    std::sort(ranked.begin(), ranked.end(), [](const auto &a, const auto &b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    if (ranked.size() > MAX_WORDS)
        ranked.resize(MAX_WORDS);
    std::vector<std::string> words;
    for (const auto &r : ranked)
        words.push_back(r.second);
    std::sort(words.begin(), words.end());
    return words;
}

void PairIndexer::set_words(const std::vector<std::string> &words)
{
    words_.clear();
    index_.clear();
    for (const std::string &w : words) {
        uint32_t &slot = index_[w];
        if (slot == 0) {
            words_.push_back(w);
            slot = static_cast<uint32_t>(words_.size());
        }
    }
}

void PairIndexer::add_pairs(Xapian::Document &doc)
{
    if (words_.empty())
        return;
    at_.clear();
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        const std::string &term = *t;
        if (!text_term(term))
            continue;
        uint32_t *w = index_.find(term);
        if (!w)
            continue;
        for (Xapian::PositionIterator p = t.positionlist_begin(); p != t.positionlist_end(); ++p)
            at_.emplace_back(*p, *w - 1);
    }
    std::sort(at_.begin(), at_.end());
    // Every word at one position with every word at the next (the term generator puts one
    // word at a position; this holds whatever it puts there).
    for (size_t i = 0; i < at_.size();) {
        size_t j = i;
        while (j < at_.size() && at_[j].first == at_[i].first)
            j++;
        for (size_t k = j; k < at_.size() && at_[k].first == at_[i].first + 1; k++)
            for (size_t m = i; m < j; m++)
                doc.add_boolean_term(bx_pair_term(words_[at_[m].second], words_[at_[k].second]));
        i = j;
    }
}

bool bx_shared_common_words(const std::vector<Xapian::Database> &dbs, BxPairWords &out)
{
    out.clear();
    bool any_articles = false;
    for (const Xapian::Database &db : dbs)
        any_articles = any_articles || db.get_doccount() > 0;
    bool first = true;
    for (const Xapian::Database &db : dbs) {
        if (any_articles && db.get_doccount() == 0)
            continue; // it has no article to be wrong about
        BxPairWords mine;
        if (!bx_pairs_parse(db.get_metadata(BX_PAIRS_KEY), mine)) {
            out.clear();
            return false;
        }
        if (first)
            out.swap(mine);
        else
            for (auto it = out.begin(); it != out.end();)
                it = mine.count(*it) ? std::next(it) : out.erase(it);
        first = false;
    }
    return !first;
}

Xapian::Query bx_use_pairs(const Xapian::Query &q, const BxPairWords &common, bool counting)
{
    if (common.empty())
        return q;
    bool changed = false;
    return rewrite(q, common, counting, changed);
}
