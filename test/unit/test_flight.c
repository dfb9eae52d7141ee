/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* Unit tests: modules/vos_timer/vt_flight.c (the module's own probes in
 * flight: timers, answers, the branch that names them). */
#include <stdlib.h>
#include <string.h>

#include "unit_suites.h"
#include "vt_clock.h"
#include "vt_flight.h"

/* What vt_flight_run() reported. */
typedef struct seen
{
	int n;
	int expired[64];
	uint32_t slot[64], tag[64], h_id[64];
} seen_t;

static void record(void *ctx, int expired, uint32_t slot, uint32_t tag,
		const vt_flight_probe_t *p)
{
	seen_t *s = ctx;

	ck_assert_int_lt(s->n, 64);
	s->expired[s->n] = expired;
	s->slot[s->n] = slot;
	s->tag[s->n] = tag;
	s->h_id[s->n] = p->h_id;
	s->n++;
}

static vt_flight_t *ring(uint32_t size, uint32_t t1, uint32_t t2, uint32_t to)
{
	vt_flight_t *f = malloc(vt_flight_bytes(size));

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(vt_flight_init(f, size, t1, t2, to), 0);
	return f;
}

static vt_flight_probe_t probe(uint32_t h_id)
{
	vt_flight_probe_t p;

	memset(&p, 0, sizeof(p));
	p.h_entry = 7;
	p.h_id = h_id;
	p.cseq = 41;
	p.leg = 2;
	return p;
}

START_TEST(test_steps_follow_rfc3261_timers_e_and_f)
{
	vt_flight_t *f = ring(8, 500, 4000, 32000);
	static const uint32_t want[] = {500, 1500, 3500, 7500, 11500, 15500, 19500,
			23500, 27500, 31500, 32000};
	uint32_t i;

	ck_assert_uint_eq(f->steps, sizeof(want) / sizeof(want[0]));
	for(i = 0; i < f->steps; i++)
		ck_assert_uint_eq(f->step_ms[i], want[i]);
	free(f);
	/* a timeout before the first retransmission: the timeout alone */
	f = ring(8, 500, 4000, 400);
	ck_assert_uint_eq(f->steps, 1);
	ck_assert_uint_eq(f->step_ms[0], 400);
	free(f);
	/* never more steps than VT_FL_STEPS, the last one the timeout */
	f = ring(8, 1, 1, 1000000);
	ck_assert_uint_eq(f->steps, VT_FL_STEPS);
	ck_assert_uint_eq(f->step_ms[VT_FL_STEPS - 1], 1000000);
	free(f);
}
END_TEST

START_TEST(test_init_rejects_bad_values)
{
	vt_flight_t *f = malloc(vt_flight_bytes(8));

	ck_assert_int_eq(vt_flight_init(f, 6, 500, 4000, 2000), -1);
	ck_assert_int_eq(vt_flight_init(f, 1, 500, 4000, 2000), -1);
	ck_assert_int_eq(vt_flight_init(f, 8, 0, 4000, 2000), -1);
	ck_assert_int_eq(vt_flight_init(f, 8, 500, 400, 2000), -1);
	ck_assert_int_eq(vt_flight_init(f, 8, 500, 4000, 0), -1);
	free(f);
}
END_TEST

