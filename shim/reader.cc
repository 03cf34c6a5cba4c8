// reader.cc - the reading half of the shim: opening an index and its shards (local folders,
// stub files, remote servers), following shards that fail and come back, fetching articles,
// statistics.
#include "shim_internal.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <sstream>
#include <sys/stat.h>

namespace
{

const unsigned DEFAULT_TIMEOUT_MS = 10000;
const unsigned DEFAULT_CONNECT_MS = 2000;
const double RETRY_MS = 1000; // a shard that is down is tried again this often
const int MAX_STUB_DEPTH = 8; // stub files listing stub files, at most this deep

double now_ms()
{
    return std::chrono::duration<double, std::milli>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// ---- What the process knows about remote shards ---------------------------------------
//
// Every reader of the process shares this: when one finds a shard down, the others stop
// waiting on it; one reader at a time retries it, at most once a second; when it answers,
// every reader takes it back. `generation` moves whenever a shard goes down or comes back,
// so a reader can tell with one atomic load whether it has anything to catch up on.

struct Health {
    bool down = false;
    bool probing = false; // a reader is trying it now
    uint64_t epoch = 0;   // times it went down: a connection made before is suspect
    double retry_at = 0;
    std::string why;
};

std::mutex health_lock;
std::map<std::string, Health> health;
std::atomic<uint64_t> generation{ 1 };

enum class Gate { open, probe, down };

// Whether a remote shard may be connected to: yes (open), after a probe that this caller must
// make and report with probe_done (probe), or not now (down, with the reason).
Gate gate(const std::string &name, uint64_t *epoch, std::string *why)
{
    std::lock_guard<std::mutex> hold(health_lock);
    Health &h = health[name];
    *epoch = h.epoch;
    if (!h.down)
        return Gate::open;
    *why = h.why;
    if (h.probing || now_ms() < h.retry_at)
        return Gate::down;
    h.probing = true;
    return Gate::probe;
}

void probe_done(const std::string &name, bool ok, const std::string &why)
{
    std::lock_guard<std::mutex> hold(health_lock);
    Health &h = health[name];
    h.probing = false;
    if (ok) {
        h.down = false;
        generation++;
    } else {
        h.why = why;
        h.retry_at = now_ms() + RETRY_MS;
    }
}

// Whether a connection made at `epoch` can still be trusted.
bool connection_good(const std::string &name, uint64_t epoch)
{
    std::lock_guard<std::mutex> hold(health_lock);
    const Health &h = health[name];
    return !h.down && h.epoch == epoch;
}

// ---- Finding the shards ---------------------------------------------------------------

bool file_exists(const std::string &path)
{
    struct stat st;
    return stat(path.c_str(), &st) == 0;
}

// Whether a regular file is a single-file glass database rather than a stub file.
bool single_file_glass(const std::string &path, const struct stat &st)
{
    if (st.st_size == 0 || st.st_size % 2048 != 0)
        return false;
    std::ifstream in(path, std::ios::binary);
    char magic[14] = { 0 };
    in.read(magic, sizeof magic);
    return in && memcmp(magic, "\x0f\x0dXapian Glass", sizeof magic) == 0;
}

void add_remote(bx_reader *r, const std::string &given, const std::string &address)
{
    size_t colon = address.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == address.size())
        throw Xapian::InvalidArgumentError("remote index 'tcp://" + address +
                                           "' needs tcp://host:port");
    char *end = nullptr;
    long port = strtol(address.c_str() + colon + 1, &end, 10);
    if (*end || port <= 0 || port > 65535)
        throw Xapian::InvalidArgumentError("remote index 'tcp://" + address + "' has a bad port");
    bx_shard s;
    s.host = address.substr(0, colon);
    s.port = static_cast<unsigned>(port);
    s.name = "tcp://" + s.host + ":" + std::to_string(port); // as Xapian names it in errors
    s.given = given;
    r->shards.push_back(s);
}

void expand(bx_reader *r, const std::string &given, const std::string &path, int backend,
            int depth);

// Reads a stub database file (Xapian's format: "auto PATH", "glass PATH", "chert PATH",
// "remote HOST:PORT", '#' comments; relative paths are relative to the file's folder).
void read_stub(bx_reader *r, const std::string &given, const std::string &file, int depth)
{
    std::ifstream in(file);
    if (!in)
        throw Xapian::DatabaseOpeningError("cannot read stub file '" + file + "'", errno);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    r->stubs.push_back({ file, text });
    size_t slash = file.rfind('/');
    std::string dir = slash == std::string::npos ? "" : file.substr(0, slash + 1);
    std::istringstream lines(text);
    std::string line;
    unsigned no = 0;
    while (std::getline(lines, line)) {
        no++;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line.empty() || line[0] == '#')
            continue;
        size_t space = line.find(' ');
        std::string type = line.substr(0, space);
        std::string arg = space == std::string::npos ? "" : line.substr(space + 1);
        std::string where = file + ":" + std::to_string(no);
        if (arg.empty())
            throw Xapian::DatabaseOpeningError(where + ": " + BX_NOT_A_STUB);
        if (type == "auto" || type == "glass" || type == "chert") {
            if (arg[0] != '/')
                arg = dir + arg;
            int b = type == "glass"   ? Xapian::DB_BACKEND_GLASS
                    : type == "chert" ? Xapian::DB_BACKEND_CHERT
                                      : 0;
            expand(r, given, arg, b, depth + 1);
        } else if (type == "remote" && arg[0] != ':') {
            add_remote(r, given, arg);
        } else if (type == "remote") {
            throw Xapian::DatabaseOpeningError(where + ": remote programs are not supported; " +
                                               "serve the database with xapian-tcpsrv");
        } else {
            throw Xapian::DatabaseOpeningError(where + ": " + BX_NOT_A_STUB);
        }
    }
}

