/* Unit tests: modules/vos_timer/vt_headers.c (SPEC section 3, timer support). */
#include <string.h>

#include "unit_suites.h"
#include "vt_headers.h"

static int name_is(const char *name, const char *long_name, char compact)
{
	return vt_hdr_name_is(name, strlen(name), long_name, compact);
}

static int has(const char *body, const char *token)
{
	return vt_token_list_has(body, strlen(body), token);
}

static void add(vt_timer_facts_t *f, const char *name, const char *body)
{
	vt_facts_add_header(f, name, strlen(name), body, strlen(body));
}

START_TEST(test_name_long_and_case)
{
	ck_assert_int_eq(name_is("Session-Expires", "Session-Expires", 'x'), 1);
	ck_assert_int_eq(name_is("session-expires", "Session-Expires", 'x'), 1);
	ck_assert_int_eq(name_is("SESSION-EXPIRES", "Session-Expires", 'x'), 1);
	ck_assert_int_eq(name_is("sEsSiOn-ExPiReS", "Session-Expires", 'x'), 1);
	ck_assert_int_eq(name_is("Supported", "Supported", 'k'), 1);
	ck_assert_int_eq(name_is("require", "Require", 0), 1);
}
END_TEST

START_TEST(test_name_compact)
{
	ck_assert_int_eq(name_is("x", "Session-Expires", 'x'), 1);
	ck_assert_int_eq(name_is("X", "Session-Expires", 'x'), 1);
	ck_assert_int_eq(name_is("k", "Supported", 'k'), 1);
	ck_assert_int_eq(name_is("K", "Supported", 'k'), 1);
	/* the compact letter of another header does not match */
	ck_assert_int_eq(name_is("k", "Session-Expires", 'x'), 0);
	ck_assert_int_eq(name_is("x", "Supported", 'k'), 0);
	/* no compact form: no one-letter match */
	ck_assert_int_eq(name_is("r", "Require", 0), 0);
	ck_assert_int_eq(name_is("R", "Require", 0), 0);
}
END_TEST

START_TEST(test_name_mismatch)
{
	ck_assert_int_eq(name_is("Session-Expires2", "Session-Expires", 'x'), 0);
	ck_assert_int_eq(name_is("Session-Expire", "Session-Expires", 'x'), 0);
	ck_assert_int_eq(name_is("xx", "Session-Expires", 'x'), 0);
	ck_assert_int_eq(name_is("", "Session-Expires", 'x'), 0);
	ck_assert_int_eq(name_is("Expires", "Session-Expires", 'x'), 0);
	ck_assert_int_eq(vt_hdr_name_is(NULL, 0, "Session-Expires", 'x'), 0);
	/* len, not the NUL, bounds the name */
	ck_assert_int_eq(
			vt_hdr_name_is("Session-Expires2", 15, "Session-Expires", 'x'), 1);
	ck_assert_int_eq(vt_hdr_name_is("xyz", 1, "Session-Expires", 'x'), 1);
}
END_TEST

START_TEST(test_token_list_match)
{
	ck_assert_int_eq(has("timer", "timer"), 1);
	ck_assert_int_eq(has("100rel, timer", "timer"), 1);
	ck_assert_int_eq(has("100rel,timer ", "timer"), 1);
	ck_assert_int_eq(has(" TIMER", "timer"), 1);
	ck_assert_int_eq(has("Timer", "timer"), 1);
	ck_assert_int_eq(has("100rel,,timer", "timer"), 1);
	ck_assert_int_eq(has("100rel,\ttimer\t,path", "timer"), 1);
	ck_assert_int_eq(has("\ttimer", "timer"), 1);
	ck_assert_int_eq(has("timer,100rel", "timer"), 1);
	ck_assert_int_eq(has("path , timer , 100rel", "timer"), 1);
}
END_TEST

START_TEST(test_token_list_no_match)
{
	ck_assert_int_eq(has("timers", "timer"), 0);
	ck_assert_int_eq(has("time", "timer"), 0);
	ck_assert_int_eq(has("", "timer"), 0);
	ck_assert_int_eq(has("100rel", "timer"), 0);
	ck_assert_int_eq(has("100rel,,", "timer"), 0);
	ck_assert_int_eq(has(",", "timer"), 0);
	ck_assert_int_eq(has("xtimer", "timer"), 0);
	ck_assert_int_eq(has("ti mer", "timer"), 0);
	ck_assert_int_eq(vt_token_list_has(NULL, 0, "timer"), 0);
	/* len bounds the body: "timer" cut to "time" */
	ck_assert_int_eq(vt_token_list_has("timer", 4, "timer"), 0);
	/* and what lies past len is not read as part of the list */
	ck_assert_int_eq(vt_token_list_has("100rel,timer", 6, "timer"), 0);
}
END_TEST

START_TEST(test_facts_session_expires)
{
	vt_timer_facts_t f;

	memset(&f, 0, sizeof(f));
	add(&f, "Session-Expires", "1800;refresher=uac");
	ck_assert_int_eq(f.has_session_expires, 1);
	ck_assert_int_eq(f.supports_timer, 0);

	/* any body counts, even a malformed or empty one */
	memset(&f, 0, sizeof(f));
	add(&f, "Session-Expires", "abc");
	ck_assert_int_eq(f.has_session_expires, 1);
	memset(&f, 0, sizeof(f));
	add(&f, "session-expires", "");
	ck_assert_int_eq(f.has_session_expires, 1);
	memset(&f, 0, sizeof(f));
	vt_facts_add_header(&f, "Session-Expires", 15, NULL, 0);
	ck_assert_int_eq(f.has_session_expires, 1);

	/* compact form */
	memset(&f, 0, sizeof(f));
	add(&f, "x", "90");
	ck_assert_int_eq(f.has_session_expires, 1);
	ck_assert_int_eq(f.supports_timer, 0);
	memset(&f, 0, sizeof(f));
	add(&f, "X", "90");
	ck_assert_int_eq(f.has_session_expires, 1);
}
END_TEST

