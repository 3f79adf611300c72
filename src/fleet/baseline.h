/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pool baselines: one domainCapabilities that every host of a pool
 * satisfies, with the intersected QEMU facts `domcaps check --caps` needs to
 * judge against it as strictly as against any one host (docs/baseline.md).
 */
#pragma once

#include "fleet.h"

typedef struct dc_fleet_baseline_result {
    dc_domcaps *caps;   /* what every host offers for the request */
    dc_qemu_caps *qemu; /* the hosts' QEMU facts, intersected (the snapshot extension) */
    /*
     * The hosts' common CPU and KVM facts as a host report (flags all hosts
     * have, the smallest limits); the inventory (NUMA, PCI, USB, device nodes,
     * interfaces, files) is left unknown: host resources are judged per host.
     */
    dc_hostinfo host;
    char **hosts;    /* the pool's host names, sorted (the order given changes nothing) */
    char **machines; /* the machine each host resolved the request to, parallel to hosts */
    /*
     * What one document cannot say to the checker for this pool, one
     * sentence each (NULL-terminated, often empty): a domain may pass the
     * baseline and still fail there on some host. See docs/baseline.md.
     */
    char **limits;
} dc_fleet_baseline_result;

/*
 * The baseline of n recorded hosts for req. req's NULL members take the
 * defaults `domcaps probe` picks, resolved per host: the host's own arch
 * (hosts of different arches are an error), kvm when every host has it (else
 * qemu), the arch's preferred machine. A machine that resolves to different
 * names on the hosts (q35 -> pc-q35-7.2 and pc-q35-9.2) is named by its
 * alias. 0, or -EINVAL/-ENOENT with a message naming the hosts concerned
 * (an empty pool, two hosts of one name, mixed arches, a host that cannot
 * serve the request).
 */
int dc_fleet_baseline(dc_fleet_host **hosts, size_t n, const dc_request *req,
                      dc_fleet_baseline_result **ret, dc_error *err);
void dc_fleet_baseline_free(dc_fleet_baseline_result *b);

/*
 * The baseline as a document: XML with the snapshot extension (what
 * `domcaps probe --snapshot` prints, for `domcaps check --caps`), or the caps
 * JSON (without the extension, as `domcaps probe --format json`).
 */
char *dc_fleet_baseline_format(const dc_fleet_baseline_result *b, bool json);
/* The common host part as a `domcaps host` report (for `domcaps check --host`). */
char *dc_fleet_baseline_format_host(const dc_fleet_baseline_result *b, bool json);
