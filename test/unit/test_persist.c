/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* Unit tests: modules/vos_timer/vt_persist.c (what a call keeps with its
 * dialog across a restart) and vt_policy_restore() (re-arming it). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit_suites.h"
#include "vt_headers.h"
#include "vt_persist.h"
#include "vt_policy.h"

#define PROBE_TIMEOUT_MS 1000

static vt_persist_t sample(void)
{
	vt_persist_t p;

	memset(&p, 0, sizeof(p));
	p.params = vt_params_default;
	p.params.session_ttl_s = 4;
	p.params.update_segment = 2;
	p.params.early_hangup_s = 3;
	p.params.no_timer_limit_s = 8;
	p.params.probe_method = VT_PROBE_OPTIONS;
	p.params.probe_non_timer = 1;
	p.params.min_se_s = 120;
	p.mode = VT_MODE_TIMER;
	p.distrusted = 1;
	p.answered_unix_ms = 1764078000123ULL;
	p.invite_se_s = 1800;
	p.se_s = 300;
	p.refresher = VT_REFRESHER_UAS;
	return p;
}

static void assert_persist_eq(const vt_persist_t *a, const vt_persist_t *b)
{
	ck_assert_mem_eq(&a->params, &b->params, sizeof(a->params));
	ck_assert_int_eq(a->mode, b->mode);
	ck_assert_int_eq(a->distrusted, b->distrusted);
	ck_assert_uint_eq(a->answered_unix_ms, b->answered_unix_ms);
	ck_assert_uint_eq(a->invite_se_s, b->invite_se_s);
	ck_assert_uint_eq(a->se_s, b->se_s);
	ck_assert_int_eq(a->refresher, b->refresher);
}

static int parse(const char *s, vt_persist_t *out, char *err)
{
	return vt_persist_parse(
			s, strlen(s), &vt_params_default, out, err, VT_ERR_LEN);
}

