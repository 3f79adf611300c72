#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fails when a C function of src/ or probes/ is longer than the limit.

    test_function_length.py SOURCE_ROOT [--list]

A function is what clang-format (the repo's .clang-format, Linux braces)
writes as a header ending at column 0 and a body from a "{" line to a "}"
line, both alone at column 0; its length is the lines from "{" to "}".
--list prints every function over the limit, longest first, and exits 0.
"""
import pathlib
import re
import sys

from c_sources import c_files

LIMIT = 80


def functions(path):
    """(name, first line, length) of each function definition in path."""
    lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
    out = []
    i = 0
    while i < len(lines):
        if lines[i] != "{":
            i += 1
            continue
        # The header: the lines above, back to one starting at column 0.
        j = i - 1
        while j > 0 and lines[j][:1] in (" ", "\t"):
            j -= 1
        header = " ".join(lines[j:i])
        m = re.search(r"(\w+)\s*\(", header)
        k = i + 1
        while k < len(lines) and lines[k] != "}":
            if lines[k] == "{":  # a body never holds a column-0 brace: malformed
                raise SystemExit(f"{path}:{k + 1}: '{{' at column 0 inside a function")
            k += 1
        if k == len(lines):
            raise SystemExit(f"{path}:{i + 1}: no closing '}}' at column 0")
        if m and "=" not in header.split("(")[0]:
            out.append((m.group(1), i + 1, k - i + 1))
        i = k + 1
    return out


def main():
    root = pathlib.Path(sys.argv[1])
    listing = "--list" in sys.argv[2:]
    files = c_files(root, ("src", "probes"), "*.c")
    long = []
    total = 0
    for p in files:
        for name, line, n in functions(p):
            total += 1
            if n > LIMIT:
                long.append((n, f"{p.relative_to(root)}:{line}", name))
    long.sort(reverse=True)
    for n, where, name in long:
        print(f"{where}: {name}() is {n} lines (limit {LIMIT})")
    print(f"{total} functions in {len(files)} files, {len(long)} over {LIMIT} lines")
    return 0 if listing or not long else 1


if __name__ == "__main__":
    sys.exit(main())
