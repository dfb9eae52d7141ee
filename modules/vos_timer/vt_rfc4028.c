/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: RFC 4028 section 8.1 proxy decisions (pure C). See
 * vt_rfc4028.h for the rules.
 */
#include "vt_rfc4028.h"

static uint32_t max_u32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

vt_se_decision_t vt_rfc4028_invite(
		const vt_timer_facts_t *f, const vt_params_t *p)
{
	vt_se_decision_t d = {VT_SE_PASS, 0, 0, 0};
	uint32_t min = (uint32_t)p->min_se_s, ttl = (uint32_t)p->session_ttl_s;
	uint32_t req_min, floor, se;

	if(vt_facts_untrusted(f) || f->se != VT_HV_OK)
		return d;
	se = f->se_val.secs;
	req_min = f->min_se == VT_HV_OK ? f->min_se_val.secs
									: VT_RFC4028_MIN_SE_DEFAULT;
	floor = max_u32(req_min, min);

	if(se < min) {
		if(f->supports_timer || f->requires_timer) {
			d.action = VT_SE_REJECT;
			d.min_se_s = min;
			return d;
		}
		se = floor;
		if(f->min_se != VT_HV_OK || f->min_se_val.secs < floor) {
			d.set_min_se = 1;
			d.min_se_s = floor;
		}
	}
	/* The request's own Min-SE is in force too (a UAC error otherwise). */
	if(se < req_min)
		se = req_min;
	/* Lower a long interval to our window, never below a Min-SE. */
	if(se > max_u32(ttl, floor))
		se = max_u32(ttl, floor);
	if(se != f->se_val.secs || d.set_min_se) {
		d.action = VT_SE_REWRITE;
		d.se_s = se;
	}
	return d;
}