START_TEST(test_persist_roundtrip)
{
	vt_persist_t p = sample(), q;
	char buf[VT_PERSIST_LEN], err[VT_ERR_LEN];
	int n;

	n = vt_persist_format(&p, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_str_eq(buf,
			"v=1;mode=timer;answered=1764078000123;distrusted=1;invite_se=1800;"
			"se=300;refresher=uas;session_ttl=4;update_segment=2;"
			"early_hangup=3;no_timer_limit=8;probe_method=OPTIONS;"
			"probe_non_timer=1;min_se=120");
	ck_assert_int_eq(parse(buf, &q, err), 0);
	assert_persist_eq(&p, &q);

	/* the widest values fit the buffer (and the dialog_vars column) */
	p.params.session_ttl_s = 86400;
	p.params.update_segment = 10;
	p.params.early_hangup_s = 3600;
	p.params.no_timer_limit_s = 604800;
	p.params.min_se_s = 86400;
	p.mode = VT_MODE_NON_TIMER;
	p.answered_unix_ms = 99999999999999ULL;
	p.invite_se_s = p.se_s = 2147483647u;
	p.refresher = VT_REFRESHER_NONE;
	n = vt_persist_format(&p, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_lt(n, 512);
	ck_assert_int_eq(parse(buf, &q, err), 0);
	assert_persist_eq(&p, &q);
	/* too small a buffer is refused, not truncated */
	ck_assert_int_eq(vt_persist_format(&p, buf, 40), -1);
}
END_TEST

START_TEST(test_persist_missing_settings_from_base)
{
	vt_persist_t q;
	vt_params_t base = vt_params_default;
	char err[VT_ERR_LEN];
	const char *s = "v=1;mode=non-timer;answered=5;no_timer_limit=60";

	base.session_ttl_s = 30;
	ck_assert_int_eq(
			vt_persist_parse(s, strlen(s), &base, &q, err, sizeof(err)), 0);
	ck_assert_int_eq(q.mode, VT_MODE_NON_TIMER);
	ck_assert_uint_eq(q.answered_unix_ms, 5);
	ck_assert_int_eq(q.params.no_timer_limit_s, 60);
	ck_assert_int_eq(q.params.session_ttl_s, 30);
	ck_assert_int_eq(q.refresher, VT_REFRESHER_NONE);
	/* settings are checked together: ttl 2 with segment 2 is fine even
	 * where the base has segment 10 */
	base.update_segment = 10;
	s = "v=1;mode=timer;answered=5;session_ttl=2;update_segment=2";
	ck_assert_int_eq(
			vt_persist_parse(s, strlen(s), &base, &q, err, sizeof(err)), 0);
	ck_assert_int_eq(q.params.session_ttl_s, 2);
}
END_TEST

START_TEST(test_persist_malformed)
{
	static const char *const bad[] = {
			"",
			"v=1;mode=timer",			  /* no answered */
			"mode=timer;answered=1",	  /* no v */
			"v=2;mode=timer;answered=1",  /* unknown version */
			"v=1;mode=fast;answered=1",	  /* bad mode */
			"v=1;mode=timer;answered=-1", /* signed */
			"v=1;mode=timer;answered=1x", /* trailing junk */
			"v=1;mode=timer;answered=99999999999999999999", /* > 2^63 */
			"v=1;mode=timer;answered=",						/* empty */
			"v=1;mode=timer;answered=1;answered=2",			/* repeated */
			"v=1;mode=timer;answered=1;distrusted=2",
			"v=1;mode=timer;answered=1;se=2147483648",
			"v=1;mode=timer;answered=1;refresher=both",
			"v=1;mode=timer;answered=1;colour=red",	   /* unknown */
			"v=1;mode=timer;answered=1;session_ttl=1", /* out of range */
			"v=1;mode=timer;answered=1;session_ttl=4;session_ttl=5",
			"v=1;mode=timer;answered=1;session_ttl=4;update_segment=5",
			"v=1;mode=timer;answered=1;;se=3", /* empty item */
			"v=1;mode=timer;answered 1",
			"v=1;mode=timer;answered=1;probe_method=INVITE",
	};
	vt_persist_t q, untouched;
	char err[VT_ERR_LEN];
	size_t i;

	memset(&untouched, 0x5a, sizeof(untouched));
	for(i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		q = untouched;
		err[0] = '\0';
		ck_assert_msg(parse(bad[i], &q, err) == -1, "accepted \"%s\"", bad[i]);
		ck_assert_msg(err[0] != '\0', "no reason for \"%s\"", bad[i]);
		ck_assert_msg(memcmp(&q, &untouched, sizeof(q)) == 0,
				"\"%s\" changed the output", bad[i]);
	}
}
END_TEST

START_TEST(test_persist_mutations_never_crash)
{
	/* a damaged database row: random byte changes and cuts of a valid
	 * text either parse to values in range or are refused (ASan/UBSan
	 * watch the rest) */
	vt_persist_t p = sample(), q;
	char good[VT_PERSIST_LEN], buf[VT_PERSIST_LEN], err[VT_ERR_LEN];
	static const char alphabet[] = "=;0123456789aeimrstuv-x ";
	int n, i, k, len;
	unsigned int seed = 12345;

	n = vt_persist_format(&p, good, sizeof(good));
	for(i = 0; i < 20000; i++) {
		memcpy(buf, good, (size_t)n);
		len = n;
		for(k = rand_r(&seed) % 4; k >= 0; k--)
			buf[rand_r(&seed) % len] =
					alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
		if(rand_r(&seed) % 3 == 0)
			len = rand_r(&seed) % (len + 1);
		if(vt_persist_parse(
				   buf, (size_t)len, &vt_params_default, &q, err, sizeof(err))
				== 0) {
			vt_params_t chk = q.params;
			char e2[VT_ERR_LEN];

			ck_assert_int_eq(
					vt_params_check_consistency(&chk, e2, sizeof(e2)), 0);
			ck_assert(q.mode == VT_MODE_TIMER || q.mode == VT_MODE_NON_TIMER);
			ck_assert(q.distrusted == 0 || q.distrusted == 1);
			ck_assert_uint_le(q.se_s, 2147483647u);
		}
	}
}
END_TEST

/* vt_policy_restore */

static vt_params_t restore_params(int ttl, int seg, int ntl)
{
	vt_params_t p = vt_params_default;

	p.session_ttl_s = ttl;
	p.update_segment = seg;
	p.no_timer_limit_s = ntl;
	return p;
}

START_TEST(test_restore_non_timer_keeps_original_cap)
{
	vt_policy_t pc;
	vt_params_t p = restore_params(4, 2, 8);
	vt_decision_t d;

	/* answered 3 s before the restart: the cap is 5 s away, not 8 */
	vt_policy_restore(
			&pc, &p, VT_MODE_NON_TIMER, 0, 77, 3000, PROBE_TIMEOUT_MS, 100000);
	ck_assert_int_eq(pc.state, VT_ST_ACTIVE);
	ck_assert_uint_eq(pc.answered_ms, 97000);
	ck_assert_uint_eq(pc.next_ms, 105000);
	ck_assert_int_eq(pc.next_action, VT_ACT_TEARDOWN);
	ck_assert_int_eq(pc.reason, VT_REASON_NO_TIMER_LIMIT);
	d = vt_policy_on_deadline(&pc, 105000);
	ck_assert_int_eq(d.action, VT_ACT_TEARDOWN);
	ck_assert_int_eq(d.reason, VT_REASON_NO_TIMER_LIMIT);

	/* the cap passed while Kamailio was down: due at once, not in the past */
	vt_policy_restore(
			&pc, &p, VT_MODE_NON_TIMER, 0, 77, 9000, PROBE_TIMEOUT_MS, 100000);
	ck_assert_uint_eq(pc.next_ms, 100000);
	ck_assert_int_eq(pc.next_action, VT_ACT_TEARDOWN);

	/* no_timer_limit 0: nothing due */
	p.no_timer_limit_s = 0;
	vt_policy_restore(
			&pc, &p, VT_MODE_NON_TIMER, 0, 77, 9000, PROBE_TIMEOUT_MS, 100000);
	ck_assert_uint_eq(pc.next_ms, VT_NO_DEADLINE);
}
END_TEST

START_TEST(test_restore_distrusted_timer_call_keeps_cap)
{
	vt_policy_t pc;
	vt_params_t p = restore_params(40, 2, 30);

	vt_policy_restore(
			&pc, &p, VT_MODE_TIMER, 1, 0, 25000, PROBE_TIMEOUT_MS, 1000000);
	ck_assert_int_eq(pc.distrusted, 1);
	ck_assert_uint_eq(pc.cap_ms, 1005000);
	/* probes go on too; the cap comes first here */
	ck_assert_uint_eq(pc.next_ms, 1005000);
	ck_assert_int_eq(pc.next_action, VT_ACT_TEARDOWN);
}
END_TEST

/* The cap of a restored call saturates like every other deadline: near
 * the end of the clock it is "never", not a time that wrapped into the
 * past. */
START_TEST(test_restore_cap_saturates)
{
	vt_params_t p = restore_params(40, 2, 3600);
	vt_policy_t pc;

	vt_policy_restore(&pc, &p, VT_MODE_NON_TIMER, 0, 0, 1000, PROBE_TIMEOUT_MS,
			UINT64_MAX - 100);
	ck_assert_uint_eq(pc.cap_ms, VT_NO_DEADLINE);
}
END_TEST

START_TEST(test_restore_timer_phase)
{
	/* I = 2 s; over many elapsed times and spreading keys: the next probe
	 * is in (now, now + I], the window never starts after now, and the
	 * verdict of a silent call is no later than now + ttl + probe timeout
	 * + slack */
	vt_params_t p = restore_params(4, 2, 7200);
	const uint64_t now = 500000;
	uint64_t elapsed;
	unsigned int key;
	vt_policy_t pc;

	for(key = 0; key < 65536; key += 4099) {
		for(elapsed = 0; elapsed < 20000; elapsed += 37) {
			vt_policy_restore(&pc, &p, VT_MODE_TIMER, 0, (uint16_t)key, elapsed,
					PROBE_TIMEOUT_MS, now);
			ck_assert_int_eq(pc.next_action, VT_ACT_PROBE);
			ck_assert_uint_gt(pc.next_ms, now);
			ck_assert_uint_le(pc.next_ms, now + 2000);
			ck_assert_uint_le(pc.window_ms, now);
			ck_assert_uint_eq(pc.cap_ms, VT_NO_DEADLINE);
			ck_assert_uint_le(pc.window_ms + 4000 + PROBE_TIMEOUT_MS
									  + VT_VERDICT_SLACK_MS,
					now + 4000 + PROBE_TIMEOUT_MS + VT_VERDICT_SLACK_MS);
		}
	}
	/* the phase of a call answered at a probe boundary: answered 10 s ago
	 * (no spreading lead once past the first window) -> a boundary now,
	 * next probe one interval on */
	vt_policy_restore(
			&pc, &p, VT_MODE_TIMER, 0, 0, 10000, PROBE_TIMEOUT_MS, now);
	ck_assert_uint_eq(pc.window_ms, now);
	ck_assert_uint_eq(pc.next_ms, now + 2000);
	/* 10.5 s ago: the boundary was 0.5 s ago */
	vt_policy_restore(
			&pc, &p, VT_MODE_TIMER, 0, 0, 10500, PROBE_TIMEOUT_MS, now);
	ck_assert_uint_eq(pc.next_ms, now + 1500);
	/* first window, 1 s after the answer: probe as planned at answer + I */
	vt_policy_restore(
			&pc, &p, VT_MODE_TIMER, 0, 0, 1000, PROBE_TIMEOUT_MS, now);
	ck_assert_uint_eq(pc.next_ms, now + 1000);
	/* answered before this host's monotonic clock began */
	vt_policy_restore(
			&pc, &p, VT_MODE_TIMER, 0, 123, 900000, PROBE_TIMEOUT_MS, now);
	ck_assert_uint_gt(pc.next_ms, now);
	ck_assert_uint_le(pc.next_ms, now + 2000);
}
END_TEST

START_TEST(test_restore_silent_leg_torn_down_in_time)
{
	/* a restored call whose callee died during the restart: probes at the
	 * phase, unanswered (408), session-expired by now + ttl + timeout +
	 * slack at the latest */
	vt_params_t p = restore_params(4, 2, 7200);
	const uint64_t now = 800000;
	vt_policy_t pc;
	vt_decision_t d;
	uint64_t t;
	int teardown = 0;

	vt_policy_restore(
			&pc, &p, VT_MODE_TIMER, 0, 999, 7300, PROBE_TIMEOUT_MS, now);
	for(t = now; t <= now + 4000 + PROBE_TIMEOUT_MS + VT_VERDICT_SLACK_MS
				 && !teardown;
			t += 10) {
		if(t < pc.next_ms)
			continue;
		d = vt_policy_on_deadline(&pc, t);
		if(d.action == VT_ACT_PROBE) {
			if(d.legs & VT_LEG_CALLER)
				vt_policy_probe_result(&pc, VT_LEG_CALLER, 200, t + 5);
			if(d.legs & VT_LEG_CALLEE)
				vt_policy_probe_result(
						&pc, VT_LEG_CALLEE, 408, t + PROBE_TIMEOUT_MS);
		}
		if(d.action == VT_ACT_TEARDOWN) {
			ck_assert_int_eq(d.reason, VT_REASON_SESSION_EXPIRED);
			teardown = 1;
		}
	}
	ck_assert_msg(teardown, "no teardown by now + ttl + timeout + slack");
}
END_TEST

Suite *persist_suite(void)
{
	Suite *s = suite_create("persist");
	TCase *tc = tcase_create("persist");

	tcase_add_test(tc, test_persist_roundtrip);
	tcase_add_test(tc, test_persist_missing_settings_from_base);
	tcase_add_test(tc, test_persist_malformed);
	tcase_add_test(tc, test_persist_mutations_never_crash);
	tcase_add_test(tc, test_restore_non_timer_keeps_original_cap);
	tcase_add_test(tc, test_restore_distrusted_timer_call_keeps_cap);
	tcase_add_test(tc, test_restore_cap_saturates);
	tcase_add_test(tc, test_restore_timer_phase);
	tcase_add_test(tc, test_restore_silent_leg_torn_down_in_time);
	suite_add_tcase(s, tc);
	return s;
}
