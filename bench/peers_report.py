"""peers_report.py - writes the section "## Byline and its peers on Reuters-21578" of
docs/BENCHMARKS.md from the results.tsv that bench/peers.sh gathered (see peers.py)."""

import os
import statistics

SECTION = "## Byline and its peers on Reuters-21578"
PEERS = ("xapian", "sqlite", "sphinx", "postgres")
NAMES = {
    "byline": "Byline",
    "xapian": "scriptindex (Xapian)",
    "sqlite": "SQLite FTS5",
    "sphinx": "Sphinx",
    "postgres": "PostgreSQL",
}
MODE_NAMES = {
    "top10": "top 10 + count",
    "facets": "+ category counts",
    "datesort": "date range + sort by date",
}
# issue 6: in-process p99 targets, ms
P99_TARGET = {"top10": 1.0, "facets": 5.0, "datesort": 2.0}
INDEX_TARGET_S = 2.5
INDEX_RSS_TARGET_MB = 500
HTTP_QPS_TARGET = 4000
DAEMON_RSS_TARGET_MB = 200


def load(path):
    meta, index, lat, qps, wrk, totals, inexact, rel = {}, {}, {}, {}, {}, {}, {}, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = line.rstrip("\n").split("\t")
            kind = r[0]
            if kind == "meta":
                meta[r[1]] = r[2] if len(r) > 2 else ""
            elif kind == "index":
                index.setdefault(r[1], []).append((float(r[3]), float(r[4]) if r[4] else None, int(r[5])))
            elif kind == "latency":
                lat.setdefault((r[1], r[2]), []).append((float(r[4]), float(r[5])))
            elif kind == "qps":
                qps.setdefault((r[1], r[2]), []).append(float(r[4]))
            elif kind == "wrk":
                wrk.setdefault(r[1], []).append((float(r[3]), float(r[4]), float(r[5])))
            elif kind == "totals":
                totals.setdefault((r[1], r[2]), [int(x) for x in r[3].split(",") if x])
            elif kind == "inexact":
                inexact[(r[1], r[2])] = int(r[3])
            elif kind == "relations":
                rel[(r[1], r[2])] = r[3].split(",")
    return meta, index, lat, qps, wrk, totals, inexact, rel


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, digits=2):
    if x is None:
        return "–"
    if x >= 1000:
        return f"{x:,.0f}"
    if x >= 100:
        return f"{x:.0f}"
    return f"{x:.{digits}f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.2f}×"


