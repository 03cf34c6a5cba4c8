// common.cc - the shim's error mapping, languages, Snowball stemming and small helpers.
#include "shim_internal.h"

#include "byline_common.h"

#include <libstemmer.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <stdexcept>
#include <strings.h>

// A Xapian error's message, with the system's reason when it has one ("Error writing block 158
// (No space left on device)").
static std::string with_reason(const Xapian::Error &e)
{
    const char *reason = e.get_error_string();
    return reason ? e.get_msg() + " (" + reason + ")" : e.get_msg();
}

const char BX_NOT_A_STUB[] = "not a line of a stub file, which lists databases one a line "
                             "('auto PATH', 'glass PATH' or 'remote HOST:PORT')";

bx_status bx_status_from_exception(const std::string &what, std::string &msg)
{
    try {
        throw;
    } catch (const Xapian::DatabaseModifiedError &e) {
        msg = what + ": index changed while reading: " + e.get_msg();
        return BX_ERR_MODIFIED;
    } catch (const Xapian::DatabaseLockError &e) {
        msg = what + ": index is locked by another writer: " + e.get_msg();
        return BX_ERR_LOCKED;
    } catch (const Xapian::DatabaseCorruptError &e) {
        msg = what + ": index is damaged: " + e.get_msg();
        return BX_ERR_CORRUPT;
    } catch (const Xapian::DatabaseNotFoundError &e) {
        msg = what + ": no index there: " + e.get_msg();
        return BX_ERR_OPENING;
    } catch (const Xapian::DatabaseVersionError &e) {
        msg = what + ": unsupported index format: " + e.get_msg();
        return BX_ERR_OPENING;
    } catch (const Xapian::DatabaseOpeningError &e) {
        msg = what + ": " + with_reason(e);
        // Xapian reads a file given as a database as a stub file, and says no more than
        // "Bad line" of one that is not (a file of articles given as the index, say).
        const std::string bad = ": Bad line";
        if (msg.size() >= bad.size() && msg.compare(msg.size() - bad.size(), bad.size(), bad) == 0)
            msg.replace(msg.size() - bad.size(), bad.size(), std::string(": ") + BX_NOT_A_STUB);
        return BX_ERR_OPENING;
    } catch (const Xapian::QueryParserError &e) {
        msg = what + ": " + e.get_msg();
        return BX_ERR_QUERY;
    } catch (const Xapian::NetworkTimeoutError &e) {
        // Every reader of the process learns that the shard failed (see reader.cc).
        std::string shard = bx_shard_from_context(e.get_context());
        if (!shard.empty())
            bx_shard_failed(shard, "timed out: " + e.get_msg(), true);
        msg = what + ": remote " + (shard.empty() ? "index" : "shard '" + shard + "'") +
              " timed out: " + e.get_msg();
        return BX_ERR_TIMEOUT;
    } catch (const Xapian::NetworkError &e) {
        std::string shard = bx_shard_from_context(e.get_context());
        if (!shard.empty())
            bx_shard_failed(shard, e.get_msg(), true);
        msg = what + ": remote " + (shard.empty() ? "index" : "shard '" + shard + "'") +
              " failed: " + e.get_msg();
        return BX_ERR_NETWORK;
    } catch (const Xapian::DatabaseError &e) {
        msg = what + ": " + with_reason(e);
        if (!e.get_error_string() && e.get_msg().find("corrupt") != std::string::npos)
            return BX_ERR_CORRUPT;
        return BX_ERR_IO;
    } catch (const Xapian::InvalidArgumentError &e) {
        msg = what + ": " + e.get_msg();
        return BX_ERR_INVALID;
    } catch (const Xapian::Error &e) {
        msg = what + ": " + e.get_description();
        return BX_ERR_XAPIAN;
    } catch (const std::bad_alloc &) {
        msg = what + ": out of memory";
        return BX_ERR_NOMEM;
    } catch (const std::exception &e) {
        msg = what + ": " + e.what();
        return BX_ERR_INTERNAL;
    } catch (...) {
        msg = what + ": unknown error";
        return BX_ERR_INTERNAL;
    }
}

