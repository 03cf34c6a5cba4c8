/* fuzz_import_jsonl.c - libFuzzer target: a JSON Lines file through ix_import_jsonl, and the
 * same bytes as a .json file (one object or an array of them); every record converted and
 * indexed. */
#include "fuzz_util.h"

#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

/* The records a JSON Lines file holds: one per line that is not blank (a leading byte order
 * mark and a trailing carriage return do not count). */
static unsigned long count_lines(const uint8_t *data, size_t size)
{
    unsigned long n = 0;
    size_t i = size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    while (i < size) {
        const uint8_t *nl = memchr(data + i, '\n', size - i);
        size_t end = nl ? (size_t)(nl - data) : size;
        int blank = 1;
        for (size_t j = i; j < end && blank; j++)
            blank = data[j] == ' ' || data[j] == '\t' || data[j] == '\r';
        n += !blank;
        i = end + 1;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ix_sink sink = fz_sink();
    char err[512];
    fz_sink_records = 0;
    const char *path = fz_write("in.jsonl", data, size);
    int rc = ix_import_jsonl(path, &sink, err, sizeof err);
    FZ_ASSERT(rc == 0 || rc == 1 || (rc == -1 && err[0]));
    /* Every line is one record, handed on or reported: none is lost or merged with another
     * (gzip input, which zlib reads transparently, is left out of this count). */
    int gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    if (rc == 0 && !gzip)
        FZ_ASSERT(fz_sink_records == count_lines(data, size));

    path = fz_write("in.json", data, size);
    rc = ix_import_jsonl(path, &sink, err, sizeof err);
    FZ_ASSERT(rc == 0 || rc == 1 || (rc == -1 && err[0]));
    return 0;
}
