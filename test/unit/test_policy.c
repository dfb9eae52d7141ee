/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* Unit tests: modules/vos_timer/vt_policy.c (doc/ section "How calls are
 * probed"). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "unit_suites.h"
#include "vt_policy.h"

/* tm's fr_timer as the tests scale it: a probe's longest life. */
#define PROBE_TIMEOUT_MS 1000

/* Fire the deadline at now; returns the action, *r the teardown reason. */
static vt_action_t fire(vt_policy_t *pc, uint64_t now, vt_reason_t *r)
{
	vt_decision_t d = vt_policy_on_deadline(pc, now);

	if(r)
		*r = d.reason;
	return d.action;
}

static vt_params_t params_with_limit(int no_timer_limit_s)
{
	vt_params_t p = vt_params_default;

	p.no_timer_limit_s = no_timer_limit_s;
	return p;
}

/* Field by field (the struct has padding, so no memcmp of copies). */
static void assert_policy_eq(const vt_policy_t *a, const vt_policy_t *b)
{
	vt_params_t pa, pb;

	vt_policy_params(a, &pa);
	vt_policy_params(b, &pb);
	ck_assert_mem_eq(&pa, &pb, sizeof(pa));
	ck_assert_uint_eq(a->answered_ms, b->answered_ms);
	ck_assert_uint_eq(a->next_ms, b->next_ms);
	ck_assert_int_eq(a->mode, b->mode);
	ck_assert_int_eq(a->state, b->state);
	ck_assert_int_eq(a->next_action, b->next_action);
	ck_assert_int_eq(a->reason, b->reason);
	ck_assert_int_eq(a->teardown_tries, b->teardown_tries);
}

/* A non-timer call with no_timer_limit 3 s answered at t=1000 ms. */
static void answered_non_timer(vt_policy_t *pc)
{
	vt_params_t p = params_with_limit(3);

	vt_policy_init(pc, &p, VT_MODE_NON_TIMER, PROBE_TIMEOUT_MS);
	vt_policy_answered(pc, 0, 1000);
}

START_TEST(test_params_packed_roundtrip)
{
	/* every setting at both ends of its range survives the packing (the
	 * ends are checked to be the real ones) */
	static const long long ends[VT_P__COUNT][2] = {
			[VT_P_SESSION_TTL] = {2, 86400},
			[VT_P_UPDATE_SEGMENT] = {2, 10},
			[VT_P_EARLY_HANGUP] = {0, 3600},
			[VT_P_NO_TIMER_LIMIT] = {0, 604800},
			[VT_P_PROBE_METHOD] = {0, 1},
			[VT_P_PROBE_NON_TIMER] = {0, 1},
			[VT_P_MIN_SE] = {90, 86400}};
	vt_params_t p, back;
	vt_policy_t pc;
	int id, end;

	for(id = 0; id < VT_P__COUNT; id++) {
		int num = id != VT_P_PROBE_METHOD; /* a name, not a number */

		if(num) {
			ck_assert_int_ne(vt_param_check_int(id, ends[id][0] - 1), 0);
			ck_assert_int_ne(vt_param_check_int(id, ends[id][1] + 1), 0);
		}
		for(end = 0; end < 2; end++) {
			if(num)
				ck_assert_int_eq(vt_param_check_int(id, ends[id][end]), 0);
			p = vt_params_default;
			vt_params_set(&p, id, (int)ends[id][end]);
			vt_policy_init(&pc, &p, VT_MODE_TIMER, PROBE_TIMEOUT_MS);
			memset(&back, 0, sizeof(back));
			vt_policy_params(&pc, &back);
			ck_assert_mem_eq(&back, &p, sizeof(p));
		}
	}
}
END_TEST

START_TEST(test_init)
{
	vt_policy_t pc;
	vt_params_t p = vt_params_default;

	p.session_ttl_s = 120;
	memset(&pc, 0xa5, sizeof(pc));
	vt_policy_init(&pc, &p, VT_MODE_NON_TIMER, PROBE_TIMEOUT_MS);
	ck_assert_int_eq(pc.state, VT_ST_EARLY);
	ck_assert_int_eq(pc.mode, VT_MODE_NON_TIMER);
	ck_assert_uint_eq(pc.next_ms, VT_NO_DEADLINE);
	ck_assert_int_eq(pc.next_action, VT_ACT_NONE);
	ck_assert_int_eq(pc.reason, VT_REASON_NONE);
	ck_assert_uint_eq(pc.answered_ms, 0);
	ck_assert_int_eq(pc.teardown_tries, 0);
	{
		vt_params_t back;

		memset(&back, 0, sizeof(back));
		vt_policy_params(&pc, &back);
		ck_assert_mem_eq(&back, &p, sizeof(p));
	}

	vt_policy_init(&pc, &p, VT_MODE_TIMER, PROBE_TIMEOUT_MS);
	ck_assert_int_eq(pc.mode, VT_MODE_TIMER);
	ck_assert_int_eq(pc.state, VT_ST_EARLY);
	ck_assert_uint_eq(pc.next_ms, VT_NO_DEADLINE);
}
END_TEST

START_TEST(test_early_has_no_deadline_action)
{
	vt_policy_t pc;
	vt_reason_t r = VT_REASON_ADMIN;

	vt_policy_init(
			&pc, &vt_params_default, VT_MODE_NON_TIMER, PROBE_TIMEOUT_MS);
	/* nothing is scheduled while early, whatever the time */
	ck_assert_int_eq(fire(&pc, 0, &r), VT_ACT_NONE);
	ck_assert_int_eq(fire(&pc, UINT64_MAX - 1, &r), VT_ACT_NONE);
	ck_assert_int_eq(pc.state, VT_ST_EARLY);
	ck_assert_uint_eq(pc.next_ms, VT_NO_DEADLINE);
}
END_TEST

START_TEST(test_answered_non_timer_arms_limit)
{
	vt_policy_t pc;

	answered_non_timer(&pc);
	ck_assert_int_eq(pc.state, VT_ST_ACTIVE);
	ck_assert_int_eq(pc.mode, VT_MODE_NON_TIMER);
	ck_assert_uint_eq(pc.answered_ms, 1000);
	ck_assert_uint_eq(pc.next_ms, 4000);
	ck_assert_int_eq(pc.next_action, VT_ACT_TEARDOWN);
	ck_assert_int_eq(pc.reason, VT_REASON_NO_TIMER_LIMIT);
	ck_assert_str_eq(vt_reason_name((vt_reason_t)pc.reason), "no-timer-limit");
}
END_TEST

START_TEST(test_deadline_not_reached)
{
	vt_policy_t pc;
	vt_reason_t r;

	answered_non_timer(&pc);
	ck_assert_int_eq(fire(&pc, 3999, &r), VT_ACT_NONE);
	ck_assert_int_eq(fire(&pc, 1000, &r), VT_ACT_NONE);
	/* nothing moved */
	ck_assert_int_eq(pc.state, VT_ST_ACTIVE);
	ck_assert_uint_eq(pc.next_ms, 4000);
	ck_assert_int_eq(pc.next_action, VT_ACT_TEARDOWN);
	ck_assert_int_eq(pc.teardown_tries, 0);
}
END_TEST

START_TEST(test_teardown_sequence)
{
	vt_policy_t pc;
	vt_reason_t r = VT_REASON_NONE;
	uint64_t now = 4000;
	int tries;

	answered_non_timer(&pc);

	/* first try at the deadline */
	ck_assert_int_eq(fire(&pc, now, &r), VT_ACT_TEARDOWN);
	ck_assert_int_eq(r, VT_REASON_NO_TIMER_LIMIT);
	ck_assert_int_eq(pc.state, VT_ST_TEARDOWN);
	ck_assert_int_eq(pc.teardown_tries, 1);
	ck_assert_uint_eq(pc.next_ms, now + VT_TEARDOWN_RECHECK_MS);
	ck_assert_int_eq(pc.next_action, VT_ACT_TEARDOWN_RETRY);
	ck_assert_str_eq(
			vt_action_name((vt_action_t)pc.next_action), "teardown-recheck");
	ck_assert_int_eq(pc.reason, VT_REASON_NO_TIMER_LIMIT);

	/* not yet time for the recheck */
	ck_assert_int_eq(
			fire(&pc, now + VT_TEARDOWN_RECHECK_MS - 1, &r), VT_ACT_NONE);
	ck_assert_int_eq(pc.teardown_tries, 1);

	/* retries until VT_TEARDOWN_MAX_TRIES tries in total */
	for(tries = 2; tries <= VT_TEARDOWN_MAX_TRIES; tries++) {
		now = pc.next_ms;
		r = VT_REASON_NONE;
		ck_assert_int_eq(fire(&pc, now, &r), VT_ACT_TEARDOWN_RETRY);
		ck_assert_int_eq(r, VT_REASON_NO_TIMER_LIMIT);
		ck_assert_int_eq(pc.teardown_tries, tries);
		ck_assert_int_eq(pc.state, VT_ST_TEARDOWN);
		ck_assert_uint_eq(pc.next_ms, now + VT_TEARDOWN_RECHECK_MS);
		ck_assert_int_eq(pc.next_action, VT_ACT_TEARDOWN_RETRY);
	}

	/* tries exhausted: forget, nothing scheduled */
	now = pc.next_ms;
	ck_assert_int_eq(fire(&pc, now, &r), VT_ACT_FORGET);
	ck_assert_uint_eq(pc.next_ms, VT_NO_DEADLINE);
	ck_assert_int_eq(pc.next_action, VT_ACT_NONE);
	ck_assert_int_eq(pc.teardown_tries, VT_TEARDOWN_MAX_TRIES);
	/* and nothing more happens afterwards */
	ck_assert_int_eq(fire(&pc, now + 1000000, &r), VT_ACT_NONE);
	ck_assert_uint_eq(pc.next_ms, VT_NO_DEADLINE);
}
END_TEST

START_TEST(test_late_deadline_still_fires)
{
	vt_policy_t pc;
	vt_reason_t r;

	answered_non_timer(&pc);
	/* the timer process ran late: deadline in the past still fires, and the
	 * recheck counts from now */
	ck_assert_int_eq(fire(&pc, 9000, &r), VT_ACT_TEARDOWN);
	ck_assert_uint_eq(pc.next_ms, 9000 + VT_TEARDOWN_RECHECK_MS);
}
END_TEST

START_TEST(test_no_timer_limit_zero)
{
	vt_policy_t pc;
	vt_params_t p = params_with_limit(0);
	vt_reason_t r;

	vt_policy_init(&pc, &p, VT_MODE_NON_TIMER, PROBE_TIMEOUT_MS);
	vt_policy_answered(&pc, 0, 1000);
	ck_assert_int_eq(pc.state, VT_ST_ACTIVE);
	ck_assert_uint_eq(pc.answered_ms, 1000);
	ck_assert_uint_eq(pc.next_ms, VT_NO_DEADLINE);
	ck_assert_int_eq(pc.next_action, VT_ACT_NONE);
	ck_assert_int_eq(fire(&pc, UINT64_MAX - 1, &r), VT_ACT_NONE);
	ck_assert_int_eq(pc.state, VT_ST_ACTIVE);
}
END_TEST

START_TEST(test_reply_se_turns_timer_mode)
{
	vt_policy_t pc;
	vt_params_t p = params_with_limit(3);
	uint64_t i_ms = (uint64_t)p.session_ttl_s * 1000 / p.update_segment;

	vt_policy_init(&pc, &p, VT_MODE_NON_TIMER, PROBE_TIMEOUT_MS);
	vt_policy_answered(&pc, 1, 1000);
	ck_assert_int_eq(pc.mode, VT_MODE_TIMER);
	ck_assert_int_eq(pc.state, VT_ST_ACTIVE);
	ck_assert_uint_eq(pc.answered_ms, 1000);
	ck_assert_uint_eq(pc.window_ms, 1000);
	/* no_timer_limit does not apply to a timer call: the first probe does */
	ck_assert_uint_eq(pc.cap_ms, VT_NO_DEADLINE);
	ck_assert_uint_eq(pc.next_ms, 1000 + i_ms);
	ck_assert_int_eq(pc.next_action, VT_ACT_PROBE);
}
END_TEST

START_TEST(test_invite_timer_mode_no_limit)
{
	vt_policy_t pc;
	vt_params_t p = params_with_limit(3);

	vt_policy_init(&pc, &p, VT_MODE_TIMER, PROBE_TIMEOUT_MS);
	vt_policy_answered(&pc, 0, 1000);
	ck_assert_int_eq(pc.mode, VT_MODE_TIMER);
	ck_assert_int_eq(pc.state, VT_ST_ACTIVE);
	ck_assert_uint_eq(pc.cap_ms, VT_NO_DEADLINE);
	ck_assert_uint_eq(pc.next_ms, 1000 + vt_policy_interval_ms(&pc));
	ck_assert_int_eq(pc.next_action, VT_ACT_PROBE);
}
END_TEST

START_TEST(test_answered_twice)
{
	vt_policy_t pc, before;

	answered_non_timer(&pc);
	before = pc;
	vt_policy_answered(&pc, 0, 2500);
	assert_policy_eq(&pc, &before);
	ck_assert_uint_eq(pc.answered_ms, 1000);
	/* a later 2xx with Session-Expires does not switch the mode either */
	vt_policy_answered(&pc, 1, 3000);
	assert_policy_eq(&pc, &before);
	ck_assert_int_eq(pc.mode, VT_MODE_NON_TIMER);
	ck_assert_uint_eq(pc.next_ms, 4000);
}
END_TEST

START_TEST(test_answered_after_teardown_ignored)
{
	vt_policy_t pc, before;
	vt_reason_t r;

	answered_non_timer(&pc);
	ck_assert_int_eq(fire(&pc, 4000, &r), VT_ACT_TEARDOWN);
	before = pc;
	vt_policy_answered(&pc, 0, 5000);
	assert_policy_eq(&pc, &before);
}
END_TEST

START_TEST(test_limit_saturates)
{
	vt_policy_t pc;
	vt_params_t p = params_with_limit(604800);
	uint64_t now = UINT64_MAX - 5000;

	vt_policy_init(&pc, &p, VT_MODE_NON_TIMER, PROBE_TIMEOUT_MS);
	vt_policy_answered(&pc, 0, now);
	ck_assert_uint_eq(pc.answered_ms, now);
	/* saturated, not wrapped into the past: a deadline past the end of
	 * time is no deadline */
	ck_assert_uint_eq(pc.cap_ms, UINT64_MAX);
	ck_assert_uint_eq(pc.next_ms, VT_NO_DEADLINE);
	ck_assert_int_eq(fire(&pc, UINT64_MAX - 1, NULL), VT_ACT_NONE);

	/* INT_MAX seconds: the product is done in 64 bits, no int overflow */
	p.no_timer_limit_s = 2147483647;
	vt_policy_init(&pc, &p, VT_MODE_NON_TIMER, PROBE_TIMEOUT_MS);
	vt_policy_answered(&pc, 0, 1000);
	ck_assert_uint_eq(pc.next_ms, 1000 + 2147483647ULL * 1000);
}
END_TEST

START_TEST(test_hangup_now)
{
	vt_policy_t pc;
	vt_reason_t r;

	answered_non_timer(&pc);
	ck_assert_int_eq(
			vt_policy_hangup_now(&pc, VT_REASON_ADMIN, 2000), VT_ACT_TEARDOWN);
	ck_assert_int_eq(pc.state, VT_ST_TEARDOWN);
	ck_assert_int_eq(pc.reason, VT_REASON_ADMIN);
	ck_assert_str_eq(vt_reason_name((vt_reason_t)pc.reason), "admin");
	ck_assert_int_eq(pc.teardown_tries, 1);
	ck_assert_uint_eq(pc.next_ms, 2000 + VT_TEARDOWN_RECHECK_MS);
	ck_assert_int_eq(pc.next_action, VT_ACT_TEARDOWN_RETRY);

	/* already tearing down */
	ck_assert_int_eq(
			vt_policy_hangup_now(&pc, VT_REASON_ADMIN, 3000), VT_ACT_NONE);
	ck_assert_int_eq(pc.teardown_tries, 1);
	ck_assert_uint_eq(pc.next_ms, 2000 + VT_TEARDOWN_RECHECK_MS);

	/* the recheck keeps the admin reason */
	ck_assert_int_eq(fire(&pc, pc.next_ms, &r), VT_ACT_TEARDOWN_RETRY);
	ck_assert_int_eq(r, VT_REASON_ADMIN);
}
END_TEST

START_TEST(test_hangup_now_after_limit_teardown)
{
	vt_policy_t pc;
	vt_reason_t r;

	answered_non_timer(&pc);
	ck_assert_int_eq(fire(&pc, 4000, &r), VT_ACT_TEARDOWN);
	ck_assert_int_eq(
			vt_policy_hangup_now(&pc, VT_REASON_ADMIN, 4500), VT_ACT_NONE);
	/* the original reason stands */
	ck_assert_int_eq(pc.reason, VT_REASON_NO_TIMER_LIMIT);
}
END_TEST

START_TEST(test_hangup_now_early_and_timer)
{
	vt_policy_t pc;
	vt_reason_t r;

	/* an early call has no dialog to end yet: nothing to do */
	vt_policy_init(
			&pc, &vt_params_default, VT_MODE_NON_TIMER, PROBE_TIMEOUT_MS);
	ck_assert_int_eq(
			vt_policy_hangup_now(&pc, VT_REASON_ADMIN, 500), VT_ACT_NONE);
	ck_assert_int_eq(pc.state, VT_ST_EARLY);
	ck_assert_uint_eq(pc.next_ms, VT_NO_DEADLINE);

	/* a timer call waiting for its first probe */
	vt_policy_init(&pc, &vt_params_default, VT_MODE_TIMER, PROBE_TIMEOUT_MS);
	vt_policy_answered(&pc, 1, 100);
	ck_assert_int_eq(pc.next_action, VT_ACT_PROBE);
	ck_assert_int_eq(
			vt_policy_hangup_now(&pc, VT_REASON_ADMIN, 700), VT_ACT_TEARDOWN);
	ck_assert_int_eq(pc.state, VT_ST_TEARDOWN);
	ck_assert_uint_eq(pc.next_ms, 700 + VT_TEARDOWN_RECHECK_MS);
	ck_assert_int_eq(pc.next_action, VT_ACT_TEARDOWN_RETRY);
	/* no probe is due any more */
	ck_assert_int_eq(fire(&pc, pc.next_ms, &r), VT_ACT_TEARDOWN_RETRY);
	ck_assert_int_eq(r, VT_REASON_ADMIN);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(
			vt_reason_name(VT_REASON_SESSION_EXPIRED), "session-expired");
	ck_assert_str_eq(vt_reason_name(VT_REASON_LEG_GONE), "leg-gone");
	ck_assert_str_eq(
			vt_reason_name(VT_REASON_NO_TIMER_LIMIT), "no-timer-limit");
	ck_assert_str_eq(vt_reason_name(VT_REASON_ADMIN), "admin");
	ck_assert_str_eq(vt_reason_name(VT_REASON_NONE), "none");

	ck_assert_str_eq(vt_mode_name(VT_MODE_TIMER), "timer");
	ck_assert_str_eq(vt_mode_name(VT_MODE_NON_TIMER), "non-timer");

	ck_assert_str_eq(vt_state_name(VT_ST_EARLY), "early");
	ck_assert_str_eq(vt_state_name(VT_ST_ACTIVE), "active");
	ck_assert_str_eq(vt_state_name(VT_ST_GRACE), "grace");
	ck_assert_str_eq(vt_state_name(VT_ST_TEARDOWN), "teardown");
	ck_assert_str_eq(vt_state_name((vt_state_t)99), "?");

	ck_assert_str_eq(vt_action_name(VT_ACT_NONE), "none");
	ck_assert_str_eq(vt_action_name(VT_ACT_PROBE), "probe");
	ck_assert_str_eq(vt_action_name(VT_ACT_VERDICT), "verdict");
	ck_assert_str_eq(vt_action_name(VT_ACT_TEARDOWN), "teardown");
	ck_assert_str_eq(vt_action_name(VT_ACT_TEARDOWN_RETRY), "teardown-recheck");
	ck_assert_str_eq(vt_action_name(VT_ACT_FORGET), "forget");
}
END_TEST

START_TEST(test_reason_header)
{
	static const vt_reason_t reasons[] = {VT_REASON_SESSION_EXPIRED,
			VT_REASON_LEG_GONE, VT_REASON_NO_TIMER_LIMIT, VT_REASON_ADMIN};
	static const char *cause[] = {"SIP;cause=408", "SIP;cause=481",
			"Q.850;cause=102", "Q.850;cause=16;"};
	size_t i;

	for(i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		const char *h = vt_reason_header(reasons[i]);
		const char *name = vt_reason_name(reasons[i]);
		size_t len = strlen(h);
		char quoted[40];

		ck_assert_ptr_nonnull(h);
		ck_assert_uint_gt(len, 10);
		ck_assert_int_eq(strncmp(h, "Reason: ", 8), 0);
		ck_assert_str_eq(h + len - 2, "\r\n");
		/* exactly one CRLF, at the end: no header injection */
		ck_assert_ptr_eq(strchr(h, '\r'), h + len - 2);
		ck_assert_ptr_eq(strchr(h, '\n'), h + len - 1);
		ck_assert_ptr_nonnull(strstr(h, name));
		snprintf(quoted, sizeof(quoted), "text=\"%s\"", name);
		ck_assert_ptr_nonnull(strstr(h, quoted));
		ck_assert_ptr_nonnull(strstr(h, cause[i]));
	}
	ck_assert_str_eq(vt_reason_header(VT_REASON_NONE), "");
}
END_TEST


/* ---- Timer mode. Scaled like the integration tests:
 * session_ttl 4 s, update_segment 2 (I = 2 s), probe timeout 1 s, the call
 * answered at T0. */

#define T0 10000

static vt_params_t timer_params(int ttl_s, int segments, int early_hangup_s)
{
	vt_params_t p = vt_params_default;

	p.session_ttl_s = ttl_s;
	p.update_segment = segments;
	p.early_hangup_s = early_hangup_s;
	p.no_timer_limit_s = 3;
	return p;
}

static void answered_timer(vt_policy_t *pc, int early_hangup_s)
{
	vt_params_t p = timer_params(4, 2, early_hangup_s);

	vt_policy_init(pc, &p, VT_MODE_TIMER, PROBE_TIMEOUT_MS);
	vt_policy_answered(pc, 0, T0);
}

/* The deadline at now must be a probe; returns the legs probed. */
static unsigned int probe_round(vt_policy_t *pc, uint64_t now)
{
	vt_decision_t d;

	ck_assert_uint_eq(pc->next_ms, now);
	ck_assert_int_eq(pc->next_action, VT_ACT_PROBE);
	d = vt_policy_on_deadline(pc, now);
	ck_assert_int_eq(d.action, VT_ACT_PROBE);
	ck_assert_uint_ne(d.legs, 0);
	ck_assert_uint_eq(pc->pending & d.legs, d.legs);
	return d.legs;
}

/* Round 1 answered by the caller (200) and not by the callee (408 after
 * the probe timeout); round 2 probes the callee only. Leaves the callee's
 * second probe outstanding at T0 + 4000. */
static void callee_silent_two_rounds(vt_policy_t *pc)
{
	ck_assert_uint_eq(probe_round(pc, T0 + 2000), VT_LEGS_BOTH);
	vt_policy_probe_result(pc, VT_LEG_CALLER, 200, T0 + 2010);
	ck_assert_uint_eq(pc->confirmed, VT_LEG_CALLER);
	vt_policy_probe_result(pc, VT_LEG_CALLEE, 408, T0 + 3000);
	ck_assert_uint_eq(pc->confirmed, VT_LEG_CALLER);
	ck_assert_uint_eq(probe_round(pc, T0 + 4000), VT_LEG_CALLEE);
}

START_TEST(test_timer_first_probe_both_legs)
{
	vt_policy_t pc;

	answered_timer(&pc, 0);
	ck_assert_uint_eq(vt_policy_interval_ms(&pc), 2000);
	ck_assert_int_eq(vt_policy_probing(&pc), 1);
	ck_assert_uint_eq(pc.window_ms, T0);
	ck_assert_uint_eq(pc.next_ms, T0 + 2000);
	ck_assert_int_eq(pc.next_action, VT_ACT_PROBE);

	/* a probe may run VT_PROBE_LEAD_MS early, not sooner */
	ck_assert_int_eq(
			fire(&pc, T0 + 1999 - VT_PROBE_LEAD_MS, NULL), VT_ACT_NONE);
	ck_assert_uint_eq(pc.probes_sent, 0);
	ck_assert_uint_eq(probe_round(&pc, T0 + 2000), VT_LEGS_BOTH);
	ck_assert_uint_eq(pc.probes_sent, 2);
	ck_assert_uint_eq(pc.probe_k, 1);
	ck_assert_uint_eq(pc.pending, VT_LEGS_BOTH);
	/* the second round of the window is next */
	ck_assert_uint_eq(pc.next_ms, T0 + 4000);
	ck_assert_int_eq(pc.next_action, VT_ACT_PROBE);
}
END_TEST

START_TEST(test_timer_both_confirm_restarts_window)
{
	vt_policy_t pc;

	answered_timer(&pc, 0);
	probe_round(&pc, T0 + 2000);
	vt_policy_probe_result(&pc, VT_LEG_CALLER, 200, T0 + 2050);
	ck_assert_uint_eq(pc.confirmed, VT_LEG_CALLER);
	ck_assert_uint_eq(pc.window_ms, T0);
	ck_assert_uint_eq(pc.next_ms, T0 + 4000);

	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 200, T0 + 2100);
	ck_assert_int_eq(pc.state, VT_ST_ACTIVE);
	ck_assert_uint_eq(pc.window_ms, T0 + 2100);
	ck_assert_uint_eq(pc.confirmed, 0);
	ck_assert_uint_eq(pc.pending, 0);
	ck_assert_uint_eq(pc.probe_k, 0);
	ck_assert_uint_eq(pc.probes_confirmed, 2);
	ck_assert_uint_eq(pc.probes_failed, 0);
	ck_assert_uint_eq(pc.next_ms, T0 + 2100 + 2000);
	ck_assert_int_eq(pc.next_action, VT_ACT_PROBE);

	/* and the new window probes both legs again */
	ck_assert_uint_eq(probe_round(&pc, T0 + 4100), VT_LEGS_BOTH);
	ck_assert_uint_eq(pc.probes_sent, 4);
}
END_TEST

