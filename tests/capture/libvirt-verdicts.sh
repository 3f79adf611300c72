#!/bin/bash
# Compare `domcaps check` with what real libvirt + QEMU do with each domain in
# tests/data/libvirt-agreement/domains/: virsh define, then (if defined)
# virsh start (bounded by a timeout), then destroy and undefine --nvram.
# Writes tests/data/libvirt-agreement/verdicts.tsv with the columns
#   domain, libvirt verdict (define-error|start-error|started),
#   libvirt message, domcaps exit, domcaps rules (error findings).
# Usage: tests/capture/libvirt-verdicts.sh [DOMCAPS [DOMAIN.xml...]]
# Needs root and a running libvirtd (see /work/shared/tools/setup-libvirt.sh).
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
data=$here/tests/data/libvirt-agreement
domcaps=${1:-/tmp/build-lv/src/domcaps}
shift || true
if [ $# -gt 0 ]; then files=("$@"); else files=("$data"/domains/*.xml); fi
out=$data/verdicts.tsv
uri=qemu:///system
virsh() { command virsh -q -c "$uri" "$@"; }
START_TIMEOUT=${START_TIMEOUT:-60}

# Scratch images referenced by the domains, so starts fail only for
# capability or host reasons.
scratch=/tmp/domcaps-lv
mkdir -p "$scratch/share"
[ -f "$scratch/disk.qcow2" ] || qemu-img create -q -f qcow2 "$scratch/disk.qcow2" 64M
[ -f "$scratch/cd.iso" ] || truncate -s 1M "$scratch/cd.iso"
[ -f "$scratch/floppy.img" ] || truncate -s 1440K "$scratch/floppy.img"

oneline() { tr '\n\t' '  ' | sed -e 's/  */ /g' -e 's/^ //' -e 's/ $//'; }
# virsh's message without its "Failed to ..." line, QEMU's timestamps and the
# CPUID warnings QEMU prints for every KVM guest on this nested host.
virsh_msg() {
  grep -v -e '^error: Failed to ' -e "warning: host doesn't support requested feature" |
    sed -e 's/^error: //' -e 's/[0-9-]*T[0-9:.]*Z //g' | oneline
}

cleanup_dom() {
  local name=$1
  virsh destroy "$name" >/dev/null 2>&1
  virsh undefine --nvram "$name" >/dev/null 2>&1 ||
    virsh undefine "$name" >/dev/null 2>&1
}
current=
trap '[ -n "$current" ] && cleanup_dom "$current"' EXIT INT TERM

tmp=$(mktemp -d)
printf 'domain\tlibvirt_verdict\tlibvirt_message\tdomcaps_exit\tdomcaps_rules\n' >"$tmp/tsv"
for f in "${files[@]}"; do
  base=$(basename "$f" .xml)
  name=$(sed -n 's:.*<name>\(.*\)</name>.*:\1:p' "$f" | head -1)
  current=$name
  cleanup_dom "$name"            # leftovers from an interrupted run
  msg=
  if ! virsh define "$f" >/dev/null 2>"$tmp/err"; then
    verdict=define-error; msg=$(virsh_msg <"$tmp/err")
  elif ! timeout "$START_TIMEOUT" virsh start "$name" >/dev/null 2>"$tmp/err"; then
    verdict=start-error; msg=$(virsh_msg <"$tmp/err")
    [ -n "$msg" ] || msg="(timeout after ${START_TIMEOUT}s)"
  else
    sleep 2                      # QEMU may still quit right after start
    state=$(virsh domstate "$name" 2>/dev/null | oneline)
    if [ "$state" = running ]; then
      verdict=started; msg=
    elif [ "$state" = paused ]; then
      # QEMU started; the guest then stopped (e.g. a KVM emulation failure):
      # libvirt and QEMU accepted the domain.
      verdict=started
      msg="guest paused after start: $(grep -m1 -e 'KVM internal error' -e 'emulation failure' /var/log/libvirt/qemu/"$name".log 2>/dev/null | oneline)"
    else
      verdict=start-error
      msg="domain $state after start: $(tail -n 3 /var/log/libvirt/qemu/"$name".log 2>/dev/null | oneline)"
    fi
  fi
  cleanup_dom "$name"
  current=
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
  printf '%s\t%s\t%s\t%s\t%s\n' "$base" "$verdict" "${msg:--}" "$rc" "$rules" >>"$tmp/tsv"
  printf '%-28s %-12s dc=%s %-30s %s\n' "$base" "$verdict" "$rc" "$rules" "${msg:0:110}" >&2
done
mv "$tmp/tsv" "$out"
rm -rf "$tmp"
echo "wrote $out" >&2
