/* main.c - byline-index: reads article files and writes them into a Byline index. */
#include "import.h"
#include "indexer.h"

#include "byline_common.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_SKIPPED = 3 };

_Static_assert(BX_BATCH == 1000 && BX_BATCH_LARGE == 2000 && BX_LARGE_INDEX == 50000,
               "the help text of --batch gives these numbers");
#define MAX_MESSAGES_PER_KIND 50 /* after this many, a kind of problem is only counted */

static const char usage_text[] =
    "usage: byline-index --db PATH [options] FILE...\n"
    "       byline-index --db PATH --delete ID [--delete ID...] [--delete-from FILE]\n"
    "       byline-index stats --db PATH [--json]\n"
    "       byline-index --db FOLDER --shards N [options] FILE...\n"
    "\n"
    "Indexes news articles into a Xapian database, from JSON Lines (one article per line),\n"
    "CSV/TSV, RSS and Atom feeds, or folders of .txt, .html and .json files; files may be\n"
    "gzip-compressed, and '-' reads standard input.\n"
    "\n"
    "Fields: id (required), title, body, summary, url, author, source, categories, tags,\n"
    "date, lang; other fields are stored and returned as they are. author, categories and\n"
    "tags take a string or a list. Re-indexing an id replaces the article.\n"
    "\n"
    "options:\n"
    "  -d, --db PATH         the index (default: $BYLINE_DB); created when missing\n"
    "  -l, --lang LANG       language of articles without 'lang' (default: en; 'none' for no\n"
    "                        stemming); ISO 639 codes or Snowball names\n"
    "  -m, --map MAP         read fields under other names: title=headline,date=published_at\n"
    "  -f, --format F        jsonl, csv, feed (RSS/Atom) or dir; default: from the name,\n"
    "                        then the content (a folder is read as dir)\n"
    "      --columns A,B,... CSV: the column names, when the file has no header row\n"
    "      --delimiter C     CSV: the field separator (default ',', tab for .tsv)\n"
    "      --quote C         CSV: the quote character (default '\"')\n"
    "      --category-from-dir  folders: the first folder level is the category\n"
    "  -b, --batch N         commit every N articles (default: 1000, and 2000 once the\n"
    "                        database being written holds 50,000 articles)\n"
    "  -j, --jobs N          writer threads when building a new index (default: the number\n"
    "                        of cores, at most 4); each writes a shard, and the shards are\n"
    "                        merged at the end. Adding to an existing index uses one writer.\n"
    "      --shards N        write a sharded index: a folder of N databases, each article\n"
    "                        placed by a hash of its id, written in parallel, with a stub\n"
    "                        file (FOLDER/XAPIANDB) so that byline-searchd, byline-search\n"
    "                        and Xapian's tools open the folder as one index, and one\n"
    "                        spelling database (FOLDER/spelling). Later runs on the folder\n"
    "                        (adding, --delete) find its shards without --shards. See\n"
    "                        docs/SCALING.md.\n"
    "      --delete ID       delete the article with this id (repeatable)\n"
    "      --delete-from F   delete the ids listed in file F, one per line\n"
    "      --overwrite       start the index afresh, discarding what it holds; the new index\n"
    "                        is built aside and replaces the old one when it is complete\n"
    "      --strict          stop at the first bad record or warning\n"
    "      --no-spelling     do not record spelling data (faster; no did-you-mean)\n"
    "      --no-positions    do not record word positions (smaller; no phrase search)\n"
    "      --no-pairs        a new index learns no common words: phrases of them are proved\n"
    "                        from word positions alone (slower on a large index; indexing\n"
    "                        faster, by a few per cent on news text)\n"
    "  -q, --quiet           no progress and no warnings, only errors and the summary\n"
    "  -h, --help            show this help\n"
    "  -V, --version         show the version\n"
    "\n"
    "languages: ar hy eu ca da nl en fi fr de el hi hu id ga it lt ne no pt ro ru sr es sv ta\n"
    "tr yi, and porter (English, Porter's original algorithm)\n"
    "\n"
    "exit status:\n"
    "  0  every record was indexed (warnings, such as a bad date, may have been printed)\n"
    "  1  failure: an input could not be read (checked before the index is opened), the\n"
    "     index could not be opened or written, --strict stopped the run, or the run was\n"
    "     interrupted (the index holds what was committed before)\n"
    "  2  usage error\n"
    "  3  finished, but some records were skipped (see the messages and the summary)\n";

