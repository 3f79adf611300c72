#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""
Host bundles and placement, through the CLI.

  test_bundle.py DOMCAPS SOURCE_DIR recorded   bundles built from committed recordings and
                                               captured roots (other vendors, other arches):
                                               --bundle answers as --replay/--sysroot do;
                                               bundle show; damaged and hostile bundles;
                                               atomic writes; place in every format, an
                                               empty pool, mixed arches
  test_bundle.py DOMCAPS SOURCE_DIR live       a bundle of this host: probe and host output
                                               byte-identical to live for every installed
                                               emulator (free-memory counters aside), the
                                               same check verdicts (files a domain names
                                               aside: a bundle does not hold them)
Exits 77 where what a part needs is missing (no QEMU in PATH for the live part).
"""
import glob
import gzip
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

binary, source, part = sys.argv[1], sys.argv[2], sys.argv[3]
data = os.path.join(source, "tests", "data")
roots = os.path.join(data, "roots")
replies = os.path.join(data, "replies")
failures = []
work = tempfile.mkdtemp(prefix="domcaps-test-bundle-")
env = dict(os.environ, DOMCAPS_CACHE_DIR=os.path.join(work, "cache"), TMPDIR=work)


def run(*args, stdin=None):
    p = subprocess.run([binary] + list(args), capture_output=True, text=True, env=env,
                       timeout=300, input=stdin)
    return p.returncode, p.stdout, p.stderr


def expect(cond, what):
    if not cond:
        failures.append(what)
    return cond


def bundle_from(name, root, emulators):
    """A bundle made from a captured root and (path, recording) pairs."""
    out = os.path.join(work, name + ".bundle")
    args = ["bundle", "create", "-o", out, "--sysroot", os.path.join(roots, root)]
    for path, rec in emulators:
        args += ["--emulator", path, "--replay", os.path.join(replies, rec + ".replies")]
    rc, _, err = run(*args)
    expect(rc == 0 and "warning" not in err, "bundle create %s: exit %d: %s" % (name, rc, err))
    return out


def same_as_replay(bundle, root, path, rec, extra):
    """probe --bundle gives what probe --replay --sysroot gives, byte for byte."""
    for fmt in ("xml", "json"):
        a = run("probe", "--replay", os.path.join(replies, rec + ".replies"), "--emulator", path,
                "--sysroot", os.path.join(roots, root), "--format", fmt, *extra)
        b = run("probe", "--bundle", bundle, "--emulator", path, "--format", fmt, *extra)
        expect(a[0] == b[0] and a[1] == b[1],
               "probe %s %s %s: replay exit %d, bundle exit %d, outputs %s (%s)" %
               (path, fmt, " ".join(extra), a[0], b[0], "equal" if a[1] == b[1] else "differ",
                b[2].strip()[:300]))


def same_host(bundle, root):
    """host --bundle is host --sysroot, except that messages name the host's own paths."""
    for fmt in ("xml", "json"):
        a = run("host", "--sysroot", os.path.join(roots, root), "--format", fmt)
        b = run("host", "--bundle", bundle, "--format", fmt)
        want = a[1].replace(os.path.join(roots, root), "")
        expect(a[0] == b[0] == 0 and want == b[1], "host --bundle %s (%s) differs from --sysroot"
               % (bundle, fmt))


# ---- bundles from recordings --------------------------------------------------------------

