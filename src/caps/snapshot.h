/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Capability snapshots: the domainCapabilities document with the extension
 * element domcaps adds for what the offline checker needs beyond libvirt's
 * document, written by `probe --snapshot` and read back by `check --caps`.
 */
#pragma once

#include "derive.h"
#include "qemu_probe.h"

#define DC_SNAPSHOT_NS "https://domcaps.dev/ns/snapshot/1"

/* A saved domainCapabilities document, with our extension when it has one. */
typedef struct dc_snapshot {
    char *file;
    dc_domcaps *caps;
    dc_qemu_caps *qemu; /* from the extension element; NULL for plain libvirt documents */
} dc_snapshot;

/* Parses a saved domainCapabilities document (with or without the extension). */
int dc_snapshot_load(const char *path, dc_snapshot *ret, dc_error *err);
void dc_snapshot_clear(dc_snapshot *s);

/* The extension element carrying what the checker needs beyond libvirt's document. */
char *dc_snapshot_format_extension(const dc_qemu_caps *qc, bool kvm);

/*
 * The XML document of caps (dc_domcaps_format_xml) with the extension element
 * for qc last inside its root element: what `domcaps probe --snapshot` prints.
 */
char *dc_domcaps_format_xml_snapshot(const dc_domcaps *caps, const dc_qemu_caps *qc);