static const char *const skip_names[IX_NSKIP] = {
    "",          "invalid JSON",         "no id",         "wrong field type",
    "too large", "refused by the index", "unusable input"
};
static const char *const warn_names[IX_NWARN] = { "dates dropped",
                                                  "text repaired (bad UTF-8, NUL bytes)",
                                                  "unknown language", "flaws in the input" };

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* The state of one indexing run. */
typedef struct run {
    const char *db;
    ix_convert cv;
    ix_fieldmap map;
    bx_writer *w;
    int strict, quiet, progress;
    uint64_t added, replaced, deleted, missing, records;
    uint64_t skipped[IX_NSKIP];
    uint64_t warned[IX_NWARN];
    double start;
    double last_progress;
    uint64_t bytes_done, bytes_total;
    int failed;
    ix_import_opts import;
    uint64_t file_bytes; /* read of the current input */
    ix_pool *pool;       /* parallel writers: building a new index, or a sharded one */
    char *build_dir;     /* where a new index is built aside */
    int rebuild;         /* --overwrite: the index built aside replaces one that may hold
                          * articles, and only when the run completes */
    char *db_owned;      /* the --db path without trailing slashes, when it had some */
    int sharded;         /* writing a sharded index of this many shards */
    char *target;        /* the sharded index written: the index, or one in build_dir */
    uint64_t next_docid; /* sharded: the document id of the next new article */
    char **shards;       /* their paths */
    int n_shards;
} run;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void msg(const char *fmt, ...)
{
    va_list ap;
    fputs("byline-index: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void clear_progress(run *r)
{
    if (r->progress)
        fputs("\r\033[K", stderr);
}

static void show_progress(run *r, uint64_t file_bytes, int force)
{
    if (!r->progress)
        return;
    double t = now_seconds();
    if (!force && t - r->last_progress < 0.25)
        return;
    r->last_progress = t;
    double el = t - r->start > 1e-6 ? t - r->start : 1e-6;
    uint64_t done = r->bytes_done + file_bytes;
    fprintf(stderr, "\r\033[K%llu articles, %.0f/s, %.1f MB/s", (unsigned long long)r->records,
            (double)r->records / el, (double)done / el / 1e6);
    if (r->bytes_total > 0 && done > 0) {
        double frac = (double)done / (double)r->bytes_total;
        if (frac > 1)
            frac = 1;
        fprintf(stderr, ", %.0f%%, ETA %.0fs", frac * 100, el / frac - el);
    }
    fflush(stderr);
}

/* Reports a problem with a record; returns 1 when the run must stop (--strict). */
static int report(run *r, const char *where, uint64_t count, const char *what, const char *text,
                  int is_warning)
{
    if (count <= MAX_MESSAGES_PER_KIND && !(is_warning && r->quiet)) {
        clear_progress(r);
        msg("%s: %s%s%s", where, is_warning ? "warning: " : "", text,
            is_warning ? "" : "; record skipped");
        if (count == MAX_MESSAGES_PER_KIND)
            msg("further '%s' messages are not shown; the summary counts them", what);
    }
    if (r->strict) {
        msg("stopping at %s (--strict)", where);
        r->failed = 1;
        return 1;
    }
    return 0;
}

/* The sink's record callback: converts and indexes one record. Returns 1 when the run must
 * stop. */
static int index_record(void *ctx, const char *where, json_t *obj, const ix_diag *pre)
{
    run *r = ctx;
    ix_record rec;
    ix_diag d = *pre;
    if (interrupted) {
        json_decref(obj);
        return 1;
    }
    r->records++;
    int rc = ix_record_from_object(&r->cv, obj, &rec, &d);
    json_decref(obj);
    for (int k = 0; k < IX_NWARN && rc == 0; k++) { /* a skipped record's warnings are moot */
        if (d.warned & (1u << k)) {
            r->warned[k]++;
            if (report(r, where, r->warned[k], warn_names[k], d.warn_msg[k], 1)) {
                r->warned[k]--; /* --strict: the record that stops the run is not indexed */
                ix_record_release(&rec);
                return 1;
            }
        }
    }
    if (rc != 0) {
        r->skipped[d.skip]++;
        ix_record_release(&rec);
        return report(r, where, r->skipped[d.skip], skip_names[d.skip], d.skip_msg, 0);
    }
    if ((r->records & 1023) == 0)
        show_progress(r, r->file_bytes, 0);
    if (r->pool) {
        /* Sharded: every article numbered in arrival order, over all shards. */
        uint64_t docid = r->sharded ? r->next_docid++ : 0;
        if (ix_pool_put_at(r->pool, &rec, where, docid) != 0) {
            r->failed = 1;
            return 1;
        }
        return 0;
    }
    int replaced = 0;
    bx_status st = bx_writer_put(r->w, &rec.art, &replaced);
    ix_record_release(&rec);
    if (st == BX_ERR_INVALID) {
        r->skipped[IX_SKIP_INDEX]++;
        return report(r, where, r->skipped[IX_SKIP_INDEX], skip_names[IX_SKIP_INDEX],
                      bx_writer_errmsg(r->w), 0);
    }
    if (st != BX_OK) {
        clear_progress(r);
        msg("%s: %s", where, bx_writer_errmsg(r->w));
        r->failed = 1;
        return 1;
    }
    if (replaced)
        r->replaced++;
    else
        r->added++;
    return 0;
}

static void file_progress(void *ctx, uint64_t bytes)
{
    run *r = ctx;
    r->file_bytes = bytes;
}

/* Indexes one input (a file in any format, or a folder). Returns 0, or -1 when the run must
 * stop. */
static int index_input(run *r, const char *path)
{
    ix_sink sink = { r, index_record, file_progress };
    char err[1024];
    r->file_bytes = 0;
    int rc = ix_import(path, &r->import, &sink, err, sizeof err);
    r->bytes_done += r->file_bytes;
    r->file_bytes = 0;
    if (rc < 0) {
        clear_progress(r);
        msg("%s", err);
        r->failed = 1;
    }
    return rc != 0 || interrupted ? -1 : 0;
}

/* Deletes one id. Returns 0, or -1 when the run must stop. */
static int delete_id(run *r, const char *id)
{
    if (r->sharded) { /* counted by the shard's writer */
        if (ix_pool_delete(r->pool, id) != 0) {
            r->failed = 1;
            return -1;
        }
        return 0;
    }
    int existed = 0;
    if (bx_writer_delete(r->w, id, strlen(id), &existed) != BX_OK) {
        msg("%s", bx_writer_errmsg(r->w));
        r->failed = 1;
        return -1;
    }
    if (existed) {
        r->deleted++;
    } else {
        r->missing++;
        if (!r->quiet && r->missing <= MAX_MESSAGES_PER_KIND)
            msg("warning: no article with id '%s' to delete", id);
    }
    return 0;
}

static int delete_from_file(run *r, const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        msg("cannot open '%s': %s", path, strerror(errno));
        r->failed = 1;
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n > 0)
            rc = delete_id(r, line);
    }
    free(line);
    if (f != stdin)
        fclose(f);
    return rc;
}

