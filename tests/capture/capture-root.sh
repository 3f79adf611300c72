#!/bin/bash
# Captures the host state domcaps reads into a small fixture tree:
#   tests/capture/capture-root.sh DEST [--no-kvm]
# Firmware descriptors are copied verbatim; the firmware images they name
# become one-line placeholders; swtpm tools become stubs and what they print
# goes into /.domcaps/ (see below); device nodes become placeholder files. Nothing large and
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

# swtpm: a captured root is data, and domcaps never runs a program inside one.
# The tools become stubs that do nothing (domcaps only checks that they are
# there and executable), and what they print goes into files at fixed places
# in the root, each the tool's stdout verbatim:
#   /.domcaps/swtpm_setup.capabilities.json  swtpm_setup --print-capabilities
#                                            (the TPM versions: tpm-1.2, tpm-2.0)
#   /.domcaps/swtpm.capabilities.json        swtpm socket --print-capabilities
# Without the first file the TPM versions of such a root are unknown (a warning).
for tool in swtpm swtpm_setup swtpm_ioctl; do
  path=$(command -v "$tool" || true)
  [ -n "$path" ] || continue
  mkdir -p "$dest$(dirname "$path")"
  printf '#!/bin/sh\n# stub for %s captured by tests/capture/capture-root.sh: never run\nexit 1\n' \
    "$path" > "$dest$path"
  chmod 755 "$dest$path"
  case $tool in
    swtpm_setup) args=(--print-capabilities) ;;
    swtpm) args=(socket --print-capabilities) ;;
    *) continue ;;
  esac
  mkdir -p "$dest/.domcaps"
  if out=$("$path" "${args[@]}" 2>/dev/null) && [ -n "$out" ]; then
    printf '%s\n' "$out" > "$dest/.domcaps/$tool.capabilities.json"
  fi
done

mkdir -p "$dest/proc/sys/kernel" "$dest/sys/kernel/iommu_groups" "$dest/dev"
grep -m1 '^address sizes' /proc/cpuinfo > "$dest/proc/cpuinfo" || true
# The host's arch as its kernel names it (a personality such as setarch does not change it):
# replays decide KVM nativeness, host-passthrough and host-model from it, not from the
# machine that replays.
if [ -r /proc/sys/kernel/arch ]; then
  cat /proc/sys/kernel/arch > "$dest/proc/sys/kernel/arch"
else
  uname -m > "$dest/proc/sys/kernel/arch"
fi
for g in /sys/kernel/iommu_groups/*; do
  [ -e "$g" ] && mkdir -p "$dest$g"
done
# KVM module parameters (each module's directory is how the probe knows it is loaded)
for m in kvm kvm_intel kvm_amd kvm_hv; do
  [ -d "/sys/module/$m/parameters" ] || continue
  for p in /sys/module/$m/parameters/*; do
    [ -f "$p" ] && [ -r "$p" ] || continue
    mkdir -p "$dest$(dirname "$p")"
    cat "$p" > "$dest$p" 2>/dev/null || rm -f "$dest$p"
  done
done
# s390 secure execution: the ultravisor directory and the one kernel argument that enables it
if [ -d /sys/firmware/uv ]; then
  placeholder /sys/firmware/uv/placeholder
  grep -o 'prot_virt=[^ ]*' /proc/cmdline > "$dest/proc/cmdline" || true
fi
[ -e /dev/vfio/vfio ] && placeholder /dev/vfio/vfio
[ -e /dev/iommu ] && placeholder /dev/iommu
for n in /dev/sev /dev/tpm0 /dev/tpmrm0 /dev/vhost-net /dev/vhost-vsock /dev/net/tun \
         /sys/firmware/dmi/tables/smbios_entry_point; do
  [ -e "$n" ] && placeholder "$n"
done
# network interfaces: a file per interface (git keeps no empty directory), bridges with bridge/
for i in /sys/class/net/*; do
  [ -e "$i" ] || continue
  placeholder "$i/ifindex"
  [ -d "$i/bridge" ] && placeholder "$i/bridge/bridge_id"
done
for m in /sys/class/mdev_bus/*; do
  [ -e "$m" ] && placeholder "$m/mdev_supported_types"
done
# the binaries libvirt runs for <smbios mode='host'/> and placement='auto', as stubs
for tool in dmidecode numad; do
  for dir in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
    [ -x "$dir/$tool" ] && [ ! -L "$dir" ] || continue
    mkdir -p "$dest$dir"
    printf '#!/bin/sh\n# stub for %s captured by tests/capture/capture-root.sh\nexit 1\n' \
      "$dir/$tool" > "$dest$dir/$tool"
    chmod 755 "$dest$dir/$tool"
    break
  done
done
if [ -z "$nokvm" ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
  placeholder /dev/kvm
  # What the kvm probe asks the device (API version, vCPU limit, SMM on x86) and the host
  # TSC as libvirt asks it (a VM's KVM_CAP_TSC_CONTROL, a vCPU's KVM_GET_TSC_KHZ), kept in
  # the placeholder for the kvm and tsc probes.
  python3 - >> "$dest/dev/kvm" <<'PY' || true
import fcntl, os, platform
KVM_GET_API_VERSION, KVM_CREATE_VM, KVM_CHECK_EXTENSION = 0xAE00, 0xAE01, 0xAE03
KVM_CREATE_VCPU, KVM_GET_TSC_KHZ = 0xAE41, 0xAEA3
KVM_CAP_NR_VCPUS, KVM_CAP_MAX_VCPUS, KVM_CAP_TSC_CONTROL, KVM_CAP_X86_SMM = 9, 66, 60, 117
kvm = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
print("api-version %d" % fcntl.ioctl(kvm, KVM_GET_API_VERSION, 0))
vcpus = fcntl.ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS)
if vcpus <= 0:
    vcpus = fcntl.ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS)
if vcpus > 0:
    print("max-vcpus %d" % vcpus)
if platform.machine() in ("x86_64", "i386", "i486", "i586", "i686"):
    smm = fcntl.ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_X86_SMM) > 0
    print("smm %s" % ("yes" if smm else "no"))
vm = fcntl.ioctl(kvm, KVM_CREATE_VM, 0)
scaling = fcntl.ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_TSC_CONTROL) > 0
vcpu = fcntl.ioctl(vm, KVM_CREATE_VCPU, 0)
print("tsc-khz %d" % fcntl.ioctl(vcpu, KVM_GET_TSC_KHZ, 0))
print("tsc-scaling %s" % ("yes" if scaling else "no"))
PY
fi
echo "captured into $dest"
