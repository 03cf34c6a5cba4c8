/* fuzz_date.c - libFuzzer target: bl_date_parse on any bytes, and what it promises: a period
 * whose end is not before its start, and dates that survive formatting and parsing again. */
#include "fuzz_util.h"

#include "byline_common.h"

#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

/* A time formatted by bl_date_format parses back to itself, as a full time. */
static void check_round_trip(int64_t t)
{
    int y, mo, d, h, mi, s;
    bl_date_civil(t, &y, &mo, &d, &h, &mi, &s);
    FZ_ASSERT(mo >= 1 && mo <= 12 && d >= 1 && d <= 31);
    FZ_ASSERT(h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 59);
    FZ_ASSERT(bl_date_from_civil(y, mo, d, h, mi, s) == t);
    if (y < 0 || y > 9999)
        return;
    char text[32];
    bl_date_format(t, text);
    int64_t start = 0, end = 0;
    int precision = 0;
    FZ_ASSERT(bl_date_parse(text, strlen(text), &start, &end, &precision) == 0);
    FZ_ASSERT(start == t && end == t && precision == BL_DATE_TIME);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    int64_t start = 0, end = 0;
    int precision = 0;
    if (bl_date_parse(s, size, &start, &end, &precision) != 0)
        return 0;
    FZ_ASSERT(precision >= BL_DATE_YEAR && precision <= BL_DATE_TIME);
    FZ_ASSERT(start <= end);
    FZ_ASSERT(end - start < 367 * 86400);
    /* The optional outputs really are optional, and give the same answer. */
    int64_t start2 = 0;
    FZ_ASSERT(bl_date_parse(s, size, &start2, NULL, NULL) == 0 && start2 == start);
    FZ_ASSERT(bl_date_parse(s, size, NULL, NULL, NULL) == 0);
    check_round_trip(start);
    check_round_trip(end);
    return 0;
}
