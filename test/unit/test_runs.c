/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* Unit tests: modules/vos_timer/vt_runs.c (which runs of the deadline
 * process are probe runs, and when the next one comes). */
#include "unit_suites.h"
#include "vt_runs.h"

START_TEST(test_first_run_probes_then_every_probe_tick)
{
	vt_runs_t r;

	vt_runs_init(&r);
	ck_assert_int_eq(vt_runs_begin(&r, 5000), 1);
	ck_assert_uint_eq(vt_runs_next_probe_ms(&r), 5000 + VT_PROBE_TICK_MS);
	/* sooner than a probe tick: only what is due */
	ck_assert_int_eq(vt_runs_begin(&r, 5000 + VT_PROBE_TICK_MS - 1), 0);
	ck_assert_int_eq(vt_runs_begin(&r, 5000 + VT_PROBE_TICK_MS), 1);
	ck_assert_uint_eq(vt_runs_next_probe_ms(&r), 5000 + 2 * VT_PROBE_TICK_MS);
}
END_TEST

/* The run woken for a retransmission just before the next probe run must
 * not push that probe run back: it would take 150 ms of probes, and the
 * calls it probes stay one batch every round after (make bench, 1000
 * calls: a run of 14 at 6.166 s, 1 ms before the probe run, pushed it to
 * 6.217 s; 30 s later the two came due together, 55 probes in 100 ms). */
START_TEST(test_run_in_between_keeps_the_next_probe_run)
{
	vt_runs_t r;
	uint64_t t = 6067;

	vt_runs_init(&r);
	ck_assert_int_eq(vt_runs_begin(&r, t), 1);
	ck_assert_int_eq(vt_runs_begin(&r, t + 99), 0);
	ck_assert_uint_eq(vt_runs_next_probe_ms(&r), t + VT_PROBE_TICK_MS);
	/* the same half-way or right after the probe run */
	ck_assert_int_eq(vt_runs_begin(&r, t + 50), 0);
	ck_assert_uint_eq(vt_runs_next_probe_ms(&r), t + VT_PROBE_TICK_MS);
	ck_assert_int_eq(vt_runs_begin(&r, t + 1), 0);
	ck_assert_uint_eq(vt_runs_next_probe_ms(&r), t + VT_PROBE_TICK_MS);
}
END_TEST

/* Woken at every millisecond in between (retransmissions, teardowns,
 * the cluster's tick): probe runs come exactly one probe tick apart, and
 * the next probe run is always after the run that asks. */
START_TEST(test_probe_runs_keep_their_spacing)
{
	vt_runs_t r;
	uint64_t t, last = 0;
	int probe_runs = 0;

	vt_runs_init(&r);
	for(t = 1000; t < 11000; t++) {
		if(vt_runs_begin(&r, t)) {
			if(probe_runs > 0)
				ck_assert_uint_eq(t - last, VT_PROBE_TICK_MS);
			last = t;
			probe_runs++;
		}
		ck_assert_uint_gt(vt_runs_next_probe_ms(&r), t);
		ck_assert_uint_le(vt_runs_next_probe_ms(&r), last + VT_PROBE_TICK_MS);
	}
	ck_assert_int_eq(probe_runs, 10000 / VT_PROBE_TICK_MS);
}
END_TEST

/* A probe run that began late (the process was busy or asleep) counts
 * from when it began. */
START_TEST(test_late_probe_run_counts_from_its_start)
{
	vt_runs_t r;

	vt_runs_init(&r);
	ck_assert_int_eq(vt_runs_begin(&r, 1000), 1);
	ck_assert_int_eq(vt_runs_begin(&r, 1730), 1);
	ck_assert_uint_eq(vt_runs_next_probe_ms(&r), 1730 + VT_PROBE_TICK_MS);
	ck_assert_int_eq(vt_runs_begin(&r, 1829), 0);
}
END_TEST

Suite *runs_suite(void)
{
	Suite *s = suite_create("runs");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_first_run_probes_then_every_probe_tick);
	tcase_add_test(tc, test_run_in_between_keeps_the_next_probe_run);
	tcase_add_test(tc, test_probe_runs_keep_their_spacing);
	tcase_add_test(tc, test_late_probe_run_counts_from_its_start);
	suite_add_tcase(s, tc);
	return s;
}
