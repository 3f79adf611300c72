#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes the domain corpus of tests/data/libvirt-agreement/domains/.

Each domain is small, boots nothing and tests one thing: a base domain for
its target (arch, machine, virttype) with one change.  The classes below are
tables or functions, one per subject; every class has domains libvirt is
expected to accept and ones it is expected to refuse, on the arches where
the subject applies.  The verdicts are recorded, not predicted here: see
tests/capture/libvirt-verdicts.sh.

File names are <arch>-<machine>-<virttype>-<case>.xml, domain names
dcl-<the same>.  A comment at the top of each file names its class and
what it tests; "mark:" there flags a verdict that depends on timing or on
an X display.

Usage: tests/capture/gen-agreement-corpus.py [OUTDIR]
  (default: tests/data/libvirt-agreement/domains; stale *.xml there are removed)
"""
import os
import re
import sys
import xml.dom.minidom

S = "/tmp/domcaps-lv"        # scratch files, made by libvirt-verdicts.sh

# Targets: key -> (arch, machine, virttype)
T = {
    "pk": ("x86_64", "pc", "kvm"), "pq": ("x86_64", "pc", "qemu"),
    "qk": ("x86_64", "q35", "kvm"), "qq": ("x86_64", "q35", "qemu"),
    "ipk": ("i686", "pc", "kvm"), "ipq": ("i686", "pc", "qemu"),
    "iqk": ("i686", "q35", "kvm"), "iqq": ("i686", "q35", "qemu"),
    "aa": ("aarch64", "virt", "qemu"), "arm": ("armv7l", "virt", "qemu"),
    "ppc": ("ppc64", "pseries", "qemu"), "s390": ("s390x", "s390-ccw-virtio", "qemu"),
    "rv": ("riscv64", "virt", "qemu"),
}
X86 = ["pk", "pq", "qk", "qq"]
NONX86 = ["aa", "arm", "ppc", "s390", "rv"]
ALL = X86 + ["ipk", "iqq"] + NONX86

EMULATOR = {"i686": "/usr/bin/qemu-system-i386", "armv7l": "/usr/bin/qemu-system-arm"}
MEM = {"ppc64": 524288, "ppc64le": 524288, "s390x": 262144, "riscv64": 262144, "aarch64": 262144}


def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def disk(dev="vda", bus="virtio", device="disk", src=S + "/disk.qcow2", fmt="qcow2",
         driver="", extra="", dtype="file", srcxml=None):
    if srcxml is None:
        srcxml = "<source file='%s'/>" % src if src else ""
        if dtype == "block" and src:
            srcxml = "<source dev='%s'/>" % src
    ro = "<readonly/>" if device == "cdrom" and "<readonly" not in extra else ""
    return ("<disk type='%s' device='%s'><driver name='qemu' type='%s'%s/>%s"
            "<target dev='%s' bus='%s'/>%s%s</disk>" %
            (dtype, device, fmt, driver, srcxml, dev, bus, ro, extra))


def cdrom(dev="sda", bus="sata", extra=""):
    return disk(dev, bus, "cdrom", S + "/cd.iso", "raw", extra=extra)


def floppy(dev="fda", bus="fdc"):
    return disk(dev, bus, "floppy", S + "/floppy.img", "raw")


def nic(model="virtio", itype="user", extra=""):
    m = "<model type='%s'/>" % model if model else ""
    return "<interface type='%s'>%s%s</interface>" % (itype, extra, m)


VNC = "<graphics type='vnc' autoport='yes' listen='127.0.0.1'/>"
SPICE = "<graphics type='spice' autoport='yes' listen='127.0.0.1'/>"
PTY = "<console type='pty'/>"
DEFAULT = object()
CASES = {}


def base_cpu(arch):
    if arch == "aarch64":
        return "<cpu mode='custom' match='exact' check='none'><model fallback='forbid'>cortex-a57</model></cpu>"
    return ""


def add(key, case, cls, what, *, mem=None, cur_mem=None, vcpu="<vcpu>1</vcpu>", os_attrs="",
        os_in="", features=DEFAULT, cpu=DEFAULT, clock="", top="", devs=DEFAULT, more="",
        disk0=DEFAULT, display=DEFAULT, emulator=DEFAULT, machine=None, dtype=None,
        arch=None, ostype="hvm", mark=None, lifecycle=DEFAULT, raw_body=None):
    """One domain: target `key` (a T key or an (arch, machine, virttype) tuple)
    with the given parts replaced (mem, vcpu, features, cpu, disk0, display,
    devs, emulator...) or added (os_attrs, os_in, clock, top, more)."""
    a, m, vt = T[key] if key in T else key
    m = machine or m
    a = arch or a
    vt = dtype or vt
    x86 = a in ("x86_64", "i686")
    fname = "%s-%s-%s-%s" % (a, m, vt, case)
    assert fname not in CASES, fname
    assert re.fullmatch(r"[A-Za-z0-9_.-]+", fname), fname
    if mem is None:
        mem = MEM.get(a, 131072)
    if isinstance(mem, int):
        mem = "<memory unit='KiB'>%d</memory>" % mem
    if cur_mem is not None:
        mem += "<currentMemory unit='KiB'>%d</currentMemory>" % cur_mem
    if features is DEFAULT:
        features = "<acpi/><apic/>" if x86 else ""
    if cpu is DEFAULT:
        cpu = base_cpu(a)
    if emulator is DEFAULT:
        emulator = EMULATOR.get(a)
    if disk0 is DEFAULT:
        disk0 = disk()
    if display is DEFAULT:
        display = VNC + "<video><model type='vga'/></video>" if x86 else PTY
    if devs is DEFAULT:
        devs = [disk0 or "", display or ""]
    if lifecycle is DEFAULT:
        lifecycle = "<on_reboot>destroy</on_reboot>"
    head = "<!-- class: %s; tests: %s%s -->\n" % (cls, xml_escape(what).replace("--", "- -"),
                                                   "; mark: " + mark if mark else "")
    if raw_body is not None:
        body = raw_body
    else:
        parts = ["<domain type='%s'>" % vt, "<name>dcl-%s</name>" % fname, mem, vcpu]
        parts.append("<os%s><type arch='%s' machine='%s'>%s</type>%s</os>" %
                     (os_attrs, a, m, ostype, os_in))
        if features:
            parts.append("<features>%s</features>" % features)
        parts += [cpu, clock, top, lifecycle]
        dl = [d for d in devs if d]
        if more:
            dl.append(more)
        if emulator:
            dl.insert(0, "<emulator>%s</emulator>" % emulator)
        parts.append("<devices>%s</devices>" % "".join(dl))
        parts.append("</domain>")
        body = pretty("".join(p for p in parts if p))
    CASES[fname] = (cls, head + body)
    return fname


def pretty(s):
    """One element per line, two-space indent (the parts are written without newlines)."""
    doc = xml.dom.minidom.parseString(s)
    out = doc.documentElement.toprettyxml(indent="  ")
    return "\n".join(l for l in out.splitlines() if l.strip()) + "\n"


# ---------------------------------------------------------------- machines
def machines():
    c = "machine"
    for k in ALL + ["ipq", "iqk"]:
        add(k, "minimal", c, "the base domain of this target")
    for k in ["pk", "qq", "ipk"]:
        canon = {"pc": "pc-i440fx-7.2", "q35": "pc-q35-7.2"}[T[k][1]]
        add(k, "canonical", c, "the machine's versioned name", machine=canon)
    isa = dict(disk0=disk("hda", "ide"), display=VNC + "<video><model type='cirrus'/></video>", features="")
    none = "<controller type='usb' model='none'/><memballoon model='none'/>"
    add(("x86_64", "pc-i440fx-5.2", "kvm"), "minimal", c, "an older pc machine version")
    add(("x86_64", "pc-q35-6.2", "qemu"), "minimal", c, "an older q35 machine version")
    for vt in ["kvm", "qemu"]:
        add(("x86_64", "isapc", vt), "minimal", c, "isapc with the base devices (virtio disk on PCI)")
    add(("x86_64", "isapc", "qemu"), "ide-only", c, "isapc with an IDE disk, no PCI device", more=none, **isa)
    add(("x86_64", "microvm", "qemu"), "minimal", c, "microvm with the base devices")
    add(("x86_64", "microvm", "kvm"), "nodevices", c, "microvm with no disk, display, USB or balloon",
        features="<acpi/>", devs=[], more=none)
    add(("x86_64", "pc-q35-9.0", "kvm"), "nonexistent", c, "a q35 version newer than QEMU")
    add(("x86_64", "bogus-machine", "qemu"), "bogus", c, "an unknown machine name")
    add(("aarch64", "virt-6.2", "qemu"), "minimal", c, "an older virt version")
    add(("aarch64", "virt-7.2", "qemu"), "minimal", c, "the versioned virt name")
    add(("aarch64", "virt-9.0", "qemu"), "nonexistent", c, "a virt version newer than QEMU")
    add(("ppc64", "pseries-6.2", "qemu"), "minimal", c, "an older pseries version")
    add(("ppc64le", "pseries", "qemu"), "minimal", c, "a ppc64le guest on pseries")
    add(("s390x", "s390-ccw-virtio-7.2", "qemu"), "minimal", c, "the versioned s390 name")
    add(("aarch64", "virt", "kvm"), "kvm", c, "kvm for a foreign arch", os_attrs=" firmware='efi'")
    add(("s390x", "s390-ccw-virtio", "kvm"), "kvm", c, "kvm for a foreign arch")
    add(("x86_64", "pc", "xen"), "xen", c, "domain type xen on the QEMU driver")
    add("pk", "ostype-linux", c, "os type 'linux' (xen PV)", ostype="linux")
    add("pq", "emulator-missing", c, "an emulator path that does not exist", emulator="/usr/bin/qemu-system-nonexistent")
    add("pq", "emulator-ppc64-for-x86", c, "the ppc64 emulator for an x86_64 guest", emulator="/usr/bin/qemu-system-ppc64")
    add("ipq", "emulator-x86_64", c, "an i686 guest run by qemu-system-x86_64", emulator="/usr/bin/qemu-system-x86_64")


# ------------------------------------------------- implicit devices
def implicit():
    c = "implicit"
    none = "<controller type='usb' model='none'/><memballoon model='none'/>"
    for k in ["pk", "qq", "aa", "ppc", "s390"]:
        add(k, "no-usb-no-balloon", c, "USB controller and memballoon turned off", more=none)
    for k in ["pq", "aa", "s390"]:
        add(k, "no-devices", c, "a domain with no devices at all", devs=[])
    for k in ["pk", "aa"]:
        add(k, "usb-tablet-implicit-controller", c, "a USB tablet and no USB controller element",
            more="<input type='tablet' bus='usb'/>")
    add("pq", "usb-tablet-usb-none", c, "a USB tablet with USB turned off",
        more="<input type='tablet' bus='usb'/><controller type='usb' model='none'/>")
    add("qq", "pci-root-on-q35", c, "a pci-root controller on q35 (wants pcie-root)",
        more="<controller type='pci' index='0' model='pci-root'/>")
    add("pq", "pcie-root-on-pc", c, "a pcie-root controller on pc (wants pci-root)",
        more="<controller type='pci' index='0' model='pcie-root'/>")
    isa = dict(disk0=disk("hda", "ide"), display=VNC + "<video><model type='cirrus'/></video>", features="")
    add(("x86_64", "isapc", "qemu"), "usb-tablet", c, "a USB tablet on isapc (no PCI for the controller)",
        more="<input type='tablet' bus='usb'/><memballoon model='none'/>", **isa)
    add(("x86_64", "isapc", "qemu"), "e1000", c, "isapc with a PCI NIC", more=none + nic("e1000"), **isa)
    add(("x86_64", "microvm", "qemu"), "virtio-disk-only", c, "microvm with a virtio disk and nothing else",
        features="<acpi/>", display=None, more=none)


# ------------------------------------------------- schema-invalid documents
def schema():
    c = "schema"
    add("pq", "modle-typo", c, "a misspelled <modle> in an interface (unknown element)",
        more="<interface type='user'><modle type='e1000'/></interface>")
    add("pq", "graphic-typo", c, "a misspelled <graphic> device element", more="<graphic type='vnc'/>")
    add("pq", "unknown-top-element", c, "an unknown top-level element", top="<bogus>1</bogus>")
    add("pq", "unknown-attribute", c, "an unknown attribute on <disk>",
        disk0=disk().replace("<disk ", "<disk colour='red' "))
    add("pq", "bad-memory-unit", c, "an unknown memory unit", mem="<memory unit='furlongs'>128</memory>")
    add("pq", "memory-not-a-number", c, "memory 'lots'", mem="<memory unit='KiB'>lots</memory>")
    add("pq", "vcpu-zero", c, "zero vCPUs", vcpu="<vcpu>0</vcpu>")
    add("pq", "vcpu-not-a-number", c, "vcpu 'two'", vcpu="<vcpu>two</vcpu>")
    add("pq", "bad-mac", c, "an interface with a malformed MAC address",
        more=nic("virtio", extra="<mac address='52:54:00:zz:00:01'/>"))
    add("pq", "name-with-slash", c, "a domain name containing '/'", raw_body=pretty(
        "<domain type='qemu'><name>dcl-x86_64-pc-qemu-name/with-slash</name><memory>131072</memory>"
        "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices/></domain>"))
    add("pq", "no-memory", c, "no <memory> element", raw_body=pretty(
        "<domain type='qemu'><name>dcl-x86_64-pc-qemu-no-memory</name>"
        "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices/></domain>"))
    add("pq", "duplicate-disk-target", c, "two disks with target vda", more=disk(src=S + "/disk2.qcow2"))


# ---------------------------------------------------------------- CPU
def custom(model, check=None, feats=(), match="exact", fallback="forbid", extra=""):
    ck = " check='%s'" % check if check else ""
    mt = " match='%s'" % match if match else ""
    fb = " fallback='%s'" % fallback if fallback else ""
    f = "".join("<feature policy='%s' name='%s'/>" % p for p in feats)
    return "<cpu mode='custom'%s%s><model%s>%s</model>%s%s</cpu>" % (mt, ck, fb, model, extra, f)


def lc(name):
    """A file-name-safe form of a model or feature name; keeps case visible."""
    s = name.replace(".", "").replace("_", "-")
    return s.lower() + ("-uc" if any(ch.isupper() for ch in s) and s != s.lower() else "")


def cpu():
    c = "cpu"
    models = {"pk": ["486", "pentium3", "qemu64", "kvm64", "Haswell", "Skylake-Client", "BogusLake", "haswell"],
              "pq": ["Westmere", "Skylake-Client", "EPYC"], "qk": ["Haswell"], "ipk": ["pentium3"],
              "ppc": ["POWER10", "power9"], "s390": ["z13", "gen15a"],
              "aa": ["cortex-a53", "max", "cortex-m3"], "arm": ["cortex-a15", "cortex-m3"],
              "rv": ["rv64", "sifive-u54", "BogusCPU"]}
    for k, ms in models.items():
        for m in ms:
            add(k, "cpu-custom-" + lc(m), c, "custom CPU model '%s', default check" % m,
                cpu=custom(m, fallback=None, match=None) if k == "ppc" else custom(m))
    for ck in ["none", "partial", "full"]:
        add("pk", "cpu-check-%s-haswell" % ck, c, "custom Haswell with check='%s'" % ck, cpu=custom("Haswell", ck))
    add("pk", "cpu-check-full-kvm64", c, "custom kvm64 with check='full'", cpu=custom("kvm64", "full"))
    add("pq", "cpu-check-full-skylake-client", c, "custom Skylake-Client with check='full'",
        cpu=custom("Skylake-Client", "full"))
    add("pk", "cpu-check-full-pentium3", c, "custom pentium3 with check='full'", cpu=custom("pentium3", "full"))
    add("pk", "cpu-fallback-allow-bogus", c, "an unknown model with fallback='allow'",
        cpu=custom("BogusLake", fallback="allow"))
    feats = {"pk": [("require", "sse4.2"), ("require", "svm"), ("require", "la57"), ("forbid", "svm"),
                    ("disable", "svm"), ("require", "bogus-feature"),
                    ("require", "SSE4.2")],
             "pq": [("require", "svm")]}
    for k, fl in feats.items():
        for pol, f in fl:
            add(k, "cpu-feature-%s-%s" % (pol, lc(f)), c,
                "pentium3 with feature '%s' policy %s (the host CPU has sse4.2; lacks svm, la57)" % (f, pol),
                cpu=custom("pentium3", feats=[(pol, f)]))
    modes = {"pk": ["host-model", "host-passthrough", "maximum"], "pq": ["host-model", "host-passthrough", "maximum"],
             "qk": ["host-passthrough"], "ipk": ["host-model"],
             "aa": ["host-model", "host-passthrough", "maximum"], "ppc": ["host-model"], "s390": ["host-model"],
             "arm": ["host-passthrough"]}
    for k, ms in modes.items():
        for m in ms:
            add(k, "cpu-" + m, c, "CPU mode %s" % m, cpu="<cpu mode='%s'/>" % m)
    add("pk", "cpu-host-model-check-none", c, "host-model check='none'", cpu="<cpu mode='host-model' check='none'/>")
    add("pk", "cpu-host-model-check-full", c, "host-model check='full'", cpu="<cpu mode='host-model' check='full'/>")
    add("pk", "cpu-host-model-feature-disable", c, "host-model disabling a feature",
        cpu="<cpu mode='host-model'><feature policy='disable' name='hle'/></cpu>")
    add("pk", "cpu-host-passthrough-migratable-off", c, "host-passthrough migratable='off'",
        cpu="<cpu mode='host-passthrough' migratable='off'/>")
    add("pk", "cpu-mode-bogus", c, "an unknown CPU mode", cpu="<cpu mode='bogus'/>")
    add("ppc", "cpu-host-model-compat-power8", c, "host-model with a POWER8 compat model",
        cpu="<cpu mode='host-model'><model>power8</model></cpu>")
    add("aa", "cpu-max-feature-sve", c, "max with sve required", cpu=custom("max", feats=[("require", "sve")]))


# ---------------------------------------------------------------- topology, vCPUs, NUMA
def topo(s, d, c_, t):
    dies = " dies='%d'" % d if d else ""
    return "<topology sockets='%d'%s cores='%d' threads='%d'/>" % (s, dies, c_, t)


def numa(cells):
    cs = "".join("<cell id='%d'%s memory='%d' unit='KiB'%s/>" %
                 (i, " cpus='%s'" % cp if cp else "", mem, ex) for i, (cp, mem, ex) in enumerate(cells))
    return "<numa>%s</numa>" % cs


def cpu_with(key, inner):
    """A <cpu> element with the target's base model (if any) plus inner."""
    a = T[key][0]
    if a == "aarch64":
        return ("<cpu mode='custom' match='exact' check='none'><model fallback='forbid'>cortex-a57</model>"
                "%s</cpu>" % inner)
    return "<cpu>%s</cpu>" % inner