// Adds the shards that `path` names: a remote address, a database, or a stub file (or a
// folder holding one, XAPIANDB) listing more.
void expand(bx_reader *r, const std::string &given, const std::string &path, int backend, int depth)
{
    if (depth > MAX_STUB_DEPTH)
        throw Xapian::DatabaseOpeningError("stub files nest too deep at '" + path + "'");
    const std::string tcp = "tcp://";
    if (path.compare(0, tcp.size(), tcp) == 0) {
        add_remote(r, given, path.substr(tcp.size()));
        return;
    }
    std::string stub;
    struct stat st;
    if (!backend && stat(path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode) && !file_exists(path + "/iamglass") &&
            !file_exists(path + "/iamchert") && file_exists(path + "/XAPIANDB"))
            stub = path + "/XAPIANDB";
        else if (S_ISREG(st.st_mode) && !single_file_glass(path, st))
            stub = path;
    }
    if (!stub.empty()) {
        read_stub(r, given, stub, depth);
        return;
    }
    bx_shard s;
    s.name = path;
    s.given = given;
    s.backend = backend;
    r->shards.push_back(s);
}

// ---- Opening the shards ---------------------------------------------------------------

// Connects to a remote shard, unless the process knows it is down and not due for a retry.
// Throws Xapian::NetworkError when it cannot.
void connect_remote(bx_shard &s, const bx_reader_options &o)
{
    uint64_t epoch = 0;
    std::string why;
    Gate g = gate(s.name, &epoch, &why);
    std::string context = "remote:tcp(" + s.host + ":" + std::to_string(s.port) + ")";
    if (g == Gate::down)
        throw Xapian::NetworkError("not answering (" + why + "); tried again every second",
                                   context);
    if (g == Gate::probe) {
        // A quick look first: a server that accepts but does not answer costs one caller
        // the connect timeout, not the (longer) read timeout.
        try {
            Xapian::Database probe =
                Xapian::Remote::open(s.host, s.port, o.connect_timeout_ms, o.connect_timeout_ms);
            probe.close();
        } catch (const Xapian::Error &e) {
            probe_done(s.name, false, e.get_msg());
            throw;
        } catch (...) {
            probe_done(s.name, false, "unknown error");
            throw;
        }
        probe_done(s.name, true, "");
    }
    try {
        s.db = Xapian::Remote::open(s.host, s.port, o.timeout_ms, o.connect_timeout_ms);
    } catch (const Xapian::NetworkError &e) {
        bx_shard_failed(s.name, e.get_msg(), false);
        throw;
    }
    s.epoch = epoch;
    s.open = true;
}

void open_shard(bx_shard &s, const bx_reader_options &o)
{
    if (s.port) {
        connect_remote(s, o);
        return;
    }
    s.db = s.backend ? Xapian::Database(s.name, s.backend) : Xapian::Database(s.name);
    s.open = true;
}

// Opens the shards not open. A remote shard that cannot be reached is left out when the
// options allow it; anything else throws. `current` names the shard being opened.
void open_missing(bx_reader *r, const bx_shard **current)
{
    for (bx_shard &s : r->shards) {
        if (s.open)
            continue;
        *current = &s;
        try {
            open_shard(s, r->opts);
        } catch (const Xapian::NetworkError &) {
            if (!s.port || !r->opts.allow_partial)
                throw;
        }
    }
    *current = nullptr;
}

// Makes the reader's database of the shards that are open. Throws when shards are missing and
// none of those left holds an article.
void combine(bx_reader *r)
{
    Xapian::Database all;
    std::string missing;
    for (const bx_shard &s : r->shards) {
        if (s.open)
            all.add_database(s.db);
        else
            missing += (missing.empty() ? "'" : ", '") + s.name + "'";
    }
    if (!missing.empty() && all.get_doccount() == 0)
        throw Xapian::NetworkError("no shard holding articles answers; down: " + missing);
    r->db = all;
}