START_TEST(test_timer_only_unconfirmed_leg_reprobed)
{
	vt_policy_t pc;

	answered_timer(&pc, 0);
	callee_silent_two_rounds(&pc);
	ck_assert_uint_eq(pc.probes_sent, 3);
	ck_assert_uint_eq(pc.probes_failed, 1);
	ck_assert_uint_eq(pc.probe_k, 2);
	/* no third round: the window is judged after the last probe's life */
	ck_assert_int_eq(pc.next_action, VT_ACT_VERDICT);
	ck_assert_uint_eq(
			pc.next_ms, T0 + 4000 + PROBE_TIMEOUT_MS + VT_VERDICT_SLACK_MS);

	/* the callee answers the second probe: window restarts */
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 200, T0 + 4200);
	ck_assert_uint_eq(pc.window_ms, T0 + 4200);
	ck_assert_uint_eq(pc.next_ms, T0 + 6200);
	ck_assert_int_eq(pc.next_action, VT_ACT_PROBE);
}
END_TEST

START_TEST(test_timer_silent_callee_session_expired)
{
	vt_policy_t pc;
	vt_reason_t r;

	answered_timer(&pc, 0);
	callee_silent_two_rounds(&pc);
	/* the last probe times out: the window is lost, no grace */
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 408, T0 + 5000);
	ck_assert_uint_eq(pc.probes_failed, 2);
	ck_assert_int_eq(pc.dead_reason, VT_REASON_SESSION_EXPIRED);
	ck_assert_uint_eq(pc.next_ms, T0 + 5000);
	ck_assert_int_eq(pc.next_action, VT_ACT_TEARDOWN);
	ck_assert_int_eq(fire(&pc, T0 + 5000, &r), VT_ACT_TEARDOWN);
	ck_assert_int_eq(r, VT_REASON_SESSION_EXPIRED);
	ck_assert_int_eq(pc.state, VT_ST_TEARDOWN);
	/* inside [session_ttl, session_ttl + 2.5 s] after the last confirmation */
	ck_assert_uint_ge(T0 + 5000 - pc.window_ms, 4000);
	ck_assert_uint_le(T0 + 5000 - pc.window_ms, 6500);
}
END_TEST