void bx_set_err(char **err, const std::string &msg)
{
    if (!err)
        return;
    *err = static_cast<char *>(malloc(msg.size() + 1));
    if (*err)
        memcpy(*err, msg.c_str(), msg.size() + 1);
}

extern "C" const char *bx_status_name(bx_status status)
{
    switch (status) {
    case BX_OK:
        return "ok";
    case BX_ERR_INVALID:
        return "invalid argument";
    case BX_ERR_NOT_FOUND:
        return "not found";
    case BX_ERR_OPENING:
        return "cannot open";
    case BX_ERR_LOCKED:
        return "locked";
    case BX_ERR_MODIFIED:
        return "modified";
    case BX_ERR_CORRUPT:
        return "corrupt";
    case BX_ERR_QUERY:
        return "query syntax";
    case BX_ERR_NOMEM:
        return "out of memory";
    case BX_ERR_IO:
        return "i/o error";
    case BX_ERR_XAPIAN:
        return "xapian error";
    case BX_ERR_INTERNAL:
        return "internal error";
    case BX_ERR_NETWORK:
        return "network error";
    case BX_ERR_TIMEOUT:
        return "timeout";
    }
    return "unknown status";
}

extern "C" const char *bx_xapian_version(void)
{
    return Xapian::version_string();
}

extern "C" void bx_free(void *ptr)
{
    free(ptr);
}

namespace
{

struct LangName {
    const char *code;
    const char *snowball;
    const char *aliases[3];
};

// Every libstemmer 2.2 language: the code Byline stores, libstemmer's name, other names.
const LangName langs[] = {
    { "ar", "arabic", { "ara", nullptr, nullptr } },
    { "hy", "armenian", { "hye", "arm", nullptr } },
    { "eu", "basque", { "eus", "baq", nullptr } },
    { "ca", "catalan", { "cat", nullptr, nullptr } },
    { "da", "danish", { "dan", nullptr, nullptr } },
    { "nl", "dutch", { "nld", "dut", nullptr } },
    { "en", "english", { "eng", nullptr, nullptr } },
    { "fi", "finnish", { "fin", nullptr, nullptr } },
    { "fr", "french", { "fra", "fre", nullptr } },
    { "de", "german", { "deu", "ger", nullptr } },
    { "el", "greek", { "ell", "gre", nullptr } },
    { "hi", "hindi", { "hin", nullptr, nullptr } },
    { "hu", "hungarian", { "hun", nullptr, nullptr } },
    { "id", "indonesian", { "ind", nullptr, nullptr } },
    { "ga", "irish", { "gle", nullptr, nullptr } },
    { "it", "italian", { "ita", nullptr, nullptr } },
    { "lt", "lithuanian", { "lit", nullptr, nullptr } },
    { "ne", "nepali", { "nep", nullptr, nullptr } },
    { "no", "norwegian", { "nor", "nb", "nn" } },
    { "porter", "porter", { nullptr, nullptr, nullptr } },
    { "pt", "portuguese", { "por", nullptr, nullptr } },
    { "ro", "romanian", { "ron", "rum", nullptr } },
    { "ru", "russian", { "rus", nullptr, nullptr } },
    { "sr", "serbian", { "srp", nullptr, nullptr } },
    { "es", "spanish", { "spa", nullptr, nullptr } },
    { "sv", "swedish", { "swe", nullptr, nullptr } },
    { "ta", "tamil", { "tam", nullptr, nullptr } },
    { "tr", "turkish", { "tur", nullptr, nullptr } },
    { "yi", "yiddish", { "yid", nullptr, nullptr } },
};

const LangName *lang_find(const char *lang)
{
    if (!lang)
        return nullptr;
    std::string key(lang);
    // "en-GB", "pt_BR": the primary subtag names the stemmer.
    size_t cut = key.find_first_of("-_");
    if (cut != std::string::npos && cut > 0)
        key.resize(cut);
    for (const LangName &l : langs) {
        if (strcasecmp(key.c_str(), l.code) == 0 || strcasecmp(key.c_str(), l.snowball) == 0)
            return &l;
        for (const char *a : l.aliases)
            if (a && strcasecmp(key.c_str(), a) == 0)
                return &l;
    }
    return nullptr;
}

// Snowball through libstemmer, as a Xapian stemmer. Not thread-safe (neither is sb_stemmer).
class SnowballStem : public Xapian::StemImplementation
{
  public:
    SnowballStem(const LangName *lang, size_t memo_max) : name_(lang->snowball), memo_max_(memo_max)
    {
        stemmer_ = sb_stemmer_new(lang->snowball, "UTF_8");
        if (!stemmer_)
            throw std::bad_alloc();
    }
    ~SnowballStem() override
    {
        sb_stemmer_delete(stemmer_);
    }
    SnowballStem(const SnowballStem &) = delete;
    SnowballStem &operator=(const SnowballStem &) = delete;

