/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: module settings in shm (see vt_settings.h).
 */
#include "../../core/dprint.h"
#include "../../core/locking.h"
#include "../../core/mem/shm_mem.h"

#include "vt_settings.h"

typedef struct vt_settings
{
	gen_lock_t lock;
	vt_params_t p;
} vt_settings_t;

static vt_settings_t *vt_settings = NULL;

int vt_settings_init(const vt_params_t *p)
{
	vt_settings = shm_malloc(sizeof(*vt_settings));
	if(vt_settings == NULL) {
		SHM_MEM_ERROR;
		return -1;
	}
	if(lock_init(&vt_settings->lock) == NULL) {
		shm_free(vt_settings);
		vt_settings = NULL;
		LM_ERR("cannot initialise the settings lock\n");
		return -1;
	}
	vt_settings->p = *p;
	return 0;
}

void vt_settings_destroy(void)
{
	if(vt_settings == NULL)
		return;
	lock_destroy(&vt_settings->lock);
	shm_free(vt_settings);
	vt_settings = NULL;
}

void vt_settings_get(vt_params_t *out)
{
	lock_get(&vt_settings->lock);
	*out = vt_settings->p;
	lock_release(&vt_settings->lock);
}

int vt_settings_set(const str *name, const str *value, vt_params_t *before,
		vt_params_t *after, char *err, size_t errlen)
{
	vt_params_t p;
	int r;

	lock_get(&vt_settings->lock);
	p = *before = vt_settings->p;
	r = vt_params_assign(&p, name->s, (size_t)name->len, value->s,
			(size_t)value->len, err, errlen);
	if(r >= 0)
		vt_settings->p = *after = p;
	lock_release(&vt_settings->lock);
	return r;
}
