/* test_shim.c - the shim's own test, in C against byline_xapian.h alone: writing, reading,
 * searching, every language, errors, and a damaged index. */
#include "byline_common.h"
#include "byline_xapian.h"
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static bx_article article(const char *id, const char *title, const char *body, const char *lang,
                          int64_t date)
{
    bx_article a;
    memset(&a, 0, sizeof a);
    a.id = id;
    a.id_len = strlen(id);
    a.title = title;
    a.title_len = strlen(title);
    a.body = body;
    a.body_len = strlen(body);
    a.lang = lang;
    a.has_date = date != 0;
    a.date = date;
    a.data = "{}";
    a.data_len = 2;
    return a;
}

static void test_languages(void)
{
    static const char *codes[] = { "ar", "hy", "eu", "ca", "da", "nl", "en", "fi", "fr", "de",
                                   "el", "hi", "hu", "id", "ga", "it", "lt", "ne", "no", "porter",
                                   "pt", "ro", "ru", "sr", "es", "sv", "ta", "tr", "yi" };
    size_t n = 0;
    for (const char **l = bx_lang_list(); *l; l++) {
        CHECK(bx_lang_resolve_z(*l) != NULL); /* every Snowball name resolves */
        n++;
    }
    CHECK_INT(n, 29);
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        CHECK_STR(bx_lang_resolve_z(codes[i]), codes[i]);
        char *s = bx_stem_word(codes[i], "test", 4);
        CHECK(s != NULL);
        bx_free(s);
    }
    CHECK_STR(bx_lang_resolve_z("German"), "de");
    CHECK_STR(bx_lang_resolve_z("deu"), "de");
    CHECK_STR(bx_lang_resolve_z("en-GB"), "en");
    CHECK_STR(bx_lang_resolve_z("greek"), "el");
    CHECK(bx_lang_resolve_z("klingon") == NULL);
    CHECK(bx_lang_resolve_z("") == NULL);

    char *s = bx_stem_word("en", "shipping", 8);
    CHECK_STR(s, "ship");
    bx_free(s);
    s = bx_stem_word("german", "H\xc3\xa4user", 7);
    CHECK_STR(s, "haus");
    bx_free(s);
    s = bx_stem_word("fr", "\xc3\xa9lections", 10);
    CHECK_STR(s, "\xc3\xa9lect");
    bx_free(s);
    s = bx_stem_word(
        "el", "\xce\xb5\xcf\x86\xce\xb7\xce\xbc\xce\xb5\xcf\x81\xce\xaf\xce\xb4\xce\xb5\xcf\x82",
        20);
    CHECK(s != NULL && strlen(s) < 20); /* Greek, which Xapian's own stemmers lack */
    bx_free(s);
    CHECK(bx_stem_word("xx", "word", 4) == NULL);
}

static void put(bx_writer *w, bx_article *a, int want_replaced)
{
    int replaced = -1;
    CHECK_INT(bx_writer_put(w, a, &replaced), BX_OK);
    CHECK_INT(replaced, want_replaced);
}

static int search_ids(bx_reader *r, bx_search_spec *spec, char out[][64], int max)
{
    bx_results *res = NULL;
    if (bx_search(r, spec, &res) != BX_OK) {
        fprintf(stderr, "search failed: %s\n", bx_reader_errmsg(r));
        return -1;
    }
    int n = 0;
    for (size_t i = 0; i < bx_results_size(res) && n < max; i++) {
        size_t len;
        const char *d = bx_results_data(res, i, &len);
        bx_record rec;
        bx_record_split(d, len, &rec);
        snprintf(out[n++], 64, "%.*s", (int)rec.hit_len, rec.hit);
    }
    bx_results_free(res);
    return n;
}

/* The snippet of `text` for a search of q (stemmed in lang, or English), or NULL. */
static char *snippet_for(bx_reader *r, const char *q, const char *lang, const char *text,
                         size_t length)
{
    bx_search_spec s;
    memset(&s, 0, sizeof s);
    s.limit = 1;
    s.lang = lang;
    s.query = q;
    s.query_len = strlen(q);
    bx_results *res = NULL;
    CHECK_INT(bx_search(r, &s, &res), BX_OK);
    char *snip = res ? bx_results_snippet(res, text, strlen(text), length) : NULL;
    bx_results_free(res);
    return snip;
}

/* Creates the database `name` in the test folder (its path into `path`) and opens it for
 * writing with the default options. */
static bx_writer *new_writer(const char *name, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", dir, name);
    bx_writer_options o = { 0 };
    o.create = 1;
    bx_writer *w = NULL;
    char *err = NULL;
    CHECK_INT(bx_writer_open(path, &o, &w, &err), BX_OK);
    CHECK(err == NULL);
    bx_free(err);
    return w;
}

