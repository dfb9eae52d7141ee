/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the module's timer process, which runs every deadline.
 */
#ifndef VT_TIMER_H
#define VT_TIMER_H

/* Tick of the timer process: deadlines are met within one tick. */
#define VT_TICK_MS 50

/* mod_init: reserve the process. */
int vt_timer_register(void);
/* child_init(PROC_MAIN): fork it. */
int vt_timer_fork(void);

#endif
