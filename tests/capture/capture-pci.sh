#!/bin/bash
# Captures this machine's PCI devices and IOMMU groups into a small fixture tree:
#   tests/capture/capture-pci.sh DEST
# Each device directory under /sys/devices keeps only the attribute files the
# PCI probe reads; /sys/bus/pci/devices/*, driver, iommu_group and physfn stay
# the kernel's relative symlinks, with their targets created so that they
# resolve. usr/share/misc/pci.ids gets only the lines for the devices present,
# so names in the tests do not change when pci.ids does. Nothing private is
# copied (no serial numbers, no VPD, no config space).
set -euo pipefail

dest=${1:?usage: capture-pci.sh DEST}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

attrs="vendor device class subsystem_vendor subsystem_device numa_node sriov_totalvfs sriov_numvfs"
vendors=" " devs=" " classes=" " subclasses=" "

mkdir -p "$dest/sys/bus/pci/devices"
for link in /sys/bus/pci/devices/*; do
  [ -e "$link" ] || continue
  addr=${link##*/}
  real=$(readlink -f "$link")
  mkdir -p "$dest$real"
  if [ -L "$link" ]; then
    ln -sfn "$(readlink "$link")" "$dest/sys/bus/pci/devices/$addr"
  fi
  for a in $attrs; do
    [ -r "$real/$a" ] && cat "$real/$a" > "$dest$real/$a"
  done
  for l in driver iommu_group physfn; do
    [ -L "$real/$l" ] || continue
    ln -sfn "$(readlink "$real/$l")" "$dest$real/$l"
    target=$(readlink -f "$real/$l")
    case $l in
      driver) # a driver directory has bind/unbind; an empty bind keeps it in git
        mkdir -p "$dest$target" && : > "$dest$target/bind" ;;
      iommu_group)
        mkdir -p "$dest$target/devices"
        ln -sfn "$(readlink "$target/devices/$addr")" "$dest$target/devices/$addr" ;;
    esac
  done
  v=$(cat "$real/vendor") d=$(cat "$real/device") c=$(cat "$real/class")
  v=${v#0x} d=${d#0x} c=${c#0x}
  vendors+="$v " devs+="$v:$d " classes+="${c:0:2} " subclasses+="${c:0:4} "
done

if [ -d /sys/module/vfio_pci ]; then
  mkdir -p "$dest/sys/module/vfio_pci"
  if [ -r /sys/module/vfio_pci/initstate ]; then
    cat /sys/module/vfio_pci/initstate > "$dest/sys/module/vfio_pci/initstate"
  else
    echo 'placeholder: vfio_pci is built in (captured by tests/capture/capture-pci.sh)' \
      > "$dest/sys/module/vfio_pci/builtin"
  fi
fi

ids=
for f in /usr/share/misc/pci.ids /usr/share/hwdata/pci.ids; do
  [ -r "$f" ] && { ids=$f; break; }
done
if [ -n "$ids" ]; then
  mkdir -p "$dest/usr/share/misc"
  {
    echo "# The lines of $ids ($(grep -m1 -o 'Version: .*' "$ids" || echo 'unknown version'))"
    echo "# for the devices captured by tests/capture/capture-pci.sh."
    awk -v vendors="$vendors" -v devs="$devs" -v classes="$classes" -v subs="$subclasses" '
      /^#/ || /^[ \t]*$/ { next }
      /^C / { sec = "C"; cls = $2; keep = index(classes, " " cls " "); if (keep) print; next }
      /^[0-9a-f][0-9a-f][0-9a-f][0-9a-f] / {
        sec = "V"; ven = $1; keep = index(vendors, " " ven " "); if (keep) print; next
      }
      /^\t\t/ { next }
      /^\t/ && keep && sec == "V" && index(devs, " " ven ":" $1 " ") { print; next }
      /^\t/ && keep && sec == "C" && index(subs, " " cls $1 " ") { print; next }
      /^[^\t]/ { sec = ""; keep = 0 }
    ' "$ids"
  } > "$dest/usr/share/misc/pci.ids"
fi
echo "captured $(ls /sys/bus/pci/devices | wc -l) PCI devices into $dest"
