/* http.c - byline-searchd's HTTP side: routing, CORS, limits, access log, shutdown. */
#include "searchd.h"

#include <errno.h>
#include <microhttpd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

extern const unsigned char sd_openapi_json[];
extern const size_t sd_openapi_json_len;
extern const unsigned char sd_web_index_html[], sd_web_app_js[], sd_web_app_css[],
    sd_web_widget_js[], sd_web_favicon_svg[], sd_web_opensearch_xml[];
extern const size_t sd_web_index_html_len, sd_web_app_js_len, sd_web_app_css_len,
    sd_web_widget_js_len, sd_web_favicon_svg_len, sd_web_opensearch_xml_len;

#define JSON_TYPE "application/json; charset=utf-8"

/* Per-request state, from the first callback to the completion callback. */
typedef struct request {
    double t0;
    int route;
    unsigned status;
    size_t bytes;
    int is_post;
    char method[8];
    char path[256];
    bl_buf body;
    int body_too_large;
    int started;       /* the access handler has seen this request */
    size_t target_len; /* bytes of the request target as sent */
    int bad_target;    /* the target failed bq_check_target: target_err says why */
    bq_error target_err;
} request;

static const sd_config *config;
static _Atomic int in_flight;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Adds Access-Control-Allow-Origin when the request's Origin is allowed. */
static void add_cors(struct MHD_Connection *c, struct MHD_Response *resp)
{
    if (!config->n_origins)
        return;
    MHD_add_response_header(resp, "Vary", "Origin");
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    if (!origin)
        return;
    for (size_t i = 0; i < config->n_origins; i++) {
        if (strcmp(config->origins[i], "*") == 0) {
            MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
            return;
        }
        if (strcmp(config->origins[i], origin) == 0) {
            MHD_add_response_header(resp, "Access-Control-Allow-Origin", origin);
            return;
        }
    }
}

/* Queues a response taking ownership of body (malloc'd; freed by libmicrohttpd). */
static enum MHD_Result send_body(struct MHD_Connection *c, request *rq, unsigned status,
                                 const char *type, char *body, size_t len)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    if (type)
        MHD_add_response_header(resp, "Content-Type", type);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (status == 405)
        MHD_add_response_header(
            resp, "Allow", rq->route == SD_ROUTE_SEARCH ? "GET, POST, OPTIONS" : "GET, OPTIONS");
    add_cors(c, resp);
    rq->status = status;
    rq->bytes = len;
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result send_buf(struct MHD_Connection *c, request *rq, unsigned status,
                                const char *type, bl_buf *b)
{
    size_t len = 0;
    char *data = bl_buf_detach(b, &len);
    if (!data)
        return MHD_NO;
    return send_body(c, rq, status, type, data, len);
}

static enum MHD_Result send_error(struct MHD_Connection *c, request *rq, const bq_error *err)
{
    bl_buf out;
    bl_buf_init(&out, 4096);
    bq_error_json(err, &out);
    bl_buf_puts(&out, "\n");
    return send_buf(c, rq, (unsigned)err->status, JSON_TYPE, &out);
}

static enum MHD_Result send_status(struct MHD_Connection *c, request *rq, int status,
                                   const char *code, const char *what, const char *subject)
{
    bq_error err;
    bq_error_set(&err, status, code, "", "%s '%.200s'", what, subject);
    return send_error(c, rq, &err);
}

/* After a request failed while reading the index: a server-side failure (5xx) is logged with
 * its details, which may name files, and the client gets a message without them; this thread
 * opens the index anew on its next request. Client errors (4xx) pass unchanged. */
