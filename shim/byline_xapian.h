/* byline_xapian.h - Byline's C API over Xapian: the index schema, writing and searching.
 *
 * Conventions (read these once; every function below follows them):
 *
 * - Every type is opaque and used through its functions. A writer (bx_writer) and a reader
 *   (bx_reader) are separate handles; neither may be shared between threads without the
 *   caller's own locking. Use one reader per thread.
 * - Functions that can fail return a bx_status; BX_OK (0) is success. The message for the
 *   last failure is kept on the handle and is readable with bx_writer_errmsg() or
 *   bx_reader_errmsg() until the next call on that handle. Functions that create a handle
 *   report failure through a `char **err` out-parameter instead: on failure *err is set to a
 *   malloc'd message that the caller frees with bx_free(); on success it is set to NULL.
 * - No C++ exception ever leaves this API: each entry point catches everything and turns
 *   it into a status.
 * - Strings go in as (pointer, length) unless named `_z` (NUL-terminated). Strings handed
 *   in are copied when needed; the caller keeps ownership. Strings handed out are either
 *   malloc'd (freed with bx_free, said so in the comment) or borrowed from a handle (valid
 *   until the stated point, never freed by the caller).
 * - Destroyers (_free, _close) accept NULL.
 *
 * The index schema (Omega's conventions, so xapian-delve and quest read a Byline index):
 *   terms:  Q<id>, S<title words>, A<author words>, XA<author, exact>, K<tag>, XCAT<category>,
 *           XSRC<source>, L<lang>, D<YYYYMMDD>, M<YYYYMM>, Y<YYYY>, and unprefixed text terms
 *           (title, summary and body, stemmed in the article's language, with positions).
 *   values: see BX_SLOT_* below.
 *   data:   the stored record, three parts joined by newlines: the fields every search result
 *           shows as one compact JSON object, the article's other fields except its body as
 *           another, then the body text as it is (see bx_record). A result needs only the
 *           first part and the body for its snippet, and no JSON parsing for either.
 */
#ifndef BYLINE_XAPIAN_H
#define BYLINE_XAPIAN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes. New codes are only ever appended; existing numbers never change. */
typedef enum bx_status {
    BX_OK = 0,
    BX_ERR_INVALID = 1,   /* a bad argument from the caller */
    BX_ERR_NOT_FOUND = 2, /* no such document, or no database at the path */
    BX_ERR_OPENING = 3,   /* the database cannot be opened (missing, unreadable, wrong) */
    BX_ERR_LOCKED = 4,    /* another writer holds the database's lock */
    BX_ERR_MODIFIED = 5,  /* the database changed under a reader; reopen and retry */
    BX_ERR_CORRUPT = 6,   /* the database is damaged */
    BX_ERR_QUERY = 7,     /* the query text cannot be parsed */
    BX_ERR_NOMEM = 8,     /* out of memory */
    BX_ERR_IO = 9,        /* a read or write failed (disk full, permissions) */
    BX_ERR_XAPIAN = 10,   /* any other Xapian error */
    BX_ERR_INTERNAL = 11, /* anything else */
    BX_ERR_NETWORK = 12,  /* a remote database did not answer or the connection failed */
    BX_ERR_TIMEOUT = 13,  /* a remote database timed out */
} bx_status;

/* Value slots. */
enum {
    BX_SLOT_DATE = 0,       /* publication time: sortable_serialise(seconds since 1970 UTC) */
    BX_SLOT_CATEGORIES = 1, /* the article's categories as written, sorted, unique, joined
                               by BX_SET_SEP: one value per article for one cheap match spy */
    BX_SLOT_SOURCE = 2,     /* the source as written */
    BX_SLOT_LANG = 3,       /* the language code the article was stemmed as ("en"), or "" */
    BX_SLOT_HOUR = 4,       /* "YYYYMMDDHH" in UTC, for date histograms */
    BX_SLOT_DAY = 5,        /* "YYYYMMDD" in UTC, for freshness */
    BX_SLOT_STORY = 6,      /* a key shared by near-duplicate articles, for collapsing */
    BX_SLOT_AUTHORS = 7,    /* the authors, sorted, unique, joined by BX_SET_SEP */
    BX_SLOT_OLDEST = 8,     /* sortable_serialise(-seconds): sorted by value, descending, it
                               gives oldest first and undated articles last; a sort by value
                               works over remote shards, where Xapian 1.4 runs no key maker */
};

