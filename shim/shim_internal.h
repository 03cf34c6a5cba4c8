// shim_internal.h - what the shim's C++ files share: handle structs, errors, stemmers.
#ifndef BYLINE_SHIM_INTERNAL_H
#define BYLINE_SHIM_INTERNAL_H

#include "byline_xapian.h"
#include "wordtable.h"

#include <xapian.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

// Turns the exception being handled into a status and a message that begins with `what`.
// Call only from inside a catch block.
bx_status bx_status_from_exception(const std::string &what, std::string &msg);

// Copies a message into a malloc'd C string for `char **err` out-parameters (NULL-safe).
void bx_set_err(char **err, const std::string &msg);

// A Xapian::Stem running libstemmer's Snowball stemmer for `lang` (code or name). Returns an
// empty Stem (no stemming) when libstemmer has no such language. It remembers the stems of
// up to `memo_max` recent words (words repeat: indexing asks for the stem of every word,
// snippets for those of the words they may highlight).
Xapian::Stem bx_snowball_stem(const std::string &lang, size_t memo_max = 0);

// Caches one Snowball stemmer per language for one handle (stemmers are not thread-safe).
class StemCache
{
  public:
    // Readers keep a few thousand stems per language and thread; writers more.
    explicit StemCache(size_t memo_max = 4096) : memo_max_(memo_max)
    {
    }
    const Xapian::Stem &get(const char *lang);

  private:
    size_t memo_max_;
    std::map<std::string, Xapian::Stem> stems_;
    Xapian::Stem none_;
};

// The weighting of searches that only count or collect their matches: 1 for each word
// matched, which nothing reads. Not Xapian's BoolWeight: in Xapian 1.4.22 a search weighted by
// BoolWeight (or CoordWeight) that examines more than about 2,000 matches of a word that every
// document holds throws "Unexpected end of posting list" once the database has a deleted
// document (tests/test_shim.c test_parallel_chunks met it); TfIdfWeight("bnn") does not.
inline Xapian::TfIdfWeight counting_weight()
{
    return Xapian::TfIdfWeight("bnn");
}

// A query matching every document. Built afresh each time: copying the shared
// Xapian::Query::MatchAll from several threads races on its reference count.
inline Xapian::Query match_all()
{
    return Xapian::Query(std::string());
}

// Which bytes are ASCII word characters (letters, digits, '_'), looked up rather than
// compared: the snippet scanner asks for every byte of every hit's text.
struct BxAsciiWordTable {
    bool word[256];
};
constexpr BxAsciiWordTable bx_make_ascii_word_table()
{
    BxAsciiWordTable t{};
    for (int c = 0; c < 256; c++)
        t.word[c] =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    return t;
}
inline constexpr BxAsciiWordTable bx_ascii_word_table = bx_make_ascii_word_table();

inline bool bx_ascii_wordchar(unsigned char c)
{
    return bx_ascii_word_table.word[c];
}

// Decodes the character at text[pos] (n bytes in all): sets *cp to it lower-cased, *len to its
// length in bytes (at least 1, also for a byte that is not valid UTF-8) and returns whether it
// is a word character.
inline bool bx_decode_char(const char *text, size_t n, size_t pos, unsigned *cp, size_t *len)
{
    unsigned char c = static_cast<unsigned char>(text[pos]);
    if (c < 0x80) {
        *cp = c >= 'A' && c <= 'Z' ? c + 32u : c;
        *len = 1;
        return bx_ascii_wordchar(c);
    }
    Xapian::Utf8Iterator it(text + pos, n - pos);
    unsigned u = *it;
    ++it;
    *len = static_cast<size_t>(it.raw() - (text + pos));
    if (*len == 0)
        *len = 1;
    *cp = Xapian::Unicode::tolower(u);
    return Xapian::Unicode::is_wordchar(u);
}

