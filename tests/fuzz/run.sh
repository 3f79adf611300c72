#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs the libFuzzer harnesses of a -Dfuzzing=true build, each for a fixed
# time, over seeds gathered from tests/data and tests/fuzz/corpus/<target>.
# Any crash, leak, timeout or sanitizer report fails the run; the input that
# caused it is kept in the work directory and named in the output.
#
#   tests/fuzz/run.sh [-B BUILDDIR] [-t SECONDS] [-w WORKDIR] [-j JOBS] [-s] [TARGET...]
#
# -s   seeds only: run each harness once over its seeds, no fuzzing (what the
#      fuzz-seeds suite does with the harnesses of an ordinary build)
# -t   seconds per target (default 25)
# -w   where corpora, logs and crash inputs go (default: a new temporary
#      directory, removed afterwards unless something failed); inputs that
#      widen coverage stay in WORKDIR/<target>/corpus for a later run
# -j   targets run at once (default 1)
# Extra libFuzzer options can be passed in FUZZ_ARGS.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
builddir=$src/build-fuzz
seconds=25
workdir=
jobs=1
seeds_only=0
while getopts B:t:w:j:s opt; do
  case $opt in
  B) builddir=$OPTARG ;;
  t) seconds=$OPTARG ;;
  w) workdir=$OPTARG ;;
  j) jobs=$OPTARG ;;
  s) seeds_only=1 ;;
  *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
all=(domain snapshot hostreport_xml hostreport_json replay firmware cache sysfs cpulist bundle)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
keep=1
if [ -z "$workdir" ]; then
  workdir=$(mktemp -d "${TMPDIR:-/tmp}/domcaps-fuzz-run.XXXXXX")
  keep=0
fi
mkdir -p "$workdir"
data=$src/tests/data

# A captured root as the sysfs harness reads it: "@/path" lines, each followed by the file.
serialize_root() {
  (cd "$1" && find sys/devices/system/cpu sys/devices/system/node sys/kernel/mm/hugepages \
    proc/meminfo proc/cpuinfo proc/self/smaps -type f 2>/dev/null | LC_ALL=C sort |
    while read -r f; do
      printf '@/%s\n' "$f"
      # cpuinfo can be long: its first 64 lines say all the probe reads.
      case $f in proc/cpuinfo) head -n 64 "$f" ;; *) cat "$f" ;; esac
    done) || true
}

