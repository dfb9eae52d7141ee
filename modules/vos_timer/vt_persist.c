/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the text form of a call's persisted facts (vt_persist.h).
 */
#include <stdio.h>
#include <string.h>

#include "vt_headers.h"
#include "vt_persist.h"
#include "vt_policy.h"

int vt_persist_format(const vt_persist_t *p, char *buf, size_t size)
{
	int n;

	n = snprintf(buf, size,
			"v=%d;mode=%s;answered=%llu;distrusted=%d;invite_se=%u;se=%u;"
			"refresher=%s;session_ttl=%d;update_segment=%d;early_hangup=%d;"
			"no_timer_limit=%d;probe_method=%s;probe_non_timer=%d;min_se=%d",
			VT_PERSIST_VERSION, vt_mode_name((vt_mode_t)p->mode),
			(unsigned long long)p->answered_unix_ms, p->distrusted ? 1 : 0,
			p->invite_se_s, p->se_s, vt_refresher_name(p->refresher),
			p->params.session_ttl_s, p->params.update_segment,
			p->params.early_hangup_s, p->params.no_timer_limit_s,
			vt_probe_method_name(p->params.probe_method),
			p->params.probe_non_timer, p->params.min_se_s);
	return (n < 0 || (size_t)n >= size) ? -1 : n;
}

/* Decimal digits only, at most max. */
static int parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if(len == 0 || len > 20)
		return -1;
	for(i = 0; i < len; i++) {
		uint64_t d = (uint64_t)(s[i] - '0');

		if(s[i] < '0' || s[i] > '9' || d > max || v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

enum
{
	K_V,
	K_MODE,
	K_ANSWERED,
	K_DISTRUSTED,
	K_INVITE_SE,
	K_SE,
	K_REFRESHER,
	K__COUNT
};
static const char *const keys[K__COUNT] = {
		"v", "mode", "answered", "distrusted", "invite_se", "se", "refresher"};

static int state_item(vt_persist_t *p, int k, const char *v, size_t vlen)
{
	uint64_t u;

	switch(k) {
		case K_V:
			return parse_u64(v, vlen, 1000, &u) == 0 && u == VT_PERSIST_VERSION
						   ? 0
						   : -1;
		case K_MODE: {
			/* the names vt_persist_format() writes, indexed by value */
			const char *const m[] = {vt_mode_name(VT_MODE_NON_TIMER),
					vt_mode_name(VT_MODE_TIMER)};

			p->mode = vt_name_pick(v, vlen, m, 2);
			return p->mode < 0 ? -1 : 0;
		}
		case K_ANSWERED:
			if(parse_u64(v, vlen, UINT64_MAX / 2, &u) < 0)
				return -1;
			p->answered_unix_ms = u;
			return 0;
		case K_DISTRUSTED:
			if(parse_u64(v, vlen, 1, &u) < 0)
				return -1;
			p->distrusted = (int)u;
			return 0;
		case K_INVITE_SE:
		case K_SE:
			if(parse_u64(v, vlen, 2147483647u, &u) < 0)
				return -1;
			*(k == K_SE ? &p->se_s : &p->invite_se_s) = (uint32_t)u;
			return 0;
		case K_REFRESHER: {
			const char *const r[] = {vt_refresher_name(VT_REFRESHER_NONE),
					vt_refresher_name(VT_REFRESHER_UAC),
					vt_refresher_name(VT_REFRESHER_UAS)};

			p->refresher = vt_name_pick(v, vlen, r, 3);
			return p->refresher < 0 ? -1 : 0;
		}
	}
	return -1;
}

/* What the items read so far said (vt_persist_parse). */
typedef struct parse_state
{
	vt_persist_t p;
	unsigned int seen;	/* K_* items */
	unsigned int pseen; /* settings, by vt_param_id_t */
	char settings[VT_PERSIST_LEN];
	size_t slen;
} parse_state_t;

static int parse_item(const char *name, size_t nlen, const char *val,
		size_t vlen, void *arg, char *err, size_t errlen)
{
	parse_state_t *st = arg;
	size_t ilen = (size_t)(val + vlen - name);
	int k, id;

	k = vt_name_pick(name, nlen, keys, K__COUNT);
	if(k >= 0) {
		if((st->seen & (1u << k)) || state_item(&st->p, k, val, vlen) < 0) {
			snprintf(err, errlen, "bad or repeated item \"%.*s\"",
					ilen > 48 ? 48 : (int)ilen, name);
			return -1;
		}
		st->seen |= 1u << k;
		return 0;
	}
	/* a setting: gathered for vt_overrides_apply(), which checks the
	 * ranges and the rules between settings once all are in */
	id = vt_param_lookup(name, nlen);
	if(id < 0 || (st->pseen & (1u << id))
			|| st->slen + ilen + 1 > sizeof(st->settings)) {
		snprintf(err, errlen, "unknown or repeated item \"%.*s\"",
				ilen > 48 ? 48 : (int)ilen, name);
		return -1;
	}
	st->pseen |= 1u << id;
	memcpy(st->settings + st->slen, name, ilen);
	st->slen += ilen;
	st->settings[st->slen++] = ';';
	return 0;
}

int vt_persist_parse(const char *s, size_t len, const vt_params_t *base,
		vt_persist_t *out, char *err, size_t errlen)
{
	const unsigned int needed =
			(1u << K_V) | (1u << K_MODE) | (1u << K_ANSWERED);
	parse_state_t st;

	memset(&st, 0, sizeof(st));
	st.p.params = *base;
	if(vt_items_each(s, len, 0, "item", parse_item, &st, err, errlen) < 0)
		return -1;
	if((st.seen & needed) != needed) {
		snprintf(err, errlen, "v, mode or answered missing");
		return -1;
	}
	if(vt_overrides_apply(&st.p.params, st.settings, st.slen, err, errlen) < 0)
		return -1;
	*out = st.p;
	return 0;
}