START_TEST(test_timer_verdict_without_answers)
{
	vt_policy_t pc;
	vt_reason_t r;
	uint64_t verdict_at = T0 + 4000 + PROBE_TIMEOUT_MS + VT_VERDICT_SLACK_MS;

	answered_timer(&pc, 0);
	probe_round(&pc, T0 + 2000);
	/* no outcome ever comes back: round 2 has no leg left to probe */
	ck_assert_int_eq(fire(&pc, T0 + 4000, NULL), VT_ACT_NONE);
	ck_assert_uint_eq(pc.probes_sent, 2);
	ck_assert_uint_eq(pc.pending, VT_LEGS_BOTH);
	ck_assert_uint_eq(pc.next_ms, verdict_at);
	ck_assert_int_eq(pc.next_action, VT_ACT_VERDICT);
	/* the verdict is internal; the teardown is due at once */
	ck_assert_int_eq(fire(&pc, verdict_at, NULL), VT_ACT_NONE);
	ck_assert_uint_eq(pc.next_ms, verdict_at);
	ck_assert_int_eq(pc.next_action, VT_ACT_TEARDOWN);
	ck_assert_int_eq(fire(&pc, verdict_at, &r), VT_ACT_TEARDOWN);
	ck_assert_int_eq(r, VT_REASON_SESSION_EXPIRED);

	/* a probe answer arriving after the teardown is ignored */
	vt_policy_probe_result(&pc, VT_LEG_CALLER, 200, verdict_at + 10);
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 481, verdict_at + 20);
	ck_assert_int_eq(pc.state, VT_ST_TEARDOWN);
	ck_assert_uint_eq(pc.probes_confirmed, 0);
	ck_assert_uint_eq(pc.probes_failed, 0);
	ck_assert_int_eq(pc.next_action, VT_ACT_TEARDOWN_RETRY);
	ck_assert_uint_eq(pc.next_ms, verdict_at + VT_TEARDOWN_RECHECK_MS);
}
END_TEST

