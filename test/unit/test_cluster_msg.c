/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* Unit tests: modules/vos_timer/vt_cluster_msg.c (what cluster nodes tell
 * each other over DMQ, and the rules that decide who owns a call). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "unit_suites.h"
#include "vt_cluster_msg.h"

#define NODE_A "sip:10.0.0.1:5060"
#define NODE_B "sip:10.0.0.2:5060"
#define STATE "v=1;mode=timer;answered=1764078000123;se=300"

static vt_cm_str_t cs(const char *s)
{
	vt_cm_str_t r = {s, strlen(s)};

	return r;
}

static vt_cm_call_t own_call(uint32_t gen, const char *callid)
{
	vt_cm_call_t c;

	memset(&c, 0, sizeof(c));
	c.gen = gen;
	c.owner = cs(NODE_B);
	c.h_entry = 1234;
	c.h_id = 4294967295u;
	c.callid = cs(callid);
	c.state = cs(STATE);
	return c;
}

static int str_is(vt_cm_str_t s, const char *v)
{
	return s.len == strlen(v) && memcmp(s.s, v, s.len) == 0;
}

START_TEST(test_round_trip_own_and_end)
{
	char buf[VT_CM_BODY_MAX + 1];
	vt_cm_call_t a = own_call(7, "a84b4c76e66710@pc33"), b = own_call(0, "x");
	vt_cm_call_t got;
	vt_cm_head_t h;
	size_t pos;
	int len;

	len = vt_cm_head_write(buf, sizeof(buf), VT_CM_OWN, NODE_A, strlen(NODE_A),
			1764078000123ULL);
	ck_assert_int_gt(len, 0);
	len = vt_cm_call_write(buf, sizeof(buf), len, VT_CM_OWN, &a);
	ck_assert_int_gt(len, 0);
	len = vt_cm_call_write(buf, sizeof(buf), len, VT_CM_OWN, &b);
	ck_assert_int_gt(len, 0);
	ck_assert_str_eq(buf,
			"vos_timer 1 own " NODE_A " 1764078000123\n"
			"7 " NODE_B " 1234 4294967295 a84b4c76e66710@pc33 " STATE "\n"
			"0 " NODE_B " 1234 4294967295 x " STATE "\n");

	ck_assert_int_eq(vt_cm_head_parse(buf, len, &h, &pos), 0);
	ck_assert_int_eq(h.kind, VT_CM_OWN);
	ck_assert(str_is(h.node, NODE_A));
	ck_assert(h.boot == 1764078000123ULL);
	ck_assert_int_eq(vt_cm_call_parse(buf, len, &pos, h.kind, &got), 1);
	ck_assert_uint_eq(got.gen, 7);
	ck_assert(str_is(got.owner, NODE_B));
	ck_assert_uint_eq(got.h_entry, 1234);
	ck_assert_uint_eq(got.h_id, 4294967295u);
	ck_assert(str_is(got.callid, "a84b4c76e66710@pc33"));
	ck_assert(str_is(got.state, STATE));
	ck_assert_int_eq(vt_cm_call_parse(buf, len, &pos, h.kind, &got), 1);
	ck_assert_uint_eq(got.gen, 0);
	ck_assert(str_is(got.callid, "x"));
	ck_assert_int_eq(vt_cm_call_parse(buf, len, &pos, h.kind, &got), 0);

	/* end lines: no generation, owner or state; the last line may come
	 * without its newline */
	len = vt_cm_head_write(
			buf, sizeof(buf), VT_CM_END, NODE_A, strlen(NODE_A), 1);
	len = vt_cm_call_write(buf, sizeof(buf), len, VT_CM_END, &a);
	ck_assert_str_eq(buf, "vos_timer 1 end " NODE_A " 1\n"
						  "1234 4294967295 a84b4c76e66710@pc33\n");
	ck_assert_int_eq(vt_cm_head_parse(buf, len - 1, &h, &pos), 0);
	ck_assert_int_eq(h.kind, VT_CM_END);
	ck_assert_int_eq(vt_cm_call_parse(buf, len - 1, &pos, h.kind, &got), 1);
	ck_assert(str_is(got.callid, "a84b4c76e66710@pc33"));
	ck_assert_int_eq(vt_cm_call_parse(buf, len - 1, &pos, h.kind, &got), 0);

	/* need lines are end lines under another kind */
	len = vt_cm_head_write(
			buf, sizeof(buf), VT_CM_NEED, NODE_B, strlen(NODE_B), 2);
	len = vt_cm_call_write(buf, sizeof(buf), len, VT_CM_NEED, &a);
	ck_assert_str_eq(buf, "vos_timer 1 need " NODE_B " 2\n"
						  "1234 4294967295 a84b4c76e66710@pc33\n");
	ck_assert_int_eq(vt_cm_head_parse(buf, len, &h, &pos), 0);
	ck_assert_int_eq(h.kind, VT_CM_NEED);
	ck_assert_str_eq(vt_cm_kind_name(h.kind), "need");
	ck_assert_int_eq(vt_cm_call_parse(buf, len, &pos, h.kind, &got), 1);
	ck_assert(str_is(got.callid, "a84b4c76e66710@pc33"));
	ck_assert_uint_eq(got.h_id, 4294967295u);

	/* a heartbeat is a head alone */
	len = vt_cm_head_write(
			buf, sizeof(buf), VT_CM_HB, NODE_B, strlen(NODE_B), 9);
	ck_assert_str_eq(buf, "vos_timer 1 hb " NODE_B " 9\n");
	ck_assert_int_eq(vt_cm_head_parse(buf, len, &h, &pos), 0);
	ck_assert_int_eq(h.kind, VT_CM_HB);
	ck_assert_int_eq(vt_cm_call_parse(buf, len, &pos, h.kind, &got), 0);
}
END_TEST

