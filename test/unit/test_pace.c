/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* Unit tests: modules/vos_timer/vt_pace.c (the token bucket that paces the
 * module's own probes). */
#include "unit_suites.h"
#include "vt_pace.h"

/* Tokens taken at now_ms before the bucket refuses (at most max). */
static int take_all(vt_pace_t *p, uint64_t now_ms, int max)
{
	int n = 0;

	while(n < max && vt_pace_take(p, now_ms))
		n++;
	return n;
}

START_TEST(test_full_bucket_then_rate_per_ms)
{
	vt_pace_t p;

	ck_assert_int_eq(vt_pace_init(&p, 32, 16000, 1000), 0);
	/* back to back: the depth, then nothing within the same ms */
	ck_assert_int_eq(take_all(&p, 1000, 100), 32);
	ck_assert_int_eq(vt_pace_take(&p, 1000), 0);
	/* each ms after: the rate */
	ck_assert_int_eq(take_all(&p, 1001, 100), 16);
	ck_assert_int_eq(take_all(&p, 1002, 100), 16);
	/* two ms at once: twice the rate, within the depth */
	ck_assert_int_eq(take_all(&p, 1004, 100), 32);
}
END_TEST

START_TEST(test_idle_never_fills_beyond_the_depth)
{
	vt_pace_t p;

	ck_assert_int_eq(vt_pace_init(&p, 32, 16000, 0), 0);
	ck_assert_int_eq(take_all(&p, 0, 5), 5);
	/* an hour idle: still 32, not more (no overflow of the sum either) */
	ck_assert_int_eq(take_all(&p, 3600 * 1000ULL, 1000), 32);
	ck_assert_int_eq(take_all(&p, UINT64_MAX / 2, 1000), 32);
}
END_TEST

START_TEST(test_small_ticks_never_wait)
{
	vt_pace_t p;
	uint64_t t;

	/* 20 probes every 50 ms (5000 calls' rate in the bench): no refusal */
	ck_assert_int_eq(vt_pace_init(&p, 32, 16000, 0), 0);
	for(t = 0; t < 10000; t += 50)
		ck_assert_int_eq(take_all(&p, t, 20), 20);
}
END_TEST

START_TEST(test_rate_holds_under_a_long_burst)
{
	vt_pace_t p;
	uint64_t t = 500;
	int sent = 0;

	/* 1000 due at once, the sender waits a ms whenever refused: never
	 * more than depth + rate * elapsed ms */
	ck_assert_int_eq(vt_pace_init(&p, 32, 16000, t), 0);
	while(sent < 1000) {
		if(vt_pace_take(&p, t)) {
			sent++;
			ck_assert_int_le(sent, 32 + 16 * (int)(t - 500));
		} else {
			t++;
		}
	}
	ck_assert_uint_eq(t - 500, (1000 - 32 + 15) / 16);
}
END_TEST

START_TEST(test_clock_going_back_earns_nothing)
{
	vt_pace_t p;

	ck_assert_int_eq(vt_pace_init(&p, 4, 2000, 100), 0);
	ck_assert_int_eq(take_all(&p, 100, 10), 4);
	ck_assert_int_eq(take_all(&p, 90, 10), 0);
	ck_assert_int_eq(take_all(&p, 100, 10), 0);
	ck_assert_int_eq(take_all(&p, 101, 10), 2);
}
END_TEST

START_TEST(test_slow_rate_earns_a_token_over_several_ms)
{
	vt_pace_t p;

	/* 500 per second: a token every 2 ms, none in the ms between */
	ck_assert_int_eq(vt_pace_init(&p, 1, 500, 0), 0);
	ck_assert_int_eq(take_all(&p, 0, 10), 1);
	ck_assert_int_eq(take_all(&p, 1, 10), 0);
	ck_assert_int_eq(take_all(&p, 2, 10), 1);
	ck_assert_int_eq(take_all(&p, 3, 10), 0);
	ck_assert_int_eq(take_all(&p, 4, 10), 1);
}
END_TEST

START_TEST(test_rate_zero_never_paces)
{
	vt_pace_t p;

	ck_assert_int_eq(vt_pace_init(&p, 1, 0, 0), 0);
	ck_assert_int_eq(take_all(&p, 0, 100000), 100000);
}
END_TEST

START_TEST(test_init_rejects_an_empty_bucket)
{
	vt_pace_t p;

	ck_assert_int_eq(vt_pace_init(&p, 0, 16000, 0), -1);
}
END_TEST

Suite *pace_suite(void)
{
	Suite *s = suite_create("pace");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_full_bucket_then_rate_per_ms);
	tcase_add_test(tc, test_idle_never_fills_beyond_the_depth);
	tcase_add_test(tc, test_small_ticks_never_wait);
	tcase_add_test(tc, test_rate_holds_under_a_long_burst);
	tcase_add_test(tc, test_clock_going_back_earns_nothing);
	tcase_add_test(tc, test_slow_rate_earns_a_token_over_several_ms);
	tcase_add_test(tc, test_rate_zero_never_paces);
	tcase_add_test(tc, test_init_rejects_an_empty_bucket);
	suite_add_tcase(s, tc);
	return s;
}
