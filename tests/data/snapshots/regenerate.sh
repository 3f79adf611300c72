#!/bin/bash
# Recreates the capability snapshots `domcaps check --caps` reads in tests/test_check.c
# and bench/check-bench, from the QEMU 7.2 recordings and host fixtures in tests/data.
#
#   bash tests/data/snapshots/regenerate.sh [path/to/domcaps]
#
# Default binary: build/src/domcaps. Review `git diff tests/data/snapshots`, then run
# `meson test -C build check`; if findings changed, `DC_TEST_REGENERATE=1 meson test -C
# build check` rewrites tests/data/domains/*.expected (they quote the snapshots' values:
# review them line by line). The host-*.xml reports are hand-written, not made here:
#   host-numa2.xml   2 NUMA nodes, 8 CPUs, 64 GiB, 2 MiB and 1 GiB hugepages (free per
#                    node differs), VFIO usable: IOMMU group 12 viable, 13 and 14 not
#                    (culprits), USB devices
#   host-novfio.xml  1 node, 4 CPUs, 8 GiB, no free hugepages, no VFIO, no USB inventory,
#                    no SMM under KVM, no DRM render node
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
data=$(cd "$here/.." && pwd)
domcaps=${1:-$(cd "$data/../.." && pwd)/build/src/domcaps}
[[ -x $domcaps ]] || { echo "regenerate.sh: $domcaps is not built" >&2; exit 2; }

snap() { # out replies sysroot machine virttype
    local out=$1 replies=$2 root=$3 machine=$4 virttype=$5
    "$domcaps" --replay "$data/replies/$replies" --sysroot "$data/roots/$root" \
        --machine "$machine" --virttype "$virttype" --snapshot >"$here/$out.tmp"
    mv "$here/$out.tmp" "$here/$out"
}

snap x86_64-pc-qemu.xml     qemu-7.2-x86_64.replies  debian12-tcg pc   qemu
snap x86_64-q35-qemu.xml    qemu-7.2-x86_64.replies  debian12-tcg q35  qemu
snap x86_64-q35-kvm.xml     qemu-7.2-x86_64.replies  debian12-kvm q35  kvm
snap aarch64-virt-qemu.xml  qemu-7.2-aarch64.replies debian12-tcg virt qemu
snap ppc64-pseries-qemu.xml qemu-7.2-ppc64.replies   debian12-tcg pseries qemu
snap x86_64-isapc-qemu.xml  qemu-7.2-x86_64.replies  debian12-tcg isapc qemu

# isapc has no ACPI. QEMU reports that in query-machines only from 8.0 on (the 7.2
# recording has no 'acpi' member), so the extension says it as a newer QEMU would.
sed -i "s|<machine name='isapc' maxCpus='1'/>|<machine name='isapc' maxCpus='1' acpi='no'/>|" \
    "$here/x86_64-isapc-qemu.xml"
grep -q "<machine name='isapc' maxCpus='1' acpi='no'/>" "$here/x86_64-isapc-qemu.xml"

# A server with an IOMMU and SEV running a QEMU built without SPICE in /usr/local:
# the q35 KVM snapshot with the facts no fixture root provides edited in. Domains reach
# it by naming <emulator>/usr/local/bin/qemu-system-x86_64</emulator>.
sed -e 's|<path>/usr/bin/qemu-system-x86_64</path>|<path>/usr/local/bin/qemu-system-x86_64</path>|' \
    -e '/<graphics supported=/,/<\/graphics>/{/<value>spice<\/value>/d}' \
    -e '/<video supported=/,/<\/video>/{/<value>qxl<\/value>/d}' \
    -e '/<channel supported=/,/<\/channel>/{/<value>spicevmc<\/value>/d}' \
    -e '/<console supported=/,/<\/console>/{/<value>spice\(vmc\|port\)<\/value>/d}' \
    -e "s|^\( *\)<enum name='pciBackend'/>|\1<enum name='pciBackend'>\\n\1  <value>default</value>\\n\1  <value>vfio</value>\\n\1</enum>|" \
    -e "s|^\( *\)<sev supported='no'/>|\1<sev supported='yes'>\\n\1  <cbitpos>51</cbitpos>\\n\1  <reducedPhysBits>1</reducedPhysBits>\\n\1  <maxGuests>509</maxGuests>\\n\1  <maxESGuests>0</maxESGuests>\\n\1</sev>|" \
    -e "s|^\( *\)<launchSecurity supported='no'/>|\1<launchSecurity supported='yes'>\\n\1  <enum name='sectype'>\\n\1    <value>sev</value>\\n\1  </enum>\\n\1</launchSecurity>|" \
    -e "/<type name='\(qxl\|qxl-vga\|chardev-spicevmc\|chardev-spiceport\)'\/>/d" \
    "$here/x86_64-q35-kvm.xml" >"$here/x86_64-q35-kvm-server.xml.tmp"
for want in '<path>/usr/local/bin/' "<value>vfio</value>" "<sev supported='yes'>" \
    "<launchSecurity supported='yes'>"; do
    grep -qF "$want" "$here/x86_64-q35-kvm-server.xml.tmp" ||
        { echo "regenerate.sh: the server variant lacks $want" >&2; exit 1; }
done
! grep -q '<value>spice' "$here/x86_64-q35-kvm-server.xml.tmp" ||
    { echo "regenerate.sh: the server variant still offers SPICE" >&2; exit 1; }
mv "$here/x86_64-q35-kvm-server.xml.tmp" "$here/x86_64-q35-kvm-server.xml"

# A plain libvirt document: the q35 TCG snapshot without the domcaps extension element,
# as `virsh domcapabilities` would print it (no machine aliases, no QEMU device list).
sed '/<qemu xmlns=/,/<\/qemu>/d' "$here/x86_64-q35-qemu.xml" >"$here/plain-x86_64-q35-qemu.xml.tmp"
mv "$here/plain-x86_64-q35-qemu.xml.tmp" "$here/plain-x86_64-q35-qemu.xml"
