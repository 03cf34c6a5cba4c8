/* fuzz_request.c - libFuzzer target: a request target checked as it came over the wire
 * (bq_check_target), and search parameters as a query string and as a JSON POST body, validated
 * by bq_request_parse and, when valid, run by bq_search on a small index. */
#include "fuzz_util.h"

#include "byline_queries.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_sample_reader();
    return 0;
}

/* Splits a query string at '&' and '=' the way libmicrohttpd hands parameters to the daemon
 * (after percent-decoding): a key ends at its first NUL byte, a value keeps every byte. */
static void params_from_query(bq_params *p, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const char *amp = memchr(s + i, '&', n - i);
        size_t end = amp ? (size_t)(amp - s) : n;
        const char *eq = memchr(s + i, '=', end - i);
        size_t key_end = eq ? (size_t)(eq - s) : end;
        if (key_end > i) {
            char *key = strndup(s + i, key_end - i);
            if (key) {
                const char *value = eq ? eq + 1 : "";
                size_t value_len = eq ? end - key_end - 1 : 0;
                bq_params_add(p, key, value, value_len);
            }
            free(key);
        }
        i = end + 1;
    }
}

/* An error renders as the JSON the API reference describes. */
static void check_error(const bq_error *err)
{
    FZ_ASSERT(err->status >= 400 && err->status <= 599);
    FZ_ASSERT(err->code[0] && err->message[0]);
    bl_buf out;
    bl_buf_init(&out, 64 * 1024);
    bq_error_json(err, &out);
    json_t *o = json_loadb(out.data ? out.data : "", out.len, 0, NULL);
    FZ_ASSERT(o && json_is_object(json_object_get(o, "error")));
    json_decref(o);
    bl_buf_release(&out);
}

static void run(const bq_params *p)
{
    bq_request req;
    bq_error err;
    memset(&err, 0, sizeof err);
    if (bq_request_parse(&req, p, &err) != 0) {
        FZ_ASSERT(err.status == 400);
        check_error(&err);
        return;
    }
    FZ_ASSERT(req.limit <= BQ_MAX_LIMIT && req.offset <= BQ_MAX_OFFSET);
    FZ_ASSERT(req.q_len <= BQ_MAX_QUERY);
    FZ_ASSERT(!req.q || (strlen(req.q) == req.q_len && bl_utf8_valid(req.q, req.q_len, NULL)));
    FZ_ASSERT(!(req.has_from && req.has_to) || req.from <= req.to);
    FZ_ASSERT(req.interval >= BQ_INTERVAL_AUTO && req.interval <= BQ_INTERVAL_YEAR);

    bq_options opt = { 0 };
    opt.default_lang = "en";
    opt.now = FZ_NOW;
    bl_buf out;
    bl_buf_init(&out, BQ_OUT_CAP);
    if (bq_search(fz_sample_reader(), &req, &opt, &out, &err) == 0) {
        json_t *o = json_loadb(out.data, out.len, 0, NULL);
        FZ_ASSERT(o && json_is_array(json_object_get(o, "hits")));
        FZ_ASSERT(json_array_size(json_object_get(o, "hits")) <= req.limit);
        json_decref(o);
    } else {
        /* Valid parameters on a healthy index fail only for their query's syntax. */
        FZ_ASSERT(err.status == 400 && strcmp(err.code, "query_syntax") == 0);
        check_error(&err);
    }
    bl_buf_release(&out);
}

/* A request target as it came over the wire: refused with a 400 or an out-of-memory 503. */
static void check_target(const char *target, size_t len)
{
    bq_error err;
    memset(&err, 0, sizeof err);
    if (bq_check_target(target, len, &err) != 0) {
        FZ_ASSERT(err.status == 400 || err.status == 503);
        check_error(&err);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    bq_params p;

    /* The bytes as a whole target, and as the query string of /search; with no NUL after them,
     * as the function takes a length. */
    check_target(fz_guarded(data, size), size);
    char *target = malloc(size + 8);
    if (target) {
        memcpy(target, "/search?", 8);
        memcpy(target + 8, data, size);
        check_target(fz_guarded((const uint8_t *)target, size + 8), size + 8);
        free(target);
    }

    bq_params_init(&p);
    params_from_query(&p, s, size);
    run(&p);
    bq_params_release(&p);

    bq_error err;
    memset(&err, 0, sizeof err);
    bq_params_init(&p);
    if (bq_params_from_json(&p, s, size, &err) == 0)
        run(&p);
    else
        check_error(&err);
    bq_params_release(&p);
    return 0;
}
