/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* vt_store.c: shm call records and the deadline heap under one lock,
 * compiled against small stand-ins for Kamailio's lock, shm, pkg and log
 * headers (kamailio/core/), which count blocks and fail on demand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit_suites.h"
#include "vt_store.h"

extern int vt_stub_pkg_fail_after;
extern long vt_stub_pkg_live;
extern long vt_stub_shm_live;
extern long vt_stub_lock_gets;

#define T0 100000
#define TIMEOUT_MS 1000

static vt_params_t timer_params(void)
{
	vt_params_t p = vt_params_default;

	p.session_ttl_s = 4;
	p.update_segment = 2; /* I = 2 s */
	p.no_timer_limit_s = 3;
	return p;
}

static str callid_of(const char *s)
{
	str c;

	c.s = (char *)s;
	c.len = (int)strlen(s);
	return c;
}

/* manage + answer a call of the given mode at `at` */
static void up(
		vt_dlg_key_t key, const char *callid, vt_mode_t mode, uint64_t at)
{
	vt_params_t p = timer_params();
	vt_answer_t ans = {0, 0};
	str c = callid_of(callid);

	ck_assert_int_eq(
			vt_store_manage(key, &c, &p, mode, 0, TIMEOUT_MS, at), VT_SR_DONE);
	ck_assert_int_eq(vt_store_answered(key, &ans, at), VT_SR_DONE);
}

/* The jobs' Call-IDs (vt_store_take_due()'s buffer) */
static char job_buf[4096];

/* Everything due at now: the jobs' actions and legs, in order */
static int due(uint64_t now, vt_job_t *jobs, int max)
{
	return vt_store_take_due(
			now, VT_TAKE_EARLY_PROBES, jobs, max, job_buf, sizeof(job_buf));
}

static void clean(vt_job_t *jobs, int n)
{
	int i;

	for(i = 0; i < n; i++)
		vt_store_job_clean(&jobs[i]);
}

static void setup(void)
{
	ck_assert_int_eq(vt_store_init(), 0);
}

static void teardown(void)
{
	vt_store_destroy();
	ck_assert_int_eq(vt_stub_shm_live, 0);
	ck_assert_int_eq(vt_stub_pkg_live, 0);
}

/* The deadline process takes work in batches: what does not fit (max
 * jobs, or the Call-IDs' buffer) stays due, in order, for the next batch;
 * nothing is lost and no memory is allocated. */
START_TEST(test_take_due_in_batches)
{
	vt_dlg_key_t k;
	vt_job_t jobs[8];
	char small[20];
	long pkg = vt_stub_pkg_live;
	int i, n;

	for(i = 0; i < 5; i++) {
		char name[24];

		snprintf(name, sizeof(name), "batch-%d", i); /* 7 bytes + NUL */
		k.h_entry = 7;
		k.h_id = (unsigned int)i;
		/* 600 ms apart: more than the spreading lead (I / 4), so the
		 * first probes are due in this order */
		up(k, name, VT_MODE_TIMER, T0 + (uint64_t)i * 600);
	}
	vt_stub_pkg_fail_after = 0; /* taking work must not need pkg */
	n = vt_store_take_due(
			T0 + 4400, VT_TAKE_EARLY_PROBES, jobs, 2, job_buf, sizeof(job_buf));
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(jobs[0].callid.s, "batch-0");
	ck_assert_str_eq(jobs[1].callid.s, "batch-1");
	/* room for two Call-IDs of 8 bytes in 20: the third waits */
	n = vt_store_take_due(
			T0 + 4400, VT_TAKE_EARLY_PROBES, jobs, 8, small, sizeof(small));
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(jobs[0].callid.s, "batch-2");
	ck_assert_str_eq(jobs[1].callid.s, "batch-3");
	n = vt_store_take_due(
			T0 + 4400, VT_TAKE_EARLY_PROBES, jobs, 8, job_buf, sizeof(job_buf));
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(jobs[0].callid.s, "batch-4");
	ck_assert_int_eq(jobs[0].action, VT_ACT_PROBE);
	ck_assert_uint_eq(jobs[0].legs, VT_LEGS_BOTH);
	ck_assert_uint_le(jobs[0].due_ms, T0 + 2400 + 2000);
	ck_assert_uint_ge(jobs[0].due_ms, T0 + 2400 + 2000 - 500);
	ck_assert_int_eq(vt_stub_pkg_live, pkg);
	vt_stub_pkg_fail_after = -1;
	ck_assert_int_eq(vt_store_take_due(T0 + 4400, VT_TAKE_EARLY_PROBES, jobs, 8,
							 job_buf, sizeof(job_buf)),
			0);
}
END_TEST