START_TEST(test_full_message_and_bad_fields)
{
	char buf[VT_CM_BODY_MAX + 1], before[VT_CM_BODY_MAX + 1];
	vt_cm_call_t c = own_call(1, "call-1");
	int len, n, lines = 0;

	len = vt_cm_head_write(
			buf, sizeof(buf), VT_CM_OWN, NODE_A, strlen(NODE_A), 1);
	for(;;) {
		memcpy(before, buf, sizeof(buf));
		n = vt_cm_call_write(buf, sizeof(buf), len, VT_CM_OWN, &c);
		if(n < 0)
			break;
		len = n;
		lines++;
	}
	/* full: -1, and the message as it was (complete lines only) */
	ck_assert_int_eq(n, -1);
	ck_assert_int_gt(lines, 10);
	ck_assert_int_le(len, VT_CM_BODY_MAX);
	ck_assert_str_eq(buf, before);
	ck_assert_int_eq((int)strlen(buf), len);

	/* a field that could never travel: -2 */
	len = vt_cm_head_write(
			buf, sizeof(buf), VT_CM_OWN, NODE_A, strlen(NODE_A), 1);
	c.callid = cs("has space");
	ck_assert_int_eq(
			vt_cm_call_write(buf, sizeof(buf), len, VT_CM_OWN, &c), -2);
	c.callid = cs("");
	ck_assert_int_eq(
			vt_cm_call_write(buf, sizeof(buf), len, VT_CM_OWN, &c), -2);
	c = own_call(1, "ok");
	c.state = cs("a\nb");
	ck_assert_int_eq(
			vt_cm_call_write(buf, sizeof(buf), len, VT_CM_OWN, &c), -2);
	c.state = cs(STATE);
	c.owner = cs("");
	ck_assert_int_eq(
			vt_cm_call_write(buf, sizeof(buf), len, VT_CM_OWN, &c), -2);
	/* but an end line needs neither owner nor state */
	ck_assert_int_gt(vt_cm_call_write(buf, sizeof(buf), len, VT_CM_END, &c), 0);
	/* a node name that is not a token, or too long */
	ck_assert_int_eq(
			vt_cm_head_write(buf, sizeof(buf), VT_CM_HB, "a b", 3, 1), -1);
	memset(before, 'n', sizeof(before));
	ck_assert_int_eq(vt_cm_head_write(buf, sizeof(buf), VT_CM_HB, before,
							 VT_CM_NODE_MAX + 1, 1),
			-1);
	ck_assert_int_gt(vt_cm_head_write(buf, sizeof(buf), VT_CM_HB, before,
							 VT_CM_NODE_MAX, 1),
			0);
}
END_TEST