def topology():
    c = "topology"
    two = "<vcpu>2</vcpu>"
    for k in ["aa", "s390"]:
        add(k, "topo-match", c, "2 vCPUs as 1 socket x 2 cores x 1 thread", vcpu=two, cpu=cpu_with(k, topo(1, 0, 2, 1)))
    for k in ["pk", "aa"]:
        add(k, "topo-mismatch", c, "2 vCPUs but a topology of 4", vcpu=two, cpu=cpu_with(k, topo(2, 0, 2, 1)))
        add(k, "topo-dies2", c, "4 vCPUs as 1 socket, 2 dies, 2 cores", vcpu="<vcpu>4</vcpu>",
            cpu=cpu_with(k, topo(1, 2, 2, 1)))
        add(k, "vcpu-current", c, "vcpu current=1 of 2", vcpu="<vcpu current='1'>2</vcpu>")
    for k in ["pk", "ppc"]:
        add(k, "topo-threads2", c, "2 vCPUs as 1 core with 2 threads", vcpu=two, cpu=cpu_with(k, topo(1, 0, 1, 2)))
    add("ppc", "topo-threads4", c, "pseries 4 threads per core under TCG", vcpu="<vcpu>4</vcpu>",
        cpu=cpu_with("ppc", topo(1, 0, 1, 4)))
    add("pk", "vcpu-current-above-max", c, "vcpu current=4 of 2", vcpu="<vcpu current='4'>2</vcpu>")
    add("pk", "vcpu-4", c, "4 vCPUs (more than the host's 2)", vcpu="<vcpu>4</vcpu>")
    for k, n in [("pk", 256), ("qk", 289), ("aa", 513), ("arm", 9), ("ppc", 2049),
                 ("s390", 249), ("rv", 9)]:
        add(k, "vcpu-%d" % n, c, "%d vCPUs, 1 online (around the machine's limit)" % n,
            vcpu="<vcpu current='1'>%d</vcpu>" % n)
    add(("x86_64", "isapc", "qemu"), "vcpu-2", c, "2 vCPUs on isapc", vcpu=two, disk0=disk("hda", "ide"), features="")
    add("qk", "vcpu-300-iommu-eim", c, "300 vCPUs with an intel IOMMU with EIM",
        vcpu="<vcpu current='1'>300</vcpu>", features="<acpi/><apic/><ioapic driver='qemu'/>",
        more="<iommu model='intel'><driver intremap='on' eim='on'/></iommu>")
    add("aa", "gicv2-8", c, "GICv2 with 8 vCPUs", vcpu="<vcpu>8</vcpu>", features="<gic version='2'/>")
    add("aa", "gicv2-9", c, "GICv2 with 9 vCPUs", vcpu="<vcpu>9</vcpu>", features="<gic version='2'/>")
    add("aa", "nogic-16", c, "16 vCPUs and no gic element", vcpu="<vcpu>16</vcpu>")
    add("aa", "gicv3-16", c, "GICv3 with 16 vCPUs", vcpu="<vcpu>16</vcpu>", features="<gic version='3'/>")
    add("aa", "gic-host", c, "gic version 'host' under TCG", features="<gic version='host'/>")
    add("arm", "nogic-9", c, "armv7l with 9 vCPUs and no gic element", vcpu="<vcpu>9</vcpu>")
    for k in ["pk", "s390"]:
        add(k, "numa-2cells", c, "two NUMA cells, one vCPU each", vcpu=two, mem=262144,
            cpu=cpu_with(k, numa([("0", 131072, ""), ("1", 131072, "")])))
    for k in ["pk", "aa"]:
        add(k, "numa-cpus-beyond", c, "a NUMA cell naming vCPUs 1-3 of 2", vcpu=two, mem=262144,
            cpu=cpu_with(k, numa([("0", 131072, ""), ("1-3", 131072, "")])))
    for k in ["pk"]:
        add(k, "numa-overlap", c, "two NUMA cells sharing vCPU 0", vcpu=two, mem=262144,
            cpu=cpu_with(k, numa([("0", 131072, ""), ("0-1", 131072, "")])))
    add("pk", "numa-mem-sum-differs", c, "NUMA cells summing to less than <memory>", vcpu=two,
        mem=524288, cpu=cpu_with("pk", numa([("0", 131072, ""), ("1", 131072, "")])))
    add("pk", "numa-memaccess-shared", c, "a NUMA cell with memAccess shared", vcpu=two, mem=262144,
        cpu=cpu_with("pk", numa([("0", 131072, " memAccess='shared'"), ("1", 131072, "")])))
    add("aa", "numa-cell-no-cpus", c, "a NUMA cell without vCPUs", vcpu=two, mem=262144,
        cpu=cpu_with("aa", numa([("0-1", 131072, ""), ("", 131072, "")])))
    mm = "<maxMemory slots='4' unit='KiB'>1048576</maxMemory>"
    for k, with_numa in [("pk", False), ("aa", False), ("pk", True), ("ppc", True)]:
        base = MEM.get(T[k][0], 131072)
        add(k, "maxmemory-numa" if with_numa else "maxmemory-no-numa", c,
            "maxMemory with one NUMA cell" if with_numa else "maxMemory without NUMA",
            mem="<memory unit='KiB'>%d</memory>%s" % (base, mm),
            cpu=cpu_with(k, numa([("0", base, "")])) if with_numa else DEFAULT)


# ---------------------------------------------------------------- Hyper-V
def hv(inner, mode="custom"):
    return "<acpi/><apic/><hyperv mode='%s'>%s</hyperv>" % (mode, inner)


HV = {
    "relaxed": "<relaxed state='on'/>", "vapic": "<vapic state='on'/>",
    "spinlocks": "<spinlocks state='on' retries='8191'/>", "vpindex": "<vpindex state='on'/>",
    "runtime": "<runtime state='on'/>", "synic": "<synic state='on'/>", "stimer": "<stimer state='on'/>",
    "reset": "<reset state='on'/>", "vendor-id": "<vendor_id state='on' value='KVM Hv'/>",
    "frequencies": "<frequencies state='on'/>", "reenlightenment": "<reenlightenment state='on'/>",
    "tlbflush": "<tlbflush state='on'/>", "ipi": "<ipi state='on'/>", "evmcs": "<evmcs state='on'/>",
    "synic-vpindex": "<vpindex state='on'/><synic state='on'/>",
    "stimer-synic-vpindex": "<vpindex state='on'/><synic state='on'/><stimer state='on'/>",
    "stimer-direct": "<vpindex state='on'/><synic state='on'/><stimer state='on'><direct state='on'/></stimer>",
    "evmcs-vapic": "<vapic state='on'/><evmcs state='on'/>",
    "windows-set": "<relaxed state='on'/><vapic state='on'/><spinlocks state='on' retries='8191'/>",
    "spinlocks-low-retries": "<spinlocks state='on' retries='100'/>",
}


