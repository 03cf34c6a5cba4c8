/* import_html.c - text and metadata out of HTML with libxml2's HTML parser: the article's own
 * words, without navigation, scripts, styles and other page furniture. */
#include "import.h"

#include "byline_common.h"

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_TEXT (32u << 20)

static int name_is(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->name && strcasecmp((const char *)n->name, name) == 0;
}

/* Elements whose text is not the article's. */
static int is_furniture(const xmlNode *n)
{
    static const char *const names[] = { "script",   "style",    "nav",    "header", "footer",
                                         "aside",    "noscript", "form",   "iframe", "svg",
                                         "template", "button",   "select", "menu",   "object" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (name_is(n, names[i]))
            return 1;
    xmlChar *role = xmlGetProp(n, (const xmlChar *)"role");
    int furniture =
        role && (strcmp((char *)role, "navigation") == 0 || strcmp((char *)role, "banner") == 0 ||
                 strcmp((char *)role, "contentinfo") == 0);
    xmlFree(role);
    return furniture;
}

static int is_block(const xmlNode *n)
{
    static const char *const names[] = { "p",          "div",     "br",         "li", "h1",
                                         "h2",         "h3",      "h4",         "h5", "h6",
                                         "section",    "article", "blockquote", "tr", "pre",
                                         "ul",         "ol",      "table",      "dd", "dt",
                                         "figcaption", "main",    "hr" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (name_is(n, names[i]))
            return 1;
    return 0;
}

/* Appends text, collapsing runs of white space into one space. */
static void append_text(bl_buf *out, const char *s)
{
    for (; *s; s++) {
        char c = *s;
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f') {
            if (out->len > 0 && out->data[out->len - 1] != ' ' && out->data[out->len - 1] != '\n')
                bl_buf_append(out, " ", 1);
            continue;
        }
        bl_buf_append(out, &c, 1);
    }
}

/* Ends the current paragraph: trailing spaces dropped, one blank line. */
static void paragraph_break(bl_buf *out)
{
    while (out->len > 0 && out->data[out->len - 1] == ' ')
        out->data[--out->len] = '\0';
    if (out->len == 0)
        return;
    if (out->data[out->len - 1] != '\n')
        bl_buf_append(out, "\n\n", 2);
    else if (out->len < 2 || out->data[out->len - 2] != '\n')
        bl_buf_append(out, "\n", 1);
}

static void collect_text(const xmlNode *n, bl_buf *out)
{
    for (; n; n = n->next) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (n->content)
                append_text(out, (const char *)n->content);
        } else if (n->type == XML_ELEMENT_NODE && !is_furniture(n)) {
            int block = is_block(n);
            if (block)
                paragraph_break(out);
            collect_text(n->children, out);
            if (block)
                paragraph_break(out);
        }
    }
}

static char *text_of(const xmlNode *n)
{
    bl_buf out;
    bl_buf_init(&out, MAX_TEXT);
    collect_text(n, &out);
    while (out.len > 0 && (out.data[out.len - 1] == '\n' || out.data[out.len - 1] == ' '))
        out.data[--out.len] = '\0';
    return bl_buf_detach(&out, NULL);
}

static htmlDocPtr parse_html(const char *html, size_t len)
{
    if (len > (size_t)1 << 30)
        return NULL;
    return htmlReadMemory(html, (int)len, NULL, "UTF-8",
                          HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                              HTML_PARSE_NONET | HTML_PARSE_NOIMPLIED);
}

char *ix_html_text(const char *html, size_t len)
{
    if (!memchr(html, '<', len) && !memchr(html, '&', len)) {
        bl_buf out; /* plain text: only white space to tidy */
        bl_buf_init(&out, MAX_TEXT);
        char *copy = strndup(html, len);
        if (copy)
            append_text(&out, copy);
        free(copy);
        return bl_buf_detach(&out, NULL);
    }
    htmlDocPtr doc = parse_html(html, len);
    if (!doc)
        return strndup(html, len);
    char *text = text_of(doc->children);
    xmlFreeDoc(doc);
    return text;
}

/* The first element named `name` under n, depth first. */
static xmlNode *find(xmlNode *n, const char *name)
{
    for (; n; n = n->next) {
        if (name_is(n, name))
            return n;
        xmlNode *in = n->type == XML_ELEMENT_NODE ? find(n->children, name) : NULL;
        if (in)
            return in;
    }
    return NULL;
}

/* The first element with attribute attr="value" under n. */
static xmlNode *find_attr(xmlNode *n, const char *attr, const char *value)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        xmlChar *v = xmlGetProp(n, (const xmlChar *)attr);
        int hit = v && strcasecmp((char *)v, value) == 0;
        xmlFree(v);
        if (hit)
            return n;
        xmlNode *in = find_attr(n->children, attr, value);
        if (in)
            return in;
    }
    return NULL;
}

/* The content of <meta property|name="key" content="...">, or NULL (free with xmlFree). */
static xmlChar *meta(xmlNode *root, const char *key)
{
    xmlNode *m = find_attr(root, "property", key);
    if (!m || !name_is(m, "meta"))
        m = find_attr(root, "name", key);
    if (!m || !name_is(m, "meta"))
        return NULL;
    return xmlGetProp(m, (const xmlChar *)"content");
}

static void set_string(json_t *o, const char *key, xmlChar *value)
{
    if (value) {
        char *t = ix_html_text((const char *)value, strlen((const char *)value));
        if (t && *t)
            json_object_set_new(o, key, json_string(t));
        free(t);
        xmlFree(value);
    }
}

json_t *ix_html_article(const char *html, size_t len)
{
    json_t *o = json_object();
    htmlDocPtr doc = parse_html(html, len);
    if (!doc)
        return o;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root)
        root = doc->children;
    xmlChar *title = meta(root, "og:title");
    if (!title) {
        xmlNode *t = find(root, "title");
        if (!t)
            t = find(root, "h1");
        title = t ? xmlNodeGetContent(t) : NULL;
    }
    set_string(o, "title", title);
    xmlChar *date = meta(root, "article:published_time");
    if (!date)
        date = meta(root, "date");
    if (!date) {
        xmlNode *t = find(root, "time");
        date = t ? xmlGetProp(t, (const xmlChar *)"datetime") : NULL;
    }
    set_string(o, "date", date);
    xmlChar *author = meta(root, "author");
    if (!author)
        author = meta(root, "article:author");
    set_string(o, "author", author);
    xmlChar *summary = meta(root, "description");
    if (!summary)
        summary = meta(root, "og:description");
    set_string(o, "summary", summary);
    xmlChar *url = meta(root, "og:url");
    set_string(o, "url", url);
    xmlNode *html_el = find(doc->children, "html");
    if (html_el)
        set_string(o, "lang", xmlGetProp(html_el, (const xmlChar *)"lang"));
    xmlNode *main = find(root, "article");
    if (!main)
        main = find(root, "main");
    if (!main)
        main = find_attr(root, "role", "main");
    if (!main)
        main = find(root, "body");
    char *body = text_of(main ? main->children : root);
    if (body && *body)
        json_object_set_new(o, "body", json_string(body));
    free(body);
    xmlFreeDoc(doc);
    return o;
}