// The common words of every open shard that holds articles (whose pair terms prove phrases in
// all of them); none when one of those has no list, or its list cannot be read.
void load_pairs(bx_reader *r)
{
    BxPairWords common;
    try {
        std::vector<Xapian::Database> open;
        for (const bx_shard &s : r->shards)
            if (s.open)
                open.push_back(s.db);
        bx_shared_common_words(open, common);
        // Without positions anywhere, Xapian takes a phrase for an AND; pairs would find
        // nothing.
        if (!common.empty() && !r->db.has_positions())
            common.clear();
    } catch (const Xapian::Error &) {
        // Phrases are proved from positions, as without the lists, until the next reopen that
        // finds the index changed.
        common.clear();
    }
    r->pairs.swap(common);
}

// Drops the connections to remote shards that failed since they were made, and connects to
// those missing that may be tried. Returns whether the set of open shards changed.
bool follow_health(bx_reader *r, const bx_shard **current)
{
    r->seen = generation.load();
    bool changed = false;
    for (bx_shard &s : r->shards) {
        if (s.open && s.port && !connection_good(s.name, s.epoch)) {
            s.open = false;
            s.db = Xapian::Database();
            changed = true;
        }
    }
    std::vector<bool> was_open;
    for (const bx_shard &s : r->shards)
        was_open.push_back(s.open);
    open_missing(r, current);
    for (size_t i = 0; i < r->shards.size(); i++)
        changed = changed || (r->shards[i].open && !was_open[i]);
    return changed;
}

// Records the remote shard a failure came from: the one its context names, or when it names
// none (a closed connection), each whose connection fails when tried.
void find_failed_shards(bx_reader *r, const Xapian::NetworkError &e)
{
    std::string named = bx_shard_from_context(e.get_context());
    if (!named.empty()) {
        bx_shard_failed(named, e.get_msg(), true);
        return;
    }
    for (bx_shard &s : r->shards) {
        if (!s.open || !s.port || !connection_good(s.name, s.epoch))
            continue;
        try {
            s.db.reopen();
        } catch (const Xapian::Error &failure) {
            bx_shard_failed(s.name, failure.get_msg(), true);
        }
    }
}

bool stubs_changed(const bx_reader *r)
{
    for (const bx_stub &st : r->stubs) {
        std::ifstream in(st.path);
        if (!in)
            return true;
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (text != st.text)
            return true;
    }
    return false;
}

// The message prefix for a failure while opening: the index as given, and the shard when it
// is a local one listed inside it (remote shards are named by the error mapping).
std::string opening_what(const std::string &given, const bx_shard *s)
{
    std::string what = "cannot open index '" + given + "'";
    if (s && !s->port && s->name != given)
        what += " (shard '" + s->name + "')";
    return what;
}

bx_status open_reader(const char *const *paths_z, size_t n_paths, const bx_reader_options *opts,
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
    std::string given;
    const bx_shard *current = nullptr;
    try {
        r = new bx_reader;
        if (opts)
            r->opts = *opts;
        if (!r->opts.timeout_ms)
            r->opts.timeout_ms = DEFAULT_TIMEOUT_MS;
        if (!r->opts.connect_timeout_ms)
            r->opts.connect_timeout_ms = DEFAULT_CONNECT_MS;
        r->seen = generation.load();
        for (size_t i = 0; i < n_paths; i++) {
            given = paths_z[i] ? paths_z[i] : "";
            r->paths.push_back(given);
            expand(r, given, given, 0, 0);
        }
        open_missing(r, &current);
        combine(r);
        load_pairs(r);
        bx_reader_update_stamp(r);
        *out = r;
        return BX_OK;
    } catch (...) {
        std::string msg;
        bx_status st =
            bx_status_from_exception(opening_what(current ? current->given : given, current), msg);
        delete r;
        bx_set_err(err, msg);
        return st;
    }
}

// Opens the reader's paths afresh and takes over the new state (stems stay). On failure the
// reader is unchanged and its message says why.
bx_status reopen_all(bx_reader *r)
{
    std::vector<const char *> paths;
    for (const std::string &p : r->paths)
        paths.push_back(p.c_str());
    bx_reader *fresh = nullptr;
    char *err = nullptr;
    bx_status st = open_reader(paths.data(), paths.size(), &r->opts, &fresh, &err);
    if (st != BX_OK) {
        r->err = err ? err : "cannot open index";
        free(err);
        return st;
    }
    r->db = fresh->db;
    r->shards.swap(fresh->shards);
    r->stubs.swap(fresh->stubs);
    r->seen = fresh->seen;
    r->stamp = fresh->stamp;
    r->pairs.swap(fresh->pairs);
    delete fresh;
    bx_count_helper_release(r);
    return BX_OK;
}

} // namespace