def hyperv():
    c = "hyperv"
    kvm = ["relaxed", "vapic", "spinlocks", "vpindex", "synic", "stimer", "vendor-id",
           "frequencies", "tlbflush", "ipi", "evmcs", "synic-vpindex", "stimer-synic-vpindex",
           "stimer-direct", "evmcs-vapic"]
    for key in kvm:
        add("pk", "hyperv-" + key, c, "Hyper-V %s under KVM (this host's KVM has no Hyper-V support)" % key,
            features=hv(HV[key]))
    for key in ["relaxed", "synic-vpindex", "windows-set"]:
        add("pq", "hyperv-" + key, c, "Hyper-V %s under TCG" % key, features=hv(HV[key]))
    add("iqk", "hyperv-relaxed", c, "Hyper-V relaxed on i686 KVM (q35)", features=hv(HV["relaxed"]))
    add("qk", "hyperv-windows-set", c, "the usual Windows Hyper-V set under KVM (q35)", features=hv(HV["windows-set"]))
    add("pk", "hyperv-passthrough", c, "Hyper-V mode passthrough under KVM", features=hv("", "passthrough"))
    add("aa", "hyperv-relaxed", c, "Hyper-V relaxed on aarch64",
        features="<hyperv mode='custom'><relaxed state='on'/></hyperv>")


# ---------------------------------------------------------------- clock and timers
def clk(timers, offset="utc", extra=""):
    return "<clock offset='%s'%s>%s</clock>" % (offset, extra, timers)


def clock():
    c = "clock"
    t = lambda x: clk("<timer %s/>" % x)
    rows = [
        (["pk", "pq"], "timer-tsc-freq-host", "tsc at the host's frequency (2.3 GHz)", t("name='tsc' frequency='2300000000'")),
        (["pk", "pq"], "timer-tsc-freq-other", "tsc at 1 GHz (this host has no TSC scaling)", t("name='tsc' frequency='1000000000'")),
        (["pk"], "timer-hpet-on", "hpet present", t("name='hpet' present='yes'")),
        (["pk", "pq"], "timer-hypervclock", "hypervclock present", t("name='hypervclock' present='yes'")),
        (["pk", "pq"], "timer-kvmclock-on", "kvmclock present", t("name='kvmclock' present='yes'")),
        (["pk"], "timer-rtc-merge", "rtc tickpolicy merge", t("name='rtc' tickpolicy='merge'")),
        (["pk"], "timer-pit-discard", "pit tickpolicy discard", t("name='pit' tickpolicy='discard'")),
        (["pk"], "timer-pit-merge", "pit tickpolicy merge", t("name='pit' tickpolicy='merge'")),
        (["pk"], "timer-platform", "the platform timer", t("name='platform' present='yes'")),
        (["pk"], "offset-timezone", "clock offset timezone", clk("", "timezone", " timezone='Europe/Paris'")),
        (["aa", "s390"], "timer-kvmclock", "kvmclock on a non-x86 arch", t("name='kvmclock' present='yes'")),
        (["aa", "ppc"], "timer-rtc-catchup", "rtc catchup on a non-x86 arch", t("name='rtc' tickpolicy='catchup'")),
        (["aa"], "timer-armvtimer", "armvtimer tickpolicy under TCG", t("name='armvtimer' tickpolicy='delay'")),
        (["ppc"], "timer-hpet", "hpet on pseries", t("name='hpet' present='yes'")),
    ]
    for keys, case, what, x in rows:
        for k in keys:
            add(k, case, c, what, clock=x)


# ---------------------------------------------------------------- <features>
def features():
    c = "features"
    x86 = {
        "acpi-off": "<apic/>", "pae": "<acpi/><apic/><pae/>",
        "smm-on": "<acpi/><apic/><smm state='on'/>", "smm-tseg": "<acpi/><apic/><smm state='on'><tseg unit='MiB'>48</tseg></smm>",
        "vmport-on": "<acpi/><apic/><vmport state='on'/>", "ps2-off": "<acpi/><apic/><ps2 state='off'/>",
        "ioapic-qemu": "<acpi/><apic/><ioapic driver='qemu'/>", "ioapic-kvm": "<acpi/><apic/><ioapic driver='kvm'/>",
        "pmu-off": "<acpi/><apic/><pmu state='off'/>", "vmcoreinfo": "<acpi/><apic/><vmcoreinfo state='on'/>",
        "kvm-hidden": "<acpi/><apic/><kvm><hidden state='on'/></kvm>",
        "kvm-hint-dedicated": "<acpi/><apic/><kvm><hint-dedicated state='on'/></kvm>",
        "pvspinlock": "<acpi/><apic/><pvspinlock state='on'/>", "msrs-ignore": "<acpi/><apic/><msrs unknown='ignore'/>",
        "htm": "<acpi/><apic/><htm state='on'/>", "gic": "<acpi/><apic/><gic version='2'/>",
        "ccf-assist": "<acpi/><apic/><ccf-assist state='on'/>",
        "async-teardown": "<acpi/><apic/><async-teardown enabled='yes'/>",
    }
    per = {"pk": [k for k in x86 if k not in ("pae", "pmu-off", "pvspinlock", "msrs-ignore", "kvm-hidden", "ccf-assist")],
           "qq": ["acpi-off", "smm-on", "smm-tseg", "ps2-off"],
           "qk": ["smm-on", "ioapic-kvm"], "pq": ["vmport-on", "ps2-off"]}
    for k, keys in per.items():
        for key in keys:
            add(k, "feat-" + key, c, "x86 <features>: %s" % key, features=x86[key])
    add("pk", "feat-kvm-hint-dedicated-pinned", c, "hint-dedicated with the vCPU pinned and host-passthrough",
        features=x86["kvm-hint-dedicated"], cpu="<cpu mode='host-passthrough'/>",
        top="<cputune><vcpupin vcpu='0' cpuset='1'/></cputune>")
    add("ipk", "feat-pae", c, "i686 with pae", features="<acpi/><apic/><pae/>")
    other = {
        "aa": ["<gic version='3'/>", "<ras state='on'/>", "<vmcoreinfo state='on'/>", "<smm state='on'/>",
               "<htm state='on'/>", "<ps2 state='off'/>"],
        "ppc": ["<htm state='on'/>", "<hpt resizing='enabled'/>",
                "<ccf-assist state='on'/>", "<cfpc value='workaround'/>",
                "<ibs value='fixed-ccd'/>", "<nested-hv state='on'/>", "<smm state='on'/>"],
        "s390": ["<async-teardown enabled='yes'/>", "<acpi/>", "<vmcoreinfo state='on'/>"],
        "rv": ["<acpi/>", "<smm state='on'/>", "<aia value='aplic'/>"],
        "arm": ["<acpi/>", "<gic version='2'/>"],
    }
    for k, fl in other.items():
        for f in fl:
            key = "-".join(re.findall(r"<([a-z0-9-]+)", f)[:2] + re.findall(r"='([^']*)'", f)[:1])
            add(k, "feat-" + key, c, "<features>%s</features> on %s" % (f, T[k][0]), features=f)


# ---------------------------------------------------------------- firmware
OVMF = "/usr/share/OVMF/"
AAVMF = "/usr/share/AAVMF/"


def loader(path, secure=None, ltype="pflash", readonly="yes", nvram=None):
    sec = " secure='%s'" % secure if secure else ""
    ro = " readonly='%s'" % readonly if readonly else ""
    s = "<loader%s%s type='%s'>%s</loader>" % (ro, sec, ltype, path)
    if nvram:
        s += "<nvram template='%s'/>" % nvram
    return s


def fwfeat(**kw):
    return "<firmware>%s</firmware>" % "".join(
        "<feature enabled='%s' name='%s'/>" % (v, k.replace("_", "-")) for k, v in kw.items())


def firmware():
    c = "firmware"
    smm_on = "<acpi/><apic/><smm state='on'/>"
    smm_off = "<acpi/><apic/><smm state='off'/>"
    sec_code, sec_vars = OVMF + "OVMF_CODE_4M.ms.fd", OVMF + "OVMF_VARS_4M.ms.fd"
    for k in X86:
        add(k, "fw-efi", c, "firmware='efi'", os_attrs=" firmware='efi'")
        add(k, "fw-efi-secboot-enrolled-smm", c, "secure-boot, enrolled-keys and SMM on",
            os_attrs=" firmware='efi'", os_in=fwfeat(secure_boot="yes", enrolled_keys="yes"), features=smm_on)
        add(k, "loader-secure-smm", c, "a secure loader with SMM on",
            os_in=loader(sec_code, "yes", nvram=sec_vars), features=smm_on)
    rows = [
        (["pk", "qq"], "fw-bios", "firmware='bios'", dict(os_attrs=" firmware='bios'")),
        (["pk"], "fw-efi-secboot", "firmware='efi' with secure-boot enabled",
         dict(os_attrs=" firmware='efi'", os_in=fwfeat(secure_boot="yes"))),
        (["qk"], "fw-efi-secboot-smm-off", "secure-boot enabled with SMM off",
         dict(os_attrs=" firmware='efi'", os_in=fwfeat(secure_boot="yes"), features=smm_off)),
        (["qk"], "fw-efi-nosecboot", "firmware='efi' with secure-boot disabled",
         dict(os_attrs=" firmware='efi'", os_in=fwfeat(secure_boot="no"))),
        (["qk", "qq"], "fw-efi-smm-off", "firmware='efi' with SMM off", dict(os_attrs=" firmware='efi'", features=smm_off)),
        (["qk"], "fw-efi-noacpi", "UEFI without ACPI", dict(os_attrs=" firmware='efi'", features="<apic/>")),
        (["qk"], "loader-ovmf-4m", "an explicit non-secure OVMF loader with its vars template",
         dict(os_in=loader(OVMF + "OVMF_CODE_4M.fd", nvram=OVMF + "OVMF_VARS_4M.fd"))),
        (["qk", "qq"], "loader-secure-nosmm", "a secure loader with SMM off",
         dict(os_in=loader(sec_code, "yes", nvram=sec_vars), features=smm_off)),
        (["pk", "qq"], "loader-secure-no-smm-element", "a secure loader and no smm element",
         dict(os_in=loader(sec_code, "yes", nvram=sec_vars))),
        (["qq"], "loader-missing", "a loader file that does not exist",
         dict(os_in=loader("/opt/nonexistent/OVMF_CODE.fd"))),
        (["qq"], "fw-efi-loader-secure", "firmware='efi' plus a secure='yes' loader element",
         dict(os_attrs=" firmware='efi'", os_in="<loader secure='yes'/>", features=smm_on)),
        (["qq"], "fw-efi-enrolled-no-secboot", "enrolled-keys without secure-boot",
         dict(os_attrs=" firmware='efi'", os_in=fwfeat(secure_boot="no", enrolled_keys="yes"))),
        (["qq"], "loader-rom-ovmf", "OVMF.fd as a rom loader", dict(os_in=loader("/usr/share/qemu/OVMF.fd", ltype="rom"))),
        (["qq"], "fw-bogus", "firmware='bogus'", dict(os_attrs=" firmware='bogus'")),
        (["ipk", "iqq", "aa", "arm", "ppc", "s390", "rv"], "fw-efi", "firmware='efi'", dict(os_attrs=" firmware='efi'")),
        (["aa", "rv"], "fw-bios", "firmware='bios'", dict(os_attrs=" firmware='bios'")),
        (["aa"], "fw-efi-acpi", "UEFI with ACPI", dict(os_attrs=" firmware='efi'", features="<acpi/>")),
        (["aa"], "acpi-no-uefi", "ACPI without UEFI", dict(features="<acpi/>")),
        (["aa"], "fw-efi-secboot", "secure-boot on aarch64", dict(os_attrs=" firmware='efi'", os_in=fwfeat(secure_boot="yes"))),
        (["aa"], "loader-aavmf", "an explicit AAVMF loader",
         dict(os_in=loader(AAVMF + "AAVMF_CODE.fd", nvram=AAVMF + "AAVMF_VARS.fd"))),
        (["aa"], "loader-missing", "a loader file that does not exist", dict(os_in=loader("/opt/nonexistent/AAVMF_CODE.fd"))),
        (["arm"], "loader-aavmf32", "an explicit AAVMF32 loader",
         dict(os_in=loader(AAVMF + "AAVMF32_CODE.fd", nvram=AAVMF + "AAVMF32_VARS.fd"))),
    ]
    for keys, case, what, kw in rows:
        for k in keys:
            add(k, case, c, what, **kw)


