/* test_record.c - unit tests of byline-index's record conversion: fields, mapping, lists,
 * dates, languages and every kind of bad record. */
#include "indexer.h"
#include "testutil.h"

static ix_convert cv = { NULL, "en" };

static int conv(const char *line, ix_record *rec, ix_diag *d)
{
    return ix_record_from_json(&cv, line, strlen(line), rec, d);
}

static void test_good_record(void)
{
    ix_record rec;
    ix_diag d;
    CHECK_INT(conv("{\"id\":\"n1\",\"title\":\"T\",\"body\":\"B\",\"author\":[\"A One\",\"A Two\"],"
                   "\"categories\":\"politics\",\"tags\":[\"x\",null,\"\"],\"date\":\"2024-03-14T"
                   "09:30:00+01:00\",\"lang\":\"German\",\"extra\":{\"k\":1}}",
                   &rec, &d),
              0);
    CHECK_INT(d.skip, IX_PROBLEM_NONE);
    CHECK_INT(d.warned, 0);
    CHECK_STR(rec.art.id, "n1");
    CHECK_STR(rec.art.title, "T");
    CHECK_INT(rec.art.n_authors, 2);
    CHECK_STR(rec.art.authors[1], "A Two");
    CHECK_INT(rec.art.n_categories, 1);
    CHECK_STR(rec.art.categories[0], "politics");
    CHECK_INT(rec.art.n_tags, 1);
    CHECK_INT(rec.art.has_date, 1);
    CHECK_INT(rec.art.date, 1710405000);
    CHECK_STR(rec.art.lang, "de");
    CHECK_CONTAINS(rec.data, "\"date\":\"2024-03-14T08:30:00Z\"");
    CHECK_CONTAINS(rec.data, "\"lang\":\"de\"");
    CHECK_CONTAINS(rec.data, "\"extra\":{\"k\":1}");
    CHECK_CONTAINS(rec.data, "\"categories\":[\"politics\"]");
    ix_record_release(&rec);

    /* An integer id is taken as text; no lang means the default. */
    CHECK_INT(conv("{\"id\":42,\"title\":\"t\"}", &rec, &d), 0);
    CHECK_STR(rec.art.id, "42");
    CHECK_STR(rec.art.lang, "en");
    CHECK_INT(rec.art.has_date, 0);
    ix_record_release(&rec);
}

static void test_mapping(void)
{
    ix_fieldmap map = { { 0 } };
    char err[256];
    CHECK_INT(ix_fieldmap_parse(&map, "title=headline,date=published_at,id=guid", err, sizeof err),
              0);
    ix_convert mcv = { &map, "en" };
    ix_record rec;
    ix_diag d;
    const char *line = "{\"guid\":\"g7\",\"headline\":\"Head\",\"published_at\":\"2024-01-02\","
                       "\"title\":\"ignored\",\"other\":true}";
    CHECK_INT(ix_record_from_json(&mcv, line, strlen(line), &rec, &d), 0);
    CHECK_STR(rec.art.id, "g7");
    CHECK_STR(rec.art.title, "Head");
    CHECK_INT(rec.art.date, 1704153600);
    CHECK_CONTAINS(rec.data, "\"other\":true");
    CHECK(strstr(rec.data, "guid") == NULL);
    ix_record_release(&rec);
    CHECK_INT(ix_fieldmap_parse(&map, "titel=x", err, sizeof err), -1);
    CHECK_CONTAINS(err, "unknown field 'titel'");
    CHECK_INT(ix_fieldmap_parse(&map, "title", err, sizeof err), -1);
    CHECK_CONTAINS(err, "expected FIELD=INPUT_NAME");
    ix_fieldmap_release(&map);
}

