/* import.c - picking an input's format, reading files, and the JSON Lines reader. */
#include "import.h"

#include "byline_common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_RECORD (64u << 20)  /* a JSON Lines record larger than this is skipped */
#define MAX_FILE   (256u << 20) /* a whole-file input (feed, .json) larger than this is refused */

int ix_format_parse(const char *name)
{
    static const char *const names[] = { "auto", "jsonl", "csv", "feed", "dir" };
    for (int i = 0; i < 5; i++)
        if (strcasecmp(name, names[i]) == 0)
            return i;
    if (strcasecmp(name, "rss") == 0 || strcasecmp(name, "atom") == 0)
        return IX_FORMAT_FEED;
    if (strcasecmp(name, "tsv") == 0)
        return IX_FORMAT_CSV;
    if (strcasecmp(name, "json") == 0 || strcasecmp(name, "ndjson") == 0)
        return IX_FORMAT_JSONL;
    return -1;
}

const char *ix_format_name(int format)
{
    static const char *const names[] = { "auto", "jsonl", "csv", "feed", "dir" };
    return format >= 0 && format <= IX_FORMAT_DIR ? names[format] : "?";
}

char *ix_text_utf8(const char *s, size_t len, size_t *out_len, int *repaired)
{
    if (repaired)
        *repaired = 0;
    if (bl_utf8_valid(s, len, NULL)) {
        char *copy = malloc(len + 1);
        if (!copy)
            return NULL;
        memcpy(copy, s, len);
        copy[len] = '\0';
        if (out_len)
            *out_len = len;
        return copy;
    }
    if (repaired)
        *repaired = 1;
    return bl_utf8_repair(s, len, out_len);
}

char *ix_read_file(const char *path, size_t cap, size_t *len, char *err, size_t errlen)
{
    int is_stdin = strcmp(path, "-") == 0;
    gzFile f = is_stdin ? gzdopen(dup(STDIN_FILENO), "rb") : gzopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno ? errno : ENOMEM));
        return NULL;
    }
    bl_buf b;
    bl_buf_init(&b, cap);
    char chunk[65536];
    int n;
    while ((n = gzread(f, chunk, sizeof chunk)) > 0) {
        if (bl_buf_append(&b, chunk, (size_t)n) != 0) {
            snprintf(err, errlen, "cannot read '%s': larger than %zu MiB", path, cap >> 20);
            bl_buf_release(&b);
            gzclose(f);
            return NULL;
        }
    }
    int e = 0;
    gzerror(f, &e);
    if (n < 0 || e != Z_OK) {
        const char *m = e == Z_BUF_ERROR ? "compressed data cut short" : gzerror(f, &e);
        snprintf(err, errlen, "cannot read '%s': %s", path, e == Z_ERRNO ? strerror(errno) : m);
        bl_buf_release(&b);
        gzclose(f);
        return NULL;
    }
    gzclose(f);
    return bl_buf_detach(&b, len);
}

