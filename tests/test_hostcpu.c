/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The hostcpu probe against fixture roots (tests/data/roots/{host-numa,numa2,
 * numa4,nonuma,debian12-kvm}) and hand-made /proc/cpuinfo files for other
 * vendors and architectures, plus bad input.
 */
#include "test_helpers.h"

#include "arch.h"

#define ROOTS DC_TEST_DATA_DIR "/roots"

static void probe(const char *root_path, dc_host *host)
{
    dc_root *root = NULL;
    assert_int_equal(dc_root_open(root_path, &root), 0);
    *host = (dc_host){.root = root, .what = DC_PROBE_FOR_INVENTORY};
    assert_int_equal(dc_probe_hostcpu.run(host), 0);
    host->root = NULL;
    dc_root_free(root);
}

static void print_diags(const dc_host *host)
{
    for (size_t i = 0; i < host->info.ndiags; i++)
        print_message("diagnostic %s: %s\n", host->info.diags[i].probe,
                      host->info.diags[i].message);
}

static void assert_diag(const dc_host *host, const char *text)
{
    for (size_t i = 0; i < host->info.ndiags; i++)
        if (streq(host->info.diags[i].probe, "hostcpu") &&
            strstr(host->info.diags[i].message, text))
            return;
    print_diags(host);
    fail_msg("no hostcpu diagnostic contains '%s'", text);
}

static void assert_no_diags(const dc_host *host)
{
    print_diags(host);
    assert_int_equal(host->info.ndiags, 0);
}

static void assert_flags(char **flags, const char *const *want)
{
    size_t n = 0;
    for (; want[n]; n++) {
        assert_non_null(flags);
        assert_non_null(flags[n]);
        assert_string_equal(flags[n], want[n]);
    }
    assert_true(n == 0 ? flags == NULL : flags[n] == NULL);
}

static void assert_topology(const dc_hostcpu *c, unsigned sockets, unsigned dies, unsigned cores,
                            unsigned threads, unsigned online)
{
    assert_int_equal(c->sockets, sockets);
    assert_int_equal(c->dies, dies);
    assert_int_equal(c->cores, cores);
    assert_int_equal(c->threads, threads);
    assert_int_equal(c->online_cpus, online);
}

/* Captured from the machine the fixture was made on; `virsh capabilities` agreed. */
static void test_host_numa(void **state)
{
    dc_host host;
    probe(ROOTS "/host-numa", &host);
    const dc_hostcpu *c = &host.info.cpu;
    assert_string_equal(c->arch, "x86_64");
    assert_string_equal(c->vendor, "AuthenticAMD");
    assert_string_equal(c->model_name, "AMD EPYC");
    assert_int_equal(c->family, 26);
    assert_int_equal(c->model, 2);
    assert_int_equal(c->stepping, 1);
    assert_string_equal(c->microcode, "0x1000065");
    assert_int_equal(c->phys_bits, 48);
    assert_false(c->vmx);
    assert_false(c->svm);
    assert_topology(c, 1, 1, 2, 1, 2);
    size_t n = 0;
    bool lm = false, avx512f = false;
    for (; c->flags[n]; n++) {
        if (n > 0)
            assert_true(strcmp(c->flags[n - 1], c->flags[n]) < 0);
        lm |= streq(c->flags[n], "lm");
        avx512f |= streq(c->flags[n], "avx512f");
    }
    assert_int_equal(n, 106);
    assert_true(lm && avx512f);
    assert_no_diags(&host);
    dc_host_clear(&host);
}

/* Two sockets of two cores of two threads; Intel with vmx and microcode. */
static void test_numa2(void **state)
{
    dc_host host;
    probe(ROOTS "/numa2", &host);
    const dc_hostcpu *c = &host.info.cpu;
    assert_string_equal(c->arch, "x86_64");
    assert_string_equal(c->vendor, "GenuineIntel");
    assert_string_equal(c->model_name, "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz");
    assert_int_equal(c->family, 6);
    assert_int_equal(c->model, 85);
    assert_int_equal(c->stepping, 4);
    assert_string_equal(c->microcode, "0x2006e05");
    assert_int_equal(c->phys_bits, 46);
    assert_true(c->vmx);
    assert_false(c->svm);
    assert_topology(c, 2, 1, 2, 2, 8);
    assert_flags(c->flags, (const char *const[]){
                               "apic", "avx", "avx2",       "constant_tsc", "cx8",    "de",
                               "ept",  "fpu", "hypervisor", "lm",           "mce",    "msr",
                               "pae",  "pse", "sep",        "sse4_1",       "sse4_2", "ssse3",
                               "tsc",  "vme", "vmx",        "vpid",         "x2apic", NULL});
    assert_no_diags(&host);
    dc_host_clear(&host);
}

