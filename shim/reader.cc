// reader.cc - the reading half of the shim: opening indexes, fetching articles, statistics.
#include "shim_internal.h"

#include <cstdlib>
#include <cstring>

namespace
{

// Opens "tcp://host:port" with Xapian's remote backend, anything else as a local database
// (a folder or a stub file).
Xapian::Database open_one(const std::string &path, unsigned timeout_ms)
{
    const std::string tcp = "tcp://";
    if (path.compare(0, tcp.size(), tcp) != 0)
        return Xapian::Database(path);
    std::string rest = path.substr(tcp.size());
    size_t colon = rest.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size())
        throw Xapian::InvalidArgumentError("remote index '" + path + "' needs tcp://host:port");
    std::string host = rest.substr(0, colon);
    char *end = nullptr;
    long port = strtol(rest.c_str() + colon + 1, &end, 10);
    if (*end || port <= 0 || port > 65535)
        throw Xapian::InvalidArgumentError("remote index '" + path + "' has a bad port");
    unsigned t = timeout_ms ? timeout_ms : 10000;
    return Xapian::Remote::open(host, static_cast<unsigned>(port), t, t);
}

} // namespace

extern "C" bx_status bx_reader_open(const char *const *paths_z, size_t n_paths, unsigned timeout_ms,
                                    bx_reader **out, char **err)
{
    if (err)
        *err = nullptr;
    if (!out)
        return BX_ERR_INVALID;
    *out = nullptr;
    if (!paths_z || n_paths == 0) {
        bx_set_err(err, "cannot open index: no path given");
        return BX_ERR_INVALID;
    }
    bx_reader *r = nullptr;
    std::string current;
    try {
        r = new bx_reader;
        r->timeout_ms = timeout_ms;
        for (size_t i = 0; i < n_paths; i++) {
            current = paths_z[i] ? paths_z[i] : "";
            r->paths.push_back(current);
            r->db.add_database(open_one(current, timeout_ms));
        }
        *out = r;
        return BX_OK;
    } catch (...) {
        std::string msg;
        bx_status st = bx_status_from_exception("cannot open index '" + current + "'", msg);
        delete r;
        bx_set_err(err, msg);
        return st;
    }
}

extern "C" bx_status bx_reader_reopen(bx_reader *r, int *changed)
{
    if (changed)
        *changed = 0;
    if (!r)
        return BX_ERR_INVALID;
    try {
        bool moved = r->db.reopen();
        if (changed)
            *changed = moved ? 1 : 0;
        return BX_OK;
    } catch (...) {
        return bx_status_from_exception("cannot reopen index", r->err);
    }
}

extern "C" uint64_t bx_reader_doccount(const bx_reader *r)
{
    try {
        return r ? r->db.get_doccount() : 0;
    } catch (...) {
        return 0;
    }
}

extern "C" uint64_t bx_reader_revision(const bx_reader *r)
{
    try {
        // Xapian gives no single revision for several databases (it throws): 0 then.
        return r && r->paths.size() == 1 ? r->db.get_revision() : 0;
    } catch (...) {
        return 0;
    }
}

extern "C" const char *bx_reader_errmsg(const bx_reader *r)
{
    return r ? r->err.c_str() : "no reader";
}

extern "C" void bx_reader_close(bx_reader *r)
{
    if (!r)
        return;
    try {
        r->db.close();
    } catch (...) {
    }
    delete r;
}

extern "C" bx_status bx_reader_get(bx_reader *r, const char *id, size_t id_len, char **json,
                                   size_t *len)
{
    if (json)
        *json = nullptr;
    if (!r || !id || !json)
        return BX_ERR_INVALID;
    std::string sid(id, id_len);
    try {
        Xapian::PostingIterator p = r->db.postlist_begin("Q" + sid);
        if (p == r->db.postlist_end("Q" + sid)) {
            r->err = "no article with id '" + sid + "'";
            return BX_ERR_NOT_FOUND;
        }
        std::string data = r->db.get_document(*p).get_data();
        *json = static_cast<char *>(malloc(data.size() + 1));
        if (!*json) {
            r->err = "cannot fetch article '" + sid + "': out of memory";
            return BX_ERR_NOMEM;
        }
        memcpy(*json, data.c_str(), data.size() + 1);
        if (len)
            *len = data.size();
        return BX_OK;
    } catch (...) {
        return bx_status_from_exception("cannot fetch article '" + sid + "'", r->err);
    }
}

extern "C" bx_status bx_reader_value_counts(bx_reader *r, unsigned slot, bx_counts **out)
{
    if (out)
        *out = nullptr;
    if (!r || !out)
        return BX_ERR_INVALID;
    try {
        Xapian::Enquire enq(r->db);
        enq.set_query(match_all());
        enq.set_weighting_scheme(Xapian::BoolWeight());
        Xapian::ValueCountMatchSpy spy(slot);
        enq.add_matchspy(&spy);
        enq.get_mset(0, 0, r->db.get_doccount());
        bx_counts *c = new bx_counts;
        bool is_set = slot == BX_SLOT_CATEGORIES || slot == BX_SLOT_AUTHORS;
        bx_counts_from_spy(spy, is_set, *c);
        *out = c;
        return BX_OK;
    } catch (...) {
        return bx_status_from_exception("cannot count values", r->err);
    }
}

extern "C" bx_status bx_reader_date_range(bx_reader *r, int *has_dates, int64_t *min, int64_t *max)
{
    if (!r || !has_dates || !min || !max)
        return BX_ERR_INVALID;
    *has_dates = 0;
    *min = *max = 0;
    try {
        Xapian::Query dated(Xapian::Query::OP_VALUE_GE, BX_SLOT_DATE, std::string(1, '\0'));
        for (int reverse = 0; reverse < 2; reverse++) {
            Xapian::Enquire enq(r->db);
            enq.set_query(dated);
            enq.set_weighting_scheme(Xapian::BoolWeight());
            enq.set_sort_by_value(BX_SLOT_DATE, reverse == 1);
            Xapian::MSet m = enq.get_mset(0, 1);
            if (m.empty())
                return BX_OK;
            double v =
                Xapian::sortable_unserialise(m.begin().get_document().get_value(BX_SLOT_DATE));
            (reverse ? *max : *min) = static_cast<int64_t>(v);
        }
        *has_dates = 1;
        return BX_OK;
    } catch (...) {
        return bx_status_from_exception("cannot read date range", r->err);
    }
}
