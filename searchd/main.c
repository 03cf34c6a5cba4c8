/* main.c - byline-searchd: command line, then the HTTP daemon. */
#include "searchd.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: byline-searchd --db PATH [--db PATH...] [options]\n"
    "\n"
    "Serves ranked, faceted search over a Byline index on HTTP: /search, /articles/{id},\n"
    "/articles/{id}/related, /suggest, /health, /metrics, /openapi.json (see docs/API.md).\n"
    "Several --db are searched as one index; a path may be a database folder, a Xapian stub\n"
    "file, or tcp://host:port for a database served by xapian-tcpsrv.\n"
    "\n"
    "options:\n"
    "  -d, --db PATH            an index to serve (repeatable; default: $BYLINE_DB)\n"
    "  -p, --port N             port (default: 8080; 0 picks a free one)\n"
    "  -b, --bind ADDR          IPv4 address to listen on (default: 127.0.0.1)\n"
    "  -t, --threads N          worker threads, each with its own index handle (default: cores)\n"
    "      --cors-origin ORIGIN allow this origin to call the API from a browser (repeatable;\n"
    "                           '*' allows any)\n"
    "      --access-log FILE    one line per request (default: standard error; '-' for none)\n"
    "      --lang LANG          stemming language of queries that name none (default: en)\n"
    "      --time-limit MS      stop matching after this long and answer with what was found\n"
    "                           (default: 2000; 0 for none)\n"
    "      --remote-timeout MS  how long to wait for a tcp:// shard's answer (default: 10000)\n"
    "      --connect-timeout MS how long to wait for a tcp:// shard to accept a connection and\n"
    "                           greet; a shard that is down is retried every second, and a\n"
    "                           retry holds one request at most this long (default: 2000)\n"
    "      --allow-partial      when a tcp:// shard does not answer, serve from the others and\n"
    "                           mark answers \"partial\": true (default: answer 503)\n"
    "      --per-ip-limit N     connections from one address (default: 512)\n"
    "      --max-connections N  connections in all (default: 2048)\n"
    "      --connection-timeout S  close a connection idle for S seconds (default: 30)\n"
    "      --max-url BYTES      longest request target, path and query: 414 beyond\n"
    "                           (default: 8192)\n"
    "      --max-headers BYTES  request headers in all: 431 beyond (default: 16384)\n"
    "      --max-body BYTES     largest POST /search body: 413 beyond (default: 65536)\n"
    "      --doc-cache MB       keep the stored articles read last, up to MB megabytes, for\n"
    "                           the next answers that show them (default: 64; 0 for none)\n"
    "      --no-facet-columns   count facets by reading each match's values from the index,\n"
    "                           instead of from columns kept in memory (slower, less memory)\n"
    "      --no-parallel-count  count facets in the worker's own thread, after the ranked\n"
    "                           search, instead of in a second thread while it runs (the\n"
    "                           default on more than one core)\n"
    "      --port-file FILE     write the port listened on into FILE\n"
    "  -h, --help               show this help\n"
    "  -V, --version            show the version\n"
    "\n"
    "SIGINT or SIGTERM finishes the requests in flight and exits with status 0.\n";

