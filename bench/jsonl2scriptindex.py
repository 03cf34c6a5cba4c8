#!/usr/bin/env python3
"""Convert Byline's JSON Lines articles into scriptindex's dump format.

Usage: jsonl2scriptindex.py [INPUT.jsonl[.gz]] > OUTPUT   ('-' or nothing reads stdin)

scriptindex (Xapian Omega) reads records of `name=value` lines separated by a blank line;
a value that spans several lines continues on lines that start with '='. Each article
becomes one record:

- every string field is written as it is (newlines escaped as continuation lines);
- every list field is written as one `name=value` line per item;
- null and empty values are left out (as byline-index does not index them);
- `date` is normalised to YYYY-MM-DDTHH:MM:SSZ (UTC) so the index script can parse it
  with one strptime() format;
- three derived fields give scriptindex the values byline-index computes itself (see
  shim/writer.cc): `hour` (YYYYMMDDHH, UTC), `day` (YYYYMMDD, UTC) and `catset` (the
  article's categories, sorted, unique, joined by 0x1F). They are not stored as data.

This runs once, before and outside the timed runs of bench/index_bench.sh.
"""

import datetime
import gzip
import json
import sys

SET_SEP = "\x1f"  # BX_SET_SEP in shim/byline_xapian.h


def escape(value):
    return value.replace("\r\n", "\n").replace("\n", "\n=")


def parse_date(text):
    try:
        d = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    return d.astimezone(datetime.timezone.utc)


def record(article):
    out = []
    for name, value in article.items():
        if "=" in name or "\n" in name or not name:
            continue
        if value is None:
            continue
        if name == "date" and isinstance(value, str):
            d = parse_date(value)
            if d is None:
                continue  # byline-index warns and indexes the article without a date
            out.append("date=" + d.strftime("%Y-%m-%dT%H:%M:%SZ"))
            out.append("hour=" + d.strftime("%Y%m%d%H"))
            out.append("day=" + d.strftime("%Y%m%d"))
            continue
        items = value if isinstance(value, list) else [value]
        for item in items:
            if item is None or isinstance(item, (dict, list)):
                continue
            if isinstance(item, bool):
                item = "true" if item else "false"
            item = str(item)
            if item:
                out.append(name + "=" + escape(item))
    cats = article.get("categories")
    if isinstance(cats, str):
        cats = [cats]
    if isinstance(cats, list):
        cats = sorted({c for c in cats if isinstance(c, str) and c})
        if cats:
            out.append("catset=" + SET_SEP.join(cats))
    return "\n".join(out) + "\n\n"


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "-"
    if path == "-":
        src = sys.stdin
    elif path.endswith(".gz"):
        src = gzip.open(path, "rt", encoding="utf-8")
    else:
        src = open(path, encoding="utf-8")
    out = sys.stdout
    n = 0
    for line in src:
        line = line.strip()
        if not line:
            continue
        article = json.loads(line)
        if not isinstance(article, dict):
            continue
        out.write(record(article))
        n += 1
    print(f"jsonl2scriptindex: {n} records", file=sys.stderr)


if __name__ == "__main__":
    main()
