#!/bin/bash
# Records what real libvirt + QEMU do with each domain of
# tests/data/libvirt-agreement/domains/: virsh define, then (if defined)
# virsh start bounded by a timeout, then a look at the domain's state, then
# destroy and undefine (--nvram --tpm). One row per domain goes into
# tests/data/libvirt-agreement/verdicts.tsv (or -o FILE):
#
#   domain arch machine virttype libvirt_verdict libvirt_message domcaps_exit domcaps_rules
#
# libvirt_verdict is define-error, start-error or started. "started" also
# covers a guest that QEMU ran and that then stopped by itself: paused (a KVM
# emulation failure), crashed (a guest panic, e.g. the s390x disabled wait of
# a guest with nothing to boot), or shut off because the guest powered off,
# reset (on_reboot=destroy) or panicked; the message then says which.
# A domain QEMU itself quit for after start is a start-error with QEMU's words.
#
# With -d DOMCAPS each file is also checked live (`DOMCAPS check --format
# json`) and the exit status and the rules of its error findings fill the
# last two columns; without it they are "-". -D redoes only those columns of
# the existing table, without libvirt.
#
# Rows of the named domains replace their old rows; the table stays sorted by
# domain and loses rows whose domain file no longer exists.
#
# Usage: tests/capture/libvirt-verdicts.sh [-d DOMCAPS] [-D] [-o OUT.tsv] [DOMAIN.xml...]
#   environment: START_TIMEOUT (seconds, default 30), SETTLE (seconds to wait
#   after a successful start before reading the state, default 2)
# Needs root and a running libvirtd (see /work/shared/tools/setup-libvirt.sh).
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
data=$here/tests/data/libvirt-agreement
domcaps=
domcaps_only=
out=$data/verdicts.tsv
while getopts d:Do: opt; do
  case $opt in
    d) domcaps=$OPTARG ;;
    D) domcaps_only=1 ;;
    o) out=$OPTARG ;;
    *) sed -n '2,/^set -u/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [ $# -gt 0 ]; then files=("$@"); else files=("$data"/domains/*.xml); fi
if [ -n "$domcaps_only" ] && [ -z "$domcaps" ]; then
  echo "libvirt-verdicts.sh: -D needs -d DOMCAPS" >&2; exit 2
fi
uri=qemu:///system
virsh() { command virsh -q -c "$uri" "$@"; }
START_TIMEOUT=${START_TIMEOUT:-30}
SETTLE=${SETTLE:-2}
logdir=/var/log/libvirt/qemu

# Scratch images the domains refer to, so that no start fails for a missing
# file unless the domain means it to.
scratch=/tmp/domcaps-lv
mkdir -p "$scratch/share"
[ -f "$scratch/disk.qcow2" ] || qemu-img create -q -f qcow2 "$scratch/disk.qcow2" 64M
[ -f "$scratch/disk2.qcow2" ] || qemu-img create -q -f qcow2 "$scratch/disk2.qcow2" 64M
[ -f "$scratch/disk.raw" ] || truncate -s 64M "$scratch/disk.raw"
[ -f "$scratch/cd.iso" ] || truncate -s 1M "$scratch/cd.iso"
[ -f "$scratch/floppy.img" ] || truncate -s 1440K "$scratch/floppy.img"
[ -f "$scratch/nvdimm.img" ] || truncate -s 128M "$scratch/nvdimm.img"
[ -f "$scratch/serial.log" ] || : >"$scratch/serial.log"
chmod -R a+rwX "$scratch"

oneline() { tr '\n\t' '  ' | sed -e 's/  */ /g' -e 's/^ //' -e 's/ $//'; }
# virsh's message without its "Failed to ..." line, QEMU's timestamps, the
# CPUID warnings QEMU prints for guests on this nested host, and the numbers
# that change from run to run (domain ids in cgroup and socket paths).
virsh_msg() {
  grep -v -e '^error: Failed to ' -e "warning: host doesn't support requested feature" \
      -e "warning: TCG doesn't support requested feature" |
    sed -e 's/^error: //' -e 's/[0-9-]*T[0-9:.]*Z //g' \
        -e 's/qemu-[0-9][0-9]*-/qemu-N-/g' -e 's/domain-[0-9][0-9]*-/domain-N-/g' | oneline
}
# What QEMU and libvirt wrote to the domain's log since offset $2.
log_since() { tail -c +"$(($2 + 1))" "$logdir/$1.log" 2>/dev/null; }
# QEMU's own error lines in that part of the log (not the command line).
qemu_lines() {
  grep -e '^[0-9-]*T[0-9:.]*Z qemu-system' -e '^qemu-system' -e 'KVM internal error' \
       -e 'emulation failure' -e '^panic ' -e 'Assertion' |
    grep -v -e "requested feature" -e 'terminating on signal' | virsh_msg
}

cleanup_dom() {
  local name=$1
  virsh destroy "$name" >/dev/null 2>&1
  virsh undefine --nvram --tpm "$name" >/dev/null 2>&1 ||
    virsh undefine --nvram "$name" >/dev/null 2>&1 ||
    virsh undefine "$name" >/dev/null 2>&1
}
current=
tmp=$(mktemp -d)
trap '[ -n "$current" ] && cleanup_dom "$current"; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# arch, machine and virttype as written in the domain ("-" when absent).
meta() {
  python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    r = ET.parse(sys.argv[1]).getroot()
except Exception:
    print("-\t-\t-"); sys.exit()
t = r.find("./os/type")
g = lambda e, a: (e.get(a) if e is not None else None) or "-"
print("%s\t%s\t%s" % (g(t, "arch"), g(t, "machine"), r.get("type") or "-"))
PY
}

