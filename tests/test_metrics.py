#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""
domcaps metrics: the exposition format, the values against what the
fixtures and this machine say themselves, and the atomic write.

  test_metrics.py DOMCAPS SOURCE_DIR            values, structure, writes (suite metrics)
  test_metrics.py DOMCAPS SOURCE_DIR --promtool every output through `promtool check
                                                metrics` (suite metrics-promtool; exits 77
                                                without promtool)

Expected values never come from domcaps: hugepage counts and IOMMU groups
are read from the captured roots' files, emulator versions and targets from
the recordings' query-version and query-target replies (live: from
`qemu-system-* --version`), CPU model usability from libvirt 9.0's documents
for the same recordings (tests/data/reference/libvirt-9.0), cache staleness
from `domcaps cache --explain`.
"""
import glob
import os
import re
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # nothing written into the source tree
from test_support import path_emulators  # noqa: E402
import time
import xml.etree.ElementTree as ET

binary, source = sys.argv[1], sys.argv[2]
promtool_mode = "--promtool" in sys.argv[3:]
data = os.path.join(source, "tests", "data")
roots = os.path.join(data, "roots")
replies = os.path.join(data, "replies")
failures = []
checked = 0

if promtool_mode:
    promtool = shutil.which("promtool")
    if not promtool:
        print("SKIP: promtool is not installed (Debian: prometheus)")
        sys.exit(77)

# The recordings, each with the path it answers for (the Intel x86_64 one on a path of its own).
RECORDINGS = [
    ("qemu-7.2-x86_64", "/usr/bin/qemu-system-x86_64"),
    ("qemu-7.2-x86_64-intel", "/opt/intel/bin/qemu-system-x86_64"),
    ("qemu-7.2-i386-intel", "/usr/bin/qemu-system-i386"),
    ("qemu-7.2-aarch64", "/usr/bin/qemu-system-aarch64"),
    ("qemu-7.2-arm", "/usr/bin/qemu-system-arm"),
    ("qemu-7.2-ppc64", "/usr/bin/qemu-system-ppc64"),
    ("qemu-7.2-s390x", "/usr/bin/qemu-system-s390x"),
    ("qemu-7.2-riscv64", "/usr/bin/qemu-system-riscv64"),
]
# libvirt's name for QEMU's targets (libvirt's virArchFromString over query-target).
LIBVIRT_ARCH = {"i386": "i686", "arm": "armv7l"}


def check(cond, what):
    global checked
    checked += 1
    if not cond:
        failures.append(what)
    return cond


def replay_args(recs):
    args = []
    for name, path in recs:
        args += ["--emulator", path, "--replay", os.path.join(replies, name + ".replies")]
    return args


def run(args, env=None, **kw):
    e = dict(os.environ, **(env or {}))
    return subprocess.run([binary] + args, capture_output=True, env=e, timeout=120, **kw)


# ---- the exposition format, parsed strictly ------------------------------------------

SAMPLE = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')


def unescape(v):
    return re.sub(r"\\(.)", lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), v)


def parse(text, what):
    """{name: [(labels dict, value)]}; every rule of the format checked on the way."""
    families, order, seen = {}, [], set()
    helps, types = {}, {}
    current = None
    if not check(text.endswith("\n"), "%s: the text does not end with a newline" % what):
        return {}
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = "%s: line %d: %r" % (what, n, line)
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            kind, name, rest = line[2:6], line.split(" ")[2], line.split(" ", 3)[3:]
            table = helps if kind == "HELP" else types
            check(name not in table, where + ": a second " + kind)
            check(name not in families, where + ": " + kind + " after the family's samples")
            table[name] = rest[0] if rest else ""
            if kind == "TYPE":
                check(rest == ["gauge"], where + ": every domcaps metric is a gauge")
            current = name
            continue
        m = SAMPLE.match(line)
        if not check(m is not None, where + ": not a sample"):
            continue
        name, labeltext, value = m.groups()
        check(name == current, where + ": not inside its family's block")
        check(name in helps and name in types, where + ": no HELP and TYPE before it")
        labels = {}
        pos = 0
        while labeltext and pos < len(labeltext):
            lm = LABEL.match(labeltext, pos)
            if not check(lm is not None, where + ": bad labels at %d" % pos):
                break
            labels[lm.group(1)] = unescape(lm.group(2))
            pos = lm.end()
        key = (name, tuple(sorted(labels.items())))
        check(key not in seen, where + ": duplicate sample")
        seen.add(key)
        check(not name.endswith("_total"), where + ": _total is for counters")
        try:
            v = float(value)
        except ValueError:
            check(False, where + ": value is not a number")
            continue
        families.setdefault(name, []).append((labels, v))
        if name not in order:
            order.append(name)
    for name in helps:
        check(name in types, "%s: %s has HELP but no TYPE" % (what, name))
    return families


def metrics_of(args, what, env=None):
    p = run(["metrics", "--output", "-"] + args, env=env)
    out = p.stdout.decode("utf-8", "strict") if p.returncode == 0 else ""
    if not check(p.returncode == 0, "%s: exit %d: %s" % (what, p.returncode, p.stderr.decode())):
        return {}, ""
    return parse(out, what), out


def value(fams, name, **labels):
    for l, v in fams.get(name, []):
        if all(l.get(k) == str(x) for k, x in labels.items()):
            return v
    return None


def promtool_check(text, what):
    p = subprocess.run([promtool, "check", "metrics"], input=text.encode(), capture_output=True,
                       timeout=60)
    check(p.returncode == 0, "%s: promtool check metrics exit %d: %s" %
          (what, p.returncode, (p.stdout + p.stderr).decode().strip()))


# ---- what the fixtures say ----------------------------------------------------------

def read(path):
    with open(path) as f:
        return f.read().strip()


def recording_facts(name):
    """(version, libvirt arch) from the recording's own replies."""
    text = read(os.path.join(replies, name + ".replies"))
    ver = re.search(r'"execute": "query-version".*?"micro": (\d+),\s*"minor": (\d+),\s*'
                    r'"major": (\d+)', text, re.S)
    target = re.search(r'"execute": "query-target".*?"arch": "([^"]+)"', text, re.S).group(1)
    return "%s.%s.%s" % (ver.group(3), ver.group(2), ver.group(1)), LIBVIRT_ARCH.get(target, target)


