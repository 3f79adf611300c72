#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Makes the replay seeds from tests/data/replies: each recording compacted
(one JSON object a line), and a small variant whose long lists are cut, so
that the fuzzer mutates inputs of kilobytes, not megabytes.

usage: make-replay-seeds.py REPLIES_DIR OUT_DIR"""
import json
import os
import sys

KEEP = 24  # items kept of a long list or object in the small variant
REPEAT = 4  # commands of one name kept per session in the small variant
FULL = {"qom-list-types"}  # replies kept whole: the probe looks types up by name


def objects(text):
    dec = json.JSONDecoder()
    i = 0
    while True:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        if i >= len(text):
            return
        o, i = dec.raw_decode(text, i)
        yield o


def cut(o):
    if isinstance(o, list):
        return [cut(x) for x in o[:KEEP]]
    if isinstance(o, dict):
        items = list(o.items())
        if len(items) > 2 * KEEP:
            items = items[:KEEP]
        return {k: cut(v) for k, v in items}
    return o


def small(objs):
    """Cuts long lists and objects, and repeated commands with their replies."""
    out, seen, skip, last = [], {}, False, None
    for o in objs:
        ex = o.get("execute") if isinstance(o, dict) else None
        if ex == "qmp_capabilities":
            seen = {}
        if ex is not None:
            last = ex
            seen[ex] = seen.get(ex, 0) + 1
            skip = seen[ex] > REPEAT
            if not skip:
                out.append(o)
            continue
        if skip and isinstance(o, dict) and ("return" in o or "error" in o):
            skip = False
            continue
        out.append(o if last in FULL else cut(o))
    return out


def write(path, objs):
    with open(path, "w") as f:
        for o in objs:
            f.write(json.dumps(o, separators=(",", ":"), sort_keys=False) + "\n")


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for name in sorted(os.listdir(src)):
        if not name.endswith(".replies"):
            continue
        with open(os.path.join(src, name)) as f:
            objs = list(objects(f.read()))
        base = name[: -len(".replies")]
        write(os.path.join(out, base + ".compact.replies"), objs)
        write(os.path.join(out, base + ".small.replies"), small(objs))


if __name__ == "__main__":
    main()
