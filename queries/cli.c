/* cli.c - byline-search: runs the queries/ layer from the terminal, without HTTP. */
#include "byline_queries.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: byline-search --db PATH [options] [QUERY...]\n"
    "\n"
    "Searches a Byline index the way byline-searchd's /search does, and prints the results\n"
    "(or the same JSON with --json). The words of QUERY are joined into one query in Xapian's\n"
    "syntax: AND/OR/NOT, \"phrases\", +must, -mustnot, title:, author:, source:, category:,\n"
    "wildcards (econom*), date ranges (date:2024-01-01..2024-03-31).\n"
    "\n"
    "options (each is the /search parameter of the same name):\n"
    "  -d, --db PATH            the index (repeatable; default: $BYLINE_DB)\n"
    "      --category C         only these categories (repeatable: any of them)\n"
    "      --source S, --author A, --lang L, --tag T   the same for these fields\n"
    "      --from DATE, --to DATE   publication dates, inclusive (2024-03-14, 2024-03, 2024)\n"
    "      --sort relevance|newest|oldest\n"
    "      --recency HALF_LIFE  blend freshness into relevance (12h, 7d, 2w, 1y)\n"
    "      --facets LIST        count category,source,lang,date,author over all matches\n"
    "      --date-interval I    hour, day, week, month, year or auto\n"
    "      --offset N, --limit N   which hits (limit 0-100, default 10)\n"
    "      --collapse           collapse near-duplicate stories\n"
    "      --all                require every word (default: more words rank higher)\n"
    "      --json               print the JSON answer\n"
    "  -h, --help               show this help\n"
    "  -V, --version            show the version\n"
    "\n"
    "exit status: 0 results printed (maybe none), 1 the index could not be opened or\n"
    "searched, 2 a bad option, parameter or query syntax\n";

static int add(bq_params *p, const char *k, const char *v)
{
    return bq_params_add(p, k, v, strlen(v));
}

/* Prints HTML snippet text as plain text, with matches in bold on a terminal. */
static void print_snippet(const char *s, int tty)
{
    static const struct {
        const char *from, *to;
    } map[] = { { "<mark>", "\033[1m" }, { "</mark>", "\033[0m" }, { "&lt;", "<" }, { "&gt;", ">" },
                { "&amp;", "&" },        { "&quot;", "\"" },       { "&#39;", "'" } };
    fputs("    ", stdout);
    while (*s) {
        size_t i;
        for (i = 0; i < sizeof map / sizeof map[0]; i++) {
            size_t n = strlen(map[i].from);
            if (strncmp(s, map[i].from, n) == 0) {
                if (i >= 2 || tty)
                    fputs(map[i].to, stdout);
                s += n;
                break;
            }
        }
        if (i == sizeof map / sizeof map[0]) {
            putchar(*s == '\n' ? ' ' : *s);
            s++;
        }
    }
    putchar('\n');
}

static void print_facets(json_t *facets)
{
    const char *name;
    json_t *v;
    json_object_foreach(facets, name, v)
    {
        json_t *list = json_is_array(v) ? v : json_object_get(v, "buckets");
        printf("%s:", name);
        size_t i;
        json_t *e;
        json_array_foreach(list, i, e)
        {
            if (i >= 15) {
                printf(" ...");
                break;
            }
            json_t *label = json_object_get(e, json_is_array(v) ? "value" : "key");
            printf(" %s (%lld)", json_string_value(label),
                   (long long)json_integer_value(json_object_get(e, "count")));
        }
        printf("\n");
    }
}

static void print_results(const char *text)
{
    json_t *o = json_loads(text, 0, NULL);
    if (!o)
        return;
    int tty = isatty(STDOUT_FILENO);
    long long total = (long long)json_integer_value(json_object_get(o, "total"));
    int exact = strcmp(json_string_value(json_object_get(o, "total_relation")), "eq") == 0;
    const char *query = json_string_value(json_object_get(o, "query"));
    /* The query is shown in quotes unless it is quoted itself (a phrase). */
    int quoted = query && query[0] == '"' && strlen(query) > 1 && query[strlen(query) - 1] == '"';
    printf("%lld %s%s for %s%s%s in %.2f ms\n", total, exact ? "" : "or more ",
           total == 1 && exact ? "match" : "matches", quoted ? "" : "\"", query ? query : "",
           quoted ? "" : "\"", json_real_value(json_object_get(o, "took_ms")));
    json_t *c = json_object_get(o, "corrected_query");
    if (json_is_string(c))
        printf("did you mean: %s\n", json_string_value(c));
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(o, "hits"), i, h)
    {
        const char *date = json_string_value(json_object_get(h, "date"));
        const char *source = json_string_value(json_object_get(h, "source"));
        long long folded = (long long)json_integer_value(json_object_get(h, "collapsed"));
        printf("%3zu. %s\n     %s  %s  %.10s  score %.2f",
               i + 1 + (size_t)json_integer_value(json_object_get(o, "offset")),
               json_string_value(json_object_get(h, "title"))
                   ? json_string_value(json_object_get(h, "title"))
                   : "(no title)",
               json_string_value(json_object_get(h, "id")), source ? source : "-",
               date ? date : "-", json_real_value(json_object_get(h, "score")));
        if (folded > 0)
            printf("  (+%lld like it)", folded);
        printf("\n");
        print_snippet(json_string_value(json_object_get(h, "snippet")), tty);
    }
    json_t *f = json_object_get(o, "facets");
    if (f)
        print_facets(f);
    json_decref(o);
}

