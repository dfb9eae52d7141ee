/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* Stand-in for Kamailio's core/dprint.h: log lines are counted, not
 * printed (tests may look at the count). */
#ifndef VT_STUB_DPRINT_H
#define VT_STUB_DPRINT_H
extern int vt_stub_log_errors;
#define LM_ERR(...) (vt_stub_log_errors++)
#define LM_WARN(...) ((void)0)
#define LM_INFO(...) ((void)0)
#define LM_NOTICE(...) ((void)0)
#define LM_DBG(...) ((void)0)
#endif
