/* query_tool.c - a test helper: searches an index through the shim and prints what the
 * indexer tests check (ids of hits, totals, facet counts, stored articles). */
#include "byline_xapian.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
    fputs("usage: query_tool DB search [--lang L] [--limit N] QUERY   (ids of hits)\n"
          "       query_tool DB total QUERY                         (number of matches)\n"
          "       query_tool DB facet category|source|lang QUERY     (value count lines)\n"
          "       query_tool DB get ID                              (stored record)\n",
          stderr);
    return 2;
}

static int print_ids(bx_results *res)
{
    for (size_t i = 0; i < bx_results_size(res); i++) {
        size_t len;
        const char *d = bx_results_data(res, i, &len);
        bx_record rec;
        bx_record_split(d, len, &rec);
        json_t *o = json_loadb(rec.hit, rec.hit_len, 0, NULL);
        const char *id = json_string_value(json_object_get(o, "id"));
        printf("%s\n", id ? id : "?");
        json_decref(o);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4)
        return usage();
    const char *paths[] = { argv[1] };
    bx_reader *r = NULL;
    char *err = NULL;
    if (bx_reader_open(paths, 1, 0, &r, &err) != BX_OK) {
        fprintf(stderr, "query_tool: %s\n", err);
        bx_free(err);
        return 1;
    }
    const char *cmd = argv[2];
    bx_search_spec s;
    memset(&s, 0, sizeof s);
    s.limit = 100000;
    int i = 3;
    unsigned facet = 0;
    if (strcmp(cmd, "get") == 0) {
        char *data = NULL;
        size_t len = 0;
        int rc = bx_reader_get(r, argv[3], strlen(argv[3]), &data, &len) == BX_OK ? 0 : 1;
        if (data) {
            /* The stored record as one JSON object: both field parts and the body. */
            bx_record rec;
            bx_record_split(data, len, &rec);
            json_t *o = json_loadb(rec.hit, rec.hit_len, 0, NULL);
            json_t *more = json_loadb(rec.more, rec.more_len, 0, NULL);
            const char *key;
            json_t *v;
            void *tmp;
            json_object_foreach_safe(o, tmp, key, v) if (json_is_null(v)) json_object_del(o, key);
            json_object_update(o, more);
            if (rec.body_len)
                json_object_set_new(o, "body", json_stringn(rec.body, rec.body_len));
            char *text = json_dumps(o, JSON_COMPACT);
            printf("%s\n", text ? text : "null");
            free(text);
            json_decref(o);
            json_decref(more);
        }
        bx_free(data);
        bx_reader_close(r);
        return rc;
    }
    if (strcmp(cmd, "facet") == 0) {
        facet = strcmp(argv[3], "category") == 0 ? BX_FACET_CATEGORY
                : strcmp(argv[3], "source") == 0 ? BX_FACET_SOURCE
                                                 : BX_FACET_LANG;
        s.facets = facet;
        s.limit = 0;
        i = 4;
    }
    for (; i < argc - 1; i += 2) {
        if (strcmp(argv[i], "--lang") == 0)
            s.lang = argv[i + 1];
        else if (strcmp(argv[i], "--limit") == 0)
            s.limit = (unsigned)atoi(argv[i + 1]);
        else
            return usage();
    }
    if (i >= argc)
        return usage();
    s.query = argv[i];
    s.query_len = strlen(argv[i]);
    if (strcmp(cmd, "total") == 0) {
        s.limit = 0;
        s.check_at_least = (unsigned)bx_reader_doccount(r);
    }
    bx_results *res = NULL;
    if (bx_search(r, &s, &res) != BX_OK) {
        fprintf(stderr, "query_tool: %s\n", bx_reader_errmsg(r));
        bx_reader_close(r);
        return 1;
    }
    if (strcmp(cmd, "total") == 0) {
        printf("%llu\n", (unsigned long long)bx_results_total(res, NULL));
    } else if (facet) {
        const bx_counts *c = bx_results_facet(res, facet);
        for (size_t k = 0; k < bx_counts_size(c); k++)
            printf("%s %llu\n", bx_counts_value(c, k, NULL),
                   (unsigned long long)bx_counts_count(c, k));
    } else {
        print_ids(res);
    }
    bx_results_free(res);
    bx_reader_close(r);
    return 0;
}