START_TEST(test_timer_481_leg_gone_no_grace)
{
	vt_policy_t pc;
	vt_reason_t r;

	answered_timer(&pc, 5); /* a grace would apply to session-expired */
	probe_round(&pc, T0 + 2000);
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 481, T0 + 2020);
	ck_assert_uint_eq(pc.probes_failed, 1);
	ck_assert_int_eq(pc.dead_reason, VT_REASON_LEG_GONE);
	ck_assert_uint_eq(pc.next_ms, T0 + 2020);
	ck_assert_int_eq(pc.next_action, VT_ACT_TEARDOWN);
	ck_assert_int_eq(pc.reason, VT_REASON_LEG_GONE);
	/* neither the other leg's answer nor a refresh revives the call */
	vt_policy_probe_result(&pc, VT_LEG_CALLER, 200, T0 + 2030);
	vt_policy_refreshed(&pc, T0 + 2040);
	ck_assert_int_eq(pc.dead_reason, VT_REASON_LEG_GONE);
	ck_assert_uint_eq(pc.next_ms, T0 + 2020);
	ck_assert_int_eq(fire(&pc, T0 + 2040, &r), VT_ACT_TEARDOWN);
	ck_assert_int_eq(r, VT_REASON_LEG_GONE);
	ck_assert_int_eq(pc.state, VT_ST_TEARDOWN);
}
END_TEST

START_TEST(test_timer_grace_saves_call)
{
	vt_policy_t pc;

	answered_timer(&pc, 2);
	callee_silent_two_rounds(&pc);
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 408, T0 + 5000);
	ck_assert_int_eq(pc.state, VT_ST_GRACE);
	ck_assert_int_eq(pc.dead_reason, VT_REASON_SESSION_EXPIRED);
	ck_assert_uint_eq(pc.dead_at_ms, T0 + 7000);
	/* the grace starts with one more probe of the unconfirmed leg */
	ck_assert_uint_eq(probe_round(&pc, T0 + 5000), VT_LEG_CALLEE);
	ck_assert_uint_eq(pc.next_ms, T0 + 7000);
	ck_assert_int_eq(pc.next_action, VT_ACT_TEARDOWN);
	ck_assert_int_eq(pc.reason, VT_REASON_SESSION_EXPIRED);
	/* the callee answers in the grace: with the caller's confirmation of
	 * the window, both legs are confirmed and the call is saved */
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 200, T0 + 5600);
	ck_assert_int_eq(pc.state, VT_ST_ACTIVE);
	ck_assert_int_eq(pc.dead_reason, VT_REASON_NONE);
	ck_assert_uint_eq(pc.dead_at_ms, VT_NO_DEADLINE);
	ck_assert_uint_eq(pc.window_ms, T0 + 5600);
	ck_assert_uint_eq(pc.next_ms, T0 + 7600);
	ck_assert_int_eq(pc.next_action, VT_ACT_PROBE);
	ck_assert_int_eq(fire(&pc, T0 + 7000, NULL), VT_ACT_NONE);
}
END_TEST

START_TEST(test_timer_grace_expires)
{
	vt_policy_t pc;
	vt_reason_t r;

	answered_timer(&pc, 2);
	callee_silent_two_rounds(&pc);
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 408, T0 + 5000);
	probe_round(&pc, T0 + 5000);
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 408, T0 + 6000);
	ck_assert_int_eq(pc.state, VT_ST_GRACE);
	ck_assert_uint_eq(pc.next_ms, T0 + 7000);
	ck_assert_int_eq(fire(&pc, T0 + 6999, NULL), VT_ACT_NONE);
	ck_assert_int_eq(fire(&pc, T0 + 7000, &r), VT_ACT_TEARDOWN);
	ck_assert_int_eq(r, VT_REASON_SESSION_EXPIRED);
	ck_assert_uint_eq(pc.probes_sent, 4);
	ck_assert_uint_eq(pc.probes_failed, 3);
	ck_assert_uint_eq(pc.probes_confirmed, 1);
}
END_TEST

START_TEST(test_timer_grace_one_leg_not_enough)
{
	vt_policy_t pc;
	vt_reason_t r;

	/* neither leg answers in the window */
	answered_timer(&pc, 2);
	probe_round(&pc, T0 + 2000);
	vt_policy_probe_result(&pc, VT_LEG_CALLER, 408, T0 + 3000);
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 408, T0 + 3000);
	ck_assert_uint_eq(probe_round(&pc, T0 + 4000), VT_LEGS_BOTH);
	vt_policy_probe_result(&pc, VT_LEG_CALLER, 0, T0 + 4000);
	ck_assert_int_eq(pc.state, VT_ST_ACTIVE); /* callee still pending */
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 408, T0 + 5000);
	ck_assert_int_eq(pc.state, VT_ST_GRACE);
	ck_assert_uint_eq(probe_round(&pc, T0 + 5000), VT_LEGS_BOTH);
	/* only the caller comes back */
	vt_policy_probe_result(&pc, VT_LEG_CALLER, 200, T0 + 5100);
	ck_assert_int_eq(pc.state, VT_ST_GRACE);
	ck_assert_uint_eq(pc.next_ms, T0 + 7000);
	ck_assert_int_eq(fire(&pc, T0 + 7000, &r), VT_ACT_TEARDOWN);
	ck_assert_int_eq(r, VT_REASON_SESSION_EXPIRED);
}
END_TEST

START_TEST(test_timer_grace_481)
{
	vt_policy_t pc;
	vt_reason_t r;

	answered_timer(&pc, 2);
	callee_silent_two_rounds(&pc);
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 408, T0 + 5000);
	probe_round(&pc, T0 + 5000);
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 481, T0 + 5300);
	ck_assert_uint_eq(pc.next_ms, T0 + 5300);
	ck_assert_int_eq(fire(&pc, T0 + 5300, &r), VT_ACT_TEARDOWN);
	ck_assert_int_eq(r, VT_REASON_LEG_GONE);
}
END_TEST

START_TEST(test_timer_refresh_restarts_window)
{
	vt_policy_t pc;
	vt_reason_t r;

	/* ignored while early */
	vt_policy_init(&pc, &vt_params_default, VT_MODE_TIMER, PROBE_TIMEOUT_MS);
	vt_policy_refreshed(&pc, 500);
	ck_assert_int_eq(pc.state, VT_ST_EARLY);
	ck_assert_uint_eq(pc.next_ms, VT_NO_DEADLINE);

	/* endpoints refreshing every window: never a probe */
	answered_timer(&pc, 0);
	vt_policy_refreshed(&pc, T0 + 1500);
	ck_assert_uint_eq(pc.window_ms, T0 + 1500);
	ck_assert_uint_eq(pc.next_ms, T0 + 3500);
	vt_policy_refreshed(&pc, T0 + 3400);
	ck_assert_uint_eq(pc.next_ms, T0 + 5400);
	ck_assert_int_eq(
			fire(&pc, T0 + 5399 - VT_PROBE_LEAD_MS, NULL), VT_ACT_NONE);
	ck_assert_uint_eq(pc.probes_sent, 0);

	/* a refresh confirms both legs mid-window, probes pending or not */
	probe_round(&pc, T0 + 5400);
	vt_policy_refreshed(&pc, T0 + 5500);
	ck_assert_uint_eq(pc.window_ms, T0 + 5500);
	ck_assert_uint_eq(pc.probe_k, 0);
	ck_assert_uint_eq(pc.next_ms, T0 + 7500);
	/* the refresh cleared no outstanding probe; their answers still count */
	ck_assert_uint_eq(pc.pending, VT_LEGS_BOTH);
	vt_policy_probe_result(&pc, VT_LEG_CALLER, 200, T0 + 5600);
	ck_assert_uint_eq(pc.probes_confirmed, 1);

	/* a refresh in the grace saves the call */
	answered_timer(&pc, 2);
	callee_silent_two_rounds(&pc);
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 408, T0 + 5000);
	ck_assert_int_eq(pc.state, VT_ST_GRACE);
	vt_policy_refreshed(&pc, T0 + 5100);
	ck_assert_int_eq(pc.state, VT_ST_ACTIVE);
	ck_assert_int_eq(pc.dead_reason, VT_REASON_NONE);
	ck_assert_uint_eq(pc.next_ms, T0 + 7100);
	ck_assert_int_eq(pc.next_action, VT_ACT_PROBE);

	/* ignored once the teardown is under way */
	ck_assert_int_eq(vt_policy_hangup_now(&pc, VT_REASON_ADMIN, T0 + 5200),
			VT_ACT_TEARDOWN);
	vt_policy_refreshed(&pc, T0 + 5300);
	ck_assert_int_eq(pc.state, VT_ST_TEARDOWN);
	ck_assert_int_eq(fire(&pc, pc.next_ms, &r), VT_ACT_TEARDOWN_RETRY);
	ck_assert_int_eq(r, VT_REASON_ADMIN);
}
END_TEST

