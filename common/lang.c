/* lang.c - the form of a language tag, for languages Byline has no stemmer for. */
#include "byline_common.h"

#include <string.h>

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alnum(char c)
{
    return is_alpha(c) || (c >= '0' && c <= '9');
}

int bl_lang_tag_ok(const char *s)
{
    if (!s)
        return 0;
    size_t n = strlen(s), i = 0;
    if (n > BL_LANG_TAG_MAX)
        return 0;
    while (i < n && is_alpha(s[i]))
        i++;
    if (i < 2 || i > 3)
        return 0;
    while (i < n) {
        if (s[i] != '-' && s[i] != '_')
            return 0;
        size_t start = ++i;
        while (i < n && is_alnum(s[i]))
            i++;
        if (i - start < 1 || i - start > 8)
            return 0;
    }
    return 1;
}

void bl_lang_tag_normalize(char *s)
{
    for (; s && *s; s++) {
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s + 32);
        else if (*s == '_')
            *s = '-';
    }
}