static void print_summary(run *r, double seconds, uint64_t docs)
{
    clear_progress(r);
    uint64_t skipped = 0;
    for (int k = 1; k < IX_NSKIP; k++)
        skipped += r->skipped[k];
    fprintf(stderr,
            "byline-index: %llu added, %llu replaced, %llu deleted, %llu skipped in %.2f s"
            " (%.0f articles/s); %llu articles in '%s'\n",
            (unsigned long long)r->added, (unsigned long long)r->replaced,
            (unsigned long long)r->deleted, (unsigned long long)skipped, seconds,
            (double)(r->added + r->replaced) / (seconds > 1e-6 ? seconds : 1e-6),
            (unsigned long long)docs, r->db);
    for (int k = 1; k < IX_NSKIP; k++)
        if (r->skipped[k])
            fprintf(stderr, "  skipped, %s: %llu\n", skip_names[k],
                    (unsigned long long)r->skipped[k]);
    for (int k = 0; k < IX_NWARN; k++)
        if (r->warned[k])
            fprintf(stderr, "  indexed with a warning, %s: %llu\n", warn_names[k],
                    (unsigned long long)r->warned[k]);
    if (r->missing)
        fprintf(stderr, "  ids to delete that were not in the index: %llu\n",
                (unsigned long long)r->missing);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int remove_tree(const char *path)
{
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Removes the build folders ("DB.build-PID") of parallel runs that died before finishing. */
static void remove_stale_builds(const char *db)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", db);
    char *slash = strrchr(dir, '/');
    const char *base = db;
    if (slash) {
        *slash = '\0';
        base = slash + 1;
    } else {
        snprintf(dir, sizeof dir, ".");
    }
    DIR *d = opendir(dir[0] ? dir : "/");
    if (!d)
        return;
    size_t blen = strlen(base);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, base, blen) != 0 || strncmp(e->d_name + blen, ".build-", 7) != 0)
            continue;
        /* Only our own names, "DB.build-PID": anything else beside the index is not ours. A
         * folder of this process's PID is left from an earlier process (in a container,
         * PIDs repeat), as this run has not made its own yet. */
        char *end = NULL;
        long pid = strtol(e->d_name + blen + 7, &end, 10);
        if (pid <= 0 || !end || *end != '\0')
            continue;
        if (pid == (long)getpid() || (kill((pid_t)pid, 0) != 0 && errno == ESRCH)) {
            char path[8192];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            remove_tree(path);
        }
    }
    closedir(d);
}

