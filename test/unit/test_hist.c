/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* Unit tests: modules/vos_timer/vt_hist.c (lateness histogram, probe-burst
 * tracker behind the statistics). */
#include <string.h>

#include "unit_suites.h"
#include "vt_hist.h"

START_TEST(test_buckets_edges)
{
	ck_assert_int_eq(vt_hist_bucket(0), 0);
	ck_assert_int_eq(vt_hist_bucket(1), 0);
	ck_assert_int_eq(vt_hist_bucket(2), 1);
	ck_assert_int_eq(vt_hist_bucket(3), 2);
	ck_assert_int_eq(vt_hist_bucket(100), 6);
	ck_assert_int_eq(vt_hist_bucket(101), 7);
	ck_assert_int_eq(vt_hist_bucket(2000), 10);
	ck_assert_int_eq(vt_hist_bucket(2001), 11);
	ck_assert_int_eq(vt_hist_bucket(UINT64_MAX), 11);
	ck_assert_str_eq(vt_hist_name(6), "lateness_le_100ms");
	ck_assert_str_eq(vt_hist_name(11), "lateness_gt_2000ms");
}
END_TEST

START_TEST(test_every_value_below_its_upper_bound)
{
	uint64_t ms;
	int b;

	/* property: a value lands in the first bucket whose bound holds it */
	for(ms = 0; ms <= 5000; ms++) {
		b = vt_hist_bucket(ms);
		if(b < VT_HIST_BUCKETS - 1)
			ck_assert_uint_le(ms, vt_hist_upper_ms(b));
		if(b > 0)
			ck_assert_uint_gt(ms, vt_hist_upper_ms(b - 1));
	}
}
END_TEST

START_TEST(test_percentiles)
{
	uint64_t c[VT_HIST_BUCKETS];

	memset(c, 0, sizeof(c));
	ck_assert_int_eq(vt_hist_percentile(c, 50), -1);
	c[0] = 98; /* <= 1 ms */
	c[6] = 1;  /* <= 100 ms */
	c[9] = 1;  /* <= 1000 ms */
	ck_assert_int_eq(vt_hist_percentile(c, 50), 1);
	ck_assert_int_eq(vt_hist_percentile(c, 98), 1);
	ck_assert_int_eq(vt_hist_percentile(c, 99), 100);
	ck_assert_int_eq(vt_hist_percentile(c, 99.5), 1000);
	ck_assert_int_eq(vt_hist_percentile(c, 100), 1000);
	c[11] = 1000;
	ck_assert_int_eq(vt_hist_percentile(c, 99), 2001);
	/* one sample: every percentile is its bucket */
	memset(c, 0, sizeof(c));
	c[3] = 1;
	ck_assert_int_eq(vt_hist_percentile(c, 1), 10);
	ck_assert_int_eq(vt_hist_percentile(c, 100), 10);
}
END_TEST

START_TEST(test_peak_per_100ms)
{
	vt_peak_t pk;
	int i;

	memset(&pk, 0, sizeof(pk));
	for(i = 0; i < 5; i++)
		vt_peak_add(&pk, 1000 + i * 10); /* 5 in slice 10 */
	for(i = 0; i < 3; i++)
		vt_peak_add(&pk, 1100 + i); /* 3 in slice 11 */
	ck_assert_uint_eq(pk.peak, 5);
	for(i = 0; i < 7; i++)
		vt_peak_add(&pk, 5099); /* 7 in slice 50 */
	ck_assert_uint_eq(pk.peak, 7);
	ck_assert_uint_eq(vt_peak_add(&pk, 5100), 7); /* a new slice */
	ck_assert_uint_eq(pk.count, 1);
}
END_TEST

/* Late work is counted, and warned about at most once a minute: the first
 * late deadline at once, then a summary of the span since. */
START_TEST(test_late_warn_once_a_minute)
{
	vt_late_t l;
	uint64_t t = 1000000;

	vt_late_init(&l, t);
	ck_assert_int_eq(vt_late_note(&l, VT_LATE_MS, 2), 0); /* not late */
	ck_assert_int_eq(vt_late_warn_due(&l, t), 0);
	ck_assert_int_eq(vt_late_note(&l, VT_LATE_MS + 1, 2), 1);
	ck_assert_int_eq(vt_late_warn_due(&l, t + 5000), 1);
	ck_assert_uint_eq(vt_late_span_s(&l, t + 5000), 5);
	vt_late_warned(&l, t + 5000);
	ck_assert_uint_eq(l.jobs, 0);
	/* late work all minute long: one warning at its end, with the sums */
	ck_assert_int_eq(vt_late_note(&l, 300, 1), 1);
	ck_assert_int_eq(vt_late_note(&l, 2500, 0), 1); /* a teardown */
	ck_assert_int_eq(vt_late_note(&l, 800, 2), 1);
	ck_assert_int_eq(vt_late_warn_due(&l, t + 5000 + 59999), 0);
	ck_assert_int_eq(vt_late_warn_due(&l, t + 5000 + 60000), 1);
	ck_assert_uint_eq(l.jobs, 3);
	ck_assert_uint_eq(l.probes, 3);
	ck_assert_uint_eq(l.worst_ms, 2500);
	ck_assert_uint_eq(vt_late_span_s(&l, t + 65000), 60);
	vt_late_warned(&l, t + 65000);
	/* nothing late since: no warning, however long */
	ck_assert_int_eq(vt_late_warn_due(&l, t + 10000000), 0);
}
END_TEST

Suite *hist_suite(void)
{
	Suite *s = suite_create("hist");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_buckets_edges);
	tcase_add_test(tc, test_every_value_below_its_upper_bound);
	tcase_add_test(tc, test_percentiles);
	tcase_add_test(tc, test_peak_per_100ms);
	tcase_add_test(tc, test_late_warn_once_a_minute);
	suite_add_tcase(s, tc);
	return s;
}