static void reading_failed(const request *rq, bq_error *err)
{
    if (err->status < 500)
        return;
    fprintf(stderr, "byline-searchd: %s %s: %s\n", rq->method, rq->path, err->message);
    sd_reader_failed();
    char code[sizeof err->code];
    snprintf(code, sizeof code, "%s", err->code);
    bq_error_set(err, err->status, code, "", "%s",
                 err->status == 503 ? "cannot read the index: try again shortly"
                                    : "internal error: see the daemon's log");
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    (void)key_size;
    bq_params *p = cls;
    bq_params_add(p, key, value ? value : "", value ? value_size : 0);
    return MHD_YES;
}

static void query_params(struct MHD_Connection *c, bq_params *p)
{
    MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, collect_arg, p);
}

static enum MHD_Result handle_search(struct MHD_Connection *c, request *rq)
{
    bq_params p;
    bq_params_init(&p);
    bq_error err;
    bq_request req;
    enum MHD_Result ret;
    bl_buf out;
    bl_buf_init(&out, BQ_OUT_CAP);
    int ok = 1;
    if (rq->is_post) {
        if (rq->body_too_large) {
            bq_error_set(&err, 413, "body_too_large", "", "request body is larger than %zu bytes",
                         config->max_body);
            ok = 0;
        } else if (bq_params_from_json(&p, rq->body.data ? rq->body.data : "", rq->body.len,
                                       &err) != 0) {
            ok = 0;
        }
    } else {
        query_params(c, &p);
    }
    bx_reader *r = NULL;
    if (ok && bq_request_parse(&req, &p, &err) != 0)
        ok = 0;
    if (ok && !(r = sd_reader(config, &err)))
        ok = 0;
    if (ok) {
        bq_options opt = { 0 };
        opt.default_lang = config->default_lang;
        opt.time_limit_ms = config->time_limit_ms;
        if (bq_search(r, &req, &opt, &out, &err) != 0) {
            reading_failed(rq, &err);
            ok = 0;
        }
        /* A remote shard failed: once more on a fresh reader, which leaves it out
         * (--allow-partial) or connects anew (it may have restarted). */
        if (!ok && err.status == 503 && (r = sd_reader(config, &err)) != NULL) {
            ok = bq_search(r, &req, &opt, &out, &err) == 0;
            if (!ok)
                reading_failed(rq, &err);
        }
        if (!ok)
            sd_name_down_shards(&err);
        else
            sd_mark_partial(r, &out);
    }
    ret = ok ? send_buf(c, rq, 200, JSON_TYPE, &out) : send_error(c, rq, &err);
    bl_buf_release(&out);
    bq_params_release(&p);
    return ret;
}

/* /articles/{id} and /articles/{id}/related. */
static enum MHD_Result handle_article(struct MHD_Connection *c, request *rq, const char *rest)
{
    bq_error err;
    bl_buf out;
    bl_buf_init(&out, BQ_OUT_CAP);
    bq_params p;
    bq_params_init(&p);
    size_t n = strlen(rest);
    const char *suffix = "/related";
    int related = n > strlen(suffix) && strcmp(rest + n - strlen(suffix), suffix) == 0;
    char *id = strndup(rest, related ? n - strlen(suffix) : n);
    int ok = id != NULL && *id;
    if (!ok)
        bq_error_set(&err, 404, "not_found", "", "no article id in the path");
    bx_reader *r = NULL;
    if (ok && !(r = sd_reader(config, &err)))
        ok = 0;
    if (ok && related) {
        query_params(c, &p);
        ok = bq_related(r, id, &p, &out, &err) == 0;
    } else if (ok) {
        ok = bq_article(r, id, &out, &err) == 0;
    }
    if (!ok && r)
        reading_failed(rq, &err);
    enum MHD_Result ret = ok ? send_buf(c, rq, 200, JSON_TYPE, &out) : send_error(c, rq, &err);
    free(id);
    bq_params_release(&p);
    bl_buf_release(&out);
    return ret;
}

/* GET /suggest, and GET /opensearch/suggest: the same completions in OpenSearch's suggestion
 * format, ["rail st", ["rail strike", ...]], for browsers that added Byline as a search engine. */
