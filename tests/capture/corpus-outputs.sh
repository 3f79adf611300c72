#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Writes every document the test corpus makes into OUTDIR, one file per run
# (stdout, stderr and exit status), so that two builds can be compared with
# `diff -r` or `cmp`:
#
#   bash tests/capture/corpus-outputs.sh [-j N] DOMCAPS OUTDIR [STATEDIR]
#   bash tests/capture/corpus-outputs.sh --compare OLD_OUTDIR NEW_OUTDIR
#
# What it runs, with DOMCAPS:
#   probe --replay R for every recording of tests/data/replies with its emulator:
#     every machine type and alias of the recording (under TCG, debian12-tcg; the
#     x86 ones under KVM too, debian12-kvm), XML, JSON and XML --snapshot; the
#     default machine with every root of tests/data/roots and each virttype
#   host --sysroot S for every root, XML and JSON
#   check of every tests/data/domains case with the snapshots and host report its
#     index line names (text and JSON), and JSON against each host report
#   cache --explain over a cache made once by a live probe (only where
#     qemu-system-x86_64 is installed) and probe --all over that cache
# STATEDIR (default OUTDIR/../state) keeps that cache between runs: compare only
# outputs made with the same STATEDIR.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
data=$(cd "$here/../data" && pwd)

if [[ ${1:-} == --compare ]]; then
    [[ $# -eq 3 ]] || { echo "usage: $0 --compare OLD NEW" >&2; exit 2; }
    old=$2 new=$3 bad=0
    n=$(find "$old" -type f | wc -l)
    [[ $n -gt 0 ]] || { echo "corpus-outputs: $old is empty" >&2; exit 1; }
    while IFS= read -r f; do
        rel=${f#"$old"/}
        if ! cmp -s "$f" "$new/$rel"; then
            echo "differs: $rel"
            bad=$((bad + 1))
        fi
    done < <(find "$old" -type f | sort)
    extra=$(comm -13 <(cd "$old" && find . -type f | sort) <(cd "$new" && find . -type f | sort))
    [[ -z $extra ]] || { echo "only in $new:"; echo "$extra"; bad=$((bad + 1)); }
    echo "corpus-outputs: $n files compared, $bad differ"
    [[ $bad -eq 0 ]]
    exit
fi

jobs=2
if [[ ${1:-} == -j ]]; then
    jobs=$2
    shift 2
fi
[[ $# -ge 2 ]] || { echo "usage: $0 [-j N] DOMCAPS OUTDIR [STATEDIR]" >&2; exit 2; }
domcaps=$(realpath "$1")
out=$2
state=${3:-$out/../state}
[[ -x $domcaps ]] || { echo "corpus-outputs: $domcaps is not executable" >&2; exit 2; }
rm -rf "$out"
mkdir -p "$out" "$state"
out=$(realpath "$out")
state=$(realpath "$state")
list=$(mktemp)
trap 'rm -f "$list"' EXIT

# One line per run: the output's name, the directory to run in, then the arguments.
add() { # name dir args...
    local name=$1 dir=$2
    shift 2
    printf '%s\t%s' "$name" "$dir" >>"$list"
    printf '\t%s' "$@" >>"$list"
    printf '\n' >>"$list"
}

emulator_of() {
    case $1 in
    qemu-7.2-x86_64 | qemu-7.2-x86_64-intel) echo /usr/bin/qemu-system-x86_64 ;;
    qemu-7.2-i386-intel) echo /usr/bin/qemu-system-i386 ;;
    qemu-7.2-arm) echo /usr/bin/qemu-system-arm ;;
    *) echo "/usr/bin/qemu-system-${1#qemu-7.2-}" ;;
    esac
}

# The machine types and aliases a recording's query-machines answers.
machines_of() {
    python3 - "$1" <<'EOF'
import json, re, sys
text = open(sys.argv[1]).read()
dec, i, objs = json.JSONDecoder(), 0, []
while (m := re.compile(r'\S').search(text, i)):
    o, i = dec.raw_decode(text, m.start())
    objs.append(o)
for a, b in zip(objs, objs[1:]):
    if a.get('execute') == 'query-machines' and isinstance(b.get('return'), list):
        names = {x['name'] for x in b['return']} | {x['alias'] for x in b['return'] if 'alias' in x}
        print('\n'.join(sorted(names)))
        break
EOF
}

probe_cases() {
    local r rec emu m root vt
    for rec in "$data"/replies/*.replies; do
        r=$(basename "$rec" .replies)
        emu=$(emulator_of "$r")
        while IFS= read -r m; do
            add "probe/$r/tcg/$m.xml" . --replay "$rec" --emulator "$emu" --no-cache \
                --sysroot "$data/roots/debian12-tcg" --machine "$m" --virttype qemu
            add "probe/$r/tcg/$m.json" . --replay "$rec" --emulator "$emu" --no-cache \
                --sysroot "$data/roots/debian12-tcg" --machine "$m" --virttype qemu --format json
            add "probe/$r/tcg/$m.snapshot.xml" . --replay "$rec" --emulator "$emu" --no-cache \
                --sysroot "$data/roots/debian12-tcg" --machine "$m" --virttype qemu --snapshot
            if [[ $r == *x86_64* || $r == *i386* ]]; then
                add "probe/$r/kvm/$m.xml" . --replay "$rec" --emulator "$emu" --no-cache \
                    --sysroot "$data/roots/debian12-kvm" --machine "$m" --virttype kvm
                add "probe/$r/kvm/$m.snapshot.xml" . --replay "$rec" --emulator "$emu" \
                    --no-cache --sysroot "$data/roots/debian12-kvm" --machine "$m" \
                    --virttype kvm --snapshot
            fi
        done < <(machines_of "$rec")
        for root in "$data"/roots/*/; do
            root=$(basename "$root")
            for vt in default qemu kvm; do
                local v=()
                [[ $vt == default ]] || v=(--virttype "$vt")
                add "probe/$r/roots/$root.$vt.xml" . --replay "$rec" --emulator "$emu" \
                    --no-cache --sysroot "$data/roots/$root" "${v[@]}"
                add "probe/$r/roots/$root.$vt.json" . --replay "$rec" --emulator "$emu" \
                    --no-cache --sysroot "$data/roots/$root" "${v[@]}" --format json
                add "probe/$r/roots/$root.$vt.snapshot.xml" . --replay "$rec" --emulator "$emu" \
                    --no-cache --sysroot "$data/roots/$root" "${v[@]}" --snapshot
            done
        done
        # A replay naming no emulator, and i686 guests of the x86_64 binary.
        add "probe/$r/noemulator.xml" . --replay "$rec" --no-cache \
            --sysroot "$data/roots/debian12-tcg"
    done
    add "probe/i686-q35.xml" . --replay "$data/replies/qemu-7.2-x86_64.replies" \
        --emulator /usr/bin/qemu-system-x86_64 --no-cache --sysroot "$data/roots/debian12-tcg" \
        --arch i686 --machine q35 --virttype qemu
    for rec in "$data"/hostile/*.replies; do
        add "probe/hostile/$(basename "$rec").xml" . --replay "$rec" --no-cache \
            --sysroot "$data/roots/debian12-tcg"
        add "probe/hostile/$(basename "$rec").json" . --replay "$rec" --no-cache \
            --sysroot "$data/roots/debian12-tcg" --format json
    done
}

host_cases() {
    local root
    for root in "$data"/roots/*/; do
        root=$(basename "$root")
        add "host/$root.xml" . host --sysroot "$data/roots/$root"
        add "host/$root.json" . host --sysroot "$data/roots/$root" --format json
    done
}

check_cases() {
    local snaps=(x86_64-pc-qemu x86_64-q35-qemu x86_64-q35-kvm aarch64-virt-qemu
        ppc64-pseries-qemu x86_64-isapc-qemu x86_64-q35-kvm-server)
    local all=() s name exit caps host rest h
    for s in "${snaps[@]}"; do all+=(--caps "../snapshots/$s.xml"); done
    local plain=(--caps ../snapshots/plain-x86_64-q35-qemu.xml)
    while read -r name exit caps host rest; do
        [[ -z $name || $name == \#* ]] && continue
        local c=("${all[@]}") hh=()
        [[ $caps == plain ]] && c=("${plain[@]}")
        [[ $host == none ]] || hh=(--host "../snapshots/host-$host.xml")
        add "check/$name.txt" "$data/domains" check "${c[@]}" "${hh[@]}" "$name.xml"
        add "check/$name.json" "$data/domains" check "${c[@]}" "${hh[@]}" --format json \
            "$name.xml"
        for h in none numa2 novfio; do
            hh=()
            [[ $h == none ]] || hh=(--host "../snapshots/host-$h.xml")
            add "check/$name.$h.json" "$data/domains" check "${all[@]}" "${hh[@]}" \
                --format json "$name.xml"
        done
    done <"$data/domains/index"
    for f in "$data"/hostile/*.xml; do
        add "check/hostile/$(basename "$f").json" "$data/domains" check "${all[@]}" \
            --host ../snapshots/host-numa2.xml --format json "$f"
    done
}

# The live part: a cache made once (kept in STATEDIR), explained and used by probe --all.
cache_cases() {
    local qemu=/usr/bin/qemu-system-x86_64 arm=/usr/bin/qemu-system-aarch64 root
    [[ -x $qemu ]] || { echo "corpus-outputs: no $qemu, the cache part is left out" >&2; return; }
    mkdir -p "$state/path"
    ln -sf "$qemu" "$state/path/qemu-system-x86_64"
    [[ -x $arm ]] && ln -sf "$arm" "$state/path/qemu-system-aarch64"
    if [[ ! -d $state/cache ]]; then
        mkdir -p "$state/cache.tmp"
        for root in debian12-tcg debian12-kvm nokvm; do
            PATH=$state/path "$domcaps" probe --all --cache-dir "$state/cache.tmp" \
                --sysroot "$data/roots/$root" >/dev/null 2>&1 || true
        done
        printf 'not a cache entry\n' >"$state/cache.tmp/corrupt.caps"
        mv "$state/cache.tmp" "$state/cache"
    fi
    for root in debian12-tcg debian12-kvm nokvm; do
        add "cache/explain.$root.txt" . cache --explain --cache-dir "$state/cache" \
            --sysroot "$data/roots/$root"
        add "cache/explain.$root.emulator.txt" . cache --explain --cache-dir "$state/cache" \
            --sysroot "$data/roots/$root" --emulator "$qemu"
        for fmt in xml json; do
            add "all/$root.$fmt" . probe --all --cache-dir "$state/cache" \
                --sysroot "$data/roots/$root" --format "$fmt" --machine q35,nosuch,virt \
                --virttype qemu,kvm
        done
        add "all/$root.snapshot.xml" . probe --all --cache-dir "$state/cache" \
            --sysroot "$data/roots/$root" --snapshot
    done
    add "cache/explain.none.txt" . cache --explain --cache-dir "$state/cache" \
        --emulator /nonexistent/qemu-system-x86_64
}

probe_cases
host_cases
check_cases
cache_cases

export domcaps out state
run_one() {
    local name=$1 dir=$2
    shift 2
    mkdir -p "$(dirname "$out/$name")"
    local rc=0
    (cd "$dir" && PATH=$state/path "$domcaps" "$@") \
        >"$out/$name" 2>"$out/$name.stderr" || rc=$?
    echo "$rc" >"$out/$name.rc"
    # probe --all's workers write their messages in the order they finish.
    if [[ $name == all/* ]]; then
        sort "$out/$name.stderr" >"$out/$name.stderr.sorted"
        mv "$out/$name.stderr.sorted" "$out/$name.stderr"
    fi
}
export -f run_one
# Tabs separate the fields of a line; each line is one run.
tr '\n' '\0' <"$list" |
    xargs -0 -n 1 -P "$jobs" bash -c 'IFS=$'"'"'\t'"'"' read -r -a a <<<"$1"; run_one "${a[@]}"' _
echo "corpus-outputs: $(wc -l <"$list") runs into $out"