def fixture_hugepages(root):
    """{(node, bytes): (total, free)} from sys/devices/system/node/node*/hugepages."""
    out = {}
    for d in glob.glob(os.path.join(root, "sys/devices/system/node/node*/hugepages/hugepages-*kB")):
        node = re.search(r"/node(\d+)/", d).group(1)
        size = int(re.search(r"hugepages-(\d+)kB$", d).group(1)) * 1024
        try:
            out[(node, str(size))] = (int(read(d + "/nr_hugepages")),
                                      int(read(d + "/free_hugepages")))
        except (OSError, ValueError):
            out[(node, str(size))] = None  # a broken pool: what domcaps says of it is not judged
    return out


def fixture_groups(root):
    """{group: (devices, viable)}: viable when every non-bridge member is bound to vfio-pci or
    pci-stub or to no driver (the kernel's rule, Documentation/driver-api/vfio.rst)."""
    out = {}
    for g in glob.glob(os.path.join(root, "sys/kernel/iommu_groups/*")):
        members = os.listdir(os.path.join(g, "devices"))
        viable = True
        for m in members:
            dev = os.path.join(g, "devices", m)
            try:
                cls = int(read(os.path.join(dev, "class")), 16) >> 8
            except (OSError, ValueError):
                cls = None  # not a PCI device: an endpoint
            link = os.path.join(dev, "driver")
            driver = os.path.basename(os.readlink(link)) if os.path.islink(link) else None
            if cls != 0x0604 and driver not in (None, "vfio-pci", "pci-stub"):
                viable = False
        out[os.path.basename(g)] = (len(members), viable)
    return out


