// facetcols.cc - facet values held in memory by document, for counting facets over many matches.
//
// Counting a facet over a search's matches with Xapian's ValueCountMatchSpy reads the facet's
// value of every match from the index and files it in a map of strings: about 130 ns per match
// and facet here, so a common word over a million articles spends most of a second on its five
// facets. A column holds the same values by docid, as small numbers, so that a match is counted
// with an array lookup. The columns of one revision are built on the first faceted search that
// needs them (one pass over the facet's values in the index) and shared by every reader that
// searches that revision; the two revisions of each database used last are kept. Columns are
// per database: a reader of several counts each in a pass of its own (search.cc).
#include "shim_internal.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <set>

namespace
{

// Columns are kept for this many revisions of each database: the one the readers search, and
// the one before it that a reader may still be searching while the others have moved on.
constexpr size_t KEEP_PER_DATABASE = 2;
// And for this many revisions in all, whatever the databases (a sharded folder has up to 64
// shards and its spelling database).
constexpr size_t KEEP_IN_ALL = 160;
// Revisions no search has asked for in this long are dropped when a new one is made: the
// columns of a database swapped away (a new UUID) are not kept for ever.
constexpr std::chrono::seconds STALE_AFTER(300);

// A column has a row per docid unless the docids spread wider than twice the documents (and
// this many more): then a row per document with a value, found by its docid.
constexpr uint64_t SPARSE_SLACK = 65536;

struct Revision {
    std::string uuid;     // the database's UUID
    std::string revision; // and its revision
    uint64_t used = 0;    // when it was last asked for (the owner's clock)
    std::chrono::steady_clock::time_point used_at;
    std::map<unsigned, std::shared_ptr<const bx_facet_column>> columns; // by value slot
    std::set<unsigned> building;
};

} // namespace

struct bx_facet_columns {
    std::mutex lock;
    uint64_t clock = 0;
    std::vector<Revision> revisions;
    uint64_t builds = 0, build_us = 0;
};

size_t bx_facet_column::bytes() const
{
    size_t n = sizeof(*this) + first.capacity() * sizeof(uint32_t) +
               ids.capacity() * sizeof(uint32_t) + rank.capacity() * sizeof(uint32_t) +
               docs.capacity() * sizeof(uint32_t);
    for (const std::string &v : values)
        n += sizeof(std::string) + (v.capacity() > 15 ? v.capacity() + 1 : 0);
    return n;
}

namespace
{

// Reads the values of `slot` of every document of db into a column; is_set splits each value
// into the items of a set (bx_set_encode).
std::shared_ptr<const bx_facet_column> build_column(const Xapian::Database &db, unsigned slot,
                                                    bool is_set)
{
    Xapian::docid last = db.get_lastdocid();
    auto col = std::make_shared<bx_facet_column>();
    col->is_set = is_set;
    col->sparse =
        static_cast<uint64_t>(last) > 2 * static_cast<uint64_t>(db.get_doccount()) + SPARSE_SLACK;
    std::unordered_map<std::string, uint32_t> ids;
    auto id_of = [&](const std::string &v) {
        auto it = ids.emplace(v, static_cast<uint32_t>(col->values.size()));
        if (it.second)
            col->values.push_back(v);
        return it.first->second;
    };
    if (!is_set && !col->sparse)
        col->ids.assign(static_cast<size_t>(last) + 1, 0);
    for (Xapian::ValueIterator v = db.valuestream_begin(slot); v != db.valuestream_end(slot); ++v) {
        Xapian::docid did = v.get_docid();
        if (did > last)
            break; // cannot happen within one revision; never write past the column
        const std::string &value = *v;
        if (col->sparse)
            col->docs.push_back(did);
        if (!is_set) {
            if (col->sparse)
                col->ids.push_back(id_of(value) + 1);
            else
                col->ids[did] = id_of(value) + 1;
            continue;
        }
        size_t row = col->sparse ? col->docs.size() - 1 : did;
        while (col->first.size() <= row)
            col->first.push_back(static_cast<uint32_t>(col->ids.size()));
        bx_set_for_each(value, [&](const std::string &item) { col->ids.push_back(id_of(item)); });
    }
    if (is_set) {
        size_t rows = col->sparse ? col->docs.size() : static_cast<size_t>(last) + 1;
        while (col->first.size() < rows + 1)
            col->first.push_back(static_cast<uint32_t>(col->ids.size()));
    }
    std::vector<uint32_t> order(col->values.size());
    for (uint32_t i = 0; i < order.size(); i++)
        order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](uint32_t a, uint32_t b) { return col->values[a] < col->values[b]; });
    col->rank.resize(order.size());
    for (uint32_t i = 0; i < order.size(); i++)
        col->rank[order[i]] = i;
    return col;
}