static int wakes;

static void count_wake(void)
{
	wakes++;
}

/* The deadline process sleeps until the earliest deadline, not before its
 * floor; a process arming an earlier deadline wakes it, once, and only
 * when that is earlier than it would wake anyway; nobody wakes it while
 * it is awake (taking work). */
START_TEST(test_sleep_plan_and_wake)
{
	vt_dlg_key_t a = {9, 1}, b = {9, 2}, c = {9, 3}, d = {9, 4};
	vt_store_counts_t cnt;
	vt_job_t jobs[4];
	uint64_t at;
	str cid;

	wakes = 0;
	vt_store_set_waker(count_wake);
	ck_assert_uint_eq(vt_store_plan_sleep(T0 + 50, T0 + 100), VT_NO_DEADLINE);
	up(a, "sleep-a", VT_MODE_NON_TIMER, T0); /* cap due at T0 + 3000 */
	ck_assert_int_eq(wakes, 1);
	at = vt_store_plan_sleep(T0 + 50, T0 + 100);
	ck_assert_uint_eq(at, T0 + 3000);
	/* later than the planned wake-up: nobody is woken */
	up(b, "sleep-b", VT_MODE_NON_TIMER, T0 + 10);
	ck_assert_int_eq(wakes, 1);
	/* earlier: woken */
	up(c, "sleep-c", VT_MODE_TIMER, T0); /* probe due by T0 + 2000 */
	ck_assert_int_eq(wakes, 2);
	ck_assert_int_eq(due(T0 + 2000, jobs, 4), 1);
	ck_assert_int_eq(jobs[0].action, VT_ACT_PROBE);
	clean(jobs, 1);
	at = vt_store_plan_sleep(T0 + 2050, T0 + 2100);
	ck_assert_uint_eq(at, T0 + 3000);
	/* a 481: its teardown is due now, so the process wakes at its floor */
	ck_assert_int_eq(vt_store_probe_result(c, VT_LEG_CALLER, 481, T0 + 2010),
			VT_SR_DONE);
	ck_assert_int_eq(wakes, 3);
	at = vt_store_plan_sleep(T0 + 2070, T0 + 2120);
	ck_assert_uint_eq(at, T0 + 2070);
	/* an operator hang-up runs at once; its recheck is later: no wake */
	cid = callid_of("sleep-b");
	ck_assert_int_eq(vt_store_hangup(&cid, VT_REASON_ADMIN, T0 + 2020, jobs),
			VT_SR_DONE);
	vt_store_job_clean(&jobs[0]);
	ck_assert_int_eq(wakes, 3);
	/* awake while taking: arming wakes nobody */
	ck_assert_int_eq(due(T0 + 2070, jobs, 4), 1);
	ck_assert_int_eq(jobs[0].action, VT_ACT_TEARDOWN);
	clean(jobs, 1);
	up(d, "sleep-d", VT_MODE_NON_TIMER, T0 + 2070);
	ck_assert_int_eq(wakes, 3);
	vt_store_counts(&cnt);
	ck_assert_uint_eq(cnt.non_timer + cnt.teardown + cnt.timer, 4);
	vt_store_set_waker(NULL);
}
END_TEST