START_TEST(test_malformed_refused)
{
	static const char *heads[] = {"", "vos_timer", "vos_timer 1 hb",
			"vos_timer 1 hb " NODE_A, "vos_timer 1 hb " NODE_A " ",
			"vos_timer 1 hb " NODE_A " 1 extra", "vos_timer 2 hb " NODE_A " 1",
			"vos_timerX 1 hb " NODE_A " 1", "vos_timer 1 ping " NODE_A " 1",
			"vos_timer 1 hb " NODE_A " -1", "vos_timer 1 hb " NODE_A " 1x",
			"vos_timer 1 hb " NODE_A " 18446744073709551616",
			"vos_timer 1  hb " NODE_A " 1", " vos_timer 1 hb " NODE_A " 1",
			"vos_timer 1 hb " NODE_A " 1\r", "vos_timer 01x hb a 1"};
	static const char *own_lines[] = {"1 " NODE_B " 1 2 c",
			"1 " NODE_B " 1 2 c s extra", "4294967296 " NODE_B " 1 2 c s",
			"x " NODE_B " 1 2 c s", "1 " NODE_B " 4294967296 2 c s",
			"1 " NODE_B " 1 -2 c s", "1  " NODE_B " 1 2 c s",
			"1 " NODE_B " 1 2 c s ", "1"};
	static const char *end_lines[] = {
			"1 2", "1 2 c extra", "1 2 c ", "a 2 c", "1 2 c\x01"};
	char buf[2 * VT_CM_BODY_MAX];
	vt_cm_head_t h;
	vt_cm_call_t c;
	size_t pos, i;

	for(i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
		ck_assert_msg(
				vt_cm_head_parse(heads[i], strlen(heads[i]), &h, &pos) < 0,
				"accepted head [%s]", heads[i]);
	ck_assert_int_eq(vt_cm_head_parse(NULL, 5, &h, &pos), -1);
	for(i = 0; i < sizeof(own_lines) / sizeof(own_lines[0]); i++) {
		snprintf(buf, sizeof(buf),
				"vos_timer 1 own %s 1\n%s\n1 %s 1 2 good s\n", NODE_A,
				own_lines[i], NODE_B);
		ck_assert_int_eq(vt_cm_head_parse(buf, strlen(buf), &h, &pos), 0);
		ck_assert_msg(vt_cm_call_parse(buf, strlen(buf), &pos, h.kind, &c) < 0,
				"accepted own line [%s]", own_lines[i]);
	}
	for(i = 0; i < sizeof(end_lines) / sizeof(end_lines[0]); i++) {
		snprintf(buf, sizeof(buf), "vos_timer 1 end %s 1\n%s\n", NODE_A,
				end_lines[i]);
		ck_assert_int_eq(vt_cm_head_parse(buf, strlen(buf), &h, &pos), 0);
		ck_assert_msg(vt_cm_call_parse(buf, strlen(buf), &pos, h.kind, &c) < 0,
				"accepted end line [%s]", end_lines[i]);
	}
	/* a body longer than any sender writes is refused whole */
	memset(buf, 'a', sizeof(buf));
	pos = (size_t)snprintf(buf, sizeof(buf), "vos_timer 1 hb %s 1\n", NODE_A);
	buf[pos] = 'a';
	ck_assert_int_eq(vt_cm_head_parse(buf, VT_CM_BODY_MAX + 1, &h, &pos), -1);
}
END_TEST

START_TEST(test_claims)
{
	vt_cm_str_t a = cs(NODE_A), b = cs(NODE_B), a_long = cs(NODE_A "0");

	/* the later generation wins, whoever it names */
	ck_assert(vt_cm_claim_wins(2, &b, 1, &a));
	ck_assert(!vt_cm_claim_wins(1, &a, 2, &b));
	ck_assert(vt_cm_claim_wins(4294967295u, &b, 4294967294u, &a));
	/* equal generations: the smaller name, so both sides agree */
	ck_assert(vt_cm_claim_wins(3, &a, 3, &b));
	ck_assert(!vt_cm_claim_wins(3, &b, 3, &a));
	ck_assert(vt_cm_claim_wins(3, &a, 3, &a_long));
	ck_assert(!vt_cm_claim_wins(3, &a_long, 3, &a));
	/* never over itself: a repeated message changes nothing */
	ck_assert(!vt_cm_claim_wins(3, &a, 3, &a));
}
END_TEST

START_TEST(test_adopter)
{
	vt_cm_str_t a = cs(NODE_A), b = cs(NODE_B), c = cs("sip:10.0.0.3:5060");
	vt_cm_str_t up[2];

	/* alone: self */
	ck_assert(vt_cm_is_adopter(&b, up, 0));
	up[0] = c;
	ck_assert(vt_cm_is_adopter(&b, up, 1));
	ck_assert(!vt_cm_is_adopter(&c, &b, 1));
	/* the smallest name of those up */
	up[0] = a;
	up[1] = c;
	ck_assert(!vt_cm_is_adopter(&b, up, 2));
	ck_assert(vt_cm_is_adopter(&a, &b, 1));
}
END_TEST

/* A heartbeat taken by a DMQ worker after the deadline process read its
 * clock is newer than "now": the node is not silent (the subtraction
 * wrapped to 2^64 - 3 ms and the node was declared gone: both nodes then
 * owned its calls). */
START_TEST(test_node_gone)
{
	ck_assert_int_eq(vt_cm_node_gone(10000, 5000, 5000), 0);
	ck_assert_int_eq(vt_cm_node_gone(10001, 5000, 5000), 1);
	ck_assert_int_eq(vt_cm_node_gone(10000, 10000, 5000), 0);
	ck_assert_int_eq(vt_cm_node_gone(10000, 10003, 5000), 0);
	ck_assert_int_eq(vt_cm_node_gone(0, UINT64_MAX, 5000), 0);
}
END_TEST

Suite *cluster_msg_suite(void)
{
	Suite *s = suite_create("cluster_msg");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_round_trip_own_and_end);
	tcase_add_test(tc, test_full_message_and_bad_fields);
	tcase_add_test(tc, test_malformed_refused);
	tcase_add_test(tc, test_claims);
	tcase_add_test(tc, test_adopter);
	tcase_add_test(tc, test_node_gone);
	suite_add_tcase(s, tc);
	return s;
}