// Calls fn(start, end, lower) for each word of the n bytes at text: a run of Xapian's word
// characters, given by its byte offsets and lower-cased. want(c) is asked with the lower-cased
// first character of each word; when it says no, the word is not lower-cased and fn gets an
// empty string (for callers that look only at some words). Runs of ASCII (between words and
// inside them) are taken in tight loops, without Unicode table lookups.
template <class Want, class Fn> void bx_for_each_word(const char *text, size_t n, Want want, Fn fn)
{
    const unsigned char *s = reinterpret_cast<const unsigned char *>(text);
    std::string lower;
    size_t pos = 0;
    while (pos < n) {
        // The ASCII bytes between words go in one tight loop.
        while (pos < n && s[pos] < 0x80 && !bx_ascii_wordchar(s[pos]))
            pos++;
        if (pos == n)
            break;
        unsigned cp;
        size_t len;
        if (!bx_decode_char(text, n, pos, &cp, &len)) {
            pos += len; // a character outside ASCII that is not a word character
            continue;
        }
        size_t start = pos;
        lower.clear();
        bool keep = want(cp);
        for (;;) {
            if (keep && cp >= 0x80)
                Xapian::Unicode::append_utf8(lower, cp);
            else if (keep)
                lower += static_cast<char>(cp);
            pos += len;
            // The ASCII word characters that follow, in one go.
            size_t run = pos;
            while (pos < n && bx_ascii_wordchar(s[pos]))
                pos++;
            if (keep && pos > run) {
                size_t at = lower.size();
                lower.append(text + run, pos - run);
                for (size_t i = at; i < lower.size(); i++)
                    if (lower[i] >= 'A' && lower[i] <= 'Z')
                        lower[i] = static_cast<char>(lower[i] + 32);
            }
            if (pos == n || s[pos] < 0x80 || !bx_decode_char(text, n, pos, &cp, &len))
                break;
        }
        fn(start, pos, lower);
    }
}

template <class Fn> void bx_for_each_word(const std::string &text, Fn fn)
{
    bx_for_each_word(
        text.data(), text.size(), [](unsigned) { return true; }, fn);
}

// The longest term Byline writes (Xapian's glass backend refuses terms over 245 bytes).
const size_t BX_MAX_TERM = 240;

// A language tag as indexed and filtered on: lower-case, '-' between subtags ("zh_Hant" ->
// "zh-hant").
std::string bx_lang_tag(const std::string &tag);

// The boolean term for a filter value (category, source, tag, author): prefix + value, or
// when that is longer than Xapian allows, a cut of the value (at a character) and a digest
// of all of it, the same when indexing and when filtering.
std::string bx_boolean_term(const std::string &prefix, const std::string &value);

// Lower-cases UTF-8 text with Xapian's Unicode tables.
std::string bx_lower(const std::string &s);

// The canonical encoding of a set of strings for one value slot: sorted, unique, joined by
// BX_SET_SEP.
std::string bx_set_encode(std::vector<std::string> items);

// Calls fn(item) for each item of a set value made by bx_set_encode (empty items skipped).
template <typename F> void bx_set_for_each(const std::string &value, F fn)
{
    size_t start = 0;
    while (start <= value.size()) {
        size_t sep = value.find(BX_SET_SEP, start);
        if (sep == std::string::npos)
            sep = value.size();
        if (sep > start)
            fn(value.substr(start, sep - start));
        start = sep + 1;
    }
}

struct bx_counts {
    std::vector<std::pair<std::string, uint64_t>> items;
};

// Which database, at which revision: what a docid of it holds is then known.
struct bx_db_identity {
    std::string uuid; // "" when not known (a remote shard, or not asked for)
    std::string revision;
};

// One facet's values held in memory by docid (facetcols.cc), for one revision of the databases
// a reader searches. Immutable once built; shared by the searches that use it.
// Its rows are the docids 0 to the last (dense), or, for a database whose docids are spread
// much wider than its documents (a shard of byline-index --shards, whose docids count across
// all shards), the documents that have a value, listed in `docs` (sparse).
struct bx_facet_column {
    bool is_set = false; // the slot holds sets (bx_set_encode), split into items
    bool sparse = false;
    std::vector<uint32_t> docs;      // sparse only: row -> docid, ascending
    std::vector<std::string> values; // value id -> value (or set item)
    std::vector<uint32_t> ids;       // single: row -> value id + 1, 0 for none;
                                     // set: the value ids of row r are ids[first[r]] up to
                                     // ids[first[r + 1]]
    std::vector<uint32_t> first;     // set only: row -> its start in ids (rows + 1 entries)
    std::vector<uint32_t> rank;      // value id -> its place when the values are sorted
    size_t bytes() const;
};

// The column of `slot` for the database db, which is `id` (see bx_shard), built on first use
// and then shared. db must be one database, not several searched as one: a match spy sees a
// document by its docid within its own database, which a column of the combined docids cannot
// be looked up by. nullptr when c is NULL or id empty, when another search is building it or
// when building fails: the caller then counts with Xapian's spies.
std::shared_ptr<const bx_facet_column> bx_facet_column_get(bx_facet_columns *c,
                                                           const bx_db_identity &id,
                                                           const Xapian::Database &db,
                                                           unsigned slot, bool is_set);