int main(int argc, char **argv)
{
    enum {
        O_CATEGORY = 256,
        O_SOURCE,
        O_AUTHOR,
        O_LANG,
        O_TAG,
        O_FROM,
        O_TO,
        O_SORT,
        O_RECENCY,
        O_FACETS,
        O_INTERVAL,
        O_OFFSET,
        O_LIMIT,
        O_COLLAPSE,
        O_ALL,
        O_JSON
    };
    static const struct option longopts[] = {
        { "db", required_argument, NULL, 'd' },
        { "category", required_argument, NULL, O_CATEGORY },
        { "source", required_argument, NULL, O_SOURCE },
        { "author", required_argument, NULL, O_AUTHOR },
        { "lang", required_argument, NULL, O_LANG },
        { "tag", required_argument, NULL, O_TAG },
        { "from", required_argument, NULL, O_FROM },
        { "to", required_argument, NULL, O_TO },
        { "sort", required_argument, NULL, O_SORT },
        { "recency", required_argument, NULL, O_RECENCY },
        { "facets", required_argument, NULL, O_FACETS },
        { "date-interval", required_argument, NULL, O_INTERVAL },
        { "offset", required_argument, NULL, O_OFFSET },
        { "limit", required_argument, NULL, O_LIMIT },
        { "collapse", no_argument, NULL, O_COLLAPSE },
        { "all", no_argument, NULL, O_ALL },
        { "json", no_argument, NULL, O_JSON },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    static const char *const names[] = { "category",      "source", "author", "lang",    "tag",
                                         "from",          "to",     "sort",   "recency", "facets",
                                         "date_interval", "offset", "limit" };
    const char *dbs[16];
    size_t n_dbs = 0;
    int as_json = 0, c;
    bq_params p;
    bq_params_init(&p);
    while ((c = getopt_long(argc, argv, "d:hV", longopts, NULL)) != -1) {
        if (c == 'd') {
            if (n_dbs < 16)
                dbs[n_dbs++] = optarg;
        } else if (c >= O_CATEGORY && c <= O_LIMIT) {
            add(&p, names[c - O_CATEGORY], optarg);
        } else if (c == O_COLLAPSE) {
            add(&p, "collapse", "story");
        } else if (c == O_ALL) {
            add(&p, "match", "all");
        } else if (c == O_JSON) {
            as_json = 1;
        } else if (c == 'h') {
            fputs(usage_text, stdout);
            return 0;
        } else if (c == 'V') {
            printf("byline-search %s (Xapian %s)\n", BYLINE_VERSION, bx_xapian_version());
            return 0;
        } else {
            fputs("Try 'byline-search --help'.\n", stderr);
            return 2;
        }
    }
    if (n_dbs == 0 && getenv("BYLINE_DB"))
        dbs[n_dbs++] = getenv("BYLINE_DB");
    if (n_dbs == 0) {
        fputs("byline-search: no index given: use --db PATH or set BYLINE_DB\n", stderr);
        return 2;
    }
    bl_buf q;
    bl_buf_init(&q, BQ_MAX_QUERY * 2);
    for (int i = optind; i < argc; i++) {
        if (i > optind)
            bl_buf_puts(&q, " ");
        bl_buf_puts(&q, argv[i]);
    }
    add(&p, "q", q.data ? q.data : "");
    bl_buf_release(&q);

    int rc = 0;
    bq_error err;
    bq_request req;
    bx_reader *r = NULL;
    char *oerr = NULL;
    bl_buf out;
    bl_buf_init(&out, BQ_OUT_CAP);
    if (bq_request_parse(&req, &p, &err) != 0) {
        fprintf(stderr, "byline-search: %s\n", err.message);
        rc = 2;
    } else if (bx_reader_open(dbs, n_dbs, 0, &r, &oerr) != BX_OK) {
        fprintf(stderr, "byline-search: %s\n", oerr);
        rc = 1;
    } else {
        bq_options opt = { 0 };
        opt.default_lang = "en";
        if (bq_search(r, &req, &opt, &out, &err) != 0) {
            fprintf(stderr, "byline-search: %s\n", err.message);
            rc = err.status == 400 ? 2 : 1;
        } else if (as_json) {
            fputs(out.data, stdout);
        } else {
            print_results(out.data);
        }
    }
    bx_free(oerr);
    bx_reader_close(r);
    bl_buf_release(&out);
    bq_params_release(&p);
    return rc;
}
