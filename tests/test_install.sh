#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# meson install into a DESTDIR puts in place what a Debian package ships, and
# a program built from examples/ against that tree through pkg-config runs.
#   test_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
for tool in pkg-config cc; do
  command -v "$tool" >/dev/null || { echo "SKIP: no $tool"; exit 77; }
done

dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
meson install -C "$build" --destdir "$dest" --no-rebuild --quiet >/dev/null ||
  fail "meson install --destdir failed"

# The installed tree, by role.
prefix=$(meson introspect "$build" --buildoptions |
  python3 -c 'import json,sys; print({o["name"]: o["value"] for o in json.load(sys.stdin)}["prefix"])')
root=$dest$prefix
expect() { [ -e "$root/$1" ] || fail "meson install did not put in place $1"; }
expect bin/domcaps
expect include/domcaps/libdomcaps.h
expect include/domcaps/version.h
expect include/domcaps/error.h
api_headers=("$root/include/domcaps/libdomcaps.h" "$root/include/domcaps/error.h")
pc=$(find "$root" -name domcaps.pc)
[ -n "$pc" ] || fail "no domcaps.pc installed"
libdir=$(dirname "$(dirname "$pc")")
[ -L "$libdir/libdomcaps.so" ] || fail "no libdomcaps.so development link"
[ -e "$libdir/libdomcaps.so.0" ] || fail "no libdomcaps.so.0"
soname=$(readelf -d "$libdir/libdomcaps.so.0" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = libdomcaps.so.0 ] || fail "SONAME is '$soname', not libdomcaps.so.0"
# Only the public API is exported: every dynamic symbol is declared in the headers.
while read -r sym; do
  case $sym in DOMCAPS_0) continue ;; esac
  grep -qh "\\b$sym(" "${api_headers[@]}" || fail "libdomcaps.so.0 exports '$sym'"
done < <(nm -D --defined-only "$libdir/libdomcaps.so.0" | awk '{sub(/@.*/, "", $3); print $3}')
# ... and every function the header declares is exported.
exported=$(nm -D --defined-only "$libdir/libdomcaps.so.0" | awk '$2 == "T" {sub(/@.*/, "", $3); print $3}')
for fn in $(grep -oh '\bdc_[a-z_]*(' "${api_headers[@]}" | tr -d '(' | sort -u); do
  grep -qx "$fn" <<<"$exported" || fail "the header declares $fn, which libdomcaps.so.0 does not export"
done
[ -n "$(find "$root/share" -path '*bash-completion/completions/domcaps')" ] ||
  fail "no bash completion installed"

# The example, built only from what was installed.
export PKG_CONFIG_PATH=${pc%/domcaps.pc} PKG_CONFIG_SYSROOT_DIR=$dest
flags=$(pkg-config --cflags --libs domcaps) || fail "pkg-config does not know domcaps"
case $flags in *"$dest"*) ;; *) fail "pkg-config flags '$flags' do not point into DESTDIR" ;; esac
# A sanitized library (-Db_sanitize) needs its runtime first in the program.
sanitize=()
if ldd "$libdir/libdomcaps.so.0" | grep -q libasan; then
  sanitize=(-fsanitize=address,undefined)
fi
# shellcheck disable=SC2086
cc -std=c11 -Wall -Wextra -Werror "${sanitize[@]}" -o "$dest/example" \
  "$src/examples/domcaps-example.c" $flags ||
  fail "the example does not build against the installed tree"

data=$src/tests/data
out=$(LD_LIBRARY_PATH=$libdir "$dest/example" "$data/roots/debian12-tcg" \
  "$data/replies/qemu-7.2-x86_64.replies" "$data/snapshots/x86_64-isapc-qemu.xml" \
  "$data/domains/acpi-isapc.xml") || fail "the example failed: $out"
echo "$out"
# The library it ran is the installed one.
deps=$(LD_LIBRARY_PATH=$libdir ldd "$dest/example")
grep -q "=> $libdir/libdomcaps.so.0 " <<<"$deps" ||
  fail "the example did not load the installed libdomcaps.so.0"

# The README's C example builds from the installed tree too, and probes this host.
sed -n '/^```c$/,/^```$/{/^```/d;p}' "$src/README.md" >"$dest/readme-example.c"
grep -q 'dc_probe(' "$dest/readme-example.c" || fail "no C example in README.md"
# shellcheck disable=SC2086
cc -std=c11 -Wall -Wextra -Werror "${sanitize[@]}" -o "$dest/readme-example" \
  "$dest/readme-example.c" $flags || fail "the README's example does not build"
if command -v qemu-system-x86_64 >/dev/null && [ "$(uname -m)" = x86_64 ]; then
  HOME=$dest XDG_CACHE_HOME=$dest/xdg LD_LIBRARY_PATH=$libdir "$dest/readme-example" \
    >"$dest/readme.xml" 2>"$dest/readme.err" ||
    fail "the README's example failed: $(cat "$dest/readme.err")"
  grep -q '<machine>pc-q35-' "$dest/readme.xml" ||
    fail "the README's example printed no q35 document: $(head -c 300 "$dest/readme.xml")"