void bx_shard_failed(const std::string &name, const std::string &why, bool retry_now)
{
    std::lock_guard<std::mutex> hold(health_lock);
    Health &h = health[name];
    double t = now_ms();
    if (!h.down) {
        h.down = true;
        h.epoch++;
        h.retry_at = retry_now ? t : t + RETRY_MS;
        generation++;
    } else if (!retry_now) {
        h.retry_at = t + RETRY_MS;
    }
    h.why = why;
}

std::string bx_shard_from_context(const std::string &context)
{
    const std::string pre = "remote:tcp(";
    if (context.size() <= pre.size() || context.compare(0, pre.size(), pre) != 0 ||
        context.back() != ')')
        return std::string();
    return "tcp://" + context.substr(pre.size(), context.size() - pre.size() - 1);
}

extern "C" bx_status bx_reader_open(const char *const *paths_z, size_t n_paths, unsigned timeout_ms,
                                    bx_reader **out, char **err)
{
    bx_reader_options o = {};
    o.timeout_ms = timeout_ms;
    o.connect_timeout_ms = timeout_ms;
    return open_reader(paths_z, n_paths, &o, out, err);
}

extern "C" bx_status bx_reader_open_opts(const char *const *paths_z, size_t n_paths,
                                         const bx_reader_options *opts, bx_reader **out, char **err)
{
    return open_reader(paths_z, n_paths, opts, out, err);
}

extern "C" bx_status bx_reader_reopen(bx_reader *r, int *changed)
{
    if (changed)
        *changed = 0;
    if (!r)
        return BX_ERR_INVALID;
    const bx_shard *current = nullptr;
    try {
        if (stubs_changed(r)) {
            bx_status st = reopen_all(r);
            if (changed && st == BX_OK)
                *changed = 1;
            return st;
        }
        bool moved = false;
        if (r->seen != generation.load() || bx_reader_missing_count(r) > 0)
            moved = follow_health(r, &current);
        if (moved)
            combine(r);
        try {
            moved = r->db.reopen() || moved;
        } catch (const Xapian::NetworkError &e) {
            // A shard failed: find which, then leave it out or connect again.
            find_failed_shards(r, e);
            follow_health(r, &current);
            combine(r);
            moved = true;
        }
        if (moved) {
            load_pairs(r);
            bx_reader_update_stamp(r);
            bx_count_helper_release(r);
        }
        if (changed)
            *changed = moved ? 1 : 0;
        return BX_OK;
    } catch (...) {
        return bx_status_from_exception(current ? opening_what(current->given, current)
                                                : std::string("cannot reopen index"),
                                        r->err);
    }
}

extern "C" char *bx_shards_down(void)
{
    try {
        std::string names;
        {
            std::lock_guard<std::mutex> hold(health_lock);
            for (const auto &h : health)
                if (h.second.down)
                    names += (names.empty() ? "'" : ", '") + h.first + "'";
        }
        if (names.empty())
            return nullptr;
        char *out = static_cast<char *>(malloc(names.size() + 1));
        if (out)
            memcpy(out, names.c_str(), names.size() + 1);
        return out;
    } catch (...) {
        return nullptr;
    }
}

extern "C" int bx_reader_stale(const bx_reader *r)
{
    return r && r->seen != generation.load() ? 1 : 0;
}

extern "C" size_t bx_reader_shard_count(const bx_reader *r)
{
    return r ? r->shards.size() : 0;
}

extern "C" const char *bx_reader_shard_name(const bx_reader *r, size_t i)
{
    return r && i < r->shards.size() ? r->shards[i].name.c_str() : nullptr;
}

extern "C" int bx_reader_shard_missing(const bx_reader *r, size_t i)
{
    return r && i < r->shards.size() && !r->shards[i].open ? 1 : 0;
}

extern "C" size_t bx_reader_missing_count(const bx_reader *r)
{
    size_t n = 0;
    if (r)
        for (const bx_shard &s : r->shards)
            n += !s.open;
    return n;
}

extern "C" uint64_t bx_reader_doccount(const bx_reader *r)
{
    try {
        return r ? r->db.get_doccount() : 0;
    } catch (...) {
        return 0;
    }
}

extern "C" size_t bx_reader_common_words(const bx_reader *r)
{
    return r ? r->pairs.size() : 0;
}

extern "C" uint64_t bx_reader_revision(const bx_reader *r)
{
    try {
        // Xapian gives no single revision for several databases (it throws): 0 then.
        return r && r->shards.size() == 1 && !r->shards[0].port ? r->db.get_revision() : 0;
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
        std::string data = bx_doc_data(r->opts.doc_cache, r->stamp, r->db, *p);
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
        enq.set_weighting_scheme(counting_weight());
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
