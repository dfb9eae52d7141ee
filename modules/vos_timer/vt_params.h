/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the module's tunables, their defaults and allowed ranges.
 * Pure C (no Kamailio headers): used by modparam handling, per-call overrides
 * and the vos_timer.set RPC, so all three validate the same way.
 */
#ifndef VT_PARAMS_H
#define VT_PARAMS_H

#include <stddef.h>

typedef enum vt_param_id
{
	VT_P_SESSION_TTL = 0,
	VT_P_UPDATE_SEGMENT,
	VT_P_EARLY_HANGUP,
	VT_P_NO_TIMER_LIMIT,
	VT_P_PROBE_METHOD,
	VT_P_PROBE_NON_TIMER,
	VT_P_MIN_SE,
	VT_P__COUNT
} vt_param_id_t;

typedef enum vt_probe_method
{
	VT_PROBE_UPDATE = 0,
	VT_PROBE_OPTIONS = 1
} vt_probe_method_t;

/* One call's (or the module's) settings. Durations in seconds. */
typedef struct vt_params
{
	int session_ttl_s;
	int update_segment;
	int early_hangup_s;
	int no_timer_limit_s; /* 0: no cap */
	int probe_method;	  /* vt_probe_method_t */
	int probe_non_timer;  /* 0/1 */
	int min_se_s;
} vt_params_t;

extern const vt_params_t vt_params_default;

/* Longest message the formatting helpers below write, terminator included. */
#define VT_ERR_LEN 192

/* s[0..len) is exactly name (case-sensitive, like modparam names). */
int vt_name_is(const char *s, size_t len, const char *name);
/* The index of the name s[0..len) spells among names[0..n), or -1. */
int vt_name_pick(const char *s, size_t len, const char *const *names, int n);

/* "name=value;name=value" items, each handed to f with its name and value
 * (f returns < 0 to stop: its message is in err). loose: blanks around
 * items are trimmed and empty items skipped (overrides); strict: neither
 * (the module's own persisted text). An item without '=' is an error
 * naming it as a `what` item. 0, or -1 with the reason in err. */
typedef int vt_item_f(const char *name, size_t nlen, const char *val,
		size_t vlen, void *arg, char *err, size_t errlen);
int vt_items_each(const char *s, size_t len, int loose, const char *what,
		vt_item_f *f, void *arg, char *err, size_t errlen);

/* Parameter id for a name (exact, case-sensitive like modparam), or -1. */
int vt_param_lookup(const char *name, size_t len);
const char *vt_param_name(vt_param_id_t id);
/* "UPDATE" or "OPTIONS". */
const char *vt_probe_method_name(int m);
/* Allowed values as text, e.g. "2..86400" or "UPDATE|OPTIONS". */
const char *vt_param_allowed(vt_param_id_t id);

/* Parse a textual value (decimal digits with optional surrounding blanks; for
 * probe_method the method name, any case). Returns 0 and stores the value, or
 * -1 when it is malformed or out of range. */
int vt_param_parse(vt_param_id_t id, const char *s, size_t len, int *out);
/* Range check of an integer value; 0 ok, -1 out of range (or not an integer
 * parameter). */
int vt_param_check_int(vt_param_id_t id, long long v);

int vt_params_get(const vt_params_t *p, vt_param_id_t id);
void vt_params_set(vt_params_t *p, vt_param_id_t id, int v);

/* Rules that tie two parameters together (session_ttl >= update_segment).
 * 0 ok; -1 with a message in err. */
int vt_params_check_consistency(const vt_params_t *p, char *err, size_t errlen);

/* Text of the standard error line for a rejected value. */
void vt_param_format_error(char *err, size_t errlen, vt_param_id_t id,
		const char *value, size_t value_len);

/* "name=value;name=value" (blanks around tokens allowed, empty items
 * skipped). On success 0 and *p updated (consistency checked too). On error
 * -1, *p left untouched, err says which item is wrong and why. */
int vt_overrides_apply(
		vt_params_t *p, const char *s, size_t len, char *err, size_t errlen);

/* One parameter by name and textual value (vos_timer.set): the same
 * validation as modparam and overrides, consistency included. Returns the
 * parameter's id with *p updated, or -1 with *p untouched and the reason
 * in err. */
int vt_params_assign(vt_params_t *p, const char *name, size_t nlen,
		const char *val, size_t vlen, char *err, size_t errlen);

#endif
