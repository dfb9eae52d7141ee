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

/* mod_init: reserve the process and make its wake-up pipe. */
int vt_timer_register(void);
/* child_init(PROC_MAIN): fork it. */
int vt_timer_fork(void);

#endif
