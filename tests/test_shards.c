/* test_shards.c - the shim's shards, in C against byline_xapian.h alone: stub files, a remote
 * shard that cannot be reached (named in the error, or left out with allow_partial), document
 * ids given to new articles, spelling data moved into a database of its own and spelling words
 * shared out among the writers of shards. */
#include "byline_xapian.h"
#include "testutil.h"

#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static void path_of(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", dir, name);
}

static bx_article article(const char *id)
{
    bx_article a;
    memset(&a, 0, sizeof a);
    a.id = id;
    a.id_len = strlen(id);
    a.title = "Grain exports rise";
    a.title_len = strlen(a.title);
    a.body = "Wheat and barley shipments grew.";
    a.body_len = strlen(a.body);
    a.lang = "en";
    a.data = "{}";
    a.data_len = 2;
    return a;
}

/* Writes a database of these ids, numbered from first_docid (0: as Xapian numbers them). */
static void write_db(const char *name, const char *const *ids, size_t n, uint64_t first_docid)
{
    char path[300];
    path_of(path, sizeof path, name);
    bx_writer_options o = { 0 };
    o.create = 1;
    bx_writer *w = NULL;
    char *err = NULL;
    CHECK_INT(bx_writer_open(path, &o, &w, &err), BX_OK);
    bx_free(err);
    for (size_t i = 0; i < n; i++) {
        bx_article a = article(ids[i]);
        CHECK_INT(bx_writer_put_at(w, &a, first_docid ? first_docid + i : 0, NULL), BX_OK);
    }
    CHECK_INT(bx_writer_close(w, NULL), BX_OK);
}