# ---------------------------------------------------------------- memory
def mb(inner):
    return "<memoryBacking>%s</memoryBacking>" % inner


def memory():
    c = "memory"
    for unit, val in [("b", 134217728), ("M", 128), ("TiB", 1)]:
        add("pq", "mem-unit-" + lc(unit), c, "memory %d %s" % (val, unit),
            mem="<memory unit='%s'>%d</memory>" % (unit, val))
    for k in ["pk", "arm"]:
        add(k, "mem-64g", c, "64 GiB, more than the host's 24 GiB", mem=64 * 1048576)
    add("pk", "mem-20g", c, "20 GiB, below the host's 24 GiB (above its NUMA node's 5.6 GiB)", mem=20 * 1048576)
    add("pk", "mem-1m", c, "1 MiB of memory", mem=1024)
    add("pk", "current-above-memory", c, "currentMemory above memory", mem=131072, cur_mem=262144)
    add("pk", "mem-8g-node0-strict", c, "8 GiB bound strictly to NUMA node 0 (5.6 GiB)", mem=8 * 1048576,
        top="<numatune><memory mode='strict' nodeset='0'/></numatune>")
    add("ppc", "mem-128m", c, "128 MiB on pseries", mem=131072)
    hp = lambda size, unit, extra="": mb("<hugepages><page size='%s' unit='%s'%s/></hugepages>" % (size, unit, extra))
    add("pk", "hugepages-2m", c, "2 MiB hugepages (none reserved, no hugetlbfs)", top=hp(2048, "KiB"))
    add("aa", "hugepages-2m", c, "2 MiB hugepages (none reserved, no hugetlbfs)", top=hp(2048, "KiB"))
    add("pk", "hugepages-1g", c, "1 GiB hugepages (none reserved)", mem=1048576, top=hp(1, "GiB"))
    add("pk", "hugepages-4k", c, "hugepages of 4 KiB, the base page size", top=hp(4, "KiB"))
    add("pk", "hugepages-default", c, "hugepages of the default size", top=mb("<hugepages/>"))
    add("pk", "hugepages-3m", c, "hugepages of a size the host lacks (3 MiB)", top=hp(3072, "KiB"))
    add("pk", "hugepages-memfd", c, "memfd source with 2 MiB hugepages",
        top=mb("<hugepages><page size='2048' unit='KiB'/></hugepages><source type='memfd'/>"))
    for k in ["pk", "aa"]:
        add(k, "source-memfd", c, "memory source memfd", top=mb("<source type='memfd'/>"))
    for case, what, x in [("access-shared-file", "memory source file, access shared", "<source type='file'/><access mode='shared'/>"),
                          ("source-anonymous", "memory source anonymous", "<source type='anonymous'/>"),
                          ("access-private", "memory access private", "<access mode='private'/>"),
                          ("access-shared-anonymous", "shared access on anonymous memory",
                           "<source type='anonymous'/><access mode='shared'/>"),
                          ("allocation-ondemand", "allocation ondemand", "<allocation mode='ondemand'/>"),
                          ("allocation-threads", "allocation immediate with 2 threads", "<allocation mode='immediate' threads='2'/>")]:
        add("pk", case, c, what, top=mb(x))
    add("pk", "locked", c, "locked memory with a hard limit",
        top=mb("<locked/>") + "<memtune><hard_limit unit='KiB'>1048576</hard_limit></memtune>")
    for k, mode, ns in [("pk", "strict", "0"), ("pk", "strict", "3"), ("pk", "interleave", "0"),
                        ("pk", "preferred", "1"), ("aa", "strict", "3")]:
        add(k, "numatune-%s-%s" % (mode, ns), c, "numatune memory mode %s nodeset %s" % (mode, ns),
            top="<numatune><memory mode='%s' nodeset='%s'/></numatune>" % (mode, ns))
    add("pk", "numatune-placement-auto", c, "numatune placement auto (needs numad)",
        top="<numatune><memory mode='strict' placement='auto'/></numatune>", vcpu="<vcpu placement='auto'>1</vcpu>")
    cell = "<cpu><numa><cell id='0' cpus='0' memory='131072' unit='KiB'/></numa></cpu>"
    add("pk", "memnode-0", c, "a memnode binding cell 0 to node 0", cpu=cell,
        top="<numatune><memory mode='strict' nodeset='0'/><memnode cellid='0' mode='strict' nodeset='0'/></numatune>")
    add("pk", "memnode-missing-cell", c, "a memnode for a guest cell that does not exist", cpu=cell,
        top="<numatune><memnode cellid='3' mode='strict' nodeset='0'/></numatune>")
    mm = "<maxMemory slots='4' unit='KiB'>2097152</maxMemory>"

    def md(k, case, what, dev, numa_=True, mmem=mm):
        base = MEM.get(T[k][0], 131072)
        cp = cpu_with(k, numa([("0", base, "")])) if numa_ else DEFAULT
        add(k, case, c, what, mem="<memory unit='KiB'>%d</memory>%s" % (base, mmem), cpu=cp, more=dev)
    dimm = "<memory model='dimm'><target><size unit='KiB'>131072</size><node>0</node></target></memory>"
    nvd = ("<memory model='nvdimm'><source><path>%s/nvdimm.img</path></source><target>"
           "<size unit='KiB'>131072</size><node>0</node></target></memory>" % S)
    vmem = ("<memory model='virtio-mem'><target><size unit='KiB'>131072</size><node>0</node>"
            "<block unit='KiB'>2048</block><requested unit='KiB'>0</requested></target></memory>")
    vpmem = ("<memory model='virtio-pmem' access='shared'><source><path>%s/nvdimm.img</path></source>"
             "<target><size unit='KiB'>131072</size></target></memory>" % S)
    for k in ["pk", "aa", "ppc"]:
        md(k, "memdev-dimm", "a dimm memory device", dimm)
    for k in ["pk", "aa"]:
        md(k, "memdev-virtio-mem", "a virtio-mem device", vmem)
    md("pk", "memdev-nvdimm", "an nvdimm backed by a file", nvd)
    md("pk", "memdev-dimm-no-maxmemory", "a dimm without maxMemory", dimm, mmem="")
    md("pk", "memdev-dimm-no-numa", "a dimm without guest NUMA", dimm.replace("<node>0</node>", ""), numa_=False)
    md("pk", "memdev-nvdimm-missing-file", "an nvdimm whose backing file does not exist",
       nvd.replace("nvdimm.img", "nonexistent.img"))
    md("pk", "memdev-virtio-pmem", "a virtio-pmem device", vpmem)


# ---------------------------------------------------------------- devices
def dev_table(c, rows):
    """rows: (targets, case, what, xml-added-to-devices[, dict of other add() args])"""
    for r in rows:
        keys, case, what, xml = r[:4]
        kw = r[4] if len(r) > 4 else {}
        for k in keys:
            add(k, case, c, what, more=xml, **kw)


def disks():
    c = "disk"
    q = S + "/disk2.qcow2"
    rows = [
        (["pk", "qk"], "disk-ide", "a disk on the IDE bus", disk("hda", "ide", src=q)),
        (["ppc"], "disk-ide", "a disk on the IDE bus", disk("hdb", "ide", src=q)),
        (["pk", "qk", "aa"], "disk-sata", "a disk on the SATA bus", disk("sda", "sata", src=q)),
        (["pk", "s390"], "disk-scsi", "a SCSI disk (implicit controller)",
         disk("sda", "scsi", src=q)),
        (["s390"], "disk-usb", "a USB disk", disk("sdb", "usb", src=q)),
        (["qk", "aa"], "disk-nvme", "a disk on the NVMe bus", disk("nvme0n1", "nvme", src=q)),
        (["pk", "arm"], "disk-sd", "a disk on the SD bus", disk("sda", "sd", src=q)),
        (["pk"], "disk-xen", "a disk on the xen bus", disk("xvda", "xen", src=q)),
        (["pk"], "disk-bogus-bus", "a disk on an unknown bus", disk("sda", "bogus", src=q)),
        (["pk", "iqk"], "cdrom-ide", "an IDE cdrom", cdrom("hdc", "ide")),
        (["qk", "aa"], "cdrom-sata", "a SATA cdrom", cdrom("sda", "sata")),
        (["ppc", "s390"], "cdrom-scsi", "a SCSI cdrom", cdrom("sda", "scsi")),
        (["pk"], "cdrom-virtio", "a virtio cdrom", cdrom("vdb", "virtio")),
        (["qq"], "cdrom-usb", "a USB cdrom", cdrom("sdb", "usb")),
        (["pk"], "cdrom-empty", "an empty IDE cdrom",
         "<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/></disk>"),
        (["ipk", "qk"], "floppy-fdc", "a floppy on the fdc bus", floppy()),
        (["aa"], "floppy-fdc", "a floppy on the fdc bus", floppy()),
        (["pk"], "floppy-virtio", "a floppy on the virtio bus", floppy("vdb", "virtio")),
        (["pk"], "disk-on-fdc", "a hard disk on the fdc bus", disk("fda", "fdc", src=q)),
        (["pk"], "lun-scsi-missing", "a SCSI lun passthrough of a missing /dev/sg",
         disk("sda", "scsi", "lun", "/dev/sg9", "raw", dtype="block")),
        (["pk"], "io-native-cache-none", "io='native' with cache='none'",
         disk("vdb", "virtio", src=q, driver=" cache='none' io='native'")),
        (["pk"], "io-native-no-cache", "io='native' with the default cache",
         disk("vdb", "virtio", src=q, driver=" io='native'")),
        (["iqk"], "io-uring", "io='io_uring'", disk("vdb", "virtio", src=q, driver=" io='io_uring'")),
        (["pk"], "iothread-ok", "a disk using iothread 1 of 1",
         disk("vdb", "virtio", src=q, driver=" iothread='1'"), {"top": "<iothreads>1</iothreads>"}),
        (["ipq", "aa"], "iothread-missing", "a disk using iothread 2 of 1",
         disk("vdb", "virtio", src=q, driver=" iothread='2'"), {"top": "<iothreads>1</iothreads>"}),
        (["pk"], "iothread-none-defined", "a disk using iothread 1, none defined",
         disk("vdb", "virtio", src=q, driver=" iothread='1'")),
        (["ipk", "qk"], "readonly-ide", "a read-only IDE disk", disk("hdb", "ide", src=q, extra="<readonly/>")),
        (["qk"], "readonly-sata", "a read-only SATA disk", disk("sda", "sata", src=q, extra="<readonly/>")),
        (["pk"], "readonly-virtio", "a read-only virtio disk", disk("vdb", "virtio", src=q, extra="<readonly/>")),
        (["pk"], "serial-odd-chars", "a disk serial with a space and a comma",
         disk("vdb", "virtio", src=q, extra="<serial>ab c,d</serial>")),
        (["pk"], "wwn-virtio", "a wwn on a virtio disk",
         disk("vdb", "virtio", src=q, extra="<wwn>5000c50015ea71ac</wwn>")),
        (["pk", "s390"], "source-missing", "a disk image that does not exist",
         disk("vdb", "virtio", src=S + "/nonexistent.qcow2")),
        (["pk"], "model-virtio-transitional", "a virtio-transitional disk",
         disk("vdb", "virtio", src=q).replace("<disk ", "<disk model='virtio-transitional' ")),
        (["s390"], "model-virtio-transitional", "a virtio-transitional disk on s390x",
         disk("vdb", "virtio", src=q).replace("<disk ", "<disk model='virtio-transitional' ")),
        (["pk"], "network-nbd-unreachable", "an NBD disk whose server does not answer",
         disk("vdb", "virtio", fmt="raw", dtype="network",
              srcxml="<source protocol='nbd' name='x'><host name='127.0.0.1' port='1'/></source>")),
    ]
    dev_table(c, rows)


