/* Unit tests: modules/vos_timer/vt_policy.c (SPEC section 3). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "unit_suites.h"
#include "vt_policy.h"

static vt_params_t params_with_limit(int no_timer_limit_s)
{
	vt_params_t p = vt_params_default;

	p.no_timer_limit_s = no_timer_limit_s;
	return p;
}

/* Field by field (the struct has padding, so no memcmp of copies). */
static void assert_policy_eq(const vt_policy_t *a, const vt_policy_t *b)
{
	ck_assert_mem_eq(&a->params, &b->params, sizeof(a->params));
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

	vt_policy_init(pc, &p, VT_MODE_NON_TIMER);
	vt_policy_answered(pc, 0, 1000);
}

START_TEST(test_init)
{
	vt_policy_t pc;
	vt_params_t p = vt_params_default;

	p.session_ttl_s = 120;
	memset(&pc, 0xa5, sizeof(pc));
	vt_policy_init(&pc, &p, VT_MODE_NON_TIMER);
	ck_assert_int_eq(pc.state, VT_ST_EARLY);
	ck_assert_int_eq(pc.mode, VT_MODE_NON_TIMER);
	ck_assert_uint_eq(pc.next_ms, VT_NO_DEADLINE);
	ck_assert_int_eq(pc.next_action, VT_ACT_NONE);
	ck_assert_int_eq(pc.reason, VT_REASON_NONE);
	ck_assert_uint_eq(pc.answered_ms, 0);
	ck_assert_int_eq(pc.teardown_tries, 0);
	ck_assert_mem_eq(&pc.params, &p, sizeof(p));

	vt_policy_init(&pc, &p, VT_MODE_TIMER);
	ck_assert_int_eq(pc.mode, VT_MODE_TIMER);
	ck_assert_int_eq(pc.state, VT_ST_EARLY);
	ck_assert_uint_eq(pc.next_ms, VT_NO_DEADLINE);
}
END_TEST

START_TEST(test_early_has_no_deadline_action)
{
	vt_policy_t pc;
	vt_reason_t r = VT_REASON_ADMIN;

	vt_policy_init(&pc, &vt_params_default, VT_MODE_NON_TIMER);
	/* nothing is scheduled while early, whatever the time */
	ck_assert_int_eq(vt_policy_on_deadline(&pc, 0, &r), VT_ACT_NONE);
	ck_assert_int_eq(
			vt_policy_on_deadline(&pc, UINT64_MAX - 1, &r), VT_ACT_NONE);
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
	ck_assert_int_eq(vt_policy_on_deadline(&pc, 3999, &r), VT_ACT_NONE);
	ck_assert_int_eq(vt_policy_on_deadline(&pc, 1000, &r), VT_ACT_NONE);
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
	ck_assert_int_eq(vt_policy_on_deadline(&pc, now, &r), VT_ACT_TEARDOWN);
	ck_assert_int_eq(r, VT_REASON_NO_TIMER_LIMIT);
	ck_assert_int_eq(pc.state, VT_ST_TEARDOWN);
	ck_assert_int_eq(pc.teardown_tries, 1);
	ck_assert_uint_eq(pc.next_ms, now + VT_TEARDOWN_RECHECK_MS);
	ck_assert_int_eq(pc.next_action, VT_ACT_TEARDOWN_RETRY);
	ck_assert_str_eq(vt_action_name((vt_action_t)pc.next_action),
			"teardown-recheck");
	ck_assert_int_eq(pc.reason, VT_REASON_NO_TIMER_LIMIT);

	/* not yet time for the recheck */
	ck_assert_int_eq(vt_policy_on_deadline(&pc, now + VT_TEARDOWN_RECHECK_MS - 1,
							 &r),
			VT_ACT_NONE);
	ck_assert_int_eq(pc.teardown_tries, 1);

	/* retries until VT_TEARDOWN_MAX_TRIES tries in total */
	for(tries = 2; tries <= VT_TEARDOWN_MAX_TRIES; tries++) {
		now = pc.next_ms;
		r = VT_REASON_NONE;
		ck_assert_int_eq(vt_policy_on_deadline(&pc, now, &r),
				VT_ACT_TEARDOWN_RETRY);
		ck_assert_int_eq(r, VT_REASON_NO_TIMER_LIMIT);
		ck_assert_int_eq(pc.teardown_tries, tries);
		ck_assert_int_eq(pc.state, VT_ST_TEARDOWN);
		ck_assert_uint_eq(pc.next_ms, now + VT_TEARDOWN_RECHECK_MS);
		ck_assert_int_eq(pc.next_action, VT_ACT_TEARDOWN_RETRY);
	}

	/* tries exhausted: forget, nothing scheduled */
	now = pc.next_ms;
	ck_assert_int_eq(vt_policy_on_deadline(&pc, now, &r), VT_ACT_FORGET);
	ck_assert_uint_eq(pc.next_ms, VT_NO_DEADLINE);
	ck_assert_int_eq(pc.next_action, VT_ACT_NONE);
	ck_assert_int_eq(pc.teardown_tries, VT_TEARDOWN_MAX_TRIES);
	/* and nothing more happens afterwards */
	ck_assert_int_eq(
			vt_policy_on_deadline(&pc, now + 1000000, &r), VT_ACT_NONE);
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
	ck_assert_int_eq(vt_policy_on_deadline(&pc, 9000, &r), VT_ACT_TEARDOWN);
	ck_assert_uint_eq(pc.next_ms, 9000 + VT_TEARDOWN_RECHECK_MS);
}
END_TEST

