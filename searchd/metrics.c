/* metrics.c - request counters and latency histograms, in Prometheus' text format. */
#include "searchd.h"

#include <stdatomic.h>

static const unsigned statuses[] = { 200, 204, 400, 404, 405, 413, 414, 431, 500, 503 };
#define NSTATUS (sizeof statuses / sizeof statuses[0] + 1) /* the last counts any other */

static const double bounds_ms[] = { 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 1000, 5000 };
#define NBOUNDS (sizeof bounds_ms / sizeof bounds_ms[0])

static _Atomic uint64_t requests[SD_NROUTES][NSTATUS];
static _Atomic uint64_t buckets[SD_NROUTES][NBOUNDS + 1];
static _Atomic uint64_t sum_us[SD_NROUTES];
static _Atomic uint64_t reopens;

const char *sd_route_name(int route)
{
    static const char *const names[SD_NROUTES] = { "search",    "article", "related", "suggest",
                                                   "health",    "metrics", "openapi", "page",
                                                   "preflight", "other" };
    return route >= 0 && route < SD_NROUTES ? names[route] : "other";
}

void sd_metrics_record(int route, unsigned status, double ms)
{
    if (route < 0 || route >= SD_NROUTES)
        route = SD_ROUTE_OTHER;
    size_t s = NSTATUS - 1;
    for (size_t i = 0; i + 1 < NSTATUS; i++)
        if (statuses[i] == status)
            s = i;
    atomic_fetch_add(&requests[route][s], 1);
    size_t b = NBOUNDS;
    for (size_t i = 0; i < NBOUNDS; i++) {
        if (ms <= bounds_ms[i]) {
            b = i;
            break;
        }
    }
    atomic_fetch_add(&buckets[route][b], 1);
    atomic_fetch_add(&sum_us[route], (uint64_t)(ms * 1000));
}

void sd_metrics_reopened(void)
{
    atomic_fetch_add(&reopens, 1);
}

void sd_metrics_render(bl_buf *out, uint64_t docs, uint64_t revision, bx_doc_cache *cache,
                       bx_facet_columns *columns)
{
    bl_buf_puts(out, "# HELP byline_requests_total HTTP requests answered, by route and status.\n"
                     "# TYPE byline_requests_total counter\n");
    for (int r = 0; r < SD_NROUTES; r++) {
        for (size_t s = 0; s < NSTATUS; s++) {
            uint64_t n = atomic_load(&requests[r][s]);
            if (!n)
                continue;
            if (s + 1 < NSTATUS)
                bl_buf_printf(out, "byline_requests_total{route=\"%s\",status=\"%u\"} %llu\n",
                              sd_route_name(r), statuses[s], (unsigned long long)n);
            else
                bl_buf_printf(out, "byline_requests_total{route=\"%s\",status=\"other\"} %llu\n",
                              sd_route_name(r), (unsigned long long)n);
        }
    }
    bl_buf_puts(out, "# HELP byline_request_duration_seconds Time to answer, by route.\n"
                     "# TYPE byline_request_duration_seconds histogram\n");
    for (int r = 0; r < SD_NROUTES; r++) {
        uint64_t cum = 0;
        for (size_t b = 0; b <= NBOUNDS; b++)
            cum += atomic_load(&buckets[r][b]);
        if (!cum)
            continue;
        cum = 0;
        for (size_t b = 0; b < NBOUNDS; b++) {
            cum += atomic_load(&buckets[r][b]);
            bl_buf_printf(out,
                          "byline_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                          sd_route_name(r), bounds_ms[b] / 1000, (unsigned long long)cum);
        }
        cum += atomic_load(&buckets[r][NBOUNDS]);
        bl_buf_printf(out,
                      "byline_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n"
                      "byline_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
                      "byline_request_duration_seconds_count{route=\"%s\"} %llu\n",
                      sd_route_name(r), (unsigned long long)cum, sd_route_name(r),
                      (double)atomic_load(&sum_us[r]) / 1e6, sd_route_name(r),
                      (unsigned long long)cum);
    }
    bl_buf_printf(out,
                  "# HELP byline_documents Articles in the index.\n"
                  "# TYPE byline_documents gauge\n"
                  "byline_documents %llu\n"
                  "# HELP byline_index_revision Revision of the index as last opened.\n"
                  "# TYPE byline_index_revision gauge\n"
                  "byline_index_revision %llu\n"
                  "# HELP byline_reopens_total Times a worker picked up a new index revision.\n"
                  "# TYPE byline_reopens_total counter\n"
                  "byline_reopens_total %llu\n",
                  (unsigned long long)docs, (unsigned long long)revision,
                  (unsigned long long)atomic_load(&reopens));
    if (columns) {
        bx_facet_columns_stats fc;
        bx_facet_columns_get_stats(columns, &fc);
        bl_buf_printf(out,
                      "# HELP byline_facet_column_builds_total Facet columns built (one per facet "
                      "and index revision, on the first faceted search that needs it).\n"
                      "# TYPE byline_facet_column_builds_total counter\n"
                      "byline_facet_column_builds_total %llu\n"
                      "# HELP byline_facet_column_build_seconds_total Time spent building them.\n"
                      "# TYPE byline_facet_column_build_seconds_total counter\n"
                      "byline_facet_column_build_seconds_total %.3f\n"
                      "# HELP byline_facet_columns Facet columns held in memory.\n"
                      "# TYPE byline_facet_columns gauge\n"
                      "byline_facet_columns %llu\n"
                      "# HELP byline_facet_column_bytes Memory the facet columns take.\n"
                      "# TYPE byline_facet_column_bytes gauge\n"
                      "byline_facet_column_bytes %llu\n",
                      (unsigned long long)fc.builds, (double)fc.build_ms / 1000.0,
                      (unsigned long long)fc.columns, (unsigned long long)fc.bytes);
    }
    if (!cache)
        return;
    bx_doc_cache_stats st;
    bx_doc_cache_get_stats(cache, &st);
    bl_buf_printf(out,
                  "# HELP byline_doc_cache_lookups_total Stored articles looked up in the cache, "
                  "by result.\n"
                  "# TYPE byline_doc_cache_lookups_total counter\n"
                  "byline_doc_cache_lookups_total{result=\"hit\"} %llu\n"
                  "byline_doc_cache_lookups_total{result=\"miss\"} %llu\n"
                  "# HELP byline_doc_cache_entries Stored articles in the cache.\n"
                  "# TYPE byline_doc_cache_entries gauge\n"
                  "byline_doc_cache_entries %llu\n"
                  "# HELP byline_doc_cache_bytes Bytes the cache holds (limit: --doc-cache).\n"
                  "# TYPE byline_doc_cache_bytes gauge\n"
                  "byline_doc_cache_bytes %llu\n",
                  (unsigned long long)st.hits, (unsigned long long)st.misses,
                  (unsigned long long)st.entries, (unsigned long long)st.bytes);
}
