/* test_pairs.cc - the pairs of common words (shim/pairs.cc): which pairs a document gets, which
 * words a new database learns, how phrases are rewritten, and that searches of an index with
 * pairs answer exactly as one without (hits, scores, totals, facets), through learning, held
 * articles, deletes, later runs, merges and several databases searched as one. */
#include "testutil.h"

#include "shim_internal.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

static char dir[64];

static std::set<std::string> pair_terms(const Xapian::Document &doc)
{
    std::set<std::string> out;
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t)
        if ((*t).compare(0, 2, "XP") == 0)
            out.insert(*t);
    return out;
}

/* Pairs come from positions: side by side, in order, repeats, not across a gap, not from
 * prefixed terms, one per pair however often it occurs. */
static void test_add_pairs()
{
    Xapian::Document doc;
    const char *text[] = { "heat", "wave", "the", "heat", "wave", "x", "wave", "heat" };
    for (unsigned i = 0; i < 8; i++)
        doc.add_posting(text[i], i + 1);
    doc.add_posting("storm", 20);
    doc.add_posting("storm", 21);
    doc.add_posting("wave", 130); /* after a field's gap */
    doc.add_posting("Sheat", 1);  /* a title term: prefixed */
    doc.add_posting("Swave", 2);
    PairIndexer p;
    p.set_words({ "heat", "storm", "wave", "wave" });
    p.add_pairs(doc);
    std::set<std::string> want = { "XPheat wave", "XPwave heat", "XPstorm storm" };
    CHECK(pair_terms(doc) == want);
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t)
        if ((*t).compare(0, 2, "XP") == 0)
            CHECK_INT(t.get_wdf(), 0);
    /* Boolean: the document's length (sum of wdf) is that of its words alone. */
    Xapian::termcount len = 0;
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t)
        len += t.get_wdf();
    CHECK_INT(len, 13);

    PairIndexer none;
    Xapian::Document d2;
    d2.add_posting("heat", 1);
    d2.add_posting("wave", 2);
    none.add_pairs(d2);
    CHECK(pair_terms(d2).empty());
}

/* Common words: in at least a tenth of the sample and in two documents, stop words aside. */
static void test_learner()
{
    PairLearner l;
    for (int i = 0; i < 40; i++) {
        Xapian::Document d;
        d.add_posting("the", 1);
        d.add_posting(i % 2 ? "heat" : "cold", 2);
        if (i < 4)
            d.add_posting("rare", 3); /* 4 of 40: a tenth */
        if (i < 3)
            d.add_posting("rarer", 4);
        d.add_posting("Sheat", 1);
        d.add_posting(std::string(61, 'x'), 5); /* too long for a pair term */
        l.add(d);
    }
    CHECK_INT(l.docs(), 40);
    std::vector<std::string> want = { "cold", "heat", "rare" };
    CHECK(l.common() == want);

    PairLearner one; /* a single document: nothing is common to two */
    Xapian::Document d;
    d.add_posting("heat", 1);
    one.add(d);
    CHECK(one.common().empty());

    BxPairWords parsed;
    CHECK(bx_pairs_parse(bx_pairs_serialise(want), parsed));
    CHECK(parsed == BxPairWords(want.begin(), want.end()));
    CHECK(bx_pairs_parse(bx_pairs_serialise({}), parsed));
    CHECK(parsed.empty());
    CHECK(!bx_pairs_parse("pairs 2\nheat", parsed));
    CHECK(!bx_pairs_parse("", parsed));
}

/* Compares descriptions of queries (CHECK_STR would keep pointers into temporaries). */
#define CHECK_DESC(got, want)                                                                      \
    do {                                                                                           \
        std::string got_ = (got), want_ = (want);                                                  \
        if (got_ != want_) {                                                                       \
            fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #got,    \
                    got_.c_str(), want_.c_str());                                                  \
            test_failures++;                                                                       \
        }                                                                                          \
    } while (0)

static std::string rewritten(const Xapian::Query &q, bool counting)
{
    BxPairWords common = { "heat", "wave", "storm" };
    return bx_use_pairs(q, common, counting).get_description();
}

