/* shards.c - the layout of a sharded index: shard folders, the spelling database, the stub. */
#include "indexer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STUB_NAME "XAPIANDB"

void ix_shards_path(const char *db, int i, char *out, size_t size)
{
    if (i < 0)
        snprintf(out, size, "%s/spelling", db);
    else
        snprintf(out, size, "%s/shard-%d", db, i);
}

/* Reads the stub's shard lines: "auto shard-0" ... then "auto spelling". Returns the shard
 * count, or -1 when the file is not one byline-index wrote. */
static int parse_stub(FILE *f)
{
    char line[512];
    int n = 0, spelling = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#')
            continue;
        char want[64];
        snprintf(want, sizeof want, "auto shard-%d", n);
        if (!spelling && strcmp(line, want) == 0 && n < IX_MAX_SHARDS)
            n++;
        else if (!spelling && n > 0 && strcmp(line, "auto spelling") == 0)
            spelling = 1;
        else
            return -1;
    }
    return spelling ? n : -1;
}

int ix_shards_detect(const char *db, int *n, char *err, size_t errlen)
{
    char stub[4096];
    struct stat st;
    *n = 0;
    if (stat(db, &st) != 0 || !S_ISDIR(st.st_mode))
        return 0;
    snprintf(stub, sizeof stub, "%s/%s", db, STUB_NAME);
    FILE *f = fopen(stub, "r");
    if (!f) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "cannot read '%s': %s", stub, strerror(errno));
        return -1;
    }
    int count = parse_stub(f);
    fclose(f);
    if (count < 0) {
        snprintf(err, errlen,
                 "cannot write to '%s': its stub file lists databases byline-index did not "
                 "shard; write to each database instead",
                 db);
        return -1;
    }
    *n = count;
    return 1;
}

int ix_shards_write_stub(const char *db, int n, char *err, size_t errlen)
{
    char stub[4096], tmp[4200];
    snprintf(stub, sizeof stub, "%s/%s", db, STUB_NAME);
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", stub, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write '%s': %s", tmp, strerror(errno));
        return -1;
    }
    fprintf(f,
            "# A Byline index in %d shards, placed by a hash of each article's id, and the\n"
            "# spelling data of them all. Written by byline-index; Xapian opens the folder as\n"
            "# one database.\n",
            n);
    for (int i = 0; i < n; i++)
        fprintf(f, "auto shard-%d\n", i);
    fputs("auto spelling\n", f);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, stub) != 0) {
        snprintf(err, errlen, "cannot write '%s': %s", stub, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}
