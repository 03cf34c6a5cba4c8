/* date.c - parsing and formatting of article dates (ISO 8601 / RFC 3339 and RFC 2822). */
#include "byline_common.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Days from 1970-01-01 to a civil date (proleptic Gregorian; Howard Hinnant's method). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *year, int *month, int *day)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(y + (m <= 2));
    *month = m;
    *day = d;
}

int64_t bl_date_from_civil(int year, int month, int day, int hour, int min, int sec)
{
    return days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec;
}

void bl_date_civil(int64_t t, int *year, int *month, int *day, int *hour, int *min, int *sec)
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t rem = t - days * 86400;
    civil_from_days(days, year, month, day);
    *hour = (int)(rem / 3600);
    *min = (int)(rem % 3600 / 60);
    *sec = (int)(rem % 60);
}

char *bl_date_format(int64_t t, char *out)
{
    int y, mo, d, h, mi, s;
    bl_date_civil(t, &y, &mo, &d, &h, &mi, &s);
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, s);
    return out;
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* A cursor over the text being parsed. */
typedef struct cur {
    const char *p;
    const char *end;
} cur;

static int at_end(const cur *c)
{
    return c->p >= c->end;
}

static int peek(const cur *c)
{
    return at_end(c) ? -1 : (unsigned char)*c->p;
}

/* Reads exactly n digits. Returns the number or -1. */
static int digits(cur *c, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (at_end(c) || !isdigit((unsigned char)*c->p))
            return -1;
        v = v * 10 + (*c->p - '0');
        c->p++;
    }
    return v;
}

/* Reads 1 to max digits. Returns the number or -1. */
static int some_digits(cur *c, int max)
{
    int v = 0, n = 0;
    while (n < max && !at_end(c) && isdigit((unsigned char)*c->p)) {
        v = v * 10 + (*c->p - '0');
        c->p++;
        n++;
    }
    return n ? v : -1;
}

static void skip_spaces(cur *c)
{
    while (!at_end(c) && isspace((unsigned char)*c->p))
        c->p++;
}

/* Parses "Z", "+HH:MM", "+HHMM", "+HH" into seconds east of UTC. Returns 0 or -1. */
static int parse_offset(cur *c, int *offset)
{
    int ch = peek(c);
    if (ch == 'Z' || ch == 'z') {
        c->p++;
        *offset = 0;
        return 0;
    }
    if (ch != '+' && ch != '-')
        return -1;
    int sign = ch == '-' ? -1 : 1;
    c->p++;
    int hh = digits(c, 2);
    if (hh < 0 || hh > 23)
        return -1;
    int mm = 0;
    if (peek(c) == ':')
        c->p++;
    if (!at_end(c) && isdigit((unsigned char)*c->p)) {
        mm = digits(c, 2);
        if (mm < 0 || mm > 59)
            return -1;
    }
    *offset = sign * (hh * 3600 + mm * 60);
    return 0;
}

/* Parses HH:MM[:SS[.fraction]]. Returns 0 or -1. */
static int parse_time(cur *c, int *h, int *mi, int *s)
{
    *h = digits(c, 2);
    if (*h < 0 || *h > 23 || peek(c) != ':')
        return -1;
    c->p++;
    *mi = digits(c, 2);
    if (*mi < 0 || *mi > 59)
        return -1;
    *s = 0;
    if (peek(c) == ':') {
        c->p++;
        *s = digits(c, 2);
        if (*s < 0 || *s > 60)
            return -1;
        if (*s == 60)
            *s = 59; /* a leap second: keep it within its minute */
        if (peek(c) == '.' || peek(c) == ',') {
            c->p++;
            if (some_digits(c, 9) < 0)
                return -1;
            while (!at_end(c) && isdigit((unsigned char)*c->p))
                c->p++;
        }
    }
    return 0;
}

static int finish(int64_t start, int64_t end, int precision, int64_t *out_start, int64_t *out_end,
                  int *out_precision)
{
    if (out_start)
        *out_start = start;
    if (out_end)
        *out_end = end;
    if (out_precision)
        *out_precision = precision;
    return 0;
}

static int parse_iso(cur *c, int64_t *start, int64_t *end, int *precision)
{
    int y = digits(c, 4);
    if (y < 0)
        return -1;
    if (at_end(c))
        return finish(bl_date_from_civil(y, 1, 1, 0, 0, 0),
                      bl_date_from_civil(y + 1, 1, 1, 0, 0, 0) - 1, BL_DATE_YEAR, start, end,
                      precision);
    int compact = isdigit((unsigned char)*c->p);
    if (!compact && peek(c) != '-')
        return -1;
    if (!compact)
        c->p++;
    int m = digits(c, 2);
    if (m < 1 || m > 12)
        return -1;
    if (at_end(c)) {
        int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
        return finish(bl_date_from_civil(y, m, 1, 0, 0, 0),
                      bl_date_from_civil(ny, nm, 1, 0, 0, 0) - 1, BL_DATE_MONTH, start, end,
                      precision);
    }
    if (!compact && peek(c) != '-')
        return -1;
    if (!compact)
        c->p++;
    int d = digits(c, 2);
    if (d < 1 || d > days_in_month(y, m))
        return -1;
    if (at_end(c)) {
        int64_t t = bl_date_from_civil(y, m, d, 0, 0, 0);
        return finish(t, t + 86399, BL_DATE_DAY, start, end, precision);
    }
    int ch = peek(c);
    if (ch != 'T' && ch != 't' && ch != ' ')
        return -1;
    c->p++;
    if (c->end - c->p == 2) { /* "2024-03-14T09": the whole hour, as date histograms key it */
        int hour = digits(c, 2);
        if (hour < 0 || hour > 23)
            return -1;
        int64_t t = bl_date_from_civil(y, m, d, hour, 0, 0);
        return finish(t, t + 3599, BL_DATE_TIME, start, end, precision);
    }
    int h, mi, s;
    if (parse_time(c, &h, &mi, &s) != 0)
        return -1;
    int offset = 0;
    skip_spaces(c);
    if (!at_end(c) && parse_offset(c, &offset) != 0)
        return -1;
    if (!at_end(c))
        return -1;
    int64_t t = bl_date_from_civil(y, m, d, h, mi, s) - offset;
    return finish(t, t, BL_DATE_TIME, start, end, precision);
}

