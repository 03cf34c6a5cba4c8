/* import.h - byline-index's input formats: each reader turns a file (or a folder) into article
 * records, handed one by one to a sink. */
#ifndef BYLINE_IMPORT_H
#define BYLINE_IMPORT_H

#include "indexer.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum ix_format {
    IX_FORMAT_AUTO = 0,
    IX_FORMAT_JSONL,  /* JSON Lines; a .json file may also hold one object or an array */
    IX_FORMAT_CSV,    /* CSV or TSV */
    IX_FORMAT_FEED,   /* RSS 2.0, RSS 1.0 or Atom */
    IX_FORMAT_DIR,    /* a folder of .txt, .html and .json files */
    IX_FORMAT_BINARY, /* detected only: not text */
};

/* Where records go. */
typedef struct ix_sink {
    void *ctx;
    /* One record found at `where` ("file:line", "file:line (item 3)", "folder/a.txt"). obj is
     * the record as a JSON object, owned by the callee, or NULL when it is unusable; pre holds
     * what reading found (warnings, or the reason to skip it). Returns 0 to go on, nonzero to
     * stop reading. */
    int (*record)(void *ctx, const char *where, json_t *obj, const ix_diag *pre);
    /* Bytes of the current input read so far, for progress; may be NULL. */
    void (*progress)(void *ctx, uint64_t bytes);
} ix_sink;

typedef struct ix_import_opts {
    int format;            /* enum ix_format; IX_FORMAT_AUTO picks from the name, then the bytes */
    char delimiter;        /* CSV: 0 means ',' (tab for .tsv) */
    char quote;            /* CSV: 0 means '"' */
    const char *columns;   /* CSV: "a,b,c" names the columns; NULL reads a header row */
    int category_from_dir; /* folders: the first folder level is the category */
    const char *id_name;   /* the input name of the id field ("id" unless mapped) */
    const char *category_name; /* the input name of the categories field */
} ix_import_opts;

/* Parses a --format value. Returns the format, or -1. */
int ix_format_parse(const char *name);
const char *ix_format_name(int format);

/* Reads one input and hands each record to the sink. Returns 0 when the input was read to its
 * end, 1 when the sink asked to stop, -1 when the input cannot be read at all (err says why). */
int ix_import(const char *path, const ix_import_opts *o, ix_sink *sink, char *err, size_t errlen);

/* The readers, for ix_import and the tests. Each returns as ix_import. */
int ix_import_jsonl(const char *path, ix_sink *sink, char *err, size_t errlen);
int ix_import_csv(const char *path, const ix_import_opts *o, ix_sink *sink, char *err,
                  size_t errlen);
int ix_import_feed(const char *path, ix_sink *sink, char *err, size_t errlen);
int ix_import_dir(const char *path, const ix_import_opts *o, ix_sink *sink, char *err,
                  size_t errlen);

/* Reads a whole file (gzip or plain) of at most `cap` bytes into a malloc'd, NUL-terminated
 * buffer. Returns it, or NULL with err. */
char *ix_read_file(const char *path, size_t cap, size_t *len, char *err, size_t errlen);

/* Returns valid UTF-8 text for s[0..len): a copy, or when s is not valid UTF-8, a copy read as
 * Windows-1252 with *repaired set. malloc'd; NULL when memory runs out. */
char *ix_text_utf8(const char *s, size_t len, size_t *out_len, int *repaired);

/* An article from an HTML page: title (og:title, else <title>, else the first <h1>), body (the
 * text of <article>, else <main>, else <body>, without navigation, scripts, styles, headers,
 * footers, asides and forms), date (article:published_time, else the first <time datetime>),
 * author and summary from meta tags. Returns a new JSON object (never NULL for valid UTF-8). */
json_t *ix_html_article(const char *html, size_t len);

/* The readable text of an HTML fragment (a feed's description): tags dropped, entities
 * decoded, blocks separated by newlines. malloc'd. */
char *ix_html_text(const char *html, size_t len);

#endif
