/* search.c - runs requests through the shim and renders the answers as JSON. */
#include "byline_queries.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK_AT_LEAST   1000 /* matches counted exactly before a total becomes a lower bound */
#define MAX_FACET_VALUES 200
#define MAX_BUCKETS      2000

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void bq_error_from_status(bq_error *err, bx_status st, const char *message)
{
    switch (st) {
    case BX_ERR_QUERY:
        bq_error_set(err, 400, "query_syntax", "q", "%s", message);
        break;
    case BX_ERR_NOT_FOUND:
        bq_error_set(err, 404, "not_found", "", "%s", message);
        break;
    case BX_ERR_INVALID:
        bq_error_set(err, 400, "invalid_request", "", "%s", message);
        break;
    case BX_ERR_OPENING:
    case BX_ERR_CORRUPT:
    case BX_ERR_IO:
    case BX_ERR_MODIFIED:
    case BX_ERR_LOCKED:
    case BX_ERR_NETWORK:
    case BX_ERR_TIMEOUT:
        bq_error_set(err, 503, "index_unavailable", "", "%s", message);
        break;
    default:
        bq_error_set(err, 500, "internal", "", "%s", message);
        break;
    }
}

/* A JSON string of text that may hold invalid UTF-8 (echoed user input). */
static json_t *safe_string(const char *s)
{
    size_t len = strlen(s);
    if (bl_utf8_valid(s, len, NULL))
        return json_stringn(s, len);
    char *fixed = bl_utf8_repair(s, len, &len);
    json_t *v = fixed ? json_stringn(fixed, len) : json_string("");
    free(fixed);
    return v;
}

void bq_error_json(const bq_error *err, bl_buf *out)
{
    json_t *e = json_object();
    json_object_set_new(e, "code", safe_string(err->code));
    json_object_set_new(e, "message", safe_string(err->message));
    json_object_set_new(e, "param", err->param[0] ? safe_string(err->param) : json_null());
    json_t *o = json_pack("{s:o}", "error", e);
    char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(8));
    bl_buf_reset(out);
    if (s)
        bl_buf_puts(out, s);
    free(s);
    json_decref(o);
}

static int dump_into(json_t *o, bl_buf *out, bq_error *err)
{
    char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(8));
    json_decref(o);
    bl_buf_reset(out);
    if (!s || bl_buf_puts(out, s) != 0 || bl_buf_puts(out, "\n") != 0) {
        free(s);
        bq_error_set(err, 500, "internal", "", "response too large or out of memory");
        return -1;
    }
    free(s);
    return 0;
}

static json_t *copy_field(json_t *stored, const char *name, int as_list)
{
    json_t *v = json_object_get(stored, name);
    if (!v)
        return as_list ? json_array() : json_null();
    return json_incref(v);
}

/* One hit: the stored fields results show, the snippet, the score. */
static json_t *render_hit(bx_results *res, size_t i, const bq_options *opt, int collapse)
{
    size_t len;
    const char *data = bx_results_data(res, i, &len);
    json_t *stored = json_loadb(data, len, 0, NULL);
    if (!stored)
        stored = json_object();
    json_t *hit = json_object();
    json_object_set_new(hit, "id", copy_field(stored, "id", 0));
    json_object_set_new(hit, "title", copy_field(stored, "title", 0));
    json_object_set_new(hit, "url", copy_field(stored, "url", 0));
    json_object_set_new(hit, "date", copy_field(stored, "date", 0));
    json_object_set_new(hit, "source", copy_field(stored, "source", 0));
    json_object_set_new(hit, "author", copy_field(stored, "author", 1));
    json_object_set_new(hit, "categories", copy_field(stored, "categories", 1));
    json_object_set_new(hit, "lang", copy_field(stored, "lang", 0));
    const char *fields[] = { "body", "summary", "title" };
    json_t *text = NULL;
    for (size_t f = 0; f < 3 && !text; f++) {
        json_t *t = json_object_get(stored, fields[f]);
        if (json_is_string(t) && json_string_length(t) > 0)
            text = t;
    }
    char *snippet = NULL;
    if (text)
        snippet = bx_results_snippet(res, json_string_value(text), json_string_length(text),
                                     opt->snippet_len ? opt->snippet_len : 200);
    json_object_set_new(hit, "snippet", json_string(snippet ? snippet : ""));
    bx_free(snippet);
    json_object_set_new(hit, "score", json_real(bx_results_score(res, i)));
    json_object_set_new(hit, "collapsed",
                        json_integer(collapse ? (json_int_t)bx_results_collapsed(res, i) : 0));
    json_decref(stored);
    return hit;
}

