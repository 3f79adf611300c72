# SPDX-License-Identifier: LGPL-2.1-or-later
"""The C files the source-tree checks read (test_function_length.py, test_error_convention.py)."""
import sys


def c_files(root, dirs, pattern):
    """Files matching pattern under root/<dir> for each of dirs, sorted; exits 1 when none."""
    files = sorted(p for d in dirs for p in (root / d).rglob(pattern))
    if not files:
        where = [d + "/" for d in dirs]
        where = ", ".join(where[:-1]) + " and " + where[-1] if len(where) > 1 else where[0]
        print(f"no C files under {where}", file=sys.stderr)
        sys.exit(1)
    return files
