/* fuzz_util.c - the temporary folder, input files, record sink and sample index the fuzz
 * targets share. */
#include "fuzz_util.h"

#include "byline_common.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

void fz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, what);
    abort();
}

/* ---- Temporary folder ------------------------------------------------------------------ */

static char tmpdir[512];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void remove_tmpdir(void)
{
    if (tmpdir[0])
        nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fz_tmpdir(void)
{
    if (tmpdir[0])
        return tmpdir;
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/byline-fuzz-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        fprintf(stderr, "fuzz: cannot create a temporary folder '%s': %s\n", tmpdir,
                strerror(errno));
        abort();
    }
    atexit(remove_tmpdir);
    return tmpdir;
}

const char *fz_write(const char *name, const uint8_t *data, size_t size)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", fz_tmpdir(), name);
    for (const char *slash = strchr(name, '/'); slash; slash = strchr(slash + 1, '/')) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/%.*s", fz_tmpdir(), (int)(slash - name), name);
        mkdir(dir, 0700);
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    FZ_ASSERT(fd >= 0);
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);
        FZ_ASSERT(n > 0);
        done += (size_t)n;
    }
    close(fd);
    return path;
}

const char *fz_guarded(const uint8_t *data, size_t size)
{
    static char *map;
    static size_t map_len;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t need = (size + page - 1) / page * page + page;
    if (need > map_len) {
        if (map)
            munmap(map, map_len);
        map = mmap(NULL, need, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        FZ_ASSERT(map != MAP_FAILED);
        map_len = need;
        FZ_ASSERT(mprotect(map + map_len - page, page, PROT_NONE) == 0);
    }
    char *copy = map + map_len - page - size;
    if (size)
        memcpy(copy, data, size);
    return copy;
}

/* ---- Indexing ------------------------------------------------------------------------- */

static bx_writer *memory_writer;

void fz_index(const bx_article *a)
{
    if (!memory_writer) {
        /* A stub file naming an in-memory database: nothing reaches the disk. */
        const char *stub = fz_write("memory.stub", (const uint8_t *)"inmemory\n", 9);
        bx_writer_options o = { 0 };
        o.create = 1;
        o.no_spelling = 1; /* spellings outlive deletions: the database would grow */
        char *err = NULL;
        if (bx_writer_open(stub, &o, &memory_writer, &err) != BX_OK) {
            fprintf(stderr, "fuzz: cannot open an in-memory index: %s\n", err ? err : "?");
            abort();
        }
    }
    bx_article copy = *a;
    copy.id = "fuzz";
    copy.id_len = 4;
    bx_status st = bx_writer_put(memory_writer, &copy, NULL);
    if (st != BX_OK && st != BX_ERR_INVALID) {
        fprintf(stderr, "fuzz: indexing failed: %s\n", bx_writer_errmsg(memory_writer));
        abort();
    }
    /* The real id only goes as far as the id term. */
    FZ_ASSERT(bx_writer_delete(memory_writer, a->id, a->id_len, NULL) == BX_OK);
}

/* Checks what the promises in indexer.h say about a converted record. */
static void check_record(const ix_record *rec)
{
    const bx_article *a = &rec->art;
    FZ_ASSERT(a->id && a->id_len > 0 && strlen(a->id) == a->id_len);
    FZ_ASSERT(bl_utf8_valid(a->id, a->id_len, NULL));
    FZ_ASSERT(!a->title || bl_utf8_valid(a->title, a->title_len, NULL));
    FZ_ASSERT(!a->body || bl_utf8_valid(a->body, a->body_len, NULL));
    FZ_ASSERT(a->data && strlen(a->data) == a->data_len);
    const char *const *lists[] = { a->authors, a->categories, a->tags };
    const size_t counts[] = { a->n_authors, a->n_categories, a->n_tags };
    for (int l = 0; l < 3; l++)
        for (size_t i = 0; i < counts[l]; i++)
            FZ_ASSERT(lists[l][i] && *lists[l][i]);
    if (a->has_date)
        FZ_ASSERT(a->date >= -62135596800LL && a->date <= 253402300799LL);
}

unsigned long fz_sink_records;

static int sink_record(void *ctx, const char *where, json_t *obj, const ix_diag *pre)
{
    (void)ctx;
    fz_sink_records++;
    FZ_ASSERT(where && *where);
    ix_diag d = *pre;
    ix_convert cv = { NULL, "en" };
    ix_record rec;
    if (ix_record_from_object(&cv, obj, &rec, &d) == 0) {
        check_record(&rec);
        fz_index(&rec.art);
    } else {
        FZ_ASSERT(d.skip != IX_PROBLEM_NONE && d.skip < IX_NSKIP && d.skip_msg[0]);
    }
    ix_record_release(&rec);
    json_decref(obj);
    return 0;
}

static void sink_progress(void *ctx, uint64_t bytes)
{
    (void)ctx;
    (void)bytes;
}

ix_sink fz_sink(void)
{
    ix_sink s = { NULL, sink_record, sink_progress };
    return s;
}

/* ---- The sample index ----------------------------------------------------------------- */

static const char *const sample_articles[] = {
    "{\"id\":\"hg-1\",\"title\":\"Port strike halts shipping in Rotterdam\",\"body\":\"Dockers "
    "walked out at dawn. No ships were loaded or unloaded, and the port authority said talks "
    "would resume on Friday.\",\"categories\":[\"Business\",\"Shipping\"],\"source\":\"Harbour "
    "Gazette\",\"author\":[\"Ann Smith\"],\"tags\":[\"strike\"],\"date\":\"2024-03-14T09:30:00Z\","
    "\"lang\":\"en\",\"url\":\"https://example.com/hg-1\"}",
    "{\"id\":\"hg-2\",\"title\":\"Port strike halts shipping in Rotterdam\",\"body\":\"An "
    "updated version of the wire story: dockers walked out at dawn.\",\"categories\":"
    "\"Shipping\",\"source\":\"Wire\",\"date\":\"2024-03-14T11:00:00Z\"}",
    "{\"id\":\"cr-7\",\"title\":\"Rail strike ends after talks\",\"summary\":\"Trains run again "
    "on Monday.\",\"body\":\"The union & the operator agreed a 4% rise. \\\"It is a fair deal,\\\" "
    "said the union's leader.\",\"categories\":[\"Transport\",\"Business\"],\"source\":"
    "\"Courier\",\"author\":[\"Bo Jansen\",\"Ann Smith\"],\"date\":\"2024-03-20\"}",
    "{\"id\":\"de-3\",\"title\":\"Die H\\u00e4user am Hafen\",\"body\":\"Das Haus wurde "
    "verkauft. Die Stadt plant neue Wohnungen.\",\"categories\":\"Wirtschaft\",\"source\":"
    "\"Hafenblatt\",\"lang\":\"de\",\"date\":\"2023-11-02T08:00:00+01:00\"}",
    "{\"id\":\"fr-9\",\"title\":\"\\u00c9lections municipales \\u00e0 Lyon\",\"body\":\"Les "
    "\\u00e9lecteurs ont vot\\u00e9 dimanche.\",\"categories\":[\"Politique\"],\"lang\":\"fr\","
    "\"date\":\"Thu, 02 Nov 2023 18:00:00 +0100\"}",
    "{\"id\":\"nd-1\",\"title\":\"Undated <notes> & asides\",\"body\":\"Text with <b>markup</b> "
    "characters & quotes ' \\\" and a URL http://example.org/a?b=c.\",\"lang\":\"klingon\"}",
    "{\"id\":\"el-2\",\"title\":\"\\u0395\\u03ba\\u03bb\\u03bf\\u03b3\\u03ad\\u03c2\",\"body\":"
    "\"\\u0395\\u03c6\\u03b7\\u03bc\\u03b5\\u03c1\\u03af\\u03b4\\u03b5\\u03c2 "
    "\\u03ba\\u03b1\\u03b9 "
    "\\u03b5\\u03ba\\u03bb\\u03bf\\u03b3\\u03ad\\u03c2.\",\"lang\":\"el\",\"date\":\"2019-06-01\"}",
    "{\"id\":\"old-1\",\"title\":\"Shipping news from 1912\",\"body\":\"The liner sailed from "
    "Southampton.\",\"categories\":\"History\",\"date\":\"1912-04-10T12:00:00Z\"}",
};

const char *fz_long_body(void)
{
    static char body[4096];
    static const char *const sentences[] = {
        "The harbour master counted forty ships at anchor. ",
        "Shipping lines warned of delays into next week. ",
        "Rail freight took some of the containers inland. ",
        "Talks between the union and the port resumed on Friday. ",
    };
    size_t len = 0;
    for (int i = 0; len + 80 < sizeof body; i++) {
        const char *s = sentences[i % 4];
        memcpy(body + len, s, strlen(s));
        len += strlen(s);
    }
    body[len] = '\0';
    return body;
}

static void put_sample(bx_writer *w, const char *line)
{
    ix_convert cv = { NULL, "en" };
    ix_record rec;
    ix_diag d;
    FZ_ASSERT(ix_record_from_json(&cv, line, strlen(line), &rec, &d) == 0);
    FZ_ASSERT(bx_writer_put(w, &rec.art, NULL) == BX_OK);
    ix_record_release(&rec);
}

bx_reader *fz_sample_reader(void)
{
    static bx_reader *reader;
    if (reader)
        return reader;
    char path[600];
    snprintf(path, sizeof path, "%s/sample.db", fz_tmpdir());
    bx_writer_options o = { 0 };
    o.create = 1;
    bx_writer *w = NULL;
    char *err = NULL;
    if (bx_writer_open(path, &o, &w, &err) != BX_OK) {
        fprintf(stderr, "fuzz: cannot create the sample index: %s\n", err ? err : "?");
        abort();
    }
    for (size_t i = 0; i < sizeof sample_articles / sizeof sample_articles[0]; i++)
        put_sample(w, sample_articles[i]);
    json_t *o_long = json_pack("{s:s,s:s,s:s,s:s,s:s}", "id", "long-1", "title",
                               "A long day at the port", "body", fz_long_body(), "source",
                               "Harbour Gazette", "date", "2024-03-15T18:45:00Z");
    char *line = json_dumps(o_long, JSON_COMPACT);
    put_sample(w, line);
    free(line);
    json_decref(o_long);
    FZ_ASSERT(bx_writer_close(w, NULL) == BX_OK);
    const char *paths[] = { path };
    if (bx_reader_open(paths, 1, 0, &reader, &err) != BX_OK) {
        fprintf(stderr, "fuzz: cannot open the sample index: %s\n", err ? err : "?");
        abort();
    }
    return reader;
}
