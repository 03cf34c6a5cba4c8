/* shards.c - what byline-searchd tells clients about shards: answers from only some of them are
 * marked partial, and a 503 names the remote shards that do not answer. */
#include "searchd.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int sd_mark_partial(const bx_reader *r, bl_buf *out)
{
    if (!r || bx_reader_missing_count(r) == 0 || out->len == 0 || out->data[0] != '{')
        return 0;
    json_t *names = json_array();
    for (size_t i = 0; i < bx_reader_shard_count(r); i++)
        if (bx_reader_shard_missing(r, i))
            json_array_append_new(names, json_string(bx_reader_shard_name(r, i)));
    char *list = json_dumps(names, JSON_COMPACT);
    json_decref(names);
    bl_buf marked;
    bl_buf_init(&marked, out->cap);
    int rc = list ? 0 : -1;
    if (rc == 0)
        rc = bl_buf_printf(&marked, "{\"partial\":true,\"missing_shards\":%s%s", list,
                           out->len > 1 && out->data[1] == '}' ? "" : ",");
    if (rc == 0)
        rc = bl_buf_append(&marked, out->data + 1, out->len - 1);
    free(list);
    if (rc != 0) {
        bl_buf_release(&marked);
        return -1;
    }
    bl_buf_release(out);
    *out = marked;
    return 0;
}

void sd_name_down_shards(bq_error *err)
{
    if (err->status != 503)
        return;
    char *names = bx_shards_down();
    if (!names)
        return;
    char code[sizeof err->code];
    snprintf(code, sizeof code, "%s", err->code);
    int several = strchr(names, ',') != NULL;
    bq_error_set(err, 503, code, "", "cannot search the index: remote shard%s %s %s not answering",
                 several ? "s" : "", names, several ? "are" : "is");
    bx_free(names);
}