START_TEST(test_facts_supported_require)
{
	vt_timer_facts_t f;

	memset(&f, 0, sizeof(f));
	add(&f, "Supported", "timer");
	ck_assert_int_eq(f.supports_timer, 1);
	ck_assert_int_eq(f.has_session_expires, 0);

	memset(&f, 0, sizeof(f));
	add(&f, "k", "100rel, timer");
	ck_assert_int_eq(f.supports_timer, 1);
	ck_assert_int_eq(f.has_session_expires, 0);

	memset(&f, 0, sizeof(f));
	add(&f, "Supported", "100rel");
	ck_assert_int_eq(f.supports_timer, 0);
	ck_assert_int_eq(f.has_session_expires, 0);

	memset(&f, 0, sizeof(f));
	add(&f, "Require", "timer");
	ck_assert_int_eq(f.supports_timer, 1);

	memset(&f, 0, sizeof(f));
	add(&f, "require", "100rel");
	ck_assert_int_eq(f.supports_timer, 0);

	/* Proxy-Require and Unsupported are not Supported/Require */
	memset(&f, 0, sizeof(f));
	add(&f, "Proxy-Require", "timer");
	add(&f, "Unsupported", "timer");
	ck_assert_int_eq(f.supports_timer, 0);
	ck_assert_int_eq(f.has_session_expires, 0);
}
END_TEST

START_TEST(test_facts_accumulate)
{
	vt_timer_facts_t f;

	memset(&f, 0, sizeof(f));
	add(&f, "Supported", "100rel");
	ck_assert_int_eq(f.supports_timer, 0);
	add(&f, "Supported", "timer");
	ck_assert_int_eq(f.supports_timer, 1);
	/* a later header without timer does not clear it */
	add(&f, "Supported", "path");
	ck_assert_int_eq(f.supports_timer, 1);
	ck_assert_int_eq(f.has_session_expires, 0);
	add(&f, "x", "1800");
	ck_assert_int_eq(f.has_session_expires, 1);
	ck_assert_int_eq(f.supports_timer, 1);
	add(&f, "Expires", "60");
	ck_assert_int_eq(f.has_session_expires, 1);
	ck_assert_int_eq(f.supports_timer, 1);
}
END_TEST

START_TEST(test_facts_unrelated)
{
	vt_timer_facts_t f;
	static const char *names[] = {"Expires", "Min-SE", "Contact", "Via",
			"Allow", "Session-Expires2", "xx", "e", "Require2"};
	size_t i;

	for(i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		memset(&f, 0, sizeof(f));
		add(&f, names[i], "timer");
		ck_assert_msg(f.has_session_expires == 0 && f.supports_timer == 0,
				"header %s changed facts", names[i]);
	}
	memset(&f, 0, sizeof(f));
	add(&f, "Expires", "60");
	add(&f, "Min-SE", "90");
	ck_assert_int_eq(f.has_session_expires, 0);
	ck_assert_int_eq(f.supports_timer, 0);
	ck_assert_int_eq(vt_facts_timer_capable(&f), 0);
}
END_TEST

START_TEST(test_facts_timer_capable)
{
	vt_timer_facts_t f;

	f.has_session_expires = 0;
	f.supports_timer = 0;
	ck_assert_int_eq(vt_facts_timer_capable(&f) != 0, 0);
	f.has_session_expires = 1;
	f.supports_timer = 0;
	ck_assert_int_eq(vt_facts_timer_capable(&f) != 0, 1);
	f.has_session_expires = 0;
	f.supports_timer = 1;
	ck_assert_int_eq(vt_facts_timer_capable(&f) != 0, 1);
	f.has_session_expires = 1;
	f.supports_timer = 1;
	ck_assert_int_eq(vt_facts_timer_capable(&f) != 0, 1);

	/* end to end through the header folding */
	memset(&f, 0, sizeof(f));
	add(&f, "k", "100rel, timer");
	ck_assert_int_eq(vt_facts_timer_capable(&f) != 0, 1);
	memset(&f, 0, sizeof(f));
	add(&f, "Supported", "100rel");
	ck_assert_int_eq(vt_facts_timer_capable(&f) != 0, 0);
}
END_TEST

Suite *headers_suite(void)
{
	Suite *s = suite_create("headers");
	TCase *tc = tcase_create("names");

	tcase_add_test(tc, test_name_long_and_case);
	tcase_add_test(tc, test_name_compact);
	tcase_add_test(tc, test_name_mismatch);
	suite_add_tcase(s, tc);

	tc = tcase_create("token_list");
	tcase_add_test(tc, test_token_list_match);
	tcase_add_test(tc, test_token_list_no_match);
	suite_add_tcase(s, tc);

	tc = tcase_create("facts");
	tcase_add_test(tc, test_facts_session_expires);
	tcase_add_test(tc, test_facts_supported_require);
	tcase_add_test(tc, test_facts_accumulate);
	tcase_add_test(tc, test_facts_unrelated);
	tcase_add_test(tc, test_facts_timer_capable);
	suite_add_tcase(s, tc);
	return s;
}