START_TEST(test_no_timer_limit_zero)
{
	vt_policy_t pc;
	vt_params_t p = params_with_limit(0);
	vt_reason_t r;

	vt_policy_init(&pc, &p, VT_MODE_NON_TIMER);
	vt_policy_answered(&pc, 0, 1000);
	ck_assert_int_eq(pc.state, VT_ST_ACTIVE);
	ck_assert_uint_eq(pc.answered_ms, 1000);
	ck_assert_uint_eq(pc.next_ms, VT_NO_DEADLINE);
	ck_assert_int_eq(pc.next_action, VT_ACT_NONE);
	ck_assert_int_eq(vt_policy_on_deadline(&pc, UINT64_MAX - 1, &r),
			VT_ACT_NONE);
	ck_assert_int_eq(pc.state, VT_ST_ACTIVE);
}
END_TEST

START_TEST(test_reply_se_turns_timer_mode)
{
	vt_policy_t pc;
	vt_params_t p = params_with_limit(3);

	vt_policy_init(&pc, &p, VT_MODE_NON_TIMER);
	vt_policy_answered(&pc, 1, 1000);
	ck_assert_int_eq(pc.mode, VT_MODE_TIMER);
	ck_assert_int_eq(pc.state, VT_ST_ACTIVE);
	ck_assert_uint_eq(pc.answered_ms, 1000);
	/* no_timer_limit does not apply to a timer call; probing comes later */
	ck_assert_uint_eq(pc.next_ms, VT_NO_DEADLINE);
	ck_assert_int_eq(pc.next_action, VT_ACT_NONE);
}
END_TEST

START_TEST(test_invite_timer_mode_no_limit)
{
	vt_policy_t pc;
	vt_params_t p = params_with_limit(3);

	vt_policy_init(&pc, &p, VT_MODE_TIMER);
	vt_policy_answered(&pc, 0, 1000);
	ck_assert_int_eq(pc.mode, VT_MODE_TIMER);
	ck_assert_int_eq(pc.state, VT_ST_ACTIVE);
	ck_assert_uint_eq(pc.next_ms, VT_NO_DEADLINE);
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
	ck_assert_int_eq(vt_policy_on_deadline(&pc, 4000, &r), VT_ACT_TEARDOWN);
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

	vt_policy_init(&pc, &p, VT_MODE_NON_TIMER);
	vt_policy_answered(&pc, 0, now);
	ck_assert_uint_eq(pc.answered_ms, now);
	ck_assert_uint_eq(pc.next_ms, UINT64_MAX); /* not wrapped */
	ck_assert_uint_ge(pc.next_ms, now);
	ck_assert_int_eq(pc.next_action, VT_ACT_TEARDOWN);
	ck_assert_int_eq(pc.reason, VT_REASON_NO_TIMER_LIMIT);

	/* INT_MAX seconds: the product is done in 64 bits, no int overflow */
	p.no_timer_limit_s = 2147483647;
	vt_policy_init(&pc, &p, VT_MODE_NON_TIMER);
	vt_policy_answered(&pc, 0, 1000);
	ck_assert_uint_eq(pc.next_ms, 1000 + 2147483647ULL * 1000);
}
END_TEST