static Xapian::Query phrase(std::vector<std::string> words, Xapian::termcount window = 0,
                            Xapian::Query::op op = Xapian::Query::OP_PHRASE)
{
    return Xapian::Query(op, words.begin(), words.end(), window);
}

static void test_rewrite()
{
    Xapian::Query hw = phrase({ "heat", "wave" });
    CHECK_DESC(rewritten(hw, true), "Query(XPheat wave)");
    CHECK_DESC(rewritten(hw, false), "Query(((heat AND wave) FILTER XPheat wave))");
    /* Not an exact phrase: a wider window, NEAR. */
    Xapian::Query wide = phrase({ "heat", "wave" }, 3);
    CHECK_DESC(rewritten(wide, true), wide.get_description());
    Xapian::Query near = phrase({ "heat", "wave" }, 2, Xapian::Query::OP_NEAR);
    CHECK_DESC(rewritten(near, true), near.get_description());
    /* A word off the list. */
    Xapian::Query hr = phrase({ "heat", "rome" });
    CHECK_DESC(rewritten(hr, true), hr.get_description());
    /* Longer: proved from positions within its pairs of common words. */
    Xapian::Query three = phrase({ "heat", "wave", "rome", "storm", "wave" });
    std::string want =
        Xapian::Query(Xapian::Query::OP_FILTER, three,
                      Xapian::Query(Xapian::Query::OP_AND, Xapian::Query("XPheat wave"),
                                    Xapian::Query("XPstorm wave")))
            .get_description();
    CHECK_DESC(rewritten(three, true), want);
    CHECK_DESC(rewritten(three, false), want);
    /* Inside other operators. */
    Xapian::Query storm("storm");
    CHECK_DESC(rewritten(Xapian::Query(Xapian::Query::OP_OR, hw, storm), true),
               "Query((XPheat wave OR storm))");
    CHECK_DESC(rewritten(Xapian::Query(Xapian::Query::OP_AND_NOT, storm, hw), true),
               "Query((storm AND_NOT XPheat wave))");
    /* An operator with a parameter is left whole. */
    Xapian::Query scaled(Xapian::Query::OP_SCALE_WEIGHT, hw, 2.0);
    CHECK_DESC(rewritten(scaled, true), scaled.get_description());
    /* No common words: nothing changes. */
    CHECK_DESC(bx_use_pairs(hw, BxPairWords(), true).get_description(), hw.get_description());
}

/* Article i of a small news-like corpus: common words (heat, wave, storm, city), stop words,
 * and rarer words, with "heat wave" often and "wave heat" seldom. */
static std::string text_of(unsigned i, unsigned words)
{
    static const char *const common[] = { "heat", "wave", "storm", "city", "the", "of", "in" };
    std::string t;
    for (unsigned k = 0; k < words; k++) {
        uint64_t x = (uint64_t)i * 0x9E3779B97F4A7C15u + (uint64_t)k * 0xBF58476D1CE4E5B9u;
        x = (x ^ (x >> 31)) * 0x94D049BB133111EBu;
        x ^= x >> 29;
        unsigned r = (unsigned)(x % 100);
        if (!t.empty())
            t += ' ';
        if (r < 40)
            t += common[r % 7];
        else if (r < 50)
            t += "heat wave";
        else
            t += "w" + std::to_string((x >> 20) % 1000);
    }
    return t;
}

struct Corpus {
    std::vector<std::string> ids, titles, bodies, data;
    std::vector<size_t> num; /* the article's number, which sets its category, source, date */
};

static bx_article make(const Corpus &c, size_t i)
{
    static const char *const cats[] = { "Weather", "Cities", "Power" };
    static const char *const sources[] = { "AP", "Reuters" };
    bx_article a;
    memset(&a, 0, sizeof a);
    size_t n = c.num[i];
    a.id = c.ids[i].c_str();
    a.id_len = c.ids[i].size();
    a.title = c.titles[i].c_str();
    a.title_len = c.titles[i].size();
    a.body = c.bodies[i].c_str();
    a.body_len = c.bodies[i].size();
    a.lang = "en";
    a.has_date = 1;
    a.date = 1704067200 + (int64_t)(n % 60) * 86400 + (int64_t)(n % 24) * 3600;
    a.categories = &cats[n % 3];
    a.n_categories = 1;
    a.source = sources[n % 2];
    a.source_len = strlen(a.source);
    a.data = c.data[i].c_str();
    a.data_len = c.data[i].size();
    return a;
}