static json_t *render_counts(const bx_counts *c)
{
    json_t *a = json_array();
    size_t n = bx_counts_size(c);
    for (size_t i = 0; i < n && i < MAX_FACET_VALUES; i++) {
        size_t len;
        const char *v = bx_counts_value(c, i, &len);
        json_t *e = json_object();
        json_object_set_new(e, "value", json_stringn(v, len));
        json_object_set_new(e, "count", json_integer((json_int_t)bx_counts_count(c, i)));
        json_array_append_new(a, e);
    }
    return a;
}

/* ---- Date histograms ---------------------------------------------------------------- */

typedef struct tcount {
    int64_t t;
    uint64_t n;
} tcount;

static int cmp_tcount(const void *a, const void *b)
{
    const tcount *x = a, *y = b;
    return x->t < y->t ? -1 : x->t > y->t;
}

static int64_t hour_key_time(const char *k, size_t len)
{
    if (len != 10)
        return INT64_MIN;
    int y, mo, d, h;
    if (sscanf(k, "%4d%2d%2d%2d", &y, &mo, &d, &h) != 4)
        return INT64_MIN;
    return bl_date_from_civil(y, mo, d, h, 0, 0);
}

static int64_t bucket_start(int64_t t, int interval)
{
    int y, mo, d, h, mi, s;
    bl_date_civil(t, &y, &mo, &d, &h, &mi, &s);
    switch (interval) {
    case BQ_INTERVAL_HOUR:
        return bl_date_from_civil(y, mo, d, h, 0, 0);
    case BQ_INTERVAL_DAY:
        return bl_date_from_civil(y, mo, d, 0, 0, 0);
    case BQ_INTERVAL_WEEK: {
        int64_t day = bl_date_from_civil(y, mo, d, 0, 0, 0) / 86400;
        int64_t weekday = ((day % 7) + 7 + 3) % 7; /* 1970-01-01 was a Thursday; Monday is 0 */
        return (day - weekday) * 86400;
    }
    case BQ_INTERVAL_MONTH:
        return bl_date_from_civil(y, mo, 1, 0, 0, 0);
    default:
        return bl_date_from_civil(y, 1, 1, 0, 0, 0);
    }
}

static int64_t bucket_next(int64_t start, int interval)
{
    int y, mo, d, h, mi, s;
    bl_date_civil(start, &y, &mo, &d, &h, &mi, &s);
    switch (interval) {
    case BQ_INTERVAL_HOUR:
        return start + 3600;
    case BQ_INTERVAL_DAY:
        return start + 86400;
    case BQ_INTERVAL_WEEK:
        return start + 7 * 86400;
    case BQ_INTERVAL_MONTH:
        return mo == 12 ? bl_date_from_civil(y + 1, 1, 1, 0, 0, 0)
                        : bl_date_from_civil(y, mo + 1, 1, 0, 0, 0);
    default:
        return bl_date_from_civil(y + 1, 1, 1, 0, 0, 0);
    }
}

