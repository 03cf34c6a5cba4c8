/* query_bench.c - in-process latency of searches through queries/ (no HTTP): runs each line
 * of a query file (a URL query string such as "q=oil&facets=category") several times and
 * prints p50/p95/p99 in milliseconds, overall and per label. */
#include "byline_queries.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_QUERIES 4096

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

typedef struct label_times {
    char label[32];
    double *t;
    size_t n;
} label_times;

int main(int argc, char **argv)
{
    if (argc < 3) {
        fputs("usage: query_bench DB QUERY_FILE [ROUNDS]\n"
              "QUERY_FILE: lines 'label<TAB>query string', e.g. 'facets\\tq=oil&facets=category'\n",
              stderr);
        return 2;
    }
    int rounds = argc > 3 ? atoi(argv[3]) : 5;
    const char *db = argv[1];
    bx_reader *r = NULL;
    char *err = NULL;
    if (bx_reader_open(&db, 1, 0, &r, &err) != BX_OK) {
        fprintf(stderr, "query_bench: %s\n", err);
        return 1;
    }
    FILE *f = fopen(argv[2], "r");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    static char *labels[MAX_QUERIES], *lines[MAX_QUERIES];
    size_t nq = 0;
    char buf[8192];
    while (nq < MAX_QUERIES && fgets(buf, sizeof buf, f)) {
        buf[strcspn(buf, "\r\n")] = '\0';
        char *tab = strchr(buf, '\t');
        if (!tab || buf[0] == '#')
            continue;
        *tab = '\0';
        labels[nq] = strdup(buf);
        lines[nq] = strdup(tab + 1);
        nq++;
    }
    fclose(f);
    label_times groups[16];
    size_t ng = 0;
    double *all = calloc(nq * (size_t)rounds + 1, sizeof *all);
    size_t nall = 0;
    bl_buf out;
    bl_buf_init(&out, BQ_OUT_CAP);
    bq_options opt = { 0 };
    opt.default_lang = "en";
    for (int round = -1; round < rounds; round++) { /* round -1 warms the caches */
        for (size_t i = 0; i < nq; i++) {
            char line[8192];
            snprintf(line, sizeof line, "%s", lines[i]);
            bq_params p;
            bq_params_init(&p);
            parse_query_string(line, &p);
            bq_request req;
            bq_error e;
            double t0 = now_ms();
            int rc = bq_request_parse(&req, &p, &e);
            if (rc == 0)
                rc = bq_search(r, &req, &opt, &out, &e);
            double ms = now_ms() - t0;
            bq_params_release(&p);
            if (rc != 0) {
                fprintf(stderr, "query_bench: '%s': %s\n", lines[i], e.message);
                continue;
            }
            if (round < 0)
                continue;
            size_t g;
            for (g = 0; g < ng; g++)
                if (strcmp(groups[g].label, labels[i]) == 0)
                    break;
            if (g == ng && ng < 16) {
                snprintf(groups[ng].label, sizeof groups[ng].label, "%s", labels[i]);
                groups[ng].t = calloc(nq * (size_t)rounds + 1, sizeof(double));
                groups[ng].n = 0;
                ng++;
            }
            if (g < ng)
                groups[g].t[groups[g].n++] = ms;
            all[nall++] = ms;
        }
    }
    printf("%-14s %8s %8s %8s %8s %8s\n", "queries", "count", "p50 ms", "p95 ms", "p99 ms",
           "max ms");
    for (size_t g = 0; g < ng; g++) {
        qsort(groups[g].t, groups[g].n, sizeof(double), cmp_double);
        printf("%-14s %8zu %8.3f %8.3f %8.3f %8.3f\n", groups[g].label, groups[g].n,
               pct(groups[g].t, groups[g].n, 0.5), pct(groups[g].t, groups[g].n, 0.95),
               pct(groups[g].t, groups[g].n, 0.99), groups[g].n ? groups[g].t[groups[g].n - 1] : 0);
        free(groups[g].t);
    }
    qsort(all, nall, sizeof(double), cmp_double);
    printf("%-14s %8zu %8.3f %8.3f %8.3f %8.3f\n", "all", nall, pct(all, nall, 0.5),
           pct(all, nall, 0.95), pct(all, nall, 0.99), nall ? all[nall - 1] : 0);
    free(all);
    for (size_t i = 0; i < nq; i++) {
        free(labels[i]);
        free(lines[i]);
    }
    bl_buf_release(&out);
    bx_reader_close(r);
    return 0;
}
