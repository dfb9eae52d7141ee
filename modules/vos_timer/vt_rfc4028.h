/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the proxy's part of RFC 4028 (section 8.1) on an initial
 * INVITE of a managed call. Pure decision: given what the INVITE's headers
 * say and the call's settings, what the proxy does with the request. The
 * glue (vt_sip.c) carries it out with a 422 or with lumps on the
 * forwarded request.
 *
 * Rules (min = the min_se setting, ttl = session_ttl, req_min = the
 * request's Min-SE, 90 when absent):
 *   - a malformed or duplicated Session-Expires or Min-SE: nothing is
 *     changed (the call keeps the no_timer_limit cap instead);
 *   - no Session-Expires: nothing is changed;
 *   - Session-Expires < min from a caller that supports timers
 *     (Supported or Require lists "timer"): 422 with Min-SE: min;
 *   - Session-Expires < min from any other caller: Session-Expires is
 *     raised to max(min, req_min), and Min-SE to the same value (added
 *     when absent);
 *   - Session-Expires below the request's own Min-SE (but not below
 *     min): raised to req_min;
 *   - Session-Expires > ttl: lowered to max(ttl, req_min, min), so that
 *     the endpoints' own refreshes fall inside the module's window and
 *     no value below a Min-SE in force is ever sent.
 */
#ifndef VT_RFC4028_H
#define VT_RFC4028_H

#include <stdint.h>

#include "vt_headers.h"
#include "vt_params.h"

/* RFC 4028: a Min-SE that is absent means 90 seconds. */
#define VT_RFC4028_MIN_SE_DEFAULT 90u

typedef enum vt_se_action
{
	VT_SE_PASS = 0, /* forward the INVITE unchanged */
	VT_SE_REJECT,	/* answer 422 with Min-SE: min_se_s, do not forward */
	VT_SE_REWRITE	/* forward it with the values below */
} vt_se_action_t;

typedef struct vt_se_decision
{
	vt_se_action_t action;
	uint32_t se_s;	   /* REWRITE: the Session-Expires value to forward */
	uint32_t min_se_s; /* REJECT: Min-SE of the 422; REWRITE with
						  set_min_se: the Min-SE value to forward */
	int set_min_se;	   /* REWRITE: write Min-SE (replace or add) */
} vt_se_decision_t;

vt_se_decision_t vt_rfc4028_invite(
		const vt_timer_facts_t *f, const vt_params_t *p);

#endif
