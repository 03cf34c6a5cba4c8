#!/usr/bin/env python3
"""peers.py - the small drivers behind bench/peers.sh (Byline and its peers on Reuters).

  peers.py prepare CORPUS QUERIES OUTDIR
      Converts the corpus once, outside every timing, into each engine's bulk input
      (sphinx.tsv, pg.tsv, sqlite.csv) and writes Byline's query files (byline_*.txt).
  peers.py latency ENGINE CONN QUERIES ROUNDS RUN RESULTS.tsv
      For each mode (top10, facets, datesort): one warm-up pass over every query, then
      ROUNDS timed passes; appends "latency ENGINE MODE RUN p50 p99" (ms) and the total
      count of every query ("totals ENGINE MODE n,n,...") to RESULTS.tsv.
  peers.py throughput ENGINE CONN QUERIES MODE CLIENTS SECONDS RUN RESULTS.tsv
      CLIENTS processes, each with its own connection, warm up, then run the queries of
      MODE in turn for SECONDS; appends "qps ENGINE MODE RUN queries/s".
  peers.py report RESULTS.tsv SECTION.md
      Writes the section of docs/BENCHMARKS.md from the results peers.sh gathered
      (bench/peers_report.py).

ENGINE: sqlite (CONN: database file), xapian (CONN: scriptindex database folder), sphinx
(CONN: port of searchd's SphinxQL listener on 127.0.0.1), postgres (CONN: port on
127.0.0.1), byline-http (CONN: port of byline-searchd on 127.0.0.1).

Every engine is timed the same way: client-side wall time from sending the query to
holding every row of the answer (the top 10 with id, title and date, the total count, and
in mode facets the count of every category over all matches).
"""

import csv
import datetime
import gzip
import http.client
import json
import multiprocessing
import os
import statistics
import sys
import time
import urllib.parse

MODES = ("top10", "facets", "datesort")
# The date range of mode datesort: March 1987, the busiest month of Reuters-21578.
DATE_FROM = "1987-03-01"
DATE_TO = "1987-03-31"


def epoch(text):
    d = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp())


RANGE_LO = epoch(DATE_FROM + "T00:00:00Z")
RANGE_HI = epoch(DATE_TO + "T23:59:59Z")


def read_queries(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#") or "\t" not in line:
                continue
            kind, q = line.split("\t", 1)
            out.append((kind, q))
    return out


# ---- prepare ------------------------------------------------------------------------------


def articles(corpus):
    opener = gzip.open if corpus.endswith(".gz") else open
    with opener(corpus, "rt", encoding="utf-8") as f:
        n = 0
        for line in f:
            if not line.strip():
                continue
            a = json.loads(line)
            n += 1
            cats = a.get("categories") or []
            if isinstance(cats, str):
                cats = [cats]
            seen = []
            for c in cats:
                if isinstance(c, str) and c and c not in seen:
                    seen.append(c)
            date = None
            if isinstance(a.get("date"), str):
                try:
                    date = epoch(a["date"])
                except ValueError:
                    date = None
            yield n, str(a.get("id") or n), a.get("title") or "", a.get("body") or "", date, seen


def flat(text):
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def pg_text(text):
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def pg_array(items):
    return "{" + ",".join('"' + c.replace("\\", "\\\\").replace('"', '\\"') + '"' for c in items) + "}"


def byline_params(mode, q):
    p = [("q", q), ("match", "all"), ("limit", "10")]
    if mode == "facets":
        p.append(("facets", "category"))
    elif mode == "datesort":
        p += [("from", DATE_FROM), ("to", DATE_TO), ("sort", "newest")]
    return urllib.parse.urlencode(p)


def prepare(corpus, queries, out):
    cat_ids = {}
    with open(os.path.join(out, "sphinx.tsv"), "w", encoding="utf-8") as sph, open(
        os.path.join(out, "pg.tsv"), "w", encoding="utf-8"
    ) as pg, open(os.path.join(out, "sqlite.csv"), "w", encoding="utf-8", newline="") as sq:
        w = csv.writer(sq, lineterminator="\n")
        count = 0
        for n, ident, title, body, date, cats in articles(corpus):
            ids = [cat_ids.setdefault(c, len(cat_ids) + 1) for c in cats]
            # Sphinx: id, then the columns in the order the config declares them
            sph.write(f"{n}\t{flat(title)}\t{flat(body)}\t{date or 0}\t{','.join(map(str, ids))}\n")
            pg_date = datetime.datetime.fromtimestamp(date, datetime.timezone.utc).isoformat() if date else "\\N"
            pg.write(f"{n}\t{pg_text(ident)}\t{pg_text(title)}\t{pg_text(body)}\t{pg_date}\t{pg_text(pg_array(cats))}\n")
            w.writerow([n, ident, title, body, "" if date is None else date, json.dumps(cats)])
            count += 1
    with open(os.path.join(out, "categories.json"), "w", encoding="utf-8") as f:
        json.dump({str(v): k for k, v in cat_ids.items()}, f)
    qs = read_queries(queries)
    with open(os.path.join(out, "byline_all.txt"), "w", encoding="utf-8") as f:
        for mode in MODES:
            for _, q in qs:
                f.write(f"{mode}\t{byline_params(mode, q)}\n")
    for mode in MODES:
        with open(os.path.join(out, f"byline_{mode}.txt"), "w", encoding="utf-8") as f:
            for _, q in qs:
                f.write(f"{mode}\t{byline_params(mode, q)}\n")
    print(f"peers.py: {count} articles, {len(cat_ids)} categories, {len(qs)} queries", file=sys.stderr)


# ---- engines: each answers run(mode, query) with the total count ---------------------------


class Sqlite:
    def __init__(self, conn):
        import sqlite3

        self.db = sqlite3.connect(conn, check_same_thread=False)

    def run(self, mode, q):
        c = self.db.cursor()
        if mode == "datesort":
            c.execute(
                "SELECT a.n, a.id, a.date FROM fts JOIN articles a ON a.n = fts.rowid"
                " WHERE fts MATCH ? AND a.date BETWEEN ? AND ? ORDER BY a.date DESC LIMIT 10",
                (q, RANGE_LO, RANGE_HI),
            )
            c.fetchall()
            c.execute(
                "SELECT count(*) FROM fts JOIN articles a ON a.n = fts.rowid"
                " WHERE fts MATCH ? AND a.date BETWEEN ? AND ?",
                (q, RANGE_LO, RANGE_HI),
            )
            return c.fetchone()[0]
        c.execute(
            "SELECT fts.rowid, fts.title, a.date FROM fts JOIN articles a ON a.n = fts.rowid"
            " WHERE fts MATCH ? ORDER BY bm25(fts, 3.0, 1.0) LIMIT 10",
            (q,),
        )
        c.fetchall()
        c.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (q,))
        total = c.fetchone()[0]
        if mode == "facets":
            c.execute(
                "SELECT cat, count(*) FROM cats WHERE n IN (SELECT rowid FROM fts WHERE fts MATCH ?)"
                " GROUP BY cat",
                (q,),
            )
            c.fetchall()
        return total