def libvirt_usable(ref):
    """{model: 0/1} from a libvirt domainCapabilities document."""
    tree = ET.parse(os.path.join(data, "reference", "libvirt-9.0", ref))
    return {m.text: int(m.get("usable") == "yes")
            for m in tree.findall("./cpu/mode[@name='custom']/model")}


# ---- the captured roots ---------------------------------------------------------------

def test_roots():
    """Every root with every recording: the format holds, nothing crashes."""
    for root in sorted(glob.glob(os.path.join(roots, "*"))) + [
            os.path.join(data, "hostile", "sysroot-garbage-coreid")]:
        what = "metrics over %s" % os.path.relpath(root, data)
        fams, text = metrics_of(["--sysroot", root] + replay_args(RECORDINGS), what)
        if promtool_mode:
            promtool_check(text, what)
            continue
        for name, path in RECORDINGS:
            version, arch = recording_facts(name)
            check(value(fams, "domcaps_emulator_info", path=path, arch=arch, version=version) == 1,
                  "%s: no domcaps_emulator_info for %s (%s, %s)" % (what, path, arch, version))
            check(value(fams, "domcaps_emulator_probe_success", path=path) == 1,
                  "%s: %s not replayed" % (what, path))
        check("domcaps_cache_entry_stale" not in fams, what + ": a replay has no cache entry")
        kvm = os.path.exists(os.path.join(root, "dev/kvm"))
        if not kvm:
            check(value(fams, "domcaps_kvm_usable", reason="/dev/kvm does not exist") == 0,
                  what + ": no /dev/kvm, yet %r" % fams.get("domcaps_kvm_usable"))
        huge = fixture_hugepages(root)
        for (node, size), pool in huge.items():
            if pool is None:
                continue
            total, free = pool
            check(value(fams, "domcaps_hugepages", node=node, page_size_bytes=size) == total,
                  "%s: node %s %s-byte pages: %r, the files say %d" %
                  (what, node, size, value(fams, "domcaps_hugepages", node=node,
                                           page_size_bytes=size), total))
            check(value(fams, "domcaps_hugepages_free", node=node, page_size_bytes=size) == free,
                  "%s: node %s %s-byte free pages differ from the files (%d)" %
                  (what, node, size, free))
        if glob.glob(os.path.join(root, "sys/devices/system/node/node*")) and \
                None not in huge.values():
            check(len(fams.get("domcaps_hugepages", [])) == len(huge),
                  "%s: %d hugepage pools, the files have %d" %
                  (what, len(fams.get("domcaps_hugepages", [])), len(huge)))
        if os.path.isdir(os.path.join(root, "sys/bus/pci/devices")):
            groups = fixture_groups(root)
            got = {l["group"]: v for l, v in fams.get("domcaps_iommu_group_devices", [])}
            check(got == {g: n for g, (n, _) in groups.items()},
                  "%s: IOMMU groups %r, the files say %r" % (what, got, groups))
            for g, (_, viable) in groups.items():
                check(value(fams, "domcaps_iommu_group_viable", group=g) == int(viable),
                      "%s: group %s viable should be %d" % (what, g, viable))