static void test_write_and_search(void)
{
    char path[300];
    bx_writer *w = new_writer("db", path, sizeof path);
    bx_writer_options o = { 0 };
    o.create = 1;
    char *err = NULL;

    const char *cats[] = { "Business", "Shipping" };
    bx_article a = article("a1", "Port strike halts shipping", "Dockers shipped nothing today.",
                           "en", 1710405000);
    a.categories = cats;
    a.n_categories = 2;
    a.source = "Harbour Gazette";
    a.source_len = strlen(a.source);
    a.data = "{\"id\":\"a1\"}";
    a.data_len = strlen(a.data);
    put(w, &a, 0);
    bx_article b = article("b1", "Die H\xc3\xa4user am Hafen", "Das Haus wurde verkauft.", "de",
                           1710405000 - 86400 * 400);
    b.data = "{\"id\":\"b1\"}";
    b.data_len = strlen(b.data);
    put(w, &b, 0);
    bx_article c =
        article("c1", "Election night", "Votes were counted all night in the port city.", NULL, 0);
    c.data = "{\"id\":\"c1\"}";
    c.data_len = strlen(c.data);
    put(w, &c, 0);
    put(w, &c, 1); /* the same id again replaces */
    CHECK_INT(bx_writer_doccount(w), 3);

    /* A second writer is refused while the first holds the lock. */
    bx_writer *w2 = NULL;
    CHECK_INT(bx_writer_open(path, &o, &w2, &err), BX_ERR_LOCKED);
    CHECK(w2 == NULL);
    CHECK_CONTAINS(err, "locked");
    bx_free(err);
    err = NULL;

    /* An article without an id, or with an id too long for a term, is refused. */
    bx_article bad = article("", "t", "b", "en", 0);
    CHECK_INT(bx_writer_put(w, &bad, NULL), BX_ERR_INVALID);
    CHECK_CONTAINS(bx_writer_errmsg(w), "no id");
    char longid[300];
    memset(longid, 'x', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    bad = article(longid, "t", "b", "en", 0);
    CHECK_INT(bx_writer_put(w, &bad, NULL), BX_ERR_INVALID);
    CHECK_CONTAINS(bx_writer_errmsg(w), "longer than");
    CHECK_INT(bx_writer_commit(w), BX_OK);

    bx_reader *r = NULL;
    const char *paths[] = { path };
    CHECK_INT(bx_reader_open(paths, 1, 0, &r, &err), BX_OK);
    CHECK_INT(bx_reader_doccount(r), 3);

    char ids[8][64];
    bx_search_spec s;
    memset(&s, 0, sizeof s);
    s.limit = 10;
    s.query = "shipping";
    s.query_len = strlen(s.query);
    CHECK_INT(search_ids(r, &s, ids, 8), 1);
    CHECK_STR(ids[0], "{\"id\":\"a1\"}");
    s.query = "ships"; /* stemmed like "shipped" and "shipping" */
    s.query_len = strlen(s.query);
    CHECK_INT(search_ids(r, &s, ids, 8), 1);
    s.query = "\"halts shipping\"";
    s.query_len = strlen(s.query);
    CHECK_INT(search_ids(r, &s, ids, 8), 1);
    s.query = "\"shipping halts\"";
    s.query_len = strlen(s.query);
    CHECK_INT(search_ids(r, &s, ids, 8), 0);
    s.query = "category:business";
    s.query_len = strlen(s.query);
    CHECK_INT(search_ids(r, &s, ids, 8), 1);
    s.query = "source:\"harbour gazette\" port";
    s.query_len = strlen(s.query);
    CHECK_INT(search_ids(r, &s, ids, 8), 1);
    s.query = "H\xc3\xa4usern"; /* German query, German stemmer */
    s.query_len = strlen(s.query);
    s.lang = "de";
    CHECK_INT(search_ids(r, &s, ids, 8), 1);
    CHECK_STR(ids[0], "{\"id\":\"b1\"}");
    s.lang = NULL;
    s.query = "port";
    s.query_len = strlen(s.query);
    CHECK_INT(search_ids(r, &s, ids, 8), 2);
    s.has_from = 1;
    s.from = 1710405000 - 10;
    CHECK_INT(search_ids(r, &s, ids, 8), 1);
    s.has_from = 0;
    s.offset = 1; /* a page past the first hit */
    CHECK_INT(search_ids(r, &s, ids, 8), 1);
    s.offset = 0;
    s.query = "date:2024";
    s.query_len = strlen(s.query);
    CHECK_INT(search_ids(r, &s, ids, 8), 1);
    /* Wildcards find the words typed though the index holds their stems ("ship", "elect"). */
    static const char *const wild[][2] = {
        { "shipping*", "{\"id\":\"a1\"}" },
        { "election*", "{\"id\":\"c1\"}" },
        { "title:electi*", "{\"id\":\"c1\"}" },
        { "-port* night", "" },
        { "(elect* OR zebra)", "{\"id\":\"c1\"}" },
        { "in*", "{\"id\":\"c1\"}" },              /* a stopword as the typed letters */
        { "halts ADJ shipp*", "{\"id\":\"a1\"}" }, /* NEAR, ADJ: Xapian's own wildcard */
        { "title:(vote* OR zebra)", "" },          /* the group keeps its field */
        { "\xe2\x80\x9cport* strike\xe2\x80\x9d", "{\"id\":\"a1\"}" }, /* curly quotes */
    };
    for (size_t k = 0; k < sizeof wild / sizeof wild[0]; k++) {
        s.query = wild[k][0];
        s.query_len = strlen(s.query);
        int got = search_ids(r, &s, ids, 8);
        if (*wild[k][1]) {
            CHECK_INT(got, 1);
            CHECK_STR(ids[0], wild[k][1]);
        } else {
            CHECK_INT(got, 0);
        }
    }

    /* Did-you-mean: an unknown word is corrected, a known one (or a form of one) is not. */
    s.want_correction = 1;
    s.query = "portt shiping";
    s.query_len = strlen(s.query);
    bx_results *sp = NULL;
    CHECK_INT(bx_search(r, &s, &sp), BX_OK);
    CHECK_STR(bx_results_corrected(sp), "port shipping");
    bx_results_free(sp);
    s.query = "ships category:business";
    s.query_len = strlen(s.query);
    CHECK_INT(bx_search(r, &s, &sp), BX_OK);
    CHECK(bx_results_corrected(sp) == NULL);
    bx_results_free(sp);
    s.want_correction = 0;
    s.query = "date:2024-03-14..2024-03-14";
    s.query_len = strlen(s.query);
    CHECK_INT(search_ids(r, &s, ids, 8), 1);
    s.query = "date:notadate..2024";
    s.query_len = strlen(s.query);
    bx_results *res = NULL;
    CHECK_INT(bx_search(r, &s, &res), BX_ERR_QUERY);
    CHECK_CONTAINS(bx_reader_errmsg(r), "invalid date 'notadate'");
    CHECK(res == NULL);
    /* A bad date after a '-' and before another word once crashed Xapian's parser (found by
     * fuzzing): an error, as any bad date. */
    const char *bad_dates[] = { "-date:2 4", "oil -date:1987-13 x", "+date:zz..2024 y",
                                "date:2 OR 4" };
    for (size_t i = 0; i < sizeof bad_dates / sizeof bad_dates[0]; i++) {
        s.query = bad_dates[i];
        s.query_len = strlen(s.query);
        CHECK_INT(bx_search(r, &s, &res), BX_ERR_QUERY);
        if (i < 2)
            CHECK_CONTAINS(bx_reader_errmsg(r), "invalid date");
        CHECK(res == NULL);
    }

    /* Facets: exact counts; the own filter of a field is ignored for that field. */
    memset(&s, 0, sizeof s);
    s.limit = 0;
    s.facets = BX_FACET_CATEGORY | BX_FACET_LANG;
    const char *want[] = { "shipping" };
    s.categories.items = want;
    s.categories.n = 1;
    CHECK_INT(bx_search(r, &s, &res), BX_OK);
    int exact = 0;
    CHECK_INT(bx_results_total(res, &exact), 1);
    CHECK_INT(exact, 1);
    const bx_counts *fc = bx_results_facet(res, BX_FACET_CATEGORY);
    CHECK_INT(bx_counts_size(fc), 2);
    const bx_counts *fl = bx_results_facet(res, BX_FACET_LANG);
    CHECK_INT(bx_counts_size(fl), 1);
    CHECK_STR(bx_counts_value(fl, 0, NULL), "en");
    bx_results_free(res);

    /* Snippets escape and highlight. */
    char *snip = snippet_for(r, "shipped", NULL, "Dockers <b>shipped</b> & more", 100);
    CHECK_CONTAINS(snip, "<mark>shipped</mark>");
    CHECK_CONTAINS(snip, "&lt;b&gt;");
    CHECK_CONTAINS(snip, "&amp;");
    bx_free(snip);
    /* A snippet keeps what comes before the text's first word, and shows a few words of
     * context before a match deep in the text. */
    static const char *const lead[][2] = {
        { "\xe2\x80\x9cWe will not back down,\xe2\x80\x9d said the heron.",
          "\xe2\x80\x9cWe will not back down,\xe2\x80\x9d said the <mark>heron</mark>." },
        { "(Reuters) - The heron flew.", "(Reuters) - The <mark>heron</mark> flew." },
        { "$5m was spent on the heron.", "$5m was spent on the <mark>heron</mark>." },
        { "Rain fell all week across the county and the rivers rose. Farmers moved their "
          "cattle to higher ground. In the summer the heron nests by the lake, far from the "
          "roads and the noise of the town.",
          "\xe2\x80\xa6In the summer the <mark>heron</mark> nests by the lake, far from "
          "the\xe2\x80\xa6" },
    };
    for (size_t k = 0; k < sizeof lead / sizeof lead[0]; k++) {
        snip = snippet_for(r, "heron", NULL, lead[k][0], 60);
        CHECK_STR(snip, lead[k][1]);
        bx_free(snip);
    }
    /* Quotes become entities, each run of white space one space; bytes that are not UTF-8
     * and letters outside ASCII pass through as they are. */
    snip = snippet_for(r, "shipped", NULL,
                       "It's \"shipped\"\t\n  to Z\xc3\xbcrich \xff caf\xc3\xa9 shipped\xe2\x80\x94"
                       "end",
                       100);
    CHECK_STR(snip, "It&#39;s &quot;<mark>shipped</mark>&quot; to Z\xc3\xbcrich \xff caf\xc3\xa9 "
                    "<mark>shipped</mark>\xe2\x80\x94"
                    "end");
    bx_free(snip);
    /* Words a wildcard found are marked. */
    snip = snippet_for(r, "elect*", NULL, "Electricity and elections.", 100);
    CHECK_STR(snip, "<mark>Electricity</mark> and <mark>elections</mark>.");
    bx_free(snip);
    /* Stemmers that change how a word begins: the word is marked all the same. */
    static const char *const prefixed[][4] = {
        { "ga", "bean", "T\xc3\xa1inig an bhean abhaile.", "<mark>bhean</mark>" },
        { "id", "baca", "Dia membaca buku.", "<mark>membaca</mark>" },
        { "en", "die", "The dying light.", "<mark>dying</mark>" },
        { "en", "shipped", "Shipping lines shipped less.", "<mark>Shipping</mark>" },
        { "sr", "lep", "Lijep dan.", "<mark>Lijep</mark>" },
    };
    for (size_t k = 0; k < sizeof prefixed / sizeof prefixed[0]; k++) {
        snip = snippet_for(r, prefixed[k][1], prefixed[k][0], prefixed[k][2], 100);
        CHECK_CONTAINS(snip, prefixed[k][3]);
        bx_free(snip);
    }

    char *json = NULL;
    size_t len = 0;
    CHECK_INT(bx_reader_get(r, "b1", 2, &json, &len), BX_OK);
    /* The stored record: the JSON parts, then the body as it is. */
    CHECK_STR(json, "{\"id\":\"b1\"}\n{}\nDas Haus wurde verkauft.");
    {
        bx_record rec;
        bx_record_split(json, len, &rec);
        CHECK_INT(rec.hit_len, 11);
        CHECK(memcmp(rec.more, "{}", 2) == 0 && rec.more_len == 2);
        CHECK_INT(rec.body_len, strlen("Das Haus wurde verkauft."));
        CHECK(memcmp(rec.body, "Das Haus", 8) == 0);
        const char *two = "{\"id\":\"x\"}\n{\"k\":1}\nline one\nline two";
        bx_record_split(two, strlen(two), &rec);
        CHECK_INT(rec.hit_len, 10);
        CHECK_INT(rec.more_len, 7);
        CHECK_INT(rec.body_len, strlen("line one\nline two"));
        bx_record_split("{}", 2, &rec); /* only the first part */
        CHECK_INT(rec.hit_len, 2);
        CHECK_INT(rec.more_len, 2);
        CHECK_INT(rec.body_len, 0);
    }
    bx_free(json);
    CHECK_INT(bx_reader_get(r, "zz", 2, &json, &len), BX_ERR_NOT_FOUND);

    /* Deleting, then reopening the reader, shows the change. */
    int existed = -1;
    CHECK_INT(bx_writer_delete(w, "a1", 2, &existed), BX_OK);
    CHECK_INT(existed, 1);
    CHECK_INT(bx_writer_delete(w, "a1", 2, &existed), BX_OK);
    CHECK_INT(existed, 0);
    CHECK_INT(bx_writer_close(w, &err), BX_OK);
    int changed = 0;
    CHECK_INT(bx_reader_reopen(r, &changed), BX_OK);
    CHECK_INT(changed, 1);
    CHECK_INT(bx_reader_doccount(r), 2);
    bx_reader_close(r);
}

static void test_open_errors(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/missing", dir);
    const char *paths[] = { path };
    bx_reader *r = (bx_reader *)1;
    char *err = NULL;
    CHECK(bx_reader_open(paths, 1, 0, &r, &err) == BX_ERR_OPENING);
    CHECK(r == NULL);
    CHECK_CONTAINS(err, "cannot open index");
    bx_free(err);
    const char *remote[] = { "tcp://127.0.0.1:1" };
    CHECK(bx_reader_open(remote, 1, 500, &r, &err) == BX_ERR_NETWORK);
    bx_free(err);
    const char *badremote[] = { "tcp://nohostport" };
    CHECK(bx_reader_open(badremote, 1, 500, &r, &err) == BX_ERR_INVALID);
    bx_free(err);
    bx_writer *w = NULL;
    bx_writer_options o = { 0 };
    CHECK(bx_writer_open(path, &o, &w, &err) == BX_ERR_OPENING); /* create not asked for */
    bx_free(err);
    /* NULL handles are refused, never dereferenced. */
    CHECK(bx_search(NULL, NULL, NULL) == BX_ERR_INVALID);
    CHECK(bx_writer_commit(NULL) == BX_ERR_INVALID);
    bx_reader_close(NULL);
    CHECK_INT(bx_writer_close(NULL, NULL), BX_OK);
}

/* Overwrites every table file of a database with garbage, then checks that every call
 * returns an error (or an empty answer) instead of crashing. */
static void test_damaged_index(void)
{
    char path[300];
    bx_writer *w = new_writer("damaged", path, sizeof path);
    char *err = NULL;
    for (int i = 0; i < 200; i++) {
        char id[32];
        snprintf(id, sizeof id, "doc%d", i);
        bx_article a = article(id, "A title about markets", "Body text about trade and ships.",
                               "en", 1700000000 + i);
        bx_writer_put(w, &a, NULL);
    }
    CHECK_INT(bx_writer_close(w, &err), BX_OK);

    DIR *d = opendir(path);
    CHECK(d != NULL);
    struct dirent *e;
    int damaged = 0;
    while (d && (e = readdir(d)) != NULL) {
        if (!strstr(e->d_name, ".glass"))
            continue;
        char f[600];
        snprintf(f, sizeof f, "%s/%s", path, e->d_name);
        struct stat st;
        if (stat(f, &st) != 0 || st.st_size == 0)
            continue;
        int fd = open(f, O_WRONLY);
        char junk[4096];
        for (size_t i = 0; i < sizeof junk; i++)
            junk[i] = (char)(i * 7 + 3);
        for (off_t off = 0; off < st.st_size; off += (off_t)sizeof junk)
            CHECK(pwrite(fd, junk, sizeof junk, off) > 0);
        close(fd);
        damaged++;
    }
    if (d)
        closedir(d);
    CHECK(damaged >= 3);

    const char *paths[] = { path };
    bx_reader *r = NULL;
    bx_status st = bx_reader_open(paths, 1, 0, &r, &err);
    if (st != BX_OK) {
        CHECK(r == NULL);
        CHECK(err != NULL && strlen(err) > 0);
        bx_free(err);
    } else {
        bx_search_spec s;
        memset(&s, 0, sizeof s);
        s.query = "markets";
        s.query_len = 7;
        s.limit = 10;
        s.facets = BX_FACET_CATEGORY | BX_FACET_DATE;
        bx_results *res = NULL;
        CHECK(bx_search(r, &s, &res) != BX_OK);
        CHECK(res == NULL);
        CHECK(strlen(bx_reader_errmsg(r)) > 0);
        char *json = NULL;
        CHECK(bx_reader_get(r, "doc1", 4, &json, NULL) != BX_OK);
        bx_counts *c = NULL;
        CHECK(bx_reader_value_counts(r, BX_SLOT_SOURCE, &c) != BX_OK);
        int has = 0;
        int64_t lo, hi;
        CHECK(bx_reader_date_range(r, &has, &lo, &hi) != BX_OK);
        CHECK(bx_related(r, "doc1", 4, 5, &res) != BX_OK);
        bx_reader_close(r);
    }
    w = NULL;
    bx_writer_options o = { 0 };
    o.create = 1;
    st = bx_writer_open(path, &o, &w, &err);
    if (st == BX_OK) {
        bx_article a = article("new", "t", "b", "en", 0);
        bx_status put_st = bx_writer_put(w, &a, NULL);
        bx_status commit_st = bx_writer_commit(w);
        CHECK(put_st != BX_OK || commit_st != BX_OK);
        bx_writer_close(w, &err);
    }
    bx_free(err);
}

/* from/to filters: whole days go through the day, month and year terms, other bounds
 * through the date value; both must agree with the dates themselves, at the edges of days,
 * months, years and a leap day, and past the number of terms a range may take. */
static void test_date_ranges(void)
{
    char path[300];
    bx_writer *w = new_writer("dates", path, sizeof path);
    char *err = NULL;
    static const int when[][6] = {
        { 1999, 6, 30, 10, 0, 0 }, { 2023, 12, 31, 23, 59, 59 }, { 2024, 1, 1, 0, 0, 0 },
        { 2024, 2, 28, 12, 0, 0 }, { 2024, 2, 29, 0, 0, 0 },     { 2024, 2, 29, 23, 59, 59 },
        { 2024, 3, 1, 0, 0, 0 },   { 2024, 12, 31, 23, 59, 59 }, { 2025, 1, 1, 0, 0, 0 },
        { 2025, 3, 15, 8, 0, 0 },
    };
    enum { N = sizeof when / sizeof when[0] };
    int64_t dates[N];
    char ids[N + 1][16];
    for (int i = 0; i < N; i++) {
        dates[i] = bl_date_from_civil(when[i][0], when[i][1], when[i][2], when[i][3], when[i][4],
                                      when[i][5]);
        snprintf(ids[i], sizeof ids[i], "d%d", i);
        bx_article a = article(ids[i], "Harbour news", "The port reopened.", "en", dates[i]);
        put(w, &a, 0);
    }
    bx_article undated = article("undated", "Harbour news", "The port reopened.", "en", 0);
    put(w, &undated, 0);
    CHECK_INT(bx_writer_close(w, &err), BX_OK);

    bx_reader *r = NULL;
    const char *paths[] = { path };
    CHECK_INT(bx_reader_open(paths, 1, 0, &r, &err), BX_OK);
    static const int ranges[][6] = {
        /* from y m d, to y m d: whole days */
        { 2024, 2, 29, 2024, 2, 29 }, { 2024, 2, 1, 2024, 2, 29 },  { 2024, 1, 1, 2024, 12, 31 },
        { 2023, 12, 31, 2024, 1, 1 }, { 2023, 12, 1, 2025, 3, 31 }, { 1999, 1, 1, 2025, 12, 31 },
        { 2024, 2, 28, 2024, 3, 1 },  { 2024, 3, 2, 2024, 12, 30 }, { 1970, 1, 1, 2100, 12, 31 },
        { 2025, 1, 1, 2025, 1, 1 },
    };
    for (size_t k = 0; k < sizeof ranges / sizeof ranges[0]; k++) {
        const int *g = ranges[k];
        for (int shift = 0; shift < 2; shift++) {
            /* shift 1 moves the start an hour into the day: the date value decides then. */
            int64_t from = bl_date_from_civil(g[0], g[1], g[2], 0, 0, 0) + shift * 3600;
            int64_t to = bl_date_from_civil(g[3], g[4], g[5], 23, 59, 59);
            int want = 0;
            for (int i = 0; i < N; i++)
                want += dates[i] >= from && dates[i] <= to;
            bx_search_spec s;
            memset(&s, 0, sizeof s);
            s.limit = 20;
            s.query = "port";
            s.query_len = strlen(s.query);
            s.has_from = s.has_to = 1;
            s.from = from;
            s.to = to;
            char found[20][64];
            int got = search_ids(r, &s, found, 20);
            if (got != want)
                fprintf(stderr, "range %d-%02d-%02d..%d-%02d-%02d (start +%dh): %d, expected %d\n",
                        g[0], g[1], g[2], g[3], g[4], g[5], shift, got, want);
            CHECK_INT(got, want);
        }
    }
    bx_reader_close(r);
}

/* The first hit's stored hit JSON for `q` into out ("" when none). */
static void first_hit(bx_reader *r, const char *q, char *out, size_t size)
{
    bx_search_spec s;
    memset(&s, 0, sizeof s);
    s.limit = 10;
    s.query = q;
    s.query_len = strlen(q);
    char found[10][64];
    int n = search_ids(r, &s, found, 10);
    snprintf(out, size, "%s", n > 0 ? found[0] : "");
}

static void test_doc_cache(void)
{
    char path[300];
    bx_writer *w = new_writer("cached", path, sizeof path);
    char *err = NULL;
    bx_article a = article("a1", "Harbour strike", "Dockers walked out.", "en", 1710405000);
    a.data = "{\"v\":1}";
    a.data_len = strlen(a.data);
    put(w, &a, 0);
    CHECK_INT(bx_writer_commit(w), BX_OK);

    bx_doc_cache *cache = bx_doc_cache_new(1 << 20);
    CHECK(cache != NULL);
    bx_reader_options o = { 0, 0, 0, cache, NULL, 0 };
    const char *paths[] = { path };
    bx_reader *r1 = NULL, *r2 = NULL;
    CHECK_INT(bx_reader_open_opts(paths, 1, &o, &r1, &err), BX_OK);
    CHECK_INT(bx_reader_open_opts(paths, 1, &o, &r2, &err), BX_OK);
    char hit[64];
    bx_doc_cache_stats st;
    first_hit(r1, "strike", hit, sizeof hit);
    CHECK_STR(hit, "{\"v\":1}");
    bx_doc_cache_get_stats(cache, &st);
    CHECK_INT(st.misses, 1);
    CHECK_INT(st.hits, 0);
    CHECK_INT(st.entries, 1);
    first_hit(r2, "strike", hit, sizeof hit); /* the other reader finds it cached */
    CHECK_STR(hit, "{\"v\":1}");
    bx_doc_cache_get_stats(cache, &st);
    CHECK_INT(st.hits, 1);

    /* A new commit changes the article: a reader that picks it up gets the new record, one
     * still on the old revision keeps seeing the old one, as Xapian itself would give it. */
    a.data = "{\"v\":2}";
    put(w, &a, 1);
    CHECK_INT(bx_writer_commit(w), BX_OK);
    int changed = 0;
    CHECK_INT(bx_reader_reopen(r1, &changed), BX_OK);
    CHECK_INT(changed, 1);
    first_hit(r1, "strike", hit, sizeof hit);
    CHECK_STR(hit, "{\"v\":2}");
    first_hit(r2, "strike", hit, sizeof hit);
    CHECK_STR(hit, "{\"v\":1}");
    char *json = NULL;
    CHECK_INT(bx_reader_get(r1, "a1", 2, &json, NULL), BX_OK);
    CHECK(json && strncmp(json, "{\"v\":2}", 7) == 0);
    bx_free(json);
    bx_reader_close(r1);
    bx_reader_close(r2);
    bx_doc_cache_free(cache);

    /* An index swapped in by a rename, at the same revision as the one it replaces: a reader
     * still on the old files must not file their records under the new index's identity,
     * where a reader opened afresh would find them. */
    char pa[300], pb[300], swapped[300], old[300];
    bx_writer *wa = new_writer("swap-a", pa, sizeof pa);
    bx_writer *wb = new_writer("swap-b", pb, sizeof pb);
    bx_article sa = article("sa", "Harbour strike", "Dockers walked out.", "en", 1710405000);
    sa.data = "{\"v\":\"a\"}";
    sa.data_len = strlen(sa.data);
    put(wa, &sa, 0);
    bx_article sb = article("sb", "Harbour strike", "Dockers walked out.", "en", 1710405000);
    sb.data = "{\"v\":\"b\"}";
    sb.data_len = strlen(sb.data);
    put(wb, &sb, 0);
    CHECK_INT(bx_writer_close(wa, &err), BX_OK);
    CHECK_INT(bx_writer_close(wb, &err), BX_OK);
    snprintf(swapped, sizeof swapped, "%s/swapped", dir);
    snprintf(old, sizeof old, "%s/swapped-old", dir);
    CHECK(rename(pa, swapped) == 0);
    cache = bx_doc_cache_new(1 << 20);
    o.doc_cache = cache;
    const char *swapped_path[] = { swapped };
    CHECK_INT(bx_reader_open_opts(swapped_path, 1, &o, &r1, &err), BX_OK);
    first_hit(r1, "strike", hit, sizeof hit);
    CHECK_STR(hit, "{\"v\":\"a\"}");
    CHECK(rename(swapped, old) == 0);
    CHECK(rename(pb, swapped) == 0);
    CHECK_INT(bx_reader_reopen(r1, &changed), BX_OK);
    first_hit(r1, "strike", hit, sizeof hit); /* whichever it reads, it files it as such */
    CHECK_INT(bx_reader_open_opts(swapped_path, 1, &o, &r2, &err), BX_OK);
    first_hit(r2, "strike", hit, sizeof hit);
    CHECK_STR(hit, "{\"v\":\"b\"}");
    bx_reader_close(r1);
    bx_reader_close(r2);
    bx_doc_cache_free(cache);

    /* A small cache drops the least recently used articles and stays within its limit. */
    enum { N = 40 };
    char ids[N][16], datas[N][32];
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], sizeof ids[i], "m%d", i);
        snprintf(datas[i], sizeof datas[i], "{\"n\":%d}", i);
        bx_article m = article(ids[i], ids[i], "Quayside report.", "en", 1710405000 + i);
        m.data = datas[i];
        m.data_len = strlen(datas[i]);
        put(w, &m, 0);
    }
    CHECK_INT(bx_writer_close(w, &err), BX_OK);
    cache = bx_doc_cache_new(4096);
    o.doc_cache = cache;
    CHECK_INT(bx_reader_open_opts(paths, 1, &o, &r1, &err), BX_OK);
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < N; i++) {
            first_hit(r1, ids[i], hit, sizeof hit);
            CHECK_STR(hit, datas[i]);
        }
    }
    bx_doc_cache_get_stats(cache, &st);
    CHECK(st.bytes <= 4096);
    CHECK(st.entries > 0 && st.entries < N);
    CHECK_INT(st.hits + st.misses, 2 * N);
    CHECK_INT(st.hits, 0); /* each article was dropped before it was asked for again */
    bx_reader_close(r1);
    bx_doc_cache_free(cache);
}