    std::string operator()(const std::string &word) override
    {
        if (memo_max_ == 0 || word.size() > MEMO_WORD_MAX)
            return run(word);
        if (const BxWordRef *hit = memo_.find(word))
            return std::string(memo_.view(*hit));
        std::string stem = run(word);
        if (memo_.size() >= memo_max_)
            memo_.clear();
        BxWordRef kept = memo_.keep(stem);
        memo_[word] = kept;
        return stem;
    }
    std::string get_description() const override
    {
        return "libstemmer(" + name_ + ")";
    }

  private:
    // Words repeat (a corpus's vocabulary is Zipfian), so the stems of the words seen last
    // are kept, up to memo_max_ of them; the memo is cleared when full.
    static const size_t MEMO_WORD_MAX = 32; // longer words are rare: not kept

    std::string run(const std::string &word)
    {
        const sb_symbol *out =
            sb_stemmer_stem(stemmer_, reinterpret_cast<const sb_symbol *>(word.data()),
                            static_cast<int>(word.size()));
        if (!out)
            throw std::bad_alloc();
        return std::string(reinterpret_cast<const char *>(out),
                           static_cast<size_t>(sb_stemmer_length(stemmer_)));
    }

    sb_stemmer *stemmer_;
    std::string name_;
    size_t memo_max_;
    BxWordTable<BxWordRef> memo_; // word -> its stem, kept in the table's arena
};

} // namespace

Xapian::Stem bx_snowball_stem(const std::string &lang, size_t memo_max)
{
    const LangName *l = lang_find(lang.c_str());
    if (!l)
        return Xapian::Stem();
    return Xapian::Stem(new SnowballStem(l, memo_max));
}

const Xapian::Stem &StemCache::get(const char *lang)
{
    if (!lang || !*lang)
        return none_;
    auto it = stems_.find(lang);
    if (it != stems_.end())
        return it->second;
    // Only languages libstemmer has are kept: any other string (a tag such as "pl", or
    // whatever a request names) stems nothing and must not grow the cache.
    if (!lang_find(lang))
        return none_;
    return stems_.emplace(lang, bx_snowball_stem(lang, memo_max_)).first->second;
}

extern "C" const char *bx_lang_resolve_z(const char *lang)
{
    const LangName *l = lang_find(lang);
    return l ? l->code : nullptr;
}

extern "C" const char **bx_lang_list(void)
{
    return sb_stemmer_list();
}

extern "C" char *bx_stem_word(const char *lang, const char *word, size_t len)
{
    try {
        if (!lang_find(lang) || !word)
            return nullptr;
        Xapian::Stem st = bx_snowball_stem(lang);
        std::string out = st(Xapian::Unicode::tolower(std::string(word, len)));
        char *r = static_cast<char *>(malloc(out.size() + 1));
        if (r)
            memcpy(r, out.c_str(), out.size() + 1);
        return r;
    } catch (...) {
        return nullptr;
    }
}