/* A probe may run VT_PROBE_LEAD_MS before its deadline, so the process
 * plans to wake that early for one, though not before its probe floor; a
 * run that takes only what is due (VT_TAKE_DUE) leaves it, and a
 * teardown runs at its deadline, never before. The job keeps the
 * deadline's own time (lateness is counted from it). */
START_TEST(test_probe_runs_early_teardown_not)
{
	vt_dlg_key_t p = {11, 1}, t = {11, 2};
	vt_job_t jobs[4];
	uint64_t d, at;

	up(p, "early-probe", VT_MODE_TIMER, T0);
	/* the first probe: within a quarter interval (500 ms) before T0 + 2000 */
	at = vt_store_plan_sleep(T0 + 50, T0 + 100);
	ck_assert_uint_ge(at, T0 + 2000 - 500 - VT_PROBE_LEAD_MS);
	ck_assert_uint_le(at, T0 + 2000 - VT_PROBE_LEAD_MS);
	d = at + VT_PROBE_LEAD_MS;
	/* the probe floor holds it back; the plain floor does not apply */
	ck_assert_uint_eq(vt_store_plan_sleep(d - 200, d - 10), d - 10);
	ck_assert_uint_eq(
			vt_store_plan_sleep(d - 10, d - 200), d - VT_PROBE_LEAD_MS);
	ck_assert_int_eq(due(d - VT_PROBE_LEAD_MS - 1, jobs, 4), 0);
	/* a run that may not take probes early (one soon after the last
	 * probe run) leaves it until its time */
	ck_assert_int_eq(vt_store_take_due(d - 1, VT_TAKE_DUE, jobs, 4, job_buf,
							 sizeof(job_buf)),
			0);
	ck_assert_int_eq(due(d - VT_PROBE_LEAD_MS, jobs, 4), 1);
	ck_assert_int_eq(jobs[0].action, VT_ACT_PROBE);
	ck_assert_uint_eq(jobs[0].due_ms, d);
	clean(jobs, 1);
	/* a non-timer call's cap (a teardown) at T0 + 3000: not a ms early */
	up(t, "early-teardown", VT_MODE_NON_TIMER, T0);
	ck_assert_uint_eq(vt_store_plan_sleep(T0 + 2900, T0 + 2900), T0 + 3000);
	ck_assert_int_eq(due(T0 + 2999, jobs, 4), 0);
	ck_assert_int_eq(vt_store_take_due(T0 + 3000, VT_TAKE_DUE, jobs, 4, job_buf,
							 sizeof(job_buf)),
			1);
	ck_assert_int_eq(jobs[0].action, VT_ACT_TEARDOWN);
	clean(jobs, 1);
}
END_TEST

/* vos_timer.list reads the clock before it takes the lock; a call answered
 * in between is younger than "now": never listed as old (age would wrap). */
START_TEST(test_views_age_no_underflow)
{
	vt_dlg_key_t k = {1, 3};
	vt_call_view_t *v;
	int n;

	up(k, "young", VT_MODE_TIMER, T0);
	n = vt_store_views(T0 - 5, 3600 * 1000, NULL, &v);
	ck_assert_int_eq(n, 0);
	vt_store_views_free(v, n);
	n = vt_store_views(T0 - 5, 0, NULL, &v);
	ck_assert_int_eq(n, 1);
	ck_assert_uint_eq(v[0].age_ms, 0);
	ck_assert_int_ge(v[0].window_age_ms, 0);
	vt_store_views_free(v, n);
}
END_TEST

/* Two dialogs share a Call-ID. hangup ends one; asked again, it answers
 * "already being ended" and leaves the other alone. */
