#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The layers of src/ (src/meson.build) run one way: every symbol a layer's
archive uses from the others is defined in the same layer or a lower one.

Usage: test_layers.py NM ARCHIVE... (lowest layer first)
"""
import subprocess
import sys


def symbols(nm, archive):
    out = subprocess.run([nm, "--defined-only", "-g", archive], capture_output=True,
                         text=True, check=True).stdout
    defined = {line.split()[2] for line in out.splitlines() if len(line.split()) == 3}
    out = subprocess.run([nm, "-u", archive], capture_output=True, text=True,
                         check=True).stdout
    used = {line.split()[-1] for line in out.splitlines()
            if line.strip() and not line.endswith(":")}
    return defined, used


def main():
    nm, archives = sys.argv[1], sys.argv[2:]
    if len(archives) < 2:
        print("test_layers.py: give the layer archives, lowest first", file=sys.stderr)
        return 2
    layers = [symbols(nm, a) for a in archives]
    owner = {}
    for i, (defined, _) in enumerate(layers):
        for s in defined:
            owner.setdefault(s, i)
    bad = 0
    for i, (_, used) in enumerate(layers):
        for s in sorted(used):
            j = owner.get(s)
            if j is not None and j > i:
                print(f"{archives[i]} uses {s} from {archives[j]}, a higher layer")
                bad += 1
    names = [a.rsplit("/", 1)[-1] for a in archives]
    if bad:
        print(f"{bad} upward dependencies among {' < '.join(names)}")
        return 1
    print(f"layers {' < '.join(names)}: no upward dependency")
    return 0


if __name__ == "__main__":
    sys.exit(main())
