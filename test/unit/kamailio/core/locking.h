/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* Stand-in for Kamailio's core/locking.h: one process, so a lock is a
 * flag that must never be taken twice or released when free (checked);
 * vt_stub_lock_gets counts the takes. */
#ifndef VT_STUB_LOCKING_H
#define VT_STUB_LOCKING_H
#include <assert.h>
typedef int gen_lock_t;
extern long vt_stub_lock_gets;
#define lock_init(l) (*(l) = 0, (l))
#define lock_destroy(l) ((void)(l))
#define lock_get(l) (assert(*(l) == 0), vt_stub_lock_gets++, *(l) = 1)
#define lock_release(l) (assert(*(l) == 1), *(l) = 0)
#endif
