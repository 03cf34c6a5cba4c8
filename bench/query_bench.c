/* query_bench.c - in-process speed of searches through queries/ (no HTTP): latency (p50/p95/p99
 * per label of a query file of "label<TAB>query string" lines) or, with -c, queries/s with
 * several threads searching at once, each with its own reader. */
#include "byline_queries.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_QUERIES 4096
#define MAX_LABELS  16
#define MAX_CLIENTS 64

typedef struct query_file {
    char *labels[MAX_QUERIES];
    char *lines[MAX_QUERIES];
    size_t n;
} query_file;

typedef struct label_times {
    char label[32];
    double *t;
    size_t n;
} label_times;

/* One searching thread of the throughput mode. */
typedef struct client {
    const char *db;
    const query_file *qf;
    size_t first;   /* the query it starts with, so that clients do not run in step */
    double seconds; /* how long to search */
    size_t done;    /* searches answered */
    int failed;
} client;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes %XX and '+' in place. */
static void url_decode(char *s)
{
    char *o = s;
    for (; *s; s++) {
        if (*s == '+') {
            *o++ = ' ';
        } else if (*s == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
            *o++ = (char)(hexval(s[1]) * 16 + hexval(s[2]));
            s += 2;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
}

static void parse_query_string(char *line, bq_params *p)
{
    char *save = NULL;
    for (char *kv = strtok_r(line, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq)
            continue;
        *eq = '\0';
        url_decode(kv);
        url_decode(eq + 1);
        bq_params_add(p, kv, eq + 1, strlen(eq + 1));
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
    if (!n)
        return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i];
}

/* Reads the query file. Returns 0, or -1 after a message. */
static int query_file_load(query_file *qf, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "query_bench: cannot open '%s'\n", path);
        return -1;
    }
    char buf[8192];
    qf->n = 0;
    while (qf->n < MAX_QUERIES && fgets(buf, sizeof buf, f)) {
        buf[strcspn(buf, "\r\n")] = '\0';
        char *tab = strchr(buf, '\t');
        if (!tab || buf[0] == '#')
            continue;
        *tab = '\0';
        qf->labels[qf->n] = strdup(buf);
        qf->lines[qf->n] = strdup(tab + 1);
        qf->n++;
    }
    fclose(f);
    return 0;
}

static void query_file_release(query_file *qf)
{
    for (size_t i = 0; i < qf->n; i++) {
        free(qf->labels[i]);
        free(qf->lines[i]);
    }
    qf->n = 0;
}

/* Runs one query string. Returns its time in ms, or -1 after a message. */
static double run_query(bx_reader *r, const char *query, bl_buf *out)
{
    char line[8192];
    snprintf(line, sizeof line, "%s", query);
    bq_params p;
    bq_params_init(&p);
    parse_query_string(line, &p);
    bq_options opt = { 0 };
    opt.default_lang = "en";
    bq_request req;
    bq_error e;
    double t0 = now_ms();
    int rc = bq_request_parse(&req, &p, &e);
    if (rc == 0)
        rc = bq_search(r, &req, &opt, out, &e);
    double ms = now_ms() - t0;
    bq_params_release(&p);
    if (rc != 0) {
        fprintf(stderr, "query_bench: search failed for '%s': %s\n", query, e.message);
        return -1;
    }
    return ms;
}

/* Writes "label<TAB>total<TAB>relation<TAB>query" for the answer in out. */
static void write_total(FILE *f, const char *label, const char *query, const bl_buf *out)
{
    const char *t = out->data ? strstr(out->data, "\"total\":") : NULL;
    const char *rel = out->data ? strstr(out->data, "\"total_relation\":\"gte\"") : NULL;
    fprintf(f, "%s\t%lld\t%s\t%s\n", label, t ? strtoll(t + 8, NULL, 10) : -1LL, rel ? "gte" : "eq",
            query);
}

/* Facet columns shared by every reader, as byline-searchd has them (NULL with -F). */
static bx_facet_columns *facet_columns;

/* Whether readers count facets in a second thread, as byline-searchd's do (not with -S). */
static int parallel_count = 1;