class Xapian:
    """The database scriptindex built from bench/reuters.index, searched in-process."""

    def __init__(self, conn):
        import xapian

        self.x = xapian
        self.db = xapian.Database(conn)
        self.qp = xapian.QueryParser()
        self.qp.set_database(self.db)
        self.qp.set_stemmer(xapian.Stem("english"))
        # scriptindex -s english indexed Z-prefixed stems beside the words (STEM_SOME)
        self.qp.set_stemming_strategy(xapian.QueryParser.STEM_SOME)
        self.qp.set_default_op(xapian.Query.OP_AND)
        self.lo = xapian.sortable_serialise(RANGE_LO)
        self.hi = xapian.sortable_serialise(RANGE_HI)

    def run(self, mode, q):
        x = self.x
        query = self.qp.parse_query(q, x.QueryParser.FLAG_DEFAULT)
        enq = x.Enquire(self.db)
        spy = None
        if mode == "datesort":
            query = x.Query(x.Query.OP_FILTER, query, x.Query(x.Query.OP_VALUE_RANGE, 0, self.lo, self.hi))
            enq.set_sort_by_value_then_relevance(0, True)
        elif mode == "facets":
            spy = x.ValueCountMatchSpy(1)  # value 1: the article's category set
            enq.add_matchspy(spy)
        enq.set_query(query)
        mset = enq.get_mset(0, 10, self.db.get_doccount())  # exact counts
        for m in mset:
            m.document.get_data()
        if spy is not None:
            counts = {}
            for item in spy.values():
                for c in item.term.split(b"\x1f"):
                    counts[c] = counts.get(c, 0) + item.termfreq
        return mset.get_matches_estimated()


class Sphinx:
    def __init__(self, conn):
        import pymysql
        from pymysql.constants import CLIENT

        self.db = pymysql.connect(host="127.0.0.1", port=int(conn), client_flag=CLIENT.MULTI_STATEMENTS)
        self.opt = " OPTION field_weights=(title=3, body=1)"

    def run(self, mode, q):
        c = self.db.cursor()
        match = self.db.escape(q)
        if mode == "datesort":
            sql = (
                f"SELECT id, title, published FROM reuters WHERE MATCH({match}) AND published BETWEEN {RANGE_LO} AND {RANGE_HI}"
                f" ORDER BY published DESC LIMIT 10{self.opt}"
            )
        else:
            sql = f"SELECT id, title, published FROM reuters WHERE MATCH({match}) LIMIT 10{self.opt}"
            if mode == "facets":
                sql += " FACET cats ORDER BY COUNT(*) DESC LIMIT 1000"
        c.execute(sql + "; SHOW META LIKE 'total_found'")
        c.fetchall()
        if mode == "facets":
            c.nextset()
            c.fetchall()
        c.nextset()
        return int(c.fetchall()[0][1])