// Counts over one column: by value id, with the ids counted at least once noted, so that a
// search with few matches does not walk every value the column holds.
struct bx_column_counts {
    std::vector<uint64_t> n;       // by value id, sized to col.values
    std::vector<uint32_t> touched; // the value ids with n > 0
    size_t cursor = 0;             // sparse columns: the row looked up last
};

// Adds document `did`'s values to counts.
void bx_facet_column_count(const bx_facet_column &col, Xapian::docid did, bx_column_counts &c);

class bx_doc_bitmap;

// Adds the values of every document of `docs` to counts.
void bx_facet_column_count_all(const bx_facet_column &col, const bx_doc_bitmap &docs,
                               bx_column_counts &c);

// Fills `out` from counts, in the order bx_counts_from_spy gives.
void bx_counts_from_column(const bx_facet_column &col, bx_column_counts &c, bx_counts &out);

// Fills `out` from a match spy's counts; set-valued slots are split and summed. Sorted by
// count, then value.
void bx_counts_from_spy(const Xapian::ValueCountMatchSpy &spy, bool is_set, bx_counts &out);

// Fills `out` from counts by value (zero counts left out by the caller): sorted by count, then
// value.
void bx_counts_from_sums(const std::map<std::string, uint64_t> &sums, bx_counts &out);

// A set of docids, as a bitmap over a window of docids (matchset.cc): docids outside it are
// never in the set, so that a part of a large database costs the bits of that part only.
class bx_doc_bitmap
{
  public:
    bx_doc_bitmap() = default;
    // An empty set that can hold the docids from `first` to `last`.
    bx_doc_bitmap(Xapian::docid first, Xapian::docid last);
    explicit bx_doc_bitmap(Xapian::docid last) : bx_doc_bitmap(0, last)
    {
    }
    void set(Xapian::docid d)
    {
        size_t w = d >> 6;
        if (w >= base_ && w - base_ < words_.size()) {
            words_[w - base_] |= 1ULL << (d & 63);
            count_ = SIZE_MAX;
        }
    }
    bool test(Xapian::docid d) const
    {
        size_t w = d >> 6;
        return w >= base_ && w - base_ < words_.size() &&
               ((words_[w - base_] >> (d & 63)) & 1) != 0;
    }
    // Adds every docid from `from` to `to` (those within the window).
    void set_range(Xapian::docid from, Xapian::docid to);
    // Empties the set.
    void clear();
    // How many docids the set holds.
    size_t count() const;
    // The first docid of the set at `from` or after it; 0 when there is none.
    Xapian::docid next(Xapian::docid from) const;
    // Calls fn(docid) for each docid of the set, in ascending order.
    template <typename Fn> void for_each(Fn fn) const
    {
        for (size_t i = 0; i < words_.size(); i++)
            for (uint64_t w = words_[i]; w; w &= w - 1)
                fn(static_cast<Xapian::docid>(((base_ + i) << 6) +
                                              static_cast<size_t>(__builtin_ctzll(w))));
    }
    // Adds the docids of o, or takes them out (those within this set's window).
    void unite(const bx_doc_bitmap &o);
    void subtract(const bx_doc_bitmap &o);
    void swap(bx_doc_bitmap &o)
    {
        words_.swap(o.words_);
        std::swap(base_, o.base_);
        std::swap(count_, o.count_);
        std::swap(last_, o.last_);
    }
    // The last docid of its window (0 for one made empty).
    Xapian::docid size_for() const
    {
        return last_;
    }

  private:
    std::vector<uint64_t> words_; // words_[i] holds the docids (base_ + i) * 64 to that + 63
    size_t base_ = 0;
    mutable size_t count_ = 0; // SIZE_MAX: not counted since the last change
    Xapian::docid last_ = 0;
};

// Adds to out the documents of db with docids from lo to hi that q matches, reading posting
// lists and leaving to Xapian's matcher only what needs positions, values or expansion
// (phrases, NEAR, wildcards, value ranges). Weights play no part: the set is that of a search
// of q weighted by counting_weight(). db must be one local database (the bitmap is by its docids,
// and the matcher is given classes of this process). out is made afresh, for docids 0 to db's last,
// when it was not made so, so that several ranges can be added to one bitmap. With
// time_limit_ms > 0, stops once that much time has gone and returns false (out then holds
// part of the matches, never a document that does not match); else returns true. Throws
// Xapian's exceptions.
bool bx_match_bitmap(const Xapian::Database &db, const Xapian::Query &q, Xapian::docid lo,
                     Xapian::docid hi, double time_limit_ms, bx_doc_bitmap &out);

