/* fuzz_record.c - libFuzzer target: one JSON Lines record through ix_record_from_json, with and
 * without a field map, and the article it gives through the writer. */
#include "fuzz_util.h"

#include <stdio.h>
#include <stdlib.h>

static ix_fieldmap map;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[256];
    if (ix_fieldmap_parse(&map, "id=guid,title=headline,date=published_at,categories=section", err,
                          sizeof err) != 0) {
        fprintf(stderr, "fuzz_record: %s\n", err);
        abort();
    }
    return 0;
}

static void convert(const ix_convert *cv, const uint8_t *data, size_t size)
{
    ix_record rec;
    ix_diag d;
    ix_sink sink = fz_sink();
    if (ix_record_from_json(cv, (const char *)data, size, &rec, &d) == 0) {
        FZ_ASSERT(d.skip == IX_PROBLEM_NONE);
        FZ_ASSERT(rec.art.id && rec.art.id_len > 0 && rec.art.data);
        fz_index(&rec.art);
    } else {
        FZ_ASSERT(d.skip != IX_PROBLEM_NONE && d.skip_msg[0]);
    }
    ix_record_release(&rec);
    /* The same record as the readers hand it on: parsed, then converted by the sink. */
    ix_diag pre = { 0 };
    json_t *obj = ix_parse_record((const char *)data, size, &pre);
    FZ_ASSERT((obj != NULL) == (pre.skip == IX_PROBLEM_NONE));
    sink.record(sink.ctx, "fuzz:1", obj, &pre);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ix_convert plain = { NULL, "en" };
    convert(&plain, data, size);
    ix_convert mapped = { &map, NULL };
    ix_record rec;
    ix_diag d;
    if (ix_record_from_json(&mapped, (const char *)data, size, &rec, &d) == 0)
        fz_index(&rec.art);
    ix_record_release(&rec);
    return 0;
}