fi

version=$(meson introspect "$build" --projectinfo |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
# What the binary prints for the same probe, to compare with the library's documents.
probe=("$root/bin/domcaps" probe --replay "$data/replies/qemu-7.2-x86_64.replies"
  --sysroot "$data/roots/debian12-tcg" --virttype qemu --no-cache)
xml_bytes=$("${probe[@]}" | wc -c)
json_bytes=$("${probe[@]}" --format json | wc -c)
want="libdomcaps $version (headers $version)
caps: /usr/bin/qemu-system-x86_64 x86_64 pc-i440fx-7.2 qemu
caps: 255 vCPUs, 129 CPU models, the first 486 (usable)
caps: XML of $xml_bytes bytes, JSON of $json_bytes bytes
host: x86_64, KVM not usable, 3 diagnostics
finding: line 10 error [acpi] /domain/features/acpi
finding: line 12 error [implicit-devices] /domain/devices"
[ "$out" = "$want" ] || fail "the example printed
$out
instead of
$want"
# The bash completion: subcommands, each one's options, values from the cache.
completion=$(find "$root/share" -path '*bash-completion/completions/domcaps')
cache=$dest/cache
mkdir -p "$cache" "$dest/other-cache"
printf 'arch x86_64\nmachine 288 0 0 -1 pc-q35-7.2 %%- qemu64-x86_64-cpu\nmachine 1 0 0 -1 isapc %%- x\n' \
  >"$cache/qemu-system-x86_64-0-root-0.caps"
printf 'arch aarch64\nmachine 512 0 0 -1 virt-7.2 %%- x\n' >"$dest/other-cache/qemu-system-aarch64-0-root-0.caps"
# Prints the completions of the words (the last one is being completed), sorted, on one line.
completions() {
  DOMCAPS_CACHE_DIR=$cache bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    _domcaps; ((${#COMPREPLY[@]})) && printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "; :' _ "$completion" "$@"
}
expect_completion() {
  local want=$1; shift
  local got; got=$(completions "$@")
  [ "$got" = "$want" ] || fail "completing '$*': '$got', expected '$want'"
}
expect_completion "baseline bundle cache check host labels metrics place probe " domcaps ''
expect_completion "create show " domcaps bundle ''
expect_completion "--bundle --bundle-dir " domcaps place --bun
expect_completion "kubevirt nfd " domcaps labels --format ''
expect_completion "check " domcaps ch
expect_completion "--format " domcaps check --f
expect_completion "json junit text " domcaps check --format ''
expect_completion "json xml " domcaps --format ''
expect_completion "--bundle --cache-dir --emulator --format --help --no-cache --replay --sysroot --timeout " domcaps host --
expect_completion "ansible json xml " domcaps host --format ''
expect_completion "--output " domcaps metrics --o
expect_completion "--emulator --explain " domcaps cache --e
expect_completion "--all --arch " domcaps probe --a
expect_completion "kvm qemu " domcaps --virttype ''
expect_completion "x86_64 " domcaps --arch ''
expect_completion "isapc pc-q35-7.2 " domcaps probe --machine ''
expect_completion "pc-q35-7.2 " domcaps --machine pc
expect_completion "aarch64 " domcaps --cache-dir "$dest/other-cache" --arch ''
expect_completion "" domcaps --cache-dir "$dest/no-such-dir" --machine ''
# Every long option of the binary's --help is offered by some subcommand.
offered=" $(completions domcaps probe --) $(completions domcaps check --) $(completions domcaps cache --) $(completions domcaps bundle --) $(completions domcaps place --) $(completions domcaps baseline --) $(completions domcaps labels --) $(completions domcaps metrics --) $(completions domcaps host --) "
for opt in $("$root/bin/domcaps" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
  [[ $offered == *" $opt "* ]] || fail "the completion does not offer $opt"
done
# A subcommand is only the first word, as domcaps parses it.
expect_completion "" domcaps --format json ho

# The man page is installed and renders without a warning from groff.
if ! command -v scdoc >/dev/null || ! command -v man >/dev/null; then
  echo "SKIP: the man page needs scdoc to build and man to render (Debian: scdoc, man-db)"
  exit 77
fi
expect share/man/man1/domcaps.1
page=$(LC_ALL=C MANWIDTH=80 man --warnings -l "$root/share/man/man1/domcaps.1" 2>"$dest/man.err") ||
  fail "man -l failed: $(cat "$dest/man.err")"
[ ! -s "$dest/man.err" ] || fail "man -l warns: $(cat "$dest/man.err")"
for section in NAME SYNOPSIS PROBE HOST CHECK CACHE METRICS "EXIT STATUS" ENVIRONMENT; do
  grep -q "^$section" <<<"$page" || fail "the man page has no $section section"
done
# Every long option of the binary's --help is documented.
for opt in $("$root/bin/domcaps" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
  grep -q -- "$opt" <<<"$page" || fail "the man page does not document $opt"
done

echo "PASS: the installed tree is complete; the example built with '$flags' and ran"