#define BX_SET_SEP '\x1f'

/* Returns a short string naming a status ("locked", "corrupt", ...). Static; never NULL. */
const char *bx_status_name(bx_status status);

/* The version of the Xapian library in use ("1.4.22"). Static; never NULL. */
const char *bx_xapian_version(void);

/* Frees memory handed out by this API. Accepts NULL. */
void bx_free(void *ptr);

/* ---- Languages ---------------------------------------------------------------------- */

/* Resolves a language given as an ISO 639-1/639-2 code ("de", "deu") or a Snowball name
 * ("german"), case-insensitive, to the canonical two-letter code Byline stores ("de"; "porter"
 * stays "porter"). Returns a static string, or NULL when libstemmer has no such stemmer. */
const char *bx_lang_resolve_z(const char *lang);

/* Lists every stemmer libstemmer offers by Snowball name. Returns a static, NULL-terminated
 * array. */
const char **bx_lang_list(void);

/* Stems one word in a language (code or name). Returns a malloc'd NUL-terminated string
 * (free with bx_free), or NULL when the language is unknown or memory runs out. */
char *bx_stem_word(const char *lang, const char *word, size_t len);

/* ---- Writing ------------------------------------------------------------------------- */

typedef struct bx_writer bx_writer;

/* One article to index. Every string is (pointer, length); NULL/0 means absent. Lists are
 * arrays of NUL-terminated strings. The caller owns everything; bx_writer_put copies what it
 * keeps. */
typedef struct bx_article {
    const char *id;
    size_t id_len;
    const char *title;
    size_t title_len;
    const char *summary;
    size_t summary_len;
    const char *body;
    size_t body_len;
    const char *source;
    size_t source_len;
    const char *const *authors;
    size_t n_authors;
    const char *const *categories;
    size_t n_categories;
    const char *const *tags;
    size_t n_tags;
    const char *lang;     /* a code resolved by bx_lang_resolve_z, or NULL for unstemmed text */
    const char *lang_tag; /* with lang NULL: the language the text is in all the same, for
                             filters and facets ("pl"; lower-cased when indexed), or NULL */
    int has_date;
    int64_t date;     /* seconds since 1970-01-01 UTC; read only when has_date */
    const char *data; /* the stored fields except the body: two compact JSON objects joined by
                       * a newline, the fields results show and then the others (bx_record) */
    size_t data_len;
} bx_article;

/* Writer options. Zero-initialise, then set what you need. */
typedef struct bx_writer_options {
    int create;               /* create the database when it does not exist */
    int overwrite;            /* discard any existing database first */
    int no_spelling;          /* do not record spelling data (faster indexing, no did-you-mean) */
    int no_positions;         /* do not record word positions (no phrase search) */
    size_t flush_every;       /* commit after this many changes; 0 means only on bx_writer_commit */
    int no_sync;              /* commits do not wait for the disk: for a database that is merged
                               * into another (which is synced) and then thrown away */
    int commit_alone;         /* commits wait for those of the process's other writers opened with
                               * commit_alone: for writers in threads side by side, as Xapian 1.4
                               * can abort the process when commits of several databases fail at
                               * once (a full disk) */
    size_t flush_every_large; /* when not 0: commit after this many changes instead, once the
                               * database holds BX_LARGE_INDEX articles (a commit costs more in
                               * a larger index, changes held in memory cost more in a larger
                               * batch) */
    int no_pairs;             /* a new database learns no common words: phrases are proved from
                               * positions only (a database that has the list keeps using it) */
} bx_writer_options;

/* The size from which writers commit every flush_every_large changes. */
#define BX_LARGE_INDEX 50000

/* byline-index's batches without --batch: commits every BX_BATCH articles, and every
 * BX_BATCH_LARGE once the database being written holds BX_LARGE_INDEX. */
#define BX_BATCH       1000
#define BX_BATCH_LARGE 2000

/* Opens a database for writing at `path_z`, taking its lock. On success returns BX_OK and
 * sets *out to a writer closed with bx_writer_close. On failure returns the status, sets *out
 * to NULL and *err to a malloc'd message (free with bx_free). */