/* Socket 0 has two dies, socket 1 one: each level reports the largest. */
static void test_numa4(void **state)
{
    dc_host host;
    probe(ROOTS "/numa4", &host);
    const dc_hostcpu *c = &host.info.cpu;
    assert_string_equal(c->vendor, "AuthenticAMD");
    assert_true(c->svm);
    assert_false(c->vmx);
    assert_topology(c, 2, 2, 2, 1, 6);
    assert_no_diags(&host);
    dc_host_clear(&host);
}

/* One core, two threads, no die_id (kernel < 5.3): one die. */
static void test_nonuma(void **state)
{
    dc_host host;
    probe(ROOTS "/nonuma", &host);
    assert_topology(&host.info.cpu, 1, 1, 1, 2, 2);
    assert_int_equal(host.info.cpu.phys_bits, 43);
    assert_no_diags(&host);
    dc_host_clear(&host);
}

/* The caps fixtures hold only "address sizes": phys_bits, and not a word of complaint. */
static void test_minimal_root(void **state)
{
    dc_host host;
    probe(ROOTS "/debian12-kvm", &host);
    const dc_hostcpu *c = &host.info.cpu;
    assert_int_equal(c->phys_bits, 48);
    /* The root's recorded arch, never this machine's (kernel.arch, as the capture saved it). */
    assert_string_equal(c->arch, "x86_64");
    assert_null(c->vendor);
    assert_null(c->flags);
    assert_int_equal(c->family, -1);
    assert_topology(c, 0, 0, 0, 0, 0);
    assert_no_diags(&host);
    dc_host_clear(&host);
}


/* Probes a root holding only the given /proc/cpuinfo. */
static void probe_cpuinfo(const char *cpuinfo, dc_host *host)
{
    tmproot t;
    tmproot_make(&t);
    tmproot_write(&t, "/proc/cpuinfo", cpuinfo);
    probe(t.path, host);
    tmproot_remove(&t);
}

static void test_cpuinfo_variants(void **state)
{
    dc_host host;

    /* 32-bit x86: no lm. Duplicate flags collapse; only the first processor counts. */
    probe_cpuinfo("processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 13\n"
                  "model name\t: Intel(R) Pentium(R) M processor 1.73GHz\nstepping\t: 8\n"
                  "flags\t\t: fpu vme pae sse2 pae\n\n"
                  "processor\t: 1\nvendor_id\t: Other\nflags\t\t: lm\n",
                  &host);
    assert_string_equal(host.info.cpu.arch, "i686");
    assert_string_equal(host.info.cpu.vendor, "GenuineIntel");
    assert_int_equal(host.info.cpu.model, 13);
    assert_null(host.info.cpu.microcode);
    assert_int_equal(host.info.cpu.phys_bits, 0);
    assert_flags(host.info.cpu.flags, (const char *const[]){"fpu", "pae", "sse2", "vme", NULL});
    assert_no_diags(&host);
    dc_host_clear(&host);

    /* aarch64: the implementer code stands for the vendor; no x86 signature. */
    probe_cpuinfo("processor\t: 0\nBogoMIPS\t: 50.00\n"
                  "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics cpuid\n"
                  "CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x3\n"
                  "CPU part\t: 0xd0c\nCPU revision\t: 1\n",
                  &host);
    assert_string_equal(host.info.cpu.arch, "aarch64");
    assert_string_equal(host.info.cpu.vendor, "0x41");
    assert_null(host.info.cpu.model_name);
    assert_int_equal(host.info.cpu.family, -1);
    assert_int_equal(host.info.cpu.model, -1);
    assert_int_equal(host.info.cpu.stepping, -1);
    assert_flags(host.info.cpu.flags,
                 (const char *const[]){"aes", "asimd", "atomics", "cpuid", "crc32", "evtstrm", "fp",
                                       "pmull", "sha1", "sha2", NULL});
    assert_false(host.info.cpu.vmx || host.info.cpu.svm);
    dc_host_clear(&host);

    /* s390x has a vendor_id too, but "features" rather than "flags". */
    probe_cpuinfo("vendor_id       : IBM/S390\n# processors    : 2\n"
                  "features\t: esan3 zarch stfle msa ldisp eimm dfp edat etf3eh highgprs te sie\n",
                  &host);
    assert_string_equal(host.info.cpu.arch, "s390x");
    assert_string_equal(host.info.cpu.vendor, "IBM/S390");
    assert_int_equal(host.info.cpu.family, -1);
    dc_host_clear(&host);

    /* Fields with odd spacing and a stepping that is not a number. */
    probe_cpuinfo("vendor_id:AuthenticAMD\ncpu family :  25 \nmodel\t: 1\nstepping\t: unknown\n"
                  "flags:svm lm\naddress sizes : 52 bits physical, 57 bits virtual\n",
                  &host);
    assert_string_equal(host.info.cpu.arch, "x86_64");
    assert_string_equal(host.info.cpu.vendor, "AuthenticAMD");
    assert_int_equal(host.info.cpu.family, 25);
    assert_int_equal(host.info.cpu.stepping, -1);
    assert_true(host.info.cpu.svm);
    assert_int_equal(host.info.cpu.phys_bits, 52);
    assert_no_diags(&host);
    dc_host_clear(&host);
}