domcaps_cols() {
  local f=$1 rc rules
  if [ -z "$domcaps" ]; then printf -- '-\t-'; return; fi
  "$domcaps" check --format json "$f" >"$tmp/json" 2>"$tmp/dcerr"
  rc=$?
  rules=$(python3 - "$tmp/json" <<'PY'
import json, sys
try:
    doc = json.load(open(sys.argv[1]))
except Exception:
    print("-"); sys.exit()
out = []
for fl in doc.get("files", []):
    if fl.get("inputError"):
        out.append("input-error")
    for x in fl.get("findings", []):
        if x.get("severity") == "error" and x["rule"] not in out:
            out.append(x["rule"])
print(",".join(out) or "-")
PY
)
  printf '%s\t%s' "$rc" "$rules"
}

# Runs one domain through libvirt; prints "verdict<TAB>message".
libvirt_verdict() {
  local f=$1 name=$2 off verdict msg state reason extra panic
  cleanup_dom "$name"            # leftovers of an interrupted run
  off=$(stat -c %s "$logdir/$name.log" 2>/dev/null || echo 0)
  msg=
  if ! timeout 60 virsh -q -c "$uri" define "$f" >/dev/null 2>"$tmp/err"; then
    verdict=define-error; msg=$(virsh_msg <"$tmp/err")
    [ -n "$msg" ] || msg="(virsh define failed without a message)"
  elif ! timeout "$START_TIMEOUT" virsh -q -c "$uri" start "$name" >/dev/null 2>"$tmp/err"; then
    verdict=start-error; msg=$(virsh_msg <"$tmp/err")
    [ -n "$msg" ] || msg="(timeout after ${START_TIMEOUT}s)"
  else
    sleep "$SETTLE"              # QEMU or the guest may still stop right after start
    state=$(virsh domstate --reason "$name" 2>/dev/null | oneline)
    reason=$(log_since "$name" "$off" | sed -n 's/.*shutting down, reason=\([a-z-]*\).*/\1/p' | tail -1)
    extra=$(log_since "$name" "$off" | qemu_lines)
    case $state in
      running*) verdict=started ;;
      paused*|crashed*|pmsuspended*)
        verdict=started; msg="guest $state after start${extra:+: $extra}" ;;
      "shut off"*)
        panic=$(log_since "$name" "$off" | sed -n "s/^[0-9-]* [0-9:.+]*: panic \(.*\)/\1/p" |
                sed -e "s/ psw-[a-z]*='[^']*'//g" | tail -1)
        if [ -n "$panic" ]; then
          verdict=started; msg="guest panicked after start: $panic (libvirt: $state)"
        elif [ "$reason" = shutdown ] || [ "$reason" = destroyed ]; then
          verdict=started; msg="guest stopped after start: $state, reason=$reason${extra:+: $extra}"
        else
          verdict=start-error; msg="QEMU quit after start: $state${reason:+, reason=$reason}${extra:+: $extra}"
        fi ;;
      *) verdict=start-error; msg="domain state '$state' after start${extra:+: $extra}" ;;
    esac
  fi
  cleanup_dom "$name"
  printf '%s\t%s' "$verdict" "${msg:--}"
}

# Merges the rows recorded so far into $out (new rows replace old ones; rows
# of deleted domain files go) and empties $tmp/new. Called every 20 domains,
# so an interrupted run keeps what it recorded.
merge() {
  python3 - "$out" "$tmp/new" "$data/domains" <<'PY'
import os, sys
out, new, ddir = sys.argv[1:4]
rows = {}
if os.path.exists(out):
    for line in open(out).read().splitlines()[1:]:
        if line:
            rows[line.split("\t", 1)[0]] = line
for line in open(new).read().splitlines():
    rows[line.split("\t", 1)[0]] = line
if os.path.abspath(os.path.dirname(out)) == os.path.abspath(os.path.dirname(ddir.rstrip("/"))):
    rows = {k: v for k, v in rows.items() if os.path.exists(os.path.join(ddir, k + ".xml"))}
tmp = out + ".tmp"
with open(tmp, "w") as f:
    f.write("domain\tarch\tmachine\tvirttype\tlibvirt_verdict\tlibvirt_message\tdomcaps_exit\tdomcaps_rules\n")
    for k in sorted(rows):
        f.write(rows[k] + "\n")
os.replace(tmp, out)
PY
  : >"$tmp/new"
}

: >"$tmp/new"
n=0 total=${#files[@]} t0=$(date +%s)
for f in "${files[@]}"; do
  n=$((n + 1))
  base=$(basename "$f" .xml)
  if [ -n "$domcaps_only" ]; then
    old=$(awk -F'\t' -v d="$base" '$1 == d { print $5 "\t" $6 }' "$out" 2>/dev/null)
    [ -n "$old" ] || { echo "$base: not in $out, skipped" >&2; continue; }
    lv=$old
  else
    name=$(sed -n 's:.*<name>\(.*\)</name>.*:\1:p' "$f" | head -1)
    current=$name
    lv=$(libvirt_verdict "$f" "$name")
    current=
  fi
  dc=$(domcaps_cols "$f")
  printf '%s\t%s\t%s\t%s\n' "$base" "$(meta "$f")" "$lv" "$dc" >>"$tmp/new"
  printf '[%d/%d %ds] %-50s %s\n' "$n" "$total" $(($(date +%s) - t0)) "$base" \
    "$(printf '%s' "$lv" | cut -c1-120 | tr '\t' ' ')" >&2
  [ $((n % 20)) -ne 0 ] || merge
done
merge
echo "wrote $out ($n domains this run)" >&2