def controllers():
    c = "controller"
    sdisk = disk("sda", "scsi", src=S + "/disk2.qcow2")
    rows = []
    for model, ks in [("virtio-scsi", ["pk", "aa", "s390"]), ("auto", ["pk"]),
                      ("virtio-non-transitional", ["pk"]),
                      ("lsilogic", ["pk"]), 
                      ("ibmvscsi", ["pk", "ppc"]), 
                      ]:
        rows.append((ks, "scsi-" + model, "a SCSI controller of model %s with a disk" % model,
                     "<controller type='scsi' index='0' model='%s'/>%s" % (model, sdisk)))
    for model, ks in [("piix3-uhci", ["pk"]), ("ich9-ehci1", ["qq"]),
                      ("qemu-xhci", ["aa", "s390"]),
                      ("nec-xhci", ["pk"]), ("pci-ohci", ["ppc"]), 
                      ("none", ["aa"]), ]:
        rows.append((ks, "usb-" + model, "a USB controller of model %s" % model,
                     "<controller type='usb' index='0' model='%s'/>" % model))
    rows += [
        (["pk"], "usb-ehci-companions", "ich9-ehci1 with its uhci companions",
         "<controller type='usb' index='0' model='ich9-ehci1'/>"
         "<controller type='usb' index='0' model='ich9-uhci1'><master startport='0'/></controller>"),
        (["pk", "s390"], "virtio-serial", "a virtio-serial controller",
         "<controller type='virtio-serial' index='0'/>"),
        (["qq"], "ide-controller", "an explicit IDE controller", "<controller type='ide' index='0'/>"),
        (["pk"], "sata-controller", "an explicit SATA controller", "<controller type='sata' index='0'/>"),
        (["qq"], "fdc-controller", "an explicit fdc controller", "<controller type='fdc' index='0'/>"),
        (["pk"], "ccid-controller", "a CCID controller", "<controller type='ccid' index='0'/>"),
    ]
    pb = "<controller type='pci' index='%d' model='%s'/>"
    pci = [
        ("pcie-root-port", pb % (1, "pcie-root-port"), ["pk", "qq", "aa"]),
        ("pci-bridge", pb % (1, "pci-bridge"), ["pk", "ppc"]),
        ("dmi-to-pci-bridge", pb % (1, "dmi-to-pci-bridge"), ["pk", "qq"]),
        ("pcie-to-pci-bridge", pb % (1, "pcie-root-port") + pb % (2, "pcie-to-pci-bridge"), ["pk", "qq"]),
        ("pcie-expander-bus", "<controller type='pci' index='1' model='pcie-expander-bus'>"
         "<target busNr='254'/></controller>", ["qq"]),
        ("pci-expander-bus", "<controller type='pci' index='1' model='pci-expander-bus'>"
         "<target busNr='254'/></controller>", ["pk"]),
        ("pcie-switch", pb % (1, "pcie-root-port") + pb % (2, "pcie-switch-upstream-port") +
         pb % (3, "pcie-switch-downstream-port"), ["qq"]),
        ("spapr-phb", "<controller type='pci' index='1' model='pci-root'><model name='spapr-pci-host-bridge'/>"
         "<target index='1'/></controller>", ["ppc", "pk"]),
        ("pci-bridge-bus-after-index", "<controller type='pci' index='1' model='pci-bridge'>"
         "<address type='pci' domain='0x0000' bus='0x02' slot='0x01' function='0x0'/></controller>" +
         pb % (2, "pci-bridge"), ["pk"]),
        ("pci-bridge-index-gap", pb % (3, "pci-bridge"), ["pk"]),
        ("pci-bridge-on-self", "<controller type='pci' index='1' model='pci-bridge'>"
         "<address type='pci' domain='0x0000' bus='0x01' slot='0x01' function='0x0'/></controller>", ["pk"]),
    ]
    for case, x, ks in pci:
        rows.append((ks, "pci-" + case, "PCI controllers: " + case, x))
    rows += [
        (["pk"], "explicit-pci-addresses", "devices at explicit PCI addresses on pc",
         "<controller type='usb' index='0' model='piix3-uhci'><address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x2'/></controller>"
         "<memballoon model='virtio'><address type='pci' domain='0x0000' bus='0x00' slot='0x06' function='0x0'/></memballoon>"),
        (["pk"], "pci-address-conflict", "two devices at the same PCI address",
         "<memballoon model='virtio'><address type='pci' domain='0x0000' bus='0x00' slot='0x06' function='0x0'/></memballoon>"
         "<rng model='virtio'><backend model='random'>/dev/urandom</backend><address type='pci' domain='0x0000' bus='0x00' slot='0x06' function='0x0'/></rng>"),
        (["qq"], "pci-address-bus-missing", "a device on PCI bus 5, which does not exist",
         "<rng model='virtio'><backend model='random'>/dev/urandom</backend><address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x0'/></rng>"),
    ]
    dev_table(c, rows)


def interfaces():
    c = "interface"
    rows = []
    for model, ks in [("virtio", ["pk", "arm", "ppc", "s390"]), ("e1000", ["pk", "aa"]),
                      ("e1000e", ["qq"]), ("rtl8139", ["pk"]),
                      ("ne2k_pci", ["pk"]), ("ne2k_isa", ["pk"]), 
                      ("spapr-vlan", ["pk", "ppc"]), ("virtio-transitional", ["pk", "s390"]),
                      
                      ("bogus-nic9000", ["pk"]), ("lan9118", ["aa"]),
                      ("igb", ["qq"])]:
        rows.append((ks, "nic-" + model.replace("_", "-"), "a user-mode NIC of model %s" % model, nic(model)))
    rows += [
        (["aa"], "nic-no-model", "a user-mode NIC with the default model", nic(None)),
        (["pk"], "bridge-missing", "a bridge NIC to a bridge that does not exist",
         nic("virtio", "bridge", "<source bridge='br-nonexistent'/>")),
        (["pk"], "ethernet", "an ethernet (tap) NIC", nic("virtio", "ethernet")),
        (["pk"], "vhost-net", "a NIC with driver vhost (no /dev/vhost-net here)",
         nic("virtio", "user", "<driver name='vhost'/>")),
        (["pk"], "vhost-net-ethernet", "an ethernet NIC with driver vhost",
         nic("virtio", "ethernet", "<driver name='vhost'/>")),
        (["pk"], "passt", "a passt backend", nic("virtio", "user", "<backend type='passt'/>")),
        (["pk"], "direct-missing", "a macvtap NIC on a missing device",
         nic("virtio", "direct", "<source dev='eth9' mode='bridge'/>")),
        (["pk"], "vhostuser-missing", "a vhost-user NIC with a missing socket",
         nic("virtio", "vhostuser", "<source type='unix' path='/tmp/domcaps-lv/nonexistent.sock' mode='client'/>")),
        (["pk"], "hostdev-nic", "an SR-IOV hostdev NIC (no such device)",
         "<interface type='hostdev' managed='yes'><source><address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x1'/></source></interface>"),
        (["pk"], "mtu-9000", "a user NIC with MTU 9000", nic("virtio", "user", "<mtu size='9000'/>")),
        (["pk"], "rom-missing-file", "a NIC ROM file that does not exist",
         nic("e1000", "user", "<rom file='/opt/nonexistent/efi-e1000.rom'/>")),
    ]
    dev_table(c, rows)


def video():
    c = "video"
    per = {
        "pk": ["cirrus", "virtio", "ramfb", "vbox", "none", "gop"],
        "qq": ["bochs"],
        "aa": ["ramfb", "vga", "qxl"],
        "arm": ["virtio"],
        "ppc": ["bochs", "qxl"],
        "s390": ["virtio", "vga"],
        "rv": ["virtio", "bochs"],
    }
    for k, models in per.items():
        for m in models:
            add(k, "video-" + m, c, "video model %s with VNC" % m,
                display=VNC + "<video><model type='%s'/></video>" % m if m != "none"
                else "<video><model type='none'/></video>")
    two = [("qxl-qxl", "qxl", "qxl"), ("qxl-vga", "qxl", "vga"), ("virtio-virtio", "virtio", "virtio")]
    for case, a, b in two:
        add("pk", "video-two-" + case, c, "primary %s and secondary %s video" % (a, b),
            display=VNC + "<video><model type='%s' primary='yes'/></video><video><model type='%s'/></video>" % (a, b))
    add("pk", "video-qxl-vram", c, "qxl with explicit ram/vram/vgamem",
        display=SPICE + "<video><model type='qxl' ram='65536' vram='65536' vgamem='16384' heads='1'/></video>")
    add("pk", "video-vga-vram-3m", c, "vga with 3 MiB vram (not a power of two)",
        display=VNC + "<video><model type='vga' vram='3072'/></video>")
    add("pk", "video-virtio-accel3d", c, "virtio video with 3D acceleration (no render node)",
        display="<graphics type='spice'><listen type='none'/><gl enable='yes'/></graphics>"
                "<video><model type='virtio'><acceleration accel3d='yes'/></model></video>")
    add("pk", "video-no-graphics", c, "a vga video device and no graphics", display="<video><model type='vga'/></video>")


def graphics():
    c = "graphics"
    vid = "<video><model type='%s'/></video>"
    rows = [
        ("vnc-socket", "<graphics type='vnc' socket='/tmp/domcaps-lv/vnc.sock'/>", "vga"),
        ("spice", SPICE, "qxl"),
        ("spice-gl", "<graphics type='spice'><listen type='none'/><gl enable='yes'/></graphics>", "virtio"),
        ("egl-headless", "<graphics type='egl-headless'/>" + VNC, "virtio"),
        ("dbus", "<graphics type='dbus'/>", "virtio"),
        ("rdp", "<graphics type='rdp' autoport='yes'/>", "vga"),
        ("desktop", "<graphics type='desktop'/>", "vga"),
        ("bogus", "<graphics type='bogus'/>", "vga"),
    ]
    for case, g, v in rows:
        for k in (["pk", "aa"] if case in ("spice", "egl-headless") else ["pk"]):
            add(k, "graphics-" + case, c, "graphics: " + case, display=g + vid % v)
    add("pk", "graphics-sdl", c, "SDL graphics (needs an X display)", mark="needs-display",
        display="<graphics type='sdl' display=':99'/>" + vid % "vga")
    add("pk", "graphics-sdl-gl", c, "SDL graphics with OpenGL (needs an X display)", mark="needs-display",
        display="<graphics type='sdl' display=':99'><gl enable='yes'/></graphics>" + vid % "virtio")
    add("ppc", "graphics-vnc", c, "VNC on pseries", display=VNC + vid % "vga")
    add("s390", "graphics-vnc", c, "VNC on s390x", display=VNC + vid % "virtio")


def inputs():
    c = "input"
    rows = []
    for typ, bus, ks in [("tablet", "usb", ["rv", "aa", "s390"]), ("keyboard", "usb", ["ppc"]),
                         ("tablet", "virtio", ["s390"]), ("keyboard", "virtio", ["aa"]),
                         ("mouse", "ps2", ["pk", "aa", "ppc"]), 
                         ("tablet", "ps2", ["pk"]), ("tablet", "xen", ["pk"])]:
        rows.append((ks, "input-%s-%s" % (typ, bus), "a %s on the %s bus" % (typ, bus),
                     "<input type='%s' bus='%s'/>" % (typ, bus)))
    rows += [
        (["pk"], "input-passthrough-missing", "evdev passthrough of a missing device",
         "<input type='passthrough' bus='virtio'><source evdev='/dev/input/event9'/></input>"),
    ]
    dev_table(c, rows)


def sound():
    c = "sound"
    for m, ks in [("ich6", ["aa", "s390"]), ("ich7", ["qq"]), ("ich9", ["qq"]), ("ac97", ["ppc"]),
                  ("es1370", ["ipk"]), ("sb16", ["qq"]), ("usb", ["rv"]), ("pcspk", ["iqq"]), ("virtio", ["pk"])]:
        for k in ks:
            add(k, "sound-" + m, c, "sound model %s" % m, more="<sound model='%s'/>" % m)
    add("pk", "sound-audio-none", c, "ich9 with an explicit 'none' audio backend",
        more="<sound model='ich9'/><audio id='1' type='none'/>")
    add("pk", "sound-audio-pulseaudio", c, "ich9 with a pulseaudio backend (no server)",
        more="<sound model='ich9'/><audio id='1' type='pulseaudio'/>")


def watchdog():
    c = "watchdog"
    for m, ks in [("i6300esb", ["pk", "rv", "ppc"]), ("ib700", ["pk", "aa"]),
                  ("diag288", ["pk", "s390"]), ("itco", ["pk", "qq", "aa"])]:
        for k in ks:
            add(k, "watchdog-" + m, c, "watchdog model %s" % m, more="<watchdog model='%s' action='reset'/>" % m)
    for act in ["dump"]:
        add("pk", "watchdog-action-" + act, c, "i6300esb with action %s" % act,
            more="<watchdog model='i6300esb' action='%s'/>" % act)