static void test_bad_records(void)
{
    ix_record rec;
    ix_diag d;
    CHECK_INT(conv("{\"id\":\"x\",", &rec, &d), -1);
    CHECK_INT(d.skip, IX_SKIP_JSON);
    CHECK_CONTAINS(d.skip_msg, "invalid JSON at column");
    ix_record_release(&rec);
    CHECK_INT(conv("[1,2]", &rec, &d), -1);
    CHECK_INT(d.skip, IX_SKIP_JSON);
    CHECK_CONTAINS(d.skip_msg, "not a JSON object");
    ix_record_release(&rec);
    CHECK_INT(conv("{\"title\":\"no id\"}", &rec, &d), -1);
    CHECK_INT(d.skip, IX_SKIP_NO_ID);
    ix_record_release(&rec);
    CHECK_INT(conv("{\"id\":\"\",\"title\":\"empty id\"}", &rec, &d), -1);
    CHECK_INT(d.skip, IX_SKIP_NO_ID);
    ix_record_release(&rec);
    CHECK_INT(conv("{\"id\":[\"x\"]}", &rec, &d), -1);
    CHECK_INT(d.skip, IX_SKIP_TYPE);
    CHECK_CONTAINS(d.skip_msg, "must be a string or an integer, not a list");
    ix_record_release(&rec);
    CHECK_INT(conv("{\"id\":\"x\",\"title\":{\"a\":1}}", &rec, &d), -1);
    CHECK_INT(d.skip, IX_SKIP_TYPE);
    CHECK_CONTAINS(d.skip_msg, "field 'title' must be a string, not an object");
    ix_record_release(&rec);
    CHECK_INT(conv("{\"id\":\"x\",\"categories\":[\"a\",3]}", &rec, &d), -1);
    CHECK_INT(d.skip, IX_SKIP_TYPE);
    CHECK_CONTAINS(d.skip_msg, "item 2 is a number");
    ix_record_release(&rec);

    /* Kept with a warning: a bad date, bad UTF-8, an unknown language. */
    CHECK_INT(conv("{\"id\":\"x\",\"date\":\"last Tuesday\"}", &rec, &d), 0);
    CHECK(d.warned & (1u << IX_WARN_DATE));
    CHECK_CONTAINS(d.warn_msg[IX_WARN_DATE], "unparseable date 'last Tuesday'");
    CHECK_INT(rec.art.has_date, 0);
    CHECK_CONTAINS(rec.data, "\"date_text\":\"last Tuesday\"");
    ix_record_release(&rec);
    CHECK_INT(conv("{\"id\":\"x\",\"title\":\"caf\xe9\"}", &rec, &d), 0);
    CHECK(d.warned & (1u << IX_WARN_UTF8));
    CHECK_STR(rec.art.title, "caf\xc3\xa9");
    CHECK_CONTAINS(d.warn_msg[IX_WARN_UTF8], "invalid UTF-8 at byte 23; text read as Windows-1252");
    ix_record_release(&rec);
    /* A raw NUL byte (JSON wants \u0000, which is refused) is read as a space, and said so;
     * with bad UTF-8 in the same record, in either order, each is named. */
    static const struct {
        const char *line;
        size_t len;
        const char *warning, *title;
    } nuls[] = {
#define NUL_CASE(line, warning, title) { line, sizeof line - 1, warning, title }
        NUL_CASE("{\"id\":\"x\",\"title\":\"a\0b\"}", "a NUL byte at byte 21, read as a space",
                 "a b"),
        NUL_CASE("{\"id\":\"x\",\"title\":\"a\0b\xe9\"}",
                 "a NUL byte at byte 21, read as a space, and invalid UTF-8 at byte 23",
                 "a b\xc3\xa9"),
        NUL_CASE("{\"id\":\"x\",\"title\":\"\xe9\0b\"}",
                 "a NUL byte at byte 21, read as a space, and invalid UTF-8 at byte 20",
                 "\xc3\xa9 b"),
#undef NUL_CASE
    };
    for (size_t i = 0; i < sizeof nuls / sizeof nuls[0]; i++) {
        CHECK_INT(ix_record_from_json(&cv, nuls[i].line, nuls[i].len, &rec, &d), 0);
        CHECK(d.warned & (1u << IX_WARN_UTF8));
        CHECK_CONTAINS(d.warn_msg[IX_WARN_UTF8], nuls[i].warning);
        CHECK_STR(rec.art.title, nuls[i].title);
        ix_record_release(&rec);
    }
    CHECK_INT(conv("{\"id\":\"x\",\"lang\":\"tlh\"}", &rec, &d), 0);
    CHECK(d.warned & (1u << IX_WARN_LANG));
    CHECK(rec.art.lang == NULL);
    CHECK_CONTAINS(rec.data, "\"lang\":\"tlh\"");
    ix_record_release(&rec);
    CHECK_INT(conv("{\"id\":\"x\",\"date\":null}", &rec, &d), 0);
    CHECK_INT(d.warned, 0);
    ix_record_release(&rec);
}

int main(void)
{
    test_good_record();
    test_mapping();
    test_bad_records();
    return test_report("test_record");
}