START_TEST(test_timer_final_codes)
{
	static const int confirming[] = {
			200, 202, 302, 405, 420, 486, 500, 501, 503, 603};
	static const int failing[] = {VT_PROBE_UNSENT, 100, 183, 408};
	vt_policy_t pc;
	size_t i;

	for(i = 0; i < sizeof(confirming) / sizeof(confirming[0]); i++) {
		answered_timer(&pc, 0);
		probe_round(&pc, T0 + 2000);
		vt_policy_probe_result(&pc, VT_LEG_CALLER, confirming[i], T0 + 2100);
		ck_assert_msg(pc.confirmed == VT_LEG_CALLER, "code %d confirms",
				confirming[i]);
		ck_assert_uint_eq(pc.probes_confirmed, 1);
		ck_assert_int_eq(pc.dead_reason, VT_REASON_NONE);
	}
	for(i = 0; i < sizeof(failing) / sizeof(failing[0]); i++) {
		answered_timer(&pc, 0);
		probe_round(&pc, T0 + 2000);
		vt_policy_probe_result(&pc, VT_LEG_CALLER, failing[i], T0 + 2100);
		ck_assert_msg(
				pc.confirmed == 0, "code %d does not confirm", failing[i]);
		ck_assert_uint_eq(pc.probes_failed, 1);
		/* not dead before the window's last probe */
		ck_assert_int_eq(pc.dead_reason, VT_REASON_NONE);
		ck_assert_uint_eq(pc.pending, VT_LEG_CALLEE);
	}
}
END_TEST

/* The deadline process ran late (stalled, busy ending other calls): every
 * deadline of the window is due at once. The last round's probes go out
 * now; the verdict must wait for their answers (tm's fr_timer from now),
 * not judge the call on the spot with its probes still pending. */
START_TEST(test_timer_late_process_waits_for_answers)
{
	vt_policy_t pc;
	uint64_t late = T0 + 20000; /* five windows late */
	vt_action_t a;
	int n = 0;

	answered_timer(&pc, 0);
	/* pop everything due at `late`, as the timer loop does */
	while(pc.next_ms <= late && n++ < 10) {
		a = fire(&pc, late, NULL);
		ck_assert_int_ne(a, VT_ACT_TEARDOWN);
	}
	ck_assert_uint_eq(pc.pending, VT_LEGS_BOTH);
	ck_assert_int_eq(pc.dead_reason, VT_REASON_NONE);
	ck_assert_int_eq(pc.next_action, VT_ACT_VERDICT);
	ck_assert_uint_ge(pc.next_ms, late + PROBE_TIMEOUT_MS);
	/* both answer a moment later: the call lives on */
	vt_policy_probe_result(&pc, VT_LEG_CALLER, 200, late + 30);
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 200, late + 40);
	ck_assert_int_eq(pc.state, VT_ST_ACTIVE);
	ck_assert_uint_eq(pc.window_ms, late + 40);
	ck_assert_int_eq(pc.next_action, VT_ACT_PROBE);
}
END_TEST

/* The same, but nobody answers: the call is judged once the late probes'
 * transactions are over. */
START_TEST(test_timer_late_process_dead_still_cut)
{
	vt_policy_t pc;
	uint64_t late = T0 + 20000;
	vt_reason_t r;
	int n = 0;

	answered_timer(&pc, 0);
	while(pc.next_ms <= late && n++ < 10)
		fire(&pc, late, NULL);
	vt_policy_probe_result(&pc, VT_LEG_CALLER, 408, late + PROBE_TIMEOUT_MS);
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 408, late + PROBE_TIMEOUT_MS);
	ck_assert_int_eq(pc.dead_reason, VT_REASON_SESSION_EXPIRED);
	ck_assert_int_eq(fire(&pc, late + PROBE_TIMEOUT_MS, &r), VT_ACT_TEARDOWN);
	ck_assert_int_eq(r, VT_REASON_SESSION_EXPIRED);
}
END_TEST

/* A teardown is rechecked once its BYEs have had their transaction's
 * life: never before tm's fr_timer (+ slack), at least 10 s. */
START_TEST(test_teardown_recheck_after_fr_timer)
{
	vt_policy_t pc;
	vt_params_t p = params_with_limit(3);

	vt_policy_init(&pc, &p, VT_MODE_NON_TIMER, 30000);
	vt_policy_answered(&pc, 0, T0);
	ck_assert_int_eq(fire(&pc, T0 + 3000, NULL), VT_ACT_TEARDOWN);
	ck_assert_int_eq(pc.next_action, VT_ACT_TEARDOWN_RETRY);
	ck_assert_uint_eq(pc.next_ms, T0 + 3000 + 30000 + VT_VERDICT_SLACK_MS);
}
END_TEST

START_TEST(test_timer_unsent_last_round)
{
	vt_policy_t pc;
	vt_reason_t r;

	/* probes that cannot be sent at all count like 408 */
	answered_timer(&pc, 0);
	probe_round(&pc, T0 + 2000);
	vt_policy_probe_result(&pc, VT_LEG_CALLER, VT_PROBE_UNSENT, T0 + 2000);
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, VT_PROBE_UNSENT, T0 + 2000);
	ck_assert_uint_eq(probe_round(&pc, T0 + 4000), VT_LEGS_BOTH);
	vt_policy_probe_result(&pc, VT_LEG_CALLER, VT_PROBE_UNSENT, T0 + 4000);
	ck_assert_int_eq(pc.dead_reason, VT_REASON_NONE);
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, VT_PROBE_UNSENT, T0 + 4000);
	ck_assert_int_eq(pc.dead_reason, VT_REASON_SESSION_EXPIRED);
	ck_assert_int_eq(fire(&pc, T0 + 4000, &r), VT_ACT_TEARDOWN);
	ck_assert_int_eq(r, VT_REASON_SESSION_EXPIRED);
	ck_assert_uint_eq(pc.probes_failed, 4);
}
END_TEST

START_TEST(test_timer_no_stacked_probes)
{
	vt_policy_t pc;
	vt_params_t p = timer_params(4, 2, 0);

	/* a probe lives longer than I: round 2 finds both legs still pending */
	vt_policy_init(&pc, &p, VT_MODE_TIMER, 3000);
	vt_policy_answered(&pc, 1, T0);
	probe_round(&pc, T0 + 2000);
	ck_assert_int_eq(fire(&pc, T0 + 4000, NULL), VT_ACT_NONE);
	ck_assert_uint_eq(pc.probes_sent, 2);
	ck_assert_uint_eq(pc.next_ms, T0 + 4000 + 3000 + VT_VERDICT_SLACK_MS);
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 200, T0 + 4500);
	vt_policy_probe_result(&pc, VT_LEG_CALLER, 200, T0 + 4600);
	ck_assert_uint_eq(pc.window_ms, T0 + 4600);
	ck_assert_uint_eq(pc.next_ms, T0 + 6600);

	/* the same outcome twice, or for a leg never probed, is ignored */
	vt_policy_probe_result(&pc, VT_LEG_CALLER, 481, T0 + 4700);
	ck_assert_int_eq(pc.dead_reason, VT_REASON_NONE);
	ck_assert_uint_eq(pc.probes_failed, 0);
	ck_assert_uint_eq(pc.probes_confirmed, 2);
}
END_TEST

START_TEST(test_timer_rhythm_three_segments)
{
	vt_policy_t pc;
	vt_params_t p = timer_params(6, 3, 0);
	vt_reason_t r;

	vt_policy_init(&pc, &p, VT_MODE_TIMER, PROBE_TIMEOUT_MS);
	vt_policy_answered(&pc, 0, T0);
	ck_assert_uint_eq(probe_round(&pc, T0 + 2000), VT_LEGS_BOTH);
	vt_policy_probe_result(&pc, VT_LEG_CALLER, 200, T0 + 2100);
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 408, T0 + 3000);
	ck_assert_uint_eq(probe_round(&pc, T0 + 4000), VT_LEG_CALLEE);
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 408, T0 + 5000);
	ck_assert_int_eq(pc.dead_reason, VT_REASON_NONE);
	ck_assert_uint_eq(probe_round(&pc, T0 + 6000), VT_LEG_CALLEE);
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 408, T0 + 7000);
	ck_assert_int_eq(fire(&pc, T0 + 7000, &r), VT_ACT_TEARDOWN);
	ck_assert_int_eq(r, VT_REASON_SESSION_EXPIRED);
	ck_assert_uint_eq(pc.probes_sent, 4);
}
END_TEST

START_TEST(test_probe_non_timer)
{
	vt_policy_t pc;
	vt_params_t p = timer_params(4, 2, 0);
	vt_reason_t r;

	/* without probe_non_timer: only the cap */
	vt_policy_init(&pc, &p, VT_MODE_NON_TIMER, PROBE_TIMEOUT_MS);
	vt_policy_answered(&pc, 0, T0);
	ck_assert_int_eq(vt_policy_probing(&pc), 0);
	ck_assert_uint_eq(pc.next_ms, T0 + 3000);
	ck_assert_int_eq(pc.next_action, VT_ACT_TEARDOWN);

	/* with it: probed like a timer call, and still capped */
	p.probe_non_timer = 1;
	p.no_timer_limit_s = 5;
	vt_policy_init(&pc, &p, VT_MODE_NON_TIMER, PROBE_TIMEOUT_MS);
	vt_policy_answered(&pc, 0, T0);
	ck_assert_int_eq(vt_policy_probing(&pc), 1);
	ck_assert_uint_eq(pc.cap_ms, T0 + 5000);
	ck_assert_uint_eq(probe_round(&pc, T0 + 2000), VT_LEGS_BOTH);
	vt_policy_probe_result(&pc, VT_LEG_CALLER, 200, T0 + 2100);
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 200, T0 + 2200);
	ck_assert_uint_eq(probe_round(&pc, T0 + 4200), VT_LEGS_BOTH);
	/* the cap comes before the window could be judged */
	ck_assert_uint_eq(pc.next_ms, T0 + 5000);
	ck_assert_int_eq(pc.next_action, VT_ACT_TEARDOWN);
	ck_assert_int_eq(fire(&pc, T0 + 5000, &r), VT_ACT_TEARDOWN);
	ck_assert_int_eq(r, VT_REASON_NO_TIMER_LIMIT);

	/* a dead leg of a probed non-timer call is found like in timer mode */
	vt_policy_init(&pc, &p, VT_MODE_NON_TIMER, PROBE_TIMEOUT_MS);
	vt_policy_answered(&pc, 0, T0);
	probe_round(&pc, T0 + 2000);
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 481, T0 + 2050);
	ck_assert_int_eq(fire(&pc, T0 + 2050, &r), VT_ACT_TEARDOWN);
	ck_assert_int_eq(r, VT_REASON_LEG_GONE);
}
END_TEST