static Corpus corpus(size_t n, unsigned seed)
{
    Corpus c;
    for (size_t i = 0; i < n; i++) {
        c.ids.push_back("a" + std::to_string(i));
        c.titles.push_back(text_of((unsigned)i * 3 + seed, 6));
        c.bodies.push_back(text_of((unsigned)i * 3 + seed + 1, 40));
        c.data.push_back("{\"id\":\"a" + std::to_string(i) + "\"}");
        c.num.push_back(i);
    }
    return c;
}

/* Writes the corpus the way byline-index does, with the given options: the first articles are
 * held while the database learns (no_pairs 0), one is replaced while held, one deleted. */
static void write(const char *path, const Corpus &c, int no_pairs, size_t delete_at = SIZE_MAX,
                  bool replace = true)
{
    bx_writer_options o = {};
    o.create = 1;
    o.overwrite = 1;
    o.flush_every = 300;
    o.no_pairs = no_pairs;
    bx_writer *w = nullptr;
    char *err = nullptr;
    CHECK_INT(bx_writer_open(path, &o, &w, &err), BX_OK);
    for (size_t i = 0; i < c.ids.size(); i++) {
        int replaced = -1;
        bx_article a = make(c, i);
        CHECK_INT(bx_writer_put(w, &a, &replaced), BX_OK);
        CHECK_INT(replaced, 0);
        if (i == 100 && replace) { /* while held: counted, then replaced in place */
            CHECK_INT(bx_writer_doccount(w), 101);
            CHECK_INT(bx_writer_lastdocid(w), 101);
            bx_article again = make(c, 50);
            again.body = "heat wave heat wave storm city";
            again.body_len = strlen(again.body);
            CHECK_INT(bx_writer_put(w, &again, &replaced), BX_OK);
            CHECK_INT(replaced, 1);
            CHECK_INT(bx_writer_doccount(w), 101);
        }
        if (i == delete_at) { /* a held article: what is held is written first */
            int existed = 0;
            CHECK_INT(bx_writer_delete(w, "a20", 3, &existed), BX_OK);
            CHECK_INT(existed, 1);
        }
    }
    int existed = 0;
    CHECK_INT(bx_writer_delete(w, "a7", 2, &existed), BX_OK);
    CHECK_INT(existed, std::find(c.ids.begin(), c.ids.end(), "a7") != c.ids.end());
    CHECK_INT(bx_writer_close(w, &err), BX_OK);
    bx_free(err);
}

static std::string answer(bx_reader *r, const char *query, int variant, bool hits = true)
{
    bx_search_spec s;
    memset(&s, 0, sizeof s);
    s.query = query;
    s.query_len = strlen(query);
    s.limit = 8;
    s.facets = BX_FACET_CATEGORY | BX_FACET_SOURCE | BX_FACET_DATE;
    s.date_unit = BX_DATES_AUTO;
    const char *power[] = { "Power" };
    if (variant == 1)
        s.sort = BX_SORT_NEWEST;
    if (variant == 2)
        s.collapse = 1;
    if (variant == 3) {
        s.categories.items = power;
        s.categories.n = 1;
    }
    if (variant == 4) {
        s.facets = 0;
        s.check_at_least = 100000;
    }
    if (variant == 5) {
        s.has_from = 1;
        s.from = 1704067200 + 50 * 86400;
    }
    bx_results *res = nullptr;
    if (bx_search(r, &s, &res) != BX_OK)
        return std::string("error: ") + bx_reader_errmsg(r);
    int exact = 0;
    uint64_t total = bx_results_total(res, &exact);
    char buf[128];
    snprintf(buf, sizeof buf, "total=%llu exact=%d;", (unsigned long long)total, exact);
    std::string out = buf;
    for (size_t i = 0; hits && i < bx_results_size(res); i++) {
        size_t len = 0;
        const char *d = bx_results_data(res, i, &len);
        snprintf(buf, sizeof buf, "@%.17g;", bx_results_score(res, i));
        out += std::string(d, len < 16 ? len : 16) + buf;
    }
    static const unsigned facets[] = { BX_FACET_CATEGORY, BX_FACET_SOURCE, BX_FACET_DATE };
    for (unsigned f : facets) {
        const bx_counts *c = bx_results_facet(res, f);
        for (size_t i = 0; c && i < bx_counts_size(c); i++) {
            size_t len;
            const char *v = bx_counts_value(c, i, &len);
            snprintf(buf, sizeof buf, "=%llu,", (unsigned long long)bx_counts_count(c, i));
            out += std::string(v, len) + buf;
        }
        out += ';';
    }
    bx_results_free(res);
    return out;
}