START_TEST(test_hangup_one_dialog_per_callid)
{
	vt_dlg_key_t a = {7, 100}, b = {9, 200};
	str cid = callid_of("same-call-id");
	vt_store_counts_t c;
	vt_job_t j;

	up(a, "same-call-id", VT_MODE_TIMER, T0);
	up(b, "same-call-id", VT_MODE_TIMER, T0);
	ck_assert_int_eq(
			vt_store_hangup(&cid, VT_REASON_ADMIN, T0 + 10, &j), VT_SR_DONE);
	ck_assert_int_eq(j.action, VT_ACT_TEARDOWN);
	vt_store_job_clean(&j);
	ck_assert_int_eq(
			vt_store_hangup(&cid, VT_REASON_ADMIN, T0 + 20, &j), VT_SR_ENDING);
	vt_store_counts(&c);
	ck_assert_uint_eq(c.teardown, 1);
	ck_assert_uint_eq(c.timer, 1);
}
END_TEST

/* Out of pkg memory for the hangup's job: nothing changes (the call is
 * not left armed for a teardown the caller was told failed), and the
 * next try works. */
START_TEST(test_hangup_out_of_pkg_changes_nothing)
{
	vt_dlg_key_t k = {3, 4};
	str cid = callid_of("oom-hangup");
	vt_store_counts_t c;
	vt_job_t j;

	up(k, "oom-hangup", VT_MODE_TIMER, T0);
	vt_stub_pkg_fail_after = 0;
	ck_assert_int_eq(
			vt_store_hangup(&cid, VT_REASON_ADMIN, T0 + 10, &j), VT_SR_NOMEM);
	vt_store_counts(&c);
	ck_assert_uint_eq(c.teardown, 0);
	ck_assert_uint_eq(c.timer, 1);
	ck_assert_int_eq(
			vt_store_hangup(&cid, VT_REASON_ADMIN, T0 + 20, &j), VT_SR_DONE);
	vt_store_job_clean(&j);
}
END_TEST

START_TEST(test_hangup_early_unknown)
{
	vt_dlg_key_t k = {5, 6};
	vt_params_t p = timer_params();
	str cid = callid_of("ringing"), other = callid_of("nobody");
	vt_job_t j;

	ck_assert_int_eq(
			vt_store_manage(k, &cid, &p, VT_MODE_TIMER, 0, TIMEOUT_MS, T0),
			VT_SR_DONE);
	ck_assert_int_eq(
			vt_store_hangup(&cid, VT_REASON_ADMIN, T0, &j), VT_SR_EARLY);
	ck_assert_int_eq(
			vt_store_hangup(&other, VT_REASON_ADMIN, T0, &j), VT_SR_NONE);
	/* managing twice is harmless */
	ck_assert_int_eq(
			vt_store_manage(k, &cid, &p, VT_MODE_TIMER, 0, TIMEOUT_MS, T0),
			VT_SR_EXISTS);
	ck_assert_int_eq(vt_store_release(k), VT_SR_DONE);
	ck_assert_int_eq(vt_store_release(k), VT_SR_NONE);
}
END_TEST

/* The per-state counts always equal a recount of the records, whatever
 * happens to the calls in whatever order. */
static void assert_counts_match(uint64_t now)
{
	vt_store_counts_t c;
	vt_call_view_t *v;
	unsigned int early = 0, timer = 0, non_timer = 0, teardown = 0, grace = 0;
	int n, i;

	vt_store_counts(&c);
	n = vt_store_views(now, 0, NULL, &v);
	ck_assert_int_ge(n, 0);
	for(i = 0; i < n; i++) {
		switch(v[i].state) {
			case VT_ST_EARLY:
				early++;
				break;
			case VT_ST_TEARDOWN:
				teardown++;
				break;
			default:
				if(v[i].state == VT_ST_GRACE)
					grace++;
				if(v[i].mode == VT_MODE_TIMER)
					timer++;
				else
					non_timer++;
		}
	}
	vt_store_views_free(v, n);
	ck_assert_uint_eq(c.early, early);
	ck_assert_uint_eq(c.timer, timer);
	ck_assert_uint_eq(c.non_timer, non_timer);
	ck_assert_uint_eq(c.teardown, teardown);
	ck_assert_uint_eq(c.grace, grace);
}

