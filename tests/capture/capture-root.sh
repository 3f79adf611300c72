#!/bin/bash
# Captures the host state domcaps reads into a small fixture tree:
#   tests/capture/capture-root.sh DEST [--no-kvm]
# Firmware descriptors are copied verbatim; the firmware images they name
# become one-line placeholders; swtpm tools become scripts that print what the
# real ones printed; device nodes become placeholder files. Nothing large and
# nothing private (no serial numbers, no host names) is copied.
set -euo pipefail

dest=${1:?usage: capture-root.sh DEST [--no-kvm]}
nokvm=${2:-}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

placeholder() { # PATH
  mkdir -p "$dest$(dirname "$1")"
  printf 'placeholder for %s captured by tests/capture/capture-root.sh\n' "$1" > "$dest$1"
}

for dir in /usr/share/qemu/firmware /etc/qemu/firmware; do
  [ -d "$dir" ] || continue
  mkdir -p "$dest$dir"
  for f in "$dir"/*.json; do
    [ -e "$f" ] || continue
    cp "$f" "$dest$f"
    # every file the descriptor names, as a placeholder when it exists here
    grep -o '"filename": *"[^"]*"' "$f" | sed 's/.*"\(\/[^"]*\)"$/\1/' | while read -r img; do
      [ -e "$img" ] && placeholder "$img"
    done
  done
done

for tool in swtpm swtpm_setup swtpm_ioctl; do
  path=$(command -v "$tool" || true)
  [ -n "$path" ] || continue
  mkdir -p "$dest$(dirname "$path")"
  caps=$("$path" --print-capabilities 2>/dev/null || true)
  printf '#!/bin/sh\n# captured: %s --print-capabilities\ncat <<'"'"'CAPS'"'"'\n%s\nCAPS\n' \
    "$path" "$caps" > "$dest$path"
  chmod 755 "$dest$path"
done

mkdir -p "$dest/proc" "$dest/sys/kernel/iommu_groups" "$dest/dev"
grep -m1 '^address sizes' /proc/cpuinfo > "$dest/proc/cpuinfo" || true
for g in /sys/kernel/iommu_groups/*; do
  [ -e "$g" ] && mkdir -p "$dest$g"
done
for p in /sys/module/kvm_intel/parameters/{nested,tdx} /sys/module/kvm_amd/parameters/{nested,sev} \
         /sys/module/kvm/parameters/nested; do
  [ -r "$p" ] || continue
  mkdir -p "$dest$(dirname "$p")"
  cat "$p" > "$dest$p"
done
[ -e /dev/vfio/vfio ] && placeholder /dev/vfio/vfio
[ -e /dev/iommu ] && placeholder /dev/iommu
if [ -z "$nokvm" ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
  placeholder /dev/kvm
fi
echo "captured into $dest"
