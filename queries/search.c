/* search.c - runs requests through the shim and renders the answers as JSON. */
#include "byline_queries.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK_AT_LEAST   100 /* matches counted exactly before a total becomes a lower bound */
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

static int append_chunk(const char *text, size_t len, void *b)
{
    return bl_buf_append(b, text, len);
}

/* Appends the compact JSON text of v (taking the reference); 0, or -1 when out of room.
 * Written straight into the buffer (json_dumps would build a string and copy it). */
static int append_json(bl_buf *b, json_t *v)
{
    int rc = v ? json_dump_callback(v, append_chunk, b,
                                    JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(8))
               : -1;
    json_decref(v);
    return rc == 0 ? 0 : -1;
}

/* The text a hit's snippet is cut from: the body, else the summary, else the title. Any
 * string handed out in *text is borrowed from `rec` or from *holder (json_decref it). */
static void snippet_source(const bx_record *rec, const char **text, size_t *len, json_t **holder)
{
    *text = rec->body;
    *len = rec->body_len;
    *holder = NULL;
    if (*len)
        return;
    const char *parts[] = { rec->more, rec->hit };
    const size_t lens[] = { rec->more_len, rec->hit_len };
    const char *fields[] = { "summary", "title" };
    for (size_t f = 0; f < 2 && *len == 0; f++) {
        json_t *o = json_loadb(parts[f], lens[f], 0, NULL);
        json_t *t = json_object_get(o, fields[f]);
        if (json_is_string(t) && json_string_length(t) > 0) {
            *text = json_string_value(t);
            *len = json_string_length(t);
            *holder = o;
        } else {
            json_decref(o);
        }
    }
}

/* The hits as a JSON array, appended to b. Each hit's fields come ready-made from the index
 * (the first part of its stored record, written by jansson when it was indexed, with every
 * field results show); the snippet, score and collapse count are added to that object, so
 * no stored JSON is parsed on the way. Returns 0, or -1 when out of room. */
static int render_hits(bx_results *res, const bq_options *opt, int collapse, bl_buf *b)
{
    int rc = bl_buf_puts(b, "[");
    for (size_t i = 0; i < bx_results_size(res) && rc == 0; i++) {
        size_t len;
        const char *data = bx_results_data(res, i, &len);
        bx_record rec;
        bx_record_split(data, len, &rec);
        if (i > 0)
            rc |= bl_buf_puts(b, ",");
        if (rec.hit_len > 2 && rec.hit[0] == '{' && rec.hit[rec.hit_len - 1] == '}')
            rc |= bl_buf_append(b, rec.hit, rec.hit_len - 1) | bl_buf_puts(b, ",");
        else
            rc |= bl_buf_puts(b, "{");
        const char *text;
        size_t text_len;
        json_t *holder;
        snippet_source(&rec, &text, &text_len, &holder);
        char *snippet = text_len ? bx_results_snippet(res, text, text_len,
                                                      opt->snippet_len ? opt->snippet_len : 200)
                                 : NULL;
        json_decref(holder);
        json_t *sv = json_string(snippet ? snippet : "");
        bx_free(snippet);
        double score = bx_results_score(res, i);
        rc |= bl_buf_puts(b, "\"snippet\":");
        rc |= append_json(b, sv ? sv : json_string(""));
        rc |= bl_buf_printf(b, ",\"score\":%.8g,\"collapsed\":%llu}", isfinite(score) ? score : 0.0,
                            collapse ? (unsigned long long)bx_results_collapsed(res, i) : 0ULL);
    }
    rc |= bl_buf_puts(b, "]");
    return rc ? -1 : 0;
}

/* Writes to out the object o (taking the reference) with the members "hits" (JSON text) and
 * then "facets" (a JSON value, taken; may be NULL) added at its end, and a newline. */
static int dump_with_hits(json_t *o, const bl_buf *hits, json_t *facets, bl_buf *out, bq_error *err)
{
    char *head = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(8));
    json_decref(o);
    bl_buf_reset(out);
    int rc = head ? 0 : -1;
    if (rc == 0) {
        size_t n = strlen(head);
        rc |= bl_buf_append(out, head, n - 1); /* without its closing brace */
        rc |= bl_buf_puts(out, n > 2 ? ",\"hits\":" : "\"hits\":");
        rc |= bl_buf_append(out, hits->data ? hits->data : "[]", hits->data ? hits->len : 2);
        if (facets) {
            rc |= bl_buf_puts(out, ",\"facets\":");
            rc |= append_json(out, facets);
            facets = NULL;
        }
        rc |= bl_buf_puts(out, "}\n");
    }
    json_decref(facets);
    free(head);
    if (rc != 0) {
        bq_error_set(err, 500, "internal", "", "response too large or out of memory");
        return -1;
    }
    return 0;
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