bx_status bx_writer_open(const char *path_z, const bx_writer_options *opts, bx_writer **out,
                         char **err);

/* Adds an article, replacing any article with the same id. Sets *replaced (when not NULL)
 * to 1 when an article was replaced, else 0. Commits on its own every flush_every changes. */
bx_status bx_writer_put(bx_writer *w, const bx_article *article, int *replaced);

/* As bx_writer_put, but an article whose id is new to the database gets the document id
 * `docid` (0: the next free one), which must be above every id the database has used; an
 * article replacing one keeps the old one's document id. Sharded indexes number articles in
 * the order they first arrive, over all shards, so that ties rank alike over any set of shards
 * and over one database built in that order. */
bx_status bx_writer_put_at(bx_writer *w, const bx_article *article, uint64_t docid, int *replaced);

/* The highest document id the database has ever used (0 for none). */
uint64_t bx_writer_lastdocid(const bx_writer *w);

/* Deletes the article with this id. Sets *existed (when not NULL) to 1 when there was one. */
bx_status bx_writer_delete(bx_writer *w, const char *id, size_t id_len, int *existed);

/* Commits every change so far, making it durable and visible to readers. */
bx_status bx_writer_commit(bx_writer *w);

/* The number of articles in the database, including uncommitted changes. */
uint64_t bx_writer_doccount(const bx_writer *w);

/* The message of the last failure on this writer. Borrowed; valid until the next call. */
const char *bx_writer_errmsg(const bx_writer *w);

/* Commits what is pending and closes. The writer is freed either way; when the final commit
 * fails, returns its status and sets *err (when not NULL) to a malloc'd message (free with
 * bx_free). Accepts NULL (returns BX_OK). */
bx_status bx_writer_close(bx_writer *w, char **err);

/* Shares out among the writers ws[0..n) the words they have counted for the spelling table
 * and not yet added: afterwards each word is held by one writer only (chosen by a hash of
 * the word), with the sum of every writer's count. Writers of shards whose spelling tables
 * end up together (merged by bx_compact, or moved by bx_spelling_move) then add each word
 * once, each writer a share of the words, instead of every writer adding most words. Only
 * for shards that are committed or thrown away together: if one shard's commit failed, the
 * words it held for the others would be lost. Every writer must record spelling data (none
 * opened with no_spelling), and none may be in use by another thread during the call. On
 * failure (out of memory) returns the status and leaves every writer's counts as they were. */
bx_status bx_writers_share_spellings(bx_writer *const *ws, size_t n);

/* Merges the databases at srcs_z (n of them, closed) into a new database at dest_z with
 * Xapian's compactor. Documents are renumbered; ids (Q terms) are kept. On failure returns
 * the status and sets *err to a malloc'd message (free with bx_free). */
bx_status bx_compact(const char *const *srcs_z, size_t n, const char *dest_z, char **err);

/* Moves the spelling data (words and frequencies) of the databases at srcs_z (n of them, not
 * open elsewhere for writing) into the database at dest_z, created when missing: a sharded
 * index keeps one spelling table beside its shards, because Xapian's remote backend does not
 * serve spelling data. Frequencies add up. On failure returns the status and sets *err to a
 * malloc'd message (free with bx_free). */
bx_status bx_spelling_move(const char *const *srcs_z, size_t n, const char *dest_z, char **err);

/* ---- Reading ------------------------------------------------------------------------- */

typedef struct bx_reader bx_reader;

/* Opens one or more databases as one index for reading. Each path is a local database
 * folder, a stub database file (or a folder holding one named XAPIANDB, as a sharded index
 * has), or "tcp://host:port" for a database served by xapian-tcpsrv; stub files may list
 * local and remote databases ("auto PATH", "glass PATH", "remote HOST:PORT"). Each database
 * so listed is a shard. `timeout_ms` bounds connecting to and reading from remote shards
 * (0: 10 s). On failure returns the status, *out NULL and *err a malloc'd message naming the
 * shard at fault (free with bx_free). */
bx_status bx_reader_open(const char *const *paths_z, size_t n_paths, unsigned timeout_ms,
                         bx_reader **out, char **err);