static void bucket_key(int64_t start, int interval, char *buf, size_t size)
{
    int y, mo, d, h, mi, s;
    bl_date_civil(start, &y, &mo, &d, &h, &mi, &s);
    switch (interval) {
    case BQ_INTERVAL_HOUR:
        snprintf(buf, size, "%04d-%02d-%02dT%02d", y, mo, d, h);
        break;
    case BQ_INTERVAL_DAY:
    case BQ_INTERVAL_WEEK:
        snprintf(buf, size, "%04d-%02d-%02d", y, mo, d);
        break;
    case BQ_INTERVAL_MONTH:
        snprintf(buf, size, "%04d-%02d", y, mo);
        break;
    default:
        snprintf(buf, size, "%04d", y);
        break;
    }
}

static int auto_interval(int64_t first, int64_t last)
{
    int64_t span = last - first;
    if (span <= 2 * 86400)
        return BQ_INTERVAL_HOUR;
    if (span <= 92 * 86400)
        return BQ_INTERVAL_DAY;
    if (span <= 548 * 86400)
        return BQ_INTERVAL_WEEK;
    if (span <= 15 * 366 * 86400LL)
        return BQ_INTERVAL_MONTH;
    return BQ_INTERVAL_YEAR;
}

static const char *interval_name(int interval)
{
    static const char *const names[] = { "auto", "hour", "day", "week", "month", "year" };
    return names[interval];
}

static json_t *bucket_json(int64_t start, int interval, uint64_t count)
{
    char key[32], from[32], to[32];
    bucket_key(start, interval, key, sizeof key);
    bl_date_format(start, from);
    bl_date_format(bucket_next(start, interval) - 1, to);
    return json_pack("{s:s,s:s,s:s,s:I}", "key", key, "from", from, "to", to, "count",
                     (json_int_t)count);
}

/* The date histogram: hour counts folded into buckets, with empty buckets between the first
 * and the last filled in (when there are not too many). */
static json_t *render_dates(const bx_counts *c, int interval)
{
    size_t n = bx_counts_size(c), m = 0;
    tcount *tc = calloc(n ? n : 1, sizeof *tc);
    json_t *buckets = json_array();
    if (!tc)
        return json_pack("{s:s,s:o}", "interval", "auto", "buckets", buckets);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const char *v = bx_counts_value(c, i, &len);
        int64_t t = hour_key_time(v, len);
        if (t != INT64_MIN) {
            tc[m].t = t;
            tc[m].n = bx_counts_count(c, i);
            m++;
        }
    }
    qsort(tc, m, sizeof *tc, cmp_tcount);
    if (interval == BQ_INTERVAL_AUTO)
        interval = m ? auto_interval(tc[0].t, tc[m - 1].t) : BQ_INTERVAL_DAY;
    int fill = 1;
    if (m) {
        int64_t b = bucket_start(tc[0].t, interval), last = bucket_start(tc[m - 1].t, interval);
        size_t count = 0;
        while (b <= last && count <= MAX_BUCKETS) {
            b = bucket_next(b, interval);
            count++;
        }
        fill = count <= MAX_BUCKETS;
    }
    size_t i = 0;
    int64_t b = m ? bucket_start(tc[0].t, interval) : 0;
    while (i < m) {
        uint64_t sum = 0;
        int64_t next = bucket_next(b, interval);
        while (i < m && tc[i].t < next)
            sum += tc[i++].n;
        if (sum || fill)
            json_array_append_new(buckets, bucket_json(b, interval, sum));
        b = i < m && !fill ? bucket_start(tc[i].t, interval) : next;
    }
    free(tc);
    return json_pack("{s:s,s:o}", "interval", interval_name(interval), "buckets", buckets);
}

/* ---- Search --------------------------------------------------------------------------- */