def balloon():
    c = "memballoon"
    for m, ks in [("virtio", ["arm", "aa", "s390"]), ("virtio-transitional", ["pk", "s390"]),
                  ("virtio-non-transitional", ["aa"]), ("xen", ["pk"])]:
        for k in ks:
            add(k, "balloon-" + m, c, "memballoon model %s" % m, more="<memballoon model='%s'/>" % m)
    add("pk", "balloon-stats-autodeflate", c, "virtio balloon with stats, autodeflate and free page reporting",
        more="<memballoon model='virtio' autodeflate='on' freePageReporting='on'><stats period='10'/></memballoon>")


def rng():
    c = "rng"
    rows = [
        ("random-urandom", "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>",
         ["arm", "s390"]),
        ("random-hwrng", "<rng model='virtio'><backend model='random'>/dev/hwrng</backend></rng>", ["pk"]),
        ("random-missing", "<rng model='virtio'><backend model='random'>/dev/nonexistent-rng</backend></rng>", ["pk"]),
        ("builtin", "<rng model='virtio'><backend model='builtin'/></rng>", ["pk", "rv"]),
        ("egd-udp", "<rng model='virtio'><backend model='egd' type='udp'><source mode='bind' service='1234' host='127.0.0.1'/>"
         "<source mode='connect' host='127.0.0.1' service='1235'/></backend></rng>", ["pk"]),
        ("egd-unix-missing", "<rng model='virtio'><backend model='egd' type='unix'>"
         "<source mode='connect' path='/tmp/domcaps-lv/nonexistent-egd.sock'/></backend></rng>", ["pk"]),
        ("virtio-transitional", "<rng model='virtio-transitional'><backend model='random'>/dev/urandom</backend></rng>", ["s390"]),
        ("bogus-model", "<rng model='bogus'><backend model='random'>/dev/urandom</backend></rng>", ["pk"]),
    ]
    for case, x, ks in rows:
        for k in ks:
            add(k, "rng-" + case, c, "rng: " + case, more=x)


def tpm():
    c = "tpm"

    def emu(model, ver):
        return "<tpm model='%s'><backend type='emulator' version='%s'/></tpm>" % (model, ver)
    rows = [
        ("tis-20", emu("tpm-tis", "2.0"), ["qk", "ipq"]),
        ("tis-12", emu("tpm-tis", "1.2"), ["qq"]),
        ("crb-20", emu("tpm-crb", "2.0"), ["qq"]),
        ("crb-12", emu("tpm-crb", "1.2"), ["qq"]),
        ("spapr-20", emu("tpm-spapr", "2.0"), ["qq", "ppc"]),
        ("tis-20-ppc", emu("tpm-tis", "2.0"), ["ppc"]),
        ("tis-20-aarch64", emu("tpm-tis", "2.0"), ["aa"]),
        ("crb-20-aarch64", emu("tpm-crb", "2.0"), ["aa"]),
        ("spapr-proxy", "<tpm model='spapr-tpm-proxy'><backend type='passthrough'><device path='/dev/tpmrm0'/></backend></tpm>", ["ppc"]),
        ("passthrough-missing", "<tpm model='tpm-tis'><backend type='passthrough'><device path='/dev/tpm0'/></backend></tpm>", ["qq"]),
        ("external-missing-socket", "<tpm model='tpm-tis'><backend type='external'><source type='unix' mode='connect' "
         "path='/tmp/domcaps-lv/nonexistent-swtpm.sock'/></backend></tpm>", ["qq"]),
        ("two", emu("tpm-tis", "2.0") + emu("tpm-crb", "2.0"), ["qq"]),
    ]
    for case, x, ks in rows:
        for k in ks:
            add(k, "tpm-" + case, c, "tpm: " + case, more=x)
    add("qk", "tpm-crb-20-efi", c, "a CRB TPM 2.0 with UEFI", os_attrs=" firmware='efi'", features="<acpi/><apic/><smm state='off'/>",
        more=emu("tpm-crb", "2.0"))


def filesystems():
    c = "filesystem"
    share = "<source dir='%s/share'/><target dir='share'/>" % S
    vfs = "<filesystem type='mount' accessmode='passthrough'><driver type='virtiofs'/>%s</filesystem>" % share
    shm = mb("<source type='memfd'/><access mode='shared'/>")
    rows = [
        ("virtiofs-memfd", vfs, ["pk", "rv", "s390"], {"top": shm}),
        ("virtiofs-file-shared", vfs, ["pk"], {"top": mb("<access mode='shared'/>")}),
        ("virtiofs-no-shm", vfs, ["pk", "aa"], {}),
        ("virtiofs-missing-dir", vfs.replace("/share'", "/nonexistent-dir'"), ["pk"], {"top": shm}),
        ("9p-path", "<filesystem type='mount' accessmode='passthrough'><driver type='path'/>%s</filesystem>" % share,
         ["pk", "aa"], {}),
        ("9p-handle", "<filesystem type='mount' accessmode='passthrough'><driver type='handle'/>%s</filesystem>" % share,
         ["pk"], {}),
        ("driver-mtp", "<filesystem type='mount' accessmode='passthrough'><driver type='mtp'/>%s</filesystem>" % share,
         ["pk"], {}),
        ("ram", "<filesystem type='ram' accessmode='passthrough'><source usage='1024' units='KiB'/>"
         "<target dir='ram'/></filesystem>", ["pk"], {}),
    ]
    for case, x, ks, kw in rows:
        for k in ks:
            add(k, "fs-" + case, c, "filesystem: " + case, more=x, **kw)


def iommu():
    c = "iommu"
    ioapic = "<acpi/><apic/><ioapic driver='qemu'/>"
    rows = [
        ("intel", "<iommu model='intel'/>", ["qk", "aa"], {}),
        ("intel-intremap", "<iommu model='intel'><driver intremap='on'/></iommu>", ["qk"], {"features": ioapic}),
        ("intel-intremap-no-ioapic", "<iommu model='intel'><driver intremap='on'/></iommu>", ["qq"], {}),
        ("intel-eim-no-intremap", "<iommu model='intel'><driver eim='on'/></iommu>", ["qq"], {"features": ioapic}),
        ("intel-intremap-eim", "<iommu model='intel'><driver intremap='on' eim='on'/></iommu>", ["qq"], {"features": ioapic}),
        ("virtio", "<iommu model='virtio'/>", ["qq", "rv"], {}),
        ("smmuv3", "<iommu model='smmuv3'/>", ["aa", "qq"], {}),
        ("amd", "<iommu model='amd'/>", ["qq"], {}),
    ]
    for case, x, ks, kw in rows:
        for k in ks:
            add(k, "iommu-" + case, c, "iommu: " + case, more=x, **kw)


def chardevs():
    c = "chardev"
    rows = [
        ("serial-pty", "<serial type='pty'/>", ["arm", "ppc", "rv"]),
        ("serial-unix", "<serial type='unix'><source mode='bind' path='/tmp/domcaps-lv/serial-%s.sock'/></serial>", ["pk"]),
        ("serial-tcp-server", "<serial type='tcp'><source mode='bind' host='127.0.0.1' service='%s'/>"
         "<protocol type='raw'/></serial>", ["pk"]),
        ("serial-file", "<serial type='file'><source path='/tmp/domcaps-lv/serial-%s.log'/></serial>", ["pk"]),
        ("serial-file-missing-dir", "<serial type='file'><source path='/tmp/domcaps-lv/nonexistent-dir/serial.log'/></serial>", ["pk"]),
        ("serial-dev-ttyS0", "<serial type='dev'><source path='/dev/ttyS0'/></serial>", ["pk"]),
        ("serial-dev-missing", "<serial type='dev'><source path='/dev/ttyS9'/></serial>", ["pk"]),
    ]
    port = [5800]

    def fill(x):
        while "%s" in x:
            port[0] += 1
            x = x.replace("%s", str(port[0]), 1)
        return x
    for case, x, ks in rows:
        for k in ks:
            add(k, case, c, "chardev: " + case, more=fill(x))
    tt = [
        ("isa-serial", "isa-serial", ["aa"]), ("pci-serial", "pci-serial", ["qq"]),
        ("usb-serial", "usb-serial", ["pk"]), ("spapr-vio-serial", "spapr-vty", ["ppc", "pk"]),
        ("system-serial", "pl011", ["aa", "pk"]), ("system-serial", "16550a", ["rv"]),
        ("sclp-serial", "sclpconsole", ["s390", "pk"]), ("isa-serial", "spapr-vty", ["ppc"]),
    ]
    for ttype, model, ks in tt:
        for k in ks:
            add(k, "serial-target-%s-%s" % (ttype.split("-")[0], model), c,
                "serial target type %s, model %s" % (ttype, model),
                more="<serial type='pty'><target type='%s'><model name='%s'/></target></serial>" % (ttype, model))
    for k in ["s390"]:
        add(k, "serial-target-type-only-isa", c, "serial target type isa-serial without a model",
            more="<serial type='pty'><target type='isa-serial'/></serial>")
    cons = [("serial", ["s390"]), ("virtio", ["aa"]), ("sclp", ["s390", "pk"]),
            ("sclplm", ["s390"]), ("xen", ["pk"])]
    for ttype, ks in cons:
        for k in ks:
            add(k, "console-" + ttype, c, "a pty console of target type %s" % ttype,
                more="<console type='pty'><target type='%s'/></console>" % ttype)
    for k in ["pk", "aa"]:
        add(k, "parallel-pty", c, "a parallel port", more="<parallel type='pty'/>")
    ga = "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
    for k in ["aa", "s390"]:
        add(k, "channel-guest-agent", c, "the guest-agent channel", more=ga)
    add("pk", "channel-spicevmc", c, "a spicevmc channel with SPICE", display=SPICE + "<video><model type='qxl'/></video>",
        more="<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>")
    add("pk", "channel-spicevmc-no-spice", c, "a spicevmc channel without SPICE",
        more="<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>")
    add("pk", "channel-vdagent", c, "a qemu-vdagent channel",
        more="<channel type='qemu-vdagent'><source><clipboard copypaste='yes'/></source>"
             "<target type='virtio' name='com.redhat.spice.0'/></channel>")
    add("pk", "channel-guestfwd", c, "a guestfwd channel",
        more="<channel type='tcp'><source mode='connect' host='127.0.0.1' service='1'/>"
             "<target type='guestfwd' address='10.0.2.1' port='4600'/></channel>")
    add("pk", "channel-xen", c, "a xen channel", more="<channel type='pty'><target type='xen' name='x'/></channel>")


