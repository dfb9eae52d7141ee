/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: call policy (pure C). See vt_policy.h, and doc/ section "How
 * calls are probed" for the behaviour it implements.
 *
 * The state lives in a few flags (state, dead_reason, probe_k, confirmed,
 * pending, grace_probe); schedule() derives the one next deadline and its
 * action from them after every event, so no event handler computes times.
 */
#include <string.h>

#include "vt_clock.h"
#include "vt_policy.h"

void vt_policy_init(vt_policy_t *pc, const vt_params_t *params,
		vt_mode_t invite_mode, uint32_t probe_timeout_ms)
{
	memset(pc, 0, sizeof(*pc));
	pc->params.session_ttl_s = (uint32_t)params->session_ttl_s;
	pc->params.no_timer_limit_s = (uint32_t)params->no_timer_limit_s;
	pc->params.min_se_s = (uint32_t)params->min_se_s;
	pc->params.early_hangup_s = (uint16_t)params->early_hangup_s;
	pc->params.update_segment = (uint8_t)params->update_segment;
	pc->params.probe_method = params->probe_method ? 1 : 0;
	pc->params.probe_non_timer = params->probe_non_timer ? 1 : 0;
	pc->mode = (uint8_t)invite_mode;
	pc->state = VT_ST_EARLY;
	pc->probe_timeout_ms = probe_timeout_ms;
	pc->cap_ms = VT_NO_DEADLINE;
	pc->dead_at_ms = VT_NO_DEADLINE;
	pc->next_ms = VT_NO_DEADLINE;
	pc->next_action = VT_ACT_NONE;
	pc->reason = VT_REASON_NONE;
	pc->dead_reason = VT_REASON_NONE;
}

