/* record.c - turns one JSON Lines record into an article for the index. */
#include "indexer.h"

#include "byline_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const field_names[IX_NFIELDS] = { "id",   "title",  "body",   "summary",
                                                     "url",  "author", "source", "categories",
                                                     "tags", "date",   "lang" };

const char *ix_field_name(enum ix_field f)
{
    return (unsigned)f < IX_NFIELDS ? field_names[f] : "?";
}

static int field_from_name(const char *name, size_t len)
{
    for (int f = 0; f < IX_NFIELDS; f++)
        if (strlen(field_names[f]) == len && strncmp(field_names[f], name, len) == 0)
            return f;
    return -1;
}

int ix_fieldmap_parse(ix_fieldmap *map, const char *spec, char *err, size_t errlen)
{
    const char *p = spec;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (!eq || eq == p || eq == p + n - 1) {
            snprintf(err, errlen, "bad --map entry '%.*s': expected FIELD=INPUT_NAME", (int)n, p);
            return -1;
        }
        int f = field_from_name(p, (size_t)(eq - p));
        if (f < 0) {
            snprintf(err, errlen,
                     "bad --map entry '%.*s': unknown field '%.*s' (fields: id, title, body, "
                     "summary, url, author, source, categories, tags, date, lang)",
                     (int)n, p, (int)(eq - p), p);
            return -1;
        }
        char *name = strndup(eq + 1, (size_t)(p + n - eq - 1));
        if (!name) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        free(map->input[f]);
        map->input[f] = name;
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

void ix_fieldmap_release(ix_fieldmap *map)
{
    for (int f = 0; f < IX_NFIELDS; f++) {
        free(map->input[f]);
        map->input[f] = NULL;
    }
}

static const char *input_name(const ix_convert *cv, int f)
{
    if (cv->map && cv->map->input[f])
        return cv->map->input[f];
    return field_names[f];
}

static void set_skip(ix_diag *d, enum ix_problem p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_skip(ix_diag *d, enum ix_problem p, const char *fmt, ...)
{
    if (d->skip != IX_PROBLEM_NONE)
        return;
    d->skip = p;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->skip_msg, sizeof d->skip_msg, fmt, ap);
    va_end(ap);
}

static void set_warn(ix_diag *d, enum ix_warning w, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_warn(ix_diag *d, enum ix_warning w, const char *fmt, ...)
{
    d->warned |= 1u << w;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->warn_msg[w], sizeof d->warn_msg[w], fmt, ap);
    va_end(ap);
}

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "a list";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "a value";
}

/* A text field as a JSON string: strings kept, numbers written out, null/absent dropped.
 * Returns the new reference, NULL when absent, or sets a skip and returns NULL. */
static json_t *text_value(json_t *v, const char *name, ix_diag *d)
{
    if (!v || json_is_null(v))
        return NULL;
    if (json_is_string(v))
        return json_string_length(v) ? json_incref(v) : NULL;
    if (json_is_integer(v)) {
        char buf[32];
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return json_string(buf);
    }
    if (json_is_real(v)) {
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
        return json_string(buf);
    }
    set_skip(d, IX_SKIP_TYPE, "field '%s' must be a string, not %s", name, json_kind(v));
    return NULL;
}

/* A one-or-many field as a JSON list of non-empty strings. */
static json_t *list_value(json_t *v, const char *name, ix_diag *d)
{
    if (!v || json_is_null(v))
        return NULL;
    if (json_is_string(v)) {
        if (!json_string_length(v))
            return NULL;
        json_t *a = json_array();
        json_array_append(a, v);
        return a;
    }
    if (!json_is_array(v)) {
        set_skip(d, IX_SKIP_TYPE, "field '%s' must be a string or a list of strings, not %s", name,
                 json_kind(v));
        return NULL;
    }
    json_t *a = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item)
    {
        if (json_is_null(item))
            continue;
        if (!json_is_string(item)) {
            set_skip(d, IX_SKIP_TYPE, "field '%s' must be a list of strings, but item %zu is %s",
                     name, i + 1, json_kind(item));
            json_decref(a);
            return NULL;
        }
        if (json_string_length(item))
            json_array_append(a, item);
    }
    if (json_array_size(a) == 0) {
        json_decref(a);
        return NULL;
    }
    return a;
}

