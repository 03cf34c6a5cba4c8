/* test_request.c - unit tests of queries/: parameter validation, JSON bodies, durations. */
#include "byline_queries.h"
#include "testutil.h"

static bq_params params;

static void reset(void)
{
    bq_params_release(&params);
    bq_params_init(&params);
}

static void add(const char *k, const char *v)
{
    bq_params_add(&params, k, v, strlen(v));
}

/* Parses the current parameters, expecting failure naming `param`. */
static void expect_error(const char *param, const char *text, int line)
{
    bq_request req;
    bq_error err;
    memset(&err, 0, sizeof err);
    if (bq_request_parse(&req, &params, &err) == 0) {
        fprintf(stderr, "test_request.c:%d: parse succeeded, expected an error on '%s'\n", line,
                param);
        test_failures++;
        return;
    }
    CHECK_INT(err.status, 400);
    if (strcmp(err.param, param) != 0 || !strstr(err.message, text)) {
        fprintf(stderr, "test_request.c:%d: error param '%s' message '%s', expected '%s' / '%s'\n",
                line, err.param, err.message, param, text);
        test_failures++;
    }
}

static void test_defaults(void)
{
    reset();
    bq_request req;
    bq_error err;
    CHECK_INT(bq_request_parse(&req, &params, &err), 0);
    CHECK_INT(req.limit, 10);
    CHECK_INT(req.offset, 0);
    CHECK_INT(req.sort, BX_SORT_RELEVANCE);
    CHECK_INT(req.facets, 0);
    CHECK(req.q == NULL);
}

static void test_valid(void)
{
    reset();
    add("q", "rail strike");
    add("category", "business");
    add("category", "politics");
    add("lang", "German");
    add("from", "2024-03");
    add("to", "2024");
    add("sort", "newest");
    add("recency", "7d");
    add("facets", "category,date,lang");
    add("date_interval", "week");
    add("offset", "20");
    add("limit", "0");
    add("collapse", "story");
    add("match", "all");
    add("_", "cache-buster");
    bq_request req;
    bq_error err;
    CHECK_INT(bq_request_parse(&req, &params, &err), 0);
    CHECK_STR(req.q, "rail strike");
    CHECK_INT(req.category.n, 2);
    CHECK_STR(req.category.items[1], "politics");
    CHECK_INT(req.lang.n, 1);
    CHECK_STR(req.lang.items[0], "de");
    CHECK_INT(req.has_from, 1);
    CHECK_INT(req.from, bl_date_from_civil(2024, 3, 1, 0, 0, 0));
    CHECK_INT(req.to, bl_date_from_civil(2025, 1, 1, 0, 0, 0) - 1);
    CHECK_INT(req.sort, BX_SORT_NEWEST);
    CHECK_INT(req.recency, 7 * 86400);
    CHECK_INT(req.facets, BX_FACET_CATEGORY | BX_FACET_DATE | BX_FACET_LANG);
    CHECK_INT(req.interval, BQ_INTERVAL_WEEK);
    CHECK_INT(req.offset, 20);
    CHECK_INT(req.limit, 0);
    CHECK_INT(req.collapse, 1);
    CHECK_INT(req.match_all, 1);

    reset();
    add("page", "3");
    add("hits_per_page", "20");
    CHECK_INT(bq_request_parse(&req, &params, &err), 0);
    CHECK_INT(req.offset, 40);
    CHECK_INT(req.limit, 20);
    reset();
    add("offset", "10000");
    add("limit", "100");
    CHECK_INT(bq_request_parse(&req, &params, &err), 0);

    /* qlang: a language Byline stems, by name or code, or the tag of one it does not. */
    reset();
    add("qlang", "German");
    CHECK_INT(bq_request_parse(&req, &params, &err), 0);
    CHECK_STR(req.qlang, "de");
    reset();
    add("qlang", "pl");
    CHECK_INT(bq_request_parse(&req, &params, &err), 0);
    CHECK_STR(req.qlang, "pl");
}

