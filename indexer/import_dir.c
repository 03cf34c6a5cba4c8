/* import_dir.c - folders of article files: .txt (first line the title), .html (the page's
 * article text) and .json (one article); the id is the path relative to the folder. */
#include "import.h"

#include "byline_common.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define MAX_ARTICLE_FILE (64u << 20)
#define MAX_DEPTH        32

typedef struct walk {
    const char *root;
    const ix_import_opts *o;
    ix_sink *sink;
    int stop;
} walk;

static int has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), m = strlen(ext);
    return n > m && strcasecmp(name + n - m, ext) == 0;
}

/* A .txt article: the first non-empty line is the title, the rest the body. */
static json_t *txt_article(const char *text)
{
    json_t *o = json_object();
    const char *p = text;
    while (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t')
        p++;
    size_t n = strcspn(p, "\r\n");
    size_t tl = n;
    while (tl > 0 && (p[tl - 1] == ' ' || p[tl - 1] == '\t'))
        tl--;
    if (tl)
        json_object_set_new(o, "title", json_stringn(p, tl));
    p += n;
    while (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t')
        p++;
    size_t bl = strlen(p);
    while (bl > 0 && (p[bl - 1] == '\n' || p[bl - 1] == '\r' || p[bl - 1] == ' '))
        bl--;
    if (bl)
        json_object_set_new(o, "body", json_stringn(p, bl));
    return o;
}

/* Files that describe a collection rather than hold an article: README, LICENSE... */
static int is_about_file(const char *rel)
{
    static const char *const names[] = { "readme",  "license",   "licence", "copying",
                                         "changes", "changelog", "authors" };
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t n = strlen(names[i]);
        if (strncasecmp(base, names[i], n) == 0 && (base[n] == '\0' || base[n] == '.'))
            return 1;
    }
    return 0;
}

static void index_file(walk *w, const char *full, const char *rel)
{
    if (is_about_file(rel))
        return;
    int is_txt = has_ext(rel, ".txt"), is_html = has_ext(rel, ".html") || has_ext(rel, ".htm"),
        is_json = has_ext(rel, ".json");
    if (!is_txt && !is_html && !is_json)
        return;
    ix_diag d;
    memset(&d, 0, sizeof d);
    char err[512];
    size_t len = 0;
    char *raw = ix_read_file(full, MAX_ARTICLE_FILE, &len, err, sizeof err);
    json_t *obj = NULL;
    if (!raw) {
        d.skip = IX_SKIP_INPUT;
        snprintf(d.skip_msg, sizeof d.skip_msg, "%s", err);
    } else if (is_json) {
        obj = ix_parse_record(raw, len, &d);
    } else {
        int repaired = 0;
        size_t tlen = 0;
        char *text = ix_text_utf8(raw, len, &tlen, &repaired);
        if (repaired) {
            d.warned |= 1u << IX_WARN_UTF8;
            snprintf(d.warn_msg[IX_WARN_UTF8], sizeof d.warn_msg[IX_WARN_UTF8],
                     "file is not valid UTF-8; text read as Windows-1252");
        }
        const char *t = text ? text : "";
        if (tlen >= 3 && memcmp(t, "\xef\xbb\xbf", 3) == 0) {
            t += 3;
            tlen -= 3;
        }
        obj = is_txt ? txt_article(t) : ix_html_article(t, tlen);
        free(text);
    }
    free(raw);
    if (obj) {
        const char *id_name = w->o->id_name ? w->o->id_name : "id";
        if (!json_object_get(obj, id_name)) {
            size_t idlen = 0;
            char *id = ix_text_utf8(rel, strlen(rel), &idlen, NULL);
            json_object_set_new(obj, id_name, json_stringn(id ? id : "", idlen));
            free(id);
        }
        const char *slash = strchr(rel, '/');
        const char *cat_name = w->o->category_name ? w->o->category_name : "categories";
        if (w->o->category_from_dir && slash && !json_object_get(obj, cat_name)) {
            char *cat = ix_text_utf8(rel, (size_t)(slash - rel), NULL, NULL);
            if (cat)
                json_object_set_new(obj, cat_name, json_string(cat));
            free(cat);
        }
    }
    if (w->sink->record(w->sink->ctx, full, obj, &d))
        w->stop = 1;
}

static int skip_entry(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

static void walk_dir(walk *w, const char *rel, int depth)
{
    char path[4096];
    snprintf(path, sizeof path, "%s%s%s", w->root, *rel ? "/" : "", rel);
    struct dirent **list = NULL;
    int n = scandir(path, &list, skip_entry, alphasort);
    if (n < 0) {
        ix_diag d;
        memset(&d, 0, sizeof d);
        d.skip = IX_SKIP_INPUT;
        snprintf(d.skip_msg, sizeof d.skip_msg, "cannot read folder: %s", strerror(errno));
        if (w->sink->record(w->sink->ctx, path, NULL, &d))
            w->stop = 1;
        return;
    }
    for (int i = 0; i < n; i++) {
        if (!w->stop) {
            char sub_rel[4096], full[8192];
            snprintf(sub_rel, sizeof sub_rel, "%s%s%s", rel, *rel ? "/" : "", list[i]->d_name);
            snprintf(full, sizeof full, "%s/%s", w->root, sub_rel);
            struct stat st; /* lstat: symbolic links are left out (no loops, nothing outside) */
            if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode) && depth < MAX_DEPTH)
                walk_dir(w, sub_rel, depth + 1);
            else if (lstat(full, &st) == 0 && S_ISREG(st.st_mode))
                index_file(w, full, sub_rel);
        }
        free(list[i]);
    }
    free(list);
}

int ix_import_dir(const char *path, const ix_import_opts *o, ix_sink *sink, char *err,
                  size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "cannot read folder '%s': %s", path,
                 errno ? strerror(errno) : "not a folder");
        return -1;
    }
    char root[4096];
    snprintf(root, sizeof root, "%s", path);
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/')
        root[--n] = '\0';
    walk w = { root, o, sink, 0 };
    walk_dir(&w, "", 0);
    return w.stop ? 1 : 0;
}