/* A cache of stored articles (each hit's fields and text), shared by the readers it is given
 * to (thread-safe), kept within max_bytes by dropping the least recently used. Entries are
 * tied to the exact revision of every database a reader searches, so a reader that picks up
 * a new commit never gets an article as it was before. Readers with a remote shard do not
 * use it. NULL when out of memory. */
typedef struct bx_doc_cache bx_doc_cache;
bx_doc_cache *bx_doc_cache_new(size_t max_bytes);
/* Frees the cache; every reader given it must be closed first. NULL-safe. */
void bx_doc_cache_free(bx_doc_cache *c);

typedef struct bx_doc_cache_stats {
    uint64_t hits, misses; /* lookups since the cache was made */
    uint64_t entries, bytes, max_bytes;
} bx_doc_cache_stats;
/* Fills *out (all zero for a NULL cache). */
void bx_doc_cache_get_stats(bx_doc_cache *c, bx_doc_cache_stats *out);

/* Facet values held in memory by document, one column per facet, shared by the readers they
 * are given to (thread-safe): a faceted search then counts each match with an array lookup
 * instead of reading its values from the index. The columns of a revision are built by the
 * first faceted search that needs them (a pass over the facet's values in the index; a search
 * that finds one being built counts without it) and kept for the two revisions used last.
 * Readers with a remote shard do not use them. NULL when out of memory. */
typedef struct bx_facet_columns bx_facet_columns;
bx_facet_columns *bx_facet_columns_new(void);
/* Frees the columns; every reader given them must be closed first. NULL-safe. */
void bx_facet_columns_free(bx_facet_columns *c);

typedef struct bx_facet_columns_stats {
    uint64_t builds;   /* columns built since the set was made */
    uint64_t build_ms; /* time spent building them */
    uint64_t columns;  /* columns held now */
    uint64_t bytes;    /* memory they take */
} bx_facet_columns_stats;
/* Fills *out (all zero for NULL). */
void bx_facet_columns_get_stats(bx_facet_columns *c, bx_facet_columns_stats *out);

/* How a reader treats remote shards. Zero-initialise, then set what you need. */
typedef struct bx_reader_options {
    unsigned timeout_ms;             /* waiting for a remote shard's answer (0: 10000) */
    unsigned connect_timeout_ms;     /* connecting to a remote shard and reading its greeting;
                                        also the longest a retry of a shard that is down may take
                                        (0: 2000) */
    int allow_partial;               /* leave out remote shards that are down and serve from the
                                        others, instead of failing (see bx_reader_shard_missing) */
    bx_doc_cache *doc_cache;         /* where to keep stored articles, or NULL (not owned) */
    bx_facet_columns *facet_columns; /* facet columns to count with, or NULL (not owned) */
    int parallel_count;              /* with facet_columns and one local database: count facets
                                        in a second thread, on a second handle of the database,
                                        while the ranked search runs */
} bx_reader_options;

/* How many faceted searches of this reader counted in its second thread (parallel_count),
 * since it was opened. */
uint64_t bx_reader_parallel_passes(const bx_reader *r);

/* As bx_reader_open, with options. Remote shards that fail are remembered by every reader of
 * the process: a shard that failed is retried at most once a second (by one reader at a
 * time), and readers that hold it drop it (allow_partial) or fail at their next
 * bx_reader_reopen, instead of each waiting out the timeout. A shard that answers again is
 * taken back by every reader at its next bx_reader_reopen. With allow_partial, opening fails
 * only when no shard holding articles can be reached. */
bx_status bx_reader_open_opts(const char *const *paths_z, size_t n_paths,
                              const bx_reader_options *opts, bx_reader **out, char **err);

/* Picks up the latest commit, re-reads stub files that changed, drops remote shards that
 * failed (allow_partial) and takes back those that answer again. Sets *changed (when not
 * NULL) to 1 when what is searched changed. On failure (a remote shard down without
 * allow_partial, a database gone) the reader keeps its previous state; close it and open
 * afresh. */
bx_status bx_reader_reopen(bx_reader *r, int *changed);

/* 1 when a remote shard this reader uses, or misses, has failed or come back since the
 * reader last opened or reopened: call bx_reader_reopen before searching. Cheap (one atomic
 * load); 0 for NULL. */
int bx_reader_stale(const bx_reader *r);

