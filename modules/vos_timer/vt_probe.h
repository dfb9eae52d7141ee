/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the probe action - in-dialog UPDATE/OPTIONS requests to a
 * call's legs, sent through tm from the deadline process; their final
 * answers go back to the store from whatever process tm completes them in.
 */
#ifndef VT_PROBE_H
#define VT_PROBE_H

#include "vt_store.h"

/* mod_init, after vt_tm_bind(). */
void vt_probe_init(void);

/* Send the probes of a VT_ACT_PROBE job. */
void vt_probe_run(const vt_job_t *job);

#endif
