/* import_csv.c - CSV and TSV input through libcsv: a header row (or --columns) names the
 * fields; one article per row. */
#include "import.h"

#include "byline_common.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_COLUMNS 256
#define MAX_CELL    (16u << 20)

typedef struct cell {
    char *text;
    size_t len;
} cell;

typedef struct csv_state {
    ix_sink *sink;
    const ix_import_opts *o;
    const char *name;     /* the file as reported */
    const char *basename; /* for made-up ids */
    char *columns[MAX_COLUMNS];
    size_t n_columns;
    int has_header;
    int has_id;
    cell row[MAX_COLUMNS];
    size_t n_row;
    size_t dropped;    /* cells beyond MAX_COLUMNS */
    uint64_t line;     /* the line being fed */
    uint64_t row_line; /* the line the current row began on */
    uint64_t rows;
    int stop;
    int quote_error; /* stopped by bad quoting: the run goes on with the next input */
} csv_state;

static void free_row(csv_state *st)
{
    for (size_t i = 0; i < st->n_row; i++)
        free(st->row[i].text);
    st->n_row = 0;
    st->dropped = 0;
}

static void on_field(void *field, size_t len, void *data)
{
    csv_state *st = data;
    if (st->n_row >= MAX_COLUMNS) {
        st->dropped++;
        return;
    }
    char *copy = malloc(len + 1);
    if (copy) {
        memcpy(copy, field, len);
        copy[len] = '\0';
    }
    st->row[st->n_row].text = copy;
    st->row[st->n_row].len = copy ? len : 0;
    st->n_row++;
}

static int row_is_blank(const csv_state *st)
{
    return st->n_row == 0 || (st->n_row == 1 && st->row[0].len == 0);
}

static void take_header(csv_state *st)
{
    for (size_t i = 0; i < st->n_row; i++) {
        char *t = st->row[i].text ? st->row[i].text : strdup("");
        st->row[i].text = NULL;
        if (i == 0 && t && strncmp(t, "\xef\xbb\xbf", 3) == 0)
            memmove(t, t + 3, strlen(t + 3) + 1);
        st->columns[st->n_columns++] = t;
        if (t && strcmp(t, st->o->id_name ? st->o->id_name : "id") == 0)
            st->has_id = 1;
    }
    st->has_header = 1;
}

static void emit_row(csv_state *st)
{
    ix_diag d;
    memset(&d, 0, sizeof d);
    json_t *obj = json_object();
    st->rows++;
    for (size_t i = 0; i < st->n_row && i < st->n_columns; i++) {
        if (!st->row[i].text || st->row[i].len == 0 || !st->columns[i] || !*st->columns[i])
            continue;
        int repaired = 0;
        size_t len = 0;
        char *text = ix_text_utf8(st->row[i].text, st->row[i].len, &len, &repaired);
        if (!text)
            continue;
        if (repaired) {
            d.warned |= 1u << IX_WARN_UTF8;
            snprintf(d.warn_msg[IX_WARN_UTF8], sizeof d.warn_msg[IX_WARN_UTF8],
                     "invalid UTF-8 in column '%.60s'; text read as Windows-1252", st->columns[i]);
        }
        json_object_set_new(obj, st->columns[i], json_stringn(text, len));
        free(text);
    }
    size_t cells = st->n_row + st->dropped;
    if (cells != st->n_columns) {
        d.warned |= 1u << IX_WARN_INPUT;
        snprintf(d.warn_msg[IX_WARN_INPUT], sizeof d.warn_msg[IX_WARN_INPUT],
                 "row has %zu fields where the columns name %zu%s", cells, st->n_columns,
                 cells > st->n_columns ? "; extra fields ignored" : "");
    }
    if (!st->has_id) {
        char id[600];
        snprintf(id, sizeof id, "%s:%llu", st->basename, (unsigned long long)st->rows);
        json_object_set_new(obj, st->o->id_name ? st->o->id_name : "id", json_string(id));
    }
    char where[700];
    snprintf(where, sizeof where, "%s:%llu", st->name, (unsigned long long)st->row_line);
    if (st->sink->record(st->sink->ctx, where, obj, &d))
        st->stop = 1;
}

static void on_row(int c, void *data)
{
    (void)c;
    csv_state *st = data;
    if (!row_is_blank(st) && !st->stop) {
        if (!st->has_header)
            take_header(st);
        else
            emit_row(st);
    }
    free_row(st);
    st->row_line = st->line + 1;
}

/* Reports malformed quoting: the rows read before are kept; the rest of the file, whose
 * fields can no longer be told apart, is skipped. */