START_TEST(test_distrusted_timer_call_capped)
{
	vt_policy_t pc;
	vt_params_t p = timer_params(4, 2, 0);
	vt_reason_t r;

	/* distrusted while early: capped from the answer, and still probed */
	p.no_timer_limit_s = 5;
	vt_policy_init(&pc, &p, VT_MODE_TIMER, PROBE_TIMEOUT_MS);
	vt_policy_distrust(&pc, T0 - 500);
	ck_assert_uint_eq(pc.next_ms, VT_NO_DEADLINE);
	vt_policy_answered(&pc, 0, T0);
	ck_assert_int_eq(pc.mode, VT_MODE_TIMER);
	ck_assert_uint_eq(pc.cap_ms, T0 + 5000);
	ck_assert_uint_eq(probe_round(&pc, T0 + 2000), VT_LEGS_BOTH);
	vt_policy_probe_result(&pc, VT_LEG_CALLER, 200, T0 + 2100);
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 200, T0 + 2100);
	probe_round(&pc, T0 + 4100);
	ck_assert_uint_eq(pc.next_ms, T0 + 5000);
	ck_assert_int_eq(fire(&pc, T0 + 5000, &r), VT_ACT_TEARDOWN);
	ck_assert_int_eq(r, VT_REASON_NO_TIMER_LIMIT);

	/* distrusted by its 2xx, after the answer: the cap counts from it */
	vt_policy_init(&pc, &p, VT_MODE_TIMER, PROBE_TIMEOUT_MS);
	vt_policy_answered(&pc, 0, T0);
	ck_assert_uint_eq(pc.cap_ms, VT_NO_DEADLINE);
	vt_policy_distrust(&pc, T0 + 10);
	ck_assert_uint_eq(pc.cap_ms, T0 + 5000);
	ck_assert_uint_eq(pc.next_ms, T0 + 2000); /* the probe stays first */
	vt_policy_distrust(&pc, T0 + 20);		  /* idempotent */
	ck_assert_uint_eq(pc.cap_ms, T0 + 5000);

	/* no_timer_limit 0 turns the cap off here too */
	p.no_timer_limit_s = 0;
	vt_policy_init(&pc, &p, VT_MODE_TIMER, PROBE_TIMEOUT_MS);
	vt_policy_distrust(&pc, T0);
	vt_policy_answered(&pc, 0, T0);
	ck_assert_uint_eq(pc.cap_ms, VT_NO_DEADLINE);
}
END_TEST

/* ---- Property: simulated calls with random settings and answer delays.
 * A call whose legs answer every probe within the probe timeout is never
 * ended; a call whose callee goes silent (408) or loses the dialog (481)
 * at a random time is always ended, with the right reason, never before a
 * full window since its last confirmation and within a bounded time. */

#define SIM_TICK_MS 50

static uint32_t sim_rand(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 8) & 0xffffff;
}

typedef struct sim_leg
{
	uint64_t due_ms; /* outcome of the outstanding probe, or NO_DEADLINE */
	int code;
} sim_leg_t;

typedef struct sim_out
{
	uint64_t teardown_ms;
	vt_reason_t reason;
	uint64_t window_at_teardown;
	unsigned int rounds;
} sim_out_t;

/* Runs one call until it ends or end_ms. dead_ms: from then on the callee
 * answers with dead_code (408 after the probe timeout, or 481 at once). */
static sim_out_t sim_call(vt_policy_t *pc, uint32_t *seed, uint64_t end_ms,
		uint64_t dead_ms, int dead_code)
{
	sim_leg_t legs[2] = {{VT_NO_DEADLINE, 0}, {VT_NO_DEADLINE, 0}};
	sim_out_t out = {VT_NO_DEADLINE, VT_REASON_NONE, 0, 0};
	uint64_t now;
	int guard, i;

	vt_policy_answered(pc, 1, T0);
	for(now = T0; now <= end_ms; now += SIM_TICK_MS) {
		for(i = 0; i < 2; i++) {
			if(legs[i].due_ms <= now) {
				legs[i].due_ms = VT_NO_DEADLINE;
				vt_policy_probe_result(pc,
						i == 0 ? VT_LEG_CALLER : VT_LEG_CALLEE, legs[i].code,
						now);
			}
		}
		/* as the deadline process does: a probe up to VT_PROBE_LEAD_MS
		 * early */
		for(guard = 0; vt_policy_run_at_ms(pc) <= now; guard++) {
			vt_decision_t d = vt_policy_on_deadline(pc, now);

			ck_assert_int_lt(guard, 10);
			ck_assert_uint_eq(pc->confirmed & ~VT_LEGS_BOTH, 0);
			ck_assert_uint_eq(pc->pending & ~VT_LEGS_BOTH, 0);
			ck_assert_uint_le(pc->probe_k, pc->params.update_segment);
			if(d.action == VT_ACT_TEARDOWN) {
				out.teardown_ms = now;
				out.reason = d.reason;
				out.window_at_teardown = pc->window_ms;
				return out;
			}
			ck_assert_int_ne(d.action, VT_ACT_TEARDOWN_RETRY);
			ck_assert_int_ne(d.action, VT_ACT_FORGET);
			if(d.action != VT_ACT_PROBE)
				continue;
			out.rounds++;
			for(i = 0; i < 2; i++) {
				unsigned int leg = i == 0 ? VT_LEG_CALLER : VT_LEG_CALLEE;

				if(!(d.legs & leg))
					continue;
				ck_assert_uint_eq(legs[i].due_ms, VT_NO_DEADLINE);
				if(i == 1 && now >= dead_ms && dead_code == 408) {
					legs[i].due_ms = now + pc->probe_timeout_ms;
					legs[i].code = 408;
				} else if(i == 1 && now >= dead_ms) {
					legs[i].due_ms = now + sim_rand(seed) % 200;
					legs[i].code = 481;
				} else {
					static const int ok[] = {200, 405, 500, 501};
					legs[i].due_ms =
							now + sim_rand(seed) % pc->probe_timeout_ms;
					legs[i].code = ok[sim_rand(seed) % 4];
				}
			}
		}
		/* a call under probing always has something scheduled */
		ck_assert_uint_ne(pc->next_ms, VT_NO_DEADLINE);
	}
	return out;
}

static void sim_random_call(vt_policy_t *pc, uint32_t *seed)
{
	vt_params_t p = vt_params_default;

	p.session_ttl_s = 2 + (int)(sim_rand(seed) % 30);
	p.update_segment = 2 + (int)(sim_rand(seed) % 9);
	p.early_hangup_s = (int)(sim_rand(seed) % 4);
	vt_policy_init(pc, &p, VT_MODE_TIMER,
			100 + sim_rand(seed) % (uint32_t)(p.session_ttl_s * 1000));
}

START_TEST(test_property_live_never_cut)
{
	uint32_t seed = 4028;
	vt_policy_t pc;
	int n;

	for(n = 0; n < 150; n++) {
		sim_out_t o;
		uint64_t ttl_ms;

		sim_random_call(&pc, &seed);
		ttl_ms = (uint64_t)pc.params.session_ttl_s * 1000;
		o = sim_call(&pc, &seed, T0 + 12 * ttl_ms, VT_NO_DEADLINE, 0);
		ck_assert_msg(o.teardown_ms == VT_NO_DEADLINE,
				"live call %d (ttl %d seg %d fr %u) cut at %llu", n,
				pc.params.session_ttl_s, pc.params.update_segment,
				pc.probe_timeout_ms, (unsigned long long)o.teardown_ms);
		/* probed in every window */
		ck_assert_uint_ge(o.rounds, 10);
		ck_assert_uint_eq(pc.probes_failed, 0);
	}
}
END_TEST

START_TEST(test_property_dead_always_ended)
{
	uint32_t seed = 3261;
	vt_policy_t pc;
	int n;

	for(n = 0; n < 300; n++) {
		int code = (n % 3 == 0) ? 481 : 408;
		uint64_t ttl_ms, dead_ms, bound;
		sim_out_t o;

		sim_random_call(&pc, &seed);
		ttl_ms = (uint64_t)pc.params.session_ttl_s * 1000;
		dead_ms = T0 + sim_rand(&seed) % (5 * ttl_ms);
		o = sim_call(&pc, &seed, dead_ms + 4 * ttl_ms + 60000, dead_ms, code);
		ck_assert_msg(o.teardown_ms != VT_NO_DEADLINE,
				"dead call %d (ttl %d seg %d fr %u) never ended", n,
				pc.params.session_ttl_s, pc.params.update_segment,
				pc.probe_timeout_ms);
		ck_assert_int_eq(o.reason,
				code == 481 ? VT_REASON_LEG_GONE : VT_REASON_SESSION_EXPIRED);
		ck_assert_uint_ge(o.teardown_ms, dead_ms);
		if(code == 408) {
			/* a full window after the last confirmation, at least */
			ck_assert_uint_ge(o.teardown_ms - o.window_at_teardown, ttl_ms);
			/* last confirmation at most one probe life after death; then
			 * the window, the last probe's life, slack, grace, ticks */
			bound = dead_ms + 2 * (uint64_t)pc.probe_timeout_ms + ttl_ms
					+ VT_VERDICT_SLACK_MS
					+ (uint64_t)pc.params.early_hangup_s * 1000
					+ 2 * SIM_TICK_MS;
		} else {
			/* the callee is probed at the latest one probe life plus one
			 * window after its death */
			bound = dead_ms + 2 * (uint64_t)pc.probe_timeout_ms + ttl_ms + 200
					+ 2 * SIM_TICK_MS;
		}
		ck_assert_msg(o.teardown_ms <= bound,
				"call %d ended %llu ms after death (bound %llu)", n,
				(unsigned long long)(o.teardown_ms - dead_ms),
				(unsigned long long)(bound - dead_ms));
	}
}
END_TEST