// Counts the words the TermGenerator indexes, for the spelling table. Xapian asks a stopper
// about every word it is about to index (with the STOP_ALL strategy), the same words its own
// spelling option would add one call at a time; counting them here and adding each word
// once per commit, with its count, gives the same table (numbers aside) for a fraction of the
// work. Never stops a word.
class SpellingCounter : public Xapian::Stopper
{
  public:
    bool operator()(const std::string &word) const override
    {
        if (counting && !is_number(word))
            words[word]++;
        return false;
    }
    // Numbers ("1987", "1,250", "3.5": ASCII digits and the separators Xapian keeps between
    // them) are left out: as corrections they would turn one number into another, and they
    // made up a third of the words of a news corpus.
    static bool is_number(const std::string &word)
    {
        for (char c : word)
            if ((c < '0' || c > '9') && c != '.' && c != ',' && c != ';')
                return false;
        return true;
    }
    mutable bool counting = false;
    mutable BxWordTable<Xapian::termcount> words;
};

// Words too common in English to say what a text is about (common.cc): left out of English
// queries, and out of the pairs of common words.
extern const char *const BX_ENGLISH_STOPWORDS[];
extern const size_t BX_N_ENGLISH_STOPWORDS;

// Said of a file given as an index that is not a stub file (such as a file of articles given
// to --db by mistake).
extern const char BX_NOT_A_STUB[];

// pairs.cc: adjacent pairs of a database's common words, indexed as boolean terms so that a
// phrase of them is proved without positions.

// The metadata key of a database's list of common words (bx_pairs_serialise).
extern const char BX_PAIRS_KEY[];

// The common words of a database (or of every database a reader searches).
using BxPairWords = std::unordered_set<std::string>;

// The boolean term of the two words side by side.
std::string bx_pair_term(const std::string &first, const std::string &second);

// The list as stored under BX_PAIRS_KEY, and back. bx_pairs_parse returns false (and an empty
// set) for a value it does not know.
std::string bx_pairs_serialise(const std::vector<std::string> &words);
bool bx_pairs_parse(const std::string &value, BxPairWords &out);

// The common words that every one of `dbs` holding articles lists (all of them, when none holds
// any): what searching them as one, or merging them, may use. False (and none) when one of
// those has no list, or `dbs` is empty.
bool bx_shared_common_words(const std::vector<Xapian::Database> &dbs, BxPairWords &out);

// q with each exact phrase of common words rewritten to use their pair terms: for `counting`
// (which documents match, weights unread) a two-word phrase becomes its pair term; for the
// ranked search, the AND of its words filtered by the pair (the phrase's weights). Longer
// phrases keep their proof from positions, over the documents with all their pairs.
Xapian::Query bx_use_pairs(const Xapian::Query &q, const BxPairWords &common, bool counting);

// The common words of a sample of documents (the first ones of a database), from their
// document frequencies.
class PairLearner
{
  public:
    void add(const Xapian::Document &doc);
    size_t docs() const
    {
        return docs_;
    }
    // The words in at least a tenth of the sample's documents, sorted.
    std::vector<std::string> common() const;

  private:
    size_t docs_ = 0;
    std::unordered_map<std::string, size_t> df_;
};

// Adds the pair terms of a database's common words to its documents.
class PairIndexer
{
  public:
    void set_words(const std::vector<std::string> &words);
    bool empty() const
    {
        return words_.empty();
    }
    void add_pairs(Xapian::Document &doc);

  private:
    std::vector<std::string> words_;
    BxWordTable<uint32_t> index_; // word -> its place in words_, plus one
    std::vector<std::pair<Xapian::termpos, uint32_t>> at_;
};

// An article written while a database learns its common words: held until they are known.
struct BxHeldDoc {
    std::string idterm;
    Xapian::Document doc;
    Xapian::docid docid; // as asked for; 0 for the next free one, or to keep the one it replaces
    bool fresh;          // new to the database (not replacing an article in it)
};

struct bx_writer {
    Xapian::WritableDatabase db;
    Xapian::TermGenerator tg;
    SpellingCounter spelling;
    StemCache stems{ 65536 };
    std::string err;
    bx_writer_options opts;
    size_t pending = 0;   // changes since the last commit
    size_t unspelled = 0; // articles whose words are counted but not yet in the table
    bool large = false;   // the database held BX_LARGE_INDEX articles at the last commit
    PairIndexer pairs;    // the database's common words, once known
    // A small database without a list learns its common words: its new articles are held
    // until a commit (see settle in writer.cc).
    bool learning = false;
    std::vector<BxHeldDoc> held;
    std::unordered_map<std::string, size_t> held_at; // id term -> its place in held
    Xapian::docid held_last = 0;                     // the docid the last held one will get
};

