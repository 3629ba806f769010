#!/usr/bin/env python3
"""The shape of a run folder, as text: what a refactor of the writers must keep.

usage: runfolder-shape.py RUN_FOLDER

One line per fact, sorted within each kind:
  file PATH               every file of the folder (logs/*-agent.log left out: the agent
                          writes one only when it has LOG lines, e.g. an irq= that matches
                          no line of this host's /proc/interrupts)
  csv PATH HEADER         the header line of every .csv
  dat PATH LINE           the comment lines of every gnuplot .dat (what the columns are)
  json PATH KEYPATH KEYS  the keys of every object of every .json, by path (a list's
                          objects merged: [] in the path), sorted
  metric KIND WORKLOAD METRIC UNIT   the rows samples.csv has, without their values
Values (numbers, names, times) are never part of the shape.
"""
import csv
import json
import os
import sys


def json_keys(value, at, out):
    if isinstance(value, dict):
        out.setdefault(at, set()).update(value.keys())
        for k, v in value.items():
            json_keys(v, at + "." + k, out)
    elif isinstance(value, list):
        for v in value:
            json_keys(v, at + "[]", out)


def main(top):
    files, lines = [], []
    for d, _, names in os.walk(top):
        for n in names:
            rel = os.path.relpath(os.path.join(d, n), top)
            if rel.startswith("logs/") and rel.endswith("-agent.log"):
                continue
            files.append(rel)
    files.sort()
    lines += ["file " + f for f in files]
    for f in files:
        p = os.path.join(top, f)
        if f.endswith(".csv"):
            with open(p, encoding="utf-8") as fh:
                lines.append("csv %s %s" % (f, fh.readline().rstrip("\n")))
        elif f.endswith(".dat"):
            with open(p, encoding="utf-8") as fh:
                lines += ["dat %s %s" % (f, l.rstrip("\n")) for l in fh if l.startswith("#")]
        elif f.endswith(".json"):
            keys = {}
            with open(p, encoding="utf-8") as fh:
                json_keys(json.load(fh), "", keys)
            lines += ["json %s %s %s" % (f, k or ".", " ".join(sorted(v)))
                      for k, v in sorted(keys.items())]
    rows = set()
    with open(os.path.join(top, "samples.csv"), encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            rows.add("metric %s %s %s %s" % (r["kind"], r["workload"], r["metric"], r["unit"]))
    lines += sorted(rows)
    print("\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