def test_fixture_facts():
    """The numbers the fixtures are known for, spelled out."""
    if promtool_mode:
        return
    fams, _ = metrics_of(["--sysroot", os.path.join(roots, "numa2")] +
                         replay_args(RECORDINGS[:1]), "numa2")
    check(value(fams, "domcaps_hugepages", node=0, page_size_bytes=2097152) == 512 and
          value(fams, "domcaps_hugepages_free", node=0, page_size_bytes=2097152) == 500 and
          value(fams, "domcaps_hugepages", node=1, page_size_bytes=2097152) == 256 and
          value(fams, "domcaps_hugepages", node=0, page_size_bytes=1073741824) == 2,
          "numa2: hugepages %r" % fams.get("domcaps_hugepages"))
    fams, _ = metrics_of(["--sysroot", os.path.join(roots, "pci-vfio")] +
                         replay_args(RECORDINGS[:1]), "pci-vfio")
    check(sorted(l["group"] for l, _ in fams.get("domcaps_iommu_group_devices", [])) ==
          ["0", "10", "11", "12", "2"], "pci-vfio: groups %r" % fams.get("domcaps_iommu_group_devices"))
    check(value(fams, "domcaps_iommu_group_viable", group=10) == 0 and
          value(fams, "domcaps_iommu_group_viable", group=2) == 1 and
          value(fams, "domcaps_iommu_group_devices", group=2) == 3,
          "pci-vfio: group 10 (ixgbe bound) is not viable, group 2 (vfio-pci) is")
    check(value(fams, "domcaps_vfio_available") == 1, "pci-vfio has groups and /dev/vfio/vfio")
    # KVM and CPU models against libvirt 9.0 on the same recordings and hosts.
    for root, virttype, ref in (("debian12-kvm", "kvm", "amd-nested-kvm/x86_64-pc-kvm.xml"),
                                ("debian12-tcg", "qemu", "tcg/x86_64-pc.xml")):
        fams, _ = metrics_of(["--sysroot", os.path.join(roots, root)] +
                             replay_args(RECORDINGS[:1]), root)
        check(value(fams, "domcaps_kvm_usable") == (1 if virttype == "kvm" else 0),
              "%s: domcaps_kvm_usable %r" % (root, fams.get("domcaps_kvm_usable")))
        want = libvirt_usable(ref)
        got = {l["model"]: v for l, v in fams.get("domcaps_cpu_model_usable", [])
               if l["virttype"] == virttype and l["arch"] == "x86_64"}
        common = set(want) & set(got)
        check(len(common) >= 0.9 * len(want),
              "%s: only %d of libvirt's %d models" % (root, len(common), len(want)))
        differ = sorted(m for m in common if want[m] != got[m])
        check(not differ, "%s %s: usable differs from libvirt 9.0 for %s" % (root, virttype, differ))
        hm = [l for l, _ in fams.get("domcaps_cpu_host_model_info", []) if l["virttype"] == virttype]
        check(len(hm) == 1 and hm[0]["vendor"] == "AMD", "%s: host-model %r" % (root, hm))
    fams, _ = metrics_of(["--sysroot", os.path.join(roots, "debian12-tcg")] +
                         replay_args(RECORDINGS[:1]), "debian12-tcg")
    check(not [l for l, _ in fams.get("domcaps_cpu_model_usable", []) if l["virttype"] == "kvm"],
          "debian12-tcg: CPU models under kvm on a host without KVM")


def test_labels_escaped():
    """Paths with quotes, backslashes, newlines and bytes that are not UTF-8."""
    weird = b'/opt/we"ird\\dir\nx/\xff\xfe/qemu-system-x86_64'
    args = [b"metrics", b"--output", b"-", b"--sysroot", os.fsencode(os.path.join(roots, "nokvm")),
            b"--emulator", weird, b"--replay",
            os.fsencode(os.path.join(replies, "qemu-7.2-x86_64.replies"))]
    p = subprocess.run([os.fsencode(binary)] + args, capture_output=True, timeout=60)
    if not check(p.returncode == 0, "escaping: exit %d: %s" % (p.returncode, p.stderr)):
        return
    text = p.stdout.decode("utf-8", "strict")
    if promtool_mode:
        promtool_check(text, "escaping")
        return
    fams = parse(text, "escaping")
    want = '/opt/we"ird\\dir\nx/\ufffd\ufffd/qemu-system-x86_64'
    check(value(fams, "domcaps_emulator_probe_success", path=want) == 1,
          "escaping: %r" % fams.get("domcaps_emulator_probe_success"))
    check('path="/opt/we\\"ird\\\\dir\\nx/\ufffd\ufffd/qemu-system-x86_64"' in text,
          "escaping: the label is not written as the format says")