std::string bx_lang_tag(const std::string &tag)
{
    std::string t = tag;
    bl_lang_tag_normalize(&t[0]);
    return t;
}

std::string bx_boolean_term(const std::string &prefix, const std::string &value)
{
    std::string term = prefix + value;
    if (term.size() <= BX_MAX_TERM)
        return term;
    uint64_t h = 14695981039346656037ULL; // FNV-1a: the same digest on every build
    for (unsigned char c : value) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    char digest[20];
    snprintf(digest, sizeof digest, "#%016llx", static_cast<unsigned long long>(h));
    size_t keep = BX_MAX_TERM - prefix.size() - strlen(digest);
    while (keep > 0 && (static_cast<unsigned char>(value[keep]) & 0xc0) == 0x80)
        keep--;
    return prefix + value.substr(0, keep) + digest;
}

std::string bx_lower(const std::string &s)
{
    return Xapian::Unicode::tolower(s);
}

std::string bx_set_encode(std::vector<std::string> items)
{
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
    std::string out;
    for (const std::string &i : items) {
        if (!out.empty())
            out += BX_SET_SEP;
        out += i;
    }
    return out;
}

void bx_counts_from_spy(const Xapian::ValueCountMatchSpy &spy, bool is_set, bx_counts &out)
{
    std::map<std::string, uint64_t> sums;
    for (Xapian::TermIterator it = spy.values_begin(); it != spy.values_end(); ++it) {
        const std::string &v = *it;
        uint64_t n = it.get_termfreq();
        if (v.empty())
            continue;
        if (!is_set) {
            sums[v] += n;
            continue;
        }
        bx_set_for_each(v, [&](const std::string &item) { sums[item] += n; });
    }
    bx_counts_from_sums(sums, out);
}

void bx_counts_from_sums(const std::map<std::string, uint64_t> &sums, bx_counts &out)
{
    out.items.assign(sums.begin(), sums.end());
    std::stable_sort(out.items.begin(), out.items.end(),
                     [](const std::pair<std::string, uint64_t> &a,
                        const std::pair<std::string, uint64_t> &b) { return a.second > b.second; });
}

extern "C" size_t bx_counts_size(const bx_counts *c)
{
    return c ? c->items.size() : 0;
}

extern "C" const char *bx_counts_value(const bx_counts *c, size_t i, size_t *len)
{
    if (!c || i >= c->items.size())
        return nullptr;
    if (len)
        *len = c->items[i].first.size();
    return c->items[i].first.c_str();
}

extern "C" uint64_t bx_counts_count(const bx_counts *c, size_t i)
{
    if (!c || i >= c->items.size())
        return 0;
    return c->items[i].second;
}

extern "C" void bx_counts_free(bx_counts *c)
{
    delete c;
}

const char *const BX_ENGLISH_STOPWORDS[] = {
    "a",    "about", "after", "all",   "also", "an",    "and",   "any",   "are",   "as",   "at",
    "be",   "been",  "but",   "by",    "can",  "could", "did",   "do",    "does",  "for",  "from",
    "had",  "has",   "have",  "he",    "her",  "his",   "how",   "i",     "if",    "in",   "into",
    "is",   "it",    "its",   "me",    "my",   "of",    "on",    "or",    "our",   "she",  "so",
    "than", "that",  "the",   "their", "them", "then",  "there", "these", "they",  "this", "those",
    "to",   "was",   "we",    "were",  "what", "when",  "where", "which", "while", "who",  "whom",
    "why",  "will",  "with",  "would", "you",  "your"
};
const size_t BX_N_ENGLISH_STOPWORDS = sizeof BX_ENGLISH_STOPWORDS / sizeof BX_ENGLISH_STOPWORDS[0];