/* The remote shards this process found down and has not reached since, quoted and joined by
 * ", " ("'tcp://10.0.0.7:7001', 'tcp://10.0.0.8:7001'"). Returns a malloc'd string (free with
 * bx_free), or NULL when none is down. */
char *bx_shards_down(void);

/* The shards, in the order listed: a local database's path or "tcp://host:port". */
size_t bx_reader_shard_count(const bx_reader *r);
/* The i-th shard's name. Borrowed until the next bx_reader_reopen or bx_reader_close; NULL
 * when i is out of range. */
const char *bx_reader_shard_name(const bx_reader *r, size_t i);
/* 1 when the i-th shard is left out of searches (allow_partial, and it could not be
 * reached), else 0. */
int bx_reader_shard_missing(const bx_reader *r, size_t i);
/* The number of shards left out; 0 when the reader searches everything. */
size_t bx_reader_missing_count(const bx_reader *r);

/* The number of articles. */
uint64_t bx_reader_doccount(const bx_reader *r);

/* The number of common words whose adjacent pairs every database searched indexes, so that a
 * phrase of them is found without reading word positions (0: phrases read positions). */
size_t bx_reader_common_words(const bx_reader *r);

/* The revision of the database; 0 when several are open as one, or for a remote one. */
uint64_t bx_reader_revision(const bx_reader *r);

/* The message of the last failure on this reader. Borrowed; valid until the next call. */
const char *bx_reader_errmsg(const bx_reader *r);

/* Closes the reader. Accepts NULL. */
void bx_reader_close(bx_reader *r);

/* Fetches the stored record of the article with this id (see bx_record_split). On success
 * sets *json to a malloc'd NUL-terminated string (free with bx_free) and *len to its length.
 * BX_ERR_NOT_FOUND when there is no such article. */
bx_status bx_reader_get(bx_reader *r, const char *id, size_t id_len, char **json, size_t *len);

/* The parts of a stored record (bx_reader_get, bx_results_data), borrowed from it. */
typedef struct bx_record {
    const char *hit; /* the fields every result shows, one JSON object */
    size_t hit_len;
    const char *more; /* the other fields except the body, one JSON object ("{}" when none) */
    size_t more_len;
    const char *body; /* the body text (empty when the article has none) */
    size_t body_len;
} bx_record;

/* Splits a stored record into its parts. */
void bx_record_split(const char *rec, size_t len, bx_record *out);

/* Counts per distinct value of a value slot over the whole index; set-valued slots
 * (categories, authors) are split. Handed out as a bx_counts (see below). */
typedef struct bx_counts bx_counts;
bx_status bx_reader_value_counts(bx_reader *r, unsigned slot, bx_counts **out);

/* The smallest and largest dates in the index; *has_dates is 0 when no article has one. */
bx_status bx_reader_date_range(bx_reader *r, int *has_dates, int64_t *min, int64_t *max);

/* Per-value counts, sorted by count (descending) then value. */
size_t bx_counts_size(const bx_counts *c);
/* The i-th value (borrowed until bx_counts_free) and its count. */
const char *bx_counts_value(const bx_counts *c, size_t i, size_t *len);
uint64_t bx_counts_count(const bx_counts *c, size_t i);
void bx_counts_free(bx_counts *c);

/* ---- Searching ----------------------------------------------------------------------- */

enum bx_sort { BX_SORT_RELEVANCE = 0, BX_SORT_NEWEST = 1, BX_SORT_OLDEST = 2 };

/* Facet fields, as bits of bx_search_spec.facets. */
enum {
    BX_FACET_CATEGORY = 1 << 0,
    BX_FACET_SOURCE = 1 << 1,
    BX_FACET_LANG = 1 << 2,
    BX_FACET_DATE = 1 << 3,
    BX_FACET_AUTHOR = 1 << 4,
};

/* A list of NUL-terminated strings (borrowed from the caller). */
typedef struct bx_strlist {
    const char *const *items;
    size_t n;
} bx_strlist;

