/* import_feed.c - RSS 2.0, RSS 1.0 and Atom feeds through libxml2: one article per item or
 * entry, with the feed's title as source and its language. */
#include "import.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FEED (256u << 20)

static const char NS_ATOM[] = "http://www.w3.org/2005/Atom";
static const char NS_DC[] = "http://purl.org/dc/elements/1.1/";
static const char NS_CONTENT[] = "http://purl.org/rss/1.0/modules/content/";
static const char NS_RSS1[] = "http://purl.org/rss/1.0/";

/* Whether n is an element `name` in namespace ns ("" for none, NULL for any). */
static int is(const xmlNode *n, const char *ns, const char *name)
{
    if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, name) != 0)
        return 0;
    if (!ns)
        return 1;
    const char *href = n->ns && n->ns->href ? (const char *)n->ns->href : "";
    if (!*ns)
        return !*href || strcmp(href, NS_RSS1) == 0;
    return strcmp(href, ns) == 0;
}

static xmlNode *child(xmlNode *n, const char *ns, const char *name)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (is(c, ns, name))
            return c;
    return NULL;
}

/* The trimmed text of an element, malloc'd, or NULL when empty. */
static char *text(xmlNode *n)
{
    if (!n)
        return NULL;
    xmlChar *c = xmlNodeGetContent(n);
    if (!c)
        return NULL;
    char *s = (char *)c;
    while (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
        s++;
    size_t len = strlen(s);
    while (len > 0 &&
           (s[len - 1] == ' ' || s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == '\t'))
        len--;
    char *out = len ? strndup(s, len) : NULL;
    xmlFree(c);
    return out;
}

static void put(json_t *o, const char *key, char *value)
{
    if (value)
        json_object_set_new(o, key, json_string(value));
    free(value);
}

/* HTML (a description, content:encoded, an Atom content) reduced to text. */
static void put_html(json_t *o, const char *key, xmlNode *n)
{
    char *raw = text(n);
    if (!raw)
        return;
    char *t = ix_html_text(raw, strlen(raw));
    free(raw);
    put(o, key, t);
}

static void add_to_list(json_t *o, const char *key, char *value)
{
    if (!value)
        return;
    json_t *list = json_object_get(o, key);
    if (!list) {
        list = json_array();
        json_object_set_new(o, key, list);
    }
    json_array_append_new(list, json_string(value));
    free(value);
}

static json_t *rss_item(xmlNode *item)
{
    json_t *o = json_object();
    put(o, "title", text(child(item, "", "title")));
    char *link = text(child(item, "", "link"));
    char *guid = text(child(item, "", "guid"));
    if (!guid && item->type == XML_ELEMENT_NODE) { /* RSS 1.0: rdf:about */
        xmlChar *about =
            xmlGetNsProp(item, (const xmlChar *)"about",
                         (const xmlChar *)"http://www.w3.org/1999/02/22-rdf-syntax-ns#");
        if (about)
            guid = strdup((char *)about);
        xmlFree(about);
    }
    if (guid)
        json_object_set_new(o, "id", json_string(guid));
    else if (link)
        json_object_set_new(o, "id", json_string(link));
    free(guid);
    put(o, "url", link);
    char *date = text(child(item, "", "pubDate"));
    if (!date)
        date = text(child(item, NS_DC, "date"));
    put(o, "date", date);
    for (xmlNode *c = item->children; c; c = c->next) {
        if (is(c, "", "category") || is(c, NS_DC, "subject"))
            add_to_list(o, "categories", text(c));
        else if (is(c, "", "author") || is(c, NS_DC, "creator"))
            add_to_list(o, "author", text(c));
    }
    xmlNode *content = child(item, NS_CONTENT, "encoded");
    xmlNode *desc = child(item, "", "description");
    if (content) {
        put_html(o, "body", content);
        put_html(o, "summary", desc);
    } else {
        put_html(o, "body", desc);
    }
    return o;
}

static json_t *atom_entry(xmlNode *e)
{
    json_t *o = json_object();
    put_html(o, "title", child(e, NS_ATOM, "title"));
    char *link = NULL;
    for (xmlNode *c = e->children; c && !link; c = c->next) {
        if (!is(c, NS_ATOM, "link"))
            continue;
        xmlChar *rel = xmlGetProp(c, (const xmlChar *)"rel");
        if (!rel || strcmp((char *)rel, "alternate") == 0) {
            xmlChar *href = xmlGetProp(c, (const xmlChar *)"href");
            if (href)
                link = strdup((char *)href);
            xmlFree(href);
        }
        xmlFree(rel);
    }
    char *id = text(child(e, NS_ATOM, "id"));
    if (id)
        json_object_set_new(o, "id", json_string(id));
    else if (link)
        json_object_set_new(o, "id", json_string(link));
    free(id);
    put(o, "url", link);
    char *date = text(child(e, NS_ATOM, "published"));
    if (!date)
        date = text(child(e, NS_ATOM, "updated"));
    put(o, "date", date);
    for (xmlNode *c = e->children; c; c = c->next) {
        if (is(c, NS_ATOM, "category")) {
            xmlChar *term = xmlGetProp(c, (const xmlChar *)"label");
            if (!term)
                term = xmlGetProp(c, (const xmlChar *)"term");
            if (term)
                add_to_list(o, "categories", strdup((char *)term));
            xmlFree(term);
        } else if (is(c, NS_ATOM, "author")) {
            add_to_list(o, "author", text(child(c, NS_ATOM, "name")));
        }
    }
    xmlNode *content = child(e, NS_ATOM, "content");
    xmlNode *summary = child(e, NS_ATOM, "summary");
    if (content) {
        put_html(o, "body", content);
        put_html(o, "summary", summary);
    } else {
        put_html(o, "body", summary);
    }
    return o;
}

/* Reports a problem with the feed as a whole as one skipped record. */
static int feed_problem(ix_sink *sink, const char *where, const char *msg)
{
    ix_diag d;
    memset(&d, 0, sizeof d);
    d.skip = IX_SKIP_INPUT;
    snprintf(d.skip_msg, sizeof d.skip_msg, "%s", msg);
    return sink->record(sink->ctx, where, NULL, &d);
}

/* Hands on each item (RSS) or entry (Atom) under `parent`. Returns nonzero to stop. */
static int emit_items(ix_sink *sink, const char *path, xmlNode *parent, int atom,
                      const char *source, const char *lang, unsigned *count)
{
    for (xmlNode *c = parent ? parent->children : NULL; c; c = c->next) {
        int hit = atom ? is(c, NS_ATOM, "entry") : is(c, "", "item");
        if (!hit)
            continue;
        (*count)++;
        json_t *o = atom ? atom_entry(c) : rss_item(c);
        if (source && !json_object_get(o, "source"))
            json_object_set_new(o, "source", json_string(source));
        if (lang && !json_object_get(o, "lang"))
            json_object_set_new(o, "lang", json_string(lang));
        char where[700];
        snprintf(where, sizeof where, "%s:%ld (item %u)", path, xmlGetLineNo(c), *count);
        ix_diag d;
        memset(&d, 0, sizeof d);
        if (!json_object_get(o, "id")) {
            json_decref(o);
            o = NULL;
            d.skip = IX_SKIP_NO_ID;
            snprintf(d.skip_msg, sizeof d.skip_msg, "%s has no %s or link", atom ? "entry" : "item",
                     atom ? "id" : "guid");
        }
        if (sink->record(sink->ctx, where, o, &d))
            return 1;
    }
    return 0;
}

int ix_import_feed(const char *path, ix_sink *sink, char *err, size_t errlen)
{
    size_t len = 0;
    char *buf = ix_read_file(path, MAX_FEED, &len, err, errlen);
    if (!buf)
        return -1;
    if (sink->progress)
        sink->progress(sink->ctx, len);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt || len > (size_t)1 << 30) {
        free(buf);
        xmlFreeParserCtxt(ctxt);
        snprintf(err, errlen, "cannot read '%s': out of memory", path);
        return -1;
    }
    /* No network, no entity expansion (no external entities), recover what can be. */
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, buf, (int)len, path, NULL,
                                      XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOERROR |
                                          XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
    free(buf);
    int rc = 0;
    char where[700], m[500];
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    xmlErrorPtr e = xmlCtxtGetLastError(ctxt);
    char reason[300];
    snprintf(reason, sizeof reason, "%s", e && e->message ? e->message : "parse error");
    reason[strcspn(reason, "\n")] = '\0';
    snprintf(where, sizeof where, "%s:%d", path, e ? e->line : 0);
    if (!root) {
        snprintf(m, sizeof m, "not an RSS or Atom feed: not XML (%s)", reason);
        rc = feed_problem(sink, where, m) ? 1 : 0;
    } else if (!ctxt->wellFormed) {
        snprintf(m, sizeof m,
                 "feed is not well-formed XML (%s); the items before the error were read", reason);
        rc = feed_problem(sink, where, m) ? 1 : 0;
    }
    unsigned count = 0;
    if (rc == 0 && root && is(root, "", "rss")) {
        xmlNode *channel = child(root, "", "channel");
        char *source = text(child(channel, "", "title"));
        char *lang = text(child(channel, "", "language"));
        if (!lang)
            lang = text(child(channel, NS_DC, "language"));
        rc = emit_items(sink, path, channel, 0, source, lang, &count);
        free(source);
        free(lang);
    } else if (rc == 0 && root && is(root, NS_ATOM, "feed")) {
        char *source = text(child(root, NS_ATOM, "title"));
        xmlChar *lang = xmlNodeGetLang(root);
        rc = emit_items(sink, path, root, 1, source, (char *)lang, &count);
        free(source);
        xmlFree(lang);
    } else if (rc == 0 && root && strcmp((const char *)root->name, "RDF") == 0) {
        xmlNode *channel = child(root, "", "channel");
        char *source = text(child(channel, "", "title"));
        char *lang = text(child(channel, NS_DC, "language"));
        rc = emit_items(sink, path, root, 0, source, lang, &count);
        free(source);
        free(lang);
    } else if (rc == 0 && root) {
        snprintf(where, sizeof where, "%s", path);
        snprintf(m, sizeof m,
                 "not an RSS or Atom feed: its root element is <%.60s>, not rss, feed or rdf:RDF",
                 (const char *)root->name);
        rc = feed_problem(sink, where, m) ? 1 : 0;
    }
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}
