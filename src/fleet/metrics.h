/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Prometheus metrics of a host in the text exposition format (version 0.0.4)
 * as node_exporter's textfile collector reads it: KVM, the emulators and
 * their cache entries, CPU model usability of the native emulator, IOMMU
 * groups, hugepages. Every value is a gauge of the state this run found.
 */
#pragma once

#include "survey.h"

/* The metrics text of a survey; now: the run's time in seconds since the epoch. */
char *dc_metrics_format(const dc_survey *s, double now);

/*
 * Surveys this machine (dc_survey_live) and returns its metrics. Warnings
 * (an emulator that could not be probed, a corrupt cache entry) are added to
 * diag when it is not NULL; they do not fail the run.
 */
int dc_metrics_live(const dc_survey_opts *opts, dc_diag *diag, char **ret_text, dc_error *err);

/* The metrics of a recorded host: its probes and its replayed emulators. */
int dc_metrics_for_host(dc_fleet_host *h, dc_diag *diag, char **ret_text, dc_error *err);

/* A label value as the exposition format writes it: \\ \" \n escaped, valid UTF-8. */
void dc_metrics_add_label_value(dc_buf *b, const char *value);
