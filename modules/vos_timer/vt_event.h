/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: event_route[vos-timer:teardown] (or the KEMI function named by
 * the event_callback parameter), run once per module-initiated teardown
 * just before the BYEs, and the $vtimer(name) pseudo-variables that describe
 * the call inside it.
 */
#ifndef VT_EVENT_H
#define VT_EVENT_H

#include "../../core/pvar.h"
#include "../../core/str.h"
#include "vt_store.h"

/* KEMI function name (modparam event_callback); empty: the native route. */
extern str vt_event_callback;

/* mod_init: find the route. */
int vt_event_init(void);

/* Run the route for this teardown job (job->view filled). The route cannot
 * stop the teardown: whatever it does, the caller sends the BYEs. */
void vt_event_teardown(const vt_job_t *job);

int vt_pv_parse_name(pv_spec_t *sp, str *in);
int vt_pv_get(struct sip_msg *msg, pv_param_t *param, pv_value_t *res);

#endif