/* The time a date facet key names: "YYYYMMDDHH" (an hour) or "YYYYMMDD" (a day). */
static int64_t key_time(const char *k, size_t len)
{
    if (len != 10 && len != 8)
        return INT64_MIN;
    int d[10] = { 0 };
    for (size_t i = 0; i < len; i++) {
        if (k[i] < '0' || k[i] > '9')
            return INT64_MIN;
        d[i] = k[i] - '0';
    }
    int y = d[0] * 1000 + d[1] * 100 + d[2] * 10 + d[3];
    return bl_date_from_civil(y, d[4] * 10 + d[5], d[6] * 10 + d[7], d[8] * 10 + d[9], 0, 0);
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
        int64_t t = key_time(v, len);
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
    s->date_unit = req->interval == BQ_INTERVAL_HOUR   ? BX_DATES_HOURS
                   : req->interval == BQ_INTERVAL_AUTO ? BX_DATES_AUTO
                                                       : BX_DATES_DAYS;
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

static json_t *render_facets(bx_results *res, const bq_request *req)
{
    if (!req->facets)
        return NULL;
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
    return f;
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
    bl_buf hits;
    bl_buf_init(&hits, out->cap);
    int rc = render_hits(res, opt, req->collapse, &hits);
    json_t *facets = render_facets(res, req);
    bx_results_free(res);
    json_object_set_new(o, "took_ms", json_real((double)(long)((now_ms() - t0) * 1000) / 1000));
    if (rc == 0)
        rc = dump_with_hits(o, &hits, facets, out, err);
    else {
        json_decref(o);
        json_decref(facets);
        bq_error_set(err, 500, "internal", "", "response too large or out of memory");
    }
    bl_buf_release(&hits);
    return rc;
}

/* The whole stored article as one JSON object: its fields with the body put back. */
static json_t *article_object(const char *data, size_t len)
{
    bx_record rec;
    bx_record_split(data, len, &rec);
    json_t *o = json_loadb(rec.hit, rec.hit_len, 0, NULL);
    json_t *more = json_loadb(rec.more, rec.more_len, 0, NULL);
    if (!json_is_object(o) || !json_is_object(more)) {
        json_decref(o);
        json_decref(more);
        return NULL;
    }
    /* Fields the article does not have are left out, as they were given (hits show them as
     * null or empty lists). */
    const char *key;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(o, tmp, key, v)
    {
        if (json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0))
            json_object_del(o, key);
    }
    json_object_update(o, more);
    json_decref(more);
    if (rec.body_len)
        json_object_set_new(o, "body", json_stringn(rec.body, rec.body_len));
    return o;
}

int bq_article(bx_reader *r, const char *id, bl_buf *out, bq_error *err)
{
    char *rec = NULL;
    size_t len = 0;
    bx_status st = bx_reader_get(r, id, strlen(id), &rec, &len);
    if (st == BX_ERR_MODIFIED && bx_reader_reopen(r, NULL) == BX_OK)
        st = bx_reader_get(r, id, strlen(id), &rec, &len);
    if (st != BX_OK) {
        bq_error_from_status(err, st, bx_reader_errmsg(r));
        return -1;
    }
    json_t *o = article_object(rec, len);
    bx_free(rec);
    if (!o) {
        bq_error_set(err, 503, "index_unavailable", "", "the stored article '%.64s' is unreadable",
                     id);
        return -1;
    }
    return dump_into(o, out, err);
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
    bl_buf hits;
    bl_buf_init(&hits, out->cap);
    int rc = render_hits(res, &opt, 0, &hits);
    bx_results_free(res);
    json_t *o = json_pack("{s:s}", "id", id);
    if (rc == 0 && o)
        rc = dump_with_hits(o, &hits, NULL, out, err);
    else {
        json_decref(o);
        bq_error_set(err, 500, "internal", "", "response too large or out of memory");
        rc = -1;
    }
    bl_buf_release(&hits);
    return rc;
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