def test_bad_recording(tmp):
    """A recording that is no recording: the emulator did not answer; the run still succeeds."""
    bad = os.path.join(tmp, "garbage.replies")
    with open(bad, "w") as f:
        f.write("{ not json\n")
    p = run(["metrics", "--output", "-", "--sysroot", os.path.join(roots, "debian12-tcg"),
             "--emulator", "/usr/bin/qemu-system-x86_64", "--replay", bad] +
            replay_args(RECORDINGS[3:4]))
    check(p.returncode == 0, "bad recording: exit %d" % p.returncode)
    check(b"domcaps: warning: " in p.stderr, "bad recording: no warning: %r" % p.stderr)
    text = p.stdout.decode()
    fams = parse(text, "bad recording")
    if promtool_mode:
        promtool_check(text, "bad recording")
    check(value(fams, "domcaps_emulator_probe_success", path="/usr/bin/qemu-system-x86_64") == 0
          and value(fams, "domcaps_emulator_probe_success", path="/usr/bin/qemu-system-aarch64") == 1,
          "bad recording: %r" % fams.get("domcaps_emulator_probe_success"))
    # The audit's recording with control characters and markup in every name.
    hostile = os.path.join(data, "hostile", "control-chars.replies")
    fams, text = metrics_of(["--sysroot", os.path.join(roots, "debian12-tcg"), "--emulator",
                             "/usr/bin/qemu-system-aarch64", "--replay", hostile], "hostile recording")
    if promtool_mode:
        promtool_check(text, "hostile recording")
    else:
        check(value(fams, "domcaps_emulator_probe_success", path="/usr/bin/qemu-system-aarch64") == 1,
              "hostile recording: %r" % fams.get("domcaps_emulator_probe_success"))
    for args, msg in ((["--replay", os.path.join(tmp, "missing.replies"),
                        "--emulator", "/usr/bin/qemu-system-x86_64",
                        "--sysroot", os.path.join(roots, "nokvm")], "cannot read recording"),
                      (["--replay", bad, "--emulator", "/x/qemu-system-x86_64"], "captured root")):
        p = run(["metrics", "--output", "-"] + args)
        check(p.returncode == 2 and msg.encode() in p.stderr,
              "%s: exit %d, %r" % (args, p.returncode, p.stderr))


# ---- writing the file -----------------------------------------------------------------

def no_leftovers(d, want, what):
    check(sorted(os.listdir(d)) == sorted(want), "%s: the directory holds %r" % (what, os.listdir(d)))


def fsize_zero():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


def test_writes(tmp):
    if promtool_mode:
        return
    d = os.path.join(tmp, "textfile")
    os.mkdir(d)
    out = os.path.join(d, "domcaps.prom")
    base = ["metrics", "--sysroot", os.path.join(roots, "numa2")] + replay_args(RECORDINGS[:1])
    p = run(base + ["--output", out])
    check(p.returncode == 0 and p.stdout == b"", "write: exit %d, stdout %r" % (p.returncode, p.stdout))
    no_leftovers(d, ["domcaps.prom"], "write")
    st = os.stat(out)
    check(stat.S_IMODE(st.st_mode) == 0o644, "write: mode %o (the collector must read it)" % st.st_mode)
    with open(out) as f:
        first = f.read()
    check(parse(first, "written file").get("domcaps_hugepages"), "write: the file lacks hugepages")
    # Replaced in one rename: another inode, never the old one rewritten in place.
    p = run(base + ["--output", out])
    check(p.returncode == 0 and os.stat(out).st_ino != st.st_ino, "rewrite: not a new file")
    no_leftovers(d, ["domcaps.prom"], "rewrite")
    # A write that fails (no byte may be written) leaves the old file as it was.
    with open(out, "w") as f:
        f.write("old\n")
    p = run(base + ["--output", out], preexec_fn=fsize_zero)
    check(p.returncode == 2 and b"cannot write metrics file" in p.stderr,
          "failed write: exit %d, %r" % (p.returncode, p.stderr))
    check(read(out) == "old", "failed write: the old file changed")
    no_leftovers(d, ["domcaps.prom"], "failed write")
    # Paths that cannot be written: exit 2 before anything runs.
    for bad in (os.path.join(tmp, "no-such-dir", "x.prom"), d):
        p = run(base + ["--output", bad])
        check(p.returncode == 2 and p.stderr.startswith(b"domcaps: cannot write metrics file"),
              "--output %s: exit %d, %r" % (bad, p.returncode, p.stderr))
    no_leftovers(tmp, ["textfile", "garbage.replies"], "bad --output")


