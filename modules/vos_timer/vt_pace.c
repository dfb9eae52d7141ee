/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: pacing of the module's own probes, a token bucket (see
 * vt_pace.h). Counted in thousandths of a token: a millisecond earns
 * exactly `rate` of them, whatever the rate.
 */
#include "vt_pace.h"

#define VT_PACE_UNIT 1000ULL

int vt_pace_init(vt_pace_t *p, uint32_t burst, uint32_t rate, uint64_t now_ms)
{
	if(burst == 0)
		return -1;
	p->cap = burst * VT_PACE_UNIT;
	p->level = p->cap;
	p->ms = now_ms;
	p->rate = rate;
	return 0;
}

/* What was earned since p->ms, up to the depth. A clock that went back
 * earns nothing. */
static void refill(vt_pace_t *p, uint64_t now_ms)
{
	uint64_t room, ms;

	if(now_ms <= p->ms)
		return;
	room = p->cap - p->level;
	ms = now_ms - p->ms;
	p->ms = now_ms;
	/* ms * rate >= room, without overflowing */
	if(ms >= room / p->rate + 1)
		p->level = p->cap;
	else
		p->level += ms * p->rate;
}

int vt_pace_take(vt_pace_t *p, uint64_t now_ms)
{
	if(p->rate == 0)
		return 1;
	refill(p, now_ms);
	if(p->level < VT_PACE_UNIT)
		return 0;
	p->level -= VT_PACE_UNIT;
	return 1;
}
