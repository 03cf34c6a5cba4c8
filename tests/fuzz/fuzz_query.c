/* fuzz_query.c - libFuzzer target: query text through the shim's bx_search (parsing, filters,
 * facets, freshness, collapsing, spelling), snippets and completions, on a small index. */
#include "fuzz_util.h"

#include "byline_common.h"
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

static void check_snippet(bx_results *res, const char *text, size_t len, size_t length)
{
    char *snippet = bx_results_snippet(res, text, len, length);
    FZ_ASSERT(snippet != NULL);
    FZ_ASSERT(bl_utf8_valid(snippet, strlen(snippet), NULL));
    bx_free(snippet);
}

static void search(bx_reader *r, const bx_search_spec *spec)
{
    bx_results *res = NULL;
    bx_status st = bx_search(r, spec, &res);
    if (st != BX_OK) {
        /* A healthy index refuses only the query's syntax. */
        FZ_ASSERT(st == BX_ERR_QUERY && res == NULL);
        FZ_ASSERT(bx_reader_errmsg(r)[0]);
        return;
    }
    size_t n = bx_results_size(res);
    FZ_ASSERT(n <= spec->limit);
    int exact = 0;
    uint64_t total = bx_results_total(res, &exact);
    FZ_ASSERT(!exact || total >= n);
    const char *corrected = bx_results_corrected(res);
    FZ_ASSERT(!corrected || bl_utf8_valid(corrected, strlen(corrected), NULL));
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        FZ_ASSERT(bx_results_data(res, i, &len) != NULL);
    }
    /* Snippets of a long article, with the window placed around the query's words. */
    const char *body = fz_long_body();
    check_snippet(res, body, strlen(body), 200);
    check_snippet(res, body, strlen(body), 30);
    /* The query's own text as the text to cut a snippet from. */
    check_snippet(res, spec->query, spec->query_len, 200);
    check_snippet(res, spec->query, spec->query_len, 16);
    static const unsigned facets[] = { BX_FACET_CATEGORY, BX_FACET_SOURCE, BX_FACET_LANG,
                                       BX_FACET_DATE, BX_FACET_AUTHOR };
    for (size_t f = 0; f < sizeof facets / sizeof facets[0]; f++) {
        const bx_counts *c = bx_results_facet(res, facets[f]);
        for (size_t i = 0; c && i < bx_counts_size(c); i++) {
            size_t len = 0;
            FZ_ASSERT(bx_counts_value(c, i, &len) != NULL);
            FZ_ASSERT(bx_counts_count(c, i) > 0);
        }
    }
    bx_results_free(res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* What the request layer lets through: valid UTF-8 without NUL, at most BQ_MAX_QUERY bytes. */
    size_t len = 0;
    char *text =
        bl_utf8_repair((const char *)data, size > BQ_MAX_QUERY ? BQ_MAX_QUERY : size, &len);
    if (!text)
        return 0;
    bx_reader *r = fz_sample_reader();

    bx_search_spec plain = { 0 };
    plain.query = text;
    plain.query_len = len;
    plain.lang = "en";
    plain.want_correction = 1;
    plain.facets =
        BX_FACET_CATEGORY | BX_FACET_SOURCE | BX_FACET_LANG | BX_FACET_DATE | BX_FACET_AUTHOR;
    plain.limit = 10;
    plain.check_at_least = 1000;
    search(r, &plain);

    static const char *const cats[] = { "business", "Shipping" };
    bx_search_spec filtered = { 0 };
    filtered.query = text;
    filtered.query_len = len;
    filtered.lang = "de";
    filtered.match_all = 1;
    filtered.categories.items = cats;
    filtered.categories.n = 2;
    filtered.has_from = 1;
    filtered.from = 0;
    filtered.sort = BX_SORT_NEWEST;
    filtered.recency_half_life = 7 * 86400;
    filtered.now = FZ_NOW;
    filtered.facets = BX_FACET_CATEGORY | BX_FACET_DATE;
    filtered.collapse = 1;
    filtered.offset = 1;
    filtered.limit = 3;
    search(r, &filtered);

    char **list = NULL;
    size_t n = 0;
    FZ_ASSERT(bx_suggest(r, text, len, 8, &list, &n) == BX_OK);
    FZ_ASSERT(n <= 8);
    for (size_t i = 0; i < n; i++)
        FZ_ASSERT(list[i] && bl_utf8_valid(list[i], strlen(list[i]), NULL));
    bx_strings_free(list, n);
    free(text);
    return 0;
}