static void fill_spec(bx_search_spec *s, const bq_request *req, const bq_options *opt)
{
    memset(s, 0, sizeof *s);
    s->query = req->q;
    s->query_len = req->q_len;
    s->lang = req->qlang          ? req->qlang
              : req->lang.n == 1  ? req->lang.items[0]
              : opt->default_lang ? opt->default_lang
                                  : "en";
    s->match_all = req->match_all;
    s->categories = (bx_strlist){ req->category.items, req->category.n };
    s->sources = (bx_strlist){ req->source.items, req->source.n };
    s->authors = (bx_strlist){ req->author.items, req->author.n };
    s->langs = (bx_strlist){ req->lang.items, req->lang.n };
    s->tags = (bx_strlist){ req->tag.items, req->tag.n };
    s->has_from = req->has_from;
    s->has_to = req->has_to;
    s->from = req->from;
    s->to = req->to;
    s->sort = req->sort;
    s->recency_half_life = req->recency;
    s->now = opt->now ? opt->now : (int64_t)time(NULL);
    s->facets = req->facets;
    s->collapse = req->collapse;
    s->offset = req->offset;
    s->limit = req->limit;
    s->check_at_least =
        req->offset + req->limit > CHECK_AT_LEAST ? req->offset + req->limit : CHECK_AT_LEAST;
    s->want_correction = req->q_len > 0;
    s->time_limit_ms = opt->time_limit_ms;
}

/* Runs the search, reopening and retrying once when the index moved underneath. */
static bx_status run(bx_reader *r, const bx_search_spec *s, bx_results **res)
{
    bx_status st = bx_search(r, s, res);
    if (st == BX_ERR_MODIFIED && bx_reader_reopen(r, NULL) == BX_OK)
        st = bx_search(r, s, res);
    return st;
}

static void add_facets(json_t *o, bx_results *res, const bq_request *req)
{
    if (!req->facets)
        return;
    json_t *f = json_object();
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = { { BX_FACET_CATEGORY, "category" },
                  { BX_FACET_SOURCE, "source" },
                  { BX_FACET_LANG, "lang" },
                  { BX_FACET_AUTHOR, "author" } };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (req->facets & names[i].bit)
            json_object_set_new(f, names[i].name,
                                render_counts(bx_results_facet(res, names[i].bit)));
    if (req->facets & BX_FACET_DATE)
        json_object_set_new(f, "date",
                            render_dates(bx_results_facet(res, BX_FACET_DATE), req->interval));
    json_object_set_new(o, "facets", f);
}

int bq_search(bx_reader *r, const bq_request *req, const bq_options *opt, bl_buf *out,
              bq_error *err)
{
    double t0 = now_ms();
    bx_search_spec s;
    fill_spec(&s, req, opt);
    bx_results *res = NULL;
    bx_status st = run(r, &s, &res);
    if (st != BX_OK) {
        bq_error_from_status(err, st, bx_reader_errmsg(r));
        return -1;
    }
    int exact = 0;
    uint64_t total = bx_results_total(res, &exact);
    json_t *o = json_object();
    json_object_set_new(o, "query", json_stringn(req->q ? req->q : "", req->q_len));
    const char *corrected = bx_results_corrected(res);
    json_object_set_new(o, "corrected_query", corrected ? json_string(corrected) : json_null());
    json_object_set_new(o, "total", json_integer((json_int_t)total));
    json_object_set_new(o, "total_relation", json_string(exact ? "eq" : "gte"));
    json_object_set_new(o, "offset", json_integer(req->offset));
    json_object_set_new(o, "limit", json_integer(req->limit));
    if (bx_results_timed_out(res))
        json_object_set_new(o, "timed_out", json_true());
    json_t *hits = json_array();
    for (size_t i = 0; i < bx_results_size(res); i++)
        json_array_append_new(hits, render_hit(res, i, opt, req->collapse));
    json_object_set_new(o, "hits", hits);
    add_facets(o, res, req);
    bx_results_free(res);
    json_object_set_new(o, "took_ms", json_real((double)(long)((now_ms() - t0) * 1000) / 1000));
    return dump_into(o, out, err);
}

