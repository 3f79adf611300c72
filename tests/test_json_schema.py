#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""
Every JSON document domcaps prints for the test corpus validates against its
schema in docs/schema/ (JSON Schema draft 2020-12): the caps documents of
every recording (both virttypes, several machines, with every host root),
the host reports of every root, the Ansible facts of every root with every
recording and of this machine, the check findings of every domain, the
error documents, and the JSON goldens. Exits 77 (skip) without
python3-jsonschema.

Usage: test_json_schema.py DOMCAPS_BINARY SOURCE_DIR
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

try:
    import jsonschema
except ImportError:
    print("SKIP: python3-jsonschema is not installed")
    sys.exit(77)

binary, source = sys.argv[1], sys.argv[2]
data = os.path.join(source, "tests", "data")
raw = {}
for name in ("domcaps", "host", "check", "error", "ansible", "place", "bundle"):
    with open(os.path.join(source, "docs", "schema", name + ".schema.json")) as f:
        raw[name] = json.load(f)
    jsonschema.Draft202012Validator.check_schema(raw[name])
# ansible.schema.json refers to host.schema.json by its $id.
try:
    from referencing import Registry, Resource
    registry = Registry().with_resources(
        [(s["$id"], Resource.from_contents(s)) for s in raw.values()])
    schemas = {k: jsonschema.Draft202012Validator(s, registry=registry) for k, s in raw.items()}
except ImportError:  # jsonschema before 4.18
    store = {s["$id"]: s for s in raw.values()}
    schemas = {k: jsonschema.Draft202012Validator(
        s, resolver=jsonschema.RefResolver.from_schema(s, store=store)) for k, s in raw.items()}

failures = []
counts = {}


def validate(kind, doc, what):
    errors = sorted(schemas[kind].iter_errors(doc), key=lambda e: list(e.path))
    counts[kind] = counts.get(kind, 0) + 1
    for e in errors[:5]:
        failures.append("%s (%s schema): at /%s: %s" % (what, kind, "/".join(map(str, e.path)),
                                                      e.message))


def run(args, kind, want_codes=(0,)):
    """Runs domcaps; its stdout must be one document of kind (or, failing, an error document)."""
    env = dict(os.environ, DOMCAPS_CACHE_DIR=cache)
    p = subprocess.run([binary] + args, capture_output=True, text=True, env=env, timeout=120)
    what = "domcaps " + " ".join(args)
    if len(what) > 200:
        what = what[:200] + "..."
    try:
        doc = json.loads(p.stdout)
    except ValueError as e:
        failures.append("%s: exit %d, stdout is not one JSON document: %s" % (what, p.returncode, e))
        return None
    if p.returncode not in want_codes and not (p.returncode in (2, 3) and kind == "domcaps"):
        failures.append("%s: exit %d: %s" % (what, p.returncode, p.stderr.strip()))
    if p.returncode in (0, 1) or (isinstance(doc, dict) and "exitCode" not in doc):
        validate(kind, doc, what)
    else:
        validate("error", doc, what)
        if doc.get("exitCode") != p.returncode:
            failures.append("%s: exitCode %r, the process exited %d" % (what, doc.get("exitCode"),
                                                                       p.returncode))
        if not p.stderr.startswith("domcaps: "):
            failures.append("%s: failed without a message on stderr" % what)
    return p.returncode