uint16_t vt_spread_key(const char *s, unsigned long len)
{
	uint32_t h = 2166136261u;
	unsigned long i;

	for(i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return (uint16_t)(h ^ (h >> 16));
}

void vt_policy_set_spread(vt_policy_t *pc, uint16_t key)
{
	pc->spread_key = key;
}

void vt_policy_params(const vt_policy_t *pc, vt_params_t *out)
{
	out->session_ttl_s = (int)pc->params.session_ttl_s;
	out->update_segment = pc->params.update_segment;
	out->early_hangup_s = pc->params.early_hangup_s;
	out->no_timer_limit_s = (int)pc->params.no_timer_limit_s;
	out->probe_method = pc->params.probe_method;
	out->probe_non_timer = pc->params.probe_non_timer;
	out->min_se_s = (int)pc->params.min_se_s;
}

int vt_policy_probing(const vt_policy_t *pc)
{
	return pc->mode == VT_MODE_TIMER || pc->params.probe_non_timer;
}

uint64_t vt_policy_interval_ms(const vt_policy_t *pc)
{
	return (uint64_t)pc->params.session_ttl_s * 1000
		   / (uint64_t)pc->params.update_segment;
}

static void arm(vt_policy_t *pc, uint64_t at_ms, vt_action_t act, vt_reason_t r)
{
	pc->next_ms = at_ms;
	pc->next_action = (uint8_t)act;
	pc->reason = (uint8_t)r;
}

static void disarm(vt_policy_t *pc)
{
	arm(pc, VT_NO_DEADLINE, VT_ACT_NONE, VT_REASON_NONE);
}

/* Keep the earliest candidate; on a tie the first one offered wins. */
static void offer(
		vt_policy_t *pc, uint64_t at_ms, vt_action_t act, vt_reason_t r)
{
	if(at_ms < pc->next_ms)
		arm(pc, at_ms, act, r);
}

static void schedule(vt_policy_t *pc, uint64_t now_ms)
{
	uint64_t i_ms;

	if(pc->state == VT_ST_EARLY) {
		disarm(pc);
		return;
	}
	if(pc->state == VT_ST_TEARDOWN)
		return; /* the recheck deadline is set by on_deadline */

	disarm(pc);
	offer(pc, pc->cap_ms, VT_ACT_TEARDOWN, VT_REASON_NO_TIMER_LIMIT);
	if(pc->dead_reason != VT_REASON_NONE) {
		if(pc->grace_probe)
			offer(pc, now_ms, VT_ACT_PROBE, VT_REASON_NONE);
		offer(pc, pc->dead_at_ms, VT_ACT_TEARDOWN,
				(vt_reason_t)pc->dead_reason);
		return;
	}
	if(!vt_policy_probing(pc))
		return;
	i_ms = vt_policy_interval_ms(pc);
	if(pc->probe_k < pc->params.update_segment) {
		/* lead_ms < i_ms: never before the window starts */
		offer(pc,
				vt_deadline_add_ms(
						pc->window_ms, (pc->probe_k + 1) * i_ms - pc->lead_ms),
				VT_ACT_PROBE, VT_REASON_NONE);
	} else {
		/* the window's end or, if the last probes left later (the
		 * deadline process ran late), their send time: then tm's fr_timer,
		 * so that every answer to them is in before the verdict */
		uint64_t end_ms = (uint64_t)pc->params.session_ttl_s * 1000;

		if(pc->last_probe_off_ms > end_ms)
			end_ms = pc->last_probe_off_ms;
		offer(pc,
				vt_deadline_add_ms(pc->window_ms,
						end_ms + pc->probe_timeout_ms + VT_VERDICT_SLACK_MS),
				VT_ACT_VERDICT, VT_REASON_NONE);
	}
}

static void restart_window(vt_policy_t *pc, uint64_t now_ms)
{
	pc->state = VT_ST_ACTIVE;
	pc->window_ms = now_ms;
	pc->probe_k = 0;
	pc->confirmed = 0;
	pc->dead_reason = VT_REASON_NONE;
	pc->dead_at_ms = VT_NO_DEADLINE;
	pc->grace_probe = 0;
	pc->lead_ms = 0;
	pc->last_probe_off_ms = 0;
}

static void mark_dead(vt_policy_t *pc, vt_reason_t r, uint64_t at_ms)
{
	pc->dead_reason = (uint8_t)r;
	pc->dead_at_ms = at_ms;
}

/* The window is over and not both legs confirmed it. */
static void verdict(vt_policy_t *pc, uint64_t now_ms)
{
	if(pc->confirmed == VT_LEGS_BOTH) {
		restart_window(pc, now_ms);
		return;
	}
	if(pc->params.early_hangup_s > 0) {
		pc->state = VT_ST_GRACE;
		pc->grace_probe = 1;
		mark_dead(pc, VT_REASON_SESSION_EXPIRED,
				vt_deadline_add_ms(
						now_ms, (uint64_t)pc->params.early_hangup_s * 1000));
	} else {
		mark_dead(pc, VT_REASON_SESSION_EXPIRED, now_ms);
	}
}

void vt_policy_answered(vt_policy_t *pc, int reply_has_se, uint64_t now_ms)
{
	if(pc->state != VT_ST_EARLY)
		return;
	if(reply_has_se)
		pc->mode = VT_MODE_TIMER;
	restart_window(pc, now_ms);
	pc->answered_ms = now_ms;
	pc->lead_ms = (uint32_t)(vt_policy_interval_ms(pc) / VT_SPREAD_DIV
							 * pc->spread_key / 65536u);
	if((pc->mode == VT_MODE_NON_TIMER || pc->distrusted)
			&& pc->params.no_timer_limit_s > 0)
		pc->cap_ms = vt_deadline_add_ms(
				now_ms, (uint64_t)pc->params.no_timer_limit_s * 1000);
	schedule(pc, now_ms);
}

void vt_policy_restore(vt_policy_t *pc, const vt_params_t *params,
		vt_mode_t mode, int distrusted, uint16_t spread_key,
		uint64_t elapsed_ms, uint32_t probe_timeout_ms, uint64_t now_ms)
{
	uint64_t i_ms, cap_ms, since;

	vt_policy_init(pc, params, mode, probe_timeout_ms);
	vt_policy_set_spread(pc, spread_key);
	pc->distrusted = distrusted ? 1 : 0;
	/* answered before this host's monotonic clock began (a reboot): the
	 * age shown is then short; the deadlines below use elapsed_ms */
	vt_policy_answered(pc, mode == VT_MODE_TIMER,
			now_ms > elapsed_ms ? now_ms - elapsed_ms : 1);
	if(pc->cap_ms != VT_NO_DEADLINE) {
		cap_ms = (uint64_t)pc->params.no_timer_limit_s * 1000;
		pc->cap_ms = elapsed_ms >= cap_ms
							 ? now_ms
							 : vt_deadline_add_ms(now_ms, cap_ms - elapsed_ms);
	}
	i_ms = vt_policy_interval_ms(pc);
	if(vt_policy_probing(pc) && elapsed_ms + pc->lead_ms >= i_ms) {
		/* past the first window's first probe: resume at the phase */
		since = (elapsed_ms + pc->lead_ms) % i_ms;
		pc->window_ms = since < now_ms ? now_ms - since : 1;
		pc->lead_ms = 0;
	}
	schedule(pc, now_ms);
}

void vt_policy_distrust(vt_policy_t *pc, uint64_t now_ms)
{
	pc->distrusted = 1;
	if(pc->state != VT_ST_ACTIVE && pc->state != VT_ST_GRACE)
		return; /* early: vt_policy_answered() sets the cap */
	if(pc->cap_ms == VT_NO_DEADLINE && pc->params.no_timer_limit_s > 0) {
		pc->cap_ms = vt_deadline_add_ms(
				pc->answered_ms, (uint64_t)pc->params.no_timer_limit_s * 1000);
		/* already past its cap: due now (never a deadline in the past) */
		if(pc->cap_ms < now_ms)
			pc->cap_ms = now_ms;
		schedule(pc, now_ms);
	}
}

unsigned int vt_leg_count(unsigned int legs)
{
	return (legs & VT_LEG_CALLER ? 1 : 0) + (legs & VT_LEG_CALLEE ? 1 : 0);
}

/* A teardown is checked again when every BYE sent for it has had its
 * answer or its transaction timeout (tm's fr_timer). */
static uint64_t teardown_recheck_ms(const vt_policy_t *pc)
{
	uint64_t t = (uint64_t)pc->probe_timeout_ms + VT_VERDICT_SLACK_MS;

	return t > VT_TEARDOWN_RECHECK_MS ? t : VT_TEARDOWN_RECHECK_MS;
}

uint64_t vt_policy_run_at_ms(const vt_policy_t *pc)
{
	if(pc->next_ms == VT_NO_DEADLINE || pc->next_action != VT_ACT_PROBE)
		return pc->next_ms;
	return pc->next_ms > VT_PROBE_LEAD_MS ? pc->next_ms - VT_PROBE_LEAD_MS : 0;
}

vt_decision_t vt_policy_on_deadline(vt_policy_t *pc, uint64_t now_ms)
{
	vt_decision_t d = {VT_ACT_NONE, VT_REASON_NONE, 0};

	if(pc->next_ms == VT_NO_DEADLINE || now_ms < vt_policy_run_at_ms(pc))
		return d;

	switch((vt_action_t)pc->next_action) {
		case VT_ACT_TEARDOWN:
			d.action = VT_ACT_TEARDOWN;
			d.reason = (vt_reason_t)pc->reason;
			pc->state = VT_ST_TEARDOWN;
			pc->teardown_tries = 1;
			arm(pc, vt_deadline_add_ms(now_ms, teardown_recheck_ms(pc)),
					VT_ACT_TEARDOWN_RETRY, d.reason);
			return d;
		case VT_ACT_TEARDOWN_RETRY:
			d.reason = (vt_reason_t)pc->reason;
			if(pc->teardown_tries >= VT_TEARDOWN_MAX_TRIES) {
				disarm(pc);
				d.action = VT_ACT_FORGET;
				return d;
			}
			pc->teardown_tries++;
			arm(pc, vt_deadline_add_ms(now_ms, teardown_recheck_ms(pc)),
					VT_ACT_TEARDOWN_RETRY, d.reason);
			d.action = VT_ACT_TEARDOWN_RETRY;
			return d;
		case VT_ACT_PROBE:
			if(pc->state == VT_ST_GRACE)
				pc->grace_probe = 0;
			else
				pc->probe_k++;
			/* Never stack a probe on a leg whose last one is pending. */
			d.legs = (uint8_t)(VT_LEGS_BOTH & ~pc->confirmed & ~pc->pending);
			pc->pending |= d.legs;
			pc->probes_sent += vt_leg_count(d.legs);
			if(d.legs) {
				/* run early, a probe counts as sent at its deadline */
				uint64_t sent_ms = now_ms > pc->next_ms ? now_ms : pc->next_ms;
				uint64_t off =
						sent_ms > pc->window_ms ? sent_ms - pc->window_ms : 0;

				pc->last_probe_off_ms =
						off > UINT32_MAX ? UINT32_MAX : (uint32_t)off;
				d.action = VT_ACT_PROBE;
			}
			break;
		case VT_ACT_VERDICT:
			verdict(pc, now_ms);
			break;
		default:
			break;
	}
	schedule(pc, now_ms);
	return d;
}

/* What a probe outcome at now_ms counts from: now, or the time the last
 * round was due if it went early (vt_policy_on_deadline()) and that is
 * still ahead. So early sending moves no window start and no verdict
 * earlier: the rhythm stays one round per interval. */
static uint64_t round_time(const vt_policy_t *pc, uint64_t now_ms)
{
	uint64_t due_ms = pc->window_ms + pc->last_probe_off_ms;

	return due_ms > now_ms && due_ms - now_ms <= VT_PROBE_LEAD_MS ? due_ms
																  : now_ms;
}

void vt_policy_probe_result(
		vt_policy_t *pc, unsigned int leg, int code, uint64_t now_ms)
{
	if(!(pc->pending & leg))
		return;
	pc->pending &= (uint8_t)~leg;
	if(pc->state != VT_ST_ACTIVE && pc->state != VT_ST_GRACE)
		return;

	if(code == 481) {
		/* That end has lost the dialog: no grace. */
		pc->probes_failed++;
		pc->grace_probe = 0;
		mark_dead(pc, VT_REASON_LEG_GONE, now_ms);
	} else if(code < 200 || code == 408) {
		pc->probes_failed++;
		if(pc->dead_reason == VT_REASON_NONE
				&& pc->probe_k >= pc->params.update_segment && pc->pending == 0)
			verdict(pc, round_time(pc, now_ms));
	} else {
		/* 200, 405, 500, 501...: the far end still holds the dialog. */
		pc->probes_confirmed++;
		pc->confirmed |= (uint8_t)leg;
		if(pc->confirmed == VT_LEGS_BOTH
				&& pc->dead_reason != VT_REASON_LEG_GONE)
			restart_window(pc, round_time(pc, now_ms));
	}
	schedule(pc, now_ms);
}

void vt_policy_refreshed(vt_policy_t *pc, uint64_t now_ms)
{
	if((pc->state != VT_ST_ACTIVE && pc->state != VT_ST_GRACE)
			|| pc->dead_reason == VT_REASON_LEG_GONE)
		return;
	restart_window(pc, now_ms);
	schedule(pc, now_ms);
}

vt_action_t vt_policy_hangup_now(
		vt_policy_t *pc, vt_reason_t reason, uint64_t now_ms)
{
	if(pc->state == VT_ST_TEARDOWN || pc->state == VT_ST_EARLY)
		return VT_ACT_NONE;
	pc->grace_probe = 0;
	mark_dead(pc, reason, now_ms);
	arm(pc, now_ms, VT_ACT_TEARDOWN, reason);
	return vt_policy_on_deadline(pc, now_ms).action;
}

const char *vt_mode_name(vt_mode_t m)
{
	return m == VT_MODE_TIMER ? "timer" : "non-timer";
}

const char *vt_state_name(vt_state_t s)
{
	switch(s) {
		case VT_ST_EARLY:
			return "early";
		case VT_ST_ACTIVE:
			return "active";
		case VT_ST_GRACE:
			return "grace";
		case VT_ST_TEARDOWN:
			return "teardown";
	}
	return "?";
}

const char *vt_reason_name(vt_reason_t r)
{
	switch(r) {
		case VT_REASON_SESSION_EXPIRED:
			return "session-expired";
		case VT_REASON_LEG_GONE:
			return "leg-gone";
		case VT_REASON_NO_TIMER_LIMIT:
			return "no-timer-limit";
		case VT_REASON_ADMIN:
			return "admin";
		default:
			return "none";
	}
}

const char *vt_action_name(vt_action_t a)
{
	switch(a) {
		case VT_ACT_PROBE:
			return "probe";
		case VT_ACT_VERDICT:
			return "verdict";
		case VT_ACT_TEARDOWN:
			return "teardown";
		case VT_ACT_TEARDOWN_RETRY:
			return "teardown-recheck";
		case VT_ACT_FORGET:
			return "forget";
		default:
			return "none";
	}
}

const char *vt_legs_name(unsigned int legs)
{
	return legs == VT_LEGS_BOTH	  ? "caller and callee"
		   : legs & VT_LEG_CALLER ? "caller"
								  : "callee";
}

const char *vt_reason_header(vt_reason_t r)
{
	switch(r) {
		case VT_REASON_SESSION_EXPIRED:
			return "Reason: SIP;cause=408;text=\"session-expired\"\r\n";
		case VT_REASON_LEG_GONE:
			return "Reason: SIP;cause=481;text=\"leg-gone\"\r\n";
		case VT_REASON_NO_TIMER_LIMIT:
			return "Reason: Q.850;cause=102;text=\"no-timer-limit\"\r\n";
		case VT_REASON_ADMIN:
			return "Reason: Q.850;cause=16;text=\"admin\"\r\n";
		default:
			return "";
	}
}