static enum MHD_Result handle_suggest(struct MHD_Connection *c, request *rq, int opensearch)
{
    bq_error err;
    bl_buf out;
    bl_buf_init(&out, 64 * 1024);
    bq_params p;
    bq_params_init(&p);
    query_params(c, &p);
    bx_reader *r = sd_reader(config, &err);
    int ok = r && bq_suggest(r, &p, opensearch, &out, &err) == 0;
    if (!ok && r)
        reading_failed(rq, &err);
    const char *type = opensearch ? "application/x-suggestions+json; charset=utf-8" : JSON_TYPE;
    enum MHD_Result ret = ok ? send_buf(c, rq, 200, type, &out) : send_error(c, rq, &err);
    bq_params_release(&p);
    bl_buf_release(&out);
    return ret;
}

static enum MHD_Result handle_health(struct MHD_Connection *c, request *rq)
{
    bq_error err;
    bx_reader *r = sd_reader(config, &err);
    bl_buf out;
    bl_buf_init(&out, 4096);
    if (!r) {
        /* {"status": "unavailable", "reason": "missing", "error": {"code", "message", "param"}} */
        bq_error_json(&err, &out);
        bl_buf reply;
        bl_buf_init(&reply, 8192);
        bl_buf_printf(&reply, "{\"status\":\"unavailable\",\"reason\":\"%s\",", sd_reader_reason());
        bl_buf_append(&reply, out.data + 1, out.len - 1);
        bl_buf_puts(&reply, "\n");
        bl_buf_release(&out);
        return send_buf(c, rq, 503, JSON_TYPE, &reply);
    }
    bl_buf_printf(&out, "{\"status\":\"ok\",\"documents\":%llu,\"revision\":%llu}\n",
                  (unsigned long long)bx_reader_doccount(r),
                  (unsigned long long)bx_reader_revision(r));
    sd_mark_partial(r, &out);
    return send_buf(c, rq, 200, JSON_TYPE, &out);
}

static enum MHD_Result handle_metrics(struct MHD_Connection *c, request *rq)
{
    bq_error err;
    bx_reader *r = sd_reader(config, &err);
    bl_buf out;
    bl_buf_init(&out, 256 * 1024);
    sd_metrics_render(&out, r ? bx_reader_doccount(r) : 0, r ? bx_reader_revision(r) : 0,
                      config->doc_cache, config->facet_columns);
    return send_buf(c, rq, 200, "text/plain; version=0.0.4; charset=utf-8", &out);
}

/* The search page and its assets, built in from searchd/web/. */
typedef struct asset {
    const char *path;
    const char *type;
    const unsigned char *data;
    const size_t *len;
} asset;

static const asset assets[] = {
    { "/", "text/html; charset=utf-8", sd_web_index_html, &sd_web_index_html_len },
    { "/app.js", "text/javascript; charset=utf-8", sd_web_app_js, &sd_web_app_js_len },
    { "/app.css", "text/css; charset=utf-8", sd_web_app_css, &sd_web_app_css_len },
    { "/widget.js", "text/javascript; charset=utf-8", sd_web_widget_js, &sd_web_widget_js_len },
    { "/favicon.svg", "image/svg+xml", sd_web_favicon_svg, &sd_web_favicon_svg_len },
    { "/opensearch.xml", "application/opensearchdescription+xml; charset=utf-8",
      sd_web_opensearch_xml, &sd_web_opensearch_xml_len },
    { "/openapi.json", JSON_TYPE, sd_openapi_json, &sd_openapi_json_len },
};

/* The page runs only its own script and styles, talks only to this daemon and cannot be
 * framed; Trusted Types make any HTML-string sink (innerHTML and the like) throw. */
#define PAGE_CSP                                                                                   \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "                    \
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "            \
    "require-trusted-types-for 'script'; trusted-types 'none'"

static const asset *asset_of(const char *url)
{
    for (size_t i = 0; i < sizeof assets / sizeof assets[0]; i++)
        if (strcmp(url, assets[i].path) == 0)
            return &assets[i];
    return NULL;
}