def recorded_hosts():
    intel = bundle_from("intel", "intel-nested-kvm", [
        ("/usr/bin/qemu-system-x86_64", "qemu-7.2-x86_64-intel"),
        ("/usr/bin/qemu-system-i386", "qemu-7.2-i386-intel")])
    other = bundle_from("debian", "debian12-kvm", [
        ("/usr/bin/qemu-system-x86_64", "qemu-7.2-x86_64"),
        ("/usr/bin/qemu-system-aarch64", "qemu-7.2-aarch64"),
        ("/usr/bin/qemu-system-ppc64", "qemu-7.2-ppc64"),
        ("/usr/bin/qemu-system-s390x", "qemu-7.2-s390x"),
        ("/usr/bin/qemu-system-riscv64", "qemu-7.2-riscv64")])
    tcg = bundle_from("tcg", "debian12-tcg", [("/usr/bin/qemu-system-x86_64", "qemu-7.2-x86_64")])
    same_as_replay(intel, "intel-nested-kvm", "/usr/bin/qemu-system-x86_64",
                   "qemu-7.2-x86_64-intel", [])
    same_as_replay(intel, "intel-nested-kvm", "/usr/bin/qemu-system-x86_64",
                   "qemu-7.2-x86_64-intel", ["--machine", "pc", "--virttype", "qemu"])
    same_as_replay(intel, "intel-nested-kvm", "/usr/bin/qemu-system-i386", "qemu-7.2-i386-intel",
                   ["--snapshot"])
    for path, rec in (("/usr/bin/qemu-system-x86_64", "qemu-7.2-x86_64"),
                      ("/usr/bin/qemu-system-aarch64", "qemu-7.2-aarch64"),
                      ("/usr/bin/qemu-system-ppc64", "qemu-7.2-ppc64"),
                      ("/usr/bin/qemu-system-s390x", "qemu-7.2-s390x"),
                      ("/usr/bin/qemu-system-riscv64", "qemu-7.2-riscv64")):
        same_as_replay(other, "debian12-kvm", path, rec, [])
    same_as_replay(tcg, "debian12-tcg", "/usr/bin/qemu-system-x86_64", "qemu-7.2-x86_64", [])
    for b, r in ((intel, "intel-nested-kvm"), (other, "debian12-kvm"), (tcg, "debian12-tcg")):
        same_host(b, r)
    # --arch picks the host's emulator for it, as on the host (i686 from qemu-system-i386)
    rc, out, _ = run("probe", "--bundle", intel, "--arch", "i686")
    expect(rc == 0 and "<path>/usr/bin/qemu-system-i386</path>" in out, "probe --arch i686")
    rc, _, err = run("probe", "--bundle", intel, "--arch", "aarch64")
    expect(rc == 2 and "emulator" in err and "aarch64" in err, "no emulator for an arch: %d %s"
           % (rc, err))
    return intel, other, tcg


def check_show(intel):
    rc, out, _ = run("bundle", "show", intel)
    expect(rc == 0 and re.search(r"/usr/bin/qemu-system-x86_64  QEMU 7\.2\.\d+ \(x86_64\)", out)
           and "emulators: 2" in out, "bundle show: %d %s" % (rc, out))
    rc, out, _ = run("bundle", "show", "--format", "json", intel)
    doc = json.loads(out) if rc == 0 else {}
    expect([e.get("qemuVersion", "")[:4] for e in doc.get("emulators", [])] == ["7.2.", "7.2."],
           "bundle show json: %s" % out)


def check_verdicts(intel, tcg):
    dom = os.path.join(data, "domains")
    rc, out, _ = run("check", "--bundle", intel, os.path.join(dom, "cpu-host-model-kvm.xml"))
    expect(rc == 0, "host-model on the Intel KVM bundle: %d %s" % (rc, out))
    rc, out, _ = run("check", "--bundle", tcg, os.path.join(dom, "cpu-host-model-kvm.xml"))
    expect(rc == 1 and "domain-type" in out, "a KVM domain on a TCG-only bundle: %d %s"
           % (rc, out))


# ---- damaged and hostile bundles ----------------------------------------------------------

def archive(entries, magic=b"domcaps-bundle 1\n", end=b"end\n"):
    out = io.BytesIO()
    out.write(magic)
    for typ, path, data_, mode in entries:
        out.write(b"%s %d %o %s\n" % (typ.encode(), len(data_), mode, path.encode()))
        out.write(data_ + b"\n")
    out.write(end)
    return out.getvalue()


def manifest(extra=None):
    m = {"format": "domcaps-bundle", "version": 1, "emulators": [
        {"path": "/usr/bin/qemu-system-x86_64", "recording": "qmp/x.replies"}]}
    m.update(extra or {})
    return ("f", "manifest.json", json.dumps(m).encode(), 0o644)


