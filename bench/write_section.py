#!/usr/bin/env python3
"""write_section.py DOC SECTION_FILE HEADING - puts the text of SECTION_FILE in DOC in place of
the section that starts with the line HEADING (up to the next "## " heading), keeping the rest;
appends it when DOC has no such section, and starts DOC when it does not exist. Used by the
scripts in bench/ that write a section of docs/BENCHMARKS.md."""
import os, sys
doc, section_file, heading = sys.argv[1:4]
new = open(section_file, encoding="utf-8").read().rstrip("\n") + "\n"
if os.path.exists(doc):
    lines = open(doc, encoding="utf-8").read().splitlines(keepends=True)
else:
    lines = ["# Benchmarks\n", "\n",
             "Measured performance of Byline, each section written by a script in `bench/`\n",
             "(see `bench/README.md` for how to run them). The machines are shared and\n",
             "noisy: every figure is a median of several runs, and ratios against a\n",
             "reference measured in the same run say more than absolute numbers.\n"]
out, i, done = [], 0, False
while i < len(lines):
    if lines[i].rstrip("\n") == heading and not done:
        i += 1
        while i < len(lines) and not lines[i].startswith("## "):
            i += 1
        out.append(new)
        if i < len(lines):
            out.append("\n")
        done = True
        continue
    out.append(lines[i])
    i += 1
if not done:
    while out and out[-1].strip() == "":
        out.pop()
    out.append("\n")
    out.append(new)
tmp = doc + ".tmp"
with open(tmp, "w", encoding="utf-8") as f:
    f.write("".join(out))
os.replace(tmp, doc)