def misc_devices():
    c = "device"
    vs = "<vsock model='virtio'><cid auto='yes'/></vsock>"
    for k in ["pk"]:
        add(k, "vsock", c, "a virtio vsock (no /dev/vhost-vsock here)", more=vs)
    add("pk", "vsock-cid-2", c, "a vsock with the reserved CID 2",
        more="<vsock model='virtio'><cid auto='no' address='2'/></vsock>")
    for m, ks in [("isa", ["pk", "aa"]), ("pseries", ["ppc", "pk"]), ("hyperv", ["pk"]),
                  ("s390", ["s390", "pk"]), ("pvpanic", ["qq"])]:
        for k in ks:
            add(k, "panic-" + m, c, "panic model %s" % m, more="<panic model='%s'/>" % m)
    add("pk", "panic-hyperv-with-hyperv", c, "a hyperv panic with Hyper-V enlightenments",
        features=hv("<relaxed state='on'/>"), more="<panic model='hyperv'/>")
    hd = "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='%s' slot='%s' function='0x0'/></source></hostdev>"
    add("pk", "hostdev-pci", c, "PCI passthrough of an existing device (no IOMMU)", more=hd % ("0x00", "0x01"))
    add("pk", "hostdev-pci-missing", c, "PCI passthrough of a missing device", more=hd % ("0x7f", "0x1f"))
    add("pk", "hostdev-usb-missing", c, "USB passthrough of a missing vendor/product",
        more="<hostdev mode='subsystem' type='usb' managed='no'><source><vendor id='0x046d'/><product id='0xc52b'/></source></hostdev>")
    add("pk", "hostdev-scsi-missing", c, "SCSI passthrough of a missing adapter",
        more="<controller type='scsi' model='virtio-scsi'/><hostdev mode='subsystem' type='scsi'><source>"
             "<adapter name='scsi_host9'/><address bus='0' target='0' unit='0'/></source></hostdev>")
    add("pk", "hostdev-mdev-missing", c, "an mdev that does not exist",
        more="<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source>"
             "<address uuid='c2177883-f1bb-47f0-914d-32a22e3a8804'/></source></hostdev>")
    add("s390", "hostdev-mdev-ccw", c, "a vfio-ccw mdev on s390x TCG",
        more="<hostdev mode='subsystem' type='mdev' model='vfio-ccw'><source>"
             "<address uuid='c2177883-f1bb-47f0-914d-32a22e3a8804'/></source></hostdev>")
    rd = "<redirdev bus='usb' type='spicevmc'/>"
    sp = SPICE + "<video><model type='qxl'/></video>"
    add("pk", "redirdev-spicevmc", c, "USB redirection over SPICE", display=sp, more=rd)
    add("pk", "redirdev-no-usb", c, "USB redirection with USB turned off", display=sp,
        more=rd + "<controller type='usb' model='none'/>")
    add("pk", "smartcard-passthrough-spicevmc", c, "a passthrough smartcard over SPICE", display=sp,
        more="<smartcard mode='passthrough' type='spicevmc'/>")
    add("pk", "smartcard-host", c, "a host smartcard (NSS)", more="<smartcard mode='host'/>")
    for k in ["pk"]:
        add(k, "hub-usb", c, "a USB hub", more="<hub type='usb'/>")
    for k in ["pk"]:
        add(k, "shmem-ivshmem-plain", c, "an ivshmem-plain shared memory region",
            more="<shmem name='dcl-shm-%s'><model type='ivshmem-plain'/><size unit='M'>4</size></shmem>" % k)
    add("pk", "shmem-ivshmem-doorbell-missing-server", c, "ivshmem-doorbell with a missing server socket",
        more="<shmem name='dcl-shm-db'><model type='ivshmem-doorbell'/><server path='/tmp/domcaps-lv/nonexistent-ivshmem.sock'/>"
             "<msi vectors='2' ioeventfd='on'/></shmem>")
    add("pk", "shmem-ivshmem-legacy", c, "the removed legacy ivshmem model",
        more="<shmem name='dcl-shm-old'><model type='ivshmem'/><size unit='M'>4</size></shmem>")
    cr = "<crypto model='virtio' type='qemu'><backend model='%s' queues='1'/></crypto>"
    for k in ["pk"]:
        add(k, "crypto-builtin", c, "a virtio crypto device, builtin backend", more=cr % "builtin")
    add("pk", "crypto-lkcf", c, "a virtio crypto device, lkcf backend", more=cr % "lkcf")
    add("pk", "nvram-ppc-only", c, "an nvram device on x86", more="<nvram><address type='spapr-vio' reg='0x3000'/></nvram>")
    add("ppc", "nvram-spapr", c, "an nvram device on pseries", more="<nvram><address type='spapr-vio' reg='0x3000'/></nvram>")
    add("pk", "pstore-acpi-erst", c, "a pstore device (acpi-erst)",
        more="<pstore backend='acpi-erst'><path>/tmp/domcaps-lv/pstore.img</path><size unit='KiB'>8</size></pstore>")
    # launch security
    sev = "<launchSecurity type='sev'><cbitpos>47</cbitpos><reducedPhysBits>1</reducedPhysBits><policy>0x0003</policy></launchSecurity>"
    add("qk", "launchsec-sev", c, "AMD SEV on an Intel host", top=sev)
    add("qq", "launchsec-sev", c, "AMD SEV under TCG", top=sev)
    add("qk", "launchsec-sev-snp", c, "SEV-SNP (unknown to libvirt 9.0)",
        top="<launchSecurity type='sev-snp'><policy>0x00030000</policy></launchSecurity>")
    add("s390", "launchsec-s390-pv", c, "s390 protected virtualization under TCG", top="<launchSecurity type='s390-pv'/>")
    # tuning of the host side
    ct = [("vcpupin-cpu1", "<cputune><vcpupin vcpu='0' cpuset='1'/></cputune>"),
          ("vcpupin-missing-cpu", "<cputune><vcpupin vcpu='0' cpuset='7'/></cputune>"),
          ("emulatorpin-0", "<cputune><emulatorpin cpuset='0'/></cputune>"),
          ("emulatorpin-missing", "<cputune><emulatorpin cpuset='4-5'/></cputune>"),
          ("iothreadpin-missing", "<iothreads>1</iothreads><cputune><iothreadpin iothread='1' cpuset='9'/></cputune>")]
    for case, x in ct:
        add("pk", "cputune-" + case, c, "cputune: " + case, top=x)
    add("pk", "vcpu-cpuset-missing", c, "vcpu cpuset naming host CPUs 4-5", vcpu="<vcpu placement='static' cpuset='4-5'>1</vcpu>")
    add("pk", "sysinfo-smbios", c, "SMBIOS sysinfo mode",
        os_in="<smbios mode='sysinfo'/>",
        top="<sysinfo type='smbios'><system><entry name='manufacturer'>Example</entry>"
            "<entry name='product'>dcl</entry></system></sysinfo>")
    add("pk", "smbios-host", c, "SMBIOS mode host", os_in="<smbios mode='host'/>")
    add("pk", "genid", c, "a VM generation ID", top="<genid/>")
    add("pk", "pm-suspend", c, "power management suspend-to-mem enabled",
        top="<pm><suspend-to-mem enabled='yes'/><suspend-to-disk enabled='no'/></pm>")
    add("pk", "seclabel-none", c, "seclabel type none", top="<seclabel type='none'/>")
    add("pk", "direct-kernel-missing", c, "direct kernel boot with a missing kernel",
        os_in="<kernel>/tmp/domcaps-lv/nonexistent-vmlinuz</kernel><cmdline>console=ttyS0</cmdline>")
    add("pk", "bios-useserial", c, "SeaBIOS serial output", os_in="<bios useserial='yes' rebootTimeout='0'/>",
        more="<serial type='pty'/>")


# ---------------------------------------------------------------- realistic full domains
def pci(bus, slot, fn=0, mf=False):
    return ("<address type='pci' domain='0x0000' bus='0x%02x' slot='0x%02x' function='0x%x'%s/>" %
            (bus, slot, fn, " multifunction='on'" if mf else ""))


def root_ports(n, first_slot=2):
    return "".join("<controller type='pci' index='%d' model='pcie-root-port'><model name='pcie-root-port'/>"
                   "<target chassis='%d' port='0x%x'/>%s</controller>" %
                   (i, i, 0x10 + i - 1, pci(0, first_slot, i - 1, i == 1)) for i in range(1, n + 1))


GA = "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
OSINFO = ("<metadata><libosinfo:libosinfo xmlns:libosinfo='http://libosinfo.org/xmlns/libvirt/domain/1.0'>"
          "<libosinfo:os id='%s'/></libosinfo:libosinfo></metadata>")


def full(key, case, what, *, top="", devs, features=DEFAULT, cpu=DEFAULT, clock="", os_attrs="", os_in="",
         mem=1048576, vcpu="<vcpu placement='static'>2</vcpu>", mark=None):
    add(key, case, "realistic", what, mem=mem, cur_mem=mem, vcpu=vcpu, features=features, cpu=cpu, clock=clock,
        top=top, os_attrs=os_attrs, os_in=os_in, devs=devs,
        lifecycle="<on_poweroff>destroy</on_poweroff><on_reboot>destroy</on_reboot><on_crash>destroy</on_crash>", mark=mark)


def vm_q35(video="qxl", gfx=SPICE, sound="ich9", extra="", tpm=False, disk_bus="virtio"):
    """virt-manager / virt-install on q35: PCIe root ports and explicit addresses."""
    d = [root_ports(7),
         "<controller type='pci' index='0' model='pcie-root'/>",
         "<controller type='usb' index='0' model='qemu-xhci' ports='15'>%s</controller>" % pci(2, 0),
         "<controller type='sata' index='0'>%s</controller>" % pci(0, 0x1f, 2),
         "<controller type='virtio-serial' index='0'>%s</controller>" % pci(3, 0),
         disk("vda", disk_bus, driver=" discard='unmap'",
              extra=pci(4, 0) if disk_bus == "virtio" else ""),
         cdrom("sda", "sata", extra="<readonly/><address type='drive' controller='0' bus='0' target='0' unit='0'/>"),
         "<interface type='user'><mac address='52:54:00:6b:3c:01'/><model type='virtio'/>%s</interface>" % pci(1, 0),
         "<serial type='pty'><target type='isa-serial' port='0'><model name='isa-serial'/></target></serial>",
         "<console type='pty'><target type='serial' port='0'/></console>", GA,
         "<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>" if "spice" in gfx else "",
         "<input type='tablet' bus='usb'><address type='usb' bus='0' port='1'/></input>",
         "<input type='mouse' bus='ps2'/><input type='keyboard' bus='ps2'/>", gfx,
         "<sound model='%s'>%s</sound>" % (sound, pci(0, 0x1b)) if sound else "",
         "<audio id='1' type='spice'/>" if "spice" in gfx and sound else "",
         "<video><model type='%s'%s heads='1' primary='yes'/>%s</video>" %
         (video, " ram='65536' vram='65536' vgamem='16384'" if video == "qxl" else "", pci(0, 1)),
         "<redirdev bus='usb' type='spicevmc'><address type='usb' bus='0' port='2'/></redirdev>"
         "<redirdev bus='usb' type='spicevmc'><address type='usb' bus='0' port='3'/></redirdev>" if "spice" in gfx else "",
         "<tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>" if tpm else "",
         "<memballoon model='virtio'>%s</memballoon>" % pci(5, 0),
         "<rng model='virtio'><backend model='random'>/dev/urandom</backend>%s</rng>" % pci(6, 0), extra]
    return d


def vm_pc(video="cirrus", gfx=VNC, extra="", nicdrv=""):
    """An older virt-manager or OpenStack Nova domain on i440fx, explicit addresses."""
    return ["<controller type='pci' index='0' model='pci-root'/>",
            "<controller type='ide' index='0'>%s</controller>" % pci(0, 1, 1),
            "<controller type='usb' index='0' model='piix3-uhci'>%s</controller>" % pci(0, 1, 2),
            "<controller type='virtio-serial' index='0'>%s</controller>" % pci(0, 5),
            disk("vda", "virtio", driver=" cache='none' io='native'", extra=pci(0, 4)),
            cdrom("hdc", "ide", extra="<readonly/><address type='drive' controller='0' bus='1' target='0' unit='0'/>"),
            "<interface type='user'><mac address='fa:16:3e:11:22:33'/><model type='virtio'/>%s%s</interface>" % (nicdrv, pci(0, 3)),
            "<serial type='file'><source path='/tmp/domcaps-lv/console-%s.log'/><target port='0'/></serial>" % video,
            "<serial type='pty'><target port='1'/></serial>",
            "<console type='file'><source path='/tmp/domcaps-lv/console-%s.log'/><target type='serial' port='0'/></console>" % video,
            GA, "<input type='tablet' bus='usb'><address type='usb' bus='0' port='1'/></input>",
            "<input type='mouse' bus='ps2'/><input type='keyboard' bus='ps2'/>", gfx,
            "<video><model type='%s' heads='1' primary='yes'/>%s</video>" % (video, pci(0, 2)),
            "<memballoon model='virtio'><stats period='10'/>%s</memballoon>" % pci(0, 6),
            "<rng model='virtio'><backend model='random'>/dev/urandom</backend>%s</rng>" % pci(0, 7), extra]


NOVA_SYSINFO = ("<sysinfo type='smbios'><system><entry name='manufacturer'>OpenStack Foundation</entry>"
                "<entry name='product'>OpenStack Nova</entry><entry name='version'>27.1.0</entry>"
                "<entry name='family'>Virtual Machine</entry></system></sysinfo>")
NOVA_META = ("<metadata><nova:instance xmlns:nova='http://openstack.org/xmlns/libvirt/nova/1.1'>"
             "<nova:name>dcl-instance</nova:name><nova:flavor name='m1.small'><nova:memory>1024</nova:memory>"
             "<nova:vcpus>2</nova:vcpus></nova:flavor></nova:instance></metadata>")
NOVA_CLOCK = "<clock offset='utc'><timer name='pit' tickpolicy='delay'/><timer name='rtc' tickpolicy='catchup'/><timer name='hpet' present='no'/></clock>"


