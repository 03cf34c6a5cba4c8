/* pool.c - parallel indexing: one writer thread per shard, fed through bounded queues. */
#include "indexer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_SIZE           512
#define MAX_MISSING_MESSAGES 50 /* per shard; the summary counts the rest */

typedef struct job {
    ix_record rec;
    uint64_t docid;  /* for a new article: its document id (0: the next free one) */
    char *delete_id; /* a deletion instead of an article (malloc'd) */
    char where[256];
} job;

typedef struct worker {
    struct ix_pool *pool;
    pthread_t thread;
    bx_writer *w;
    const char *path;
    int close_failed; /* the final commit failed (the message is printed) */
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    job *queue[QUEUE_SIZE];
    size_t head, count;
    int closing;
    int started;
    ix_pool_counts counts;
} worker;

struct ix_pool {
    worker *workers;
    int n;
    int strict, quiet;
    int merged;         /* the shards are merged at the end (see ix_pool_new) */
    uint64_t lastdocid; /* the highest document id any shard had used when opened */
    pthread_mutex_t state_lock;
    int stopped; /* a write failed or --strict stopped the run */
    /* At the end each writer thread, having written its last article, counts itself in
     * `drained` and waits (on `phase`, under state_lock) until ix_pool_finish has shared out
     * the spelling words among the writers, when `merged` (`shared`); then each adds its
     * words, side by side, and commits (one at a time: commit_alone) and closes its shard. */
    pthread_cond_t phase;
    int drained;
    int shared;
};

unsigned ix_shard_of(const char *id, size_t len, unsigned n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)id[i];
        h *= 16777619u;
    }
    return n ? h % n : 0;
}

static void pool_stop(ix_pool *p)
{
    pthread_mutex_lock(&p->state_lock);
    p->stopped = 1;
    pthread_mutex_unlock(&p->state_lock);
}

static int pool_stopped(ix_pool *p)
{
    pthread_mutex_lock(&p->state_lock);
    int s = p->stopped;
    pthread_mutex_unlock(&p->state_lock);
    return s;
}

static void delete_job(worker *wk, job *j)
{
    int existed = 0;
    if (bx_writer_delete(wk->w, j->delete_id, strlen(j->delete_id), &existed) != BX_OK) {
        fprintf(stderr, "byline-index: %s\n", bx_writer_errmsg(wk->w));
        pool_stop(wk->pool);
        return;
    }
    if (existed) {
        wk->counts.deleted++;
        return;
    }
    wk->counts.missing++;
    if (!wk->pool->quiet && wk->counts.missing <= MAX_MISSING_MESSAGES)
        fprintf(stderr, "byline-index: warning: no article with id '%s' to delete\n", j->delete_id);
}

static void write_job(worker *wk, job *j)
{
    if (j->delete_id) {
        delete_job(wk, j);
        return;
    }
    int replaced = 0;
    bx_status st = bx_writer_put_at(wk->w, &j->rec.art, j->docid, &replaced);
    if (st == BX_OK) {
        if (replaced)
            wk->counts.replaced++;
        else
            wk->counts.added++;
    } else if (st == BX_ERR_INVALID) {
        wk->counts.refused++;
        fprintf(stderr, "byline-index: %s: %s; record skipped\n", j->where,
                bx_writer_errmsg(wk->w));
        if (wk->pool->strict)
            pool_stop(wk->pool);
    } else {
        fprintf(stderr, "byline-index: %s: %s\n", j->where, bx_writer_errmsg(wk->w));
        pool_stop(wk->pool);
    }
}

/* Commits and closes the worker's shard. */
static void close_writer(worker *wk)
{
    char *err = NULL;
    if (wk->w && bx_writer_close(wk->w, &err) != BX_OK) {
        fprintf(stderr, "byline-index: %s\n", err ? err : "cannot commit shard");
        wk->close_failed = 1;
    }
    wk->w = NULL;
    bx_free(err);
}

static void *worker_main(void *arg)
{
    worker *wk = arg;
    for (;;) {
        pthread_mutex_lock(&wk->lock);
        while (wk->count == 0 && !wk->closing)
            pthread_cond_wait(&wk->not_empty, &wk->lock);
        if (wk->count == 0) {
            pthread_mutex_unlock(&wk->lock);
            break;
        }
        job *j = wk->queue[wk->head];
        wk->head = (wk->head + 1) % QUEUE_SIZE;
        wk->count--;
        pthread_cond_signal(&wk->not_full);
        pthread_mutex_unlock(&wk->lock);
        if (!pool_stopped(wk->pool))
            write_job(wk, j);
        ix_record_release(&j->rec);
        free(j->delete_id);
        free(j);
    }
    ix_pool *p = wk->pool;
    pthread_mutex_lock(&p->state_lock);
    p->drained++;
    pthread_cond_broadcast(&p->phase);
    while (!p->shared)
        pthread_cond_wait(&p->phase, &p->state_lock);
    pthread_mutex_unlock(&p->state_lock);
    close_writer(wk);
    return NULL;
}

