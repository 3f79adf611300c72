#!/bin/bash
# Captures what the hostcpu and numa probes read into a small fixture tree:
#   tests/capture/capture-numa.sh DEST
# /proc/cpuinfo keeps only the first processor's block (the probe reads
# nothing else, and big hosts stay small), without serial numbers. sysfs
# files are copied verbatim; write-only ones (hugepages demote) are skipped.
set -euo pipefail

dest=${1:?usage: capture-numa.sh DEST}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

copy() { # FILE...: each readable regular file, at the same path under DEST
  local f
  for f in "$@"; do
    [ -f "$f" ] || continue
    mkdir -p "$dest$(dirname "$f")"
    cat "$f" > "$dest$f" 2>/dev/null || rm -f "$dest$f"
  done
}

mkdir -p "$dest/proc/self"
awk '/^$/ { exit } !/^Serial/' /proc/cpuinfo > "$dest/proc/cpuinfo"
copy /proc/meminfo
# No sysfs file states the base page size; the numa probe reads it from here.
grep -m1 '^KernelPageSize:' /proc/self/smaps > "$dest/proc/self/smaps"

copy /sys/devices/system/cpu/{online,possible,present}
for t in /sys/devices/system/cpu/cpu[0-9]*/topology; do
  [ -d "$t" ] && copy "$t"/*
done

if [ -d /sys/devices/system/node ]; then
  copy /sys/devices/system/node/{online,possible,has_cpu,has_memory,has_normal_memory}
  for n in /sys/devices/system/node/node[0-9]*; do
    [ -d "$n" ] || continue
    copy "$n"/{meminfo,cpulist,distance}
    for h in "$n"/hugepages/hugepages-*; do
      [ -d "$h" ] && copy "$h"/{nr_hugepages,free_hugepages,surplus_hugepages}
    done
  done
fi
for h in /sys/kernel/mm/hugepages/hugepages-*; do
  [ -d "$h" ] && copy "$h"/{nr_hugepages,free_hugepages,resv_hugepages,surplus_hugepages}
done
echo "captured into $dest"