START_TEST(test_unanswered_probe_is_resent_then_expires)
{
	vt_flight_t *f = ring(8, 500, 4000, 2000); /* steps 500, 1500, 2000 */
	vt_flight_probe_t p = probe(1);
	seen_t s;
	uint32_t slot;

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(vt_flight_add(f, &p, 0xabc, 1000, &slot), 0);
	ck_assert_uint_eq(vt_flight_next_ms(f), 1500);
	vt_flight_run(f, 1499, record, &s);
	ck_assert_int_eq(s.n, 0);
	vt_flight_run(f, 1500, record, &s);
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(s.expired[0], 0);
	ck_assert_uint_eq(s.slot[0], slot);
	ck_assert_uint_eq(s.tag[0], 0xabc);
	ck_assert_uint_eq(vt_flight_next_ms(f), 2500);
	vt_flight_run(f, 2999, record, &s); /* late: both steps at once */
	ck_assert_int_eq(s.n, 2);
	ck_assert_int_eq(s.expired[1], 0);
	ck_assert_uint_eq(vt_flight_next_ms(f), 3000);
	vt_flight_run(f, 3000, record, &s);
	ck_assert_int_eq(s.n, 3);
	ck_assert_int_eq(s.expired[2], 1);
	ck_assert_uint_eq(s.h_id[2], 1);
	ck_assert_uint_eq(vt_flight_next_ms(f), VT_NO_DEADLINE);
	ck_assert_uint_eq(vt_flight_used(f), 0);
	/* expired: a late answer claims nothing */
	ck_assert_int_eq(vt_flight_answer(f, slot, 0xabc, &p), 0);
	free(f);
}
END_TEST

START_TEST(test_answer_claims_once_and_stops_the_timers)
{
	vt_flight_t *f = ring(8, 500, 4000, 2000);
	vt_flight_probe_t p = probe(9), out;
	seen_t s;
	uint32_t slot;

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(vt_flight_add(f, &p, 77, 0, &slot), 0);
	ck_assert_int_eq(vt_flight_answer(f, slot, 78, &out), 0); /* wrong tag */
	ck_assert_int_eq(
			vt_flight_answer(f, slot + 1, 77, &out), 0);	  /* wrong slot */
	ck_assert_int_eq(vt_flight_answer(f, 1000, 77, &out), 0); /* no such slot */
	ck_assert_int_eq(vt_flight_answer(f, slot, 77, &out), 1);
	ck_assert_uint_eq(out.h_id, 9);
	ck_assert_uint_eq(out.cseq, 41);
	ck_assert_uint_eq(out.leg, 2);
	/* a retransmitted answer */
	ck_assert_int_eq(vt_flight_answer(f, slot, 77, &out), 0);
	/* nothing left to do, nothing to wake for, the slot is free */
	ck_assert_uint_eq(vt_flight_next_ms(f), VT_NO_DEADLINE);
	vt_flight_run(f, 100000, record, &s);
	ck_assert_int_eq(s.n, 0);
	ck_assert_uint_eq(vt_flight_used(f), 0);
	free(f);
}
END_TEST

START_TEST(test_answered_probes_do_not_hold_back_later_ones)
{
	vt_flight_t *f = ring(8, 500, 4000, 2000);
	vt_flight_probe_t p, out;
	seen_t s;
	uint32_t slot[3];
	int i;

	memset(&s, 0, sizeof(s));
	for(i = 0; i < 3; i++) {
		p = probe(i);
		ck_assert_int_eq(vt_flight_add(f, &p, 100 + i, 10 * i, &slot[i]), 0);
	}
	ck_assert_int_eq(vt_flight_answer(f, slot[0], 100, &out), 1);
	ck_assert_int_eq(vt_flight_answer(f, slot[2], 102, &out), 1);
	/* only the middle one is flying: its first retransmission is next */
	ck_assert_uint_eq(vt_flight_next_ms(f), 510);
	vt_flight_run(f, 10000, record, &s);
	ck_assert_int_eq(s.n, 3);
	for(i = 0; i < 3; i++)
		ck_assert_uint_eq(s.h_id[i], 1);
	ck_assert_int_eq(s.expired[2], 1);
	free(f);
}
END_TEST