static void test_invalid(void)
{
    reset();
    add("limit", "101");
    expect_error("limit", "from 0 to 100", __LINE__);
    reset();
    add("limit", "-1");
    expect_error("limit", "got '-1'", __LINE__);
    reset();
    add("offset", "10001");
    expect_error("offset", "from 0 to 10000", __LINE__);
    reset();
    add("offset", "1e3");
    expect_error("offset", "got '1e3'", __LINE__);
    reset();
    add("sort", "popular");
    expect_error("sort", "relevance, newest or oldest", __LINE__);
    reset();
    add("from", "yesterday");
    expect_error("from", "must be a date", __LINE__);
    reset();
    add("from", "2024-05-01");
    add("to", "2024-04-01");
    expect_error("from", "after 'to'", __LINE__);
    reset();
    add("facets", "category,colour");
    expect_error("facets", "unknown facet 'colour'", __LINE__);
    reset();
    add("recency", "7 days");
    expect_error("recency", "half-life", __LINE__);
    reset();
    add("date_interval", "decade");
    expect_error("date_interval", "hour, day, week", __LINE__);
    reset();
    add("lang", "klingon");
    expect_error("lang", "unknown language", __LINE__);
    reset();
    add("qlang", "klingon");
    expect_error("qlang", "unknown language 'klingon'", __LINE__);
    reset();
    add("qlang", "");
    expect_error("qlang", "unknown language ''", __LINE__);
    reset();
    add("qq", "typo");
    expect_error("qq", "unknown parameter 'qq'", __LINE__);
    reset();
    add("q", "caf\xe9");
    expect_error("q", "not valid UTF-8", __LINE__);
    reset();
    add("page", "0");
    expect_error("page", "from 1", __LINE__);
    reset();
    add("collapse", "yes");
    expect_error("collapse", "story or none", __LINE__);
    reset();
    char big[BQ_MAX_QUERY + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    add("q", big);
    expect_error("q", "too long", __LINE__);
    reset();
    for (int i = 0; i < BQ_MAX_LIST + 1; i++)
        add("category", "c");
    expect_error("category", "too many values", __LINE__);
    reset();
    for (int i = 0; i < BQ_MAX_PARAMS + 1; i++)
        add("_x", "1");
    expect_error("", "too many parameters", __LINE__);
}

static void test_json_body(void)
{
    reset();
    bq_error err;
    const char *body = "{\"q\":\"oil\",\"category\":[\"crude\",\"gas\"],\"limit\":5,\"collapse\":"
                       "\"story\",\"facets\":[\"category\",\"date\"],\"lang\":null}";
    CHECK_INT(bq_params_from_json(&params, body, strlen(body), &err), 0);
    bq_request req;
    CHECK_INT(bq_request_parse(&req, &params, &err), 0);
    CHECK_STR(req.q, "oil");
    CHECK_INT(req.category.n, 2);
    CHECK_INT(req.limit, 5);
    CHECK_INT(req.facets, BX_FACET_CATEGORY | BX_FACET_DATE);
    reset();
    CHECK_INT(bq_params_from_json(&params, "{\"q\":", 5, &err), -1);
    CHECK_STR(err.code, "invalid_json");
    CHECK_INT(err.status, 400);
    reset();
    CHECK_INT(bq_params_from_json(&params, "[1]", 3, &err), -1);
    CHECK_CONTAINS(err.message, "must be an object");
    reset();
    CHECK_INT(bq_params_from_json(&params, "{\"q\":{\"a\":1}}", 13, &err), -1);
    CHECK_STR(err.param, "q");
    reset();
    CHECK_INT(bq_params_from_json(&params, "{\"category\":[[1]]}", 18, &err), -1);
    CHECK_STR(err.param, "category");
}

static void test_durations_and_errors(void)
{
    CHECK_INT(bq_parse_duration("12h"), 12 * 3600);
    CHECK_INT(bq_parse_duration("2w"), 14 * 86400);
    CHECK_INT(bq_parse_duration("1y"), 365 * 86400);
    CHECK_INT(bq_parse_duration("7"), -1);
    CHECK_INT(bq_parse_duration("0d"), -1);
    CHECK_INT(bq_parse_duration("d"), -1);
    CHECK_INT(bq_parse_duration("5dd"), -1);
    bq_error err;
    bq_error_set(&err, 400, "invalid_parameter", "limit", "limit must be %d", 5);
    bl_buf b;
    bl_buf_init(&b, 4096);
    bq_error_json(&err, &b);
    CHECK_STR(b.data, "{\"error\":{\"code\":\"invalid_parameter\",\"message\":\"limit must be 5\","
                      "\"param\":\"limit\"}}");
    bq_error_set(&err, 404, "not_found", "", "no such route");
    bq_error_json(&err, &b);
    CHECK_CONTAINS(b.data, "\"param\":null");
    bl_buf_release(&b);
    bq_error_from_status(&err, BX_ERR_QUERY, "bad");
    CHECK_INT(err.status, 400);
    bq_error_from_status(&err, BX_ERR_OPENING, "gone");
    CHECK_INT(err.status, 503);
}

/* Checks a raw request target: 0 when valid, else the status, parameter and message. */
static void check_target(const char *target, int want_ok, const char *param, const char *text,
                         int line)
{
    bq_error err;
    memset(&err, 0, sizeof err);
    int rc = bq_check_target(target, strlen(target), &err);
    if (want_ok ? rc != 0 : rc == 0) {
        fprintf(stderr, "test_request.c:%d: '%s': %s\n", line, target,
                want_ok ? err.message : "accepted, expected a 400");
        test_failures++;
        return;
    }
    if (!want_ok &&
        (err.status != 400 || strcmp(err.param, param) != 0 || !strstr(err.message, text))) {
        fprintf(stderr,
                "test_request.c:%d: '%s': %d param '%s' message '%s', expected 400 '%s' / '%s'\n",
                line, target, err.status, err.param, err.message, param, text);
        test_failures++;
    }
}

static void test_raw_targets(void)
{
    check_target("/search", 1, "", "", __LINE__);
    check_target("/search?", 1, "", "", __LINE__);
    check_target("/search?q=rail+strike&limit=5&&x", 1, "", "", __LINE__);
    check_target("/search?q=H%C3%A4user%20%2B%2b", 1, "", "", __LINE__);
    check_target("/articles/wire%2F2024%2F7", 1, "", "", __LINE__);
    check_target("/%2e%2e/%2e%2e/etc/passwd", 1, "", "", __LINE__); /* valid: routing says 404 */
    check_target("/search?q=%zz", 0, "q", "invalid percent-encoding: '%zz'", __LINE__);
    check_target("/search?q=50%", 0, "q", "invalid percent-encoding: '%'", __LINE__);
    check_target("/search?q=%4", 0, "q", "invalid percent-encoding: '%4'", __LINE__);
    check_target("/search?limit=5&q=%4g", 0, "q", "invalid percent-encoding", __LINE__);
    check_target("/search?q=%C3%28", 0, "q", "not valid UTF-8", __LINE__);
    check_target("/search?q=%ED%A0%80", 0, "q", "not valid UTF-8", __LINE__); /* a surrogate */
    check_target("/search?q=%C0%AF", 0, "q", "not valid UTF-8", __LINE__);    /* overlong '/' */
    check_target("/search?q=a%00b", 0, "q", "NUL byte", __LINE__);
    check_target("/search?q=\xff", 0, "q", "not valid UTF-8", __LINE__);
    check_target("/search?%zz=1", 0, "", "parameter name has invalid percent-encoding", __LINE__);
    check_target("/search?%FF=1", 0, "", "parameter name is not valid UTF-8", __LINE__);
    check_target("/art%zzicles/x", 0, "", "path has invalid percent-encoding", __LINE__);
    check_target("/articles/%FF", 0, "", "path is not valid UTF-8", __LINE__);
    check_target("/articles/%00", 0, "", "path is not valid UTF-8", __LINE__);
    /* A long parameter name is cut to fit err.param. */
    check_target("/search?aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=%zz", 0,
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "invalid percent-encoding", __LINE__);
}

int main(void)
{
    bq_params_init(&params);
    test_defaults();
    test_valid();
    test_invalid();
    test_json_body();
    test_durations_and_errors();
    test_raw_targets();
    bq_params_release(&params);
    return test_report("test_request");
}
