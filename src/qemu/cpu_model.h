/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CPU models over QEMU's expansions: the host-model choice (the named model
 * closest to the host, with the features to require and to disable), vendor
 * names and QEMU's feature spellings. Pure functions over dc_qemu_cpuexp.
 */
#pragma once

#include "domcaps/domcaps.h"
#include "qemu_probe.h"

/* The libvirt-style vendor name for a CPUID vendor string (AuthenticAMD -> AMD). */
const char *dc_cpu_vendor_name(const char *cpuid_vendor);

/*
 * host-model: the named model closest to the host (or max) expansion, with the
 * features to require and to disable. own_vendors[i] is the CPUID vendor
 * models[i] has of its own (its TCG expansion; NULL when unknown): the model
 * is chosen among those of the host's vendor. Pure function over the expansions.
 */
void dc_cpu_host_model(const dc_qemu_cpuexp *host, const dc_qemu_cpuexp *models,
                       const char *const *own_vendors, size_t nmodels, const dc_strv *aliases,
                       dc_host_model *out);

/*
 * host-model when no per-model expansion is known: named after model, every
 * host feature required, the model's unavailable features disabled.
 */
void dc_cpu_host_model_fallback(const dc_qemu_cpuexp *host, const char *model,
                                const dc_strv *unavailable, const dc_strv *aliases,
                                dc_host_model *out);

/* QEMU's underscore spelling of a feature where it has one (lahf-lm -> lahf_lm). */
const char *dc_cpu_feature_spelling(const dc_strv *aliases, const char *name);

void dc_host_model_copy(dc_host_model *dst, const dc_host_model *src);
void dc_host_model_clear(dc_host_model *hm);