static bx_reader *open_reader(std::vector<const char *> paths)
{
    bx_reader *r = nullptr;
    char *err = nullptr;
    CHECK_INT(bx_reader_open(paths.data(), paths.size(), 0, &r, &err), BX_OK);
    bx_free(err);
    return r;
}

/* Whether the answer with pairs is the one proved from positions. Collapsed (variant 2), the
 * ranked search's count of stories is the total: where positions leave Xapian unsure of it,
 * pairs may not (the same total, but exact). */
static bool same(const std::string &with, std::string without, int variant)
{
    size_t at = with.find(" exact=");
    if (variant == 2 && at != std::string::npos && with.compare(at, 8, " exact=1") == 0 &&
        without.compare(at, 8, " exact=0") == 0)
        without[at + 7] = '1';
    return with == without;
}

/* Every answer of a reader with pairs is that of a reader proving phrases from positions. */
static void compare(bx_reader *with, bx_reader *without)
{
    static const char *const queries[] = {
        "\"heat wave\"",
        "\"wave heat\"",
        "\"heat heat\"",
        "\"storm city\"",
        "\"heat wave storm\"",
        "\"the heat wave\"",
        "\"heat wave of the city\"",
        "\"heat w7\"",
        "heat ADJ/3 wave",
        "heat NEAR wave",
        "\"heat wave\" OR w12",
        "\"heat wave\" -storm",
        "storm -\"heat wave\"",
        "+\"heat wave\" city",
        "w3 AND (\"heat wave\" OR \"storm city\")",
        "title:\"heat wave\"",
        "heat-wave",
        "\"cities heat\"",
    };
    for (const char *q : queries)
        for (int v = 0; v < 6; v++) {
            std::string a = answer(with, q, v), b = answer(without, q, v);
            if (!same(a, b, v))
                fprintf(stderr, "query '%s' variant %d:\n pairs     %s\n positions %s\n", q, v,
                        a.c_str(), b.c_str());
            CHECK(same(a, b, v));
            CHECK(a.compare(0, 5, "error") != 0);
        }
}

/* For each pair term, its documents are those the phrase matches, proved from positions. */
static void check_pair_terms(const char *with, bx_reader *without)
{
    Xapian::Database db(with);
    size_t seen = 0;
    for (Xapian::TermIterator t = db.allterms_begin("XP"); t != db.allterms_end("XP"); ++t) {
        std::string words = (*t).substr(2);
        std::string q = "\"" + words + "\"";
        bx_search_spec s;
        memset(&s, 0, sizeof s);
        s.query = q.c_str();
        s.query_len = q.size();
        s.check_at_least = 1000000;
        bx_results *res = nullptr;
        CHECK_INT(bx_search(without, &s, &res), BX_OK);
        int exact = 0;
        if (res) {
            uint64_t total = bx_results_total(res, &exact);
            if (total != t.get_termfreq())
                fprintf(stderr, "%s: %u documents, the phrase %llu\n", (*t).c_str(),
                        t.get_termfreq(), (unsigned long long)total);
            CHECK_INT(total, t.get_termfreq());
            CHECK_INT(exact, 1);
            bx_results_free(res);
        }
        seen++;
    }
    CHECK(seen >= 9); /* every two of heat, wave, storm, citi */
}

/* Every pair term of a database holds exactly the documents where Xapian's own phrase search
 * (positions) finds its two words, and the database lists both words. */