static bx_reader *open_reader(const char *db)
{
    bx_reader *r = NULL;
    char *err = NULL;
    bx_reader_options ro = { 0 };
    ro.facet_columns = facet_columns;
    ro.parallel_count = parallel_count;
    if (bx_reader_open_opts(&db, 1, &ro, &r, &err) != BX_OK) {
        fprintf(stderr, "query_bench: cannot open index '%s': %s\n", db, err ? err : "?");
        bx_free(err);
        return NULL;
    }
    return r;
}

static label_times *label_group(label_times *groups, size_t *ng, const char *label, size_t cap)
{
    for (size_t g = 0; g < *ng; g++)
        if (strcmp(groups[g].label, label) == 0)
            return &groups[g];
    if (*ng == MAX_LABELS)
        return NULL;
    label_times *lt = &groups[(*ng)++];
    snprintf(lt->label, sizeof lt->label, "%s", label);
    lt->t = calloc(cap, sizeof(double));
    lt->n = 0;
    return lt;
}

static void print_row(const char *label, double *t, size_t n)
{
    qsort(t, n, sizeof(double), cmp_double);
    printf("%-14s %8zu %8.3f %8.3f %8.3f %8.3f\n", label, n, pct(t, n, 0.5), pct(t, n, 0.95),
           pct(t, n, 0.99), n ? t[n - 1] : 0);
}

/* Where -A writes each answer of the warm-up round (NULL: nowhere). */
static const char *answers_path;

/* Latency: one warm-up round (whose totals go to totals_path, if given), then `rounds`. */
static int latency(const char *db, const query_file *qf, int rounds, const char *totals_path)
{
    bx_reader *r = open_reader(db);
    if (!r)
        return 1;
    FILE *answers = NULL;
    if (answers_path && !(answers = fopen(answers_path, "w"))) {
        fprintf(stderr, "query_bench: cannot write '%s'\n", answers_path);
        bx_reader_close(r);
        return 1;
    }
    FILE *totals = NULL;
    if (totals_path && !(totals = fopen(totals_path, "w"))) {
        fprintf(stderr, "query_bench: cannot write '%s'\n", totals_path);
        if (answers)
            fclose(answers);
        bx_reader_close(r);
        return 1;
    }
    size_t cap = qf->n * (size_t)rounds + 1;
    label_times groups[MAX_LABELS];
    size_t ng = 0;
    double *all = calloc(cap, sizeof *all);
    size_t nall = 0;
    bl_buf out;
    bl_buf_init(&out, BQ_OUT_CAP);
    for (int round = -1; round < rounds; round++) {
        for (size_t i = 0; i < qf->n; i++) {
            double ms = run_query(r, qf->lines[i], &out);
            if (ms < 0)
                continue;
            if (round < 0) {
                if (totals)
                    write_total(totals, qf->labels[i], qf->lines[i], &out);
                if (answers)
                    fprintf(answers, "%s\t%s\t%.*s\n", qf->labels[i], qf->lines[i], (int)out.len,
                            out.data ? out.data : "");
                continue;
            }
            label_times *lt = label_group(groups, &ng, qf->labels[i], cap);
            if (lt)
                lt->t[lt->n++] = ms;
            all[nall++] = ms;
        }
    }
    if (totals)
        fclose(totals);
    if (answers)
        fclose(answers);
    printf("%-14s %8s %8s %8s %8s %8s\n", "queries", "count", "p50 ms", "p95 ms", "p99 ms",
           "max ms");
    for (size_t g = 0; g < ng; g++) {
        print_row(groups[g].label, groups[g].t, groups[g].n);
        free(groups[g].t);
    }
    print_row("all", all, nall);
    free(all);
    bl_buf_release(&out);
    bx_reader_close(r);
    return 0;
}

static void *client_main(void *arg)
{
    client *c = arg;
    bx_reader *r = open_reader(c->db);
    if (!r) {
        c->failed = 1;
        return NULL;
    }
    bl_buf out;
    bl_buf_init(&out, BQ_OUT_CAP);
    for (size_t i = 0; i < c->qf->n; i++) /* warm this reader */
        run_query(r, c->qf->lines[i], &out);
    double end = now_ms() + c->seconds * 1000.0;
    size_t i = c->first;
    while (now_ms() < end) {
        if (run_query(r, c->qf->lines[i % c->qf->n], &out) < 0) {
            c->failed = 1;
            break;
        }
        i++;
        c->done++;
    }
    bl_buf_release(&out);
    bx_reader_close(r);
    return NULL;
}

