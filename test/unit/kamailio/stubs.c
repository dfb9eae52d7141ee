/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* The stand-ins' state (see kamailio/core/): pkg and shm are two counted
 * malloc pools that can fail an allocation on demand. */
#include <stdlib.h>

int vt_stub_log_errors = 0;
int vt_stub_pkg_fail_after = -1;
int vt_stub_shm_fail_after = -1;
long vt_stub_pkg_live = 0;
long vt_stub_shm_live = 0;
long vt_stub_lock_gets = 0;

/* fail_after: -1 never; N: the allocation after the next N fails. 1 when
 * this one is to fail. */
static int fail_now(int *fail_after)
{
	if(*fail_after == 0) {
		*fail_after = -1;
		return 1;
	}
	if(*fail_after > 0)
		(*fail_after)--;
	return 0;
}

static void *pool_alloc(size_t n, int *fail_after, long *live)
{
	void *p;

	if(fail_now(fail_after))
		return NULL;
	p = malloc(n);
	*live += p != NULL;
	return p;
}

static void pool_free(void *p, long *live)
{
	*live -= p != NULL;
	free(p);
}

void *vt_stub_pkg_malloc(size_t n)
{
	return pool_alloc(n, &vt_stub_pkg_fail_after, &vt_stub_pkg_live);
}

/* realloc(NULL) is a new block; a failed realloc keeps the old one */
void *vt_stub_pkg_realloc(void *old, size_t n)
{
	if(old == NULL)
		return vt_stub_pkg_malloc(n);
	if(fail_now(&vt_stub_pkg_fail_after))
		return NULL;
	return realloc(old, n);
}

void vt_stub_pkg_free(void *p)
{
	pool_free(p, &vt_stub_pkg_live);
}

void *vt_stub_shm_malloc(size_t n)
{
	return pool_alloc(n, &vt_stub_shm_fail_after, &vt_stub_shm_live);
}

void vt_stub_shm_free(void *p)
{
	pool_free(p, &vt_stub_shm_live);
}