/* Filter values longer than a Xapian term can be (a 300-byte category) still filter. */
static void test_long_values(void)
{
    char path[300];
    bx_writer *w = new_writer("long", path, sizeof path);
    char *err = NULL;
    char cat[320], upper[320], shorter[320];
    /* The term is cut at byte 219 of the value: inside the 'é' here, which stays whole. */
    memset(cat, 'x', 300);
    memcpy(cat + 218, "\xc3\xa9", 2);
    strcpy(cat + 300, "end");
    snprintf(upper, sizeof upper, "%s", cat);
    upper[0] = 'X';
    snprintf(shorter, sizeof shorter, "%.*s", 299, cat);
    const char *cats[] = { cat };
    bx_article a = article("long1", "Harbour strike", "Dockers walked out.", "en", 1710405000);
    a.categories = cats;
    a.n_categories = 1;
    put(w, &a, 0);
    bx_article b = article("long2", "Harbour strike", "Dockers walked out.", "en", 1710405000);
    put(w, &b, 0);
    CHECK_INT(bx_writer_close(w, &err), BX_OK);
    bx_reader *r = NULL;
    const char *paths[] = { path };
    CHECK_INT(bx_reader_open(paths, 1, 0, &r, &err), BX_OK);
    const char *wanted[][2] = { { cat, "1" }, { upper, "1" }, { shorter, "0" } };
    for (size_t k = 0; k < 3; k++) {
        bx_search_spec s;
        memset(&s, 0, sizeof s);
        s.limit = 10;
        const char *list[] = { wanted[k][0] };
        s.categories.items = list;
        s.categories.n = 1;
        char found[10][64];
        CHECK_INT(search_ids(r, &s, found, 10), atoi(wanted[k][1]));
        char q[400];
        snprintf(q, sizeof q, "category:\"%s\"", wanted[k][0]);
        memset(&s, 0, sizeof s);
        s.limit = 10;
        s.query = q;
        s.query_len = strlen(q);
        CHECK_INT(search_ids(r, &s, found, 10), atoi(wanted[k][1]));
    }
    bx_reader_close(r);
}

