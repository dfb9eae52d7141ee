/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: parameter table and validation (pure C, unit-tested).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <limits.h>

#include "vt_params.h"

/* doc/ section "Parameters". */
const vt_params_t vt_params_default = {
		.session_ttl_s = 600,
		.update_segment = 2,
		.early_hangup_s = 0,
		.no_timer_limit_s = 7200,
		.probe_method = VT_PROBE_UPDATE,
		.probe_non_timer = 0,
		.min_se_s = 90,
};

typedef struct vt_param_def
{
	const char *name;
	long long min;
	long long max;
	const char *allowed; /* as shown to the operator */
} vt_param_def_t;

static const vt_param_def_t vt_param_defs[VT_P__COUNT] = {
		[VT_P_SESSION_TTL] = {"session_ttl", 2, 86400,
				"2..86400 (seconds, and >= update_segment)"},
		[VT_P_UPDATE_SEGMENT] = {"update_segment", 2, 10, "2..10"},
		[VT_P_EARLY_HANGUP] = {"early_hangup", 0, 3600, "0..3600 (seconds)"},
		[VT_P_NO_TIMER_LIMIT] = {"no_timer_limit", 0, 604800,
				"0..604800 (seconds, 0 = off)"},
		[VT_P_PROBE_METHOD] = {"probe_method", 0, 1, "UPDATE|OPTIONS"},
		[VT_P_PROBE_NON_TIMER] = {"probe_non_timer", 0, 1, "0..1"},
		[VT_P_MIN_SE] = {"min_se", 90, 86400, "90..86400 (seconds)"},
};

int vt_name_is(const char *s, size_t len, const char *name)
{
	return strlen(name) == len && memcmp(s, name, len) == 0;
}

int vt_name_pick(const char *s, size_t len, const char *const *names, int n)
{
	int i;

	for(i = 0; i < n; i++)
		if(vt_name_is(s, len, names[i]))
			return i;
	return -1;
}

int vt_param_lookup(const char *name, size_t len)
{
	int i;

	for(i = 0; i < VT_P__COUNT; i++)
		if(vt_name_is(name, len, vt_param_defs[i].name))
			return i;
	return -1;
}

const char *vt_param_name(vt_param_id_t id)
{
	return (id >= 0 && id < VT_P__COUNT) ? vt_param_defs[id].name : "?";
}

const char *vt_param_allowed(vt_param_id_t id)
{
	return (id >= 0 && id < VT_P__COUNT) ? vt_param_defs[id].allowed : "?";
}

int vt_param_check_int(vt_param_id_t id, long long v)
{
	if(id < 0 || id >= VT_P__COUNT || id == VT_P_PROBE_METHOD)
		return -1;
	return (v < vt_param_defs[id].min || v > vt_param_defs[id].max) ? -1 : 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *len)
{
	while(*len > 0 && is_blank(**s)) {
		(*s)++;
		(*len)--;
	}
	while(*len > 0 && is_blank((*s)[*len - 1]))
		(*len)--;
}

