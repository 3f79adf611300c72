/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Ansible facts: the JSON document `domcaps host --format ansible` prints
 * for facts.d (ansible_local.domcaps): the host report plus the summary a
 * playbook decides on (KVM, each emulator's version, machine types and CPU
 * models per virttype, the native emulator's defaults).
 * docs/schema/ansible.schema.json describes it.
 */
#pragma once

#include "survey.h"

/* The facts of a survey made with want_report. */
char *dc_ansible_format(const dc_survey *s);

/* Surveys this machine (dc_survey_live, with the report) and returns its facts. */
int dc_ansible_live(const dc_survey_opts *opts, dc_diag *diag, char **ret_text, dc_error *err);

/* The facts of a recorded host. */
int dc_ansible_for_host(dc_fleet_host *h, dc_diag *diag, char **ret_text, dc_error *err);