/* Every facet of a search as one string ("facet:value=count,...;"), with the total, so that
 * two ways of counting can be compared whole. */
static void facet_text(bx_reader *r, const bx_search_spec *spec, char *out, size_t size)
{
    static const unsigned facets[] = { BX_FACET_CATEGORY, BX_FACET_SOURCE, BX_FACET_AUTHOR,
                                       BX_FACET_LANG, BX_FACET_DATE };
    bx_results *res = NULL;
    size_t used = 0;
    out[0] = '\0';
    if (bx_search(r, spec, &res) != BX_OK) {
        snprintf(out, size, "error: %s", bx_reader_errmsg(r));
        return;
    }
    int exact = 0;
    used += (size_t)snprintf(out, size, "total=%llu;",
                             (unsigned long long)bx_results_total(res, &exact));
    /* The hits too: counting first must not change what the ranked search finds. */
    for (size_t i = 0; i < bx_results_size(res) && used < size; i++) {
        size_t len = 0;
        const char *d = bx_results_data(res, i, &len);
        used += (size_t)snprintf(out + used, size - used, "%.*s@%.6g;", (int)(len < 32 ? len : 32),
                                 d ? d : "", bx_results_score(res, i));
    }
    for (size_t f = 0; f < sizeof facets / sizeof facets[0] && used < size; f++) {
        const bx_counts *c = bx_results_facet(res, facets[f]);
        if (!c)
            continue;
        used += (size_t)snprintf(out + used, size - used, "%u:", facets[f]);
        for (size_t i = 0; i < bx_counts_size(c) && used < size; i++) {
            size_t len;
            const char *v = bx_counts_value(c, i, &len);
            used += (size_t)snprintf(out + used, size - used, "%.*s=%llu,", (int)len, v,
                                     (unsigned long long)bx_counts_count(c, i));
        }
        if (used < size)
            used += (size_t)snprintf(out + used, size - used, ";");
    }
    bx_results_free(res);
}