static void bad_quotes(csv_state *st, const char *why)
{
    ix_diag d;
    memset(&d, 0, sizeof d);
    d.skip = IX_SKIP_INPUT;
    snprintf(d.skip_msg, sizeof d.skip_msg,
             "malformed CSV quoting in the row beginning here (%s); the rest of the file is "
             "left out",
             why);
    char where[700];
    snprintf(where, sizeof where, "%s:%llu", st->name, (unsigned long long)st->row_line);
    if (st->sink->record(st->sink->ctx, where, NULL, &d) == 0)
        st->quote_error = 1;
    st->stop = 1;
}

/* Sets the columns from --columns. */
static int set_columns(csv_state *st, const char *spec)
{
    const char *p = spec;
    while (*p && st->n_columns < MAX_COLUMNS) {
        size_t n = strcspn(p, ",");
        char *name = strndup(p, n);
        if (!name)
            return -1;
        st->columns[st->n_columns++] = name;
        if (strcmp(name, st->o->id_name ? st->o->id_name : "id") == 0)
            st->has_id = 1;
        p += n;
        if (*p == ',')
            p++;
    }
    st->has_header = 1;
    return 0;
}

/* Parses a block of the file a line at a time (NUL bytes and all), so that each row knows the
 * line it begins on. Stops at malformed quoting. */
static void feed_lines(csv_state *st, struct csv_parser *p, const char *chunk, size_t len, gzFile f)
{
    size_t pos = 0;
    while (pos < len && !st->stop) {
        const char *nl = memchr(chunk + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - chunk) + 1 : len;
        if (nl)
            st->line++;
        if (csv_parse(p, chunk + pos, end - pos, on_field, on_row, st) != end - pos) {
            int e = csv_error(p);
            /* libcsv's own words for a parse error speak of its strict mode, which Byline
             * turns on to catch bad quoting whether or not --strict was given. */
            bad_quotes(st, e == CSV_EPARSE ? "a quote inside a field that does not start with one, "
                                             "or text after a closing quote"
                                           : csv_strerror(e));
            return;
        }
        pos = end;
    }
    if ((st->rows & 255) == 0 && st->sink->progress)
        st->sink->progress(st->sink->ctx, (uint64_t)gzoffset(f));
}

int ix_import_csv(const char *path, const ix_import_opts *o, ix_sink *sink, char *err,
                  size_t errlen)
{
    int is_stdin = strcmp(path, "-") == 0;
    csv_state st;
    memset(&st, 0, sizeof st);
    st.sink = sink;
    st.o = o;
    st.name = is_stdin ? "<stdin>" : path;
    const char *slash = strrchr(path, '/');
    st.basename = slash ? slash + 1 : st.name;
    st.row_line = 1;
    if (o->columns && set_columns(&st, o->columns) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    gzFile f = is_stdin ? gzdopen(dup(STDIN_FILENO), "rb") : gzopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open '%s': %s", st.name, strerror(errno ? errno : ENOMEM));
        for (size_t i = 0; i < st.n_columns; i++)
            free(st.columns[i]);
        return -1;
    }
    size_t n = strlen(path);
    int tsv = n > 4 && (strcasecmp(path + n - 4, ".tsv") == 0 ||
                        (n > 7 && strcasecmp(path + n - 7, ".tsv.gz") == 0));
    struct csv_parser p;
    /* Strict: a quote inside an unquoted field, or text after a closing quote, is an error
     * rather than a silently merged row; so is a quoted field left open at the end. */
    csv_init(&p, CSV_APPEND_NULL | CSV_STRICT | CSV_STRICT_FINI);
    csv_set_delim(&p, o->delimiter ? (unsigned char)o->delimiter : tsv ? '\t' : ',');
    csv_set_quote(&p, o->quote ? (unsigned char)o->quote : '"');
    char chunk[65536];
    int rc = 0, got = 0;
    while (!st.stop && (got = gzread(f, chunk, sizeof chunk)) > 0)
        feed_lines(&st, &p, chunk, (size_t)got, f);
    if (rc == 0 && !st.stop) {
        int e = 0;
        gzerror(f, &e);
        if (got < 0 || e != Z_OK) {
            snprintf(err, errlen, "cannot read '%s' after line %llu: %s", st.name,
                     (unsigned long long)st.line,
                     e == Z_BUF_ERROR ? "compressed data cut short" : gzerror(f, &e));
            rc = -1;
        } else if (csv_fini(&p, on_field, on_row, &st) != 0) {
            bad_quotes(&st, "a quoted field is never closed");
        }
    }
    if (rc == 0 && st.stop && !st.quote_error)
        rc = 1;
    if (sink->progress)
        sink->progress(sink->ctx, (uint64_t)gzoffset(f));
    free_row(&st);
    csv_free(&p);
    gzclose(f);
    for (size_t i = 0; i < st.n_columns; i++)
        free(st.columns[i]);
    return rc;
}
