/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* Unit tests: modules/vos_timer/vt_rfc4028.c (RFC 4028 section 8.1; doc/
 * section "The proxy's part of RFC 4028"). Facts are built by hand here, so these
 * tests do not depend on the header parser. */
#include <string.h>

#include "unit_suites.h"
#include "vt_rfc4028.h"

static vt_params_t params(int ttl, int min_se)
{
	vt_params_t p = vt_params_default;

	p.session_ttl_s = ttl;
	p.min_se_s = min_se;
	return p;
}

/* An INVITE with Session-Expires se (0: none), Min-SE min (0: none),
 * Supported: timer or not. */
static vt_timer_facts_t invite(uint32_t se, uint32_t min, int supported)
{
	vt_timer_facts_t f;

	memset(&f, 0, sizeof(f));
	if(se) {
		f.se = VT_HV_OK;
		f.se_val.secs = se;
	}
	if(min) {
		f.min_se = VT_HV_OK;
		f.min_se_val.secs = min;
	}
	f.supports_timer = supported;
	return f;
}

static vt_se_decision_t decide(vt_timer_facts_t f, int ttl, int min_se)
{
	vt_params_t p = params(ttl, min_se);

	return vt_rfc4028_invite(&f, &p);
}

START_TEST(test_in_range_passes)
{
	vt_se_decision_t d;

	d = decide(invite(600, 0, 1), 600, 90);
	ck_assert_int_eq(d.action, VT_SE_PASS);
	d = decide(invite(90, 0, 1), 600, 90); /* == min_se */
	ck_assert_int_eq(d.action, VT_SE_PASS);
	d = decide(invite(300, 120, 0), 600, 90);
	ck_assert_int_eq(d.action, VT_SE_PASS);
	ck_assert_int_eq(d.set_min_se, 0);
}
END_TEST

START_TEST(test_no_session_expires_passes)
{
	vt_se_decision_t d;

	d = decide(invite(0, 0, 1), 600, 90);
	ck_assert_int_eq(d.action, VT_SE_PASS);
	d = decide(invite(0, 30, 0), 600, 1800); /* a lone Min-SE */
	ck_assert_int_eq(d.action, VT_SE_PASS);
}
END_TEST

START_TEST(test_too_small_from_timer_caller_422)
{
	vt_se_decision_t d;
	vt_timer_facts_t f;

	d = decide(invite(30, 0, 1), 600, 90);
	ck_assert_int_eq(d.action, VT_SE_REJECT);
	ck_assert_uint_eq(d.min_se_s, 90);

	d = decide(invite(1000, 0, 1), 3600, 1800);
	ck_assert_int_eq(d.action, VT_SE_REJECT);
	ck_assert_uint_eq(d.min_se_s, 1800);

	/* Require: timer is support too */
	f = invite(100, 0, 0);
	f.requires_timer = 1;
	d = decide(f, 600, 120);
	ck_assert_int_eq(d.action, VT_SE_REJECT);
	ck_assert_uint_eq(d.min_se_s, 120);
}
END_TEST

START_TEST(test_too_small_from_other_caller_raised)
{
	vt_se_decision_t d;

	/* no Min-SE: both raised to ours, Min-SE added */
	d = decide(invite(30, 0, 0), 600, 90);
	ck_assert_int_eq(d.action, VT_SE_REWRITE);
	ck_assert_uint_eq(d.se_s, 90);
	ck_assert_int_eq(d.set_min_se, 1);
	ck_assert_uint_eq(d.min_se_s, 90);

	/* a smaller Min-SE is raised */
	d = decide(invite(100, 95, 0), 600, 120);
	ck_assert_int_eq(d.action, VT_SE_REWRITE);
	ck_assert_uint_eq(d.se_s, 120);
	ck_assert_int_eq(d.set_min_se, 1);
	ck_assert_uint_eq(d.min_se_s, 120);

	/* a request Min-SE above ours is kept and honoured */
	d = decide(invite(100, 150, 0), 600, 120);
	ck_assert_int_eq(d.action, VT_SE_REWRITE);
	ck_assert_uint_eq(d.se_s, 150);
	ck_assert_int_eq(d.set_min_se, 0);
}
END_TEST

