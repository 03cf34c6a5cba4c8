// writer.cc - the writing half of the shim: articles into Xapian documents, commits.
#include "shim_internal.h"

#include "byline_common.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

namespace
{

const Xapian::termcount TITLE_WDF = 3; // title words weigh three times body words

std::string str(const char *p, size_t len)
{
    return p ? std::string(p, len) : std::string();
}

void add_boolean(Xapian::Document &doc, const std::string &prefix, const std::string &value)
{
    if (value.empty())
        return;
    doc.add_boolean_term(bx_boolean_term(prefix, value));
}

// Indexes text with or without positions, as the writer's options say.
void index_text(bx_writer *w, const std::string &text, Xapian::termcount wdf,
                const std::string &prefix)
{
    if (text.empty())
        return;
    // Xapian's spelling data comes from unprefixed text only.
    w->spelling.counting = !w->opts.no_spelling && prefix.empty();
    if (w->opts.no_positions)
        w->tg.index_text_without_positions(text, wdf, prefix);
    else
        w->tg.index_text(text, wdf, prefix);
    w->tg.increase_termpos(100);
}

// Words short enough to say nothing about which story a title tells.
bool story_stopword(const std::string &w)
{
    static const char *const words[] = { "the",  "and",  "for",   "with", "from", "that", "this",
                                         "into", "over", "after", "says", "said", "der",  "die",
                                         "das",  "und",  "les",   "des",  "une",  "pour" };
    for (const char *s : words)
        if (w == s)
            return true;
    return false;
}

// A key that near-duplicate articles share: the day, and the set of the title's stemmed
// words of three letters or more. Repeated wire items and lightly edited copies of one story
// get the same key; different stories almost never do.
std::string story_key(const std::string &title, const Xapian::Stem &stem, const bx_article *a)
{
    std::vector<std::string> words;
    bx_for_each_word(title, [&](size_t, size_t, const std::string &w) {
        if (w.size() >= 3 && !story_stopword(w))
            words.push_back(stem(w));
    });
    if (words.empty())
        return std::string();
    std::string key = bx_set_encode(words);
    if (a->has_date) {
        int y, mo, d, h, mi, s;
        bl_date_civil(a->date, &y, &mo, &d, &h, &mi, &s);
        char day[16];
        snprintf(day, sizeof day, "%04d%02d%02d", y, mo, d);
        key = std::string(day) + ' ' + key;
    }
    return key;
}

void add_date(Xapian::Document &doc, const bx_article *a)
{
    if (!a->has_date)
        return;
    int y, mo, d, h, mi, s;
    bl_date_civil(a->date, &y, &mo, &d, &h, &mi, &s);
    if (y < 0 || y > 9999)
        return;
    char buf[32];
    doc.add_value(BX_SLOT_DATE, Xapian::sortable_serialise(static_cast<double>(a->date)));
    doc.add_value(BX_SLOT_OLDEST, Xapian::sortable_serialise(-static_cast<double>(a->date)));
    snprintf(buf, sizeof buf, "%04d%02d%02d%02d", y, mo, d, h);
    doc.add_value(BX_SLOT_HOUR, buf);
    buf[8] = '\0';
    doc.add_value(BX_SLOT_DAY, buf);
    doc.add_boolean_term(std::string("D") + buf);
    buf[6] = '\0';
    doc.add_boolean_term(std::string("M") + buf);
    buf[4] = '\0';
    doc.add_boolean_term(std::string("Y") + buf);
}

std::vector<std::string> lowered(const char *const *items, size_t n)
{
    std::vector<std::string> out;
    for (size_t i = 0; i < n; i++)
        if (items[i] && *items[i])
            out.push_back(bx_lower(items[i]));
    return out;
}

Xapian::Document build_document(bx_writer *w, const bx_article *a)
{
    Xapian::Document doc;
    const Xapian::Stem &stem = w->stems.get(a->lang);
    w->tg.set_document(doc);
    w->tg.set_stemmer(stem);
    w->tg.set_stemming_strategy(a->lang ? Xapian::TermGenerator::STEM_ALL
                                        : Xapian::TermGenerator::STEM_NONE);

    std::string title = str(a->title, a->title_len);
    index_text(w, title, 1, "S");
    index_text(w, title, TITLE_WDF, "");
    index_text(w, str(a->summary, a->summary_len), 1, "");
    index_text(w, str(a->body, a->body_len), 1, "");

    std::vector<std::string> authors;
    for (size_t i = 0; i < a->n_authors; i++) {
        if (!a->authors[i] || !*a->authors[i])
            continue;
        index_text(w, a->authors[i], 1, "A");
        add_boolean(doc, "XA", bx_lower(a->authors[i]));
        authors.push_back(a->authors[i]);
    }
    std::vector<std::string> cats;
    for (size_t i = 0; i < a->n_categories; i++) {
        if (!a->categories[i] || !*a->categories[i])
            continue;
        add_boolean(doc, "XCAT", bx_lower(a->categories[i]));
        cats.push_back(a->categories[i]);
    }
    for (const std::string &t : lowered(a->tags, a->n_tags))
        add_boolean(doc, "K", t);

    std::string source = str(a->source, a->source_len);
    add_boolean(doc, "XSRC", bx_lower(source));
    if (!source.empty())
        doc.add_value(BX_SLOT_SOURCE, source);
    std::string lang = a->lang && *a->lang ? std::string(a->lang)
                       : a->lang_tag       ? bx_lang_tag(a->lang_tag)
                                           : std::string();
    if (!lang.empty()) {
        add_boolean(doc, "L", lang);
        doc.add_value(BX_SLOT_LANG, lang);
    }
    if (!cats.empty())
        doc.add_value(BX_SLOT_CATEGORIES, bx_set_encode(cats));
    if (!authors.empty())
        doc.add_value(BX_SLOT_AUTHORS, bx_set_encode(authors));
    add_date(doc, a);
    std::string key = story_key(title, stem, a);
    if (!key.empty())
        doc.add_value(BX_SLOT_STORY, key);
    // The stored record (see bx_record): the two JSON parts, then the body.
    std::string data = str(a->data, a->data_len);
    if (data.empty())
        data = "{}";
    if (data.find('\n') == std::string::npos)
        data += "\n{}";
    data += '\n';
    data += str(a->body, a->body_len);
    doc.set_data(data);
    return doc;
}

// Adding words to Xapian's spelling table rewrites the table's lists of words by letter
// groups at each commit, which costs as much as indexing the articles when done every few
// thousand articles; so the commits made every --batch articles add the counted words only
// once this many articles have gathered. bx_writer_commit and bx_writer_close add them
// always.
const size_t SPELLING_EVERY = 20000;

// Adds the words counted so far to the spelling table (they land with the next commit).
void add_spellings(bx_writer *w)
{
    // Taken out first, so that a failure part way cannot add the same counts twice.
    BxWordTable<Xapian::termcount> words;
    words.swap(w->spelling.words);
    w->unspelled = 0;
    words.for_each([w](std::string_view word, Xapian::termcount n) {
        w->db.add_spelling(std::string(word), n);
    });
}

// Taken by the commits of writers opened with commit_alone.
std::mutex commit_mutex;

// Commits w's database, alone among the commit_alone writers when w is one of them.
void commit_db(bx_writer *w)
{
    std::unique_lock<std::mutex> alone(commit_mutex, std::defer_lock);
    if (w->opts.commit_alone)
        alone.lock();
    w->db.commit();
}

// A database learns its common words (pairs.cc) while it holds fewer than PAIR_SAMPLE articles
// and has no list: its new articles are held in memory until a commit, or until PAIR_SAMPLE
// are held. It decides once it has PAIR_MIN articles or more, from all of them; with fewer,
// the held articles are written without pairs and it goes on learning (a first run of a few
// articles, or a shard that got few, would otherwise fix a list of chance words for good).
const size_t PAIR_SAMPLE = 2000;
const size_t PAIR_MIN = 200;

// Writes the held articles (with their pairs, when `pairs` is given). On failure the articles
// not yet written stay held.
void write_held(bx_writer *w, PairIndexer *pairs)
{
    size_t done = 0;
    try {
        for (; done < w->held.size(); done++) {
            BxHeldDoc &h = w->held[done];
            if (pairs)
                pairs->add_pairs(h.doc);
            if (h.docid == 0)
                w->db.replace_document(h.idterm, h.doc);
            else
                w->db.replace_document(h.docid, h.doc);
        }
    } catch (...) {
        w->held.erase(w->held.begin(), w->held.begin() + static_cast<std::ptrdiff_t>(done));
        w->held_at.clear();
        for (size_t i = 0; i < w->held.size(); i++)
            w->held_at.emplace(w->held[i].idterm, i);
        throw;
    }
    w->held.clear();
    w->held_at.clear();
}

// Ends a round of learning: with PAIR_MIN articles or more (those in the database and those
// held), decides the common words from all of them, stores the list, adds the pairs of the
// articles already in the database and writes the held ones with theirs; with fewer, writes
// the held articles as they are and goes on learning.
void settle(bx_writer *w)
{
    if (!w->learning || w->held.empty())
        return;
    size_t articles = w->db.get_doccount();
    for (const BxHeldDoc &h : w->held)
        articles += h.fresh;
    if (articles < PAIR_MIN) {
        write_held(w, nullptr);
        return;
    }
    PairLearner learner;
    std::vector<Xapian::docid> before;
    for (Xapian::PostingIterator p = w->db.postlist_begin(""); p != w->db.postlist_end(""); ++p) {
        before.push_back(*p);
        Xapian::Document doc = w->db.get_document(*p);
        Xapian::TermIterator id = doc.termlist_begin();
        id.skip_to("Q");
        if (id == doc.termlist_end() || !w->held_at.count(*id)) // not replaced by a held one
            learner.add(doc);
    }
    for (const BxHeldDoc &h : w->held)
        learner.add(h.doc);
    std::vector<std::string> common = learner.common();
    PairIndexer pairs;
    pairs.set_words(common);
    for (Xapian::docid did : before) {
        Xapian::Document doc = w->db.get_document(did);
        Xapian::termcount terms = doc.termlist_count();
        pairs.add_pairs(doc);
        if (doc.termlist_count() != terms)
            w->db.replace_document(did, doc);
    }
    w->db.set_metadata(BX_PAIRS_KEY, bx_pairs_serialise(common));
    write_held(w, &pairs);
    w->pairs = std::move(pairs);
    w->learning = false;
}

// Holds an article of a database that is learning its common words. Sets `existed` when it
// replaces one, held or in the database.
void hold(bx_writer *w, const std::string &idterm, const Xapian::Document &doc, Xapian::docid docid,
          bool &existed)
{
    auto at = w->held_at.find(idterm);
    if (at != w->held_at.end()) { // replaced where it is held: it keeps its place, and its docid
        existed = true;
        w->held[at->second].doc = doc;
    } else {
        // An article in the database keeps its docid, as bx_writer_put_at says.
        existed = w->db.term_exists(idterm);
        Xapian::docid next = std::max(w->held_last, w->db.get_lastdocid()) + 1;
        w->held.push_back(BxHeldDoc{ idterm, doc, existed ? 0 : docid, !existed });
        w->held_at.emplace(idterm, w->held.size() - 1);
        if (!existed)
            w->held_last = docid ? docid : next;
    }
    if (w->held.size() >= PAIR_SAMPLE)
        settle(w);
}

// Commits, with the counted spelling words always (`all_spellings`) or once enough have
// gathered.
bx_status commit(bx_writer *w, bool all_spellings)
{
    try {
        settle(w);
        if (all_spellings || w->unspelled >= SPELLING_EVERY)
            add_spellings(w);
        commit_db(w);
        w->pending = 0;
        w->large = w->db.get_doccount() >= BX_LARGE_INDEX;
        return BX_OK;
    } catch (...) {
        return bx_status_from_exception("cannot commit index", w->err);
    }
}

bx_status after_change(bx_writer *w)
{
    w->pending++;
    w->unspelled++;
    size_t every = w->opts.flush_every;
    if (every && w->opts.flush_every_large && w->large)
        every = w->opts.flush_every_large;
    if (!every || w->pending < every)
        return BX_OK;
    return commit(w, false);
}

} // namespace

