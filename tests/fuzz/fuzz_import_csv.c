/* fuzz_import_csv.c - libFuzzer target: a CSV file through ix_import_csv with a header row, and
 * the same bytes as a TSV file with named columns; every record converted and indexed. */
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

    ix_import_opts header = { 0 };
    const char *path = fz_write("in.csv", data, size);
    int rc = ix_import_csv(path, &header, &sink, err, sizeof err);
    FZ_ASSERT(rc == 0 || rc == 1 || (rc == -1 && err[0]));

    ix_import_opts named = { 0 };
    named.columns = "guid,title,body,date,categories,author";
    named.id_name = "guid";
    named.quote = '\'';
    path = fz_write("in.tsv", data, size);
    rc = ix_import_csv(path, &named, &sink, err, sizeof err);
    FZ_ASSERT(rc == 0 || rc == 1 || (rc == -1 && err[0]));
    return 0;
}