int vt_param_parse(vt_param_id_t id, const char *s, size_t len, int *out)
{
	long long v = 0;
	size_t i;

	if(id < 0 || id >= VT_P__COUNT || (s == NULL && len > 0))
		return -1;
	trim(&s, &len);
	if(len == 0)
		return -1;
	if(id == VT_P_PROBE_METHOD) {
		if(len == 6 && strncasecmp(s, "UPDATE", 6) == 0) {
			*out = VT_PROBE_UPDATE;
			return 0;
		}
		if(len == 7 && strncasecmp(s, "OPTIONS", 7) == 0) {
			*out = VT_PROBE_OPTIONS;
			return 0;
		}
		return -1;
	}
	for(i = 0; i < len; i++) {
		if(s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
		if(v > INT_MAX) /* stop before it can overflow */
			return -1;
	}
	if(vt_param_check_int(id, v) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

int vt_params_get(const vt_params_t *p, vt_param_id_t id)
{
	switch(id) {
		case VT_P_SESSION_TTL:
			return p->session_ttl_s;
		case VT_P_UPDATE_SEGMENT:
			return p->update_segment;
		case VT_P_EARLY_HANGUP:
			return p->early_hangup_s;
		case VT_P_NO_TIMER_LIMIT:
			return p->no_timer_limit_s;
		case VT_P_PROBE_METHOD:
			return p->probe_method;
		case VT_P_PROBE_NON_TIMER:
			return p->probe_non_timer;
		case VT_P_MIN_SE:
			return p->min_se_s;
		default:
			return -1;
	}
}

void vt_params_set(vt_params_t *p, vt_param_id_t id, int v)
{
	switch(id) {
		case VT_P_SESSION_TTL:
			p->session_ttl_s = v;
			break;
		case VT_P_UPDATE_SEGMENT:
			p->update_segment = v;
			break;
		case VT_P_EARLY_HANGUP:
			p->early_hangup_s = v;
			break;
		case VT_P_NO_TIMER_LIMIT:
			p->no_timer_limit_s = v;
			break;
		case VT_P_PROBE_METHOD:
			p->probe_method = v;
			break;
		case VT_P_PROBE_NON_TIMER:
			p->probe_non_timer = v;
			break;
		case VT_P_MIN_SE:
			p->min_se_s = v;
			break;
		default:
			break;
	}
}

int vt_params_check_consistency(const vt_params_t *p, char *err, size_t errlen)
{
	if(p->session_ttl_s < p->update_segment) {
		snprintf(err, errlen,
				"session_ttl = \"%d\": below update_segment = %d; allowed "
				"%s",
				p->session_ttl_s, p->update_segment,
				vt_param_allowed(VT_P_SESSION_TTL));
		return -1;
	}
	return 0;
}

void vt_param_format_error(char *err, size_t errlen, vt_param_id_t id,
		const char *value, size_t value_len)
{
	/* Cap what we echo: the value may come from the network via a pvar. */
	int shown = value_len > 64 ? 64 : (int)value_len;

	snprintf(err, errlen, "%s = \"%.*s\": allowed %s", vt_param_name(id), shown,
			value ? value : "", vt_param_allowed(id));
}

/* One "name" / "value" pair onto *p (no consistency check). Returns the
 * parameter's id, or -1. */
static int assign_one(vt_params_t *p, const char *name, size_t nlen,
		const char *val, size_t vlen, const char *what, char *err,
		size_t errlen)
{
	int id, v;

	trim(&name, &nlen);
	id = vt_param_lookup(name, nlen);
	if(id < 0) {
		snprintf(err, errlen, "%s \"%.*s\": unknown parameter", what,
				nlen > 64 ? 64 : (int)nlen, name);
		return -1;
	}
	if(vt_param_parse(id, val, vlen, &v) < 0) {
		vt_param_format_error(err, errlen, id, val, vlen);
		return -1;
	}
	vt_params_set(p, id, v);
	return id;
}

int vt_items_each(const char *s, size_t len, int loose, const char *what,
		vt_item_f *f, void *arg, char *err, size_t errlen)
{
	const char *item, *end = s + len, *sep, *eq;
	size_t ilen;

	for(item = s; item < end; item = sep + 1) {
		sep = memchr(item, ';', (size_t)(end - item));
		if(sep == NULL)
			sep = end;
		ilen = (size_t)(sep - item);
		if(loose) {
			trim(&item, &ilen);
			if(ilen == 0)
				continue;
		}
		eq = memchr(item, '=', ilen);
		if(eq == NULL) {
			snprintf(err, errlen, "%s \"%.*s\" has no '='", what,
					ilen > 64 ? 64 : (int)ilen, item);
			return -1;
		}
		if(f(item, (size_t)(eq - item), eq + 1, ilen - (size_t)(eq + 1 - item),
				   arg, err, errlen)
				< 0)
			return -1;
	}
	return 0;
}

static int override_item(const char *name, size_t nlen, const char *val,
		size_t vlen, void *arg, char *err, size_t errlen)
{
	return assign_one(
			(vt_params_t *)arg, name, nlen, val, vlen, "override", err, errlen);
}

int vt_overrides_apply(
		vt_params_t *p, const char *s, size_t len, char *err, size_t errlen)
{
	vt_params_t tmp = *p;

	if(vt_items_each(s, len, 1, "override", override_item, &tmp, err, errlen)
					< 0
			|| vt_params_check_consistency(&tmp, err, errlen) < 0)
		return -1;
	*p = tmp;
	return 0;
}

int vt_params_assign(vt_params_t *p, const char *name, size_t nlen,
		const char *val, size_t vlen, char *err, size_t errlen)
{
	vt_params_t tmp = *p;
	int id;

	id = assign_one(&tmp, name, nlen, val, vlen, "parameter", err, errlen);
	if(id < 0 || vt_params_check_consistency(&tmp, err, errlen) < 0)
		return -1;
	*p = tmp;
	return id;
}

const char *vt_probe_method_name(int m)
{
	return m == VT_PROBE_OPTIONS ? "OPTIONS" : "UPDATE";
}
