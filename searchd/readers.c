/* readers.c - one read-only index handle per worker thread, reopened when the index moves. */
#include "searchd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RECHECK_MS    200  /* look for new commits and a replaced index at most this often */
#define RETRY_OPEN_MS 500  /* retry opening a missing index at most this often */
#define GRACE_MS      1000 /* keep answering from the last good index this long after it failed */

/* What a path named at the moment of opening: a new folder (or file, or symbolic link target)
 * moved into its place has another identity, which Xapian's reopen() does not notice. */
typedef struct index_id {
    int exists;
    uint32_t dev_major, dev_minor;
    uint64_t ino;
    int64_t born_s, born_ns; /* birth time where the file system keeps it: catches inode reuse */
} index_id;

typedef struct worker {
    bx_reader *r;
    double last_check;
    double last_attempt;
    double failing_since; /* when the open index first failed to refresh; 0 while healthy */
    index_id ids[SD_MAX_DBS];
    char err[512];      /* the last failure, with paths: for the log only */
    const char *reason; /* the last failure in a word ("missing"), or NULL */
    struct worker *next;
} worker;

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static worker *registry;
static __thread worker *current;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static worker *this_worker(void)
{
    if (current)
        return current;
    worker *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    pthread_mutex_lock(&registry_lock);
    w->next = registry;
    registry = w;
    pthread_mutex_unlock(&registry_lock);
    current = w;
    return w;
}

static int is_remote(const char *path)
{
    return strncmp(path, "tcp://", 6) == 0;
}

static void identify(const char *path, index_id *id)
{
    memset(id, 0, sizeof *id);
    if (is_remote(path))
        return;
    struct statx sx;
    if (statx(AT_FDCWD, path, 0, STATX_INO | STATX_BTIME, &sx) != 0)
        return;
    id->exists = 1;
    id->dev_major = sx.stx_dev_major;
    id->dev_minor = sx.stx_dev_minor;
    id->ino = sx.stx_ino;
    if (sx.stx_mask & STATX_BTIME) {
        id->born_s = sx.stx_btime.tv_sec;
        id->born_ns = sx.stx_btime.tv_nsec;
    }
}

static int same_id(const index_id *a, const index_id *b)
{
    return a->exists == b->exists && a->dev_major == b->dev_major && a->dev_minor == b->dev_minor &&
           a->ino == b->ino && a->born_s == b->born_s && a->born_ns == b->born_ns;
}

/* Whether every path still names what was opened. */
static int still_there(const sd_config *cfg, const worker *w)
{
    for (size_t i = 0; i < cfg->n_dbs; i++) {
        index_id now;
        identify(cfg->dbs[i], &now);
        if (!same_id(&now, &w->ids[i]))
            return 0;
    }
    return 1;
}

/* Whether a local index path or any file in its folder cannot be read. */
static int unreadable(const char *path, const struct stat *st)
{
    if (access(path, S_ISDIR(st->st_mode) ? R_OK | X_OK : R_OK) != 0)
        return 1;
    if (!S_ISDIR(st->st_mode))
        return 0;
    DIR *d = opendir(path);
    if (!d)
        return 1;
    int bad = 0;
    struct dirent *e;
    while (!bad && (e = readdir(d)) != NULL) {
        struct stat fst;
        if (fstatat(dirfd(d), e->d_name, &fst, 0) == 0 && S_ISREG(fst.st_mode) &&
            faccessat(dirfd(d), e->d_name, R_OK, 0) != 0)
            bad = 1;
    }
    closedir(d);
    return bad;
}

/* Why the index cannot be opened, in a word a client may be told (no paths): "missing",
 * "unreadable", "unsupported", "unreachable" (a remote shard) or "damaged". */
static const char *failure_reason(const sd_config *cfg, bx_status st, const char *msg)
{
    for (size_t i = 0; i < cfg->n_dbs; i++) {
        const char *path = cfg->dbs[i];
        if (is_remote(path))
            continue;
        struct stat sb;
        if (stat(path, &sb) != 0)
            return errno == EACCES ? "unreadable" : "missing";
        if (unreadable(path, &sb))
            return "unreadable";
    }
    if (st == BX_ERR_NETWORK || st == BX_ERR_TIMEOUT)
        return "unreachable";
    if (strstr(msg, "unsupported index format"))
        return "unsupported";
    if (strstr(msg, "no index there"))
        return "missing";
    return "damaged";
}