/* Writes this daemon's address as the client reached it ("http://host:port") for the absolute
 * URLs OpenSearch needs: from X-Forwarded-Host or Host, and X-Forwarded-Proto, trusted only
 * when they hold nothing but host-name characters. */
static void base_url(struct MHD_Connection *c, char *out, size_t n)
{
    static const char host_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                     "0123456789.-:[]";
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-Host");
    if (!host)
        host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (!host || !*host || strlen(host) > 255 || host[strspn(host, host_chars)] != '\0')
        host = "localhost";
    const char *proto = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-Proto");
    snprintf(out, n, "%s://%s", proto && strcmp(proto, "https") == 0 ? "https" : "http", host);
}

/* The OpenSearch description with its @BASE@ marks replaced by base_url(): malloc'd, its length
 * in *len; NULL when out of memory. */
static char *opensearch_xml(struct MHD_Connection *c, const asset *a, size_t *len)
{
    char base[300];
    base_url(c, base, sizeof base);
    bl_buf out;
    bl_buf_init(&out, 64 * 1024);
    const char *p = (const char *)a->data, *end = p + *a->len;
    int ok = 1;
    for (;;) {
        const char *mark = memmem(p, (size_t)(end - p), "@BASE@", 6);
        if (!mark)
            break;
        if (bl_buf_append(&out, p, (size_t)(mark - p)) != 0 || bl_buf_puts(&out, base) != 0)
            ok = 0;
        p = mark + 6;
    }
    if (bl_buf_append(&out, p, (size_t)(end - p)) != 0)
        ok = 0;
    char *text = ok ? bl_buf_detach(&out, len) : NULL;
    bl_buf_release(&out);
    return text;
}

/* GET of the page or one of its assets. The page gets the Content-Security-Policy. */
static enum MHD_Result handle_asset(struct MHD_Connection *c, request *rq, const asset *a)
{
    struct MHD_Response *resp;
    size_t len = *a->len;
    if (strcmp(a->path, "/opensearch.xml") == 0) {
        char *text = opensearch_xml(c, a, &len);
        resp = text ? MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE) : NULL;
        if (!resp)
            free(text);
    } else {
        resp = MHD_create_response_from_buffer(len, (void *)a->data, MHD_RESPMEM_PERSISTENT);
    }
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", a->type);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    if (strcmp(a->path, "/") == 0)
        MHD_add_response_header(resp, "Content-Security-Policy", PAGE_CSP);
    add_cors(c, resp);
    rq->status = 200;
    rq->bytes = len;
    enum MHD_Result ret = MHD_queue_response(c, 200, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result handle_preflight(struct MHD_Connection *c, request *rq)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    add_cors(c, resp);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Access-Control-Allow-Methods",
                            rq->route == SD_ROUTE_SEARCH ? "GET, POST, OPTIONS" : "GET, OPTIONS");
    MHD_add_response_header(resp, "Access-Control-Allow-Headers", "Content-Type");
    MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
    rq->status = 204;
    enum MHD_Result ret = MHD_queue_response(c, 204, resp);
    MHD_destroy_response(resp);
    return ret;
}

int sd_route_of(const char *url)
{
    if (strcmp(url, "/search") == 0)
        return SD_ROUTE_SEARCH;
    if (strncmp(url, "/articles/", 10) == 0) {
        size_t n = strlen(url);
        return n > 18 && strcmp(url + n - 8, "/related") == 0 ? SD_ROUTE_RELATED : SD_ROUTE_ARTICLE;
    }
    if (strcmp(url, "/suggest") == 0)
        return SD_ROUTE_SUGGEST;
    if (strcmp(url, "/health") == 0)
        return SD_ROUTE_HEALTH;
    if (strcmp(url, "/metrics") == 0)
        return SD_ROUTE_METRICS;
    if (strcmp(url, "/openapi.json") == 0)
        return SD_ROUTE_OPENAPI;
    if (strcmp(url, "/opensearch/suggest") == 0)
        return SD_ROUTE_SUGGEST;
    if (asset_of(url))
        return SD_ROUTE_PAGE;
    return SD_ROUTE_OTHER;
}