/* Compares the facets of the same searches from two readers (every kind of search that counts
 * facets: filtered, sorted by date, collapsed, by the hour). */
static void compare_facets(bx_reader *rc, bx_reader *rs)
{
    static const char *const queries[] = {
        "",
        "oil",
        "strike OR vote",
        "oil AND bank",
        "\"harbour tariff\"",
        "report -oil",
        "nothing",
        /* Parts the counting pass leaves to Xapian's matcher, alone and within an AND. */
        "oil AND \"harbour tariff\"",
        "ha* OR vote",
        "oil NEAR bank",
        "oil XOR bank",
        "+oil bank",
        "-oil -bank",
        "(strike OR vote) AND NOT (report AND bank)",
        "title:oil OR tariff",
        /* Phrases every match holds are counted first, and the ranked search runs over the
         * counted matches without proving them again; the others are proved by both. */
        "\"harbour tariff\" OR vote",
        "+\"harbour tariff\" bank",
        "\"harbour tariff\" -bank",
        "oil AND (\"harbour tariff\" OR \"bank report\")",
    };
    const char *energy[] = { "energy" };
    const char *ap[] = { "AP" };
    char a[8192], b[8192];
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++)
        for (int variant = 0; variant < 9; variant++) {
            bx_search_spec s;
            memset(&s, 0, sizeof s);
            s.query = queries[q];
            s.query_len = strlen(queries[q]);
            s.limit = 5;
            s.facets = BX_FACET_CATEGORY | BX_FACET_SOURCE | BX_FACET_AUTHOR | BX_FACET_LANG |
                       BX_FACET_DATE;
            s.date_unit = variant == 5 ? BX_DATES_HOURS : BX_DATES_AUTO;
            if (variant == 1) { /* a filtered facet is counted without its filter */
                s.categories.items = energy;
                s.categories.n = 1;
                s.sources.items = ap;
                s.sources.n = 1;
            }
            if (variant == 2)
                s.sort = BX_SORT_NEWEST;
            if (variant == 3)
                s.collapse = 1;
            if (variant == 4) { /* the last ten articles: hours */
                s.has_from = 1;
                s.from = 1710405000;
            }
            if (variant == 6) { /* freshness: a posting source beside the query */
                s.recency_half_life = 7 * 86400;
                s.now = 1710405000;
            }
            if (variant == 8) { /* the one facet asked for is filtered: no column to count */
                s.facets = BX_FACET_CATEGORY;
                s.categories.items = energy;
                s.categories.n = 1;
            }
            if (variant == 7) { /* every word required, within a date range */
                s.match_all = 1;
                s.has_from = s.has_to = 1;
                s.from = 1704067200 + 5 * 86400;
                s.to = 1704067200 + 30 * 86400;
            }
            facet_text(rc, &s, a, sizeof a);
            facet_text(rs, &s, b, sizeof b);
            if (strcmp(a, b) != 0)
                fprintf(stderr, "query '%s' variant %d:\n columns %s\n spies   %s\n", queries[q],
                        variant, a, b);
            CHECK_STR(a, b);
            CHECK(strncmp(a, "error", 5) != 0);
        }
}

