/* byline_common.h - small helpers shared by Byline's modules: capped buffers, dates, UTF-8. */
#ifndef BYLINE_COMMON_H
#define BYLINE_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Capped growable buffer --------------------------------------------------------- */

/* A growable byte buffer that refuses to grow past `cap` bytes. Embed it, bl_buf_init it,
 * bl_buf_release it. `data` is always NUL-terminated after a successful append. */
typedef struct bl_buf {
    char *data;
    size_t len;
    size_t alloc;
    size_t cap;
} bl_buf;

/* Initialises an empty buffer that will hold at most `cap` bytes. */
void bl_buf_init(bl_buf *b, size_t cap);
/* Frees the buffer's memory and leaves it empty and reusable. */
void bl_buf_release(bl_buf *b);
/* Appends `len` bytes. Returns 0, or -1 when the cap would be exceeded or memory runs out
 * (the buffer is then unchanged). */
int bl_buf_append(bl_buf *b, const void *data, size_t len);
/* Appends a NUL-terminated string. Returns as bl_buf_append. */
int bl_buf_puts(bl_buf *b, const char *s);
/* Appends formatted text. Returns as bl_buf_append. */
int bl_buf_printf(bl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Empties the buffer, keeping its memory. */
void bl_buf_reset(bl_buf *b);
/* Hands the buffer's memory to the caller (free with free()) and leaves the buffer empty.
 * Never returns NULL: an empty buffer gives a malloc'd "" (or NULL if that allocation fails). */
char *bl_buf_detach(bl_buf *b, size_t *len);

/* ---- Numbers ---------------------------------------------------------------------- */

/* Parses a whole decimal integer from min to max (a command-line option's value). Returns 0
 * with *out set, or -1 when s is empty, not a number, has trailing text, or is out of range. */
int bl_parse_long(const char *s, long min, long max, long *out);

/* ---- Dates -------------------------------------------------------------------------- */

/* How precisely a parsed date was given. */
enum bl_date_precision {
    BL_DATE_YEAR = 1,
    BL_DATE_MONTH = 2,
    BL_DATE_DAY = 3,
    BL_DATE_TIME = 4,
};

/* Parses a date given as ISO 8601 / RFC 3339 ("2024-03-14", "2024-03-14T09:30:00Z",
 * "2024-03-14 09:30:00+01:00", fractions of a second), a partial date ("2024-03", "2024",
 * "2024-03-14T09" for a whole hour),
 * or RFC 2822 ("Thu, 14 Mar 2024 09:30:00 +0100", also with zone names like GMT, EST).
 * Leading and trailing spaces are ignored. On success stores the start of the period in
 * seconds since 1970-01-01 UTC in *start, the last second of the period in *end (equal to
 * *start for a full time), the precision in *precision (any may be NULL), and returns 0.
 * Returns -1 when the text is not a valid date. */
int bl_date_parse(const char *s, size_t len, int64_t *start, int64_t *end, int *precision);

/* Formats seconds since 1970 UTC as RFC 3339 ("2024-03-14T08:30:00Z") into out (at least
 * 32 bytes). Returns out. */
char *bl_date_format(int64_t t, char *out);

/* Splits seconds since 1970 UTC into its civil UTC date and time. */
void bl_date_civil(int64_t t, int *year, int *month, int *day, int *hour, int *min, int *sec);

/* Seconds since 1970 UTC of a civil UTC date and time (month 1-12, day 1-31). */
int64_t bl_date_from_civil(int year, int month, int day, int hour, int min, int sec);

/* ---- Language tags ------------------------------------------------------------------ */

#define BL_LANG_TAG_MAX 35

/* Returns 1 when s has the form of a language tag: a code of two or three letters (ISO 639),
 * then subtags of one to eight letters or digits after '-' or '_' ("pl", "tlh", "zh-Hant",
 * "pt_BR"), at most BL_LANG_TAG_MAX bytes in all; else 0. Used for languages Byline has no
 * stemmer for: their articles are filtered and counted under the tag. */
int bl_lang_tag_ok(const char *s);

/* Puts a language tag (NUL-terminated, changed in place) in the form it is indexed and
 * filtered under: lower-case, '-' between subtags ("zh_Hant" -> "zh-hant"). */
void bl_lang_tag_normalize(char *s);

/* ---- UTF-8 -------------------------------------------------------------------------- */

/* Returns 1 when s[0..len) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF) and
 * holds no NUL byte, else 0. When invalid and `bad_at` is not NULL, stores the offset of the
 * first bad byte there. */
int bl_utf8_valid(const char *s, size_t len, size_t *bad_at);

/* Returns a malloc'd, NUL-terminated copy of s[0..len) converted to valid UTF-8: valid UTF-8
 * sequences are kept, every other byte is read as Windows-1252 (Latin-1 for the bytes
 * Windows-1252 leaves undefined), and NUL bytes become spaces. Stores the new length in
 * *out_len when not NULL. Returns NULL when memory runs out. Free with free(). */
char *bl_utf8_repair(const char *s, size_t len, size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif
