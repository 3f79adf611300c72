#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""
contrib/ansible with real ansible-core against localhost (connection local).

  test_ansible.py DOMCAPS SOURCE_DIR facts     install-facts.yml into a temporary facts.d,
                                               then ansible_local.domcaps asserted against
                                               what this machine says itself; the fact
                                               script without domcaps and with a failing one
  test_ansible.py DOMCAPS SOURCE_DIR bundles   gather-bundles.yml over an inventory of
                                               localhost: once with a stand-in domcaps
                                               (the playbook's own logic), then with the
                                               built one when it has `bundle`

Exits 77 without ansible-playbook, and (bundles) when the built domcaps has no
bundle subcommand, after the stand-in run.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # nothing written into the source tree
from test_support import path_emulators  # noqa: E402

binary, source, mode = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
contrib = os.path.join(source, "contrib", "ansible")
playbook_bin = shutil.which("ansible-playbook")
if not playbook_bin:
    print("SKIP: ansible-playbook is not installed (Debian: ansible-core)")
    sys.exit(77)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


def finish(skip=None):
    for f in failures:
        print("FAIL: " + f)
    if failures:
        sys.exit(1)
    if skip:
        print("SKIP: " + skip)
        sys.exit(77)
    print("PASS")
    sys.exit(0)


def ansible_env(tmp, extra_path=None):
    env = dict(os.environ,
               ANSIBLE_LOCAL_TEMP=os.path.join(tmp, "ansible-local"),
               ANSIBLE_REMOTE_TEMP=os.path.join(tmp, "ansible-remote"),
               ANSIBLE_HOME=os.path.join(tmp, "ansible-home"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0",
               ANSIBLE_PYTHON_INTERPRETER="auto_silent", ANSIBLE_DEPRECATION_WARNINGS="0",
               DOMCAPS_CACHE_DIR=os.path.join(tmp, "cache"))
    if extra_path:
        env["PATH"] = extra_path + ":" + env.get("PATH", "/usr/bin:/bin")
    return env


def playbook(tmp, book, extra, env, want_rc=0, what=None):
    args = [playbook_bin, "-i", "localhost,", "-c", "local", book, "-e", json.dumps(extra)]
    p = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300, cwd=tmp)
    check(p.returncode == want_rc, "%s: ansible-playbook exit %d (expected %d):\n%s%s" %
          (what or os.path.basename(book), p.returncode, want_rc, p.stdout[-4000:], p.stderr[-2000:]))
    return p


def run_fact(env):
    p = subprocess.run([os.path.join(contrib, "domcaps.fact")], capture_output=True, text=True,
                       env=env, timeout=120)
    try:
        return p.returncode, json.loads(p.stdout)
    except ValueError:
        return p.returncode, p.stdout


def test_facts(tmp):
    for book in ("install-facts.yml", "gather-bundles.yml"):
        p = subprocess.run([playbook_bin, "--syntax-check", "-i", "localhost,",
                            os.path.join(contrib, book)], capture_output=True, text=True,
                           env=ansible_env(tmp), timeout=120)
        check(p.returncode == 0, "%s: syntax: %s%s" % (book, p.stdout, p.stderr))
    emus = path_emulators()
    native = [e for e in emus if e.endswith("/qemu-system-x86_64")]
    if os.uname().machine != "x86_64" or not native:
        finish("the facts playbook needs an x86_64 host with qemu-system-x86_64 in PATH")
    out = subprocess.run([native[0], "--version"], capture_output=True, text=True).stdout
    version = re.search(r"version (\d+\.\d+\.\d+)", out).group(1)
    kvm = os.access("/dev/kvm", os.R_OK | os.W_OK)
    facts = os.path.join(tmp, "facts.d")
    env = ansible_env(tmp, os.path.dirname(binary))
    playbook(tmp, os.path.join(contrib, "install-facts.yml"),
             {"facts_dir": facts, "domcaps_become": False}, env)
    check(os.access(os.path.join(facts, "domcaps.fact"), os.X_OK),
          "install-facts.yml: no executable %s/domcaps.fact" % facts)
    playbook(tmp, os.path.join(source, "tests", "ansible", "assert-facts.yml"),
             {"fact_dir": facts, "want_kvm": kvm, "want_emulators": emus, "want_path": native[0],
              "want_version": version, "want_arch": "x86_64"}, env)
    # Without domcaps, or with one that fails: an object with a message, exit 0.
    rc, doc = run_fact(dict(env, DOMCAPS=os.path.join(tmp, "no-such-domcaps")))
    check(rc == 0 and isinstance(doc, dict) and list(doc) == ["message"] and
          "not installed" in doc["message"], "fact without domcaps: %r %r" % (rc, doc))
    failing = os.path.join(tmp, "failing-domcaps")
    with open(failing, "w") as f:
        f.write('#!/bin/sh\necho \'domcaps: cannot open sysroot "x\\y": no\' >&2\nexit 2\n')
    os.chmod(failing, 0o755)
    rc, doc = run_fact(dict(env, DOMCAPS=failing))
    check(rc == 0 and isinstance(doc, dict) and
          doc.get("message") == 'domcaps host --format ansible failed with exit status 2: '
          'domcaps: cannot open sysroot "x\\y": no', "fact with a failing domcaps: %r %r" % (rc, doc))
    finish()


# A stand-in for the subcommands gather-bundles.yml runs, as their contracts say:
# bundle create -o FILE; place --bundle-dir DIR --format F DOMAIN... (exit 1 when a
# domain fits no host); baseline --bundle-dir DIR --format xml.
STAND_IN = r"""#!/bin/sh
log=%(log)s
echo "$*" >>"$log"
case "$1 $2" in
"bundle create")
    [ "$3" = -o ] || exit 2
    echo "bundle of $(hostname)" >"$4"; exit 0 ;;
"place --bundle-dir")
    dir=$3; shift 5; rc=0
    printf '{"bundles": %%d, "domains": [' "$(ls "$dir" | grep -c '\.bundle$')"
    sep=
    for d in "$@"; do
        case $d in *nohost*) rc=1 ;; esac
        printf '%%s"%%s"' "$sep" "$d"; sep=,
    done
    echo ']}'; exit $rc ;;
"baseline --bundle-dir")
    echo "<domainCapabilities><!-- $(ls "$3" | grep -c '\.bundle$') hosts --></domainCapabilities>"
    exit 0 ;;
esac
exit 2
"""


def gather(tmp, name, dc, domains, want_rc):
    """Runs gather-bundles.yml with bundles and reports under tmp/name."""
    work = os.path.join(tmp, name)
    os.makedirs(work)
    extra = {"bundle_dir": "bundles", "report_dir": "reports", "domains": domains,
             "domcaps": dc, "domcaps_local": dc}
    p = playbook(work, os.path.join(contrib, "gather-bundles.yml"), extra, ansible_env(tmp),
                 want_rc, "gather-bundles.yml (%s)" % name)
    bundle = os.path.join(work, "bundles", "localhost.bundle")
    check(os.path.isfile(bundle) and os.path.getsize(bundle) > 0,
          "%s: no fetched bundle %s" % (name, bundle))
    check(not os.path.exists("/tmp/domcaps-localhost.bundle"),
          "%s: the bundle was left on the host" % name)
    for f in (["place.json"] if domains else []) + ["baseline.xml"]:
        check(os.path.isfile(os.path.join(work, "reports", f)), "%s: no reports/%s" % (name, f))
    return work, p


def test_bundles(tmp):
    stand_in = os.path.join(tmp, "stand-in-domcaps")
    log = os.path.join(tmp, "stand-in.log")
    with open(stand_in, "w") as f:
        f.write(STAND_IN % {"log": log})
    os.chmod(stand_in, 0o755)
    doms = os.path.join(tmp, "doms")
    os.makedirs(doms)
    for n in ("fits.xml", "nohost.xml"):
        open(os.path.join(doms, n), "w").close()
    work, _ = gather(tmp, "stand-in-fits", stand_in, [os.path.join(doms, "fits.xml")], 0)
    with open(os.path.join(work, "reports", "place.json")) as f:
        placed = json.load(f)
    check(placed == {"bundles": 1, "domains": [os.path.join(doms, "fits.xml")]},
          "stand-in: place saw %r" % placed)
    with open(os.path.join(work, "bundles", "localhost.bundle")) as f:
        check(f.read() == "bundle of %s\n" % os.uname().nodename, "stand-in: the bundle's content")
    with open(log) as f:
        calls = [l.split()[0] + " " + l.split()[1] for l in f]
    check(calls == ["bundle create", "place --bundle-dir", "baseline --bundle-dir"],
          "stand-in: calls %r" % calls)
    gather(tmp, "stand-in-nohost", stand_in,
           [os.path.join(doms, "fits.xml"), os.path.join(doms, "nohost.xml")], 2)

    p = subprocess.run([binary, "bundle", "--help"], capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        finish("the built domcaps has no bundle subcommand (`domcaps bundle --help` exits %d); "
               "gather-bundles.yml ran against a stand-in only" % p.returncode)
    fits = os.path.join(doms, "real-fits.xml")
    with open(fits, "w") as f:
        f.write("<domain type='qemu'><name>fits</name><memory unit='MiB'>64</memory>"
                "<os><type arch='x86_64'>hvm</type></os></domain>\n")
    huge = os.path.join(doms, "real-nohost.xml")
    with open(huge, "w") as f:
        f.write("<domain type='qemu'><name>huge</name><memory unit='TiB'>4096</memory>"
                "<os><type arch='x86_64'>hvm</type></os></domain>\n")
    gather(tmp, "built-fits", binary, [fits], 0)
    gather(tmp, "built-nohost", binary, [fits, huge], 2)
    finish()


with tempfile.TemporaryDirectory(prefix="domcaps-ansible-") as tmp:
    if mode == "facts":
        test_facts(tmp)
    elif mode == "bundles":
        test_bundles(tmp)
    else:
        print("usage: test_ansible.py DOMCAPS SOURCE_DIR facts|bundles", file=sys.stderr)
        sys.exit(2)
