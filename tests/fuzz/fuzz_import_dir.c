/* fuzz_import_dir.c - libFuzzer target: the same bytes as a .txt, an .html and a .json article
 * in a folder, read by ix_import_dir with the first folder level as the category; every
 * article converted and indexed. */
#include "fuzz_util.h"

#include <stdio.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_write("site/world/story.txt", data, size);
    fz_write("site/story.html", data, size);
    fz_write("site/story.json", data, size);
    char root[600];
    snprintf(root, sizeof root, "%s/site", fz_tmpdir());
    ix_import_opts o = { 0 };
    o.category_from_dir = 1;
    ix_sink sink = fz_sink();
    char err[512];
    int rc = ix_import_dir(root, &o, &sink, err, sizeof err);
    FZ_ASSERT(rc == 0);
    return 0;
}
