/* test_common.c - unit tests of common/: capped buffers, date parsing, UTF-8 repair. */
#include "byline_common.h"
#include "testutil.h"

static int64_t parse(const char *s)
{
    int64_t t = -1;
    if (bl_date_parse(s, strlen(s), &t, NULL, NULL) != 0)
        return -999;
    return t;
}

static void test_dates(void)
{
    /* 2024-03-14T08:30:00Z is 1710405000. */
    CHECK_INT(parse("2024-03-14T08:30:00Z"), 1710405000);
    CHECK_INT(parse("2024-03-14T09:30:00+01:00"), 1710405000);
    CHECK_INT(parse("2024-03-14T09:30:00+0100"), 1710405000);
    CHECK_INT(parse("2024-03-14 03:30:00-05:00"), 1710405000);
    CHECK_INT(parse("2024-03-14T08:30:00.123456Z"), 1710405000);
    CHECK_INT(parse("2024-03-14T08:30Z"), 1710405000);
    CHECK_INT(parse("2024-03-14T08:30:00"), 1710405000); /* no offset: UTC */
    CHECK_INT(parse("  2024-03-14T08:30:00Z \n"), 1710405000);
    CHECK_INT(parse("Thu, 14 Mar 2024 08:30:00 GMT"), 1710405000);
    CHECK_INT(parse("Thu, 14 Mar 2024 09:30:00 +0100"), 1710405000);
    CHECK_INT(parse("14 Mar 2024 04:30:00 EDT"), 1710405000);
    CHECK_INT(parse("Thu, 14 Mar 24 08:30:00 UT"), 1710405000);
    CHECK_INT(parse("Thu, 14 Mar 2024 08:30 +0000 (UTC)"), 1710405000);
    CHECK_INT(parse("2024-03-14"), 1710374400);
    CHECK_INT(parse("20240314"), 1710374400);
    CHECK_INT(parse("1970-01-01T00:00:00Z"), 0);
    CHECK_INT(parse("1969-12-31T23:59:59Z"), -1);
    CHECK_INT(parse("2024-02-29"), 1709164800);
    CHECK_INT(parse("2023-02-29"), -999);
    CHECK_INT(parse("2024-13-01"), -999);
    CHECK_INT(parse("2024-04-31"), -999);
    CHECK_INT(parse("2024-03-14T25:00:00Z"), -999);
    CHECK_INT(parse("2024-03-14T08:30:00+25:00"), -999);
    CHECK_INT(parse("2024-03-14T08:30:00Zjunk"), -999);
    CHECK_INT(parse("yesterday"), -999);
    CHECK_INT(parse(""), -999);
    CHECK_INT(parse("32 Mar 2024 08:30:00 GMT"), -999);
    CHECK_INT(parse("14 Foo 2024 08:30:00 GMT"), -999);
    CHECK_INT(parse("14 Mar 2024 08:30:00 XYZ"), -999);

    int64_t start, end;
    int prec;
    CHECK_INT(bl_date_parse("2024-03", 7, &start, &end, &prec), 0);
    CHECK_INT(start, bl_date_from_civil(2024, 3, 1, 0, 0, 0));
    CHECK_INT(end, bl_date_from_civil(2024, 4, 1, 0, 0, 0) - 1);
    CHECK_INT(prec, BL_DATE_MONTH);
    CHECK_INT(bl_date_parse("2024-12", 7, &start, &end, &prec), 0);
    CHECK_INT(end, bl_date_from_civil(2025, 1, 1, 0, 0, 0) - 1);
    CHECK_INT(bl_date_parse("2023", 4, &start, &end, &prec), 0);
    CHECK_INT(start, bl_date_from_civil(2023, 1, 1, 0, 0, 0));
    CHECK_INT(end, bl_date_from_civil(2024, 1, 1, 0, 0, 0) - 1);
    CHECK_INT(prec, BL_DATE_YEAR);
    CHECK_INT(bl_date_parse("2024-03-14T09", 13, &start, &end, &prec), 0);
    CHECK_INT(start, bl_date_from_civil(2024, 3, 14, 9, 0, 0));
    CHECK_INT(end - start, 3599);
    CHECK_INT(parse("2024-03-14T24"), -999);
    CHECK_INT(bl_date_parse("2023-06-30", 10, &start, &end, &prec), 0);
    CHECK_INT(end - start, 86399);
    CHECK_INT(prec, BL_DATE_DAY);

    char buf[32];
    CHECK_STR(bl_date_format(1710405000, buf), "2024-03-14T08:30:00Z");
    CHECK_STR(bl_date_format(-1, buf), "1969-12-31T23:59:59Z");
    CHECK_STR(bl_date_format(bl_date_from_civil(1987, 2, 26, 15, 1, 1), buf),
              "1987-02-26T15:01:01Z");
}