with tempfile.TemporaryDirectory(prefix="domcaps-schema-") as cache:
    roots = sorted(glob.glob(os.path.join(data, "roots", "*")))
    recordings = sorted(glob.glob(os.path.join(data, "replies", "*.replies")))
    machines = [None, "q35", "pc", "virt", "pseries", "isapc", "nosuch"]
    for rec in recordings:
        for root in roots:
            for virttype in ("kvm", "qemu"):
                for machine in machines if root.endswith("/debian12-kvm") else [None]:
                    args = ["--replay", rec, "--sysroot", root, "--virttype", virttype,
                            "--format", "json", "--no-cache"]
                    if machine:
                        args += ["--machine", machine]
                    run(args, "domcaps")
    for root in roots:
        run(["host", "--format", "json", "--sysroot", root], "host")

    # The Ansible facts: every root with every recording, a bad recording, and this machine.
    pairs = []
    for rec in recordings:
        target = os.path.basename(rec)[len("qemu-7.2-"):-len(".replies")]
        pairs += ["--emulator", "/opt/%s/bin/qemu-system-%s" % (target, target.split("-")[0]),
                  "--replay", rec]
    for root in roots:
        run(["host", "--format", "ansible", "--sysroot", root] + pairs, "ansible")
    garbage = os.path.join(cache, "garbage.replies")
    with open(garbage, "w") as f:
        f.write("{\n")
    run(["host", "--format", "ansible", "--sysroot", roots[0], "--emulator",
         "/usr/bin/qemu-system-x86_64", "--replay", garbage], "ansible")
    run(["host", "--format", "ansible", "--sysroot", roots[0], "--emulator",
         "/usr/bin/qemu-system-aarch64", "--replay",
         os.path.join(data, "hostile", "control-chars.replies")], "ansible")
    run(["host", "--format", "ansible"], "ansible")

    domains = sorted(glob.glob(os.path.join(data, "domains", "*.xml")))
    snapshots = sorted(f for f in glob.glob(os.path.join(data, "snapshots", "*.xml")))
    caps = [a for s in snapshots if not os.path.basename(s).startswith("host-")
            for a in ("--caps", s)]
    for host in glob.glob(os.path.join(data, "golden", "host", "numa2.*")):
        run(["check", "--format", "json"] + caps + ["--host", host] + domains + ["nonexistent.xml"],
            "check", want_codes=(1, 2))
    run(["check", "--format", "json"] + caps + domains[:3], "check", want_codes=(0, 1, 2))

    # A report in the form before schemaVersion (siblings as a CPU list string) is judged the same.
    with open(os.path.join(data, "golden", "host", "numa2.json")) as f:
        report = json.load(f)
    del report["schemaVersion"]
    for cell in report["topology"]["cells"]:
        for cpu in cell["cpus"]:
            cpu["siblings"] = ",".join(map(str, cpu["siblings"]))
    old_form = os.path.join(cache, "numa2-unversioned.json")
    with open(old_form, "w") as f:
        json.dump(report, f)
    outs = []
    for host in (os.path.join(data, "golden", "host", "numa2.json"), old_form):
        p = subprocess.run([binary, "check", "--format", "json"] + caps + ["--host", host] + domains,
                           capture_output=True, text=True, timeout=120)
        outs.append((p.returncode, p.stdout))
    if outs[0] != outs[1] or not outs[0][1]:
        failures.append("check --host: the unversioned report is judged differently")
    counts["unversioned host report"] = 1

    # Bundles: what `bundle show` says, and placement over a pool of two.
    pool = []
    for name, root, rec in (("tcg", "debian12-tcg", "qemu-7.2-x86_64"),
                            ("intel", "intel-nested-kvm", "qemu-7.2-x86_64-intel")):
        b = os.path.join(cache, name + ".bundle")
        subprocess.run([binary, "bundle", "create", "-o", b, "--sysroot",
                        os.path.join(data, "roots", root), "--emulator",
                        "/usr/bin/qemu-system-x86_64", "--replay",
                        os.path.join(data, "replies", rec + ".replies")],
                       capture_output=True, timeout=120, check=True)
        pool += ["--bundle", b]
        run(["bundle", "show", "--format", "json", b], "bundle")
    run(["place", "--format", "json"] + pool + domains, "place", want_codes=(0, 1, 2))
    run(["place", "--format", "json"] + pool + domains[:2], "place", want_codes=(0, 1))
    run(["baseline", "--format", "json"] + pool, "domcaps")
    run(["baseline", "--format", "json", "--machine", "q35", "--virttype", "qemu"] + pool,
        "domcaps")
    for args in (["place", "--bundle-dir", "/nonexistent", "x.xml"],
                 ["bundle", "show", "/nonexistent.bundle"], ["bundle", "create"]):
        run(args + ["--format", "json"], "error", want_codes=(2,))

    for args in (["--bogus"], ["host", "--timeout", "3"], ["check"], ["--arch", "nosuch"],
                 ["--replay", "/nonexistent.replies"], ["host", "--sysroot", "/nonexistent"],
                 ["check", "--caps", "/nonexistent.xml", "x.xml"]):
        run(args + ["--format", "json"], "error", want_codes=(2,))

for path in sorted(glob.glob(os.path.join(data, "golden", "*.json"))):
    with open(path) as f:
        validate("domcaps", json.load(f), path)
for path in sorted(glob.glob(os.path.join(data, "golden", "host", "*.json"))):
    with open(path) as f:
        validate("host", json.load(f), path)

print("validated: " + ", ".join("%d %s" % (n, k) for k, n in sorted(counts.items())))
for f in failures:
    print("FAIL: " + f)
sys.exit(1 if failures else 0)
