/* fuzz_util.h - what Byline's libFuzzer targets share: a private temporary folder, input files,
 * a sink that converts records the way byline-index does, and a small index to search. */
#ifndef BYLINE_FUZZ_UTIL_H
#define BYLINE_FUZZ_UTIL_H

#include "import.h"

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry points, declared for -Wmissing-prototypes. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the fuzzer with a message when a property the code promises does not hold: libFuzzer
 * reports the abort as a crash and keeps the input. */
#define FZ_ASSERT(cond)                                                                            \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fz_fail(__FILE__, __LINE__, #cond);                                                    \
    } while (0)

void fz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

/* The path of this process's own temporary folder (created on first use, removed at exit). */
const char *fz_tmpdir(void);

/* Writes data[0..size) to the file `name` (which may hold folders, created as needed)
 * in the temporary folder and returns its full path (static storage, overwritten by the next
 * call). Stops the fuzzer when the file cannot be written. */
const char *fz_write(const char *name, const uint8_t *data, size_t size);

/* Copies data[0..size) to memory that ends exactly where an unreadable page begins, so that
 * reading past the end crashes even in code the sanitizers do not see (libc's printf family
 * reading a "%.3s" argument). Returns the copy, valid until the next call. */
const char *fz_guarded(const uint8_t *data, size_t size);

/* A sink whose record callback converts each record with ix_record_from_object, checks the
 * article it gives, and indexes it into an in-memory database (fz_index). */
ix_sink fz_sink(void);

/* How many records (usable or not) the sinks from fz_sink were handed; targets reset it. */
extern unsigned long fz_sink_records;

/* Indexes an article into an in-memory database under a fixed id, so the database never grows:
 * every field but the id goes through the writer. Stops the fuzzer when the writer fails for
 * any reason other than refusing the article. */
void fz_index(const bx_article *a);

/* A reader on a small index of a few articles (several languages, categories, sources, dates,
 * a near-duplicate pair, a long body), built on first use. */
bx_reader *fz_sample_reader(void);

/* The body of the sample index's longest article (a few thousand bytes of English), for
 * snippets that must pick a window. Static. */
const char *fz_long_body(void);

/* The fixed "now" searches over the sample index measure freshness from. */
#define FZ_NOW 1711000000

#endif
