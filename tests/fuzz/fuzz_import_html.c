/* fuzz_import_html.c - libFuzzer target: an HTML page through ix_html_article (as the folder
 * reader hands it on: repaired to UTF-8 first) and ix_html_text, from memory. */
#include "fuzz_util.h"

#include "byline_common.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len = 0;
    char *page = ix_text_utf8((const char *)data, size, &len, NULL);
    if (!page)
        return 0;
    FZ_ASSERT(bl_utf8_valid(page, len, NULL));

    json_t *article = ix_html_article(page, len);
    FZ_ASSERT(article && json_is_object(article));
    json_object_set_new(article, "id", json_string("page.html"));
    ix_sink sink = fz_sink();
    ix_diag d = { 0 };
    sink.record(sink.ctx, "page.html", article, &d);

    char *text = ix_html_text(page, len);
    FZ_ASSERT(text != NULL);
    FZ_ASSERT(bl_utf8_valid(text, strlen(text), NULL));
    free(text);
    free(page);
    return 0;
}
