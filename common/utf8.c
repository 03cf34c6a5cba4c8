/* utf8.c - UTF-8 validation and repair of text in legacy encodings. */
#include "byline_common.h"

#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (at most `left` bytes), or 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
    unsigned char c = s[0];
    if (c == 0)
        return 0;
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned min;
    unsigned cp;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n > left)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

int bl_utf8_valid(const char *s, size_t len, size_t *bad_at)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (u[i] < 0x80 && u[i] != 0) {
            i++;
            continue;
        }
        size_t n = utf8_seq(u + i, len - i);
        if (n == 0) {
            if (bad_at)
                *bad_at = i;
            return 0;
        }
        i += n;
    }
    return 1;
}

/* Windows-1252's bytes 0x80-0x9f; 0 where it leaves a byte undefined (read as Latin-1). */
static const unsigned short cp1252[32] = { 0x20ac, 0,      0x201a, 0x0192, 0x201e, 0x2026, 0x2020,
                                           0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0,
                                           0x017d, 0,      0,      0x2018, 0x2019, 0x201c, 0x201d,
                                           0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
                                           0x0153, 0,      0x017e, 0x0178 };

static size_t put_utf8(char *out, unsigned cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    out[0] = (char)(0xe0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
}

char *bl_utf8_repair(const char *s, size_t len, size_t *out_len)
{
    const unsigned char *u = (const unsigned char *)s;
    if (len > ((size_t)-1 - 1) / 3)
        return NULL;
    char *out = malloc(len * 3 + 1);
    if (!out)
        return NULL;
    size_t o = 0, i = 0;
    while (i < len) {
        size_t n = u[i] ? utf8_seq(u + i, len - i) : 0;
        if (n > 0) {
            memcpy(out + o, u + i, n);
            o += n;
            i += n;
            continue;
        }
        unsigned c = u[i++];
        if (c == 0)
            out[o++] = ' ';
        else if (c >= 0x80 && c <= 0x9f && cp1252[c - 0x80])
            o += put_utf8(out + o, cp1252[c - 0x80]);
        else
            o += put_utf8(out + o, c);
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return out;
}