def kubevirt(extra="", top=""):
    """A KubeVirt virt-launcher domain on q35: non-transitional virtio, sockets for serial and VNC."""
    return [root_ports(6),
            "<controller type='usb' index='0' model='none'/>",
            "<controller type='scsi' index='0' model='virtio-non-transitional'/>",
            "<controller type='virtio-serial' index='0' model='virtio-non-transitional'/>",
            disk("vda", "virtio", driver=" cache='none' error_policy='stop' discard='unmap'",
                 extra="<alias name='ua-containerdisk'/>").replace("<disk ", "<disk model='virtio-non-transitional' "),
            "<interface type='user'><mac address='02:42:ac:11:00:02'/><model type='virtio-non-transitional'/>"
            "<mtu size='1480'/><alias name='ua-default'/><rom enabled='no'/></interface>",
            "<serial type='unix'><source mode='bind' path='/tmp/domcaps-lv/kv-serial0'/><target port='0'/></serial>",
            "<console type='pty'><target type='serial' port='0'/></console>",
            "<channel type='unix'><source mode='bind' path='/tmp/domcaps-lv/kv-ga.sock'/>"
            "<target type='virtio' name='org.qemu.guest_agent.0'/></channel>",
            "<graphics type='vnc'><listen type='socket' socket='/tmp/domcaps-lv/kv-vnc'/></graphics>",
            "<video><model type='vga' vram='16384' heads='1'/></video>",
            "<memballoon model='virtio-non-transitional' freePageReporting='on'><stats period='10'/></memballoon>",
            "<rng model='virtio-non-transitional'><backend model='random'>/dev/urandom</backend></rng>", extra]


def realistic():
    mk_q35 = dict(features="<acpi/><apic/><vmport state='off'/>",
                  clock="<clock offset='utc'><timer name='rtc' tickpolicy='catchup'/><timer name='pit' tickpolicy='delay'/>"
                        "<timer name='hpet' present='no'/></clock>",
                  top=OSINFO % "http://debian.org/debian/12" +
                  "<pm><suspend-to-mem enabled='no'/><suspend-to-disk enabled='no'/></pm>")
    full("qk", "virt-manager-spice", "virt-manager on q35/KVM: SPICE, qxl, ich9, usb redirection",
         devs=vm_q35(), cpu="<cpu mode='host-passthrough' check='none' migratable='on'/>", **mk_q35)
    full("qk", "virt-manager-vnc-tpm", "virt-install on q35/KVM: VNC, virtio video, a TPM, no sound",
         devs=vm_q35(video="virtio", gfx=VNC, sound=None, tpm=True), cpu="", **mk_q35)
    full("qq", "virt-manager-spice", "virt-manager on q35/TCG", devs=vm_q35(), cpu="", **mk_q35)
    full("qq", "virt-manager-efi-secboot", "virt-manager on q35/TCG with UEFI secure boot and a TPM",
         devs=vm_q35(video="virtio", tpm=True), cpu="", os_attrs=" firmware='efi'",
         os_in=fwfeat(secure_boot="yes", enrolled_keys="yes"),
         **dict(mk_q35, features="<acpi/><apic/><vmport state='off'/><smm state='on'/>"))
    full("qk", "virt-manager-efi", "virt-manager on q35/KVM with UEFI (SMM off, no secure boot)",
         devs=vm_q35(video="virtio"), cpu="", os_attrs=" firmware='efi'", os_in=fwfeat(secure_boot="no"),
         **dict(mk_q35, features="<acpi/><apic/><vmport state='off'/><smm state='off'/>"))
    full("qk", "virt-manager-broken-ide", "virt-manager on q35/KVM, one thing broken: the disk on IDE",
         devs=vm_q35(disk_bus="ide"), cpu="", **mk_q35)
    full("qk", "virt-manager-broken-tpm12-crb", "virt-manager on q35/KVM, one thing broken: a CRB TPM 1.2",
         devs=vm_q35(extra="<tpm model='tpm-crb'><backend type='emulator' version='1.2'/></tpm>"), cpu="", **mk_q35)
    full("qk", "windows-hyperv", "virt-manager Windows guest on q35/KVM: Hyper-V set, hypervclock",
         devs=vm_q35(), cpu="<cpu mode='host-passthrough' check='none'/>",
         features="<acpi/><apic/><hyperv mode='custom'><relaxed state='on'/><vapic state='on'/>"
                  "<spinlocks state='on' retries='8191'/></hyperv><vmport state='off'/>",
         clock="<clock offset='localtime'><timer name='rtc' tickpolicy='catchup'/><timer name='pit' tickpolicy='delay'/>"
               "<timer name='hpet' present='no'/><timer name='hypervclock' present='yes'/></clock>")
    full("pk", "virt-manager-old-pc", "an older virt-manager domain on pc/KVM: cirrus, VNC, ich6",
         devs=vm_pc(extra="<sound model='ich6'>%s</sound>" % pci(0, 8)), cpu="")
    full("pq", "virt-manager-old-pc", "an older virt-manager domain on pc/TCG", devs=vm_pc(), cpu="")
    full("ipk", "virt-manager-i686", "an i686 guest on pc/KVM: qxl, SPICE, ac97",
         devs=vm_pc(video="qxl", gfx=SPICE, extra="<sound model='ac97'>%s</sound>" % pci(0, 8)), cpu="")
    nova = dict(top=NOVA_META + NOVA_SYSINFO + "<cputune><shares>2048</shares></cputune>",
                os_in="<boot dev='hd'/><smbios mode='sysinfo'/>", clock=NOVA_CLOCK)
    full("pk", "nova-pc", "an OpenStack Nova instance on pc/KVM", devs=vm_pc(video="virtio"),
         cpu="<cpu mode='host-model' match='exact'><topology sockets='2' cores='1' threads='1'/></cpu>", **nova)
    full("qk", "nova-q35", "an OpenStack Nova instance on q35/KVM with a custom pentium3 CPU",
         devs=vm_q35(video="virtio", gfx=VNC, sound=None),
         cpu="<cpu mode='custom' match='exact'><model fallback='forbid'>pentium3</model>"
             "<topology sockets='2' cores='1' threads='1'/></cpu>", **nova)
    full("pq", "nova-pc-tcg", "an OpenStack Nova instance on pc/TCG", devs=vm_pc(video="cirrus"), cpu="", **nova)
    full("pk", "nova-broken-vhost", "a Nova instance, one thing broken: vhost-net without /dev/vhost-net",
         devs=vm_pc(video="virtio", nicdrv="<driver name='vhost' queues='2'/>"), cpu="", **nova)
    full("pk", "nova-broken-hugepages", "a Nova instance, one thing broken: 2 MiB hugepages",
         devs=vm_pc(video="virtio"), cpu="",
         **dict(nova, top=nova["top"] + mb("<hugepages><page size='2048' unit='KiB'/></hugepages>")))
    kv = dict(features="<acpi/>", top="<sysinfo type='smbios'><system><entry name='uuid'>6a1a24a1-4061-4607-8bf4-a3029d0c3a06</entry>"
              "<entry name='manufacturer'>KubeVirt</entry><entry name='family'>KubeVirt</entry></system></sysinfo>",
              os_in="<smbios mode='sysinfo'/>")
    full("qk", "kubevirt", "a KubeVirt virt-launcher domain on q35/KVM", devs=kubevirt(),
         cpu="<cpu mode='host-model'><topology sockets='1' cores='2' threads='1'/></cpu>", **kv)
    full("qk", "kubevirt-broken-iothread", "a KubeVirt domain, one thing broken: a disk on a missing iothread",
         devs=kubevirt(extra=disk("vdb", "virtio", src=S + "/disk2.qcow2", driver=" iothread='3'")),
         cpu="", **dict(kv, top=kv["top"] + "<iothreads>1</iothreads>"))
    # other arches, as virt-install makes them
    aa_devs = [root_ports(6, 1), "<controller type='usb' index='0' model='qemu-xhci' ports='15'/>",
               "<controller type='scsi' index='0' model='virtio-scsi'/>",
               "<controller type='virtio-serial' index='0'/>", disk("vda", "virtio"), cdrom("sda", "scsi"),
               nic("virtio"), "<serial type='pty'><target type='system-serial' port='0'><model name='pl011'/></target></serial>",
               "<console type='pty'><target type='serial' port='0'/></console>", GA,
               "<input type='tablet' bus='usb'/><input type='keyboard' bus='usb'/>", VNC,
               "<video><model type='virtio' heads='1' primary='yes'/></video>",
               "<memballoon model='virtio'/>", "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"]
    full("aa", "virt-install", "virt-install on aarch64 virt/TCG: UEFI, ACPI, GICv3, VNC, virtio-gpu",
         devs=aa_devs, os_attrs=" firmware='efi'", features="<acpi/><gic version='3'/>",
         top=OSINFO % "http://fedoraproject.org/fedora/38")
    full("aa", "virt-install-broken-egl", "virt-install on aarch64, one thing broken: egl-headless without a render node",
         devs=aa_devs + ["<graphics type='egl-headless'/>"], os_attrs=" firmware='efi'", features="<acpi/><gic version='3'/>")
    full("aa", "kubevirt", "a KubeVirt domain on aarch64 virt/TCG", devs=kubevirt(), os_attrs=" firmware='efi'",
         features="<acpi/>", cpu="<cpu mode='custom'><model>cortex-a57</model><topology sockets='1' cores='2' threads='1'/></cpu>")
    full("arm", "virt-install", "virt-install on armv7l virt/TCG: UEFI, virtio devices",
         devs=[disk("vda", "virtio"), nic("virtio"), "<serial type='pty'/>", "<console type='pty'><target type='serial'/></console>",
               "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>", "<memballoon model='virtio'/>"],
         os_attrs=" firmware='efi'", cpu="<cpu mode='custom' match='exact'><model fallback='forbid'>cortex-a15</model></cpu>")
    ppc_devs = ["<controller type='usb' index='0' model='qemu-xhci'/>", "<controller type='scsi' index='0' model='ibmvscsi'/>",
                "<controller type='pci' index='0' model='pci-root'><model name='spapr-pci-host-bridge'/><target index='0'/></controller>",
                disk("vda", "virtio"), cdrom("sda", "scsi"), nic("virtio"),
                "<serial type='pty'><target type='spapr-vio-serial' port='0'><model name='spapr-vty'/></target></serial>",
                "<console type='pty'><target type='serial' port='0'/></console>", GA,
                "<input type='tablet' bus='usb'/><input type='keyboard' bus='usb'/>", VNC,
                "<video><model type='vga'/></video>", "<memballoon model='virtio'/>",
                "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>", "<panic model='pseries'/>"]
    full("ppc", "virt-install", "virt-install on ppc64 pseries/TCG: VNC, spapr-vty, ibmvscsi, panic",
         devs=ppc_devs, top=OSINFO % "http://fedoraproject.org/fedora/38")
    full("ppc", "virt-install-broken-itco", "virt-install on pseries, one thing broken: an iTCO watchdog",
         devs=ppc_devs + ["<watchdog model='itco' action='reset'/>"])
    s_devs = [disk("vda", "virtio"), nic("virtio"), "<console type='pty'><target type='sclp' port='0'/></console>", GA,
              "<memballoon model='virtio'/>", "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>",
              "<watchdog model='diag288' action='reset'/>", "<panic model='s390'/>"]
    full("s390", "virt-install", "virt-install on s390x/TCG: sclp console, diag288, panic",
         devs=s_devs, cpu="<cpu mode='custom'><model>qemu</model></cpu>")
    full("s390", "virt-install-broken-usb-tablet", "virt-install on s390x, one thing broken: a USB tablet",
         devs=s_devs + ["<input type='tablet' bus='usb'/>"])
    rv_devs = [root_ports(4, 1), "<controller type='usb' index='0' model='qemu-xhci'/>", disk("vda", "virtio"), nic("virtio"),
               "<serial type='pty'/>", "<console type='pty'><target type='serial'/></console>", GA,
               "<input type='tablet' bus='usb'/>", VNC, "<video><model type='virtio'/></video>",
               "<memballoon model='virtio'/>", "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"]
    full("rv", "virt-install", "virt-install on riscv64 virt/TCG: PCIe, VNC, virtio-gpu", devs=rv_devs)
    full("rv", "virt-install-broken-sound", "virt-install on riscv64, one thing broken: an ISA sb16 sound card",
         devs=rv_devs + ["<sound model='sb16'/>"])


CLASSES = [machines, implicit, schema, cpu, topology, hyperv, clock, features, firmware, memory, disks,
           controllers, interfaces, video, graphics, inputs, sound, watchdog, balloon, rng, tpm, filesystems,
           iommu, chardevs, misc_devices, realistic]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "data", "libvirt-agreement", "domains")
    for fn in CLASSES:
        fn()
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):
        if f.endswith(".xml") and f[:-4] not in CASES:
            os.unlink(os.path.join(out, f))
    per = {}
    for name, (cls, text) in sorted(CASES.items()):
        path = os.path.join(out, name + ".xml")
        old = open(path).read() if os.path.exists(path) else None
        if old != text:
            with open(path, "w") as f:
                f.write(text)
        per[cls] = per.get(cls, 0) + 1
    print("%d domains in %s: %s" % (len(CASES), out, ", ".join("%s %d" % kv for kv in per.items())))


if __name__ == "__main__":
    main()
