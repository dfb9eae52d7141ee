/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the teardown action - ending a call the module found dead or
 * capped, or an operator asked to end: the event route, the reason in
 * $dlg_var(vos_timer_reason), the BYEs to both legs (the dialog module's,
 * and the module's own where it sent none) and their answers. Runs in the
 * deadline process, or in the RPC process for vos_timer.hangup; never
 * holds the store lock while it calls the dialog module or tm.
 */
#ifndef VT_TEARDOWN_H
#define VT_TEARDOWN_H

#include "vt_store.h"

/* mod_init, after vt_tm_bind(): the dialog module's BYE headers, and the
 * tm callbacks that follow BYEs. */
int vt_teardown_init(void);

/* A teardown job (VT_ACT_TEARDOWN, VT_ACT_TEARDOWN_RETRY): the first try
 * ends the call through the dialog module; a retry sends again the BYEs
 * that could not go out. */
void vt_teardown_run(const vt_job_t *job);

/* A teardown's last try is over (VT_ACT_FORGET): say which legs got no
 * BYE, release the dialog reference the store kept. */
void vt_teardown_forget(const vt_job_t *job);

#endif