def hostile_bundles(good):
    rec = open(os.path.join(replies, "qemu-7.2-x86_64.replies"), "rb").read()
    base = [manifest(), ("f", "qmp/x.replies", rec, 0o644), ("d", "root", b"", 0o755)]
    raw = gzip.decompress(open(good, "rb").read())
    cases = {
        "truncated": open(good, "rb").read()[:-100],
        "flipped": bytearray(open(good, "rb").read()),
        "not-gzip": b"<domainCapabilities/>\n",
        "empty": b"",
        "garbage-in-gzip": gzip.compress(b"hello world\n"),
        "newer-version": gzip.compress(raw.replace(b"domcaps-bundle 1\n", b"domcaps-bundle 9\n",
                                                   1)),
        "trailing-data": open(good, "rb").read() + b"junk",
        "two-members": open(good, "rb").read() + gzip.compress(b"x"),
        "no-end": gzip.compress(archive(base, end=b"")),
        "dotdot": gzip.compress(archive(base + [("f", "root/../../escape", b"x", 0o644)])),
        "absolute": gzip.compress(archive(base + [("f", "/etc/escape", b"x", 0o644)])),
        "under-symlink": gzip.compress(archive(base + [
            ("l", "root/link", b"/tmp", 0o755), ("f", "root/link/escape", b"x", 0o644)])),
        "duplicate": gzip.compress(archive(base + [("f", "root/a", b"x", 0o644),
                                                   ("f", "root/a", b"y", 0o644)])),
        "huge-sparse": gzip.compress(archive(base + [("s", "root/img", b"99999999999999", 0o644)])),
        "bad-length": gzip.compress(raw.replace(b"f ", b"f 99999999999999999999 ", 1)),
        "negative-length": gzip.compress(raw.replace(b"f ", b"f -5 ", 1)),
        "setuid-mode": gzip.compress(archive(base + [("f", "root/a", b"x", 0o4755)])),
        "no-manifest": gzip.compress(archive(base[1:])),
        "foreign-manifest": gzip.compress(archive([manifest({"format": "other"})] + base[1:])),
        "manifest-not-json": gzip.compress(archive([("f", "manifest.json", b"{", 0o644)] +
                                                   base[1:])),
        "missing-recording": gzip.compress(archive([base[0], base[2]])),
        "no-root": gzip.compress(archive(base[:2])),
        "bomb": gzip.compress(b"domcaps-bundle 1\n" + b"\0" * (520 << 20), compresslevel=1),
        "control-char-path": gzip.compress(archive(base + [("f", "root/a\x01b", b"x", 0o644)])),
    }
    cases["flipped"][len(cases["flipped"]) // 2] ^= 0xff
    cases["flipped"] = bytes(cases["flipped"])
    outside = os.path.join(work, "escape")
    for name, content in cases.items():
        path = os.path.join(work, "hostile-%s.bundle" % name)
        with open(path, "wb") as f:
            f.write(content)
        for cmd in (["probe", "--bundle", path], ["host", "--bundle", path],
                    ["bundle", "show", path]):
            rc, out, err = run(*cmd)
            expect(rc == 2 and path in err and "Traceback" not in err and "Sanitizer" not in err,
                   "%s %s: exit %d, stderr %s" % (name, cmd[0], rc, err.strip()[:300]))
        expect(not os.path.exists(outside) and not os.path.exists("/etc/escape"),
               "%s wrote outside its directory" % name)
    # nothing unpacked stays behind
    left = glob.glob(os.path.join(work, "domcaps-bundle-*"))
    expect(not left, "unpacked bundles left behind: %s" % left)


def atomic_writes(good):
    rc, _, err = run("bundle", "create", "-o", os.path.join(work, "nodir", "x.bundle"),
                     "--sysroot", os.path.join(roots, "debian12-tcg"), "--emulator",
                     "/usr/bin/qemu-system-x86_64", "--replay",
                     os.path.join(replies, "qemu-7.2-x86_64.replies"))
    expect(rc == 2 and "x.bundle" in err, "bundle create into a missing directory: %d %s"
           % (rc, err))
    # a failed capture (a recording that is not one) leaves the old bundle as it was
    keep = os.path.join(work, "keep.bundle")
    shutil.copy(good, keep)
    before = open(keep, "rb").read()
    bad = os.path.join(work, "bad.replies")
    with open(bad, "w") as f:
        f.write("not a recording\n")
    rc, _, err = run("bundle", "create", "-o", keep, "--sysroot",
                     os.path.join(roots, "debian12-tcg"), "--emulator",
                     "/usr/bin/qemu-system-x86_64", "--replay", bad)
    expect(rc != 0 and open(keep, "rb").read() == before, "a failed capture changed the bundle")
    expect(not [f for f in os.listdir(work) if f.startswith("keep.bundle.")],
           "temporary files left next to the bundle")
    for args, what in ((["bundle", "create"], "no -o"),
                       (["bundle", "create", "-o", keep, "--replay", bad], "--replay alone"),
                       (["bundle", "frob"], "unknown action"),
                       (["bundle", "show"], "no file"),
                       (["host", "--bundle", good, "--sysroot", "/"], "--bundle with --sysroot"),
                       (["check", "--bundle", good, "--bundle", good, "x.xml"], "two bundles")):
        rc, _, err = run(*args)
        expect(rc == 2 and err.startswith("domcaps: "), "%s: exit %d %s" % (what, rc, err))


# ---- placement ---------------------------------------------------------------------------

def aarch64_host():
    """A TCG-only aarch64 host: a captured root saying so, and the aarch64 recording."""
    root = os.path.join(work, "arm-root")
    shutil.copytree(os.path.join(roots, "debian12-tcg"), root, symlinks=True)
    with open(os.path.join(root, "proc", "sys", "kernel", "arch"), "w") as f:
        f.write("aarch64\n")
    out = os.path.join(work, "pool", "arm.bundle")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    rc, _, err = run("bundle", "create", "-o", out, "--sysroot", root, "--emulator",
                     "/usr/bin/qemu-system-aarch64", "--replay",
                     os.path.join(replies, "qemu-7.2-aarch64.replies"))
    expect(rc == 0, "aarch64 bundle: %s" % err)
    return out


def placement(intel, other, tcg):
    pool = os.path.join(work, "pool")
    arm = aarch64_host()
    shutil.copy(intel, os.path.join(pool, "intel.bundle"))
    shutil.copy(tcg, os.path.join(pool, "tcg.bundle"))
    dom = os.path.join(data, "domains")
    kvm_dom = os.path.join(dom, "cpu-host-model-kvm.xml")
    arm_dom = os.path.join(data, "libvirt-agreement", "domains", "aarch64-virt-7.2-qemu-minimal.xml")
    doms = [kvm_dom, arm_dom]
    rc, out, err = run("place", "--bundle-dir", pool, *doms)
    expect(rc == 0, "place: exit %d %s %s" % (rc, out, err))
    expect(re.search(r"cpu-host-model-kvm.xml: runs on intel\n", out) is not None,
           "a KVM domain runs on the KVM host only: %s" % out)
    expect("not tcg:" in out and "not arm:" in out, "refusals named: %s" % out)
    rc, out, _ = run("place", "--bundle-dir", pool, "--format", "json", *doms)
    doc = json.loads(out)
    runs = {d["file"]: d["runsOn"] for d in doc["domains"]}
    expect(runs.get(kvm_dom) == ["intel"], "json runsOn: %s" % runs)
    expect(all(r["rule"] and r["message"] for d in doc["domains"] for r in d["refusedBy"]),
           "json refusals carry the first error")
    rc, out, _ = run("place", "--bundle", tcg, "--format", "junit", kvm_dom)
    expect(rc == 1 and "<failure" in out and "<testcase" in out,
           "junit for a domain with no host: %d %s" % (rc, out))
    # an empty pool, a broken domain, a bad bundle
    empty = os.path.join(work, "empty-pool")
    os.makedirs(empty)
    rc, _, err = run("place", "--bundle-dir", empty, kvm_dom)
    expect(rc == 2 and "empty" in err, "empty pool: %d %s" % (rc, err))
    bad = os.path.join(work, "bad.xml")
    with open(bad, "w") as f:
        f.write("<domain")
    rc, out, _ = run("place", "--bundle", intel, bad, kvm_dom)
    expect(rc == 2 and "cannot be judged" in out, "a broken domain: %d %s" % (rc, out))
    rc, _, err = run("place", "--bundle", os.path.join(work, "hostile-truncated.bundle"), kvm_dom)
    expect(rc == 2 and "truncated" in err, "a damaged bundle in the pool: %d %s" % (rc, err))
    # place says per host what check --bundle says
    for b in (intel, tcg, arm):
        for d in doms:
            crc, _, _ = run("check", "--bundle", b, d)
            prc, out, _ = run("place", "--bundle", b, d)
            expect((crc == 0) == (prc == 0), "place and check disagree on %s %s" % (b, d))


def baseline(intel, other, tcg):
    """The CLI over the pool baseline (its property over the corpus is the baseline suite's)."""
    pool = os.path.join(work, "pool")
    base, host = os.path.join(work, "base.xml"), os.path.join(work, "base-host.xml")
    rc, out, err = run("baseline", "--bundle", intel, "--bundle", other, "--machine", "q35",
                       "--host-report", host)
    expect(rc == 0 and "<domainCapabilities>" in out and os.path.exists(host),
           "baseline: %d %s" % (rc, err))
    with open(base, "w") as f:
        f.write(out)
    rc2, out2, _ = run("baseline", "--bundle", other, "--bundle", intel, "--machine", "q35")
    expect(out2 == out, "the order of the bundles changes the baseline")
    rc, out, _ = run("baseline", "--bundle", intel, "--bundle", other, "--machine", "q35",
                     "--format", "json")
    expect(rc == 0 and json.loads(out)["schemaVersion"] == 1, "baseline --format json")
    # a domain the baseline passes runs on both hosts
    dom = os.path.join(data, "domains")
    for d in sorted(glob.glob(os.path.join(dom, "*q35*.xml")))[:12]:
        rc, _, _ = run("check", "--caps", base, "--host", host, d)
        if rc == 0:
            for b in (intel, other):
                brc, out, _ = run("check", "--bundle", b, d)
                expect(brc == 0, "%s passes the baseline, not %s: %s" % (d, b, out))
    # mixed arches, an empty pool, a damaged bundle, a machine one host lacks
    for args, what in ((["--bundle-dir", pool], "mixed arches"),
                       (["--bundle-dir", os.path.join(work, "empty-pool")], "empty pool"),
                       (["--bundle", os.path.join(work, "hostile-truncated.bundle")], "damaged"),
                       (["--bundle", intel, "--machine", "nosuch"], "unknown machine")):
        rc, _, err = run("baseline", *args)
        expect(rc == 2 and err.startswith("domcaps: "), "baseline, %s: %d %s" % (what, rc, err))


def integrations(intel):
    """labels, metrics and the Ansible facts of a bundle are those of its root and recordings."""
    parts = ["--sysroot", os.path.join(roots, "intel-nested-kvm"),
             "--emulator", "/usr/bin/qemu-system-x86_64",
             "--replay", os.path.join(replies, "qemu-7.2-x86_64-intel.replies"),
             "--emulator", "/usr/bin/qemu-system-i386",
             "--replay", os.path.join(replies, "qemu-7.2-i386-intel.replies")]
    a = run("labels", *parts[:6])
    b = run("labels", "--bundle", intel)
    expect(a[0] == b[0] == 0 and a[1] == b[1] and "cpu-model.node.kubevirt.io/" in b[1],
           "labels --bundle: exit %d/%d, %s" % (a[0], b[0], b[2].strip()[:300]))
    stable = re.compile(r"duration|timestamp|_age_|build_info")
    a = run("metrics", "--output", "-", *parts)
    b = run("metrics", "--output", "-", "--bundle", intel)
    keep = lambda t: [l for l in t.splitlines() if not stable.search(l)]
    expect(a[0] == b[0] == 0 and keep(a[1]) == keep(b[1]) and "domcaps_emulator_info" in b[1],
           "metrics --bundle: exit %d/%d, %s" % (a[0], b[0], b[2].strip()[:300]))
    rc, out, err = run("host", "--format", "ansible", "--bundle", intel)
    doc = json.loads(out) if rc == 0 else {}
    expect(rc == 0 and [e["path"] for e in doc.get("emulators", [])] ==
           ["/usr/bin/qemu-system-i386", "/usr/bin/qemu-system-x86_64"] or
           [e["path"] for e in doc.get("emulators", [])] ==
           ["/usr/bin/qemu-system-x86_64", "/usr/bin/qemu-system-i386"],
           "host --format ansible --bundle: %d %s" % (rc, err.strip()[:300]))


def recorded():
    intel, other, tcg = recorded_hosts()
    integrations(intel)
    check_show(intel)
    check_verdicts(intel, tcg)
    hostile_bundles(tcg)
    atomic_writes(tcg)
    placement(intel, other, tcg)
    baseline(intel, other, tcg)


# ---- this host ---------------------------------------------------------------------------

def mask_free(text):
    return re.sub(r"(free='|\"free\": |\"freeKiB\": )\d+", r"\1*", text)


def live():
    emulators = sorted(set(os.path.basename(p) for d in os.environ.get("PATH", "").split(":")
                           if d.startswith("/") for p in glob.glob(os.path.join(d, "qemu-system-*"))))
    if not emulators:
        print("SKIP: no qemu-system-* in PATH")
        sys.exit(77)
    b = os.path.join(work, "this.bundle")
    rc, _, err = run("bundle", "create", "-o", b)
    expect(rc == 0, "bundle create: exit %d %s" % (rc, err))
    expect("warning" not in err, "bundle create warned: %s" % err)
    size = os.path.getsize(b)
    print("bundle of this host: %d bytes, %d emulators in PATH" % (size, len(emulators)))
    expect(size < 5 << 20, "the bundle is %d bytes" % size)
    rc, out, _ = run("bundle", "show", "--format", "json", b)
    paths = [e["path"] for e in json.loads(out)["emulators"]]
    for path in paths:
        for fmt in ("xml", "json"):
            a = run("probe", "--emulator", path, "--format", fmt)
            z = run("probe", "--bundle", b, "--emulator", path, "--format", fmt)
            expect(a[0] == z[0] and a[1] == z[1], "probe %s %s: live exit %d, bundle %d, %s" %
                   (path, fmt, a[0], z[0], "same" if a[1] == z[1] else "different"))
    for fmt in ("xml", "json"):
        a, z = run("host", "--format", fmt), run("host", "--bundle", b, "--format", fmt)
        expect(a[0] == z[0] == 0 and mask_free(a[1]) == mask_free(z[1]),
               "host %s: live and bundle differ" % fmt)
    doms = sorted(glob.glob(os.path.join(data, "domains", "*.xml")))
    doms += sorted(glob.glob(os.path.join(data, "libvirt-agreement", "domains", "*.xml")))
    a = run("check", "--format", "json", *doms)
    z = run("check", "--format", "json", "--bundle", b, *doms)

    def verdicts(doc):
        files = json.loads(doc)["files"]
        return {f["file"]: (f["inputError"], sorted((x["rule"], x["message"]) for x in f["findings"]
                                                     if x["severity"] == "error" and
                                                     x["rule"] not in ("host-path",
                                                                       "host-endpoint")))
                for f in files}
    va, vz = verdicts(a[1]), verdicts(z[1])
    differ = [f for f in va if va[f] != vz.get(f)]
    expect(not differ, "check verdicts differ on %d domains, e.g. %s" % (len(differ), differ[:3]))
    print("check: %d domains, same verdicts live and from the bundle" % len(va))


try:
    recorded() if part == "recorded" else live()
finally:
    shutil.rmtree(work, ignore_errors=True)
for f in failures:
    print("FAIL:", f)
print("%d failures" % len(failures))
sys.exit(1 if failures else 0)