START_TEST(test_hangup_now)
{
	vt_policy_t pc;
	vt_reason_t r;

	answered_non_timer(&pc);
	ck_assert_int_eq(vt_policy_hangup_now(&pc, VT_REASON_ADMIN, 2000),
			VT_ACT_TEARDOWN);
	ck_assert_int_eq(pc.state, VT_ST_TEARDOWN);
	ck_assert_int_eq(pc.reason, VT_REASON_ADMIN);
	ck_assert_str_eq(vt_reason_name((vt_reason_t)pc.reason), "admin");
	ck_assert_int_eq(pc.teardown_tries, 1);
	ck_assert_uint_eq(pc.next_ms, 2000 + VT_TEARDOWN_RECHECK_MS);
	ck_assert_int_eq(pc.next_action, VT_ACT_TEARDOWN_RETRY);

	/* already tearing down */
	ck_assert_int_eq(vt_policy_hangup_now(&pc, VT_REASON_ADMIN, 3000),
			VT_ACT_NONE);
	ck_assert_int_eq(pc.teardown_tries, 1);
	ck_assert_uint_eq(pc.next_ms, 2000 + VT_TEARDOWN_RECHECK_MS);

	/* the recheck keeps the admin reason */
	ck_assert_int_eq(vt_policy_on_deadline(&pc, pc.next_ms, &r),
			VT_ACT_TEARDOWN_RETRY);
	ck_assert_int_eq(r, VT_REASON_ADMIN);
}
END_TEST

START_TEST(test_hangup_now_after_limit_teardown)
{
	vt_policy_t pc;
	vt_reason_t r;

	answered_non_timer(&pc);
	ck_assert_int_eq(vt_policy_on_deadline(&pc, 4000, &r), VT_ACT_TEARDOWN);
	ck_assert_int_eq(vt_policy_hangup_now(&pc, VT_REASON_ADMIN, 4500),
			VT_ACT_NONE);
	/* the original reason stands */
	ck_assert_int_eq(pc.reason, VT_REASON_NO_TIMER_LIMIT);
}
END_TEST

START_TEST(test_hangup_now_early_and_timer)
{
	vt_policy_t pc;

	/* an early call can be ended by the operator too */
	vt_policy_init(&pc, &vt_params_default, VT_MODE_NON_TIMER);
	ck_assert_int_eq(vt_policy_hangup_now(&pc, VT_REASON_ADMIN, 500),
			VT_ACT_TEARDOWN);
	ck_assert_int_eq(pc.state, VT_ST_TEARDOWN);
	ck_assert_int_eq(pc.reason, VT_REASON_ADMIN);

	/* and a timer call with nothing scheduled */
	vt_policy_init(&pc, &vt_params_default, VT_MODE_TIMER);
	vt_policy_answered(&pc, 1, 100);
	ck_assert_uint_eq(pc.next_ms, VT_NO_DEADLINE);
	ck_assert_int_eq(vt_policy_hangup_now(&pc, VT_REASON_ADMIN, 700),
			VT_ACT_TEARDOWN);
	ck_assert_int_eq(pc.state, VT_ST_TEARDOWN);
	ck_assert_uint_eq(pc.next_ms, 700 + VT_TEARDOWN_RECHECK_MS);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(vt_reason_name(VT_REASON_SESSION_EXPIRED),
			"session-expired");
	ck_assert_str_eq(vt_reason_name(VT_REASON_LEG_GONE), "leg-gone");
	ck_assert_str_eq(vt_reason_name(VT_REASON_NO_TIMER_LIMIT),
			"no-timer-limit");
	ck_assert_str_eq(vt_reason_name(VT_REASON_ADMIN), "admin");
	ck_assert_str_eq(vt_reason_name(VT_REASON_NONE), "none");

	ck_assert_str_eq(vt_mode_name(VT_MODE_TIMER), "timer");
	ck_assert_str_eq(vt_mode_name(VT_MODE_NON_TIMER), "non-timer");

	ck_assert_str_eq(vt_state_name(VT_ST_EARLY), "early");
	ck_assert_str_eq(vt_state_name(VT_ST_ACTIVE), "active");
	ck_assert_str_eq(vt_state_name(VT_ST_TEARDOWN), "teardown");
	ck_assert_str_eq(vt_state_name((vt_state_t)99), "?");

	ck_assert_str_eq(vt_action_name(VT_ACT_NONE), "none");
	ck_assert_str_eq(vt_action_name(VT_ACT_TEARDOWN), "teardown");
	ck_assert_str_eq(vt_action_name(VT_ACT_TEARDOWN_RETRY),
			"teardown-recheck");
	ck_assert_str_eq(vt_action_name(VT_ACT_FORGET), "forget");
}
END_TEST

START_TEST(test_reason_header)
{
	static const vt_reason_t reasons[] = {VT_REASON_SESSION_EXPIRED,
			VT_REASON_LEG_GONE, VT_REASON_NO_TIMER_LIMIT, VT_REASON_ADMIN};
	static const char *cause[] = {
			"SIP;cause=408", "SIP;cause=481", "Q.850;cause=102",
			"Q.850;cause=16;"};
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

Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("lifecycle");

	tcase_add_test(tc, test_init);
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

	tc = tcase_create("names");
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_reason_header);
	suite_add_tcase(s, tc);
	return s;
}
