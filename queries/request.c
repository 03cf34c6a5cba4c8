/* request.c - request parameters: collecting them, and validating them into a search request. */
#include "byline_queries.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bq_error_set(bq_error *err, int status, const char *code, const char *param, const char *fmt,
                  ...)
{
    err->status = status;
    snprintf(err->code, sizeof err->code, "%s", code);
    snprintf(err->param, sizeof err->param, "%s", param ? param : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

void bq_params_init(bq_params *p)
{
    memset(p, 0, sizeof *p);
}

void bq_params_release(bq_params *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->keys[i]);
        free(p->values[i]);
    }
    memset(p, 0, sizeof *p);
}

int bq_params_add(bq_params *p, const char *key, const char *value, size_t value_len)
{
    if (p->n >= BQ_MAX_PARAMS) {
        p->overflow = 1;
        return -1;
    }
    char *k = strdup(key);
    char *v = malloc(value_len + 1);
    if (!k || !v) {
        free(k);
        free(v);
        p->overflow = 1;
        return -1;
    }
    memcpy(v, value, value_len);
    v[value_len] = '\0';
    p->keys[p->n] = k;
    p->values[p->n] = v;
    p->has_nul[p->n] = memchr(value, '\0', value_len) != NULL;
    p->n++;
    return 0;
}

/* Adds one JSON value as parameter text. Returns 0 or -1 with err. */
static int add_json_value(bq_params *p, const char *key, json_t *v, bq_error *err)
{
    char buf[64];
    const char *text;
    size_t len;
    if (json_is_string(v)) {
        text = json_string_value(v);
        len = json_string_length(v);
    } else if (json_is_integer(v)) {
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        text = buf;
        len = strlen(buf);
    } else if (json_is_real(v)) {
        /* A number written with a fraction or an exponent keeps a point, so that 1e1 or 10.0
         * is not taken for the whole number 10 where digits are asked for. */
        snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
        if (!strpbrk(buf, ".eEin"))
            strcat(buf, ".0");
        text = buf;
        len = strlen(buf);
    } else if (json_is_boolean(v)) {
        text = json_is_true(v) ? "true" : "false";
        len = strlen(text);
    } else if (json_is_null(v)) {
        return 0;
    } else {
        bq_error_set(err, 400, "invalid_parameter", key,
                     "field '%s' must be a string, a number or a list of them", key);
        return -1;
    }
    if (bq_params_add(p, key, text, len) != 0) {
        bq_error_set(err, 400, "too_many_parameters", key, "too many parameters (at most %d)",
                     BQ_MAX_PARAMS);
        return -1;
    }
    return 0;
}

int bq_params_from_json(bq_params *p, const char *body, size_t len, bq_error *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(body, len, 0, &jerr);
    if (!root) {
        bq_error_set(err, 400, "invalid_json", "", "invalid JSON body at line %d, column %d: %s",
                     jerr.line, jerr.column,
                     strstr(jerr.text, "JSON_ALLOW_NUL") ? "\\u0000 (NUL) is not allowed in strings"
                                                         : jerr.text);
        return -1;
    }
    if (!json_is_object(root)) {
        bq_error_set(err, 400, "invalid_json", "", "the JSON body must be an object");
        json_decref(root);
        return -1;
    }
    const char *key;
    json_t *v;
    int rc = 0;
    json_object_foreach(root, key, v)
    {
        if (json_is_array(v)) {
            size_t i;
            json_t *item;
            json_array_foreach(v, i, item)
            {
                if (json_is_array(item) || json_is_object(item)) {
                    bq_error_set(err, 400, "invalid_parameter", key,
                                 "field '%s' must hold strings or numbers", key);
                    rc = -1;
                    break;
                }
                if ((rc = add_json_value(p, key, item, err)) != 0)
                    break;
            }
        } else {
            rc = add_json_value(p, key, v, err);
        }
        if (rc != 0)
            break;
    }
    json_decref(root);
    return rc;
}

/* Parses a whole non-negative integer no larger than max. Returns 0 or -1. */
static int parse_uint(const char *s, unsigned max, unsigned *out)
{
    if (!*s)
        return -1;
    unsigned long v = 0;
    for (const char *c = s; *c; c++) {
        if (!isdigit((unsigned char)*c))
            return -1;
        v = v * 10 + (unsigned long)(*c - '0');
        if (v > max)
            return -1;
    }
    *out = (unsigned)v;
    return 0;
}

int64_t bq_parse_duration(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || v <= 0 || v > 100000 || end[0] == '\0' || end[1] != '\0')
        return -1;
    switch (end[0]) {
    case 'h':
        return (int64_t)v * 3600;
    case 'd':
        return (int64_t)v * 86400;
    case 'w':
        return (int64_t)v * 7 * 86400;
    case 'y':
        return (int64_t)v * 365 * 86400;
    }
    return -1;
}