static enum MHD_Result dispatch(struct MHD_Connection *c, request *rq, const char *url,
                                const char *method)
{
    int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (rq->bad_target)
        return send_error(c, rq, &rq->target_err);
    if (strcmp(method, "OPTIONS") == 0 && rq->route != SD_ROUTE_OTHER) {
        enum MHD_Result ret = handle_preflight(c, rq);
        rq->route = SD_ROUTE_PREFLIGHT;
        return ret;
    }
    if (rq->route == SD_ROUTE_OTHER)
        return send_status(c, rq, 404, "not_found", "no such route:", url);
    if (!get && !(rq->route == SD_ROUTE_SEARCH && rq->is_post))
        return send_status(c, rq, 405, "method_not_allowed",
                           "method not allowed on this route:", method);
    switch (rq->route) {
    case SD_ROUTE_SEARCH:
        return handle_search(c, rq);
    case SD_ROUTE_ARTICLE:
    case SD_ROUTE_RELATED:
        return handle_article(c, rq, url + 10);
    case SD_ROUTE_SUGGEST:
        return handle_suggest(c, rq, strcmp(url, "/suggest") != 0);
    case SD_ROUTE_HEALTH:
        return handle_health(c, rq);
    case SD_ROUTE_METRICS:
        return handle_metrics(c, rq);
    case SD_ROUTE_OPENAPI:
        return handle_asset(c, rq, asset_of(url));
    case SD_ROUTE_PAGE:
        return handle_asset(c, rq, asset_of(url));
    default:
        return send_status(c, rq, 404, "not_found", "no such route:", url);
    }
}

/* libmicrohttpd's first look at a request: its target exactly as sent, before it decodes the
 * path and the parameters (keeping invalid escapes as they are). Returns the per-request state,
 * which the access handler fills in and on_completed frees. */
static void *on_target(void *cls, const char *target, struct MHD_Connection *c)
{
    (void)cls;
    (void)c;
    request *rq = calloc(1, sizeof *rq);
    if (!rq)
        return NULL;
    rq->t0 = now_ms();
    rq->target_len = strlen(target);
    if (rq->target_len <= config->max_url &&
        bq_check_target(target, rq->target_len, &rq->target_err) != 0)
        rq->bad_target = 1;
    return rq;
}

static enum MHD_Result add_header_size(void *cls, enum MHD_ValueKind kind, const char *key,
                                       size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    (void)key;
    (void)value;
    *(size_t *)cls += key_size + value_size + 4; /* "key: value\r\n" */
    return MHD_YES;
}

/* The size limits, checked once the request line and headers are in: 414 for a long target,
 * 431 for large headers, 413 for a declared body over the limit (refused before it is read).
 * Returns 0 when the request is within them, else the status with err set. */