/* A faceted search of a database of several thousand articles counts in chunks of docids that
 * the reader's two threads share: the counts are the match spies', with articles deleted on
 * either side of the chunks' edges (every 4,096 docids). */
static void test_parallel_chunks(void)
{
    static const char *const cats[] = { "Energy", "Markets", "Politics" };
    static const char *const words[] = { "oil", "strike", "vote", "harbour", "tariff", "bank" };
    static const char *const langs[] = { "en", "en", "fr", NULL };
    enum { N = 9500 };
    char path[300];
    bx_writer *w = new_writer("chunks", path, sizeof path);
    char id[16], body[64];
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof id, "c%d", i);
        snprintf(body, sizeof body, "%s %s report %d", words[i % 6], words[(i / 7) % 6], i % 5);
        bx_article a =
            article(id, body, body, langs[i % 4], 1704067200 + (int64_t)(i % 90) * 86400);
        const char *c1[] = { cats[i % 3] };
        a.categories = c1;
        a.n_categories = (size_t)(i % 4 != 0);
        a.source = i % 2 ? "AP" : "Reuters";
        a.source_len = strlen(a.source);
        put(w, &a, 0);
    }
    int existed = 0;
    static const int gone[] = { 4094, 4095, 4096, 4097, 8191, 8192, 8193, 9499 };
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) {
        snprintf(id, sizeof id, "c%d", gone[i] - 1); /* docid d holds article c(d-1) */
        CHECK_INT(bx_writer_delete(w, id, strlen(id), &existed), BX_OK);
        CHECK_INT(existed, 1);
    }
    char *err = NULL;
    CHECK_INT(bx_writer_close(w, &err), BX_OK);

    bx_facet_columns *cols = bx_facet_columns_new();
    bx_reader_options o = { 0, 0, 0, NULL, cols, 1 };
    const char *paths[] = { path };
    bx_reader *rp = NULL, *rs = NULL;
    CHECK_INT(bx_reader_open_opts(paths, 1, &o, &rp, &err), BX_OK);
    CHECK_INT(bx_reader_open(paths, 1, 0, &rs, &err), BX_OK);
    compare_facets(rp, rs);
    CHECK(bx_reader_parallel_passes(rp) > 0);
    bx_reader_close(rp);
    bx_reader_close(rs);
    bx_facet_columns_free(cols);
}