static int add_to_list(bq_list *l, const char *value, const char *name, bq_error *err)
{
    if (l->n >= BQ_MAX_LIST) {
        bq_error_set(err, 400, "invalid_parameter", name, "too many values for '%s' (at most %d)",
                     name, BQ_MAX_LIST);
        return -1;
    }
    if (*value)
        l->items[l->n++] = value;
    return 0;
}

/* Adds every comma-separated facet name to req->facets. */
static int parse_facets(bq_request *req, const char *value, bq_error *err)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = { { "category", BX_FACET_CATEGORY },
                  { "source", BX_FACET_SOURCE },
                  { "lang", BX_FACET_LANG },
                  { "date", BX_FACET_DATE },
                  { "author", BX_FACET_AUTHOR } };
    const char *p = value;
    while (*p) {
        size_t n = strcspn(p, ",");
        int found = 0;
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            if (strlen(names[i].name) == n && strncmp(p, names[i].name, n) == 0) {
                req->facets |= names[i].bit;
                found = 1;
            }
        }
        if (!found && n > 0) {
            bq_error_set(err, 400, "invalid_parameter", "facets",
                         "unknown facet '%.*s' (facets: category, source, lang, date, author)",
                         (int)(n > 40 ? 40 : n), p);
            return -1;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

static int parse_date_param(const char *name, const char *value, int is_to, int64_t *out,
                            bq_error *err)
{
    int64_t start, end;
    if (bl_date_parse(value, strlen(value), &start, &end, NULL) != 0) {
        bq_error_set(err, 400, "invalid_parameter", name,
                     "'%s' must be a date (2024-03-14, 2024-03, 2024, or RFC 3339), got '%.60s'",
                     name, value);
        return -1;
    }
    *out = is_to ? end : start;
    return 0;
}

static int parse_interval(const char *v, int *out)
{
    static const char *const names[] = { "auto", "hour", "day", "week", "month", "year" };
    for (int i = 0; i < 6; i++) {
        if (strcmp(v, names[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    return -1;
}

/* Handles one parameter. Returns 0, or -1 with err. */
static int parse_one(bq_request *req, const char *k, const char *v, unsigned *page,
                     unsigned *per_page, bq_error *err)
{
    if (strcmp(k, "q") == 0) {
        req->q = v;
        req->q_len = strlen(v);
        if (req->q_len > BQ_MAX_QUERY) {
            bq_error_set(err, 400, "invalid_parameter", "q",
                         "query is too long: %zu bytes, at most %d", req->q_len, BQ_MAX_QUERY);
            return -1;
        }
    } else if (strcmp(k, "category") == 0) {
        return add_to_list(&req->category, v, k, err);
    } else if (strcmp(k, "source") == 0) {
        return add_to_list(&req->source, v, k, err);
    } else if (strcmp(k, "author") == 0) {
        return add_to_list(&req->author, v, k, err);
    } else if (strcmp(k, "tag") == 0) {
        return add_to_list(&req->tag, v, k, err);
    } else if (strcmp(k, "lang") == 0) {
        /* A language Byline stems (by code or name), or the tag of one it does not ("pl"). */
        const char *code = bx_lang_resolve_z(v);
        if (!code && *v && !bl_lang_tag_ok(v)) {
            bq_error_set(err, 400, "invalid_parameter", "lang",
                         "unknown language '%.40s' (a language name, or a code such as 'en' "
                         "or 'pt-BR')",
                         v);
            return -1;
        }
        return add_to_list(&req->lang, code ? code : v, k, err);
    } else if (strcmp(k, "qlang") == 0) {
        /* As for lang: a language Byline stems, or the tag of one it does not ("pl"), in which
         * q is not stemmed. */
        req->qlang = bx_lang_resolve_z(v);
        if (!req->qlang && *v && bl_lang_tag_ok(v))
            req->qlang = v;
        if (!req->qlang) {
            bq_error_set(err, 400, "invalid_parameter", "qlang",
                         "unknown language '%.40s' (a language name, or a code such as 'en' "
                         "or 'pt-BR')",
                         v);
            return -1;
        }
    } else if (strcmp(k, "from") == 0) {
        req->has_from = 1;
        return parse_date_param(k, v, 0, &req->from, err);
    } else if (strcmp(k, "to") == 0) {
        req->has_to = 1;
        return parse_date_param(k, v, 1, &req->to, err);
    } else if (strcmp(k, "sort") == 0) {
        if (strcmp(v, "relevance") == 0)
            req->sort = BX_SORT_RELEVANCE;
        else if (strcmp(v, "newest") == 0)
            req->sort = BX_SORT_NEWEST;
        else if (strcmp(v, "oldest") == 0)
            req->sort = BX_SORT_OLDEST;
        else {
            bq_error_set(err, 400, "invalid_parameter", "sort",
                         "sort must be relevance, newest or oldest, got '%.40s'", v);
            return -1;
        }
    } else if (strcmp(k, "recency") == 0) {
        if (strcmp(v, "off") == 0 || strcmp(v, "0") == 0 || !*v) {
            req->recency = 0;
        } else if ((req->recency = bq_parse_duration(v)) < 0) {
            bq_error_set(err, 400, "invalid_parameter", "recency",
                         "recency must be a half-life such as 12h, 7d, 2w or 1y, or off; "
                         "got '%.40s'",
                         v);
            return -1;
        }
    } else if (strcmp(k, "facets") == 0) {
        return parse_facets(req, v, err);
    } else if (strcmp(k, "date_interval") == 0) {
        if (parse_interval(v, &req->interval) != 0) {
            bq_error_set(err, 400, "invalid_parameter", "date_interval",
                         "date_interval must be hour, day, week, month, year or auto; got "
                         "'%.40s'",
                         v);
            return -1;
        }
    } else if (strcmp(k, "offset") == 0) {
        if (parse_uint(v, BQ_MAX_OFFSET, &req->offset) != 0) {
            bq_error_set(err, 400, "invalid_parameter", "offset",
                         "offset must be an integer from 0 to %d, got '%.40s'", BQ_MAX_OFFSET, v);
            return -1;
        }
    } else if (strcmp(k, "limit") == 0 || strcmp(k, "hits_per_page") == 0) {
        if (parse_uint(v, BQ_MAX_LIMIT, strcmp(k, "limit") == 0 ? &req->limit : per_page) != 0) {
            bq_error_set(err, 400, "invalid_parameter", k,
                         "%s must be an integer from 0 to %d, got '%.40s'", k, BQ_MAX_LIMIT, v);
            return -1;
        }
    } else if (strcmp(k, "page") == 0) {
        if (parse_uint(v, BQ_MAX_OFFSET, page) != 0 || *page == 0) {
            bq_error_set(err, 400, "invalid_parameter", "page",
                         "page must be an integer from 1 to %d, got '%.40s'", BQ_MAX_OFFSET, v);
            return -1;
        }
    } else if (strcmp(k, "collapse") == 0) {
        if (strcmp(v, "story") == 0)
            req->collapse = 1;
        else if (strcmp(v, "none") == 0 || !*v)
            req->collapse = 0;
        else {
            bq_error_set(err, 400, "invalid_parameter", "collapse",
                         "collapse must be story or none, got '%.40s'", v);
            return -1;
        }
    } else if (strcmp(k, "match") == 0) {
        if (strcmp(v, "all") == 0)
            req->match_all = 1;
        else if (strcmp(v, "any") == 0)
            req->match_all = 0;
        else {
            bq_error_set(err, 400, "invalid_parameter", "match",
                         "match must be any or all, got '%.40s'", v);
            return -1;
        }
    } else if (k[0] != '_') {
        bq_error_set(err, 400, "unknown_parameter", k, "unknown parameter '%.40s'", k);
        return -1;
    }
    return 0;
}

int bq_request_parse(bq_request *req, const bq_params *p, bq_error *err)
{
    memset(req, 0, sizeof *req);
    req->limit = 10;
    if (p->overflow) {
        bq_error_set(err, 400, "too_many_parameters", "", "too many parameters (at most %d)",
                     BQ_MAX_PARAMS);
        return -1;
    }
    unsigned page = 0, per_page = 0;
    int limit_set = 0, per_page_set = 0;
    for (size_t i = 0; i < p->n; i++) {
        const char *k = p->keys[i], *v = p->values[i];
        if (!bl_utf8_valid(v, strlen(v), NULL) || !bl_utf8_valid(k, strlen(k), NULL)) {
            bq_error_set(err, 400, "invalid_parameter", bl_utf8_valid(k, strlen(k), NULL) ? k : "",
                         bl_utf8_valid(k, strlen(k), NULL)
                             ? "parameter '%.40s' is not valid UTF-8"
                             : "a parameter name is not valid UTF-8%s",
                         bl_utf8_valid(k, strlen(k), NULL) ? k : "");
            return -1;
        }
        if (p->has_nul[i]) {
            bq_error_set(err, 400, "invalid_parameter", k, "parameter '%.40s' holds a NUL byte", k);
            return -1;
        }
        if (strcmp(k, "limit") == 0)
            limit_set = 1;
        if (strcmp(k, "hits_per_page") == 0)
            per_page_set = 1;
        if (parse_one(req, k, v, &page, &per_page, err) != 0)
            return -1;
    }
    if (per_page_set && !limit_set)
        req->limit = per_page;
    if (page) {
        unsigned long off = (unsigned long)(page - 1) * req->limit;
        if (off > BQ_MAX_OFFSET) {
            bq_error_set(err, 400, "invalid_parameter", "page",
                         "page %u is deeper than offset %d allows", page, BQ_MAX_OFFSET);
            return -1;
        }
        req->offset = (unsigned)off;
    }
    if (req->has_from && req->has_to && req->from > req->to) {
        bq_error_set(err, 400, "invalid_parameter", "from", "'from' is after 'to'");
        return -1;
    }
    return 0;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes percent-encoded s[0..len) into out (room for len + 1 bytes), '+' as a space when
 * `plus` is set. Returns the decoded length, or -1 when a '%' does not begin two hex digits
 * (its offset in s then in *bad_at). */
static long percent_decode(const char *s, size_t len, int plus, char *out, size_t *bad_at)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%') {
            int hi = i + 1 < len ? hex_value(s[i + 1]) : -1;
            int lo = i + 2 < len ? hex_value(s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                *bad_at = i;
                return -1;
            }
            out[n++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[n++] = plus && s[i] == '+' ? ' ' : s[i];
        }
    }
    out[n] = '\0';
    return (long)n;
}

/* How many bytes from a bad '%' at `at` an error message shows: up to three, never past the end
 * of the len bytes (a target need not be NUL-terminated). */
static int shown(size_t len, size_t at)
{
    return (int)(len - at < 3 ? len - at : 3);
}

/* Checks one "name=value" of a query string; buf has room for len + 1 bytes. */
static int check_query_pair(const char *s, size_t len, char *buf, bq_error *err)
{
    const char *eq = memchr(s, '=', len);
    size_t klen = eq ? (size_t)(eq - s) : len, bad = 0;
    long n = percent_decode(s, klen, 1, buf, &bad);
    if (n < 0 || !bl_utf8_valid(buf, (size_t)n, NULL)) {
        bq_error_set(err, 400, "invalid_parameter", "",
                     n < 0 ? "a parameter name has invalid percent-encoding: '%.*s'"
                           : "a parameter name is not valid UTF-8%.*s",
                     n < 0 ? shown(len, bad) : 0, n < 0 ? s + bad : "");
        return -1;
    }
    char name[sizeof err->param];
    snprintf(name, sizeof name, "%s", buf);
    if (!eq)
        return 0;
    const char *v = eq + 1;
    n = percent_decode(v, len - klen - 1, 1, buf, &bad);
    if (n < 0) {
        bq_error_set(err, 400, "invalid_parameter", name,
                     "parameter '%s' has invalid percent-encoding: '%.*s'", name,
                     shown(len - klen - 1, bad), v + bad);
        return -1;
    }
    if (memchr(buf, '\0', (size_t)n)) {
        bq_error_set(err, 400, "invalid_parameter", name, "parameter '%s' holds a NUL byte", name);
        return -1;
    }
    if (!bl_utf8_valid(buf, (size_t)n, NULL)) {
        bq_error_set(err, 400, "invalid_parameter", name, "parameter '%s' is not valid UTF-8",
                     name);
        return -1;
    }
    return 0;
}

int bq_check_target(const char *target, size_t len, bq_error *err)
{
    char *buf = malloc(len + 1);
    if (!buf) {
        bq_error_set(err, 503, "out_of_memory", "", "cannot check the request: out of memory");
        return -1;
    }
    const char *q = memchr(target, '?', len);
    size_t plen = q ? (size_t)(q - target) : len, bad = 0;
    long n = percent_decode(target, plen, 0, buf, &bad);
    int rc = 0;
    if (n < 0 || memchr(buf, '\0', (size_t)n) || !bl_utf8_valid(buf, (size_t)n, NULL)) {
        bq_error_set(err, 400, "invalid_path", "",
                     n < 0 ? "the path has invalid percent-encoding: '%.*s'"
                           : "the path is not valid UTF-8 or holds a NUL byte%.*s",
                     n < 0 ? shown(len, bad) : 0, n < 0 ? target + bad : "");
        rc = -1;
    }
    const char *p = q ? q + 1 : NULL, *end = target + len;
    while (rc == 0 && p && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        size_t plen2 = amp ? (size_t)(amp - p) : (size_t)(end - p);
        if (plen2 && check_query_pair(p, plen2, buf, err) != 0)
            rc = -1;
        p = amp ? amp + 1 : NULL;
    }
    free(buf);
    return rc;
}