/* Points art's list at the strings of a JSON list kept in rec->stored. */
static const char **list_strings(ix_record *rec, int which, json_t *list, size_t *n)
{
    *n = 0;
    if (!list)
        return NULL;
    size_t count = json_array_size(list);
    const char **items = calloc(count + 1, sizeof *items);
    if (!items)
        return NULL;
    for (size_t i = 0; i < count; i++)
        items[i] = json_string_value(json_array_get(list, i));
    rec->lists[which] = items;
    *n = count;
    return items;
}

static void take_date(const ix_convert *cv, json_t *v, ix_record *rec, ix_diag *d)
{
    const char *name = input_name(cv, IX_DATE);
    if (!v || json_is_null(v))
        return;
    int64_t t = 0;
    if (json_is_integer(v)) {
        t = json_integer_value(v);
    } else if (json_is_string(v)) {
        if (bl_date_parse(json_string_value(v), json_string_length(v), &t, NULL, NULL) != 0) {
            set_warn(d, IX_WARN_DATE,
                     "unparseable date '%.100s' in field '%s'; indexed without a date",
                     json_string_value(v), name);
            json_object_set(rec->stored, "date_text", v);
            return;
        }
    } else {
        set_warn(d, IX_WARN_DATE,
                 "field '%s' must be a date string, not %s; indexed without a date", name,
                 json_kind(v));
        return;
    }
    if (t < -62135596800LL || t > 253402300799LL) { /* years 1 to 9999 */
        set_warn(d, IX_WARN_DATE, "date in field '%s' is out of range; indexed without a date",
                 name);
        return;
    }
    char buf[32];
    rec->art.has_date = 1;
    rec->art.date = t;
    json_object_set_new(rec->stored, "date", json_string(bl_date_format(t, buf)));
}

static void take_lang(const ix_convert *cv, json_t *v, ix_record *rec, ix_diag *d)
{
    const char *name = input_name(cv, IX_LANG);
    rec->art.lang = cv->default_lang;
    if (v && json_is_string(v) && json_string_length(v)) {
        const char *given = json_string_value(v);
        const char *code = bx_lang_resolve_z(given);
        if (code) {
            rec->art.lang = code;
        } else if (bl_lang_tag_ok(given)) {
            /* A language without a stemmer ("pl"): unstemmed, but filtered and counted under
             * its tag, lower-cased. */
            set_warn(d, IX_WARN_LANG,
                     "no stemmer for language '%.40s' in field '%s'; indexed unstemmed", given,
                     name);
            char tag[BL_LANG_TAG_MAX + 1];
            snprintf(tag, sizeof tag, "%s", given);
            bl_lang_tag_normalize(tag);
            json_t *t = json_string(tag);
            json_object_set_new(rec->stored, "lang", t);
            rec->art.lang = NULL;
            rec->art.lang_tag = t ? json_string_value(t) : NULL;
            return;
        } else {
            set_warn(d, IX_WARN_LANG, "unknown language '%.40s' in field '%s'; indexed unstemmed",
                     given, name);
            rec->art.lang = NULL;
            json_object_set(rec->stored, "lang", v);
            return;
        }
    } else if (v && !json_is_null(v) && !json_is_string(v)) {
        set_skip(d, IX_SKIP_TYPE, "field '%s' must be a string, not %s", name, json_kind(v));
        return;
    }
    if (rec->art.lang)
        json_object_set_new(rec->stored, "lang", json_string(rec->art.lang));
}

static int is_input_name(const ix_convert *cv, const char *key)
{
    for (int f = 0; f < IX_NFIELDS; f++)
        if (strcmp(key, input_name(cv, f)) == 0 || strcmp(key, field_names[f]) == 0)
            return 1;
    return 0;
}