/* Probe spreading: calls answered in the same millisecond
 * probe at their own phase in the first window, never later than without
 * spreading, and on the plain rhythm afterwards. */
START_TEST(test_spread_first_window_only)
{
	vt_params_t p = vt_params_default; /* ttl 600, segment 2: I = 300 s */
	vt_policy_t pc;
	uint64_t t0 = 1000000, i_ms = 300000, first;
	vt_reason_t r;

	vt_policy_init(&pc, &p, VT_MODE_TIMER, PROBE_TIMEOUT_MS);
	vt_policy_set_spread(&pc, 0x8000); /* half of the range */
	vt_policy_answered(&pc, 0, t0);
	ck_assert_uint_eq(pc.lead_ms, i_ms / VT_SPREAD_DIV / 2);
	first = pc.next_ms;
	ck_assert_uint_eq(first, t0 + i_ms - i_ms / VT_SPREAD_DIV / 2);
	ck_assert_int_eq(fire(&pc, first, &r), VT_ACT_PROBE);
	/* both legs confirm: the next window starts now, without the lead */
	vt_policy_probe_result(&pc, VT_LEG_CALLER, 200, first + 5);
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 200, first + 7);
	ck_assert_uint_eq(pc.lead_ms, 0);
	ck_assert_uint_eq(pc.next_ms, first + 7 + i_ms);
}
END_TEST

START_TEST(test_spread_never_later_and_bounded)
{
	vt_params_t p = vt_params_default;
	uint64_t t0 = 5000, i_ms, plain;
	unsigned int key;
	vt_policy_t pc;
	int ttl, seg;

	/* property, over keys and settings: t0 + I - I/4 < first <= t0 + I */
	for(ttl = 2; ttl <= 7200; ttl = ttl * 3 + 1)
		for(seg = 2; seg <= 10 && seg <= ttl; seg += 4)
			for(key = 0; key <= 0xffff; key += 0x0fff) {
				p.session_ttl_s = ttl;
				p.update_segment = seg;
				vt_policy_init(&pc, &p, VT_MODE_TIMER, PROBE_TIMEOUT_MS);
				vt_policy_set_spread(&pc, (uint16_t)key);
				vt_policy_answered(&pc, 0, t0);
				i_ms = (uint64_t)ttl * 1000 / seg;
				plain = t0 + i_ms;
				ck_assert_uint_le(pc.next_ms, plain);
				ck_assert_uint_gt(pc.next_ms, plain - i_ms / VT_SPREAD_DIV - 1);
				ck_assert_int_eq(pc.next_action, VT_ACT_PROBE);
			}
}
END_TEST

START_TEST(test_spread_mass_answer)
{
	/* 10000 calls answered in the same millisecond: their first probe
	 * rounds cover the quarter interval, at most a few per 100 ms slice. */
	enum
	{
		N = 10000
	};
	static unsigned int slices[1000];
	vt_params_t p = vt_params_default; /* I = 300 s: spread over 75 s */
	vt_policy_t pc;
	char callid[64];
	unsigned int i, peak = 0, used = 0;
	uint64_t t0 = 1000000, lo = t0 + 300000 - 75000;

	memset(slices, 0, sizeof(slices));
	for(i = 0; i < N; i++) {
		int n = snprintf(
				callid, sizeof(callid), "%u-4242@192.0.2.%u", i, i % 250);
		vt_policy_init(&pc, &p, VT_MODE_TIMER, PROBE_TIMEOUT_MS);
		vt_policy_set_spread(&pc, vt_spread_key(callid, (unsigned long)n));
		vt_policy_answered(&pc, 0, t0);
		ck_assert_uint_ge(pc.next_ms, lo);
		slices[(pc.next_ms - lo) / 100]++;
	}
	for(i = 0; i < 750; i++) {
		if(slices[i] > peak)
			peak = slices[i];
		if(slices[i])
			used++;
	}
	/* uniform would be 13.3 per slice; without spreading all 10000 */
	ck_assert_uint_le(peak, 40);
	ck_assert_uint_ge(used, 700);
}
END_TEST

/* Random event sequences on one call: whatever the order
 * of answers, probe outcomes, refreshes, distrust and operator hangups,
 * the policy never asks for two teardowns, never probes after a teardown,
 * never arms a deadline in the past, and stops after FORGET. Deadlines
 * fire when due (a probe up to VT_PROBE_LEAD_MS early), before any later
 * event, as the timer process does. */
static uint64_t rnd_state = 88172645463325252ull;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}
static unsigned int rnd_below(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

typedef struct sim
{
	vt_policy_t pc;
	uint64_t t;
	unsigned int outstanding; /* legs with a probe the policy asked for */
	int teardowns, retries, forgotten;
} sim_t;

static void sim_fire_due(sim_t *s, uint64_t until)
{
	vt_decision_t d;

	while(s->pc.next_ms != VT_NO_DEADLINE
			&& vt_policy_run_at_ms(&s->pc) <= until) {
		uint64_t at = vt_policy_run_at_ms(&s->pc);

		ck_assert_int_eq(s->forgotten, 0);
		/* a probe anywhere from VT_PROBE_LEAD_MS early to its time */
		at += rnd_below((unsigned int)(s->pc.next_ms - at + 1));
		if(at > until)
			at = until;
		if(at > s->t)
			s->t = at;
		d = vt_policy_on_deadline(&s->pc, s->t);
		switch(d.action) {
			case VT_ACT_PROBE:
				ck_assert_int_eq(s->teardowns, 0);
				ck_assert_uint_ne(d.legs, 0);
				/* never stacked on an outstanding probe */
				ck_assert_uint_eq(d.legs & s->outstanding, 0);
				s->outstanding |= d.legs;
				break;
			case VT_ACT_TEARDOWN:
				s->teardowns++;
				ck_assert_int_eq(s->teardowns, 1);
				break;
			case VT_ACT_TEARDOWN_RETRY:
				ck_assert_int_eq(s->teardowns, 1);
				s->retries++;
				break;
			case VT_ACT_FORGET:
				s->forgotten = 1;
				break;
			default:
				break;
		}
		/* armed deadlines are never in the past */
		if(s->pc.next_ms != VT_NO_DEADLINE)
			ck_assert_uint_ge(s->pc.next_ms, s->t);
	}
	if(until > s->t)
		s->t = until;
}

START_TEST(test_property_random_event_sequences)
{
	static const int codes[] = {200, 405, 408, 481, 500, 603, VT_PROBE_UNSENT};
	int run, step;

	for(run = 0; run < 3000; run++) {
		vt_params_t p = vt_params_default;
		sim_t s;
		uint64_t fr;

		memset(&s, 0, sizeof(s));
		p.session_ttl_s = 2 + (int)rnd_below(120);
		p.update_segment = 2 + (int)rnd_below(9);
		if(p.update_segment > p.session_ttl_s)
			p.update_segment = p.session_ttl_s;
		p.early_hangup_s = rnd_below(3) ? 0 : (int)rnd_below(6);
		p.no_timer_limit_s = rnd_below(3) ? 0 : 3 + (int)rnd_below(300);
		p.probe_non_timer = (int)rnd_below(2);
		fr = 200 + rnd_below(3000);
		vt_policy_init(&s.pc, &p,
				rnd_below(2) ? VT_MODE_TIMER : VT_MODE_NON_TIMER, (uint32_t)fr);
		vt_policy_set_spread(&s.pc, (uint16_t)rnd());
		s.t = 1000 + rnd_below(100000);
		for(step = 0; step < 120 && !s.forgotten; step++) {
			uint64_t later = s.t + rnd_below(20000);
			unsigned int ev = rnd_below(100);

			sim_fire_due(&s, later);
			if(s.forgotten)
				break;
			if(ev < 10) {
				vt_policy_answered(&s.pc, (int)rnd_below(2), s.t);
			} else if(ev < 70 && s.outstanding) {
				unsigned int leg =
						(s.outstanding & VT_LEG_CALLER)
										&& (!(s.outstanding & VT_LEG_CALLEE)
												|| rnd_below(2))
								? VT_LEG_CALLER
								: VT_LEG_CALLEE;
				s.outstanding &= ~leg;
				vt_policy_probe_result(&s.pc, leg,
						codes[rnd_below(sizeof(codes) / sizeof(codes[0]))],
						s.t);
			} else if(ev < 80) {
				vt_policy_refreshed(&s.pc, s.t);
			} else if(ev < 84) {
				vt_policy_distrust(&s.pc, s.t);
			} else if(ev < 86) {
				vt_action_t a =
						vt_policy_hangup_now(&s.pc, VT_REASON_ADMIN, s.t);

				if(a == VT_ACT_TEARDOWN) {
					s.teardowns++;
					ck_assert_int_eq(s.teardowns, 1);
				}
			} else if(ev < 90) {
				/* a stray outcome for a leg without a probe: ignored */
				vt_policy_t before = s.pc;
				unsigned int leg = rnd_below(2) ? VT_LEG_CALLER : VT_LEG_CALLEE;

				if(!(s.pc.pending & leg)) {
					vt_policy_probe_result(&s.pc, leg, 481, s.t);
					assert_policy_eq(&before, &s.pc);
				}
			}
			if(s.pc.next_ms != VT_NO_DEADLINE)
				ck_assert_msg(s.pc.next_ms >= s.t,
						"event %u armed %llu at %llu: state %d action %d dead "
						"%d "
						"cap %llu answered %llu window %llu ttl %u seg %u eh "
						"%u ntl %u",
						ev, (unsigned long long)s.pc.next_ms,
						(unsigned long long)s.t, s.pc.state, s.pc.next_action,
						s.pc.dead_reason, (unsigned long long)s.pc.cap_ms,
						(unsigned long long)s.pc.answered_ms,
						(unsigned long long)s.pc.window_ms,
						s.pc.params.session_ttl_s, s.pc.params.update_segment,
						s.pc.params.early_hangup_s,
						s.pc.params.no_timer_limit_s);
		}
	}
}
END_TEST

/* The deadline process may run a probe up to VT_PROBE_LEAD_MS before its
 * deadline: both legs go, and the next deadline is the one an on-time run
 * would have armed (counted from the window, not from now). Nothing runs
 * earlier than that, and a teardown or verdict never runs early. */
START_TEST(test_probe_runs_early_later_deadlines_keep_time)
{
	vt_params_t p = timer_params(4, 2, 0);
	vt_policy_t pc, ref;
	vt_decision_t d;
	uint64_t due, cap;

	answered_timer(&pc, 0);
	ref = pc;
	due = pc.next_ms;
	ck_assert_int_eq(pc.next_action, VT_ACT_PROBE);
	ck_assert_uint_eq(vt_policy_run_at_ms(&pc), due - VT_PROBE_LEAD_MS);
	d = vt_policy_on_deadline(&pc, due - VT_PROBE_LEAD_MS - 1);
	ck_assert_int_eq(d.action, VT_ACT_NONE);
	ck_assert_uint_eq(pc.next_ms, due);
	d = vt_policy_on_deadline(&pc, due - VT_PROBE_LEAD_MS);
	ck_assert_int_eq(d.action, VT_ACT_PROBE);
	ck_assert_uint_eq(d.legs, VT_LEGS_BOTH);
	ck_assert_uint_eq(probe_round(&ref, due), VT_LEGS_BOTH);
	ck_assert_uint_eq(pc.next_ms, ref.next_ms);
	ck_assert_int_eq(pc.next_action, ref.next_action);
	/* unanswered: the second round early too; its verdict at its time */
	vt_policy_probe_result(&pc, VT_LEG_CALLER, 408, due + PROBE_TIMEOUT_MS);
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 408, due + PROBE_TIMEOUT_MS);
	due = pc.next_ms;
	ck_assert_int_eq(fire(&pc, due - VT_PROBE_LEAD_MS, NULL), VT_ACT_PROBE);
	ck_assert_int_eq(pc.next_action, VT_ACT_VERDICT);
	ck_assert_uint_eq(vt_policy_run_at_ms(&pc), pc.next_ms);
	ck_assert_uint_eq(
			pc.next_ms, T0 + 4000 + PROBE_TIMEOUT_MS + VT_VERDICT_SLACK_MS);
	ck_assert_int_eq(fire(&pc, pc.next_ms - 1, NULL), VT_ACT_NONE);
	/* a non-timer call's cap: not a ms early */
	vt_policy_init(&pc, &p, VT_MODE_NON_TIMER, PROBE_TIMEOUT_MS);
	vt_policy_answered(&pc, 0, T0);
	cap = pc.next_ms;
	ck_assert_uint_eq(cap, T0 + 3000);
	ck_assert_uint_eq(vt_policy_run_at_ms(&pc), cap);
	ck_assert_int_eq(fire(&pc, cap - 1, NULL), VT_ACT_NONE);
	ck_assert_int_eq(fire(&pc, cap, NULL), VT_ACT_TEARDOWN);
	pc.next_ms = VT_NO_DEADLINE;
	ck_assert_uint_eq(vt_policy_run_at_ms(&pc), VT_NO_DEADLINE);
}
END_TEST

