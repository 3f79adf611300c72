/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* From what QEMU said and what the host has to a domainCapabilities model. */
#pragma once

#include "domcaps/domcaps.h"
#include "host.h"
#include "qemu_probe.h"

typedef struct dc_request {
    const char *arch;     /* NULL: the emulator's own */
    const char *machine;  /* NULL: the arch's preferred machine */
    const char *virttype; /* NULL: kvm when usable, else qemu */
} dc_request;

/* Returns 0, or -EINVAL with a message for a request this emulator and host cannot serve. */
int dc_domcaps_derive(const dc_qemu_caps *qc, const dc_host *host, const dc_request *req,
                      dc_domcaps **ret, dc_error *err);