def report(results, out):
    meta, index, lat, qps, wrk, totals, inexact, rel = load(results)
    runs = int(meta.get("runs", "0"))
    idx = {e: (med([w for w, _, _ in v]), med([r for _, r, _ in v]), v[-1][2]) for e, v in index.items()}
    p50 = {k: med([a for a, _ in v]) for k, v in lat.items()}
    p99 = {k: med([b for _, b in v]) for k, v in lat.items()}
    q = {k: med(v) for k, v in qps.items()}
    w = {k: (med([a for a, _, _ in v]), med([b for _, b, _ in v]), med([c for _, _, c in v])) for k, v in wrk.items()}
    o = []
    add = o.append

    add(SECTION)
    add("")
    add(
        f"Byline beside Xapian's own `scriptindex`, SQLite FTS5, Sphinx and PostgreSQL full-text search, "
        f"each indexing the {int(meta['articles']):,} articles of Reuters-21578 with the same fields and "
        f"answering the same {meta['queries']} queries (`bench/peers_queries.txt`: very common words such as "
        f"`said`, single words, rare words, several words, phrases), in one run on one machine. Medians of "
        f"{runs} runs, run in turn (round robin). Written by `bench/peers.sh` on {meta['date']}; see "
        f"`bench/README.md`."
    )
    add("")
    add(
        f"Machine: {meta['nproc']} cores ({meta['cpu']}), {meta['ram']} RAM, {meta['kernel']}, {meta['os']}. "
        f"A shared machine that others were using during the run: load average at the start "
        f"{meta['load_start']}, after indexing {meta['load_after_index']}, after the latency runs "
        f"{meta['load_after_latency']}, at the end {meta['load_end']}. Compare the ratios, which were "
        f"measured under the same load, rather than the absolute figures."
    )
    add("")
    add(f"Command: `{meta['command']}`")
    add("")

    # ---- indexing
    add("### Indexing (wall s, median)")
    add("")
    engines = ("byline",) + PEERS
    add("| | " + " | ".join(NAMES[e] for e in engines) + " |")
    add("| --- |" + " ---: |" * len(engines))
    add("| index Reuters, wall s | " + " | ".join(fmt(idx[e][0]) for e in engines) + " |")
    add(
        "| peak RSS of the indexing process, MB | "
        + " | ".join(fmt(idx[e][1] * 1024 / 1e6, 0) if idx[e][1] else "– (server)" for e in engines)
        + " |"
    )
    add("| index size, MB | " + " | ".join(fmt(idx[e][2] / 1e6, 1) for e in engines) + " |")
    add("| Byline ÷ peer, wall | – | " + " | ".join(ratio(idx["byline"][0], idx[e][0]) for e in PEERS) + " |")
    add("")
    add("Every run, wall s: " + "; ".join(f"{NAMES[e]} {' '.join(f'{x[0]:.2f}' for x in index[e])}" for e in engines) + ".")
    add("")

    # ---- queries
    cols = ("byline", "byline-http") + PEERS
    head = {
        "byline": "Byline in-process (C)",
        "byline-http": "Byline over HTTP",
        "xapian": "scriptindex (Xapian, in-process)",
        "sqlite": "SQLite FTS5 (in-process)",
        "sphinx": "Sphinx (SphinxQL over TCP)",
        "postgres": "PostgreSQL (over TCP)",
    }
    add("### Queries (ms and queries/s, medians)")
    add("")
    add("| | " + " | ".join(head[c] for c in cols) + " |")
    add("| --- |" + " ---: |" * len(cols))
    for mode in MODE_NAMES:
        add(f"| {MODE_NAMES[mode]}: p50 ms | " + " | ".join(fmt(p50.get((c, mode)), 3) for c in cols) + " |")
        add(f"| {MODE_NAMES[mode]}: p99 ms | " + " | ".join(fmt(p99.get((c, mode)), 3) for c in cols) + " |")
    for mode in MODE_NAMES:
        add(f"| {MODE_NAMES[mode]}: queries/s, 2 clients | " + " | ".join(fmt(q.get((c, mode)), 0) for c in cols) + " |")
    add("")
    add(
        "Byline over HTTP with wrk (`wrk -t2 -c2`, two connections, the same queries, "
        f"{meta['wrk_seconds']} s): "
        + "; ".join(
            f"{MODE_NAMES[m]} {fmt(w[f'c2-{m}'][0], 0)} queries/s (p99 {fmt(w[f'c2-{m}'][2], 2)} ms)"
            for m in MODE_NAMES
            if f"c2-{m}" in w
        )
        + "."
    )
    add("")

    # ---- ratios
    add("### Byline ÷ peer")
    add("")
    add(
        "Times: below 1× Byline is faster. Queries/s: above 1× Byline is faster. Each cell: Byline "
        "in-process (C, through `queries/`) ÷ peer, then Byline over HTTP ÷ peer."
    )
    add("")
    add("| | " + " | ".join(NAMES[e] for e in PEERS) + " |")
    add("| --- |" + " ---: |" * len(PEERS))
    for mode in MODE_NAMES:
        for name, table in (("p50", p50), ("p99", p99)):
            cells = []
            for e in PEERS:
                cells.append(
                    f"{ratio(table.get(('byline', mode)), table.get((e, mode)))} / "
                    f"{ratio(table.get(('byline-http', mode)), table.get((e, mode)))}"
                )
            add(f"| {MODE_NAMES[mode]}, {name} | " + " | ".join(cells) + " |")
    for mode in MODE_NAMES:
        cells = [
            f"{ratio(q.get(('byline', mode)), q.get((e, mode)))} / {ratio(q.get(('byline-http', mode)), q.get((e, mode)))}"
            for e in PEERS
        ]
        add(f"| {MODE_NAMES[mode]}, queries/s | " + " | ".join(cells) + " |")
    add("")

    # ---- targets
    add("### Against the targets of issue 6")
    add("")
    bw, brss = idx["byline"][0], idx["byline"][1]
    add(target_line(f"Index Reuters in at most {INDEX_TARGET_S} s wall", bw, INDEX_TARGET_S, "s"))
    add(target_line(f"Peak RSS of byline-index under {INDEX_RSS_TARGET_MB} MB", brss * 1024 / 1e6, INDEX_RSS_TARGET_MB, "MB"))
    for e in PEERS:
        ahead = bw < idx[e][0]
        add(f"- Indexing ahead of {NAMES[e]}: **{'met' if ahead else 'missed'}** ({fmt(bw)} s against {fmt(idx[e][0])} s, {ratio(bw, idx[e][0])}).")
    for mode, limit in P99_TARGET.items():
        v = p99.get(("byline", mode))
        add(target_line(f"In-process p99, {MODE_NAMES[mode]}, at most {limit:g} ms", v, limit, "ms"))
        s = p99.get(("sphinx", mode))
        add(
            f"- In-process p99, {MODE_NAMES[mode]}, ahead of Sphinx: **{'met' if v < s else 'missed'}** "
            f"({fmt(v, 3)} ms against Sphinx's {fmt(s, 3)} ms over TCP, {ratio(v, s)})."
        )
    if "c32-top10" in w:
        rps, _, p99h = w["c32-top10"]
        add(
            target_line(
                f"Over HTTP, full answers (10 hits with snippets, no facets), wrk -t2 -c32: at least {HTTP_QPS_TARGET:,} queries/s",
                rps,
                HTTP_QPS_TARGET,
                "queries/s",
                higher=True,
            )
            + f" The `/health` floor in the same run: {fmt(w['health'][0], 0)} requests/s; full answers reach "
            f"{rps / w['health'][0] * 100:.1f} % of it (p99 {fmt(p99h)} ms)."
        )
    rss = int(meta.get("daemon_rss_kb", "0")) * 1024 / 1e6
    add(target_line(f"byline-searchd's peak RSS under load on Reuters under {DAEMON_RSS_TARGET_MB} MB", rss, DAEMON_RSS_TARGET_MB, "MB"))
    add("")
    ahead = []
    behind = []
    for mode in MODE_NAMES:
        for name, table in (("p99", p99), ("p50", p50)):
            for e in PEERS:
                b, pv = table.get(("byline", mode)), table.get((e, mode))
                (ahead if b < pv else behind).append(f"{NAMES[e]} ({MODE_NAMES[mode]}, {name})")
        for e in PEERS:
            b, pv = q.get(("byline", mode)), q.get((e, mode))
            (ahead if b > pv else behind).append(f"{NAMES[e]} ({MODE_NAMES[mode]}, queries/s)")
    add(
        f"Byline in-process is ahead on {len(ahead)} of {len(ahead) + len(behind)} query comparisons; "
        + ("behind on: " + ", ".join(behind) + "." if behind else "behind on none.")
    )
    add("")

    # ---- notes kept by hand beside this script, about the last full run
    notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers_notes.md")
    if os.path.exists(notes):
        with open(notes, encoding="utf-8") as f:
            add(f.read().rstrip("\n"))
        add("")

    # ---- totals
    add("### Do the engines count the same matches?")
    add("")
    add(
        "Each engine's total for each query of the warm-up pass, against Byline's where Byline's "
        "is exact (it counts with `match=all`, every word required, as the peers do; see below "
        "for the others). Tokenising and stemming differ "
        "a little between engines, so small differences are expected; a large one would mean an "
        "engine answered a different question."
    )
    add("")
    add("| | " + " | ".join(NAMES[e] for e in PEERS) + " |")
    add("| --- |" + " ---: |" * len(PEERS))
    for mode in MODE_NAMES:
        bt = totals.get(("byline", mode), [])
        exact = [r != "gte" for r in rel.get(("byline", mode), ["eq"] * len(bt))]
        cells = []
        for e in PEERS:
            pairs = [(a, b) for a, b, x in zip(bt, totals.get((e, mode), []), exact) if x]
            same = sum(1 for a, b in pairs if a == b)
            within = sum(1 for a, b in pairs if abs(a - b) <= 0.05 * max(a, b, 1))
            cells.append(f"{same} same, {within} within 5 %")
        add(f"| {MODE_NAMES[mode]} ({sum(exact)} exact totals of {len(bt)}) | " + " | ".join(cells) + " |")
    add("")
    gte = [f"{MODE_NAMES[m]} {inexact.get(('byline', m), 0)}" for m in MODE_NAMES]
    add(
        "Byline's `total` is exact only when Xapian knows it without extra work (docs/API.md, "
        "Totals): for the other queries it is a lower bound (`total_relation: \"gte\"`), which "
        "is cheaper than the exact counts every peer gives. Queries answered with a lower bound, "
        "of " + str(len(totals.get(("byline", "top10"), []))) + ": " + ", ".join(gte) + ". "
        "Facets make every total exact."
    )
    add("")

    # ---- how
    add("### What each engine does")
    add("")
    add(
        "Every engine is timed the same way: client-side wall time per query, from sending it "
        "to holding every row of the answer, warm caches, one warm-up pass over every query "
        f"before {meta['rounds']} timed passes per run. The peers' clients are small Python "
        "drivers (`bench/peers.py`), so their times include a few tens of microseconds of "
        "Python per query; Byline in-process is timed in C by `bench/query_bench.c` (its "
        "answers are the full JSON response: hits with snippets, which the peers do not "
        "make). Byline over HTTP is timed by the same Python driver (keep-alive "
        "connection, `GET /search`, the JSON parsed). Queries/s: two client processes (or "
        f"threads, for `query_bench -c 2`), each with its own connection, for {meta['qps_seconds']} s."
    )
    add("")
    add("- **Modes.** *top 10 + count*: the 10 best by relevance (id, title, date) and the total "
        "number of matches; *+ category counts*: the same and the count of every category over "
        "all matches; *date range + sort by date*: matches in March 1987 (11,543 articles "
        "dated), newest first, 10 of them and their count.")
    add("- **Byline**: `byline-index --db DB --quiet reuters.jsonl` (defaults: `--jobs` = cores, "
        "Snowball english, positions, title weighted); queries `q=...&match=all&limit=10`, "
        "`+&facets=category`, `+&from=1987-03-01&to=1987-03-31&sort=newest`; "
        "`byline-searchd --threads 2`.")
    add("- **scriptindex (Xapian)**: `scriptindex --stemmer=english DB bench/reuters.index DUMP` "
        "(title at weight 3, body with positions, XCAT categories, date value; see "
        "\"Indexing Reuters-21578\"); searched in-process with python3-xapian: QueryParser "
        "(STEM_SOME, default AND), BM25, `get_mset(0, 10, doccount)` for exact counts, a "
        "ValueCountMatchSpy over the category-set value for category counts, a value range "
        "and `set_sort_by_value_then_relevance` for dates.")
    add("- **SQLite FTS5**: `sqlite3 DB < load.sql`: a CSV imported into a temporary table, "
        "then `fts5(title, body, tokenize = 'porter unicode61')` (positions: detail=full, the "
        "default), an `articles(n, id, date)` table indexed on date and a `cats(n, cat)` "
        "table; one transaction, WAL. Queries: `... WHERE fts MATCH ? ORDER BY bm25(fts, 3.0, "
        "1.0) LIMIT 10`, `SELECT count(*) ...`, `SELECT cat, count(*) FROM cats WHERE n IN "
        "(SELECT rowid FROM fts WHERE fts MATCH ?) GROUP BY cat`; dates through a join on "
        "`articles` with `ORDER BY a.date DESC`.")
    add("- **Sphinx**: `indexer --config sphinx.conf reuters` from a TSV pipe (title as field "
        "and string attribute, body, timestamp attribute, categories as a multi-value "
        "attribute), `morphology = stem_en`, `min_word_len = 1`, positions always; `searchd` "
        "(workers = threads) on 127.0.0.1, SphinxQL over the MySQL protocol (pymysql), one "
        "round trip per query: `SELECT id, title, published FROM reuters WHERE MATCH(?) LIMIT 10 "
        "OPTION field_weights=(title=3, body=1)` (ranker proximity_bm25, the default) `FACET "
        "cats ORDER BY COUNT(*) DESC LIMIT 1000; SHOW META LIKE 'total_found'`; dates with "
        "`published BETWEEN ... ORDER BY published DESC`.")
    add("- **PostgreSQL**: a cluster of its own (initdb, then `" + meta["pg_settings"] + "`), "
        "on 127.0.0.1 (psycopg2). Load: `psql -f load.sql`: a table with a stored generated "
        "`tsvector` column (`setweight(to_tsvector('english', title), 'A') || "
        "setweight(to_tsvector('english', body), 'B')`), `\\copy` from a prepared file, a GIN "
        "index on it, a btree on the date, ANALYZE. Queries: `websearch_to_tsquery('english', "
        "?)`, `ORDER BY ts_rank(tsv, q) DESC LIMIT 10`, `SELECT count(*)`, `SELECT cat, "
        "count(*) FROM articles, unnest(categories) cat WHERE ... GROUP BY cat` (three "
        "statements, three round trips); dates with `date BETWEEN ... ORDER BY date DESC`.")
    add("- Each engine reads input prepared once, outside the timings, in its own bulk format "
        "(Byline: the JSON Lines file; the others: a dump, CSV or TSV written by "
        "`bench/peers.py prepare` or `bench/jsonl2scriptindex.py`). Index wall time is the "
        "time of the indexing command, to its exit (commit and fsync included); index size is "
        "`du` of the files (PostgreSQL: `pg_database_size`).")
    add("")
    add("Versions:")
    add("")
    for k in ("byline", "scriptindex", "sqlite", "sphinx", "postgres", "clients", "wrk"):
        add(f"- {k}: {meta.get(k, '?')}")
    add("")
    add("Every run, p99 ms: " + "; ".join(
        f"{c} {m} {' '.join(f'{b:.2f}' for _, b in lat[(c, m)])}" for c in cols for m in MODE_NAMES if (c, m) in lat
    ) + ".")
    add("")
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(o))


def target_line(what, value, limit, unit, higher=False):
    if value is None:
        return f"- {what}: not measured."
    ok = value >= limit if higher else value <= limit
    if ok:
        return f"- {what}: **met** ({fmt(value)} {unit})."
    if higher:
        return f"- {what}: **missed** ({fmt(value)} {unit}, {limit / value:.1f}× short of the target)."
    return f"- {what}: **missed** ({fmt(value)} {unit}, {value / limit:.1f}× the target, {fmt(value - limit)} {unit} over)."