static int size_refusal(struct MHD_Connection *c, const request *rq, bq_error *err)
{
    if (rq->target_len > config->max_url) {
        bq_error_set(err, 414, "uri_too_long", "", "request target is longer than %zu bytes",
                     config->max_url);
        return 414;
    }
    size_t header_bytes = 0;
    MHD_get_connection_values_n(c, MHD_HEADER_KIND, add_header_size, &header_bytes);
    if (header_bytes > config->max_headers) {
        bq_error_set(err, 431, "headers_too_large", "", "request headers are larger than %zu bytes",
                     config->max_headers);
        return 431;
    }
    const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if (length && strtoull(length, NULL, 10) > config->max_body) {
        bq_error_set(err, 413, "body_too_large", "", "request body is larger than %zu bytes",
                     config->max_body);
        return 413;
    }
    return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)cls;
    (void)version;
    request *rq = *con_cls;
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        rq->t0 = now_ms();
        *con_cls = rq;
    }
    if (!rq->started) {
        /* First call: only set up. Answering on a later call keeps the connection alive; a
         * request over the size limits is answered now, and its connection closed. */
        rq->started = 1;
        rq->route = sd_route_of(url);
        rq->is_post = strcmp(method, "POST") == 0;
        snprintf(rq->method, sizeof rq->method, "%s", method);
        snprintf(rq->path, sizeof rq->path, "%s", url);
        bl_buf_init(&rq->body, config->max_body);
        atomic_fetch_add(&in_flight, 1);
        bq_error err;
        if (size_refusal(c, rq, &err) != 0)
            return send_error(c, rq, &err);
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!rq->body_too_large && bl_buf_append(&rq->body, upload_data, *upload_data_size) != 0)
            rq->body_too_large = 1;
        *upload_data_size = 0;
        return MHD_YES;
    }
    return dispatch(c, rq, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)toe;
    request *rq = *con_cls;
    if (!rq)
        return;
    *con_cls = NULL;
    if (!rq->started) { /* refused by libmicrohttpd before the access handler saw it */
        free(rq);
        return;
    }
    double ms = now_ms() - rq->t0;
    sd_metrics_record(rq->route, rq->status, ms);
    if (config->access_log) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        char addr[INET6_ADDRSTRLEN] = "-";
        if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, addr,
                      sizeof addr);
        char when[32];
        bl_date_format((int64_t)time(NULL), when);
        fprintf(config->access_log, "%s %s %s %s %u %zu %.3fms\n", when, addr, rq->method, rq->path,
                rq->status, rq->bytes, ms);
        fflush(config->access_log);
    }
    bl_buf_release(&rq->body);
    free(rq);
    atomic_fetch_sub(&in_flight, 1);
}

int sd_serve(const sd_config *cfg, const char *port_file)
{
    config = cfg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* the HTTP threads inherit this mask */
    signal(SIGPIPE, SIG_IGN);

    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)cfg->port);
    if (inet_pton(AF_INET, cfg->bind, &addr.sin_addr) != 1) {
        fprintf(stderr, "byline-searchd: bad --bind address '%s'\n", cfg->bind);
        return 2;
    }
    /* Room for the request line and headers at their limits: past it libmicrohttpd answers 414
     * or 431 itself. */
    size_t memory = cfg->max_url + cfg->max_headers + 16 * 1024;
    if (memory < 64 * 1024)
        memory = 64 * 1024;
    errno = 0;
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_TURBO,
        (uint16_t)cfg->port, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, &addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, NULL, MHD_OPTION_URI_LOG_CALLBACK, on_target, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout_s, MHD_OPTION_CONNECTION_LIMIT,
        cfg->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->per_ip_limit,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, memory, MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
        MHD_OPTION_END);
    if (!d) {
        int e = errno; /* what bind() or listen() said, when libmicrohttpd kept it */
        fprintf(stderr, "byline-searchd: cannot listen on %s:%u%s%s\n", cfg->bind, cfg->port,
                e ? ": " : "", e ? strerror(e) : "");
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info ? info->port : cfg->port;
    fprintf(stderr, "byline-searchd: listening on http://%s:%u/ (%u threads)\n", cfg->bind, port,
            cfg->threads);
    if (port_file) {
        FILE *f = fopen(port_file, "w");
        if (f) {
            fprintf(f, "%u\n", port);
            fclose(f);
        }
    }
    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "byline-searchd: %s received; finishing requests in flight\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    MHD_quiesce_daemon(d);
    for (int i = 0; i < 1000 && atomic_load(&in_flight) > 0; i++)
        usleep(10000);
    MHD_stop_daemon(d);
    sd_readers_close_all();
    fprintf(stderr, "byline-searchd: stopped\n");
    return 0;
}
