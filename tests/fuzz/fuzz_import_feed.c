/* fuzz_import_feed.c - libFuzzer target: an RSS or Atom feed through ix_import_feed; every item
 * converted and indexed. */
#include "fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ix_sink sink = fz_sink();
    char err[512];
    const char *path = fz_write("in.xml", data, size);
    int rc = ix_import_feed(path, &sink, err, sizeof err);
    FZ_ASSERT(rc == 0 || rc == 1 || (rc == -1 && err[0]));
    return 0;
}