int bq_article(bx_reader *r, const char *id, bl_buf *out, bq_error *err)
{
    char *json = NULL;
    size_t len = 0;
    bx_status st = bx_reader_get(r, id, strlen(id), &json, &len);
    if (st == BX_ERR_MODIFIED && bx_reader_reopen(r, NULL) == BX_OK)
        st = bx_reader_get(r, id, strlen(id), &json, &len);
    if (st != BX_OK) {
        bq_error_from_status(err, st, bx_reader_errmsg(r));
        return -1;
    }
    bl_buf_reset(out);
    int rc = bl_buf_append(out, json, len) == 0 && bl_buf_puts(out, "\n") == 0 ? 0 : -1;
    bx_free(json);
    if (rc != 0)
        bq_error_set(err, 500, "internal", "", "article too large to send");
    return rc;
}

/* Reads the only parameters related and suggest take: q and limit. */
static int small_params(const bq_params *p, int allow_q, unsigned max, unsigned *limit,
                        const char **q, bq_error *err)
{
    for (size_t i = 0; i < p->n; i++) {
        const char *k = p->keys[i], *v = p->values[i];
        if (strcmp(k, "limit") == 0) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || end == v || n < 1 || n > (long)max) {
                bq_error_set(err, 400, "invalid_parameter", "limit",
                             "limit must be an integer from 1 to %u, got '%.40s'", max, v);
                return -1;
            }
            *limit = (unsigned)n;
        } else if (allow_q && strcmp(k, "q") == 0) {
            if (!bl_utf8_valid(v, strlen(v), NULL) || strlen(v) > BQ_MAX_QUERY) {
                bq_error_set(err, 400, "invalid_parameter", "q",
                             "q must be valid UTF-8 of at most %d bytes", BQ_MAX_QUERY);
                return -1;
            }
            *q = v;
        } else if (k[0] != '_') {
            bq_error_set(err, 400, "unknown_parameter", k, "unknown parameter '%.40s'", k);
            return -1;
        }
    }
    return 0;
}

int bq_related(bx_reader *r, const char *id, const bq_params *p, bl_buf *out, bq_error *err)
{
    unsigned limit = 10;
    const char *unused = NULL;
    if (small_params(p, 0, 50, &limit, &unused, err) != 0)
        return -1;
    bx_results *res = NULL;
    bx_status st = bx_related(r, id, strlen(id), limit, &res);
    if (st == BX_ERR_MODIFIED && bx_reader_reopen(r, NULL) == BX_OK)
        st = bx_related(r, id, strlen(id), limit, &res);
    if (st != BX_OK) {
        bq_error_from_status(err, st, bx_reader_errmsg(r));
        return -1;
    }
    bq_options opt = { 0 };
    json_t *hits = json_array();
    for (size_t i = 0; i < bx_results_size(res); i++)
        json_array_append_new(hits, render_hit(res, i, &opt, 0));
    bx_results_free(res);
    return dump_into(json_pack("{s:s,s:o}", "id", id, "hits", hits), out, err);
}

int bq_suggest(bx_reader *r, const bq_params *p, int opensearch, bl_buf *out, bq_error *err)
{
    unsigned limit = 8;
    const char *q = "";
    if (small_params(p, 1, 20, &limit, &q, err) != 0)
        return -1;
    char **list = NULL;
    size_t n = 0;
    bx_status st = bx_suggest(r, q, strlen(q), limit, &list, &n);
    if (st == BX_ERR_MODIFIED && bx_reader_reopen(r, NULL) == BX_OK)
        st = bx_suggest(r, q, strlen(q), limit, &list, &n);
    if (st != BX_OK) {
        bq_error_from_status(err, st, bx_reader_errmsg(r));
        return -1;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(list[i]));
    bx_strings_free(list, n);
    if (opensearch)
        return dump_into(json_pack("[s,o]", q, a), out, err);
    return dump_into(json_pack("{s:s,s:o}", "query", q, "suggestions", a), out, err);
}
