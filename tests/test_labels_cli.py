#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""`domcaps labels` from the command line: the two formats, the feature file
written into --output-dir, its errors, the live host, and the Kubernetes
manifest in contrib/kubernetes (parsed with python3-yaml).

Usage: test_labels_cli.py DOMCAPS SOURCE_ROOT
"""
import datetime
import os
import re
import subprocess
import sys
import tempfile

DOMCAPS, SRC = sys.argv[1], sys.argv[2]
DATA = os.path.join(SRC, "tests", "data")
REPLAY = ["--replay", os.path.join(DATA, "replies", "qemu-7.2-x86_64-intel.replies"),
          "--sysroot", os.path.join(DATA, "roots", "intel-nested-kvm"), "--no-cache"]
# A Kubernetes label: optional DNS-subdomain prefix, a name and a value of at
# most 63 of [A-Za-z0-9._-], alphanumeric at both ends (the value may be empty).
NAME = r"[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?"
PREFIX = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*"
LABEL = re.compile(r"^(%s/)?%s=(%s)?$" % (PREFIX, NAME, NAME))

passed = failed = skipped = 0


def run(*args):
    p = subprocess.run([DOMCAPS, "labels", *args], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: %s %s" % (name, detail))


def label_lines(text):
    return [l for l in text.splitlines() if l and not l.startswith("#")]


def test_kubevirt_format():
    rc, out, err = run(*REPLAY)
    check("kubevirt: exit 0", rc == 0, err)
    lines = label_lines(out)
    check("kubevirt: labels", len(lines) > 50, out[:200])
    check("kubevirt: only label lines", len(lines) == len(out.splitlines()))
    check("kubevirt: sorted by key", [l.split("=")[0] for l in lines] ==
          sorted(l.split("=")[0] for l in lines))
    bad = [l for l in lines if not LABEL.match(l)]
    check("kubevirt: valid Kubernetes labels", not bad, bad[:3])
    for want in ("machine-type.node.kubevirt.io/q35=true",
                 "cpu-timer.node.kubevirt.io/tsc-frequency=2300000000",
                 "host-model-cpu.node.kubevirt.io/core2duo=true"):
        check("kubevirt: " + want, want in lines)
    return lines


def test_nfd(kubevirt_lines):
    rc, out, err = run("--format", "nfd", *REPLAY)
    check("nfd stdout: exit 0", rc == 0, err)
    check("nfd stdout: same labels", label_lines(out) == kubevirt_lines)
    m = re.search(r"^# \+expiry-time=(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)$", out, re.M)
    check("nfd stdout: expiry header", m, out[:300])
    if m:
        when = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc)
        ahead = (when - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
        check("nfd stdout: expires in an hour", 3500 < ahead <= 3600, ahead)
    rc, out, _ = run("--format", "nfd", "--expiry", "0", *REPLAY)
    check("nfd --expiry 0: no expiry", rc == 0 and "expiry-time" not in out)
    rc, _, err = run("--format", "nfd", "--expiry", "-5", *REPLAY)
    check("nfd --expiry -5: usage error", rc == 2 and "--expiry" in err, err)

    with tempfile.TemporaryDirectory() as d:
        rc, out, err = run("--format", "nfd", "--output-dir", d, *REPLAY)
        check("nfd --output-dir: exit 0, nothing printed", rc == 0 and out == "", err)
        check("nfd --output-dir: only the file", os.listdir(d) == ["domcaps"], os.listdir(d))
        with open(os.path.join(d, "domcaps")) as f:
            text = f.read()
        check("nfd --output-dir: the labels", label_lines(text) == kubevirt_lines)
        check("nfd --output-dir: under NFD's 64 KiB", len(text.encode()) <= 65536)
        # Rewritten in place: still one file, a fresh expiry.
        rc, _, err = run("--format", "nfd", "--output-dir", d, "--expiry", "0", *REPLAY)
        check("nfd rewrite", rc == 0 and os.listdir(d) == ["domcaps"], err)
        with open(os.path.join(d, "domcaps")) as f:
            check("nfd rewrite: new content", "expiry-time" not in f.read())
        missing = os.path.join(d, "missing")
        rc, _, err = run("--format", "nfd", "--output-dir", missing, *REPLAY)
        check("nfd missing dir: exit 2", rc == 2 and "cannot write into --output-dir" in err and
              "No such file or directory" in err, err)
        afile = os.path.join(d, "domcaps")
        rc, _, err = run("--format", "nfd", "--output-dir", afile, *REPLAY)
        check("nfd dir is a file: exit 2", rc == 2 and "Not a directory" in err, err)


def test_usage():
    for args, what in ((["--output-dir", "/tmp"], "--format nfd"),
                       (["--format", "xml"], "expected kubevirt or nfd"),
                       (["--machine", "q35"], "takes no --machine"),
                       (["--min-cpu", ""], "empty --min-cpu"),
                       (["extra"], "unexpected argument")):
        rc, out, err = run(*args)
        check("usage %s" % args, rc == 2 and what in err and out == "", err)
    rc, out, _ = run("--help")
    for opt in ("--format", "--output-dir", "--obsolete-cpus", "--min-cpu", "--expiry",
                "--emulator", "--replay", "--sysroot", "--cache-dir", "--no-cache"):
        check("help names " + opt, opt in out)
    check("help: no --machine", "--machine" not in out)
    rc, _, err = run("--emulator", "/no/such/qemu")
    check("missing emulator: exit 2", rc == 2 and "does not exist" in err, err)
    # An architecture KubeVirt does not label.
    rc, _, err = run("--replay", os.path.join(DATA, "replies", "qemu-7.2-ppc64.replies"),
                     "--sysroot", os.path.join(DATA, "roots", "debian12-tcg"), "--no-cache")
    check("ppc64: exit 2", rc == 2 and "does not label ppc64" in err, err)


def test_knobs():
    rc, out, _ = run("--obsolete-cpus", "", *REPLAY)
    check("--obsolete-cpus '': obsolete models labelled",
          rc == 0 and "cpu-model.node.kubevirt.io/pentium3=true" in out.splitlines())
    rc, out, _ = run("--obsolete-cpus", "pentium2,core2duo", *REPLAY)
    lines = out.splitlines()
    check("--obsolete-cpus list", rc == 0 and "cpu-model.node.kubevirt.io/pentium3=true" in lines
          and "cpu-model.node.kubevirt.io/pentium2=true" not in lines
          and "node-labeller.kubevirt.io/obsolete-host-model=true" in lines)
    rc, out, _ = run("--min-cpu", "core2duo", *REPLAY)
    check("--min-cpu drops the model's features",
          rc == 0 and "cpu-feature.node.kubevirt.io/fpu=true" not in out.splitlines()
          and "cpu-feature.node.kubevirt.io/la57=true" in out.splitlines())
    rc, _, err = run("--min-cpu", "NoSuchCPU", *REPLAY)
    check("--min-cpu unknown: exit 2", rc == 2 and "'NoSuchCPU'" in err, err)


def test_live():
    """This machine: well-formed labels, or a clear one-line reason."""
    global skipped
    rc, out, err = run("--no-cache")
    if rc != 0:
        check("live: a domcaps: message", err.startswith("domcaps: ") and rc in (2, 3), err)
        print("SKIP: live labels: %s" % err.strip())
        skipped += 1
        return
    lines = out.splitlines()
    bad = [l for l in lines if not LABEL.match(l)]
    check("live: valid labels", lines and not bad, bad[:3])
    check("live: machine types", any(l.startswith("machine-type.node.kubevirt.io/") for l in lines))
    if os.access("/dev/kvm", os.R_OK | os.W_OK) and os.uname().machine == "x86_64":
        check("live KVM: vendor and host-model",
              any(l.startswith("cpu-vendor.node.kubevirt.io/") for l in lines) and
              any(l.startswith("host-model-cpu.node.kubevirt.io/") for l in lines), out[:300])
    elif "TCG" not in err:
        check("live without KVM: says so", False, err)


def test_manifest():
    global skipped
    try:
        import yaml
    except ImportError:
        print("SKIP: the manifest check needs python3-yaml")
        skipped += 1
        return
    path = os.path.join(SRC, "contrib", "kubernetes", "domcaps-labels.yaml")
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    ds = [d for d in docs if d.get("kind") == "DaemonSet"]
    check("manifest: one DaemonSet", len(ds) == 1, [d.get("kind") for d in docs])
    if not ds:
        return
    spec = ds[0]["spec"]["template"]["spec"]
    check("manifest: selector matches", ds[0]["spec"]["selector"]["matchLabels"].items() <=
          ds[0]["spec"]["template"]["metadata"]["labels"].items())
    c = spec["containers"][0]
    script = " ".join(c.get("command", []) + c.get("args", []))
    m = re.search(r"domcaps labels --format nfd [^|]*--output-dir (\S+)", script.replace("\\\n", " "))
    check("manifest: runs domcaps labels --format nfd --output-dir", m, script)
    mounts = {v["mountPath"]: v for v in c["volumeMounts"]}
    vols = {v["name"]: v for v in spec["volumes"]}
    if m:
        out_dir = m.group(1)
        check("manifest: the output dir is NFD's features.d",
              out_dir in mounts and vols[mounts[out_dir]["name"]]["hostPath"]["path"] ==
              "/etc/kubernetes/node-feature-discovery/features.d")
    for host, ro in (("/sys", True), ("/proc", True), ("/usr/share/qemu", True),
                     ("/dev/kvm", False)):
        found = [mp for mp, v in mounts.items()
                 if vols[v["name"]].get("hostPath", {}).get("path") == host]
        check("manifest: hostPath %s" % host, found, mounts.keys())
        if ro:
            check("manifest: %s read-only" % host, all(mounts[mp].get("readOnly") for mp in found))
    # Refreshed on a timer, and the labels outlive one interval.
    check("manifest: a loop with sleep", "while" in script and "sleep" in script)
    interval = int(next(e["value"] for e in c["env"] if e["name"] == "INTERVAL"))
    em = re.search(r"--expiry \$\(\(interval \* (\d+)\)\)", script)
    check("manifest: expiry beyond the interval", em and int(em.group(1)) > 1 and interval > 0)
    check("manifest: privileged for /dev/kvm", c["securityContext"].get("privileged") is True)


kv = test_kubevirt_format()
test_nfd(kv)
test_usage()
test_knobs()
test_live()
test_manifest()
print("%d passed, %d failed%s" % (passed, failed, ", %d skipped" % skipped if skipped else ""))
sys.exit(1 if failed else 0)