static void check_consistent(const std::string &path)
{
    Xapian::Database db(path);
    BxPairWords common;
    CHECK(bx_pairs_parse(db.get_metadata(BX_PAIRS_KEY), common));
    size_t pairs = 0;
    for (const std::string &a : common)
        for (const std::string &b : common) {
            std::string term = bx_pair_term(a, b);
            std::vector<std::string> words = { a, b };
            Xapian::Enquire e(db);
            e.set_query(Xapian::Query(Xapian::Query::OP_PHRASE, words.begin(), words.end()));
            Xapian::MSet m = e.get_mset(0, 0, db.get_doccount());
            if (m.get_matches_lower_bound() != db.get_termfreq(term))
                fprintf(stderr, "%s: %s in %u documents, the phrase in %u\n", path.c_str(),
                        term.c_str(), db.get_termfreq(term), m.get_matches_lower_bound());
            CHECK_INT(db.get_termfreq(term), m.get_matches_lower_bound());
            pairs += db.get_termfreq(term) > 0;
        }
    CHECK(pairs > 0);
}

static std::string path_of(const char *name)
{
    return std::string(dir) + "/" + name;
}

static void test_index()
{
    Corpus c = corpus(900, 1);
    std::string with = path_of("with"), without = path_of("without");
    write(with.c_str(), c, 0, 150);
    write(without.c_str(), c, 1, 150);
    {
        Xapian::Database db(with);
        BxPairWords common;
        CHECK(bx_pairs_parse(db.get_metadata(BX_PAIRS_KEY), common));
        CHECK(common == BxPairWords({ "citi", "heat", "storm", "wave" }));
        CHECK(db.get_termfreq("XPheat wave") > 100);
        CHECK_INT(db.get_doccount(), 898);
        /* --no-pairs: an empty list, so that later runs do not learn one. */
        CHECK_DESC(Xapian::Database(without).get_metadata(BX_PAIRS_KEY), "pairs 1");
        /* Held articles got the docids they would have had. */
        Xapian::PostingIterator p = db.postlist_begin("Qa50");
        CHECK(p != db.postlist_end("Qa50") && *p == 51);
    }
    bx_reader *rw = open_reader({ with.c_str() });
    bx_reader *rn = open_reader({ without.c_str() });
    CHECK_INT(bx_reader_common_words(rw), 4);
    CHECK_INT(bx_reader_common_words(rn), 0);
    compare(rw, rn);
    check_pair_terms(with.c_str(), rn);

    /* A later run adds to the database with its list: the new articles get their pairs too. */
    Corpus more = corpus(1200, 1);
    bx_writer_options o = {};
    o.create = 1;
    bx_writer *w = nullptr;
    char *err = nullptr;
    for (const std::string &p : { with, without }) {
        CHECK_INT(bx_writer_open(p.c_str(), &o, &w, &err), BX_OK);
        for (size_t i = 900; i < 1200; i++) {
            bx_article a = make(more, i);
            CHECK_INT(bx_writer_put(w, &a, nullptr), BX_OK);
        }
        CHECK_INT(bx_writer_close(w, &err), BX_OK);
    }
    int changed = 0;
    CHECK_INT(bx_reader_reopen(rw, &changed), BX_OK);
    CHECK_INT(changed, 1);
    CHECK_INT(bx_reader_reopen(rn, &changed), BX_OK);
    CHECK_INT(bx_reader_common_words(rw), 4);
    CHECK_INT(bx_reader_common_words(rn), 0); /* --no-pairs holds for later runs */
    compare(rw, rn);
    check_pair_terms(with.c_str(), rn);
    bx_reader_close(rw);
    bx_reader_close(rn);

    /* The searches do use the pairs: with one pair posting taken out, a two-word phrase
     * counts one match less. */
    {
        Xapian::WritableDatabase db(with, Xapian::DB_OPEN);
        Xapian::PostingIterator p = db.postlist_begin("XPheat wave");
        CHECK(p != db.postlist_end("XPheat wave"));
        Xapian::Document doc = db.get_document(*p);
        doc.remove_term("XPheat wave");
        db.replace_document(*p, doc);
        db.commit();
    }
    rw = open_reader({ with.c_str() });
    rn = open_reader({ without.c_str() });
    for (const char *q : { "\"heat wave\"", "heat-wave", "\"heat wave\" OR nothing" }) {
        std::string a = answer(rw, q, 0, false), b = answer(rn, q, 0, false);
        unsigned long long ta = 0, tb = 0;
        CHECK_INT(sscanf(a.c_str(), "total=%llu", &ta), 1);
        CHECK_INT(sscanf(b.c_str(), "total=%llu", &tb), 1);
        CHECK_INT(ta + 1, tb);
    }
    bx_reader_close(rw);
    bx_reader_close(rn);

    /* Searched together with a database without pairs: phrases read positions in both. */
    bx_reader *both = open_reader({ with.c_str(), without.c_str() });
    CHECK_INT(bx_reader_common_words(both), 0);
    bx_reader_close(both);
}