extern "C" bx_status bx_writer_open(const char *path_z, const bx_writer_options *opts,
                                    bx_writer **out, char **err)
{
    if (err)
        *err = nullptr;
    if (!out)
        return BX_ERR_INVALID;
    *out = nullptr;
    if (!path_z || !*path_z) {
        bx_set_err(err, "cannot open index: no path given");
        return BX_ERR_INVALID;
    }
    bx_writer_options defaults = {};
    if (!opts)
        opts = &defaults;
    bx_writer *w = nullptr;
    try {
        // Xapian also commits on its own after a number of changes (10,000 by default): more
        // than ours, so that ours (which add the spelling words and may wait for other
        // writers: commit_alone) come first. The margin is for the end of learning common
        // words (settle), which writes up to PAIR_SAMPLE held articles and adds pairs to as
        // many already written, all before the commit that follows: one of Xapian's in the
        // middle would commit part of a batch.
        // A commit_alone writer sets it even over the user's value, as a commit of Xapian's
        // own would not wait for the other writers.
        const char *threshold = getenv("XAPIAN_FLUSH_THRESHOLD");
        if (opts->flush_every && (!threshold || opts->commit_alone)) {
            char n[32];
            snprintf(n, sizeof n, "%zu",
                     std::max(opts->flush_every, opts->flush_every_large) + 2 * PAIR_SAMPLE + 1);
            if (!threshold || strcmp(threshold, n) != 0)
                setenv("XAPIAN_FLUSH_THRESHOLD", n, 1);
        }
        int flags = opts->overwrite ? Xapian::DB_CREATE_OR_OVERWRITE
                    : opts->create  ? Xapian::DB_CREATE_OR_OPEN
                                    : Xapian::DB_OPEN;
        if (opts->no_sync)
            flags |= Xapian::DB_NO_SYNC;
        w = new bx_writer;
        w->opts = *opts;
        w->db = Xapian::WritableDatabase(path_z, flags);
        w->large = w->db.get_doccount() >= BX_LARGE_INDEX;
        // Common words: the database's own list; a small one without a list learns them (see
        // settle).
        std::string list = w->db.get_metadata(BX_PAIRS_KEY);
        BxPairWords common;
        if (!list.empty() && bx_pairs_parse(list, common))
            w->pairs.set_words(std::vector<std::string>(common.begin(), common.end()));
        else if (list.empty() && !opts->no_pairs && !opts->no_positions &&
                 w->db.get_doccount() < PAIR_SAMPLE)
            w->learning = true;
        else if (list.empty() && opts->no_pairs && w->db.get_doccount() == 0)
            w->db.set_metadata(BX_PAIRS_KEY, bx_pairs_serialise({})); // for good
        if (!opts->no_spelling) {
            w->tg.set_stopper(&w->spelling);
            w->tg.set_stopper_strategy(Xapian::TermGenerator::STOP_ALL);
        }
        *out = w;
        return BX_OK;
    } catch (...) {
        std::string msg;
        bx_status st =
            bx_status_from_exception(std::string("cannot open index '") + path_z + "'", msg);
        delete w;
        bx_set_err(err, msg);
        return st;
    }
}