// One database of a reader's set: local, or remote (port != 0) through xapian-tcpsrv.
struct bx_shard {
    std::string name;  // the local path, or "tcp://host:port"
    std::string given; // the path given to bx_reader_open that lists it
    std::string host;
    unsigned port = 0;
    int backend = 0;     // Xapian::DB_BACKEND_* forced by a stub line ("glass PATH"), or 0
    Xapian::Database db; // valid while open
    bool open = false;
    uint64_t epoch = 0;      // the shard's failure count (see reader.cc) when it was connected
    bx_db_identity identity; // of db as opened, for facet columns (bx_reader_update_stamp)
};

// A stub file a reader read, to notice when it changes (a replica switching copies).
struct bx_stub {
    std::string path;
    std::string text;
};

struct bx_count_helper; // search.cc

struct bx_reader {
    Xapian::Database db; // the shards that are open, as one
    StemCache stems;
    std::string err;
    std::vector<std::string> paths; // as given to bx_reader_open
    bx_reader_options opts = {};
    std::vector<bx_shard> shards;
    std::vector<bx_stub> stubs;
    uint64_t seen = 0;  // the shard health generation last acted on
    uint64_t stamp = 0; // what the stored-article cache knows it by (bx_reader_update_stamp)
    // The thread that counts facets beside the ranked search (opts.parallel_count), made when
    // first needed.
    std::shared_ptr<bx_count_helper> helper;
    // The common words of every database searched (their pair terms prove phrases): what all
    // the open shards that hold articles list. Set at each open and reopen.
    BxPairWords pairs;
};

// Whether any of the reader's shards is remote (what runs there must be Xapian's own classes,
// and Xapian 1.4 has a few limits there: see docs/SCALING.md).
inline bool bx_reader_has_remote(const bx_reader *r)
{
    for (const bx_shard &s : r->shards)
        if (s.port)
            return true;
    return false;
}

// Records that the remote shard `name` ("tcp://host:port") failed, so that every reader of the
// process stops waiting on it; `retry_now` lets the next reader try it at once (a broken
// connection to a server that may already be back). Thread-safe.
void bx_shard_failed(const std::string &name, const std::string &why, bool retry_now);

// The shard named by a Xapian NetworkError's context ("remote:tcp(host:port)"), or "".
std::string bx_shard_from_context(const std::string &context);

// Closes the second handle of a reader's counting thread (search.cc), when what the reader
// searches changed: it is opened again at the next faceted search, and an index swapped away
// is not held open until then.
void bx_count_helper_release(bx_reader *r);

// Which local database `db`, opened from the folder `path`, is, at which revision (see
// doccache.cc).
bx_db_identity bx_identify(const std::string &path, const Xapian::Database &db);

// Sets r->stamp, and each open local shard's identity when the reader has facet columns.
// r->stamp is the digest of what the reader searches (see doccache.cc): equal stamps mean
// that every docid holds the same article. 0 when the reader has neither a doc cache nor facet
// columns, or searches a remote shard. Called when the reader opens and whenever a reopen changes
// what it reads: between those, Xapian reads the revision it opened (a folder swapped in underneath
// with the same revision would otherwise get the stamp of tables not yet read).
void bx_reader_update_stamp(bx_reader *r);

// The stored record of document `did` of `db`, from the cache when it holds it under `stamp`,
// else read from the database (and kept when c and stamp are set).
std::string bx_doc_data(bx_doc_cache *c, uint64_t stamp, const Xapian::Database &db,
                        Xapian::docid did);

struct bx_hit {
    Xapian::docid did;
    double score;
    uint64_t collapsed;
    std::string data;
};

struct bx_results {
    Xapian::Database db;
    bx_doc_cache *cache = nullptr; // where stored records are kept, with the stamp of db
    uint64_t stamp = 0;
    Xapian::Query query; // the query as matched, for snippets
    std::set<std::string> snippet_terms;
    std::vector<std::string> snippet_wildcards;          // letters typed before a '*', lower-cased
    std::unordered_map<std::string, bool> snippet_words; // word -> whether it matches a term
    bool snippet_any_start = false;                      // the stemmer may change how a word begins
    bool snippet_two_letters = false; // it keeps a word's first two ASCII letters
    bool snippet_ready = false;
    Xapian::MSet mset;
    Xapian::Stem stem;
    std::vector<bx_hit> hits;
    std::string corrected;
    bool has_corrected = false;
    bool exact = false;
    bool timed_out = false;
    uint64_t total = 0;
    std::map<unsigned, bx_counts> facets;
};

#endif