/* Databases with different lists: searched as one, or merged, the pairs of the words they all
 * list are used, and the answers are those of positions. */
static void test_several()
{
    Corpus c = corpus(700, 2);
    std::string a = path_of("part-a"), b = path_of("part-b"), empty = path_of("part-empty");
    std::string merged = path_of("merged"), plain = path_of("plain");
    /* The same articles in two halves; b's learning sample lacks "storm" (its first articles
     * do not hold it), so its list does. */
    Corpus ca, cb;
    for (size_t i = 0; i < c.ids.size(); i++) {
        Corpus &to = i % 2 ? cb : ca;
        to.ids.push_back(c.ids[i]);
        to.titles.push_back(c.titles[i]);
        std::string body = c.bodies[i];
        if (&to == &cb && cb.ids.size() <= 300)
            for (size_t at; (at = body.find("storm")) != std::string::npos;)
                body.replace(at, 5, "sturm");
        to.bodies.push_back(body);
        to.data.push_back(c.data[i]);
        to.num.push_back(c.num[i]);
    }
    for (size_t i = 0; i < cb.titles.size() && i < 300; i++)
        for (size_t at; (at = cb.titles[i].find("storm")) != std::string::npos;)
            cb.titles[i].replace(at, 5, "sturm");
    write(a.c_str(), ca, 0);
    write(b.c_str(), cb, 0, SIZE_MAX, false); /* a and the whole replace the same article */
    bx_writer_options o = {};
    o.create = 1;
    bx_writer *w = nullptr;
    char *err = nullptr;
    CHECK_INT(bx_writer_open(empty.c_str(), &o, &w, &err), BX_OK); /* no articles, no list */
    CHECK_INT(bx_writer_close(w, &err), BX_OK);
    Corpus all = ca;
    for (size_t i = 0; i < cb.ids.size(); i++) {
        all.ids.push_back(cb.ids[i]);
        all.titles.push_back(cb.titles[i]);
        all.bodies.push_back(cb.bodies[i]);
        all.data.push_back(cb.data[i]);
        all.num.push_back(cb.num[i]);
    }
    {
        BxPairWords la, lb;
        CHECK(bx_pairs_parse(Xapian::Database(a).get_metadata(BX_PAIRS_KEY), la));
        CHECK(bx_pairs_parse(Xapian::Database(b).get_metadata(BX_PAIRS_KEY), lb));
        CHECK(la.count("storm") == 1);
        CHECK(lb.count("storm") == 0);
        CHECK(lb.count("heat") == 1);
    }
    bx_reader *two = open_reader({ a.c_str(), b.c_str(), empty.c_str() });
    CHECK_INT(bx_reader_common_words(two), 3); /* citi, heat, wave */

    /* The same articles in one database, proving phrases from positions: the same totals and
     * facet counts (the hits' order among equal scores follows docids, which differ). */
    write(plain.c_str(), all, 1);
    bx_reader *rp = open_reader({ plain.c_str() });
    static const char *const phrases[] = { "\"heat wave\"", "\"storm city\"", "\"city storm\"",
                                           "\"heat wave storm\"", "\"wave heat\"" };
    for (const char *q : phrases) {
        CHECK(answer(two, q, 0, false) == answer(rp, q, 0, false));
        CHECK(answer(two, q, 4, false) == answer(rp, q, 4, false));
    }

    const char *srcs[] = { a.c_str(), b.c_str(), empty.c_str() };
    CHECK_INT(bx_compact(srcs, 3, merged.c_str(), &err), BX_OK);
    bx_free(err);
    bx_reader *rm = open_reader({ merged.c_str() });
    CHECK_INT(bx_reader_common_words(rm), 3);
    check_consistent(merged);
    for (const char *q : phrases) {
        for (int v = 0; v < 6; v++)
            CHECK(same(answer(rm, q, v, false), answer(rp, q, v, false), v));
    }
    bx_reader_close(rm);

    /* Merged with a database built with --no-pairs (an empty list): none, for good. */
    std::string merged2 = path_of("merged2");
    const char *srcs2[] = { a.c_str(), plain.c_str() };
    CHECK_INT(bx_compact(srcs2, 2, merged2.c_str(), &err), BX_OK);
    rm = open_reader({ merged2.c_str() });
    CHECK_INT(bx_reader_common_words(rm), 0);
    bx_reader_close(rm);
    CHECK_DESC(Xapian::Database(merged2).get_metadata(BX_PAIRS_KEY), "pairs 1");

    /* Merged with a database too small to have learnt (no list yet): no list, and the merged
     * index, small, learns on its next run, adding the pairs of all its articles. */
    std::string small = path_of("small"), merged3 = path_of("merged3");
    {
        Corpus few = corpus(900, 5);
        bx_writer_options so = {};
        so.create = 1;
        CHECK_INT(bx_writer_open(small.c_str(), &so, &w, &err), BX_OK);
        for (size_t i = 800; i < 850; i++) { /* ids a800..a849: new to part a */
            bx_article x = make(few, i);
            CHECK_INT(bx_writer_put(w, &x, nullptr), BX_OK);
        }
        CHECK_INT(bx_writer_close(w, &err), BX_OK);
        CHECK_DESC(Xapian::Database(small).get_metadata(BX_PAIRS_KEY), "");
        const char *srcs3[] = { a.c_str(), small.c_str() };
        CHECK_INT(bx_compact(srcs3, 2, merged3.c_str(), &err), BX_OK);
        CHECK_DESC(Xapian::Database(merged3).get_metadata(BX_PAIRS_KEY), "");
        CHECK_INT(bx_writer_open(merged3.c_str(), &so, &w, &err), BX_OK);
        for (size_t i = 850; i < 860; i++) {
            bx_article x = make(few, i);
            CHECK_INT(bx_writer_put(w, &x, nullptr), BX_OK);
        }
        CHECK_INT(bx_writer_close(w, &err), BX_OK);
    }
    rm = open_reader({ merged3.c_str() });
    CHECK(bx_reader_common_words(rm) >= 3);
    bx_reader_close(rm);
    check_consistent(merged3);
    bx_reader_close(two);
    bx_reader_close(rp);
}

