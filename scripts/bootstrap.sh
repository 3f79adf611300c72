#!/bin/bash
# Installs what domcaps needs on Debian 12, builds it, and then
#   run:   prints the domainCapabilities of this host's default QEMU
#   test:  runs every test suite (plain, sanitizers, valgrind) and every fuzzer briefly
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}

packages=(
  meson ninja-build gcc pkg-config scdoc
  libxml2-dev libjson-c-dev zlib1g-dev libpci-dev libusb-1.0-0-dev libnuma-dev libcmocka-dev
  qemu-system-x86 qemu-system-arm qemu-system-ppc ovmf qemu-efi-aarch64
  swtpm swtpm-tools
)
# clang-14 and its libFuzzer runtime (a recommendation of clang, so named here).
# python3-jsonschema and xmllint (libxml2-utils) validate the JSON and JUnit outputs,
# promtool (prometheus) the metrics; ansible-core runs the contrib/ansible playbooks;
# python3-yaml reads the Kubernetes manifest in contrib/kubernetes.
[ "$mode" = test ] && packages+=(valgrind libxml2-utils python3 python3-jsonschema python3-yaml clang
  libclang-rt-14-dev man-db prometheus ansible-core)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

case "$mode" in
run)
  [ -d build ] || meson setup build >/dev/null
  meson compile -C build >/dev/null
  exec ./build/src/domcaps
  ;;
test)
  export LC_ALL=C.UTF-8
  rm -rf build-ci build-ci-asan
  meson setup build-ci >/dev/null
  meson compile -C build-ci
  meson test -C build-ci --print-errorlogs
  # Sanitizers: every suite again with ASan and UBSan, halting on any report.
  meson setup build-ci-asan -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
  meson compile -C build-ci-asan
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C build-ci-asan --print-errorlogs
  # valgrind on every suite that runs the library in-process (not the CLI-driving ones).
  meson test -C build-ci --setup valgrind --print-errorlogs \
    firmware replay pci numa hostcpu kvm usb hostreport live cache check util
  # Fuzzing: each libFuzzer harness for 12 s over its seeds (tests/fuzz/run.sh);
  # a crash, leak, timeout or sanitizer report fails the run.
  rm -rf build-ci-fuzz
  CC=clang meson setup build-ci-fuzz -Dfuzzing=true -Dtests=disabled \
    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
  meson compile -C build-ci-fuzz
  tests/fuzz/run.sh -B build-ci-fuzz -t 12
  ;;
*)
  echo "usage: $0 run|test" >&2
  exit 2
  ;;
esac