extern "C" bx_status bx_writer_put(bx_writer *w, const bx_article *a, int *replaced)
{
    return bx_writer_put_at(w, a, 0, replaced);
}

extern "C" bx_status bx_writer_put_at(bx_writer *w, const bx_article *a, uint64_t docid,
                                      int *replaced)
{
    if (replaced)
        *replaced = 0;
    if (!w || !a || docid > Xapian::docid(-1))
        return BX_ERR_INVALID;
    try {
        if (!a->id || a->id_len == 0) {
            w->err = "cannot index article: it has no id";
            return BX_ERR_INVALID;
        }
        std::string idterm = "Q" + std::string(a->id, a->id_len);
        if (idterm.size() > BX_MAX_TERM) {
            w->err = "cannot index article: id is longer than " + std::to_string(BX_MAX_TERM - 1) +
                     " bytes";
            return BX_ERR_INVALID;
        }
        Xapian::Document doc = build_document(w, a);
        doc.add_boolean_term(idterm);
        if (w->learning) {
            if (docid != 0 && !w->held_at.count(idterm) && !w->db.term_exists(idterm) &&
                docid <= std::max(w->held_last, w->db.get_lastdocid())) {
                w->err = "cannot index article '" + str(a->id, a->id_len) + "': document id " +
                         std::to_string(docid) + " was used before";
                return BX_ERR_INTERNAL;
            }
            bool existed = false;
            hold(w, idterm, doc, static_cast<Xapian::docid>(docid), existed);
            if (replaced)
                *replaced = existed ? 1 : 0;
            return after_change(w);
        }
        w->pairs.add_pairs(doc);
        bool existed = w->db.term_exists(idterm);
        if (!existed && docid != 0 && docid <= w->db.get_lastdocid()) {
            w->err = "cannot index article '" + str(a->id, a->id_len) + "': document id " +
                     std::to_string(docid) + " was used before";
            return BX_ERR_INTERNAL;
        }
        if (existed || docid == 0)
            w->db.replace_document(idterm, doc);
        else
            w->db.replace_document(static_cast<Xapian::docid>(docid), doc);
        if (replaced)
            *replaced = existed ? 1 : 0;
        return after_change(w);
    } catch (...) {
        return bx_status_from_exception("cannot index article '" + str(a->id, a->id_len) + "'",
                                        w->err);
    }
}