/* Articles placed at docids of their own (sharded indexes) while held. */
static void test_docids()
{
    Corpus c = corpus(20, 3);
    std::string p = path_of("docids");
    bx_writer_options o = {};
    o.create = 1;
    bx_writer *w = nullptr;
    char *err = nullptr;
    CHECK_INT(bx_writer_open(p.c_str(), &o, &w, &err), BX_OK);
    for (size_t i = 0; i < 10; i++) {
        bx_article a = make(c, i);
        CHECK_INT(bx_writer_put_at(w, &a, 10 * (i + 1), nullptr), BX_OK);
    }
    CHECK_INT(bx_writer_lastdocid(w), 100);
    bx_article a = make(c, 10);
    CHECK_INT(bx_writer_put_at(w, &a, 50, nullptr), BX_ERR_INTERNAL); /* used before */
    bx_article again = make(c, 3);
    int replaced = 0;
    CHECK_INT(bx_writer_put_at(w, &again, 200, &replaced), BX_OK); /* keeps its docid: 40 */
    CHECK_INT(replaced, 1);
    bx_article next = make(c, 11);
    CHECK_INT(bx_writer_put(w, &next, nullptr), BX_OK); /* the next free one: 101 */
    CHECK_INT(bx_writer_lastdocid(w), 101);
    CHECK_INT(bx_writer_close(w, &err), BX_OK);
    Xapian::Database db(p);
    CHECK_INT(db.get_doccount(), 11);
    CHECK_INT(db.get_lastdocid(), 101);
    Xapian::PostingIterator it = db.postlist_begin("Qa3");
    CHECK(it != db.postlist_end("Qa3") && *it == 40);
    it = db.postlist_begin("Qa11");
    CHECK(it != db.postlist_end("Qa11") && *it == 101);
    /* Too few articles to learn from: none yet, and the next run learns. */
    CHECK_DESC(db.get_metadata(BX_PAIRS_KEY), "");
}