START_TEST(test_counts_match_recount_random)
{
	vt_params_t p = timer_params();
	vt_answer_t ans = {0, 0};
	char name[32];
	str cid;
	uint64_t now = T0;
	vt_job_t j;
	int step, op, id;
	unsigned int seed = 12345;

	p.early_hangup_s = 1;
	for(step = 0; step < 20000; step++) {
		seed = seed * 1103515245u + 12345u;
		op = (int)((seed >> 16) % 8);
		id = (int)((seed >> 8) % 40);
		vt_dlg_key_t k = {(unsigned int)id, (unsigned int)id * 7 + 1};
		snprintf(name, sizeof(name), "call-%d", id);
		cid = callid_of(name);
		switch(op) {
			case 0:
				vt_store_manage(k, &cid, &p,
						id % 3 ? VT_MODE_TIMER : VT_MODE_NON_TIMER, 0,
						TIMEOUT_MS, now);
				break;
			case 1:
				ans.se_s = id % 5 ? 0 : 90;
				vt_store_answered(k, &ans, now);
				break;
			case 2:
				vt_store_release(k);
				break;
			case 3:
				vt_store_probe_result(k, id % 2 ? VT_LEG_CALLER : VT_LEG_CALLEE,
						(int)((seed >> 4) % 3 == 0 ? 408 : 200), now);
				break;
			case 4:
				vt_store_refreshed(k, now);
				break;
			case 5:
				if(vt_store_hangup(&cid, VT_REASON_ADMIN, now, &j) == 1)
					vt_store_job_clean(&j);
				break;
			case 6:
				vt_store_distrust(k, now);
				break;
			default:
				now += (seed >> 4) % 1500;
				while(due(now, &j, 1) > 0)
					vt_store_job_clean(&j);
		}
		assert_counts_match(now);
	}
}
END_TEST

/* A held teardown: the record outlives the dialog module's callbacks,
 * tracks each leg's BYE, and hands the dialog back when the last is done. */
static int fake_dlg;

static void to_teardown(vt_dlg_key_t k, const char *cid, uint64_t *t)
{
	vt_job_t jobs[2];
	int n;

	up(k, cid, VT_MODE_NON_TIMER, T0);
	*t = T0 + 3000;
	n = due(*t, jobs, 2);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(jobs[0].action, VT_ACT_TEARDOWN);
	clean(jobs, n);
	ck_assert_int_eq(vt_store_teardown_hold(k, &fake_dlg), VT_SR_DONE);
}

START_TEST(test_teardown_all_byes_answered)
{
	vt_dlg_key_t k = {2, 1};
	vt_store_counts_t c;
	uint64_t t;

	to_teardown(k, "held-ok", &t);
	ck_assert_int_eq(
			vt_store_teardown_hold(k, &fake_dlg), VT_SR_NONE); /* once */
	vt_store_bye_sent(k, VT_LEG_CALLER);
	/* the dialog module's DLGCB_TERMINATED: the record stays */
	ck_assert_int_eq(vt_store_release(k), VT_SR_NONE);
	vt_store_bye_sent(k, VT_LEG_CALLEE);
	ck_assert_ptr_null(vt_store_bye_done(k, VT_LEG_CALLER, 0));
	ck_assert_ptr_null(vt_store_teardown_settle(k)); /* callee pending */
	/* the last answer hands the dialog back; the record is gone */
	ck_assert_ptr_eq(vt_store_bye_done(k, VT_LEG_CALLEE, 0), &fake_dlg);
	vt_store_counts(&c);
	ck_assert_uint_eq(c.teardown, 0);
	ck_assert_int_eq(vt_store_release(k), VT_SR_NONE);
}
END_TEST