extern "C" bx_status bx_writer_delete(bx_writer *w, const char *id, size_t id_len, int *existed)
{
    if (existed)
        *existed = 0;
    if (!w || !id)
        return BX_ERR_INVALID;
    try {
        std::string idterm = "Q" + std::string(id, id_len);
        if (idterm.size() > BX_MAX_TERM || id_len == 0)
            return BX_OK;
        if (w->held_at.count(idterm))
            settle(w); // written first, then deleted
        bool found = w->db.term_exists(idterm);
        if (found)
            w->db.delete_document(idterm);
        if (existed)
            *existed = found ? 1 : 0;
        return found ? after_change(w) : BX_OK;
    } catch (...) {
        return bx_status_from_exception("cannot delete article '" + std::string(id, id_len) + "'",
                                        w->err);
    }
}

extern "C" bx_status bx_writer_commit(bx_writer *w)
{
    if (!w)
        return BX_ERR_INVALID;
    return commit(w, true);
}

extern "C" uint64_t bx_writer_doccount(const bx_writer *w)
{
    try {
        if (!w)
            return 0;
        uint64_t n = w->db.get_doccount();
        for (const BxHeldDoc &h : w->held)
            n += h.fresh;
        return n;
    } catch (...) {
        return 0;
    }
}

extern "C" uint64_t bx_writer_lastdocid(const bx_writer *w)
{
    try {
        return w ? std::max<uint64_t>(w->db.get_lastdocid(), w->held_last) : 0;
    } catch (...) {
        return 0;
    }
}