/* A first run of a few articles learns nothing; a later run learns from all of them and adds
 * the pairs of those already written. Answers as an index without pairs. */
static void test_late_learning()
{
    Corpus c = corpus(700, 4);
    std::string with = path_of("late"), without = path_of("late-without");
    for (int no_pairs = 0; no_pairs < 2; no_pairs++) {
        const std::string &p = no_pairs ? without : with;
        bx_writer_options o = {};
        o.create = 1;
        o.no_pairs = no_pairs;
        o.flush_every = 40;
        bx_writer *w = nullptr;
        char *err = nullptr;
        for (size_t from : { (size_t)0, (size_t)60, (size_t)130 }) { /* three runs */
            CHECK_INT(bx_writer_open(p.c_str(), &o, &w, &err), BX_OK);
            for (size_t i = from; i < (from == 130 ? 700 : from + (from ? 70 : 60)); i++) {
                bx_article a = make(c, i);
                CHECK_INT(bx_writer_put(w, &a, nullptr), BX_OK);
                if (i == 150) { /* an article of the first run, replaced while held */
                    bx_article again = make(c, 5);
                    again.body = "heat wave storm city heat wave";
                    again.body_len = strlen(again.body);
                    int replaced = 0;
                    CHECK_INT(bx_writer_put(w, &again, &replaced), BX_OK);
                    CHECK_INT(replaced, 1);
                    CHECK_INT(bx_writer_doccount(w), 151);
                    CHECK_INT(bx_writer_lastdocid(w), 151);
                }
            }
            CHECK_INT(bx_writer_close(w, &err), BX_OK);
            if (!no_pairs && from < 130) /* 60, then 130 articles: under PAIR_MIN */
                CHECK_DESC(Xapian::Database(p).get_metadata(BX_PAIRS_KEY), "");
        }
    }
    Xapian::Database db(with);
    CHECK_INT(db.get_doccount(), 700);
    Xapian::PostingIterator first = db.postlist_begin("XPheat wave");
    CHECK(first != db.postlist_end("XPheat wave") && *first < 60); /* the first run's too */
    bx_reader *rw = open_reader({ with.c_str() });
    bx_reader *rn = open_reader({ without.c_str() });
    CHECK(bx_reader_common_words(rw) >= 3);
    check_consistent(with);
    compare(rw, rn);
    check_pair_terms(with.c_str(), rn);
    bx_reader_close(rw);
    bx_reader_close(rn);
}

/* An index with a list but no positions anywhere: Xapian takes a phrase for an AND there, and
 * so do searches (no pairs used). */
static void test_no_positions()
{
    std::string p = path_of("nopos");
    {
        Xapian::WritableDatabase db(p, Xapian::DB_CREATE_OR_OVERWRITE);
        Xapian::Document doc;
        doc.add_term("heat");
        doc.add_term("wave");
        doc.add_boolean_term("Qx");
        doc.set_data("{\"id\":\"x\"}\n{}\n");
        db.add_document(doc);
        db.set_metadata(BX_PAIRS_KEY, bx_pairs_serialise({ "heat", "wave" }));
        db.commit();
    }
    bx_reader *r = open_reader({ p.c_str() });
    CHECK_INT(bx_reader_common_words(r), 0);
    std::string a = answer(r, "\"heat wave\"", 4, false);
    CHECK(a.compare(0, 8, "total=1 ") == 0);
    bx_reader_close(r);
}

int main()
{
    snprintf(dir, sizeof dir, "/tmp/byline-test-pairs-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_add_pairs();
    test_learner();
    test_rewrite();
    test_index();
    test_several();
    test_docids();
    test_late_learning();
    test_no_positions();
    std::string rm = std::string(getenv("KEEP") ? "true '" : "rm -rf '") + dir + "'";
    if (system(rm.c_str()) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return test_report("test_pairs");
}