# Copies the seeds of target $1 into directory $2.
gather_seeds() {
  local t=$1 out=$2 f n=0
  shopt -s nullglob
  case $t in
  domain)
    cp "$data"/domains/*.xml "$data"/libvirt-agreement/domains/*.xml "$out"/
    for f in "$data"/hostile/*.xml; do
      grep -q '<domain' "$f" && cp "$f" "$out"/
    done
    ;;
  snapshot)
    cp "$data"/golden/*.xml "$out"/
    for f in "$data"/snapshots/*.xml "$data"/hostile/*.xml; do
      grep -q '<domainCapabilities' "$f" && cp "$f" "$out/$(basename "$f")"
    done
    ;;
  hostreport_xml)
    cp "$data"/golden/host/*.xml "$data"/snapshots/host-*.xml "$out"/
    for f in "$data"/hostile/*.xml; do
      grep -q '<hostReport' "$f" && cp "$f" "$out"/
    done
    ;;
  hostreport_json)
    cp "$data"/golden/host/*.json "$data"/hostile/*.json "$out"/
    ;;
  replay) ;; # the recordings are megabytes: tests/fuzz/corpus/replay has small ones
  firmware)
    for f in $(find "$data"/roots -path '*/qemu/firmware/*' -name '*.json' | LC_ALL=C sort); do
      cp "$f" "$out/$((n++))-$(basename "$f")"
    done
    ;;
  cache) ;; # entries are made per host: tests/fuzz/corpus/cache
  bundle) ;; # real bundles hold megabytes of recordings: tests/fuzz/corpus/bundle has small ones
  sysfs)
    for f in "$data"/roots/* "$data"/hostile/sysroot-*; do
      [ -d "$f/sys" ] && serialize_root "$f" >"$out/$(basename "$f")"
    done
    ;;
  cpulist)
    for f in $(find "$data"/roots "$data"/hostile -type f \( -name online -o -name possible \
      -o -name present -o -name cpulist -o -name '*_list' \) | LC_ALL=C sort); do
      cp "$f" "$out/$((n++))"
    done
    ;;
  esac
  [ -d "$src/tests/fuzz/corpus/$t" ] && cp "$src/tests/fuzz/corpus/$t"/* "$out"/
  shopt -u nullglob
}

dict_for() {
  case $1 in
  domain) echo domain ;;
  snapshot) echo caps ;;
  *) echo "$1" ;;
  esac
}

# Each seed once, through the harness $2 (either driver takes a directory).
run_seeds() {
  local t=$1 exe=$2 dir=$3 rc=0 n
  n=$(find "$dir/seeds" -type f | wc -l)
  [ "$n" -gt 0 ] || { echo "fuzz $t: no seeds" >&2; return 1; }
  # A libFuzzer build fuzzes a directory argument: give it the files.
  find "$dir/seeds" -type f -print0 | LC_ALL=C sort -z | xargs -0 "$exe" >"$dir/log" 2>&1 || rc=$?
  if [ $rc -ne 0 ]; then
    echo "fuzz $t: FAILED (exit $rc) over its $n seeds; log: $dir/log"
    grep -E '(ERROR|SUMMARY|runtime error|property failed|cannot)' "$dir/log" | head -5 |
      sed 's/^/  /' || true
    return 1
  fi
  echo "fuzz $t: ok, $n seeds"
}

run_one() {
  local t=$1 dir=$workdir/$1 exe=$builddir/tests/fuzz/fuzz_$1
  [ -x "$exe" ] || { echo "fuzz $t: $exe is missing (configure with -Dfuzzing=true)" >&2; return 1; }
  rm -rf "$dir/seeds"
  mkdir -p "$dir/seeds" "$dir/corpus"
  gather_seeds "$t" "$dir/seeds"
  if [ $seeds_only -eq 1 ]; then
    run_seeds "$t" "$exe" "$dir"
    return
  fi
  local dict=$src/tests/fuzz/dict/$(dict_for "$t").dict args=()
  [ -f "$dict" ] && args+=("-dict=$dict")
  local rc=0
  # Leaks are reported by LeakSanitizer at the end of each input (libFuzzer's -detect_leaks).
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:symbolize=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
    "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$dir/" "${args[@]}" ${FUZZ_ARGS:-} "$dir/corpus" "$dir/seeds" \
    >"$dir/log" 2>&1 || rc=$?
  local execs cov ft
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1) || true
  cov=$(grep -o 'cov: [0-9]*' "$dir/log" | tail -1 | cut -d' ' -f2) || true
  ft=$(grep -o 'ft: [0-9]*' "$dir/log" | tail -1 | cut -d' ' -f2) || true
  if [ $rc -ne 0 ]; then
    echo "fuzz $t: FAILED (exit $rc) after ${execs:-?} executions; log: $dir/log"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*property failed|ALARM|==[0-9]+== ERROR)' \
      "$dir/log" | head -5 | sed 's/^/  /' || true
    for f in "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* "$dir"/slow-unit-*; do
      [ -e "$f" ] && echo "  input: $f (once fixed, add it to tests/fuzz/corpus/$t/)"
    done
    return 1
  fi
  echo "fuzz $t: ok, ${execs:-?} executions in ${seconds}s, cov ${cov:-?} ft ${ft:-?}"
}

passed=0
failed=0
if [ "$jobs" -le 1 ]; then
  for t in "${targets[@]}"; do
    if run_one "$t"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  done
else
  for t in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 1; done
    (run_one "$t" >"$workdir/$t.result" 2>&1) &
  done
  wait || true
  for t in "${targets[@]}"; do
    cat "$workdir/$t.result"
    if grep -q ': ok,' "$workdir/$t.result"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  done
fi
if [ $failed -eq 0 ] && [ $keep -eq 0 ]; then
  rm -rf "$workdir"
elif [ $failed -ne 0 ]; then
  echo "fuzz: logs and inputs kept in $workdir"
fi
echo "fuzz: $passed passed, $failed failed"
[ $failed -eq 0 ]