/* Throughput: `clients` threads search for `seconds` each; prints "qps N". */
static int throughput(const char *db, const query_file *qf, int clients, double seconds)
{
    pthread_t tid[MAX_CLIENTS];
    client cs[MAX_CLIENTS];
    memset(cs, 0, sizeof cs);
    for (int k = 0; k < clients; k++) {
        cs[k].db = db;
        cs[k].qf = qf;
        cs[k].first = (size_t)k * 7;
        cs[k].seconds = seconds;
        if (pthread_create(&tid[k], NULL, client_main, &cs[k]) != 0) {
            fprintf(stderr, "query_bench: cannot start a thread\n");
            return 1;
        }
    }
    size_t done = 0;
    int failed = 0;
    for (int k = 0; k < clients; k++) {
        pthread_join(tid[k], NULL);
        done += cs[k].done;
        failed |= cs[k].failed;
    }
    if (failed)
        return 1;
    printf("clients %d seconds %.1f queries %zu qps %.1f\n", clients, seconds, done,
           (double)done / seconds);
    return 0;
}

static void usage(void)
{
    fputs("usage: query_bench [-F] [-S] [-T TOTALS] [-A ANSWERS] DB QUERY_FILE [ROUNDS]\n"
          "       query_bench [-F] [-S] -c CLIENTS [-d SECONDS] DB QUERY_FILE\n"
          "QUERY_FILE: lines 'label<TAB>query string', e.g. 'facets\\tq=oil&facets=category'\n"
          "Latency: one warm-up round, then ROUNDS (5) timed rounds; p50/p95/p99 per label.\n"
          "  -T FILE     write each query's total ('label total eq|gte query') to FILE\n"
          "  -A FILE     write each query's answer ('label query JSON') to FILE\n"
          "  -F          count facets without facet columns (as byline-searchd\n"
          "              --no-facet-columns); by default the readers share them, as the\n"
          "              daemon's do, and the warm-up round builds them\n"
          "  -S          count facets in the search's own thread, after the ranked search\n"
          "              (as byline-searchd --no-parallel-count); by default in a second\n"
          "              thread while it runs\n"
          "Throughput: CLIENTS threads, each with its own reader, search in turn for\n"
          "SECONDS (10) after a warm-up pass of their own; prints queries/s.\n",
          stderr);
}

int main(int argc, char **argv)
{
    int clients = 0;
    double seconds = 10;
    const char *totals = NULL;
    int use_columns = 1;
    int opt;
    while ((opt = getopt(argc, argv, "c:d:T:A:FSh")) != -1) {
        if (opt == 'F') {
            use_columns = 0;
        } else if (opt == 'S') {
            parallel_count = 0;
        } else if (opt == 'c') {
            clients = atoi(optarg);
        } else if (opt == 'd') {
            seconds = atof(optarg);
        } else if (opt == 'T') {
            totals = optarg;
        } else if (opt == 'A') {
            answers_path = optarg;
        } else {
            usage();
            return 2;
        }
    }
    if (argc - optind < 2 || clients < 0 || clients > MAX_CLIENTS || seconds <= 0) {
        usage();
        return 2;
    }
    int rounds = argc - optind > 2 ? atoi(argv[optind + 2]) : 5;
    if (rounds < 1) {
        usage();
        return 2;
    }
    static query_file qf;
    if (query_file_load(&qf, argv[optind + 1]) != 0)
        return 1;
    if (qf.n == 0) {
        fprintf(stderr, "query_bench: no queries in '%s'\n", argv[optind + 1]);
        return 1;
    }
    if (use_columns) {
        facet_columns = bx_facet_columns_new();
        if (!facet_columns) {
            fputs("query_bench: out of memory\n", stderr);
            query_file_release(&qf);
            return 1;
        }
    }
    int rc = clients ? throughput(argv[optind], &qf, clients, seconds)
                     : latency(argv[optind], &qf, rounds, totals);
    query_file_release(&qf);
    bx_facet_columns_free(facet_columns);
    return rc;
}
