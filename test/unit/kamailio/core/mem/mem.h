/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* Stand-in for Kamailio's core/mem/mem.h: pkg memory from malloc, with
 * failures on demand (vt_stub_pkg_fail_after: -1 never, N: the call after
 * the next N successes fails). */
#ifndef VT_STUB_MEM_H
#define VT_STUB_MEM_H
#include <stddef.h>
void *vt_stub_pkg_malloc(size_t n);
void *vt_stub_pkg_realloc(void *p, size_t n);
void vt_stub_pkg_free(void *p);
extern int vt_stub_pkg_fail_after;
extern long vt_stub_pkg_live;
#define pkg_malloc(n) vt_stub_pkg_malloc(n)
#define pkg_realloc(p, n) vt_stub_pkg_realloc(p, n)
#define pkg_free(p) vt_stub_pkg_free(p)
#define PKG_MEM_ERROR LM_ERR("no more pkg memory\n")
#endif
