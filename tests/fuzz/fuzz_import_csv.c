/* fuzz_import_csv.c - libFuzzer target: a CSV file through ix_import_csv with a header row, and
 * the same bytes as a TSV file with named columns; every record converted and indexed. */
#include "fuzz_util.h"

#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

/* The rows of CSV without quotes: pieces between line ends (CR or LF) that hold more than
 * spaces and tabs, which libcsv trims. */
static unsigned long count_rows(const uint8_t *data, size_t size)
{
    unsigned long n = 0;
    int filled = 0;
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '\r' || data[i] == '\n') {
            n += filled;
            filled = 0;
        } else if (data[i] != ' ' && data[i] != '\t') {
            filled = 1;
        }
    }
    return n + filled;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ix_sink sink = fz_sink();
    char err[512];

    ix_import_opts header = { 0 };
    const char *path = fz_write("in.csv", data, size);
    fz_sink_records = 0;
    int rc = ix_import_csv(path, &header, &sink, err, sizeof err);
    FZ_ASSERT(rc == 0 || rc == 1 || (rc == -1 && err[0]));
    /* Without quotes, every row after the header is one record: none lost or merged (gzip input,
     * which zlib reads transparently, is left out of this count). */
    int gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    if (rc == 0 && !gzip && !memchr(data, '"', size)) {
        unsigned long rows = count_rows(data, size);
        FZ_ASSERT(fz_sink_records == (rows ? rows - 1 : 0));
    }

    ix_import_opts named = { 0 };
    named.columns = "guid,title,body,date,categories,author";
    named.id_name = "guid";
    named.quote = '\'';
    path = fz_write("in.tsv", data, size);
    rc = ix_import_csv(path, &named, &sink, err, sizeof err);
    FZ_ASSERT(rc == 0 || rc == 1 || (rc == -1 && err[0]));
    return 0;
}