Revision *find_revision(bx_facet_columns *c, const bx_db_identity &id)
{
    for (Revision &r : c->revisions)
        if (r.uuid == id.uuid && r.revision == id.revision) {
            r.used = ++c->clock;
            r.used_at = std::chrono::steady_clock::now();
            return &r;
        }
    return nullptr;
}

// Drops the revision used longest ago among those `keep` says yes to.
template <typename Keep> void drop_oldest(bx_facet_columns *c, Keep keep)
{
    auto oldest = c->revisions.end();
    for (auto it = c->revisions.begin(); it != c->revisions.end(); ++it)
        if (keep(*it) && (oldest == c->revisions.end() || it->used < oldest->used))
            oldest = it;
    if (oldest != c->revisions.end())
        c->revisions.erase(oldest);
}

// The revision `id`, made when missing (in place of the same database's revision used longest
// ago when it has KEEP_PER_DATABASE already, or of any when there are KEEP_IN_ALL).
Revision &revision_of(bx_facet_columns *c, const bx_db_identity &id)
{
    if (Revision *r = find_revision(c, id))
        return *r;
    auto now = std::chrono::steady_clock::now();
    c->revisions.erase(std::remove_if(c->revisions.begin(), c->revisions.end(),
                                      [&](const Revision &r) {
                                          return r.building.empty() &&
                                                 now - r.used_at > STALE_AFTER;
                                      }),
                       c->revisions.end());
    size_t same = 0;
    for (const Revision &r : c->revisions)
        same += r.uuid == id.uuid ? 1 : 0;
    if (same >= KEEP_PER_DATABASE)
        drop_oldest(c, [&](const Revision &r) { return r.uuid == id.uuid; });
    if (c->revisions.size() >= KEEP_IN_ALL)
        drop_oldest(c, [](const Revision &) { return true; });
    c->revisions.emplace_back();
    c->revisions.back().uuid = id.uuid;
    c->revisions.back().revision = id.revision;
    c->revisions.back().used = ++c->clock;
    c->revisions.back().used_at = now;
    return c->revisions.back();
}

} // namespace

std::shared_ptr<const bx_facet_column> bx_facet_column_get(bx_facet_columns *c,
                                                           const bx_db_identity &id,
                                                           const Xapian::Database &db,
                                                           unsigned slot, bool is_set)
{
    if (!c || id.uuid.empty())
        return nullptr;
    {
        std::lock_guard<std::mutex> hold(c->lock);
        Revision &r = revision_of(c, id);
        auto it = r.columns.find(slot);
        if (it != r.columns.end())
            return it->second;
        // Another search is building it: this one counts the slow way rather than wait.
        if (!r.building.insert(slot).second)
            return nullptr;
    }
    std::shared_ptr<const bx_facet_column> col;
    auto t0 = std::chrono::steady_clock::now();
    try {
        col = build_column(db, slot, is_set);
    } catch (...) {
        col = nullptr; // the search goes on with Xapian's spies, which report any real failure
    }
    auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    std::lock_guard<std::mutex> hold(c->lock);
    if (col) {
        c->builds++;
        c->build_us += static_cast<uint64_t>(us);
    }
    // Two newer revisions came while it was built: it counts this search, and is not kept.
    Revision *r = find_revision(c, id);
    if (r) {
        r->building.erase(slot);
        if (col)
            r->columns[slot] = col;
    }
    return col;
}

static inline void count_one(bx_column_counts &c, uint32_t id)
{
    if (c.n[id]++ == 0)
        c.touched.push_back(id);
}

