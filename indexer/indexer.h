/* indexer.h - byline-index's pieces: turning input records into articles, and the run. */
#ifndef BYLINE_INDEXER_H
#define BYLINE_INDEXER_H

#include "byline_xapian.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* The canonical article fields, in the order they are stored. */
enum ix_field {
    IX_ID,
    IX_TITLE,
    IX_BODY,
    IX_SUMMARY,
    IX_URL,
    IX_AUTHOR,
    IX_SOURCE,
    IX_CATEGORIES,
    IX_TAGS,
    IX_DATE,
    IX_LANG,
    IX_NFIELDS
};

/* Returns the canonical name of a field ("title"). */
const char *ix_field_name(enum ix_field f);

/* Where each canonical field is read from in the input: by default its own name. */
typedef struct ix_fieldmap {
    char *input[IX_NFIELDS]; /* malloc'd input names; NULL means the canonical name */
} ix_fieldmap;

/* Parses "title=headline,date=published_at" into the map (adding to what it holds).
 * Returns 0, or -1 with a message in err (errlen bytes) naming the bad part. */
int ix_fieldmap_parse(ix_fieldmap *map, const char *spec, char *err, size_t errlen);
void ix_fieldmap_release(ix_fieldmap *map);

/* Problems found in one record. */
enum ix_problem {
    IX_PROBLEM_NONE = 0,
    IX_SKIP_JSON,     /* not valid JSON, or not an object */
    IX_SKIP_NO_ID,    /* no usable id */
    IX_SKIP_TYPE,     /* a field of the wrong type */
    IX_SKIP_TOO_LONG, /* the record is larger than the limit */
    IX_SKIP_INDEX,    /* Xapian refused it */
    IX_SKIP_INPUT,    /* the input around it is unusable (not a feed, an unreadable file) */
    IX_NSKIP,
};

enum ix_warning {
    IX_WARN_DATE = 0, /* unparseable date: indexed without one */
    IX_WARN_UTF8,     /* invalid UTF-8: read as Windows-1252 */
    IX_WARN_LANG,     /* unknown language: indexed unstemmed */
    IX_WARN_INPUT,    /* a flaw in the input around the record (broken XML, odd CSV row) */
    IX_NWARN,
};

/* What converting a record found: at most one reason to skip it, any number of warnings
 * (each kind once), with messages. */
typedef struct ix_diag {
    enum ix_problem skip;
    char skip_msg[512];
    unsigned warned; /* bit per enum ix_warning */
    char warn_msg[IX_NWARN][512];
} ix_diag;

/* An article built from one input record, owning every string it points to. */
typedef struct ix_record {
    bx_article art;
    json_t *stored;        /* the fields kept as the article's stored data */
    json_t *hit;           /* after storing: the fields results show, moved from stored */
    json_t *body;          /* after storing: the body string, moved from stored, or NULL */
    char *data;            /* stored, serialised */
    const char **lists[3]; /* authors, categories, tags: pointers into stored */
} ix_record;

/* Conversion settings. */
typedef struct ix_convert {
    const ix_fieldmap *map;
    const char *default_lang; /* resolved code, or NULL for unstemmed */
} ix_convert;

/* Parses one JSON Lines record (line[0..len), no newline): text that is not valid UTF-8 is read
 * as Windows-1252 (a warning in d). Returns a new JSON object, or NULL with a skip in d. */
json_t *ix_parse_record(const char *line, size_t len, ix_diag *d);

/* Converts a record given as a JSON object (borrowed) into rec, adding to what d already holds
 * (warnings from reading). Returns as ix_record_from_json. */
int ix_record_from_object(const ix_convert *cv, json_t *root, ix_record *rec, ix_diag *d);

/* Converts one JSON Lines record (line[0..len), no newline) into rec. Always fills diag.
 * Returns 0 when rec holds an article to index (possibly with warnings), -1 when the record
 * is to be skipped (diag says why). Release rec with ix_record_release either way. */
int ix_record_from_json(const ix_convert *cv, const char *line, size_t len, ix_record *rec,
                        ix_diag *diag);
void ix_record_release(ix_record *rec);

/* ---- Parallel indexing -------------------------------------------------------------- */

/* A pool of writer threads, each writing its own database (a shard); articles are placed by
 * a hash of their id, so every copy of an id reaches the same shard. */
typedef struct ix_pool ix_pool;

/* Counts from the pool's writers. */
typedef struct ix_pool_counts {
    uint64_t added, replaced, refused, deleted, missing;
    int uncommitted; /* shards whose last commit failed */
} ix_pool_counts;

/* Starts n writer threads on the databases at paths[0..n), opened with opts. `strict` makes
 * the first refused article stop the pool; `quiet` silences warnings (ids to delete that are
 * not there). `merged`: the databases are new, merged into one index at the end and thrown
 * away whole if anything fails, so the writers may share out their spelling words (see
 * bx_writers_share_spellings); never for shards kept as they are, where one shard's failed
 * commit would lose words that articles committed in other shards use. On failure returns
 * NULL and sets *err (malloc'd, free()). */
ix_pool *ix_pool_new(const char *const *paths, int n, const bx_writer_options *opts, int strict,
                     int quiet, int merged, char **err);

/* Hands an article to its shard's writer, taking ownership of rec (released by the pool);
 * `where` names it in messages. Returns 0, or -1 when the pool has stopped (a write failed,
 * or --strict saw a refused article). */
int ix_pool_put(ix_pool *p, ix_record *rec, const char *where);

/* As ix_pool_put; an article new to its shard gets document id `docid` (see
 * bx_writer_put_at). */
int ix_pool_put_at(ix_pool *p, ix_record *rec, const char *where, uint64_t docid);

/* Hands the deletion of an id (copied) to its shard's writer. Returns 0 or -1 as
 * ix_pool_put. */
int ix_pool_delete(ix_pool *p, const char *id);

/* The highest document id any of the pool's databases had used when it started. */
uint64_t ix_pool_lastdocid(const ix_pool *p);

/* Waits for the writers, commits and closes their databases, frees the pool. Returns 0, or
 * -1 when anything failed (the messages were printed). Fills *counts either way. */
int ix_pool_finish(ix_pool *p, ix_pool_counts *counts);

/* The shard (0..n-1) an id belongs to: FNV-1a of its bytes, modulo n. */
unsigned ix_shard_of(const char *id, size_t len, unsigned n);

/* ---- Sharded indexes ---------------------------------------------------------------- */

/* A sharded index is a folder holding the shards (shard-0 .. shard-N-1), a database with the
 * spelling data of them all (spelling), and a Xapian stub file (XAPIANDB) listing them, so
 * that Xapian's tools and byline-searchd open the folder as one index. */

#define IX_MAX_SHARDS 64

/* Whether `db` is a sharded index: 1 (and *n set to its shard count), 0 when it is not (no
 * such path, or a single database), -1 with a message in err (errlen bytes) when it is a stub
 * folder Byline did not write. */
int ix_shards_detect(const char *db, int *n, char *err, size_t errlen);

/* Writes the path of shard i (i < 0: the spelling database) of the sharded index `db` into
 * out (size bytes). */
void ix_shards_path(const char *db, int i, char *out, size_t size);

/* Writes the stub file of a sharded index of n shards into the folder `db` (replacing it in
 * one step). Returns 0, or -1 with a message in err. */
int ix_shards_write_stub(const char *db, int n, char *err, size_t errlen);

/* byline-index stats: prints what an index holds. Returns the exit status. */
int ix_stats_main(int argc, char **argv);

#endif