static int month_from_name(const char *p, size_t n)
{
    static const char *names[12] = { "jan", "feb", "mar", "apr", "may", "jun",
                                     "jul", "aug", "sep", "oct", "nov", "dec" };
    if (n < 3)
        return -1;
    for (int i = 0; i < 12; i++)
        if (strncasecmp(p, names[i], 3) == 0)
            return i + 1;
    return -1;
}

/* Zone names RFC 2822 allows (and the few feeds use), in seconds east of UTC. */
static int zone_from_name(const char *p, size_t n, int *offset)
{
    static const struct {
        const char *name;
        int hours;
    } zones[] = { { "UT", 0 },   { "UTC", 0 },  { "GMT", 0 },  { "Z", 0 },    { "EST", -5 },
                  { "EDT", -4 }, { "CST", -6 }, { "CDT", -5 }, { "MST", -7 }, { "MDT", -6 },
                  { "PST", -8 }, { "PDT", -7 }, { "CET", 1 },  { "CEST", 2 }, { "BST", 1 } };
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        if (strlen(zones[i].name) == n && strncasecmp(p, zones[i].name, n) == 0) {
            *offset = zones[i].hours * 3600;
            return 0;
        }
    }
    return -1;
}

/* RFC 2822: [Day,] D Mon YYYY HH:MM[:SS] [zone]. */
static int parse_rfc2822(cur *c, int64_t *start, int64_t *end, int *precision)
{
    if (isalpha(peek(c))) {
        while (!at_end(c) && isalpha((unsigned char)*c->p))
            c->p++;
        skip_spaces(c);
        if (peek(c) != ',')
            return -1;
        c->p++;
        skip_spaces(c);
    }
    int d = some_digits(c, 2);
    if (d < 1)
        return -1;
    skip_spaces(c);
    const char *mp = c->p;
    while (!at_end(c) && isalpha((unsigned char)*c->p))
        c->p++;
    int m = month_from_name(mp, (size_t)(c->p - mp));
    if (m < 0)
        return -1;
    skip_spaces(c);
    const char *yp = c->p;
    int y = some_digits(c, 4);
    if (y < 0)
        return -1;
    if (c->p - yp == 2)
        y += y < 50 ? 2000 : 1900;
    else if (c->p - yp != 4)
        return -1;
    if (d > days_in_month(y, m))
        return -1;
    skip_spaces(c);
    if (at_end(c)) {
        int64_t t = bl_date_from_civil(y, m, d, 0, 0, 0);
        return finish(t, t + 86399, BL_DATE_DAY, start, end, precision);
    }
    int h, mi, s;
    if (parse_time(c, &h, &mi, &s) != 0)
        return -1;
    skip_spaces(c);
    int offset = 0;
    if (!at_end(c)) {
        if (peek(c) == '+' || peek(c) == '-') {
            if (parse_offset(c, &offset) != 0)
                return -1;
        } else {
            const char *zp = c->p;
            while (!at_end(c) && isalpha((unsigned char)*c->p))
                c->p++;
            if (zone_from_name(zp, (size_t)(c->p - zp), &offset) != 0)
                return -1;
        }
        skip_spaces(c);
        if (peek(c) == '(') { /* a trailing comment such as "(PST)" */
            while (!at_end(c) && *c->p != ')')
                c->p++;
            if (at_end(c))
                return -1;
            c->p++;
            skip_spaces(c);
        }
        if (!at_end(c))
            return -1;
    }
    int64_t t = bl_date_from_civil(y, m, d, h, mi, s) - offset;
    return finish(t, t, BL_DATE_TIME, start, end, precision);
}

int bl_date_parse(const char *s, size_t len, int64_t *start, int64_t *end, int *precision)
{
    cur c = { s, s + len };
    skip_spaces(&c);
    while (c.end > c.p && isspace((unsigned char)c.end[-1]))
        c.end--;
    if (at_end(&c))
        return -1;
    cur iso = c;
    if (c.end - c.p >= 4 && isdigit((unsigned char)c.p[0]) && isdigit((unsigned char)c.p[1]) &&
        isdigit((unsigned char)c.p[2]) && isdigit((unsigned char)c.p[3]) &&
        parse_iso(&iso, start, end, precision) == 0)
        return 0;
    return parse_rfc2822(&c, start, end, precision);
}