/* Fills rec from a parsed JSON object. */
static void convert_object(const ix_convert *cv, json_t *root, ix_record *rec, ix_diag *d)
{
    json_t *idv = json_object_get(root, input_name(cv, IX_ID));
    json_t *id = NULL;
    if (idv && (json_is_string(idv) || json_is_integer(idv)))
        id = text_value(idv, input_name(cv, IX_ID), d);
    else if (idv && !json_is_null(idv))
        set_skip(d, IX_SKIP_TYPE, "field '%s' (the id) must be a string or an integer, not %s",
                 input_name(cv, IX_ID), json_kind(idv));
    if (!id) {
        set_skip(d, IX_SKIP_NO_ID, "record has no id (field '%s')", input_name(cv, IX_ID));
        return;
    }
    json_object_set_new(rec->stored, "id", id);
    rec->art.id = json_string_value(id);
    rec->art.id_len = json_string_length(id);

    static const int texts[] = { IX_TITLE, IX_BODY, IX_SUMMARY, IX_URL, IX_SOURCE };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        int f = texts[i];
        json_t *v = text_value(json_object_get(root, input_name(cv, f)), input_name(cv, f), d);
        if (v)
            json_object_set_new(rec->stored, field_names[f], v);
    }
    static const int lists[] = { IX_AUTHOR, IX_CATEGORIES, IX_TAGS };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        int f = lists[i];
        json_t *v = list_value(json_object_get(root, input_name(cv, f)), input_name(cv, f), d);
        if (v)
            json_object_set_new(rec->stored, field_names[f], v);
    }
    take_date(cv, json_object_get(root, input_name(cv, IX_DATE)), rec, d);
    take_lang(cv, json_object_get(root, input_name(cv, IX_LANG)), rec, d);

    const char *key;
    json_t *value;
    json_object_foreach(root, key, value)
    {
        if (!is_input_name(cv, key))
            json_object_set(rec->stored, key, value);
    }
}

static void point_article(ix_record *rec)
{
    bx_article *a = &rec->art;
    json_t *s = rec->stored;
    json_t *v;
    if ((v = json_object_get(s, "title"))) {
        a->title = json_string_value(v);
        a->title_len = json_string_length(v);
    }
    if ((v = json_object_get(s, "body"))) {
        a->body = json_string_value(v);
        a->body_len = json_string_length(v);
    }
    if ((v = json_object_get(s, "summary"))) {
        a->summary = json_string_value(v);
        a->summary_len = json_string_length(v);
    }
    if ((v = json_object_get(s, "source"))) {
        a->source = json_string_value(v);
        a->source_len = json_string_length(v);
    }
    a->authors = list_strings(rec, 0, json_object_get(s, "author"), &a->n_authors);
    a->categories = list_strings(rec, 1, json_object_get(s, "categories"), &a->n_categories);
    a->tags = list_strings(rec, 2, json_object_get(s, "tags"), &a->n_tags);
}

/* The fields every search result shows, in the order results show them; lists are [] and
 * other fields null when the article has none. */
static const char *const hit_fields[] = { "id",     "title",  "url",        "date",
                                          "source", "author", "categories", "lang" };

/* Serialises the stored fields the way bx_article.data wants them: the fields every result
 * shows, a newline, the other fields except the body. The body is stored apart (see
 * bx_record_split); moved objects stay alive in rec->hit and rec->body for the pointers in
 * rec->art. */
static int store_fields(ix_record *rec)
{
    rec->hit = json_object();
    for (size_t i = 0; i < sizeof hit_fields / sizeof hit_fields[0]; i++) {
        json_t *v = json_object_get(rec->stored, hit_fields[i]);
        int list = strcmp(hit_fields[i], "author") == 0 || strcmp(hit_fields[i], "categories") == 0;
        if (v)
            json_object_set(rec->hit, hit_fields[i], v);
        else /* a new reference, taken over */
            json_object_set_new(rec->hit, hit_fields[i], list ? json_array() : json_null());
        if (v)
            json_object_del(rec->stored, hit_fields[i]);
    }
    rec->body = json_incref(json_object_get(rec->stored, "body"));
    json_object_del(rec->stored, "body");
    char *hit = json_dumps(rec->hit, JSON_COMPACT);
    char *rest = json_dumps(rec->stored, JSON_COMPACT);
    if (hit && rest) {
        size_t a = strlen(hit), b = strlen(rest);
        rec->data = malloc(a + b + 2);
        if (rec->data) {
            memcpy(rec->data, hit, a);
            rec->data[a] = '\n';
            memcpy(rec->data + a + 1, rest, b + 1);
            rec->art.data = rec->data;
            rec->art.data_len = a + 1 + b;
        }
    }
    free(hit);
    free(rest);
    return rec->data ? 0 : -1;
}