static int default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    return n > 4 ? 4 : (int)n;
}

/* Makes r->build_dir, the folder beside the index that an index is built in before it is
 * swapped in ("DB.build-PID"), removing what failed runs left. Returns 0 or -1. */
static int make_build_dir(run *r, size_t len)
{
    remove_stale_builds(r->db);
    r->build_dir = malloc(len);
    if (!r->build_dir) {
        msg("out of memory");
        return -1;
    }
    snprintf(r->build_dir, len, "%s.build-%ld", r->db, (long)getpid());
    if (mkdir(r->build_dir, 0755) != 0) {
        msg("cannot create '%s': %s", r->build_dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* Starts a writer thread for each of the databases r->shards[0..n), creating them, and
 * emptying them first when `overwrite` (new shards, merged at the end: see ix_pool_new).
 * Returns 0 or -1. */
static int start_pool(run *r, int n, const bx_writer_options *wo, int overwrite)
{
    bx_writer_options so = *wo;
    so.create = 1;
    so.overwrite = overwrite;
    so.commit_alone = 1;
    char *err = NULL;
    r->pool =
        ix_pool_new((const char *const *)r->shards, n, &so, r->strict, r->quiet, overwrite, &err);
    if (!r->pool) {
        msg("%s", err ? err : "cannot start writers");
        free(err);
        return -1;
    }
    return 0;
}

/* Starts one writer thread per shard for a new index. Returns 0 or -1. */
static int start_parallel(run *r, int jobs, const bx_writer_options *wo)
{
    size_t len = strlen(r->db) + 64;
    r->shards = calloc((size_t)jobs, sizeof *r->shards);
    if (!r->shards) {
        msg("out of memory");
        return -1;
    }
    if (make_build_dir(r, len) != 0)
        return -1;
    for (int i = 0; i < jobs; i++) {
        r->shards[i] = malloc(len + 16);
        if (!r->shards[i]) {
            msg("out of memory");
            return -1;
        }
        snprintf(r->shards[i], len + 16, "%s/shard-%d", r->build_dir, i);
        r->n_shards++;
    }
    /* The shards are merged into a new database, which is synced; they need not be. */
    bx_writer_options so = *wo;
    so.no_sync = 1;
    return start_pool(r, jobs, &so, 1);
}

/* Waits for the shard writers, merges the shards and puts the result in place of the (empty)
 * index. On any failure the index stays as it was: empty, consistent, openable. */
static void finish_parallel(run *r)
{
    ix_pool_counts c;
    if (ix_pool_finish(r->pool, &c) != 0)
        r->failed = 1;
    r->pool = NULL;
    r->added += c.added;
    r->replaced += c.replaced;
    r->skipped[IX_SKIP_INDEX] += c.refused;
    /* A shard whose last commit failed lacks articles, and the words for the spelling data
     * it held for the other shards: such a build is never used. */
    if (c.uncommitted || (r->failed && r->rebuild)) {
        msg("the new index is incomplete and is thrown away: '%s' is left as it was", r->db);
        remove_tree(r->build_dir);
        return;
    }
    size_t len = strlen(r->build_dir) + 16;
    char *merged = malloc(len), *old = malloc(len);
    char *err = NULL;
    if (!merged || !old) {
        msg("out of memory");
        r->failed = 1;
    } else {
        snprintf(merged, len, "%s/merged", r->build_dir);
        snprintf(old, len, "%s/old", r->build_dir);
        if (bx_compact((const char *const *)r->shards, (size_t)r->n_shards, merged, &err) !=
            BX_OK) {
            msg("%s", err ? err : "cannot merge shards");
            r->failed = 1;
        } else if (bx_writer_close(r->w, &err) != BX_OK) {
            r->w = NULL;
            msg("%s", err ? err : "cannot commit index");
            r->failed = 1;
        } else {
            r->w = NULL;
            if (rename(r->db, old) != 0 || rename(merged, r->db) != 0) {
                msg("cannot move the merged index into '%s': %s", r->db, strerror(errno));
                r->failed = 1;
            }
        }
    }
    bx_free(err);
    free(merged);
    free(old);
    remove_tree(r->build_dir);
}

static uint64_t count_docs(const char *db)
{
    bx_reader *rd = NULL;
    char *err = NULL;
    uint64_t n = 0;
    if (bx_reader_open(&db, 1, 0, &rd, &err) == BX_OK)
        n = bx_reader_doccount(rd);
    bx_free(err);
    bx_reader_close(rd);
    return n;
}

static void free_run(run *r)
{
    for (int i = 0; i < r->n_shards; i++)
        free(r->shards[i]);
    free(r->shards);
    free(r->build_dir);
    free(r->target);
    free(r->db_owned);
    ix_fieldmap_release(&r->map);
}

static uint64_t input_size(char **files, int n)
{
    uint64_t total = 0;
    for (int i = 0; i < n; i++) {
        struct stat st;
        if (strcmp(files[i], "-") == 0 || stat(files[i], &st) != 0 || !S_ISREG(st.st_mode))
            return 0;
        total += (uint64_t)st.st_size;
    }
    return total;
}

typedef struct opts {
    const char *db;
    const char *lang;
    long batch;
    long jobs;
    long shards;
    int overwrite, strict, quiet, no_spelling, no_positions, no_pairs;
    const char **deletes;
    int n_deletes;
    const char *delete_from;
} opts;

static int parse_args(int argc, char **argv, opts *o, run *r)
{
    enum {
        OPT_DELETE = 256,
        OPT_DELETE_FROM,
        OPT_OVERWRITE,
        OPT_STRICT,
        OPT_NO_SPELLING,
        OPT_NO_POSITIONS,
        OPT_NO_PAIRS,
        OPT_COLUMNS,
        OPT_DELIMITER,
        OPT_QUOTE,
        OPT_CATDIR,
        OPT_SHARDS
    };
    static const struct option longopts[] = {
        { "db", required_argument, NULL, 'd' },
        { "lang", required_argument, NULL, 'l' },
        { "map", required_argument, NULL, 'm' },
        { "batch", required_argument, NULL, 'b' },
        { "jobs", required_argument, NULL, 'j' },
        { "shards", required_argument, NULL, OPT_SHARDS },
        { "format", required_argument, NULL, 'f' },
        { "columns", required_argument, NULL, OPT_COLUMNS },
        { "delimiter", required_argument, NULL, OPT_DELIMITER },
        { "quote", required_argument, NULL, OPT_QUOTE },
        { "category-from-dir", no_argument, NULL, OPT_CATDIR },
        { "delete", required_argument, NULL, OPT_DELETE },
        { "delete-from", required_argument, NULL, OPT_DELETE_FROM },
        { "overwrite", no_argument, NULL, OPT_OVERWRITE },
        { "strict", no_argument, NULL, OPT_STRICT },
        { "no-spelling", no_argument, NULL, OPT_NO_SPELLING },
        { "no-positions", no_argument, NULL, OPT_NO_POSITIONS },
        { "no-pairs", no_argument, NULL, OPT_NO_PAIRS },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    char err[512];
    while ((c = getopt_long(argc, argv, "d:l:m:b:j:f:qhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o->db = optarg;
            break;
        case 'l':
            o->lang = optarg;
            break;
        case 'm':
            if (ix_fieldmap_parse(&r->map, optarg, err, sizeof err) != 0) {
                msg("%s", err);
                return EXIT_USAGE;
            }
            break;
        case 'b':
            if (bl_parse_long(optarg, 1, 10000000, &o->batch) != 0) {
                msg("bad --batch '%s': expected a number from 1 to 10000000", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'j':
            if (bl_parse_long(optarg, 1, 64, &o->jobs) != 0) {
                msg("bad --jobs '%s': expected a number from 1 to 64", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_SHARDS:
            if (bl_parse_long(optarg, 1, IX_MAX_SHARDS, &o->shards) != 0) {
                msg("bad --shards '%s': expected a number from 1 to %d", optarg, IX_MAX_SHARDS);
                return EXIT_USAGE;
            }
            break;
        case 'f':
            r->import.format = ix_format_parse(optarg);
            if (r->import.format < 0) {
                msg("bad --format '%s': expected jsonl, csv, feed or dir", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_COLUMNS:
            r->import.columns = optarg;
            break;
        case OPT_DELIMITER:
        case OPT_QUOTE: {
            char ch = strcmp(optarg, "\\t") == 0 || strcmp(optarg, "tab") == 0 ? '\t' : optarg[0];
            if (!ch || (optarg[1] && ch != '\t')) {
                msg("bad --%s '%s': expected one character", c == OPT_QUOTE ? "quote" : "delimiter",
                    optarg);
                return EXIT_USAGE;
            }
            if (c == OPT_QUOTE)
                r->import.quote = ch;
            else
                r->import.delimiter = ch;
            break;
        }
        case OPT_CATDIR:
            r->import.category_from_dir = 1;
            break;
        case OPT_DELETE:
            o->deletes[o->n_deletes++] = optarg;
            break;
        case OPT_DELETE_FROM:
            o->delete_from = optarg;
            break;
        case OPT_OVERWRITE:
            o->overwrite = 1;
            break;
        case OPT_STRICT:
            o->strict = 1;
            break;
        case OPT_NO_SPELLING:
            o->no_spelling = 1;
            break;
        case OPT_NO_POSITIONS:
            o->no_positions = 1;
            break;
        case OPT_NO_PAIRS:
            o->no_pairs = 1;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return EXIT_OK + 100;
        case 'V':
            printf("byline-index %s (Xapian %s, Snowball stemmers from libstemmer)\n",
                   BYLINE_VERSION, bx_xapian_version());
            return EXIT_OK + 100;
        default:
            fputs("Try 'byline-index --help'.\n", stderr);
            return EXIT_USAGE;
        }
    }
    return -1;
}

/* Whether a path is missing or an empty folder. */
static int nothing_at(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return errno == ENOENT;
    struct dirent *e;
    int empty = 1;
    while (empty && (e = readdir(d)) != NULL)
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(d);
    return empty;
}

/* Opens the writers of a sharded index (`have` shards now; 0 for none): in place, or with
 * --overwrite a new index built aside and swapped in at the end. Returns -1 to go on, or an
 * exit status. */
static int start_sharded(run *r, const opts *o, int have, const bx_writer_options *wo)
{
    int n = o->shards ? (int)o->shards : have;
    if (!o->overwrite && have && n != have) {
        msg("'%s' has %d shards, not %d: to change their number, rebuild it with --overwrite "
            "--shards %d",
            r->db, have, n, n);
        return EXIT_USAGE;
    }
    if (!o->overwrite && !have && !nothing_at(r->db)) {
        msg("'%s' is not a sharded index: to shard it, rebuild it with --overwrite --shards %d",
            r->db, n);
        return EXIT_USAGE;
    }
    size_t len = strlen(r->db) + 64;
    r->target = malloc(len);
    r->shards = calloc((size_t)n, sizeof *r->shards);
    if (!r->target || !r->shards) {
        msg("out of memory");
        return EXIT_FAIL;
    }
    if (o->overwrite) {
        if (make_build_dir(r, len) != 0)
            return EXIT_FAIL;
        snprintf(r->target, len, "%s/index", r->build_dir);
    } else {
        snprintf(r->target, len, "%s", r->db);
    }
    if (mkdir(r->target, 0755) != 0 && errno != EEXIST) {
        msg("cannot create '%s': %s", r->target, strerror(errno));
        return EXIT_FAIL;
    }
    for (int i = 0; i < n; i++) {
        r->shards[i] = malloc(len);
        if (!r->shards[i]) {
            msg("out of memory");
            return EXIT_FAIL;
        }
        ix_shards_path(r->target, i, r->shards[i], len);
        r->n_shards++;
    }
    if (start_pool(r, n, wo, 0) != 0)
        return EXIT_FAIL;
    char *err = NULL;
    r->sharded = n;
    r->next_docid = ix_pool_lastdocid(r->pool) + 1;
    char spelling[4200], why[1024];
    ix_shards_path(r->target, -1, spelling, sizeof spelling);
    if (bx_spelling_move(NULL, 0, spelling, &err) != BX_OK) { /* creates it */
        msg("%s", err ? err : "cannot create the spelling database");
        bx_free(err);
        return EXIT_FAIL;
    }
    if (ix_shards_write_stub(r->target, n, why, sizeof why) != 0) {
        msg("%s", why);
        return EXIT_FAIL;
    }
    return -1;
}

/* Waits for the shard writers, moves the spelling data the run added into the spelling
 * database, and with --overwrite puts the new index in place of the old one. */
static void finish_sharded(run *r)
{
    ix_pool_counts c;
    if (ix_pool_finish(r->pool, &c) != 0)
        r->failed = 1;
    r->pool = NULL;
    r->added += c.added;
    r->replaced += c.replaced;
    r->deleted += c.deleted;
    r->missing += c.missing;
    r->skipped[IX_SKIP_INDEX] += c.refused;
    char spelling[4200];
    char *err = NULL;
    ix_shards_path(r->target, -1, spelling, sizeof spelling);
    if (bx_spelling_move((const char *const *)r->shards, (size_t)r->n_shards, spelling, &err) !=
        BX_OK) {
        msg("%s", err ? err : "cannot move spelling data");
        bx_free(err);
        r->failed = 1;
    }
    if (!r->build_dir)
        return;
    if (!r->failed) {
        char old[4200];
        snprintf(old, sizeof old, "%s/old", r->build_dir);
        if ((rename(r->db, old) != 0 && errno != ENOENT) || rename(r->target, r->db) != 0) {
            msg("cannot move the new index into '%s': %s", r->db, strerror(errno));
            r->failed = 1;
        }
    }
    remove_tree(r->build_dir);
}

/* Every input must be there and readable before the index is opened: a mistyped name stops
 * the run before anything is written (and before an empty index is made). */
static int check_inputs(char *const *files, int n_files)
{
    int bad = 0;
    for (int i = 0; i < n_files; i++) {
        if (strcmp(files[i], "-") != 0 && access(files[i], R_OK) != 0) {
            msg("cannot read input '%s': %s", files[i], strerror(errno));
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}

static int setup_run(run *r, opts *o, char *const *files, int n_files)
{
    if (!o->db)
        o->db = getenv("BYLINE_DB");
    if (!o->db || !*o->db) {
        msg("no index given: use --db PATH or set BYLINE_DB");
        return EXIT_USAGE;
    }
    if (n_files == 0 && o->n_deletes == 0 && !o->delete_from) {
        msg("nothing to do: give files to index or ids to --delete");
        fputs("Try 'byline-index --help'.\n", stderr);
        return EXIT_USAGE;
    }
    if (check_inputs(files, n_files) != 0)
        return EXIT_FAIL;
    r->db = o->db;
    r->cv.map = &r->map;
    r->import.id_name = r->map.input[IX_ID] ? r->map.input[IX_ID] : "id";
    r->import.category_name =
        r->map.input[IX_CATEGORIES] ? r->map.input[IX_CATEGORIES] : "categories";
    size_t dblen = strlen(r->db);
    while (dblen > 1 && r->db[dblen - 1] == '/')
        dblen--;
    if (dblen < strlen(r->db)) {
        r->db_owned = strndup(r->db, dblen);
        if (!r->db_owned)
            return EXIT_FAIL;
        r->db = r->db_owned;
    }
    if (strcmp(o->lang, "none") == 0) {
        r->cv.default_lang = NULL;
    } else {
        r->cv.default_lang = bx_lang_resolve_z(o->lang);
        if (!r->cv.default_lang) {
            msg("unknown language '%s' for --lang (see --help for the list)", o->lang);
            return EXIT_USAGE;
        }
    }
    r->strict = o->strict;
    r->quiet = o->quiet;
    r->progress = !o->quiet && isatty(STDERR_FILENO);
    bx_writer_options wo = { 0 };
    wo.create = 1;
    /* --overwrite with files builds the new index aside and swaps it in at the end, so a
     * daemon serving the old one keeps answering until then. */
    int only_files = n_files > 0 && o->n_deletes == 0 && !o->delete_from;
    int rebuild = o->overwrite && only_files;
    r->rebuild = rebuild;
    wo.overwrite = o->overwrite && !rebuild;
    wo.no_spelling = o->no_spelling;
    wo.no_positions = o->no_positions;
    wo.no_pairs = o->no_pairs;
    /* Without --batch: small batches while the database is small, larger ones once it is
     * large (see BX_LARGE_INDEX). */
    wo.flush_every = o->batch ? (size_t)o->batch : BX_BATCH;
    wo.flush_every_large = o->batch ? 0 : BX_BATCH_LARGE;
    int have = 0;
    char why[1024];
    int layout = ix_shards_detect(r->db, &have, why, sizeof why);
    if (layout < 0) {
        msg("%s", why);
        return EXIT_FAIL;
    }
    if (o->shards || layout == 1)
        return start_sharded(r, o, have, &wo);
    char *err = NULL;
    if (bx_writer_open(r->db, &wo, &r->w, &err) != BX_OK) {
        msg("%s", err ? err : "cannot open index");
        bx_free(err);
        return EXIT_FAIL;
    }
    int jobs = o->jobs ? (int)o->jobs : default_jobs();
    if (rebuild || (jobs > 1 && only_files && bx_writer_doccount(r->w) == 0)) {
        if (start_parallel(r, jobs, &wo) != 0)
            return EXIT_FAIL;
    }
    return -1;
}

static int index_main(int argc, char **argv)
{
    run r;
    memset(&r, 0, sizeof r);
    opts o;
    memset(&o, 0, sizeof o);
    o.lang = "en";
    o.deletes = calloc((size_t)argc + 1, sizeof *o.deletes);
    if (!o.deletes) {
        msg("out of memory");
        return EXIT_FAIL;
    }
    int rc = parse_args(argc, argv, &o, &r);
    if (rc < 0)
        rc = setup_run(&r, &o, argv + optind, argc - optind);
    if (rc >= 0) {
        free(o.deletes);
        if (r.pool) {
            ix_pool_counts unused;
            ix_pool_finish(r.pool, &unused);
        }
        if (r.w)
            bx_writer_close(r.w, NULL);
        if (r.build_dir && r.n_shards)
            remove_tree(r.build_dir);
        free_run(&r);
        return rc >= 100 ? rc - 100 : rc;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    r.start = now_seconds();
    r.bytes_total = input_size(argv + optind, argc - optind);
    int stop = 0;
    for (int i = 0; i < o.n_deletes && !stop; i++)
        stop = delete_id(&r, o.deletes[i]) != 0;
    if (!stop && o.delete_from)
        stop = delete_from_file(&r, o.delete_from) != 0;
    for (int i = optind; i < argc && !stop && !interrupted; i++)
        stop = index_input(&r, argv[i]) != 0;
    show_progress(&r, 0, 1);
    if (interrupted) {
        clear_progress(&r);
        msg(r.rebuild ? "interrupted" : "interrupted; committing what was indexed so far");
        r.failed = 1;
    }
    uint64_t docs;
    if (r.sharded) {
        finish_sharded(&r);
        docs = count_docs(r.db);
    } else if (r.pool) {
        finish_parallel(&r);
        docs = count_docs(r.db);
    } else {
        docs = bx_writer_doccount(r.w);
    }
    if (interrupted && !r.failed) {
        /* The signal came after the input was read (while the shards were committed and
         * merged, which a signal does not cut short): the index holds all of it. */
        msg("interrupted after reading all the input; the index holds it all");
        r.failed = 1;
    }
    print_summary(&r, now_seconds() - r.start, docs);
    char *err = NULL;
    if (bx_writer_close(r.w, &err) != BX_OK) {
        msg("%s", err ? err : "cannot commit index");
        r.failed = 1;
    }
    bx_free(err);
    free(o.deletes);
    free_run(&r);
    if (r.failed)
        return EXIT_FAIL;
    for (int k = 1; k < IX_NSKIP; k++)
        if (r.skipped[k])
            return EXIT_SKIPPED;
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "stats") == 0)
        return ix_stats_main(argc - 1, argv + 1);
    return index_main(argc, argv);
}