START_TEST(test_teardown_answers_before_settle)
{
	vt_dlg_key_t k = {2, 2};
	uint64_t t;

	to_teardown(k, "held-fast", &t);
	vt_store_bye_sent(k, VT_LEGS_BOTH);
	/* both answered while the sending process is still at it */
	ck_assert_ptr_null(vt_store_bye_done(k, VT_LEG_CALLER, 0));
	ck_assert_ptr_null(vt_store_bye_done(k, VT_LEG_CALLEE, 0));
	ck_assert_ptr_eq(vt_store_teardown_settle(k), &fake_dlg);
}
END_TEST

START_TEST(test_teardown_bye_again_at_recheck)
{
	vt_dlg_key_t k = {2, 3};
	vt_job_t jobs[2];
	uint64_t t;
	int n;

	to_teardown(k, "held-retry", &t);
	vt_store_bye_sent(k, VT_LEGS_BOTH);
	ck_assert_ptr_null(vt_store_bye_done(k, VT_LEG_CALLER, 0));
	ck_assert_ptr_null(vt_store_bye_done(k, VT_LEG_CALLEE, 1)); /* tm's 503 */
	ck_assert_ptr_null(vt_store_teardown_settle(k));
	/* the recheck sends the callee's BYE again, with the dialog */
	n = due(t + VT_TEARDOWN_RECHECK_MS, jobs, 2);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(jobs[0].action, VT_ACT_TEARDOWN_RETRY);
	ck_assert_uint_eq(jobs[0].legs, VT_LEG_CALLEE);
	ck_assert_ptr_eq(jobs[0].held, &fake_dlg);
	clean(jobs, n);
	vt_store_bye_sent(k, VT_LEG_CALLEE);
	ck_assert_ptr_null(vt_store_teardown_settle(k));
	ck_assert_ptr_eq(vt_store_bye_done(k, VT_LEG_CALLEE, 0), &fake_dlg);
}
END_TEST

START_TEST(test_teardown_gives_up_with_the_dialog)
{
	vt_dlg_key_t k = {2, 4};
	vt_store_counts_t c;
	vt_job_t jobs[2];
	uint64_t t;
	int n, i;

	to_teardown(k, "held-never", &t);
	vt_store_bye_sent(k, VT_LEG_CALLER);
	ck_assert_ptr_null(vt_store_bye_done(k, VT_LEG_CALLER, 1));
	ck_assert_ptr_null(vt_store_teardown_settle(k));
	for(i = 1; i < VT_TEARDOWN_MAX_TRIES; i++) {
		n = due(t + (uint64_t)i * VT_TEARDOWN_RECHECK_MS, jobs, 2);
		ck_assert_int_eq(n, 1);
		ck_assert_int_eq(jobs[0].action, VT_ACT_TEARDOWN_RETRY);
		ck_assert_uint_eq(jobs[0].legs, VT_LEG_CALLER);
		clean(jobs, n);
		/* it cannot be sent this time either */
		vt_store_bye_sent(k, VT_LEG_CALLER);
		ck_assert_ptr_null(vt_store_bye_done(k, VT_LEG_CALLER, 1));
		ck_assert_ptr_null(vt_store_teardown_settle(k));
	}
	n = due(t + (uint64_t)i * VT_TEARDOWN_RECHECK_MS, jobs, 2);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(jobs[0].action, VT_ACT_FORGET);
	ck_assert_uint_eq(jobs[0].legs, VT_LEG_CALLER);
	ck_assert_ptr_eq(jobs[0].held, &fake_dlg);
	clean(jobs, n);
	vt_store_counts(&c);
	ck_assert_uint_eq(c.teardown, 0);
}
END_TEST

/* 5000 calls. vos_timer.list takes the store lock once per chunk of hash
 * slots, never for the whole scan; pages (offset, limit) cover every call
 * exactly once; the Call-ID index finds each call after others with the
 * same slot came and went; a page that cannot grow its array (out of pkg)
 * fails cleanly. */
