// doccache.cc - a cache of stored articles shared by the readers of a process.
//
// Every hit of a search needs its stored record (the hit's fields and the text its snippet is
// cut from). Xapian reads it from the docdata table, one block read and one zlib inflate per
// article; articles that are in the news are in many answers. The cache keeps the records of
// the articles read last, keyed by the article's docid and a stamp of the exact revision of
// every database searched, so that an article changed by a later commit is never served from
// an earlier one: a reader that picks up a new commit computes a new stamp and misses.
#include "shim_internal.h"

#include <functional>
#include <sys/stat.h>
#include <list>
#include <mutex>

namespace
{

// What an entry costs besides its text: list and hash nodes, the string header.
constexpr size_t ENTRY_OVERHEAD = 128;

struct Key {
    uint64_t stamp;
    Xapian::docid did;
    bool operator==(const Key &o) const
    {
        return stamp == o.stamp && did == o.did;
    }
};

struct KeyHash {
    size_t operator()(const Key &k) const
    {
        return std::hash<uint64_t>()(k.stamp ^
                                     (static_cast<uint64_t>(k.did) * 0x9e3779b97f4a7c15ULL));
    }
};

struct Entry {
    Key key;
    std::string data;
};

} // namespace

struct bx_doc_cache {
    std::mutex lock;
    size_t max_bytes = 0;
    size_t bytes = 0;
    uint64_t hits = 0, misses = 0;
    std::list<Entry> lru; // most recently used first
    std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> index;
};

extern "C" bx_doc_cache *bx_doc_cache_new(size_t max_bytes)
{
    try {
        bx_doc_cache *c = new bx_doc_cache;
        c->max_bytes = max_bytes;
        return c;
    } catch (...) {
        return nullptr;
    }
}

extern "C" void bx_doc_cache_free(bx_doc_cache *c)
{
    delete c;
}

extern "C" void bx_doc_cache_get_stats(bx_doc_cache *c, bx_doc_cache_stats *out)
{
    if (!out)
        return;
    *out = bx_doc_cache_stats{};
    if (!c)
        return;
    try {
        std::lock_guard<std::mutex> hold(c->lock);
        out->hits = c->hits;
        out->misses = c->misses;
        out->bytes = c->bytes;
        out->entries = c->index.size();
        out->max_bytes = c->max_bytes;
    } catch (...) {
        // The lock could not be taken: the stats stay zero.
    }
}

static bool bx_doc_cache_find(bx_doc_cache *c, uint64_t stamp, Xapian::docid did, std::string &data)
{
    std::lock_guard<std::mutex> hold(c->lock);
    auto it = c->index.find(Key{ stamp, did });
    if (it == c->index.end()) {
        c->misses++;
        return false;
    }
    c->hits++;
    c->lru.splice(c->lru.begin(), c->lru, it->second);
    data = it->second->data;
    return true;
}

static void bx_doc_cache_put(bx_doc_cache *c, uint64_t stamp, Xapian::docid did,
                             const std::string &data)
{
    size_t cost = data.size() + ENTRY_OVERHEAD;
    // One article never takes more than an eighth of the cache.
    if (cost > c->max_bytes / 8)
        return;
    std::lock_guard<std::mutex> hold(c->lock);
    Key key{ stamp, did };
    if (c->index.count(key))
        return;
    while (!c->lru.empty() && c->bytes + cost > c->max_bytes) {
        const Entry &last = c->lru.back();
        c->bytes -= last.data.size() + ENTRY_OVERHEAD;
        c->index.erase(last.key);
        c->lru.pop_back();
    }
    c->lru.push_front(Entry{ key, data });
    try {
        c->index.emplace(key, c->lru.begin());
    } catch (...) {
        c->lru.pop_front(); // out of memory: the entry is not kept
        throw;
    }
    c->bytes += cost;
}

// Which database a local shard is, at which revision. A copy of a database (cp, rsync) keeps
// its UUID and revision, and two copies written to apart can reach the same revision with
// different articles; so the identity also holds the document count, the last docid, the
// total length, and the device and inode of the folder opened. (The folder is looked at just
// after Xapian opened it: a swap in between could mix two folders' marks, and would still need
// two copies at the same revision to do harm.)
bx_db_identity bx_identify(const std::string &path, const Xapian::Database &db)
{
    bx_db_identity id;
    id.uuid = db.get_uuid();
    id.revision = std::to_string(db.get_revision()) + '/' + std::to_string(db.get_doccount()) +
                  '/' + std::to_string(db.get_lastdocid()) + '/' +
                  std::to_string(db.get_total_length());
    struct stat st;
    if (stat(path.c_str(), &st) == 0)
        id.revision += '/' + std::to_string(static_cast<unsigned long long>(st.st_dev)) + ':' +
                       std::to_string(static_cast<unsigned long long>(st.st_ino));
    return id;
}

// The identity of each open local shard (for facet columns), and a digest of them all, in
// order (for the cache of stored articles): together they decide what a docid of the combined
// database holds.
void bx_reader_update_stamp(bx_reader *r)
{
    r->stamp = 0;
    bool keep = r->opts.doc_cache || r->opts.facet_columns;
    bool remote = false;
    std::string all;
    for (bx_shard &s : r->shards) {
        s.identity = bx_db_identity();
        remote = remote || s.port;
        if (keep && s.open && !s.port)
            s.identity = bx_identify(s.name, s.db);
        all += s.open ? '+' : '-';
        all += s.identity.uuid + ':' + s.identity.revision + ';';
    }
    // Remote shards: what they hold is not known without asking their servers.
    if (!keep || remote || r->shards.empty())
        return;
    uint64_t stamp = std::hash<std::string>()(all);
    r->stamp = stamp ? stamp : 1;
}

std::string bx_doc_data(bx_doc_cache *c, uint64_t stamp, const Xapian::Database &db,
                        Xapian::docid did)
{
    std::string data;
    bool cached = false;
    if (c && stamp) {
        try {
            cached = bx_doc_cache_find(c, stamp, did, data);
        } catch (...) {
            cached = false; // the cache only saves work: read the index instead
        }
    }
    if (cached)
        return data;
    data = db.get_document(did, Xapian::DOC_ASSUME_VALID).get_data();
    if (c && stamp) {
        try {
            bx_doc_cache_put(c, stamp, did, data);
        } catch (...) {
            // Not kept; the answer has its record all the same.
        }
    }
    return data;
}
