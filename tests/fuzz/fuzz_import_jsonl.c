/* fuzz_import_jsonl.c - libFuzzer target: a JSON Lines file through ix_import_jsonl, and the
 * same bytes as a .json file (one object or an array of them); every record converted and
 * indexed. */
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
    const char *names[] = { "in.jsonl", "in.json" };
    for (int i = 0; i < 2; i++) {
        const char *path = fz_write(names[i], data, size);
        int rc = ix_import_jsonl(path, &sink, err, sizeof err);
        FZ_ASSERT(rc == 0 || rc == 1 || (rc == -1 && err[0]));
    }
    return 0;
}