#define MANY 5000
START_TEST(test_list_chunks_pages_and_index)
{
	static char seen[MANY];
	vt_call_view_t *v;
	char name[32];
	str cid;
	vt_job_t j;
	long gets, live;
	int n, i, page, total = 0, id;

	for(i = 0; i < MANY; i++) {
		vt_dlg_key_t k = {(unsigned int)i, (unsigned int)i * 3 + 1};
		snprintf(name, sizeof(name), "many-%d", i);
		up(k, name, VT_MODE_TIMER, T0);
	}
	live = vt_stub_pkg_live;
	gets = vt_stub_lock_gets;
	n = vt_store_list(T0, 0, 0, 0, &v);
	ck_assert_int_eq(n, MANY);
	/* 8192 slots in chunks of 256: at least 32 holds, plus regrowths */
	ck_assert_int_ge(vt_stub_lock_gets - gets, 32);
	vt_store_views_free(v, n);
	ck_assert_int_eq(vt_stub_pkg_live, live);

	memset(seen, 0, sizeof(seen));
	for(page = 0;; page++) {
		n = vt_store_list(T0, 0, (unsigned int)page * 700, 700, &v);
		ck_assert_int_ge(n, 0);
		ck_assert_int_le(n, 700);
		for(i = 0; i < n; i++) {
			ck_assert_int_eq(sscanf(v[i].callid.s, "many-%d", &id), 1);
			ck_assert_int_eq(seen[id], 0);
			seen[id] = 1;
			total++;
		}
		vt_store_views_free(v, n);
		if(n < 700)
			break;
	}
	ck_assert_int_eq(total, MANY);
	/* the age filter counts before the offset: nothing is 1 s old */
	n = vt_store_list(T0 + 999, 1000, 0, 0, &v);
	ck_assert_int_eq(n, 0);
	vt_store_views_free(v, n);

	/* index: release every other call, then find each one left */
	for(i = 0; i < MANY; i += 2) {
		vt_dlg_key_t k = {(unsigned int)i, (unsigned int)i * 3 + 1};
		ck_assert_int_eq(vt_store_release(k), VT_SR_DONE);
	}
	for(i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "many-%d", i);
		cid = callid_of(name);
		n = vt_store_views(T0, 0, &cid, &v);
		ck_assert_int_eq(n, i % 2);
		if(n == 1)
			ck_assert_str_eq(v[0].callid.s, name);
		vt_store_views_free(v, n);
	}
	cid = callid_of("many-4999");
	ck_assert_int_eq(
			vt_store_hangup(&cid, VT_REASON_ADMIN, T0 + 1, &j), VT_SR_DONE);
	vt_store_job_clean(&j);
	cid = callid_of("many-4998");
	ck_assert_int_eq(
			vt_store_hangup(&cid, VT_REASON_ADMIN, T0 + 1, &j), VT_SR_NONE);

	/* out of pkg while the array grows: -1, nothing leaked */
	live = vt_stub_pkg_live;
	vt_stub_pkg_fail_after = 3;
	n = vt_store_list(T0, 0, 0, 0, &v);
	ck_assert_int_eq(n, -1);
	ck_assert_int_eq(vt_stub_pkg_live, live);
	vt_stub_pkg_fail_after = -1;
}
END_TEST

Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_take_due_in_batches);
	tcase_add_test(tc, test_sleep_plan_and_wake);
	tcase_add_test(tc, test_probe_runs_early_teardown_not);
	tcase_add_test(tc, test_views_age_no_underflow);
	tcase_add_test(tc, test_hangup_one_dialog_per_callid);
	tcase_add_test(tc, test_hangup_out_of_pkg_changes_nothing);
	tcase_add_test(tc, test_hangup_early_unknown);
	tcase_add_test(tc, test_counts_match_recount_random);
	tcase_add_test(tc, test_teardown_all_byes_answered);
	tcase_add_test(tc, test_teardown_answers_before_settle);
	tcase_add_test(tc, test_teardown_bye_again_at_recheck);
	tcase_add_test(tc, test_teardown_gives_up_with_the_dialog);
	tcase_add_test(tc, test_list_chunks_pages_and_index);
	suite_add_tcase(s, tc);
	return s;
}
