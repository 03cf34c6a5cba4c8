/* stats.c - byline-index stats: what an index holds, for people and for scripts. */
#include "indexer.h"

#include "byline_common.h"

#include <dirent.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The bytes of a database folder, a stub file, or a sharded index's folder (with its
 * shards, `depth` levels down). */
static uint64_t disk_size_at(const char *path, int depth)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0;
    if (!S_ISDIR(st.st_mode))
        return (uint64_t)st.st_size;
    uint64_t total = 0;
    DIR *d = opendir(path);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        if (stat(sub, &st) == 0 && S_ISREG(st.st_mode))
            total += (uint64_t)st.st_size;
        else if (depth > 0 && S_ISDIR(st.st_mode))
            total += disk_size_at(sub, depth - 1);
    }
    closedir(d);
    return total;
}

static uint64_t disk_size(const char *path)
{
    return disk_size_at(path, 1);
}

static json_t *counts_json(const bx_counts *c)
{
    json_t *a = json_array();
    for (size_t i = 0; i < bx_counts_size(c); i++) {
        size_t len;
        const char *v = bx_counts_value(c, i, &len);
        json_array_append_new(a, json_pack("{s:s%,s:I}", "value", v, len, "count",
                                           (json_int_t)bx_counts_count(c, i)));
    }
    return a;
}

static void print_counts(const char *title, const bx_counts *c)
{
    printf("%-12s %zu distinct\n", title, bx_counts_size(c));
    for (size_t i = 0; i < bx_counts_size(c); i++) {
        size_t len;
        const char *v = bx_counts_value(c, i, &len);
        printf("  %-30.*s %llu\n", (int)len, v, (unsigned long long)bx_counts_count(c, i));
    }
}

static uint64_t sum_counts(const bx_counts *c)
{
    uint64_t n = 0;
    for (size_t i = 0; i < bx_counts_size(c); i++)
        n += bx_counts_count(c, i);
    return n;
}

int ix_stats_main(int argc, char **argv)
{
    static const struct option longopts[] = { { "db", required_argument, NULL, 'd' },
                                              { "json", no_argument, NULL, 'j' },
                                              { "help", no_argument, NULL, 'h' },
                                              { NULL, 0, NULL, 0 } };
    const char *db = getenv("BYLINE_DB");
    int as_json = 0, c;
    while ((c = getopt_long(argc, argv, "d:jh", longopts, NULL)) != -1) {
        if (c == 'd') {
            db = optarg;
        } else if (c == 'j') {
            as_json = 1;
        } else if (c == 'h') {
            puts("usage: byline-index stats --db PATH [--json]\n\nPrints the articles, "
                 "languages, categories, sources, date range and size of an index.");
            return 0;
        } else {
            fputs("Try 'byline-index stats --help'.\n", stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr,
                "byline-index: stats takes no other arguments, got '%s'\n"
                "Try 'byline-index stats --help'.\n",
                argv[optind]);
        return 2;
    }
    if (!db || !*db) {
        fputs("byline-index: no index given: use --db PATH or set BYLINE_DB\n", stderr);
        return 2;
    }
    bx_reader *r = NULL;
    char *err = NULL;
    if (bx_reader_open(&db, 1, 0, &r, &err) != BX_OK) {
        fprintf(stderr, "byline-index: %s\n", err ? err : "cannot open index");
        bx_free(err);
        return 1;
    }
    bx_counts *langs = NULL, *cats = NULL, *sources = NULL, *hours = NULL;
    int has_dates = 0;
    int64_t dmin = 0, dmax = 0;
    int rc = 0;
    if (bx_reader_value_counts(r, BX_SLOT_LANG, &langs) != BX_OK ||
        bx_reader_value_counts(r, BX_SLOT_CATEGORIES, &cats) != BX_OK ||
        bx_reader_value_counts(r, BX_SLOT_SOURCE, &sources) != BX_OK ||
        bx_reader_value_counts(r, BX_SLOT_HOUR, &hours) != BX_OK ||
        bx_reader_date_range(r, &has_dates, &dmin, &dmax) != BX_OK) {
        fprintf(stderr, "byline-index: %s\n", bx_reader_errmsg(r));
        rc = 1;
        goto out;
    }
    char from[32], to[32];
    bl_date_format(dmin, from);
    bl_date_format(dmax, to);
    uint64_t docs = bx_reader_doccount(r);
    uint64_t dated = sum_counts(hours);
    if (as_json) {
        json_t *o = json_pack("{s:s,s:I,s:I,s:I,s:I}", "index", db, "articles", (json_int_t)docs,
                              "revision", (json_int_t)bx_reader_revision(r), "size_bytes",
                              (json_int_t)disk_size(db), "dated", (json_int_t)dated);
        json_object_set_new(o, "date_from", has_dates ? json_string(from) : json_null());
        json_object_set_new(o, "date_to", has_dates ? json_string(to) : json_null());
        json_t *shards = json_array();
        for (size_t i = 0; i < bx_reader_shard_count(r); i++)
            json_array_append_new(shards, json_string(bx_reader_shard_name(r, i)));
        json_object_set_new(o, "shards", shards);
        json_object_set_new(o, "common_words", json_integer((json_int_t)bx_reader_common_words(r)));
        json_object_set_new(o, "languages", counts_json(langs));
        json_object_set_new(o, "categories", counts_json(cats));
        json_object_set_new(o, "sources", counts_json(sources));
        char *s = json_dumps(o, JSON_INDENT(2));
        if (s)
            puts(s);
        free(s);
        json_decref(o);
    } else {
        printf("%-12s %s\n", "index", db);
        printf("%-12s %llu\n", "articles", (unsigned long long)docs);
        printf("%-12s %llu\n", "revision", (unsigned long long)bx_reader_revision(r));
        if (bx_reader_shard_count(r) > 1) {
            printf("%-12s %zu:", "shards", bx_reader_shard_count(r));
            for (size_t i = 0; i < bx_reader_shard_count(r); i++)
                printf(" %s", bx_reader_shard_name(r, i));
            putchar('\n');
        }
        printf("%-12s %.1f MB\n", "size", (double)disk_size(db) / 1e6);
        if (has_dates)
            printf("%-12s %s .. %s (%llu dated)\n", "dates", from, to, (unsigned long long)dated);
        else
            printf("%-12s none\n", "dates");
        size_t common = bx_reader_common_words(r);
        printf("%-12s %zu (%s)\n", "common words", common,
               common ? "phrases of two of them are found without word positions"
                      : "none learnt: phrases are found from word positions");
        print_counts("languages", langs);
        print_counts("categories", cats);
        print_counts("sources", sources);
    }
out:
    bx_counts_free(langs);
    bx_counts_free(cats);
    bx_counts_free(sources);
    bx_counts_free(hours);
    bx_reader_close(r);
    return rc;
}