START_TEST(test_full_ring_refuses_until_a_probe_times_out)
{
	vt_flight_t *f = ring(4, 500, 4000, 1000);
	vt_flight_probe_t p = probe(1), out;
	uint32_t slot, first = 0;
	int i;

	for(i = 0; i < 4; i++) {
		ck_assert_int_eq(vt_flight_add(f, &p, 1 + i, 0, &slot), 0);
		if(i == 0)
			first = slot;
	}
	ck_assert_uint_eq(vt_flight_used(f), 4);
	ck_assert_int_eq(vt_flight_add(f, &p, 9, 0, &slot), -1);
	/* an answered slot behind the oldest flying one stays taken */
	ck_assert_int_eq(vt_flight_answer(f, (first + 1) % 4, 2, &out), 1);
	ck_assert_int_eq(vt_flight_add(f, &p, 9, 0, &slot), -1);
	/* the oldest answered: the queue moves on past both */
	ck_assert_int_eq(vt_flight_answer(f, first, 1, &out), 1);
	vt_flight_next_ms(f);
	ck_assert_uint_eq(vt_flight_used(f), 2);
	ck_assert_int_eq(vt_flight_add(f, &p, 9, 0, &slot), 0);
	ck_assert_uint_eq(slot, first);
	/* the reused slot answers to its new tag only */
	ck_assert_int_eq(vt_flight_answer(f, slot, 1, &out), 0);
	ck_assert_int_eq(vt_flight_answer(f, slot, 9, &out), 1);
	free(f);
}
END_TEST

START_TEST(test_branch_round_trip)
{
	char buf[VT_FL_BRANCH_MAX];
	uint32_t slot, tag;
	int n;

	n = vt_flight_branch(buf, 0x1f, 0xdeadbeef);
	ck_assert_str_eq(buf, "z9hG4bKvT1f.deadbeef");
	ck_assert_int_eq(n, (int)strlen(buf));
	ck_assert_int_eq(vt_flight_parse_branch(buf, n, &slot, &tag), 1);
	ck_assert_uint_eq(slot, 0x1f);
	ck_assert_uint_eq(tag, 0xdeadbeef);
	n = vt_flight_branch(buf, 0xffffffff, 0xffffffff);
	ck_assert_int_lt(n, VT_FL_BRANCH_MAX);
	ck_assert_int_eq(vt_flight_parse_branch(buf, n, &slot, &tag), 1);
	ck_assert_uint_eq(slot, 0xffffffff);
	n = vt_flight_branch(buf, 0, 1);
	ck_assert_str_eq(buf, "z9hG4bKvT0.1");
}
END_TEST

START_TEST(test_branch_not_ours_or_malformed)
{
	uint32_t slot, tag;
	static const char *bad[] = {"z9hG4bKvT", "z9hG4bKvT.1", "z9hG4bKvT1.",
			"z9hG4bKvT1", "z9hG4bKvT1.2.", "z9hG4bKvT1.2x", "z9hG4bKvTG.1",
			"z9hG4bKvT123456789.1", "z9hG4bKvT1.123456789", "z9hG4bKvT1.A"};
	unsigned int i;

	ck_assert_int_eq(
			vt_flight_parse_branch("z9hG4bK1234.0", 13, &slot, &tag), 0);
	ck_assert_int_eq(vt_flight_parse_branch("z9hG4bKv", 8, &slot, &tag), 0);
	ck_assert_int_eq(vt_flight_parse_branch("", 0, &slot, &tag), 0);
	for(i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(
				vt_flight_parse_branch(bad[i], strlen(bad[i]), &slot, &tag)
						== -1,
				"%s", bad[i]);
}
END_TEST

Suite *flight_suite(void)
{
	Suite *s = suite_create("flight");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_steps_follow_rfc3261_timers_e_and_f);
	tcase_add_test(tc, test_init_rejects_bad_values);
	tcase_add_test(tc, test_unanswered_probe_is_resent_then_expires);
	tcase_add_test(tc, test_answer_claims_once_and_stops_the_timers);
	tcase_add_test(tc, test_answered_probes_do_not_hold_back_later_ones);
	tcase_add_test(tc, test_full_ring_refuses_until_a_probe_times_out);
	tcase_add_test(tc, test_branch_round_trip);
	tcase_add_test(tc, test_branch_not_ours_or_malformed);
	suite_add_tcase(s, tc);
	return s;
}
