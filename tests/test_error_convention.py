#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fails when a function of src/, probes/ or include/ strays from the error convention.

    test_error_convention.py SOURCE_ROOT

The convention: a function that can fail returns int, 0 or a negative errno,
and describes the failure in a caller-owned dc_error (include/domcaps/error.h).
So no function takes a message out-parameter (char **ret_msg, char **err and
the like), and every function taking a dc_error * returns int; the dc_error
helpers themselves (src/util/error.c) and the exceptions listed below aside.
"""
import pathlib
import re
import sys

from c_sources import c_files

# A message out-parameter by its name (msg, err, error, errmsg, cause, why, reason),
# with or without ret_.
MESSAGE_PARAM = re.compile(
    r"\bchar\s*\*\*\s*(ret_)?(msg|errmsg|err|error|errors?|cause|why|reason)\b")
# One function header: return type, name, parameters (no bodies: ends at "(...)").
HEADER = re.compile(r"(?:^|\n)((?:static\s+|inline\s+|_printf_\([^)]*\)\s*|const\s+)*"
                    r"[A-Za-z_][\w\s\*]*?)\b(\w+)\s*\(([^;{}()]*)\)\s*(?:_printf_\([^)]*\)\s*)?[;{]")
# The helpers that make and hand over a dc_error.
ALLOWED = {"dc_error_clear", "dc_error_set", "dc_error_take", "dc_error_prefix",
           "dc_error_steal"}
# Not failures: dc_cache_load answers hit, missing, stale or corrupt, and its
# *ret_why explains a miss the caller recovers from by probing again.
STATUS_EXPLANATION = {"dc_cache_load"}


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def main():
    root = pathlib.Path(sys.argv[1])
    files = c_files(root, ("src", "probes", "include"), "*.[ch]")
    bad = []
    nfuncs = 0
    for p in files:
        text = strip_comments(p.read_text(encoding="utf-8", errors="replace"))
        rel = p.relative_to(root)
        for m in HEADER.finditer(text):
            rtype, name, params = (g.strip() for g in m.groups())
            if name in ("if", "while", "for", "switch", "return", "sizeof") or name in ALLOWED:
                continue
            line = text.count("\n", 0, m.start(2)) + 1
            if MESSAGE_PARAM.search(params) and name not in STATUS_EXPLANATION:
                bad.append(f"{rel}:{line}: {name}() takes a message out-parameter; "
                           "use a dc_error *")
            if re.search(r"\bdc_error\s*\*", params):
                nfuncs += 1
                words = rtype.split()
                if words[-1:] != ["int"] or "*" in rtype:
                    bad.append(f"{rel}:{line}: {name}() takes a dc_error * but returns "
                               f"'{rtype}', not int (0 or -errno)")
    for b in bad:
        print(b)
    print(f"{nfuncs} declarations take a dc_error, {len(bad)} stray from the convention")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
