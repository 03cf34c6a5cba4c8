/* byline_queries.h - Byline's search request layer: parameters in, validated requests, searches
 * run through the shim, JSON out. Used by byline-searchd (over HTTP) and byline-search (CLI).
 *
 * Every function that can fail fills a bq_error: the HTTP status it maps to, a short code, a
 * message (lowercase, failure first) and the parameter at fault, if any. */
#ifndef BYLINE_QUERIES_H
#define BYLINE_QUERIES_H

#include "byline_common.h"
#include "byline_xapian.h"

#include <stddef.h>
#include <stdint.h>

#define BQ_MAX_PARAMS 64         /* parameters in one request */
#define BQ_MAX_LIST   32         /* values of one repeatable filter */
#define BQ_MAX_QUERY  2048       /* bytes of query text */
#define BQ_MAX_LIMIT  100        /* hits per page */
#define BQ_MAX_OFFSET 10000      /* deepest offset */
#define BQ_OUT_CAP    (8u << 20) /* largest response body */

typedef struct bq_error {
    int status;    /* 400, 404, 413, 500, 503 */
    char code[40]; /* "invalid_parameter", "query_syntax", "not_found", "index_unavailable" */
    char message[512];
    char param[40]; /* the parameter at fault, or "" */
} bq_error;

/* A set of request parameters, copied in; repeatable keys appear several times. */
typedef struct bq_params {
    char *keys[BQ_MAX_PARAMS];
    char *values[BQ_MAX_PARAMS];
    size_t n;
    int overflow;                         /* more than BQ_MAX_PARAMS were offered */
    unsigned char has_nul[BQ_MAX_PARAMS]; /* the value held a NUL byte (refused) */
} bq_params;

void bq_params_init(bq_params *p);
void bq_params_release(bq_params *p);
/* Adds a copy of key and value. Returns 0, or -1 when full or out of memory (overflow set). */
int bq_params_add(bq_params *p, const char *key, const char *value, size_t value_len);
/* Fills p from a JSON object body ({"q": "...", "category": ["a","b"], "limit": 5}): arrays
 * become repeated parameters, numbers and booleans their text. Returns 0 or -1 with err. */
int bq_params_from_json(bq_params *p, const char *body, size_t len, bq_error *err);

typedef struct bq_list {
    const char *items[BQ_MAX_LIST];
    size_t n;
} bq_list;

enum bq_interval {
    BQ_INTERVAL_AUTO = 0,
    BQ_INTERVAL_HOUR,
    BQ_INTERVAL_DAY,
    BQ_INTERVAL_WEEK,
    BQ_INTERVAL_MONTH,
    BQ_INTERVAL_YEAR,
};

/* A validated search request. Its strings are borrowed from the bq_params it came from. */
typedef struct bq_request {
    const char *q;
    size_t q_len;
    const char *qlang; /* stemming language for q: a resolved code, or a language tag (as given)
                        * for a language without a stemmer, which leaves q unstemmed; NULL for
                        * the default */
    bq_list category, source, author, lang, tag;
    int has_from, has_to;
    int64_t from, to; /* inclusive, seconds UTC */
    int sort;         /* enum bx_sort */
    int64_t recency;  /* half-life in seconds; 0 for none */
    unsigned facets;  /* BX_FACET_* bits */
    int interval;     /* enum bq_interval */
    unsigned offset, limit;
    int collapse;
    int match_all;
} bq_request;

/* Checks a request target as it came over the wire ("/search?q=rail%20strike"), before anything
 * decodes it: every '%' in the path and the query string begins two hex digits, and the decoded
 * path and every decoded parameter name and value is UTF-8 without NUL bytes ('+' is a space in
 * the query). Returns 0, or -1 with a 400 error: "invalid_path", or "invalid_parameter" naming
 * the parameter ("" when its name itself is bad). */
int bq_check_target(const char *target, size_t len, bq_error *err);

/* Validates parameters into a request for /search. Returns 0, or -1 with err (status 400,
 * naming the parameter). Unknown parameters are refused, except those starting with '_'. */
int bq_request_parse(bq_request *req, const bq_params *p, bq_error *err);

/* Settings the caller gives every search. */
typedef struct bq_options {
    const char *default_lang; /* stemming language when the request names none ("en") */
    size_t snippet_len;       /* bytes of snippet text (0: 200) */
    unsigned time_limit_ms;   /* stop matching after this long (0: none) */
    int64_t now;              /* the time freshness is measured from (0: the clock) */
} bq_options;

/* Runs a search and writes the response JSON into out (which must be initialised). Returns 0,
 * or -1 with err (400 for query syntax, 503 when the index cannot be read). */
int bq_search(bx_reader *r, const bq_request *req, const bq_options *opt, bl_buf *out,
              bq_error *err);

/* Writes the stored article with this id as JSON. -1 with a 404 error when there is none. */
int bq_article(bx_reader *r, const char *id, bl_buf *out, bq_error *err);

/* Writes {"id", "hits": [...]} with articles like this one. Parameters: limit (1-50, 10). */
int bq_related(bx_reader *r, const char *id, const bq_params *p, bl_buf *out, bq_error *err);

/* Writes {"query", "suggestions": [...]} for a partly typed query, or with `opensearch` the
 * OpenSearch suggestion form ["query", [...]]. Parameters: q, limit. */
int bq_suggest(bx_reader *r, const bq_params *p, int opensearch, bl_buf *out, bq_error *err);

/* Maps a shim status to an error (503 for an unreadable index, 400 for query syntax...). */
void bq_error_from_status(bq_error *err, bx_status st, const char *message);

/* Sets an error. */
void bq_error_set(bq_error *err, int status, const char *code, const char *param, const char *fmt,
                  ...) __attribute__((format(printf, 5, 6)));

/* Writes {"error": {"code", "message", "param"}} into out. */
void bq_error_json(const bq_error *err, bl_buf *out);

/* Parses a half-life such as "7d", "12h", "2w", "1y". Returns seconds, or -1. */
int64_t bq_parse_duration(const char *s);

#endif
