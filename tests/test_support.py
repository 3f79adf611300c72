# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the Python suites share: facts of this machine found without domcaps."""
import os


def path_emulators():
    """Every qemu-system-* in PATH (absolute entries), the first of each name, sorted."""
    seen, out = set(), []
    for d in os.environ.get("PATH", "").split(":"):
        if not d.startswith("/") or not os.path.isdir(d):
            continue
        for n in sorted(os.listdir(d)):
            f = os.path.join(d, n)
            if n.startswith("qemu-system-") and n not in seen and os.path.isfile(f) and \
                    os.access(f, os.X_OK):
                seen.add(n)
                out.append(f)
    return sorted(out)
