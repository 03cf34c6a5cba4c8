/* fuzz_route.c - libFuzzer target: byline-searchd's path routing (sd_route_of) on any path, and
 * that the route agrees with the path the way the handlers read it. */
#include "fuzz_util.h"

#include "searchd.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* libmicrohttpd hands the handler a NUL-terminated path: the bytes up to the first NUL. */
    char *url = malloc(size + 1);
    if (!url)
        return 0;
    memcpy(url, data, size);
    url[size] = '\0';
    int route = sd_route_of(url);
    FZ_ASSERT(route >= 0 && route < SD_NROUTES && route != SD_ROUTE_PREFLIGHT);
    FZ_ASSERT((route == SD_ROUTE_SEARCH) == (strcmp(url, "/search") == 0));
    FZ_ASSERT((route == SD_ROUTE_HEALTH) == (strcmp(url, "/health") == 0));
    FZ_ASSERT((route == SD_ROUTE_METRICS) == (strcmp(url, "/metrics") == 0));
    if (route == SD_ROUTE_ARTICLE || route == SD_ROUTE_RELATED)
        FZ_ASSERT(strncmp(url, "/articles/", 10) == 0);
    if (route == SD_ROUTE_RELATED) /* a non-empty id before /related */
        FZ_ASSERT(strlen(url) > 18 && ends_with(url, "/related"));
    if (route == SD_ROUTE_SUGGEST)
        FZ_ASSERT(strcmp(url, "/suggest") == 0 || strcmp(url, "/opensearch/suggest") == 0);
    if (route == SD_ROUTE_PAGE || route == SD_ROUTE_OPENAPI)
        FZ_ASSERT(url[0] == '/' && !strstr(url, "..") && !strchr(url, '%'));
    free(url);
    return 0;
}