static int parse_number(const char *opt, const char *v, long min, long max, long *out)
{
    if (bl_parse_long(v, min, max, out) != 0) {
        fprintf(stderr, "byline-searchd: bad %s '%s': expected a number from %ld to %ld\n", opt, v,
                min, max);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    enum {
        O_CORS = 256,
        O_LOG,
        O_LANG,
        O_TIME,
        O_REMOTE,
        O_PERIP,
        O_PORTFILE,
        O_MAXCONN,
        O_CONNTIMEOUT,
        O_MAXURL,
        O_MAXHEADERS,
        O_MAXBODY,
        O_CONNECT,
        O_PARTIAL,
        O_DOCCACHE,
        O_NOFACETCOLS,
        O_NOPARALLEL
    };
    static const struct option longopts[] = {
        { "db", required_argument, NULL, 'd' },
        { "port", required_argument, NULL, 'p' },
        { "bind", required_argument, NULL, 'b' },
        { "threads", required_argument, NULL, 't' },
        { "cors-origin", required_argument, NULL, O_CORS },
        { "access-log", required_argument, NULL, O_LOG },
        { "lang", required_argument, NULL, O_LANG },
        { "time-limit", required_argument, NULL, O_TIME },
        { "remote-timeout", required_argument, NULL, O_REMOTE },
        { "connect-timeout", required_argument, NULL, O_CONNECT },
        { "allow-partial", no_argument, NULL, O_PARTIAL },
        { "doc-cache", required_argument, NULL, O_DOCCACHE },
        { "no-facet-columns", no_argument, NULL, O_NOFACETCOLS },
        { "no-parallel-count", no_argument, NULL, O_NOPARALLEL },
        { "per-ip-limit", required_argument, NULL, O_PERIP },
        { "port-file", required_argument, NULL, O_PORTFILE },
        { "max-connections", required_argument, NULL, O_MAXCONN },
        { "connection-timeout", required_argument, NULL, O_CONNTIMEOUT },
        { "max-url", required_argument, NULL, O_MAXURL },
        { "max-headers", required_argument, NULL, O_MAXHEADERS },
        { "max-body", required_argument, NULL, O_MAXBODY },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    sd_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.bind = "127.0.0.1";
    cfg.port = 8080;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    cfg.threads = cores > 0 ? (unsigned)cores : 2;
    cfg.parallel_count = cores > 1;
    cfg.access_log = stderr;
    cfg.default_lang = "en";
    cfg.time_limit_ms = 2000;
    cfg.timeout_ms = 10000;
    cfg.connect_timeout_ms = 2000;
    cfg.per_ip_limit = 512;
    cfg.max_connections = 2048;
    cfg.connection_timeout_s = 30;
    cfg.max_url = SD_MAX_URL;
    cfg.max_headers = SD_MAX_HEADERS;
    cfg.max_body = SD_MAX_BODY;
    long doc_cache_mb = 64;
    int facet_columns = 1;
    const char *port_file = NULL;
    const char *log_path = NULL;
    long n;
    int c;
    while ((c = getopt_long(argc, argv, "d:p:b:t:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (cfg.n_dbs == SD_MAX_DBS) {
                fprintf(stderr, "byline-searchd: too many --db (at most %d)\n", SD_MAX_DBS);
                return 2;
            }
            cfg.dbs[cfg.n_dbs++] = optarg;
            break;
        case 'p':
            if (parse_number("--port", optarg, 0, 65535, &n) != 0)
                return 2;
            cfg.port = (unsigned)n;
            break;
        case 'b':
            cfg.bind = optarg;
            break;
        case 't':
            if (parse_number("--threads", optarg, 1, 256, &n) != 0)
                return 2;
            cfg.threads = (unsigned)n;
            break;
        case O_CORS:
            if (cfg.n_origins < SD_MAX_ORIGINS)
                cfg.origins[cfg.n_origins++] = optarg;
            break;
        case O_LOG:
            log_path = optarg;
            break;
        case O_LANG:
            cfg.default_lang = bx_lang_resolve_z(optarg);
            if (!cfg.default_lang) {
                fprintf(stderr, "byline-searchd: unknown language '%s' for --lang\n", optarg);
                return 2;
            }
            break;
        case O_TIME:
            if (parse_number("--time-limit", optarg, 0, 600000, &n) != 0)
                return 2;
            cfg.time_limit_ms = (unsigned)n;
            break;
        case O_REMOTE:
            if (parse_number("--remote-timeout", optarg, 1, 600000, &n) != 0)
                return 2;
            cfg.timeout_ms = (unsigned)n;
            break;
        case O_CONNECT:
            if (parse_number("--connect-timeout", optarg, 1, 600000, &n) != 0)
                return 2;
            cfg.connect_timeout_ms = (unsigned)n;
            break;
        case O_PARTIAL:
            cfg.allow_partial = 1;
            break;
        case O_DOCCACHE:
            if (parse_number("--doc-cache", optarg, 0, 1 << 20, &doc_cache_mb) != 0)
                return 2;
            break;
        case O_NOFACETCOLS:
            facet_columns = 0;
            break;
        case O_NOPARALLEL:
            cfg.parallel_count = 0;
            break;
        case O_PERIP:
            if (parse_number("--per-ip-limit", optarg, 1, 100000, &n) != 0)
                return 2;
            cfg.per_ip_limit = (unsigned)n;
            break;
        case O_PORTFILE:
            port_file = optarg;
            break;
        case O_MAXCONN:
            if (parse_number("--max-connections", optarg, 1, 100000, &n) != 0)
                return 2;
            cfg.max_connections = (unsigned)n;
            break;
        case O_CONNTIMEOUT:
            if (parse_number("--connection-timeout", optarg, 1, 3600, &n) != 0)
                return 2;
            cfg.connection_timeout_s = (unsigned)n;
            break;
        case O_MAXURL:
            if (parse_number("--max-url", optarg, 256, 1 << 20, &n) != 0)
                return 2;
            cfg.max_url = (size_t)n;
            break;
        case O_MAXHEADERS:
            if (parse_number("--max-headers", optarg, 1024, 1 << 20, &n) != 0)
                return 2;
            cfg.max_headers = (size_t)n;
            break;
        case O_MAXBODY:
            if (parse_number("--max-body", optarg, 1024, 64 << 20, &n) != 0)
                return 2;
            cfg.max_body = (size_t)n;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        case 'V':
            printf("byline-searchd %s (Xapian %s)\n", BYLINE_VERSION, bx_xapian_version());
            return 0;
        default:
            fputs("Try 'byline-searchd --help'.\n", stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "byline-searchd: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (cfg.n_dbs == 0 && getenv("BYLINE_DB"))
        cfg.dbs[cfg.n_dbs++] = getenv("BYLINE_DB");
    if (cfg.n_dbs == 0) {
        fputs("byline-searchd: no index given: use --db PATH or set BYLINE_DB\n", stderr);
        return 2;
    }
    if (log_path && strcmp(log_path, "-") == 0) {
        cfg.access_log = NULL;
    } else if (log_path) {
        cfg.access_log = fopen(log_path, "a");
        if (!cfg.access_log) {
            fprintf(stderr, "byline-searchd: cannot open access log '%s': %s\n", log_path,
                    strerror(errno));
            return 1;
        }
    }
    if (doc_cache_mb > 0) {
        cfg.doc_cache = bx_doc_cache_new((size_t)doc_cache_mb << 20);
        if (!cfg.doc_cache) {
            fputs("byline-searchd: out of memory for --doc-cache\n", stderr);
            return 1;
        }
    }
    if (facet_columns) {
        cfg.facet_columns = bx_facet_columns_new();
        if (!cfg.facet_columns) {
            bx_doc_cache_free(cfg.doc_cache);
            fputs("byline-searchd: out of memory for facet columns\n", stderr);
            return 1;
        }
    }
    int rc = sd_serve(&cfg, port_file);
    bx_doc_cache_free(cfg.doc_cache);
    bx_facet_columns_free(cfg.facet_columns);
    if (cfg.access_log && cfg.access_log != stderr)
        fclose(cfg.access_log);
    return rc;
}
