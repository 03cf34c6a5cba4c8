// spelling.cc - a sharded index's one spelling table, kept in a database of its own beside
// the shards (Xapian's remote backend does not serve spelling data).
#include "shim_internal.h"

#include <string>
#include <utility>
#include <vector>

namespace
{

// Moves one shard's spelling data into `dest` (committed there first, so that a crash in
// between counts words twice rather than losing them).
void move_one(const std::string &src, Xapian::WritableDatabase &dest)
{
    Xapian::WritableDatabase shard(src, Xapian::DB_OPEN);
    std::vector<std::pair<std::string, Xapian::termcount>> words;
    for (Xapian::TermIterator it = shard.spellings_begin(); it != shard.spellings_end(); ++it)
        words.emplace_back(*it, it.get_termfreq());
    if (words.empty())
        return;
    for (const auto &w : words)
        dest.add_spelling(w.first, w.second);
    dest.commit();
    for (const auto &w : words)
        shard.remove_spelling(w.first, w.second);
    shard.commit();
}

} // namespace

extern "C" bx_status bx_spelling_move(const char *const *srcs_z, size_t n, const char *dest_z,
                                      char **err)
{
    if (err)
        *err = nullptr;
    if ((!srcs_z && n) || !dest_z) {
        bx_set_err(err, "cannot move spelling data: no database given");
        return BX_ERR_INVALID;
    }
    std::string current = dest_z;
    try {
        Xapian::WritableDatabase dest(dest_z, Xapian::DB_CREATE_OR_OPEN);
        for (size_t i = 0; i < n; i++) {
            current = srcs_z[i];
            move_one(current, dest);
        }
        dest.close();
        return BX_OK;
    } catch (...) {
        std::string msg;
        bx_status st =
            bx_status_from_exception("cannot move spelling data of '" + current + "'", msg);
        bx_set_err(err, msg);
        return st;
    }
}
