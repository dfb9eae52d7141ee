/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the module's deadline process ("vos_timer deadlines"), which
 * runs every deadline.
 */
#ifndef VT_TIMER_H
#define VT_TIMER_H

#include "vt_policy.h"

/* The deadline process runs at most once per tick: work due within a
 * tick goes out together, and deadlines are met within one tick (unless
 * more is due than the process can send). */
#define VT_TICK_MS 50
/* When the next thing due is a probe, it runs no sooner than this long
 * after the last run that took probes early: the probes due up to
 * VT_PROBE_LEAD_MS ahead go out in the same run (vt_policy.h), so at low
 * load it wakes half as often, and a probe is still at most one tick
 * late. */
#define VT_PROBE_TICK_MS (VT_TICK_MS + VT_PROBE_LEAD_MS)
/* With nothing due, it still wakes this often (cfg framework updates). */
#define VT_IDLE_MAX_MS 1000

/* mod_init: reserve the process and make its wake-up pipe. */
int vt_timer_register(void);
/* child_init(PROC_MAIN): fork it. */
int vt_timer_fork(void);

#endif