static void write_file(const char *name, const char *text)
{
    char path[300];
    path_of(path, sizeof path, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Opens one path; returns the status and leaves the reader (or NULL) in *r, the message in
 * msg. */
static bx_status open_path(const char *name, int allow_partial, bx_reader **r, char *msg,
                           size_t size)
{
    char path[300];
    path_of(path, sizeof path, name);
    const char *paths[] = { path };
    bx_reader_options o = { 500, 500, allow_partial, NULL, NULL, 0 };
    char *err = NULL;
    bx_status st = bx_reader_open_opts(paths, 1, &o, r, &err);
    snprintf(msg, size, "%s", err ? err : "");
    bx_free(err);
    return st;
}

static void test_stub_files(void)
{
    static const char *const a[] = { "a1", "a2" }, *const b[] = { "b1" };
    write_db("a", a, 2, 0);
    write_db("b", b, 1, 0);
    bx_reader *r = NULL;
    char msg[1024];
    write_file("two", "# two shards\nauto a\n\nglass b\n");
    CHECK_INT(open_path("two", 0, &r, msg, sizeof msg), BX_OK);
    CHECK_INT(bx_reader_doccount(r), 3);
    CHECK_INT(bx_reader_shard_count(r), 2);
    CHECK_CONTAINS(bx_reader_shard_name(r, 1), "/b");
    CHECK(bx_reader_shard_name(r, 2) == NULL);
    CHECK_INT(bx_reader_missing_count(r), 0);
    CHECK_INT(bx_reader_stale(r), 0);
    int changed = -1;
    CHECK_INT(bx_reader_reopen(r, &changed), BX_OK);
    CHECK_INT(changed, 0);
    /* A stub file that changes (a replica switching copies) is read again. */
    write_file("two", "auto a\n");
    CHECK_INT(bx_reader_reopen(r, &changed), BX_OK);
    CHECK_INT(changed, 1);
    CHECK_INT(bx_reader_doccount(r), 2);
    CHECK_INT(bx_reader_shard_count(r), 1);
    bx_reader_close(r);

    /* A folder holding XAPIANDB, as a sharded index has; paths relative to the stub. */
    char set[300];
    path_of(set, sizeof set, "set");
    CHECK_INT(mkdir(set, 0755), 0);
    write_file("set/XAPIANDB", "auto ../a\nauto ../b\n");
    CHECK_INT(open_path("set", 0, &r, msg, sizeof msg), BX_OK);
    CHECK_INT(bx_reader_doccount(r), 3);
    bx_reader_close(r);

    write_file("bad", "auto a\nnonsense here\n");
    CHECK_INT(open_path("bad", 0, &r, msg, sizeof msg), BX_ERR_OPENING);
    CHECK(r == NULL);
    CHECK_CONTAINS(msg, "bad:2: not a line of a stub file");
    write_file("prog", "remote :xapian-progsrv a\n");
    CHECK_INT(open_path("prog", 0, &r, msg, sizeof msg), BX_ERR_OPENING);
    CHECK_CONTAINS(msg, "remote programs are not supported");
    write_file("loop", "auto loop\n");
    CHECK_INT(open_path("loop", 0, &r, msg, sizeof msg), BX_ERR_OPENING);
    CHECK_CONTAINS(msg, "nest too deep");
}

/* Port 1 of 127.0.0.1 refuses connections: a remote shard that is down. */
static void test_remote_down(void)
{
    bx_reader *r = NULL;
    char msg[1024];
    write_file("mixed", "auto a\nremote 127.0.0.1:1\n");
    CHECK_INT(open_path("mixed", 0, &r, msg, sizeof msg), BX_ERR_NETWORK);
    CHECK(r == NULL);
    CHECK_CONTAINS(msg, "remote shard 'tcp://127.0.0.1:1'");
    char *down = bx_shards_down();
    CHECK_CONTAINS(down, "'tcp://127.0.0.1:1'");
    bx_free(down);

    CHECK_INT(open_path("mixed", 1, &r, msg, sizeof msg), BX_OK);
    CHECK_INT(bx_reader_doccount(r), 2);
    CHECK_INT(bx_reader_shard_count(r), 2);
    CHECK_INT(bx_reader_missing_count(r), 1);
    CHECK_INT(bx_reader_shard_missing(r, 0), 0);
    CHECK_INT(bx_reader_shard_missing(r, 1), 1);
    CHECK_STR(bx_reader_shard_name(r, 1), "tcp://127.0.0.1:1");
    CHECK_INT(bx_reader_reopen(r, NULL), BX_OK); /* still down: still left out */
    CHECK_INT(bx_reader_missing_count(r), 1);
    bx_reader_close(r);

    /* Nothing holding articles left: an error, even with allow_partial. */
    write_file("remote-only", "remote 127.0.0.1:1\n");
    CHECK_INT(open_path("remote-only", 1, &r, msg, sizeof msg), BX_ERR_NETWORK);
    CHECK_CONTAINS(msg, "no shard holding articles answers");
}

static void test_docids(void)
{
    char path[300];
    path_of(path, sizeof path, "numbered");
    bx_writer_options o = { 0 };
    o.create = 1;
    bx_writer *w = NULL;
    CHECK_INT(bx_writer_open(path, &o, &w, NULL), BX_OK);
    bx_article x = article("x"), y = article("y");
    CHECK_INT(bx_writer_put_at(w, &x, 10, NULL), BX_OK);
    CHECK_INT(bx_writer_lastdocid(w), 10);
    CHECK_INT(bx_writer_put_at(w, &y, 5, NULL), BX_ERR_INTERNAL); /* used ids are never reused */
    CHECK_CONTAINS(bx_writer_errmsg(w), "document id 5 was used before");
    int replaced = -1;
    CHECK_INT(bx_writer_put_at(w, &x, 99, &replaced), BX_OK); /* a replacement keeps its id */
    CHECK_INT(replaced, 1);
    CHECK_INT(bx_writer_lastdocid(w), 10);
    CHECK_INT(bx_writer_doccount(w), 1);
    CHECK_INT(bx_writer_close(w, NULL), BX_OK);
}

static size_t suggestions(const char *name, const char *prefix)
{
    char path[300];
    path_of(path, sizeof path, name);
    const char *paths[] = { path };
    bx_reader *r = NULL;
    CHECK_INT(bx_reader_open(paths, 1, 0, &r, NULL), BX_OK);
    char **list = NULL;
    size_t n = 0;
    CHECK_INT(bx_suggest(r, prefix, strlen(prefix), 5, &list, &n), BX_OK);
    if (n)
        CHECK_STR(list[0], "wheat");
    bx_strings_free(list, n);
    bx_reader_close(r);
    return n;
}

static void test_spelling_move(void)
{
    static const char *const ids[] = { "s1" };
    write_db("words", ids, 1, 0);
    CHECK(suggestions("words", "whe") > 0);
    char src[300], dest[300];
    path_of(src, sizeof src, "words");
    path_of(dest, sizeof dest, "spelling");
    const char *srcs[] = { src };
    char *err = NULL;
    CHECK_INT(bx_spelling_move(srcs, 1, dest, &err), BX_OK);
    bx_free(err);
    CHECK_INT(suggestions("words", "whe"), 0);
    CHECK(suggestions("spelling", "whe") > 0);
}

/* The words of the spelling table of database `name` that begin with `prefix`, most frequent
 * first, each followed by a space. */
static void spelled(const char *name, const char *prefix, char *out, size_t size)
{
    char path[300];
    path_of(path, sizeof path, name);
    const char *paths[] = { path };
    bx_reader *r = NULL;
    char **list = NULL;
    size_t n = 0;
    out[0] = '\0';
    CHECK_INT(bx_reader_open(paths, 1, 0, &r, NULL), BX_OK);
    CHECK_INT(bx_suggest(r, prefix, strlen(prefix), 20, &list, &n), BX_OK);
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s ", list[i]);
    }
    bx_strings_free(list, n);
    bx_reader_close(r);
}

/* Writers of shards share out their spelling words: each word lands in one shard's table
 * with the count of all, and the tables merged or moved together hold every word once.
 * Numbers are not spelling words. */
static void test_share_spellings(void)
{
    /* "whizz" twice in all, once in each: first among the completions only when the counts
     * are added up (ties come in alphabetical order). */
    static const char *const bodies[] = { "whizz wheat 1987 1,250 3.5 1;2",
                                          "whizz whey wheel 1987" };
    const char *names[] = { "share-0", "share-1" };
    bx_writer *ws[2] = { NULL, NULL };
    char paths[2][300];
    for (int i = 0; i < 2; i++) {
        path_of(paths[i], sizeof paths[i], names[i]);
        bx_writer_options o = { 0 };
        o.create = 1;
        CHECK_INT(bx_writer_open(paths[i], &o, &ws[i], NULL), BX_OK);
        bx_article a = article(names[i]);
        a.body = bodies[i];
        a.body_len = strlen(bodies[i]);
        a.title = NULL;
        a.title_len = 0;
        CHECK_INT(bx_writer_put(ws[i], &a, NULL), BX_OK);
    }
    CHECK_INT(bx_writers_share_spellings(ws, 2), BX_OK);
    for (int i = 0; i < 2; i++)
        CHECK_INT(bx_writer_close(ws[i], NULL), BX_OK);

    char a[256], b[256], all[512];
    spelled("share-0", "wh", a, sizeof a);
    spelled("share-1", "wh", b, sizeof b);
    snprintf(all, sizeof all, "%s%s", a, b);
    /* Each word once over the two tables. */
    CHECK_INT(strlen(all), strlen("whizz wheat whey wheel "));
    CHECK_CONTAINS(all, "whizz ");
    CHECK_CONTAINS(all, "wheat ");
    CHECK_CONTAINS(all, "whey ");
    CHECK_CONTAINS(all, "wheel ");
    CHECK(strstr(a, "whizz ") == NULL || strstr(b, "whizz ") == NULL);

    const char *srcs[] = { paths[0], paths[1] };
    char merged[300];
    path_of(merged, sizeof merged, "share-merged");
    char *err = NULL;
    CHECK_INT(bx_compact(srcs, 2, merged, &err), BX_OK);
    bx_free(err);
    spelled("share-merged", "wh", all, sizeof all);
    CHECK_STR(all, "whizz wheat wheel whey "); /* 2, then the words counted once */
    spelled("share-merged", "1", all, sizeof all);
    CHECK_STR(all, "");
    spelled("share-merged", "3", all, sizeof all);
    CHECK_STR(all, "");

    CHECK_INT(bx_writers_share_spellings(NULL, 1), BX_ERR_INVALID);
    CHECK_INT(bx_writers_share_spellings(ws, 0), BX_OK);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/byline-test-shards-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_stub_files();
    test_remote_down();
    test_docids();
    test_spelling_move();
    test_share_spellings();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "test_shards: cannot remove '%s'\n", dir);
    return test_report("test_shards");
}
