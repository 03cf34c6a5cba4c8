/* pool.c - parallel indexing: one writer thread per shard, fed through bounded queues. */
#include "indexer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_SIZE 512

typedef struct job {
    ix_record rec;
    char where[256];
} job;

typedef struct worker {
    struct ix_pool *pool;
    pthread_t thread;
    bx_writer *w;
    const char *path;
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
    int strict;
    pthread_mutex_t state_lock;
    int stopped; /* a write failed or --strict stopped the run */
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

static void write_job(worker *wk, job *j)
{
    int replaced = 0;
    bx_status st = bx_writer_put(wk->w, &j->rec.art, &replaced);
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
        free(j);
    }
    return NULL;
}

ix_pool *ix_pool_new(const char *const *paths, int n, const bx_writer_options *opts, int strict,
                     char **err)
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
    pthread_mutex_init(&p->state_lock, NULL);
    for (int i = 0; i < n; i++) {
        worker *wk = &ws[i];
        wk->pool = p;
        wk->path = paths[i];
        pthread_mutex_init(&wk->lock, NULL);
        pthread_cond_init(&wk->not_empty, NULL);
        pthread_cond_init(&wk->not_full, NULL);
        if (bx_writer_open(paths[i], opts, &wk->w, err) != BX_OK)
            break;
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

int ix_pool_put(ix_pool *p, ix_record *rec, const char *where)
{
    if (pool_stopped(p)) {
        ix_record_release(rec);
        return -1;
    }
    job *j = malloc(sizeof *j);
    if (!j) {
        ix_record_release(rec);
        pool_stop(p);
        return -1;
    }
    j->rec = *rec;
    memset(rec, 0, sizeof *rec);
    snprintf(j->where, sizeof j->where, "%s", where);
    worker *wk = &p->workers[ix_shard_of(j->rec.art.id, j->rec.art.id_len, (unsigned)p->n)];
    pthread_mutex_lock(&wk->lock);
    while (wk->count == QUEUE_SIZE)
        pthread_cond_wait(&wk->not_full, &wk->lock);
    wk->queue[(wk->head + wk->count) % QUEUE_SIZE] = j;
    wk->count++;
    pthread_cond_signal(&wk->not_empty);
    pthread_mutex_unlock(&wk->lock);
    return 0;
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
    for (int i = 0; i < p->n; i++) {
        worker *wk = &p->workers[i];
        if (wk->started)
            pthread_join(wk->thread, NULL);
        char *err = NULL;
        if (wk->w && bx_writer_close(wk->w, &err) != BX_OK) {
            fprintf(stderr, "byline-index: %s\n", err ? err : "cannot commit shard");
            failed = 1;
        }
        bx_free(err);
        counts->added += wk->counts.added;
        counts->replaced += wk->counts.replaced;
        counts->refused += wk->counts.refused;
        pthread_mutex_destroy(&wk->lock);
        pthread_cond_destroy(&wk->not_empty);
        pthread_cond_destroy(&wk->not_full);
    }
    if (p->stopped)
        failed = 1;
    pthread_mutex_destroy(&p->state_lock);
    free(p->workers);
    free(p);
    return failed ? -1 : 0;
}
