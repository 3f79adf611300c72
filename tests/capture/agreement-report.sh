#!/bin/bash
# Prints where `domcaps check` and real libvirt disagree on the agreement
# corpus (tests/data/libvirt-agreement): the false rejects (libvirt started
# the domain, domcaps has an error finding) grouped by the rules domcaps
# fired, and the false accepts (libvirt refused it, domcaps has no error)
# grouped by the corpus class and libvirt's message, each with libvirt's
# exact message and domcaps' findings. Domains classes.tsv lists are left out
# (-a shows them too). Offline, as the `agreement` meson test does: the
# snapshots of targets.tsv from this host's QMP recordings and captured root,
# and host.xml.
#
# Usage: tests/capture/agreement-report.sh [-a] [DOMCAPS]
#   DOMCAPS defaults to build/src/domcaps under the source tree.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
data=$here/tests/data/libvirt-agreement
all=
if [ "${1:-}" = -a ]; then all=1; shift; fi
domcaps=${1:-$here/build/src/domcaps}
[ -x "$domcaps" ] || { echo "agreement-report.sh: $domcaps is not executable" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

caps=()
while IFS=$'\t' read -r replies arch machine virttype; do
  case $replies in '#'*|'') continue ;; esac
  out=$tmp/$replies-$arch-$machine-$virttype.xml
  "$domcaps" --replay "$here/tests/data/replies/$replies.replies" \
    --sysroot "$here/tests/data/roots/intel-nested-kvm" --arch "$arch" --machine "$machine" \
    --virttype "$virttype" --snapshot --no-cache >"$out"
  caps+=(--caps "$out")
done <"$data/targets.tsv"
(cd "$data" && "$domcaps" check "${caps[@]}" --host host.xml --format json domains/*.xml) \
  >"$tmp/check.json" 2>"$tmp/check.err" || [ $? -eq 1 ]

python3 - "$data" "$tmp/check.json" "$all" <<'PY'
import collections, json, os, re, sys
data, jpath, show_all = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
verdicts = {}
for line in open(os.path.join(data, "verdicts.tsv")).read().splitlines()[1:]:
    f = line.split("\t")
    verdicts[f[0]] = dict(arch=f[1], machine=f[2], virttype=f[3], verdict=f[4], message=f[5])
classes = {}
for line in open(os.path.join(data, "classes.tsv")):
    if line.startswith("#") or not line.strip():
        continue
    f = line.rstrip("\n").split("\t")
    classes[f[0]] = (f[1], f[2])
results = {}
for fo in json.load(open(jpath))["files"]:
    dom = os.path.basename(fo["file"])[:-4]
    errs = [x for x in fo.get("findings", []) if x["severity"] == "error"]
    warns = [x for x in fo.get("findings", []) if x["severity"] == "warning"]
    if fo.get("inputError"):
        errs.insert(0, dict(rule="input-error", message=str(fo["inputError"])))
    results[dom] = (errs, warns)


def corpus_class(dom):
    try:
        head = open(os.path.join(data, "domains", dom + ".xml")).readline()
    except OSError:
        return "?"
    m = re.search(r"class: ([a-z-]+)", head)
    return m.group(1) if m else "?"


def shape(msg):
    """libvirt's message with the parts that vary per domain blanked, to group by."""
    msg = re.sub(r"qemu-system-[a-z0-9_]+: -[a-z]+ \{[^}]*\}|-[a-z]+ [^ ]*,[^ ]*", "<arg>", msg)
    msg = re.sub(r"'[^']*'", "'…'", msg)
    msg = re.sub(r"\b\d+\b", "N", msg)
    return msg[:110]


rejects, accepts, per_arch = collections.defaultdict(list), collections.defaultdict(list), collections.Counter()
counts = collections.Counter()
for dom in sorted(results):
    v = verdicts.get(dom)
    if not v:
        counts["unrecorded"] += 1
        continue
    errs, warns = results[dom]
    refused = v["verdict"] != "started"
    mismatch = refused != bool(errs)
    if dom in classes and not show_all:
        counts["skipped"] += 1
        continue
    counts["compared"] += 1
    if not mismatch:
        counts["agree"] += 1
        continue
    tag = "  [class %s: %s]" % classes[dom] if dom in classes else ""
    if refused:
        per_arch[(v["arch"], "false accept")] += 1
        accepts[(corpus_class(dom), shape(v["message"]))].append((dom, v, warns, tag))
    else:
        per_arch[(v["arch"], "false reject")] += 1
        rejects[",".join(sorted({e["rule"] for e in errs}))].append((dom, v, errs, tag))

print("compared %d: agree %d, false rejects %d, false accepts %d; skipped by classes.tsv %d; unrecorded %d" % (
    counts["compared"], counts["agree"], sum(map(len, rejects.values())), sum(map(len, accepts.values())),
    counts["skipped"], counts["unrecorded"]))
for arch in sorted({a for a, _ in per_arch}):
    print("  %-8s false rejects %3d, false accepts %3d" % (arch, per_arch[(arch, "false reject")],
                                                          per_arch[(arch, "false accept")]))
print("\n== FALSE REJECTS: libvirt started the domain, domcaps has an error (by domcaps rules)")
for rules in sorted(rejects, key=lambda r: (-len(rejects[r]), r)):
    print("\n-- [%s] %d" % (rules, len(rejects[rules])))
    for dom, v, errs, tag in rejects[rules]:
        lv = "" if v["message"] == "-" else "  (libvirt: %s)" % v["message"]
        print("  %s%s%s" % (dom, tag, lv))
        for e in errs[:3]:
            print("      domcaps [%s] %s" % (e["rule"], e["message"]))
print("\n== FALSE ACCEPTS: libvirt refused the domain, domcaps has no error (by corpus class, libvirt message)")
for key in sorted(accepts, key=lambda k: (k[0], -len(accepts[k]), k[1])):
    print("\n-- %s: %s  (%d)" % (key[0], key[1], len(accepts[key])))
    for dom, v, warns, tag in accepts[key]:
        print("  %s%s\n      libvirt %s: %s" % (dom, tag, v["verdict"], v["message"]))
        for w in warns[:2]:
            print("      domcaps warning [%s] %s" % (w["rule"], w["message"]))
PY