static void test_bad_input(void **state)
{
    dc_host host;

    /* No /proc/cpuinfo at all. */
    tmproot t;
    tmproot_make(&t);
    probe(t.path, &host);
    assert_diag(&host, "cannot read /proc/cpuinfo: No such file or directory");
    assert_null(host.info.cpu.arch);
    assert_int_equal(host.info.cpu.family, -1);
    assert_int_equal(host.info.cpu.stepping, -1);
    dc_host_clear(&host);

    /* A garbled address size; a garbage online list. */
    tmproot_write(&t, "/proc/cpuinfo", "address sizes\t: many bits\n");
    tmproot_write(&t, "/sys/devices/system/cpu/online", "0-x\n");
    probe(t.path, &host);
    assert_int_equal(host.info.cpu.phys_bits, 0);
    assert_diag(&host, "cannot read the physical address size from /proc/cpuinfo: 'many bits'");
    assert_diag(&host, "/sys/devices/system/cpu/online does not hold a CPU list: '0-x'");
    assert_topology(&host.info.cpu, 0, 0, 0, 0, 0);
    dc_host_clear(&host);

    /* Online CPUs whose topology is garbage or missing: counted, but no topology. */
    tmproot_write(&t, "/sys/devices/system/cpu/online", "0-1\n");
    tmproot_write(&t, "/sys/devices/system/cpu/cpu0/topology/thread_siblings_list", "0\n");
    tmproot_write(&t, "/sys/devices/system/cpu/cpu0/topology/physical_package_id", "zero\n");
    probe(t.path, &host);
    assert_diag(&host, "/sys/devices/system/cpu/cpu0/topology/physical_package_id does not hold "
                       "an id: 'zero'");
    assert_topology(&host.info.cpu, 0, 0, 0, 0, 2);
    dc_host_clear(&host);

    tmproot_write(&t, "/sys/devices/system/cpu/cpu0/topology/physical_package_id", "0\n");
    probe(t.path, &host);
    assert_diag(&host, "cannot read ");
    assert_diag(&host, "/sys/devices/system/cpu/cpu1/topology/thread_siblings_list: No such file");
    assert_topology(&host.info.cpu, 0, 0, 0, 0, 2);
    dc_host_clear(&host);

    /* Complete: -1 package (no sockets on this architecture) counts as socket 0. */
    tmproot_write(&t, "/sys/devices/system/cpu/cpu0/topology/physical_package_id", "-1\n");
    tmproot_write(&t, "/sys/devices/system/cpu/cpu1/topology/thread_siblings_list", "1\n");
    tmproot_write(&t, "/sys/devices/system/cpu/cpu1/topology/physical_package_id", "-1\n");
    tmproot_write(&t, "/sys/devices/system/cpu/cpu1/topology/die_id", "-1\n");
    probe(t.path, &host);
    assert_topology(&host.info.cpu, 1, 1, 2, 1, 2);
    assert_int_equal(host.info.ndiags, 1); /* the address size still */
    dc_host_clear(&host);
    tmproot_remove(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_numa),    cmocka_unit_test(test_numa2),
        cmocka_unit_test(test_numa4),        cmocka_unit_test(test_nonuma),
        cmocka_unit_test(test_minimal_root), cmocka_unit_test(test_cpuinfo_variants),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