json_t *ix_parse_record(const char *line, size_t len, ix_diag *d)
{
    char *fixed = NULL;
    size_t bad = 0;
    if (!bl_utf8_valid(line, len, &bad)) {
        size_t fixed_len = 0;
        fixed = bl_utf8_repair(line, len, &fixed_len);
        if (!fixed) {
            set_skip(d, IX_SKIP_TOO_LONG, "out of memory reading record");
            return NULL;
        }
        /* The first NUL byte (read as a space) and the first byte that is not UTF-8 (the text
         * is then read as Windows-1252), whichever the line has. */
        const char *nul = memchr(line, '\0', len);
        size_t invalid = len, at = 0, b = 0;
        while (at < len && !bl_utf8_valid(line + at, len - at, &b)) {
            if (line[at + b] != '\0') {
                invalid = at + b;
                break;
            }
            at += b + 1;
        }
        if (nul && invalid < len)
            set_warn(d, IX_WARN_UTF8,
                     "a NUL byte at byte %zu, read as a space, and invalid UTF-8 at byte %zu; "
                     "text read as Windows-1252",
                     (size_t)(nul - line) + 1, invalid + 1);
        else if (nul)
            set_warn(d, IX_WARN_UTF8, "a NUL byte at byte %zu, read as a space",
                     (size_t)(nul - line) + 1);
        else
            set_warn(d, IX_WARN_UTF8, "invalid UTF-8 at byte %zu; text read as Windows-1252",
                     bad + 1);
        line = fixed;
        len = fixed_len;
    }
    json_error_t jerr;
    json_t *root = json_loadb(line, len, 0, &jerr);
    free(fixed);
    if (!root) {
        set_skip(d, IX_SKIP_JSON, "invalid JSON at column %d: %s", jerr.column,
                 strstr(jerr.text, "JSON_ALLOW_NUL") ? "\\u0000 (NUL) is not allowed in strings"
                                                     : jerr.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        set_skip(d, IX_SKIP_JSON, "record is %s, not a JSON object", json_kind(root));
        json_decref(root);
        return NULL;
    }
    return root;
}

int ix_record_from_object(const ix_convert *cv, json_t *root, ix_record *rec, ix_diag *d)
{
    memset(rec, 0, sizeof *rec);
    if (!root || d->skip != IX_PROBLEM_NONE) {
        if (d->skip == IX_PROBLEM_NONE)
            set_skip(d, IX_SKIP_JSON, "record is empty");
        return -1;
    }
    rec->stored = json_object();
    convert_object(cv, root, rec, d);
    if (d->skip != IX_PROBLEM_NONE)
        return -1;
    point_article(rec);
    if (store_fields(rec) != 0) {
        set_skip(d, IX_SKIP_TOO_LONG, "out of memory storing record");
        return -1;
    }
    return 0;
}

int ix_record_from_json(const ix_convert *cv, const char *line, size_t len, ix_record *rec,
                        ix_diag *d)
{
    memset(rec, 0, sizeof *rec);
    memset(d, 0, sizeof *d);
    json_t *root = ix_parse_record(line, len, d);
    int rc = ix_record_from_object(cv, root, rec, d);
    json_decref(root);
    return rc;
}

void ix_record_release(ix_record *rec)
{
    for (int i = 0; i < 3; i++)
        free(rec->lists[i]);
    free(rec->data);
    json_decref(rec->hit);
    json_decref(rec->body);
    json_decref(rec->stored);
    memset(rec, 0, sizeof *rec);
}