ix_pool *ix_pool_new(const char *const *paths, int n, const bx_writer_options *opts, int strict,
                     int quiet, int merged, char **err)
{
    *err = NULL;
    ix_pool *p = calloc(1, sizeof *p);
    worker *ws = calloc((size_t)n, sizeof *ws);
    if (!p || !ws) {
        free(p);
        free(ws);
        *err = strdup("out of memory");
        return NULL;
    }
    p->workers = ws;
    p->n = n;
    p->strict = strict;
    p->quiet = quiet;
    p->merged = merged;
    pthread_mutex_init(&p->state_lock, NULL);
    pthread_cond_init(&p->phase, NULL);
    for (int i = 0; i < n; i++) {
        worker *wk = &ws[i];
        wk->pool = p;
        wk->path = paths[i];
        pthread_mutex_init(&wk->lock, NULL);
        pthread_cond_init(&wk->not_empty, NULL);
        pthread_cond_init(&wk->not_full, NULL);
        if (bx_writer_open(paths[i], opts, &wk->w, err) != BX_OK)
            break;
        if (bx_writer_lastdocid(wk->w) > p->lastdocid)
            p->lastdocid = bx_writer_lastdocid(wk->w);
        if (pthread_create(&wk->thread, NULL, worker_main, wk) != 0) {
            *err = strdup("cannot start a writer thread");
            break;
        }
        wk->started = 1;
    }
    if (*err) {
        ix_pool_counts unused;
        ix_pool_finish(p, &unused);
        return NULL;
    }
    return p;
}

/* Queues a job on the writer of shard `shard`. Returns 0, or -1 when the pool has stopped. */
static int enqueue(ix_pool *p, job *j, unsigned shard)
{
    worker *wk = &p->workers[shard];
    pthread_mutex_lock(&wk->lock);
    while (wk->count == QUEUE_SIZE)
        pthread_cond_wait(&wk->not_full, &wk->lock);
    wk->queue[(wk->head + wk->count) % QUEUE_SIZE] = j;
    wk->count++;
    pthread_cond_signal(&wk->not_empty);
    pthread_mutex_unlock(&wk->lock);
    return 0;
}

int ix_pool_put(ix_pool *p, ix_record *rec, const char *where)
{
    return ix_pool_put_at(p, rec, where, 0);
}

int ix_pool_put_at(ix_pool *p, ix_record *rec, const char *where, uint64_t docid)
{
    if (pool_stopped(p)) {
        ix_record_release(rec);
        return -1;
    }
    job *j = calloc(1, sizeof *j);
    if (!j) {
        ix_record_release(rec);
        pool_stop(p);
        return -1;
    }
    j->rec = *rec;
    j->docid = docid;
    memset(rec, 0, sizeof *rec);
    snprintf(j->where, sizeof j->where, "%s", where);
    return enqueue(p, j, ix_shard_of(j->rec.art.id, j->rec.art.id_len, (unsigned)p->n));
}

int ix_pool_delete(ix_pool *p, const char *id)
{
    if (pool_stopped(p))
        return -1;
    job *j = calloc(1, sizeof *j);
    char *copy = strdup(id);
    if (!j || !copy) {
        free(j);
        free(copy);
        pool_stop(p);
        return -1;
    }
    j->delete_id = copy;
    return enqueue(p, j, ix_shard_of(id, strlen(id), (unsigned)p->n));
}

uint64_t ix_pool_lastdocid(const ix_pool *p)
{
    return p->lastdocid;
}

/* Waits until every started writer thread has written its last article, shares out their
 * spelling words when the shards are to be merged (each word then added by one shard only,
 * with the count of all), and lets them commit and close. */
static void share_spellings(ix_pool *p)
{
    int started = 0;
    for (int i = 0; i < p->n; i++)
        started += p->workers[i].started;
    pthread_mutex_lock(&p->state_lock);
    while (p->drained < started)
        pthread_cond_wait(&p->phase, &p->state_lock);
    bx_writer **ws = p->merged ? malloc((size_t)p->n * sizeof *ws) : NULL;
    int n = 0;
    for (int i = 0; ws && i < p->n; i++)
        if (p->workers[i].w)
            ws[n++] = p->workers[i].w;
    /* Unshared (shards kept as they are, or no memory to share them), each shard adds the
     * words it counted: the same table in the end, for more work. */
    if (ws)
        (void)bx_writers_share_spellings(ws, (size_t)n);
    free(ws);
    p->shared = 1;
    pthread_cond_broadcast(&p->phase);
    pthread_mutex_unlock(&p->state_lock);
}

int ix_pool_finish(ix_pool *p, ix_pool_counts *counts)
{
    memset(counts, 0, sizeof *counts);
    int failed = 0;
    for (int i = 0; i < p->n; i++) {
        worker *wk = &p->workers[i];
        pthread_mutex_lock(&wk->lock);
        wk->closing = 1;
        pthread_cond_signal(&wk->not_empty);
        pthread_mutex_unlock(&wk->lock);
    }
    share_spellings(p);
    for (int i = 0; i < p->n; i++) {
        worker *wk = &p->workers[i];
        if (wk->started)
            pthread_join(wk->thread, NULL);
        close_writer(wk); /* a writer whose thread did not start */
        if (wk->close_failed) {
            failed = 1;
            counts->uncommitted++;
        }
        counts->added += wk->counts.added;
        counts->replaced += wk->counts.replaced;
        counts->refused += wk->counts.refused;
        counts->deleted += wk->counts.deleted;
        counts->missing += wk->counts.missing;
        pthread_mutex_destroy(&wk->lock);
        pthread_cond_destroy(&wk->not_empty);
        pthread_cond_destroy(&wk->not_full);
    }
    if (p->stopped)
        failed = 1;
    pthread_mutex_destroy(&p->state_lock);
    pthread_cond_destroy(&p->phase);
    free(p->workers);
    free(p);
    return failed ? -1 : 0;
}
