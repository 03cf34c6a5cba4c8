/* readers.c - one read-only index handle per worker thread, reopened when the index moves. */
#include "searchd.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RECHECK_MS    200 /* look for new commits at most this often per thread */
#define RETRY_OPEN_MS 500 /* retry opening a missing index at most this often */

typedef struct worker {
    bx_reader *r;
    double last_check;
    double last_attempt;
    char err[512];
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

static int open_reader(const sd_config *cfg, worker *w)
{
    char *err = NULL;
    w->last_attempt = now_ms();
    w->last_check = w->last_attempt;
    bx_status st = bx_reader_open(cfg->dbs, cfg->n_dbs, cfg->timeout_ms, &w->r, &err);
    if (st != BX_OK) {
        snprintf(w->err, sizeof w->err, "%s", err ? err : "cannot open index");
        bx_free(err);
        return -1;
    }
    w->err[0] = '\0';
    return 0;
}

bx_reader *sd_reader(const sd_config *cfg, bq_error *err)
{
    worker *w = this_worker();
    if (!w) {
        bq_error_set(err, 503, "index_unavailable", "", "out of memory");
        return NULL;
    }
    double t = now_ms();
    if (!w->r) {
        if (w->err[0] && t - w->last_attempt < RETRY_OPEN_MS) {
            bq_error_set(err, 503, "index_unavailable", "", "%s", w->err);
            return NULL;
        }
        if (open_reader(cfg, w) != 0) {
            bq_error_set(err, 503, "index_unavailable", "", "%s", w->err);
            return NULL;
        }
        return w->r;
    }
    if (t - w->last_check >= RECHECK_MS) {
        w->last_check = t;
        int changed = 0;
        if (bx_reader_reopen(w->r, &changed) != BX_OK) {
            /* The index went away or was damaged: start afresh. */
            bx_reader_close(w->r);
            w->r = NULL;
            if (open_reader(cfg, w) != 0) {
                bq_error_set(err, 503, "index_unavailable", "", "%s", w->err);
                return NULL;
            }
            changed = 1;
        }
        if (changed)
            sd_metrics_reopened();
    }
    return w->r;
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