# ---- this machine -----------------------------------------------------------------------

def test_live(tmp):
    emus = path_emulators()
    if not emus:
        print("SKIP (live part): no qemu-system-* in PATH")
        return
    cache = os.path.join(tmp, "cache")
    env = {"DOMCAPS_CACHE_DIR": cache}
    t0 = time.time()
    fams, text = metrics_of([], "live, cold cache", env)
    t1 = time.time()
    if promtool_mode:
        promtool_check(text, "live, cold cache")
        fams, text = metrics_of([], "live, warm cache", env)
        promtool_check(text, "live, warm cache")
        return
    ts = value(fams, "domcaps_last_run_timestamp_seconds")
    check(ts is not None and t0 - 1 <= ts <= t1 + 1, "live: timestamp %r not in [%f, %f]" % (ts, t0, t1))
    version = run(["--version"]).stdout.decode().split()[-1]
    check(value(fams, "domcaps_build_info", version=version) == 1, "live: build_info")
    got = sorted(l["path"] for l, _ in fams.get("domcaps_emulator_probe_success", []))
    check(set(emus) <= set(got), "live: emulators %r, PATH has %r" % (got, emus))
    for e in emus:
        p = subprocess.run([e, "--version"], capture_output=True, text=True, timeout=30)
        m = re.search(r"version (\d+\.\d+\.\d+)", p.stdout)
        if m:
            check(value(fams, "domcaps_emulator_info", path=e, version=m.group(1)) == 1,
                  "live: %s says version %s" % (e, m.group(1)))
    check("domcaps_cache_entry_stale" not in fams, "live: a cold cache has no entries to judge")
    kvm = os.path.exists("/dev/kvm") and stat.S_ISCHR(os.stat("/dev/kvm").st_mode) and \
        os.access("/dev/kvm", os.R_OK | os.W_OK)
    check(value(fams, "domcaps_kvm_usable") == int(kvm), "live: KVM usable should be %d" % kvm)
    groups = glob.glob("/sys/kernel/iommu_groups/*")
    check(len(fams.get("domcaps_iommu_group_devices", [])) == len(groups),
          "live: %d IOMMU groups, sysfs has %d" % (len(fams.get("domcaps_iommu_group_devices", [])),
                                                   len(groups)))
    for (node, size), pool in fixture_hugepages("/").items():
        check(pool and value(fams, "domcaps_hugepages", node=node, page_size_bytes=size) == pool[0],
              "live: node %s hugepages of %s bytes" % (node, size))
    if kvm:
        check(any(l["virttype"] == "kvm" for l, _ in fams.get("domcaps_cpu_model_usable", [])),
              "live: KVM usable, yet no CPU model under kvm")
    # Warm: every entry held; its age is since the cold run wrote it.
    fams, _ = metrics_of([], "live, warm cache", env)
    for e in emus:
        check(value(fams, "domcaps_cache_entry_stale", path=e) == 0, "live: %s entry stale" % e)
        age = value(fams, "domcaps_cache_entry_age_seconds", path=e)
        check(age is not None and 0 <= age <= time.time() - t0 + 1, "live: %s entry age %r" % (e, age))
    test_live_cache(tmp, emus, env)


