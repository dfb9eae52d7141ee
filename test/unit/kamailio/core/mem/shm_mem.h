/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* Stand-in for Kamailio's core/mem/shm_mem.h: shm from malloc, counted
 * (vt_stub_shm_live: blocks not freed), failures on demand as for pkg. */
#ifndef VT_STUB_SHM_MEM_H
#define VT_STUB_SHM_MEM_H
#include <stddef.h>
void *vt_stub_shm_malloc(size_t n);
void vt_stub_shm_free(void *p);
extern int vt_stub_shm_fail_after;
extern long vt_stub_shm_live;
#define shm_malloc(n) vt_stub_shm_malloc(n)
#define shm_free(p) vt_stub_shm_free(p)
#define SHM_MEM_ERROR LM_ERR("no more shm memory\n")
#endif