/* Opens the index afresh into w->r, noting what each path named first. On failure leaves w->r
 * NULL, notes the reason and logs the details once (they may name files; clients never see them).
 */
static int open_reader(const sd_config *cfg, worker *w)
{
    index_id ids[SD_MAX_DBS];
    for (size_t i = 0; i < cfg->n_dbs; i++)
        identify(cfg->dbs[i], &ids[i]);
    char *err = NULL;
    w->last_attempt = now_ms();
    w->last_check = w->last_attempt;
    w->r = NULL;
    bx_reader_options ro = { cfg->timeout_ms, cfg->connect_timeout_ms, cfg->allow_partial,
                             cfg->doc_cache,  cfg->facet_columns,      cfg->parallel_count };
    bx_status st = bx_reader_open_opts(cfg->dbs, cfg->n_dbs, &ro, &w->r, &err);
    if (st != BX_OK) {
        const char *msg = err ? err : "cannot open index";
        if (strcmp(msg, w->err) != 0)
            fprintf(stderr, "byline-searchd: %s\n", msg);
        snprintf(w->err, sizeof w->err, "%s", msg);
        w->reason = failure_reason(cfg, st, msg);
        bx_free(err);
        return -1;
    }
    if (w->err[0])
        fprintf(stderr, "byline-searchd: the index is back\n");
    memcpy(w->ids, ids, sizeof ids);
    w->err[0] = '\0';
    w->reason = NULL;
    w->failing_since = 0;
    return 0;
}

static void set_unavailable(const sd_config *cfg, const worker *w, bq_error *err)
{
    const char *reason = w->reason ? w->reason : "unavailable";
    if (cfg->n_dbs > 1)
        bq_error_set(err, 503, "index_unavailable", "",
                     "cannot open the index: one of its %zu parts is %s", cfg->n_dbs, reason);
    else
        bq_error_set(err, 503, "index_unavailable", "", "cannot open the index: it is %s", reason);
    if (strcmp(reason, "unreachable") == 0)
        sd_name_down_shards(err);
}

/* Picks up new commits, or opens the index anew when its path names something else now or the
 * open index cannot be refreshed. A failure keeps the last good index answering for GRACE_MS,
 * which covers an operator swapping folders with two renames; after that the index is
 * unavailable until it can be opened again. */
static void refresh(const sd_config *cfg, worker *w, double t)
{
    int changed = 0;
    if (still_there(cfg, w) && bx_reader_reopen(w->r, &changed) == BX_OK) {
        w->failing_since = 0;
        if (changed)
            sd_metrics_reopened();
        return;
    }
    bx_reader *old = w->r;
    if (open_reader(cfg, w) == 0) {
        bx_reader_close(old);
        sd_metrics_reopened();
        return;
    }
    if (!w->failing_since)
        w->failing_since = t;
    if (t - w->failing_since < GRACE_MS && strcmp(w->reason, "unreachable") != 0) {
        w->r = old;
        return;
    }
    bx_reader_close(old);
}

bx_reader *sd_reader(const sd_config *cfg, bq_error *err)
{
    worker *w = this_worker();
    if (!w) {
        bq_error_set(err, 503, "index_unavailable", "", "cannot open the index: out of memory");
        return NULL;
    }
    double t = now_ms();
    if (!w->r) {
        if (w->reason && t - w->last_attempt < RETRY_OPEN_MS) {
            set_unavailable(cfg, w, err);
            return NULL;
        }
        if (open_reader(cfg, w) != 0) {
            set_unavailable(cfg, w, err);
            return NULL;
        }
        return w->r;
    }
    if (t - w->last_check >= RECHECK_MS || bx_reader_stale(w->r)) { /* a shard failed */
        w->last_check = t;
        refresh(cfg, w, t);
        if (!w->r) {
            set_unavailable(cfg, w, err);
            return NULL;
        }
    }
    return w->r;
}

const char *sd_reader_reason(void)
{
    return current && current->reason ? current->reason : "unavailable";
}

void sd_reader_failed(void)
{
    worker *w = current;
    if (!w || !w->r)
        return;
    bx_reader_close(w->r);
    w->r = NULL;
    w->reason = NULL; /* open again on the next request, without waiting */
}

void sd_readers_close_all(void)
{
    pthread_mutex_lock(&registry_lock);
    worker *w = registry;
    registry = NULL;
    pthread_mutex_unlock(&registry_lock);
    while (w) {
        worker *next = w->next;
        bx_reader_close(w->r);
        free(w);
        w = next;
    }
}