extern "C" const char *bx_writer_errmsg(const bx_writer *w)
{
    return w ? w->err.c_str() : "no writer";
}

extern "C" bx_status bx_writers_share_spellings(bx_writer *const *ws, size_t n)
{
    if (!ws && n)
        return BX_ERR_INVALID;
    for (size_t i = 0; i < n; i++)
        if (!ws[i])
            return BX_ERR_INVALID;
    if (n < 2)
        return BX_OK;
    try {
        // Built aside and swapped in only when complete, so that running out of memory
        // part way leaves the counts where they were.
        std::vector<BxWordTable<Xapian::termcount>> parts(n);
        for (size_t i = 0; i < n; i++)
            ws[i]->spelling.words.for_each([&](std::string_view word, Xapian::termcount c) {
                // By the hash's high bits: its low bits place the word in its part's table.
                parts[(BxWordTable<Xapian::termcount>::hash_of(word) >> 32) % n][word] += c;
            });
        for (size_t i = 0; i < n; i++)
            ws[i]->spelling.words.swap(parts[i]);
        return BX_OK;
    } catch (...) {
        std::string msg;
        return bx_status_from_exception("cannot share out spelling words", msg);
    }
}

extern "C" bx_status bx_writer_close(bx_writer *w, char **err)
{
    if (err)
        *err = nullptr;
    if (!w)
        return BX_OK;
    bx_status st = BX_OK;
    try {
        settle(w);
        add_spellings(w);
        commit_db(w);
        w->db.close();
    } catch (...) {
        std::string msg;
        st = bx_status_from_exception("cannot commit index", msg);
        bx_set_err(err, msg);
    }
    try {
        delete w;
    } catch (...) {
    }
    return st;
}

extern "C" bx_status bx_compact(const char *const *srcs_z, size_t n, const char *dest_z, char **err)
{
    if (err)
        *err = nullptr;
    if (!srcs_z || n == 0 || !dest_z) {
        bx_set_err(err, "cannot merge indexes: nothing to merge");
        return BX_ERR_INVALID;
    }
    try {
        Xapian::Database all;
        std::vector<Xapian::Database> srcs;
        for (size_t i = 0; i < n; i++) {
            srcs.emplace_back(srcs_z[i]);
            all.add_database(srcs.back());
        }
        all.compact(dest_z, Xapian::DBCOMPACT_MULTIPASS);
        // The merged database's common words are those the sources share. When one of them has
        // no list, the merged one has none either: it learns on a later run while it is small.
        // Always written, as the compactor copies the first source's list, articles or not.
        BxPairWords common;
        bool listed = bx_shared_common_words(srcs, common);
        std::string value;
        if (listed) {
            std::vector<std::string> words(common.begin(), common.end());
            std::sort(words.begin(), words.end());
            value = bx_pairs_serialise(words);
        }
        Xapian::WritableDatabase merged(dest_z, Xapian::DB_OPEN);
        merged.set_metadata(BX_PAIRS_KEY, value); // empty: no list
        merged.commit();
        return BX_OK;
    } catch (...) {
        std::string msg;
        bx_status st = bx_status_from_exception(
            std::string("cannot merge indexes into '") + dest_z + "'", msg);
        bx_set_err(err, msg);
        return st;
    }
}