/* The name without .gz, lower-cased, for picking a format. */
static void base_name(const char *path, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');
    snprintf(out, size, "%s", slash ? slash + 1 : path);
    size_t n = strlen(out);
    if (n > 3 && strcasecmp(out + n - 3, ".gz") == 0)
        out[n - 3] = '\0';
    for (char *p = out; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Picks a format from the name, then from the first bytes: up to SNIFF_BYTES of them, as a
 * binary file shows a NUL byte somewhere there (a window of a few hundred bytes missed the
 * NULs of one random file in seven). */
#define SNIFF_BYTES 8192

static int detect_format(const char *path)
{
    struct stat st;
    if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return IX_FORMAT_DIR;
    char name[512];
    base_name(path, name, sizeof name);
    if (ends_with(name, ".jsonl") || ends_with(name, ".ndjson") || ends_with(name, ".json"))
        return IX_FORMAT_JSONL;
    if (ends_with(name, ".csv") || ends_with(name, ".tsv"))
        return IX_FORMAT_CSV;
    if (ends_with(name, ".xml") || ends_with(name, ".rss") || ends_with(name, ".atom") ||
        ends_with(name, ".rdf"))
        return IX_FORMAT_FEED;
    if (strcmp(path, "-") == 0)
        return IX_FORMAT_JSONL;
    gzFile f = gzopen(path, "rb");
    if (!f)
        return IX_FORMAT_JSONL; /* the reader reports why it cannot be opened */
    char head[SNIFF_BYTES];
    int n = gzread(f, head, sizeof head);
    gzclose(f);
    if (n > 0 && memchr(head, '\0', (size_t)n))
        return IX_FORMAT_BINARY;
    int i = 0;
    if (n >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    while (i < n && (head[i] == ' ' || head[i] == '\n' || head[i] == '\r' || head[i] == '\t'))
        i++;
    if (i < n && head[i] == '<')
        return IX_FORMAT_FEED;
    if (i < n && (head[i] == '{' || head[i] == '['))
        return IX_FORMAT_JSONL;
    return IX_FORMAT_CSV;
}

int ix_import(const char *path, const ix_import_opts *o, ix_sink *sink, char *err, size_t errlen)
{
    int format = o->format ? o->format : detect_format(path);
    if (format == IX_FORMAT_BINARY) {
        ix_diag d;
        memset(&d, 0, sizeof d);
        d.skip = IX_SKIP_INPUT;
        snprintf(d.skip_msg, sizeof d.skip_msg,
                 "not a text file (it holds NUL bytes); give --format to read it anyway");
        return sink->record(sink->ctx, path, NULL, &d) ? 1 : 0;
    }
    switch (format) {
    case IX_FORMAT_CSV:
        return ix_import_csv(path, o, sink, err, errlen);
    case IX_FORMAT_FEED:
        return ix_import_feed(path, sink, err, errlen);
    case IX_FORMAT_DIR:
        return ix_import_dir(path, o, sink, err, errlen);
    default:
        return ix_import_jsonl(path, sink, err, errlen);
    }
}

/* ---- JSON Lines ---------------------------------------------------------------------- */

/* A gzip or plain file read in blocks and cut into lines. */
typedef struct line_reader {
    gzFile f;
    size_t pos, len;
    char block[65536];
} line_reader;

/* Reads the next line into b (without its newline or trailing carriage returns), NUL bytes
 * included. Returns 1 with a line, 0 at the end, -1 on a read error. Sets *too_long when the
 * line was longer than the cap (b holds its start). */
static int read_line(line_reader *lr, bl_buf *b, int *too_long)
{
    bl_buf_reset(b);
    *too_long = 0;
    int got = 0;
    for (;;) {
        if (lr->pos == lr->len) {
            int n = gzread(lr->f, lr->block, sizeof lr->block);
            if (n <= 0) {
                int e = 0;
                gzerror(lr->f, &e);
                if (n < 0 || e != Z_OK) /* Z_BUF_ERROR: a gzip file cut short */
                    return -1;
                break;
            }
            lr->pos = 0;
            lr->len = (size_t)n;
        }
        got = 1;
        const char *start = lr->block + lr->pos;
        const char *nl = memchr(start, '\n', lr->len - lr->pos);
        size_t n = nl ? (size_t)(nl - start) : lr->len - lr->pos;
        if (!*too_long && bl_buf_append(b, start, n) != 0)
            *too_long = 1;
        lr->pos += nl ? n + 1 : n;
        if (nl)
            break;
    }
    while (b->len > 0 && b->data[b->len - 1] == '\r')
        b->data[--b->len] = '\0';
    return got;
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

/* Parses one line into an object (repairing bad UTF-8) and hands it on. */
static int emit_json_text(ix_sink *sink, const char *where, const char *text, size_t len)
{
    ix_diag d;
    memset(&d, 0, sizeof d);
    json_t *obj = ix_parse_record(text, len, &d);
    return sink->record(sink->ctx, where, obj, &d);
}

/* A .json file holding one object or an array of objects, rather than JSON Lines. Returns 1
 * when it was that (and was handed on; *rc holds the result), else 0. */
static int try_whole_json(const char *path, ix_sink *sink, int *rc)
{
    char name[512];
    base_name(path, name, sizeof name);
    if (!ends_with(name, ".json"))
        return 0;
    char err[256];
    size_t len = 0;
    char *text = ix_read_file(path, MAX_FILE, &len, err, sizeof err);
    if (!text)
        return 0;
    json_t *root = json_loadb(text, len, 0, NULL);
    free(text);
    if (!root || !(json_is_array(root) || json_is_object(root))) {
        json_decref(root);
        return 0; /* not one document: read it as JSON Lines */
    }
    *rc = 0;
    char where[600];
    if (json_is_object(root)) {
        snprintf(where, sizeof where, "%s", path);
        ix_diag d;
        memset(&d, 0, sizeof d);
        *rc = sink->record(sink->ctx, where, root, &d) ? 1 : 0;
        return 1;
    }
    size_t i;
    json_t *item;
    json_array_foreach(root, i, item)
    {
        snprintf(where, sizeof where, "%s: item %zu", path, i + 1);
        ix_diag d;
        memset(&d, 0, sizeof d);
        json_t *obj = NULL;
        if (json_is_object(item)) {
            obj = json_incref(item);
        } else {
            d.skip = IX_SKIP_JSON;
            snprintf(d.skip_msg, sizeof d.skip_msg, "array item is not a JSON object");
        }
        if (sink->record(sink->ctx, where, obj, &d)) {
            *rc = 1;
            break;
        }
    }
    json_decref(root);
    return 1;
}

int ix_import_jsonl(const char *path, ix_sink *sink, char *err, size_t errlen)
{
    int rc = 0;
    if (strcmp(path, "-") != 0 && try_whole_json(path, sink, &rc))
        return rc;
    int is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : path;
    gzFile f = is_stdin ? gzdopen(dup(STDIN_FILENO), "rb") : gzopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open '%s': %s", name, strerror(errno ? errno : ENOMEM));
        return -1;
    }
    gzbuffer(f, 1 << 18);
    line_reader *lr = calloc(1, sizeof *lr);
    if (!lr) {
        snprintf(err, errlen, "cannot read '%s': out of memory", name);
        gzclose(f);
        return -1;
    }
    lr->f = f;
    bl_buf line;
    bl_buf_init(&line, MAX_RECORD);
    uint64_t lineno = 0, records = 0;
    int got = 0, too_long = 0;
    char where[600];
    while (rc == 0 && (got = read_line(lr, &line, &too_long)) > 0) {
        lineno++;
        const char *p = line.data ? line.data : "";
        size_t n = line.len;
        if (lineno == 1 && n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
            p += 3;
            n -= 3;
        }
        snprintf(where, sizeof where, "%s:%llu", name, (unsigned long long)lineno);
        if (too_long) {
            ix_diag d;
            memset(&d, 0, sizeof d);
            d.skip = IX_SKIP_TOO_LONG;
            snprintf(d.skip_msg, sizeof d.skip_msg, "record is larger than %u MiB",
                     MAX_RECORD >> 20);
            rc = sink->record(sink->ctx, where, NULL, &d) ? 1 : 0;
            continue;
        }
        if (blank(p, n))
            continue;
        rc = emit_json_text(sink, where, p, n) ? 1 : 0;
        if ((++records & 1023) == 0 && sink->progress)
            sink->progress(sink->ctx, (uint64_t)gzoffset(f));
    }
    if (rc == 0 && got < 0) {
        int e = 0;
        const char *m = gzerror(f, &e);
        if (e == Z_BUF_ERROR)
            m = "compressed data cut short";
        snprintf(err, errlen, "cannot read '%s' after line %llu: %s", name,
                 (unsigned long long)lineno, e == Z_ERRNO ? strerror(errno) : m);
        rc = -1;
    }
    if (sink->progress)
        sink->progress(sink->ctx, (uint64_t)gzoffset(f));
    bl_buf_release(&line);
    free(lr);
    gzclose(f);
    return rc;
}
