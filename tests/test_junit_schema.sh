#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# domcaps check --format junit validates against the Jenkins and the Ant JUnit
# schemas (tests/data/junit/) for the whole domain corpus, for a file that
# cannot be read, for a domain on stdin and for a passing domain; warnings are
# carried in <system-out>. Exits 77 (skip) without xmllint.
# Usage: test_junit_schema.sh DOMCAPS_BINARY SOURCE_DIR
set -u
bin=$1 data=$2/tests/data
command -v xmllint >/dev/null || { echo "SKIP: xmllint (libxml2-utils) is not installed"; exit 77; }
tmp=$(mktemp -d /tmp/domcaps-junit-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export DOMCAPS_CACHE_DIR=$tmp/cache
caps=()
for s in "$data"/snapshots/*.xml; do
  case $(basename "$s") in host-*) ;; *) caps+=(--caps "$s") ;; esac
done
fail=0
report() { # name exit-codes-allowed command...
  local name=$1 want=$2; shift 2
  "$@" >"$tmp/$name.xml" 2>"$tmp/$name.err"
  local rc=$?
  case " $want " in *" $rc "*) ;; *) echo "FAIL: $name: exit $rc"; cat "$tmp/$name.err"; fail=1 ;; esac
  for xsd in jenkins-junit-10 ant-junit; do
    if ! xmllint --noout --schema "$data/junit/$xsd.xsd" "$tmp/$name.xml" 2>"$tmp/$name.$xsd"; then
      echo "FAIL: $name does not validate against $xsd.xsd:"; head -5 "$tmp/$name.$xsd"; fail=1
    fi
  done
}
report corpus "2" "$bin" check "${caps[@]}" --host "$data/golden/host/numa2.xml" --format junit \
  "$data"/domains/*.xml nonexistent.xml
report passing "0" "$bin" check "${caps[@]}" --host "$data/golden/host/numa2.xml" --format junit \
  "$data/domains/ok-q35-tcg.xml"
# place: one testsuite per domain, one testcase per host of the pool
"$bin" bundle create -o "$tmp/tcg.bundle" --sysroot "$data/roots/debian12-tcg" \
  --emulator /usr/bin/qemu-system-x86_64 --replay "$data/replies/qemu-7.2-x86_64.replies" 2>/dev/null
report place "1 2" "$bin" place --bundle "$tmp/tcg.bundle" --format junit "$data"/domains/*.xml
report stdin "0 1" "$bin" check "${caps[@]}" --format junit - <"$data/domains/ok-q35-tcg.xml"

# The corpus has warnings: each appears in a <system-out>, led by its rule.
n=$(grep -c 'warning: \[[a-z0-9-]*\] line [0-9]*: ' "$tmp/corpus.xml")
[ "$n" -gt 0 ] || { echo "FAIL: no warning in any <system-out>"; fail=1; }
# classname: the file name without ".xml" and without dots; the suite carries time, timestamp, hostname.
grep -o "classname='[^']*'" "$tmp/corpus.xml" | grep -q '\.' && { echo "FAIL: a classname with a dot"; fail=1; }
grep -q "classname='stdin'" "$tmp/stdin.xml" || { echo "FAIL: stdin's classname"; fail=1; }
for a in time timestamp hostname; do
  grep -q "<testsuite [^>]* $a='[^']\+'" "$tmp/corpus.xml" || { echo "FAIL: no $a on <testsuite>"; fail=1; }
done
suites=$(grep -c '<testsuite ' "$tmp/corpus.xml")
echo "validated 4 reports ($suites suites in the corpus one, $n warnings in <system-out>)"
exit $fail