static void test_utf8(void)
{
    size_t bad = 0;
    CHECK(bl_utf8_valid("plain ascii", 11, NULL));
    CHECK(bl_utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xb0", 14, NULL));
    CHECK(!bl_utf8_valid("caf\xe9 au lait", 12, &bad));
    CHECK_INT(bad, 3);
    CHECK(!bl_utf8_valid("\xc0\xaf", 2, NULL));         /* overlong */
    CHECK(!bl_utf8_valid("\xed\xa0\x80", 3, NULL));     /* surrogate */
    CHECK(!bl_utf8_valid("\xf4\x90\x80\x80", 4, NULL)); /* above U+10FFFF */
    CHECK(!bl_utf8_valid("a\0b", 3, NULL));             /* NUL */
    CHECK(!bl_utf8_valid("\xe2\x82", 2, NULL));         /* truncated */

    size_t n;
    char *s = bl_utf8_repair("caf\xe9 \x93quoted\x94 \x80 5", 17, &n);
    CHECK_STR(s, "caf\xc3\xa9 \xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x82\xac 5");
    CHECK_INT(n, strlen(s));
    CHECK(bl_utf8_valid(s, n, NULL));
    free(s);
    s = bl_utf8_repair("ok \xc3\xa9 and bad \xff\x81", 16, &n);
    CHECK_STR(s, "ok \xc3\xa9 and bad \xc3\xbf\xc2\x81");
    free(s);
    s = bl_utf8_repair("a\0b", 3, &n);
    CHECK_STR(s, "a b");
    free(s);
}

static void test_buf(void)
{
    bl_buf b;
    bl_buf_init(&b, 16);
    CHECK_INT(bl_buf_puts(&b, "0123456789"), 0);
    CHECK_INT(bl_buf_printf(&b, "%d", 12345), 0);
    CHECK_STR(b.data, "012345678912345");
    CHECK_INT(bl_buf_puts(&b, "xx"), -1); /* over the cap: refused, unchanged */
    CHECK_STR(b.data, "012345678912345");
    CHECK_INT(bl_buf_puts(&b, "x"), 0);
    CHECK_INT(b.len, 16);
    CHECK_INT(bl_buf_printf(&b, "%s", "y"), -1);
    bl_buf_reset(&b);
    CHECK_INT(b.len, 0);
    CHECK_STR(b.data, "");
    size_t len;
    char *d = bl_buf_detach(&b, &len);
    CHECK_STR(d, "");
    free(d);
    bl_buf_release(&b);
}

static void test_numbers(void)
{
    long n = -1;
    CHECK_INT(bl_parse_long("42", 1, 64, &n), 0);
    CHECK_INT(n, 42);
    CHECK_INT(bl_parse_long("0", 1, 64, &n), -1);
    CHECK_INT(bl_parse_long("65", 1, 64, &n), -1);
    CHECK_INT(bl_parse_long("4x", 1, 64, &n), -1);
    CHECK_INT(bl_parse_long("", 1, 64, &n), -1);
    CHECK_INT(bl_parse_long("99999999999999999999", 0, 100, &n), -1);
}

static void test_lang_tags(void)
{
    static const char *const good[] = { "pl", "tlh", "zh-Hant", "pt_BR", "sr-Latn-RS", "EN" };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK_INT(bl_lang_tag_ok(good[i]), 1);
    static const char *const bad[] = { "",
                                       "x",
                                       "x1",
                                       "klingonese",
                                       "en-",
                                       "en--us",
                                       "en-toolongsub",
                                       "e1",
                                       "en us",
                                       NULL,
                                       "abc-defghijk-lmnopqrs-tuvwxyz1-23456" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_INT(bl_lang_tag_ok(bad[i]), 0);
}

int main(void)
{
    test_numbers();
    test_dates();
    test_utf8();
    test_buf();
    test_lang_tags();
    return test_report("test_common");
}
