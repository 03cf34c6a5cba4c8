/* searchd.h - byline-searchd's parts: configuration, per-thread index readers, metrics. */
#ifndef BYLINE_SEARCHD_H
#define BYLINE_SEARCHD_H

#include "byline_queries.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SD_MAX_DBS     64
#define SD_MAX_ORIGINS 32
#define SD_MAX_BODY    (64u * 1024) /* largest POST body (default of --max-body) */
#define SD_MAX_URL     (8u * 1024)  /* longest request target, path and query (--max-url) */
#define SD_MAX_HEADERS (16u * 1024) /* request header bytes, all lines (--max-headers) */

typedef struct sd_config {
    const char *dbs[SD_MAX_DBS];
    size_t n_dbs;
    const char *bind;
    unsigned port;
    unsigned threads;
    const char *origins[SD_MAX_ORIGINS];
    size_t n_origins;
    FILE *access_log;
    const char *default_lang;
    unsigned time_limit_ms;
    unsigned timeout_ms;         /* remote shards: waiting for an answer */
    unsigned connect_timeout_ms; /* remote shards: connecting, and retrying one that is down */
    int allow_partial;           /* serve from the shards that answer when some do not */
    unsigned per_ip_limit;
    unsigned connection_timeout_s; /* close a connection idle this long */
    unsigned max_connections;
    size_t max_url, max_headers, max_body; /* bytes; larger requests get 414, 431, 413 */
    bx_doc_cache *doc_cache;         /* stored articles shared by the workers' readers, or NULL */
    bx_facet_columns *facet_columns; /* facet columns shared by the workers' readers, or NULL */
    int parallel_count; /* each reader counts facets in a thread of its own (bx_reader_options) */
} sd_config;

/* ---- Readers: one per worker thread ---- */

/* Returns this thread's reader, opening it or picking up new commits as needed (at most every
 * 200 ms), and opening it anew when a path names another folder or file than before (an index
 * swapped in by a rename). Returns NULL with a 503 error when the index cannot be opened; the
 * message says why in a word and names no files (the details go to standard error). */
bx_reader *sd_reader(const sd_config *cfg, bq_error *err);

/* Why this thread's last sd_reader() failed, in a word: "missing", "unreadable", "damaged",
 * "unsupported", "unreachable" (a remote part) or "unavailable". Static; never NULL. */
const char *sd_reader_reason(void);

/* Tells this thread's reader that reading it failed (a damaged or vanished index): the next
 * sd_reader() opens the index anew. */
void sd_reader_failed(void);

/* ---- Shards (shards.c) ---- */

/* When the reader leaves out shards that do not answer (--allow-partial), marks the JSON object
 * in out as partial: "partial": true and "missing_shards": [names] go first. Returns 0, or -1
 * when out would grow past its cap (out is then unchanged). */
int sd_mark_partial(const bx_reader *r, bl_buf *out);

/* Makes a 503 error name the remote shards known not to answer, when there are any. */
void sd_name_down_shards(bq_error *err);

/* Closes every thread's reader (at shutdown, after the HTTP threads have stopped). */
void sd_readers_close_all(void);

/* ---- Metrics ---- */

enum sd_route {
    SD_ROUTE_SEARCH,
    SD_ROUTE_ARTICLE,
    SD_ROUTE_RELATED,
    SD_ROUTE_SUGGEST,
    SD_ROUTE_HEALTH,
    SD_ROUTE_METRICS,
    SD_ROUTE_OPENAPI,
    SD_ROUTE_PAGE,
    SD_ROUTE_PREFLIGHT,
    SD_ROUTE_OTHER,
    SD_NROUTES
};

const char *sd_route_name(int route);
/* Records one finished request. */
void sd_metrics_record(int route, unsigned status, double ms);
void sd_metrics_reopened(void);
/* Writes the metrics in Prometheus' text format (the lines of the cache and of the facet
 * columns only when they are set). */
void sd_metrics_render(bl_buf *out, uint64_t docs, uint64_t revision, bx_doc_cache *cache,
                       bx_facet_columns *columns);

/* ---- HTTP ---- */

/* Which route (enum sd_route) a request path names; SD_ROUTE_OTHER for none. Pure: reads only
 * the path, so the fuzz tests call it without a daemon. */
int sd_route_of(const char *url);

/* Runs the daemon until SIGINT or SIGTERM; returns the exit status. */
int sd_serve(const sd_config *cfg, const char *port_file);

#endif