class Postgres:
    def __init__(self, conn):
        import psycopg2

        self.db = psycopg2.connect(host="127.0.0.1", port=int(conn), dbname="reuters", user="postgres")
        self.db.autocommit = True

    def run(self, mode, q):
        c = self.db.cursor()
        tsq = "websearch_to_tsquery('english', %(q)s)"
        args = {"q": q, "lo": RANGE_LO, "hi": RANGE_HI}
        if mode == "datesort":
            where = f"tsv @@ {tsq} AND date BETWEEN to_timestamp(%(lo)s) AND to_timestamp(%(hi)s)"
            c.execute(f"SELECT n, title, date FROM articles WHERE {where} ORDER BY date DESC LIMIT 10", args)
        else:
            where = f"tsv @@ {tsq}"
            c.execute(f"SELECT n, title, date FROM articles WHERE {where} ORDER BY ts_rank(tsv, {tsq}) DESC LIMIT 10", args)
        c.fetchall()
        c.execute(f"SELECT count(*) FROM articles WHERE {where}", args)
        total = c.fetchone()[0]
        if mode == "facets":
            c.execute(f"SELECT cat, count(*) FROM articles, unnest(categories) cat WHERE {where} GROUP BY cat", args)
            c.fetchall()
        return total


class BylineHttp:
    def __init__(self, conn):
        self.port = int(conn)
        self.http = http.client.HTTPConnection("127.0.0.1", self.port)

    def run(self, mode, q):
        self.http.request("GET", "/search?" + byline_params(mode, q))
        r = self.http.getresponse()
        body = r.read()
        if r.status != 200:
            raise RuntimeError(f"byline-searchd answered {r.status}: {body[:200]!r}")
        return json.loads(body)["total"]


ENGINES = {"sqlite": Sqlite, "xapian": Xapian, "sphinx": Sphinx, "postgres": Postgres, "byline-http": BylineHttp}


def pct(sorted_ms, p):
    # the same rank rule as bench/query_bench.c
    return sorted_ms[int(p * (len(sorted_ms) - 1) + 0.5)] if sorted_ms else 0.0


def latency(engine, conn, queries, rounds, run, out):
    e = ENGINES[engine](conn)
    qs = read_queries(queries)
    with open(out, "a") as f:
        for mode in MODES:
            totals = [e.run(mode, q) for _, q in qs]  # the warm-up pass
            ms = []
            for _ in range(rounds):
                for _, q in qs:
                    t0 = time.perf_counter()
                    e.run(mode, q)
                    ms.append((time.perf_counter() - t0) * 1000.0)
            ms.sort()
            f.write(f"latency\t{engine}\t{mode}\t{run}\t{pct(ms, 0.5):.3f}\t{pct(ms, 0.99):.3f}\n")
            f.write(f"totals\t{engine}\t{mode}\t{','.join(map(str, totals))}\n")


def _client(engine, conn, qs, mode, seconds, start, k, counts):
    e = ENGINES[engine](conn)
    for _, q in qs:  # each client warms its own connection
        e.run(mode, q)
    start.wait()
    end = time.perf_counter() + seconds
    n = 0
    i = k * 7
    while time.perf_counter() < end:
        e.run(mode, qs[i % len(qs)][1])
        i += 1
        n += 1
    counts[k] = n


def throughput(engine, conn, queries, mode, clients, seconds, run, out):
    qs = read_queries(queries)
    ctx = multiprocessing.get_context("fork")
    start = ctx.Barrier(clients + 1)
    counts = ctx.Array("l", clients)
    procs = [ctx.Process(target=_client, args=(engine, conn, qs, mode, seconds, start, k, counts)) for k in range(clients)]
    for p in procs:
        p.start()
    start.wait()
    t0 = time.perf_counter()
    for p in procs:
        p.join()
    wall = time.perf_counter() - t0
    if any(p.exitcode != 0 for p in procs):
        sys.exit(f"peers.py: a {engine} client failed")
    with open(out, "a") as f:
        f.write(f"qps\t{engine}\t{mode}\t{run}\t{sum(counts) / max(wall, seconds):.1f}\n")


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "prepare" and len(args) == 3:
        prepare(*args)
    elif cmd == "latency" and len(args) == 6:
        latency(args[0], args[1], args[2], int(args[3]), args[4], args[5])
    elif cmd == "throughput" and len(args) == 8:
        throughput(args[0], args[1], args[2], args[3], int(args[4]), float(args[5]), args[6], args[7])
    elif cmd == "report" and len(args) == 2:
        from peers_report import report  # kept apart: the drivers above stay small

        report(*args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