def test_live_cache(tmp, emus, env):
    """A stale entry (the binary changed) and an old one, judged as cache --explain does."""
    native = [e for e in emus if e.endswith("/qemu-system-x86_64")] or emus
    # QEMU finds its modules and data relative to its own directory: a copy in
    # PREFIX/bin next to PREFIX/lib and PREFIX/share as the real one has them.
    real = os.path.realpath(native[0])
    prefix = os.path.join(tmp, "prefix")
    copy = os.path.join(prefix, "bin", os.path.basename(native[0]))
    os.makedirs(os.path.dirname(copy))
    for sub in ("lib", "share", "libexec"):
        os.symlink(os.path.join(os.path.dirname(os.path.dirname(real)), sub),
                   os.path.join(prefix, sub))
    shutil.copy2(real, copy)
    args = ["--emulator", copy]
    metrics_of(args, "copy, cold", env)
    entries = glob.glob(os.path.join(env["DOMCAPS_CACHE_DIR"], os.path.basename(copy) + "-*.caps"))
    entries = [x for x in entries if os.stat(x).st_mtime >= time.time() - 60]
    if not check(entries, "cache: no entry for %s" % copy):
        return
    newest = max(entries, key=os.path.getmtime)
    os.utime(newest, (time.time() - 3600, time.time() - 3600))
    fams, _ = metrics_of(args, "copy, aged", env)
    age = value(fams, "domcaps_cache_entry_age_seconds", path=copy)
    check(age is not None and 3600 <= age <= 3660, "cache: age %r, the entry is an hour old" % age)
    check(value(fams, "domcaps_cache_entry_stale", path=copy) == 0, "cache: an old entry still holds")
    st = os.stat(copy)
    os.utime(copy, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    explain = run(["cache", "--explain", "--emulator", copy], env=env).stdout.decode()
    check("status: stale" in explain, "cache --explain should call it stale: %s" % explain)
    fams, _ = metrics_of(args, "copy, touched", env)
    check(value(fams, "domcaps_cache_entry_stale", path=copy) == 1,
          "cache: the binary's mtime changed, yet stale is %r" %
          value(fams, "domcaps_cache_entry_stale", path=copy))
    fams, _ = metrics_of(args, "copy, re-probed", env)
    check(value(fams, "domcaps_cache_entry_stale", path=copy) == 0, "cache: not rewritten")
    # A damaged entry is stale too (it is discarded and re-probed, with a warning).
    newest = max(glob.glob(os.path.join(env["DOMCAPS_CACHE_DIR"], os.path.basename(copy) + "-*.caps")),
                 key=os.path.getmtime)
    with open(newest, "r+b") as f:
        f.seek(40)
        c = f.read(1)
        f.seek(40)
        f.write(b"x" if c != b"x" else b"y")
    p = run(["metrics", "--output", "-"] + args, env=env)
    fams = parse(p.stdout.decode(), "copy, corrupt")
    check(value(fams, "domcaps_cache_entry_stale", path=copy) == 1 and b"warning" in p.stderr,
          "cache: a corrupt entry: %r, %r" % (fams.get("domcaps_cache_entry_stale"), p.stderr))


with tempfile.TemporaryDirectory(prefix="domcaps-metrics-") as tmp:
    test_roots()
    test_fixture_facts()
    test_labels_escaped()
    test_bad_recording(tmp)
    test_writes(tmp)
    test_live(tmp)

for f in failures:
    print("FAIL: " + f)
print("%d checks, %d failed" % (checked, len(failures)))
sys.exit(1 if failures else 0)