START_TEST(test_too_large_lowered)
{
	vt_se_decision_t d;

	d = decide(invite(1800, 0, 1), 600, 90);
	ck_assert_int_eq(d.action, VT_SE_REWRITE);
	ck_assert_uint_eq(d.se_s, 600);
	ck_assert_int_eq(d.set_min_se, 0);

	/* never below the request's Min-SE */
	d = decide(invite(1800, 900, 1), 600, 90);
	ck_assert_int_eq(d.action, VT_SE_REWRITE);
	ck_assert_uint_eq(d.se_s, 900);

	/* nor below our own min_se (session_ttl may be smaller) */
	d = decide(invite(1800, 0, 0), 60, 90);
	ck_assert_int_eq(d.action, VT_SE_REWRITE);
	ck_assert_uint_eq(d.se_s, 90);

	/* Min-SE in force equal to the value: nothing to lower */
	d = decide(invite(900, 900, 1), 600, 90);
	ck_assert_int_eq(d.action, VT_SE_PASS);

	/* the largest value */
	d = decide(invite(VT_DELTA_MAX, 0, 1), 600, 90);
	ck_assert_int_eq(d.action, VT_SE_REWRITE);
	ck_assert_uint_eq(d.se_s, 600);
}
END_TEST

START_TEST(test_raised_then_capped_by_ttl_floor)
{
	vt_se_decision_t d;

	/* raised to min_se 1800 although session_ttl is 600: min_se wins */
	d = decide(invite(100, 0, 0), 600, 1800);
	ck_assert_int_eq(d.action, VT_SE_REWRITE);
	ck_assert_uint_eq(d.se_s, 1800);
	ck_assert_uint_eq(d.min_se_s, 1800);
}
END_TEST

START_TEST(test_untrusted_passes)
{
	static const vt_hval_t bad[] = {VT_HV_MALFORMED, VT_HV_DUPLICATE};
	vt_timer_facts_t f;
	vt_se_decision_t d;
	size_t i;

	for(i = 0; i < 2; i++) {
		/* a bad Session-Expires */
		f = invite(30, 0, 1);
		f.se = bad[i];
		d = decide(f, 600, 90);
		ck_assert_int_eq(d.action, VT_SE_PASS);
		/* a bad Min-SE next to a good Session-Expires */
		f = invite(30, 0, 1);
		f.min_se = bad[i];
		d = decide(f, 600, 90);
		ck_assert_int_eq(d.action, VT_SE_PASS);
		f = invite(1800, 0, 0);
		f.min_se = bad[i];
		d = decide(f, 600, 90);
		ck_assert_int_eq(d.action, VT_SE_PASS);
	}
}
END_TEST

START_TEST(test_below_request_min_se_raised)
{
	vt_se_decision_t d;

	/* SE 200 >= our min 90 but below the caller's own Min-SE 300 */
	d = decide(invite(200, 300, 1), 600, 90);
	ck_assert_int_eq(d.action, VT_SE_REWRITE);
	ck_assert_uint_eq(d.se_s, 300);
	ck_assert_int_eq(d.set_min_se, 0);
}
END_TEST

START_TEST(test_never_below_min_in_force)
{
	uint32_t se, req;
	int ttl, min;

	/* property: whatever is forwarded is >= every Min-SE in force and,
	 * when lowered, never above what was asked */
	for(ttl = 2; ttl <= 2000; ttl += 137)
		for(min = 90; min <= 2000; min += 211)
			for(se = 1; se <= 4000; se += 97)
				for(req = 0; req <= 3000; req += 500) {
					vt_se_decision_t d = decide(invite(se, req, 0), ttl, min);
					uint32_t in_force = req ? req : 90;
					uint32_t out = d.action == VT_SE_REWRITE ? d.se_s : se;

					uint32_t floor =
							in_force > (uint32_t)min ? in_force : (uint32_t)min;
					uint32_t top =
							(uint32_t)ttl > floor ? (uint32_t)ttl : floor;

					ck_assert_int_ne(d.action, VT_SE_REJECT);
					ck_assert_uint_ge(out, (uint32_t)min);
					ck_assert_uint_ge(out, in_force);
					ck_assert_uint_le(out, top);
					/* values already in range are never touched */
					if(se >= floor && se <= top)
						ck_assert_int_eq(d.action, VT_SE_PASS);
					if(se > (uint32_t)ttl && se >= floor)
						ck_assert_uint_le(out, se);
					if(d.set_min_se)
						ck_assert_uint_le(d.min_se_s, out);
				}
}
END_TEST

Suite *rfc4028_suite(void)
{
	Suite *s = suite_create("rfc4028");
	TCase *tc = tcase_create("invite");

	tcase_add_test(tc, test_in_range_passes);
	tcase_add_test(tc, test_no_session_expires_passes);
	tcase_add_test(tc, test_too_small_from_timer_caller_422);
	tcase_add_test(tc, test_too_small_from_other_caller_raised);
	tcase_add_test(tc, test_too_large_lowered);
	tcase_add_test(tc, test_raised_then_capped_by_ttl_floor);
	tcase_add_test(tc, test_untrusted_passes);
	tcase_add_test(tc, test_below_request_min_se_raised);
	tcase_add_test(tc, test_never_below_min_in_force);
	suite_add_tcase(s, tc);
	return s;
}