/* Facet counts from the in-memory columns are those of Xapian's match spies, for every kind
 * of search that counts facets, and follow commits. */
static void test_facet_columns(void)
{
    static const char *const cats[] = { "Energy", "Markets", "Politics", "Trade & Tariffs" };
    static const char *const sources[] = { "Reuters", "AP", "BBC" };
    static const char *const people[] = { "Ann Lee", "Bo Chan", "Cy Diaz", "Di Egan", "Ed Fox" };
    static const char *const words[] = { "oil", "strike", "vote", "harbour", "tariff", "bank" };
    static const char *const langs[] = { "en", "en", "fr", NULL };
    char path[300];
    bx_writer *w = new_writer("facetcols", path, sizeof path);
    char *err = NULL;
    char ids[80][16], bodies[80][64];
    for (int i = 0; i < 80; i++) {
        snprintf(ids[i], sizeof ids[i], "f%d", i);
        snprintf(bodies[i], sizeof bodies[i], "%s %s report %d", words[i % 6], words[(i / 6) % 6],
                 i % 7);
        /* Days over two months, and the last ten articles within one day (hourly counts). */
        int64_t date = i < 70 ? 1704067200 + (int64_t)(i % 50) * 86400 : 1710405000 + i * 3600;
        bx_article a = article(ids[i], bodies[i], bodies[i], langs[i % 4], i % 9 ? date : 0);
        const char *c2[] = { cats[i % 4], cats[(i / 4) % 4] };
        a.categories = c2;
        a.n_categories = (size_t)(i % 3);
        const char *au[] = { people[i % 5], people[(i + 2) % 5] };
        a.authors = au;
        a.n_authors = (size_t)(i % 3 == 1 ? 2 : i % 2);
        a.source = i % 5 ? sources[i % 3] : NULL;
        a.source_len = a.source ? strlen(a.source) : 0;
        put(w, &a, 0);
    }
    int existed = 0;
    for (int i = 3; i < 80; i += 11) /* gaps in the docids */
        CHECK_INT(bx_writer_delete(w, ids[i], strlen(ids[i]), &existed), BX_OK);
    CHECK_INT(bx_writer_commit(w), BX_OK);

    bx_facet_columns *cols = bx_facet_columns_new();
    CHECK(cols != NULL);
    bx_reader_options with = { 0, 0, 0, NULL, cols, 0 };
    const char *paths[] = { path };
    bx_reader *rc = NULL, *rs = NULL, *rp = NULL;
    CHECK_INT(bx_reader_open_opts(paths, 1, &with, &rc, &err), BX_OK);
    CHECK_INT(bx_reader_open(paths, 1, 0, &rs, &err), BX_OK);
    /* Counting in a second thread, on a second handle that follows the reader's commits. */
    bx_reader_options parallel = with;
    parallel.parallel_count = 1;
    CHECK_INT(bx_reader_open_opts(paths, 1, &parallel, &rp, &err), BX_OK);

    char a[4096], b[4096];
    for (int round = 0; round < 2; round++) {
        compare_facets(rc, rs);
        compare_facets(rp, rs);
        bx_facet_columns_stats st;
        bx_facet_columns_get_stats(cols, &st);
        CHECK(st.builds >= 5 && st.columns >= 5 && st.bytes > 0);
        if (round == 1)
            break;
        /* A commit: a new category and a changed article; columns of the new revision. */
        bx_article n = article("f1", "oil strike", "oil strike", "en", 1704067200);
        const char *nc[] = { "Shipping" };
        n.categories = nc;
        n.n_categories = 1;
        put(w, &n, 1);
        CHECK_INT(bx_writer_commit(w), BX_OK);
        int changed = 0;
        CHECK_INT(bx_reader_reopen(rc, &changed), BX_OK);
        CHECK_INT(changed, 1);
        CHECK_INT(bx_reader_reopen(rp, &changed), BX_OK);
        CHECK_INT(changed, 1);
        CHECK_INT(bx_reader_reopen(rs, &changed), BX_OK);
    }
    bx_search_spec s;
    memset(&s, 0, sizeof s);
    s.query = "oil";
    s.query_len = 3;
    s.facets = BX_FACET_CATEGORY;
    facet_text(rc, &s, a, sizeof a);
    CHECK(strstr(a, "Shipping=1,") != NULL);
    facet_text(rp, &s, b, sizeof b);
    CHECK_STR(a, b);
    CHECK(bx_reader_parallel_passes(rp) > 0);
    CHECK_INT((int)bx_reader_parallel_passes(rc), 0);
    bx_reader_close(rc);
    bx_reader_close(rs);
    bx_reader_close(rp);

    /* Two databases searched as one: Xapian tells a match spy each document's docid within
     * its own database, so columns of the combined docids would count the wrong articles. */
    char path_b[300];
    bx_writer *wb = new_writer("facetcols-b", path_b, sizeof path_b);
    for (int i = 0; i < 3; i++) {
        char id[16];
        snprintf(id, sizeof id, "b%d", i);
        bx_article x = article(id, "oil harbour", "oil harbour", "fr", 1704067200);
        x.source = "AFP";
        x.source_len = 3;
        put(wb, &x, 0);
    }
    CHECK_INT(bx_writer_close(wb, &err), BX_OK);
    const char *both[] = { path, path_b };
    CHECK_INT(bx_reader_open_opts(both, 2, &with, &rc, &err), BX_OK);
    CHECK_INT(bx_reader_open(both, 2, 0, &rs, &err), BX_OK);
    bx_facet_columns_stats before, after;
    bx_facet_columns_get_stats(cols, &before);
    s.facets = BX_FACET_SOURCE | BX_FACET_LANG | BX_FACET_CATEGORY;
    facet_text(rc, &s, a, sizeof a);
    facet_text(rs, &s, b, sizeof b);
    CHECK_STR(a, b);
    CHECK(strstr(a, "AFP=3,") != NULL);
    compare_facets(rc, rs);
    /* Each database counted apart, with columns of its own (the first one's already built). */
    bx_facet_columns_get_stats(cols, &after);
    CHECK(after.builds >= before.builds + 5);
    bx_reader_close(rc);
    bx_reader_close(rs);

    /* Docids spread far wider than the documents (as in a shard of byline-index --shards):
     * a sparse column, alone and beside another database. */
    char path_s[300];
    bx_writer *ws = new_writer("facetcols-sparse", path_s, sizeof path_s);
    static const uint64_t spread[] = { 100000, 150000, 150001, 200000, 300000 };
    for (int i = 0; i < 5; i++) {
        char id[16];
        snprintf(id, sizeof id, "s%d", i);
        bx_article x = article(id, bodies[i], bodies[i], langs[i % 4], 1704067200 + i * 86400);
        const char *sc[] = { cats[i % 4], cats[(i + 1) % 4] };
        x.categories = sc;
        x.n_categories = (size_t)(i % 3);
        x.source = i % 2 ? sources[i % 3] : NULL;
        x.source_len = x.source ? strlen(x.source) : 0;
        int replaced = -1;
        CHECK_INT(bx_writer_put_at(ws, &x, spread[i], &replaced), BX_OK);
    }
    CHECK_INT(bx_writer_close(ws, &err), BX_OK);
    const char *sparse_only[] = { path_s };
    CHECK_INT(bx_reader_open_opts(sparse_only, 1, &with, &rc, &err), BX_OK);
    CHECK_INT(bx_reader_open(sparse_only, 1, 0, &rs, &err), BX_OK);
    compare_facets(rc, rs);
    bx_facet_columns_get_stats(cols, &after);
    CHECK(after.bytes < 4 * 300000); /* a row per document, not per docid */
    bx_reader_close(rc);
    bx_reader_close(rs);
    const char *mixed[] = { path_s, path };
    CHECK_INT(bx_reader_open_opts(mixed, 2, &with, &rc, &err), BX_OK);
    CHECK_INT(bx_reader_open(mixed, 2, 0, &rs, &err), BX_OK);
    compare_facets(rc, rs);
    bx_reader_close(rc);
    bx_reader_close(rs);

    /* Two copies of one database (cp keeps its UUID), written to apart up to the same
     * revision, document count and length: a reader of the copy swapped in must not count
     * with the columns of the other. */
    char orig[300], copy[300], served[300], cmd[1000];
    bx_writer *wo = new_writer("facetcols-orig", orig, sizeof orig);
    bx_article o = article("c1", "oil", "oil", "en", 1704067200);
    const char *oc[] = { "one" };
    o.categories = oc;
    o.n_categories = 1;
    put(wo, &o, 0);
    CHECK_INT(bx_writer_close(wo, &err), BX_OK);
    snprintf(copy, sizeof copy, "%s/facetcols-copy", dir);
    snprintf(cmd, sizeof cmd, "cp -r '%s' '%s'", orig, copy);
    CHECK(system(cmd) == 0);
    const char *tags[] = { "alpha", "beta__" };
    const char *where[] = { orig, copy };
    for (int k = 0; k < 2; k++) {
        bx_writer_options wopt;
        memset(&wopt, 0, sizeof wopt);
        bx_writer *wk = NULL;
        CHECK_INT(bx_writer_open(where[k], &wopt, &wk, &err), BX_OK);
        const char *kc[] = { tags[k] };
        o.categories = kc;
        put(wk, &o, 1);
        CHECK_INT(bx_writer_close(wk, &err), BX_OK);
    }
    snprintf(served, sizeof served, "%s/facetcols-served", dir);
    CHECK(rename(orig, served) == 0);
    const char *served_path[] = { served };
    s.query = "oil";
    s.query_len = 3;
    s.facets = BX_FACET_CATEGORY;
    CHECK_INT(bx_reader_open_opts(served_path, 1, &with, &rc, &err), BX_OK);
    facet_text(rc, &s, a, sizeof a);
    CHECK(strstr(a, "alpha=1,") != NULL);
    bx_reader_close(rc);
    snprintf(cmd, sizeof cmd, "%s-old", served);
    CHECK(rename(served, cmd) == 0);
    CHECK(rename(copy, served) == 0);
    CHECK_INT(bx_reader_open_opts(served_path, 1, &with, &rc, &err), BX_OK);
    facet_text(rc, &s, a, sizeof a);
    CHECK(strstr(a, "beta__=1,") != NULL);
    bx_reader_close(rc);
    bx_facet_columns_free(cols);
    CHECK_INT(bx_writer_close(w, &err), BX_OK);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/byline-test-shim-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_languages();
    test_write_and_search();
    test_date_ranges();
    test_doc_cache();
    test_facet_columns();
    test_parallel_chunks();
    test_long_values();
    test_open_errors();
    test_damaged_index();
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return test_report("test_shim");
}
