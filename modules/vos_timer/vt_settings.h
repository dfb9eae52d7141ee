/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the module settings new calls get, in shared memory under a
 * lock, so vos_timer.set (ctl process) changes them for every SIP worker.
 * Calls already managed keep the copy they got (vt_policy holds it).
 */
#ifndef VT_SETTINGS_H
#define VT_SETTINGS_H

#include <stddef.h>

#include "../../core/str.h"
#include "vt_params.h"

int vt_settings_init(const vt_params_t *p);
void vt_settings_destroy(void);

/* A consistent copy of the current settings. */
void vt_settings_get(vt_params_t *out);

/* Change one setting by name and textual value (validated like modparam,
 * consistency included). Returns the parameter's id, *before / *after
 * filled; -1: refused, nothing changed, the reason in err. */
int vt_settings_set(const str *name, const str *value, vt_params_t *before,
		vt_params_t *after, char *err, size_t errlen);

#endif
