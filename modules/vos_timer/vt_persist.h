/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: what the module keeps with an answered call's dialog so that
 * the call can be re-armed after Kamailio restarts (the dialog module
 * stores dialogs and their variables in a database with db_mode 1-3).
 * Pure C, no Kamailio headers: the text form is written as the dialog
 * variable vos_timer_state and read back when the dialog module loads the
 * dialog. Only facts that do not change after the answer are kept, so the
 * variable is written once per call:
 *
 *   v=1;mode=timer;answered=1764078000123;distrusted=0;invite_se=1800;
 *   se=300;refresher=uac;session_ttl=600;update_segment=2;early_hangup=0;
 *   no_timer_limit=7200;probe_method=UPDATE;probe_non_timer=0;min_se=90
 *
 * answered: wall-clock time of the 2xx in ms since the epoch (monotonic
 * clocks do not survive a restart); the rest is the call's settings (its
 * own, overrides included) under their modparam names.
 */
#ifndef VT_PERSIST_H
#define VT_PERSIST_H

#include <stddef.h>
#include <stdint.h>

#include "vt_params.h"

#define VT_PERSIST_VERSION 1
/* Longest text vt_persist_format() writes, terminator included (the
 * dialog module's dialog_vars.dialog_value column holds 512). */
#define VT_PERSIST_LEN 320

typedef struct vt_persist
{
	vt_params_t params;
	int mode;				   /* vt_mode_t once answered */
	int distrusted;			   /* 0/1: capped whatever its mode */
	uint64_t answered_unix_ms; /* wall clock of the answer */
	uint32_t invite_se_s;	   /* Session-Expires forwarded with the INVITE */
	uint32_t se_s;			   /* Session-Expires of the 2xx */
	int refresher;			   /* vt_refresher_t of the 2xx */
} vt_persist_t;

/* Text form into buf (NUL-terminated). Returns its length, or -1 if it
 * does not fit. */
int vt_persist_format(const vt_persist_t *p, char *buf, size_t size);

/* Parse the text form. Settings missing from the text keep the values of
 * *base. 0 and *out filled, or -1 with the reason in err (and *out
 * untouched). Strict: unknown names, repeated names, bad values, a missing
 * v, mode or answered are errors. */
int vt_persist_parse(const char *s, size_t len, const vt_params_t *base,
		vt_persist_t *out, char *err, size_t errlen);

#endif