/* Answers to a probe sent early count from the time it was due: both
 * legs confirming before then restart the window at that time (the next
 * round one interval after it, not after the answer), and a last round
 * that fails at once is judged at its time, not sooner. */
START_TEST(test_early_probe_keeps_rhythm)
{
	vt_policy_t pc;
	vt_reason_t r;
	uint64_t due, early;

	answered_timer(&pc, 0);
	due = pc.next_ms;
	early = due - VT_PROBE_LEAD_MS;
	ck_assert_int_eq(fire(&pc, early, NULL), VT_ACT_PROBE);
	vt_policy_probe_result(&pc, VT_LEG_CALLER, 200, early + 5);
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 200, early + 7);
	ck_assert_uint_eq(pc.window_ms, due);
	ck_assert_uint_eq(pc.next_ms, due + 2000);
	/* answered after its time: the window starts at the answer */
	due = pc.next_ms;
	ck_assert_int_eq(fire(&pc, due - 10, NULL), VT_ACT_PROBE);
	vt_policy_probe_result(&pc, VT_LEG_CALLER, 200, due + 20);
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 200, due + 30);
	ck_assert_uint_eq(pc.window_ms, due + 30);

	/* a last round that cannot be sent: dead at its time */
	answered_timer(&pc, 0);
	ck_assert_int_eq(fire(&pc, T0 + 2000, NULL), VT_ACT_PROBE);
	vt_policy_probe_result(&pc, VT_LEG_CALLER, 408, T0 + 3000);
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, 408, T0 + 3000);
	due = pc.next_ms;
	ck_assert_uint_eq(due, T0 + 4000);
	early = due - VT_PROBE_LEAD_MS;
	ck_assert_int_eq(fire(&pc, early, NULL), VT_ACT_PROBE);
	vt_policy_probe_result(&pc, VT_LEG_CALLER, VT_PROBE_UNSENT, early);
	vt_policy_probe_result(&pc, VT_LEG_CALLEE, VT_PROBE_UNSENT, early);
	ck_assert_int_eq(pc.dead_reason, VT_REASON_SESSION_EXPIRED);
	ck_assert_uint_eq(pc.dead_at_ms, due);
	ck_assert_int_eq(fire(&pc, due - 1, NULL), VT_ACT_NONE);
	ck_assert_int_eq(fire(&pc, due, &r), VT_ACT_TEARDOWN);
	ck_assert_int_eq(r, VT_REASON_SESSION_EXPIRED);
}
END_TEST

Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("lifecycle");

	tcase_add_test(tc, test_init);
	tcase_add_test(tc, test_params_packed_roundtrip);
	tcase_add_test(tc, test_spread_first_window_only);
	tcase_add_test(tc, test_spread_never_later_and_bounded);
	tcase_add_test(tc, test_spread_mass_answer);
	tcase_add_test(tc, test_early_has_no_deadline_action);
	tcase_add_test(tc, test_answered_non_timer_arms_limit);
	tcase_add_test(tc, test_deadline_not_reached);
	tcase_add_test(tc, test_teardown_sequence);
	tcase_add_test(tc, test_late_deadline_still_fires);
	tcase_add_test(tc, test_no_timer_limit_zero);
	tcase_add_test(tc, test_reply_se_turns_timer_mode);
	tcase_add_test(tc, test_invite_timer_mode_no_limit);
	tcase_add_test(tc, test_answered_twice);
	tcase_add_test(tc, test_answered_after_teardown_ignored);
	tcase_add_test(tc, test_limit_saturates);
	suite_add_tcase(s, tc);

	tc = tcase_create("hangup");
	tcase_add_test(tc, test_hangup_now);
	tcase_add_test(tc, test_hangup_now_after_limit_teardown);
	tcase_add_test(tc, test_hangup_now_early_and_timer);
	suite_add_tcase(s, tc);

	tc = tcase_create("timer");
	tcase_add_test(tc, test_timer_first_probe_both_legs);
	tcase_add_test(tc, test_timer_both_confirm_restarts_window);
	tcase_add_test(tc, test_timer_only_unconfirmed_leg_reprobed);
	tcase_add_test(tc, test_timer_silent_callee_session_expired);
	tcase_add_test(tc, test_timer_verdict_without_answers);
	tcase_add_test(tc, test_timer_481_leg_gone_no_grace);
	tcase_add_test(tc, test_timer_grace_saves_call);
	tcase_add_test(tc, test_timer_grace_expires);
	tcase_add_test(tc, test_timer_grace_one_leg_not_enough);
	tcase_add_test(tc, test_timer_grace_481);
	tcase_add_test(tc, test_timer_refresh_restarts_window);
	tcase_add_test(tc, test_timer_final_codes);
	tcase_add_test(tc, test_timer_unsent_last_round);
	tcase_add_test(tc, test_teardown_recheck_after_fr_timer);
	tcase_add_test(tc, test_timer_late_process_waits_for_answers);
	tcase_add_test(tc, test_timer_late_process_dead_still_cut);
	tcase_add_test(tc, test_timer_no_stacked_probes);
	tcase_add_test(tc, test_timer_rhythm_three_segments);
	tcase_add_test(tc, test_probe_non_timer);
	tcase_add_test(tc, test_distrusted_timer_call_capped);
	tcase_add_test(tc, test_probe_runs_early_later_deadlines_keep_time);
	tcase_add_test(tc, test_early_probe_keeps_rhythm);
	suite_add_tcase(s, tc);

	tc = tcase_create("properties");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_property_live_never_cut);
	tcase_add_test(tc, test_property_dead_always_ended);
	tcase_add_test(tc, test_property_random_event_sequences);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_reason_header);
	suite_add_tcase(s, tc);
	return s;
}