/* One search. Zero-initialise, then set what you need. The caller owns every string. */
typedef struct bx_search_spec {
    const char *query; /* Xapian query syntax; NULL or "" matches every article */
    size_t query_len;
    const char *lang;      /* stemming language for the query text (code); NULL means "en" */
    int match_all;         /* 1: every word required (default: ranked OR, more words rank higher) */
    bx_strlist categories; /* any of these categories */
    bx_strlist sources;    /* any of these sources */
    bx_strlist authors;    /* any of these authors */
    bx_strlist langs;      /* any of these languages */
    bx_strlist tags;       /* any of these tags */
    int has_from, has_to;
    int64_t from, to;          /* inclusive bounds, seconds since 1970 UTC */
    int sort;                  /* enum bx_sort */
    int64_t recency_half_life; /* seconds; 0 means no freshness boost */
    int64_t now;               /* the time freshness is measured from (seconds UTC) */
    unsigned facets;           /* BX_FACET_* bits */
    int date_unit;             /* what the date facet counts: enum bx_date_unit */
    int collapse;              /* collapse near-duplicates (BX_SLOT_STORY) */
    unsigned offset, limit;
    unsigned check_at_least; /* examine at least this many matches for the total; asking for
                                 facets makes the count exact regardless */
    int want_correction;     /* compute a spelling suggestion */
    unsigned time_limit_ms;  /* stop matching after this long (0: no limit) */
} bx_search_spec;

/* The keys the date facet counts: hours ("YYYYMMDDHH"), days ("YYYYMMDD"; fewer keys, so
 * faster for day, week, month and year buckets), or days unless the matches all fall within
 * three days, then hours. */
enum bx_date_unit { BX_DATES_HOURS = 0, BX_DATES_DAYS = 1, BX_DATES_AUTO = 2 };

typedef struct bx_results bx_results;

/* Runs a search. On success sets *out to results freed with bx_results_free. BX_ERR_QUERY
 * when the query text cannot be parsed (the message says why); BX_ERR_MODIFIED when the
 * index changed beyond what a reader can follow (reopen and retry). */
bx_status bx_search(bx_reader *r, const bx_search_spec *spec, bx_results **out);

/* The number of matches (exact when *exact is 1, otherwise a lower bound). */
uint64_t bx_results_total(const bx_results *res, int *exact);
/* Whether the time limit cut matching short. */
int bx_results_timed_out(const bx_results *res);
/* The spelling-corrected query, or NULL (borrowed until bx_results_free). */
const char *bx_results_corrected(const bx_results *res);
size_t bx_results_size(const bx_results *res);
/* The i-th hit: its stored JSON (borrowed until bx_results_free), its score, and how many
 * near-duplicates collapsed into it. */
const char *bx_results_data(const bx_results *res, size_t i, size_t *len);
double bx_results_score(const bx_results *res, size_t i);
uint64_t bx_results_collapsed(const bx_results *res, size_t i);
/* A snippet of `text` of at most `length` bytes of text, the window holding most of the
 * query's words, HTML-escaped, whitespace collapsed, with <mark>...</mark> around matched words
 * (any form that stems like a query word) and an ellipsis where text was cut. Reads nothing
 * from the index. Returns a malloc'd string (free with bx_free), NULL on error. */
char *bx_results_snippet(bx_results *res, const char *text, size_t len, size_t length);
/* Facet counts of one BX_FACET_* field (exact, over all matches, ignoring the field's own
 * filter). For BX_FACET_DATE the values are "YYYYMMDDHH" hour keys or "YYYYMMDD" day keys
 * (see bx_date_unit), to be bucketed by the caller. Borrowed until bx_results_free; NULL when the
 * facet was not asked for. */
const bx_counts *bx_results_facet(const bx_results *res, unsigned facet);
void bx_results_free(bx_results *res);

/* Articles like the article with this id (Xapian's relevance feedback: the article's most
 * telling terms, searched for), excluding the article itself. Results as for bx_search. */
bx_status bx_related(bx_reader *r, const char *id, size_t id_len, unsigned limit, bx_results **out);

/* Completions for a partly typed query: words from the index beginning with the last word
 * of `prefix`, most frequent first. Sets *out to a malloc'd array of *n malloc'd strings;
 * free with bx_strings_free. */
bx_status bx_suggest(bx_reader *r, const char *prefix, size_t prefix_len, unsigned limit,
                     char ***out, size_t *n);
void bx_strings_free(char **strings, size_t n);

#ifdef __cplusplus
}
#endif

#endif