// The row of a sparse column holding `did`, or false. Matches come in ascending docids, so
// the search starts from the row found last and gallops forward.
static bool sparse_row(const bx_facet_column &col, Xapian::docid did, bx_column_counts &c,
                       size_t &row)
{
    const std::vector<uint32_t> &d = col.docs;
    size_t lo = 0, hi = d.size();
    if (c.cursor < d.size() && d[c.cursor] <= did) {
        lo = c.cursor;
        size_t step = 1;
        while (lo + step < d.size() && d[lo + step] <= did) {
            lo += step;
            step *= 2;
        }
        hi = std::min(d.size(), lo + step);
    }
    auto it = std::upper_bound(d.begin() + static_cast<std::ptrdiff_t>(lo),
                               d.begin() + static_cast<std::ptrdiff_t>(hi), did);
    if (it == d.begin() || *(it - 1) != did)
        return false;
    row = static_cast<size_t>(it - d.begin()) - 1;
    c.cursor = row;
    return true;
}

void bx_facet_column_count(const bx_facet_column &col, Xapian::docid did, bx_column_counts &c)
{
    size_t row = did;
    if (col.sparse && !sparse_row(col, did, c, row))
        return;
    if (!col.is_set) {
        if (row < col.ids.size() && col.ids[row])
            count_one(c, col.ids[row] - 1);
        return;
    }
    if (row + 1 >= col.first.size())
        return;
    for (uint32_t i = col.first[row]; i < col.first[row + 1]; i++)
        count_one(c, col.ids[i]);
}

void bx_facet_column_count_all(const bx_facet_column &col, const bx_doc_bitmap &docs,
                               bx_column_counts &c)
{
    // Few matches against many values, a sparse column or counts already begun: one document
    // at a time, noting the values touched.
    if (col.sparse || !c.touched.empty() || docs.count() * 4 < col.values.size()) {
        docs.for_each([&](Xapian::docid d) { bx_facet_column_count(col, d, c); });
        return;
    }
    // Else tight loops that only count, then one walk over the values for those counted.
    uint64_t *n = c.n.data();
    const uint32_t *ids = col.ids.data();
    if (!col.is_set) {
        size_t rows = col.ids.size();
        docs.for_each([&](Xapian::docid d) {
            if (d < rows && ids[d])
                n[ids[d] - 1]++;
        });
    } else {
        size_t rows = col.first.size();
        const uint32_t *first = col.first.data();
        docs.for_each([&](Xapian::docid d) {
            if (static_cast<size_t>(d) + 1 < rows)
                for (uint32_t i = first[d]; i < first[d + 1]; i++)
                    n[ids[i]]++;
        });
    }
    for (uint32_t id = 0; id < c.n.size(); id++)
        if (c.n[id])
            c.touched.push_back(id);
}

void bx_counts_from_column(const bx_facet_column &col, bx_column_counts &c, bx_counts &out)
{
    // The order of bx_counts_from_spy: by value, then (stably) by count.
    std::sort(c.touched.begin(), c.touched.end(),
              [&](uint32_t a, uint32_t b) { return col.rank[a] < col.rank[b]; });
    out.items.clear();
    out.items.reserve(c.touched.size());
    for (uint32_t id : c.touched)
        out.items.emplace_back(col.values[id], c.n[id]);
    std::stable_sort(out.items.begin(), out.items.end(),
                     [](const std::pair<std::string, uint64_t> &a,
                        const std::pair<std::string, uint64_t> &b) { return a.second > b.second; });
}

extern "C" bx_facet_columns *bx_facet_columns_new(void)
{
    try {
        return new bx_facet_columns;
    } catch (...) {
        return nullptr;
    }
}

extern "C" void bx_facet_columns_free(bx_facet_columns *c)
{
    delete c;
}

extern "C" void bx_facet_columns_get_stats(bx_facet_columns *c, bx_facet_columns_stats *out)
{
    if (!out)
        return;
    *out = bx_facet_columns_stats{};
    if (!c)
        return;
    try {
        std::lock_guard<std::mutex> hold(c->lock);
        out->builds = c->builds;
        out->build_ms = c->build_us / 1000;
        for (const Revision &r : c->revisions)
            for (const auto &kv : r.columns) {
                out->columns++;
                out->bytes += kv.second->bytes();
            }
    } catch (...) {
        // The lock could not be taken: the stats stay zero.
    }
}
