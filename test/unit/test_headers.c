/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* Unit tests: modules/vos_timer/vt_headers.c (doc/ section "How session-timer headers are read", timer support,
 * RFC 4028 proxy role, bounds against the network). */
#include <stdlib.h>
#include <string.h>

#include "unit_suites.h"
#include "vt_headers.h"

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Every body is copied into a buffer of exactly its length, without a NUL,
 * so that ASan reports any read past len (as the glue's bodies are). */
static char *exact_copy(const char *s, size_t len)
{
	char *b = malloc(len ? len : 1);

	ck_assert_ptr_nonnull(b);
	if(len)
		memcpy(b, s, len);
	return b;
}

static vt_hval_t parse_n(
		const char *body, size_t len, int with_refresher, vt_delta_t *out)
{
	char *b = exact_copy(body, len);
	vt_hval_t r = vt_parse_delta(b, len, with_refresher, out);

	free(b);
	return r;
}

static vt_hval_t parse(const char *body, int with_refresher, vt_delta_t *out)
{
	return parse_n(body, strlen(body), with_refresher, out);
}

static int name_is(const char *name, const char *long_name, char compact)
{
	char *b = exact_copy(name, strlen(name));
	int r = vt_hdr_name_is(b, strlen(name), long_name, compact);

	free(b);
	return r;
}

static int has_n(const char *body, size_t len, const char *token)
{
	char *b = exact_copy(body, len);
	int r = vt_token_list_has(b, len, token);

	free(b);
	return r;
}

static int has(const char *body, const char *token)
{
	return has_n(body, strlen(body), token);
}

static void add(vt_timer_facts_t *f, const char *name, const char *body)
{
	char *n = exact_copy(name, strlen(name));
	char *b = exact_copy(body, strlen(body));

	vt_facts_add_header(f, n, strlen(name), b, strlen(body));
	free(n);
	free(b);
}

/* The facts of a message with just this header. */
static vt_timer_facts_t facts_of(const char *name, const char *body)
{
	vt_timer_facts_t f;

	memset(&f, 0, sizeof(f));
	add(&f, name, body);
	return f;
}

/* A well-formed body and what it must parse to. */
typedef struct ok_case
{
	const char *body;
	int with_refresher;
	uint32_t secs;
	vt_refresher_t refresher;
	size_t num_off;
	size_t num_len;
} ok_case_t;

static void check_ok(const ok_case_t *c, size_t n)
{
	vt_delta_t d;
	size_t i;

	for(i = 0; i < n; i++) {
		memset(&d, 0xab, sizeof(d));
		ck_assert_msg(parse(c[i].body, c[i].with_refresher, &d) == VT_HV_OK,
				"\"%s\" (refresher %d) not OK", c[i].body, c[i].with_refresher);
		ck_assert_msg(d.secs == c[i].secs, "\"%s\": secs %u, want %u",
				c[i].body, (unsigned)d.secs, (unsigned)c[i].secs);
		ck_assert_msg(d.refresher == c[i].refresher,
				"\"%s\": refresher %d, want %d", c[i].body, (int)d.refresher,
				(int)c[i].refresher);
		ck_assert_msg(d.num_off == c[i].num_off && d.num_len == c[i].num_len,
				"\"%s\": digits at %zu+%zu, want %zu+%zu", c[i].body, d.num_off,
				d.num_len, c[i].num_off, c[i].num_len);
	}
}

/* Malformed bodies, for Session-Expires (1) and/or Min-SE (0); *out must
 * be left untouched. */
static void check_malformed(const char *const *bodies, size_t n, int with_ref)
{
	vt_delta_t d, sentinel;
	size_t i;

	memset(&sentinel, 0xab, sizeof(sentinel));
	for(i = 0; i < n; i++) {
		d = sentinel;
		ck_assert_msg(parse(bodies[i], with_ref, &d) == VT_HV_MALFORMED,
				"\"%s\" (refresher %d) not MALFORMED", bodies[i], with_ref);
		ck_assert_msg(memcmp(&d, &sentinel, sizeof(d)) == 0,
				"\"%s\": out written on MALFORMED", bodies[i]);
	}
}

/* ---- names ---- */

START_TEST(test_name_long_and_case)
{
	ck_assert_int_eq(name_is("Session-Expires", "Session-Expires", 'x'), 1);
	ck_assert_int_eq(name_is("session-expires", "Session-Expires", 'x'), 1);
	ck_assert_int_eq(name_is("SESSION-EXPIRES", "Session-Expires", 'x'), 1);
	ck_assert_int_eq(name_is("sEsSiOn-ExPiReS", "Session-Expires", 'x'), 1);
	ck_assert_int_eq(name_is("Supported", "Supported", 'k'), 1);
	ck_assert_int_eq(name_is("require", "Require", 0), 1);
	ck_assert_int_eq(name_is("Min-SE", "Min-SE", 0), 1);
	ck_assert_int_eq(name_is("min-se", "Min-SE", 0), 1);
	ck_assert_int_eq(name_is("MIN-SE", "Min-SE", 0), 1);
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
	ck_assert_int_eq(name_is("m", "Min-SE", 0), 0);
	ck_assert_int_eq(name_is("M", "Min-SE", 0), 0);
	/* the compact letter given in either case */
	ck_assert_int_eq(name_is("X", "Session-Expires", 'X'), 1);
	ck_assert_int_eq(name_is("x", "Session-Expires", 'X'), 1);
}
END_TEST

START_TEST(test_name_mismatch)
{
	ck_assert_int_eq(name_is("Session-Expires2", "Session-Expires", 'x'), 0);
	ck_assert_int_eq(name_is("Session-Expire", "Session-Expires", 'x'), 0);
	ck_assert_int_eq(name_is("xx", "Session-Expires", 'x'), 0);
	ck_assert_int_eq(name_is("", "Session-Expires", 'x'), 0);
	ck_assert_int_eq(name_is("Expires", "Session-Expires", 'x'), 0);
	ck_assert_int_eq(name_is("Min-SE2", "Min-SE", 0), 0);
	ck_assert_int_eq(name_is("MinSE", "Min-SE", 0), 0);
	ck_assert_int_eq(name_is("Min_SE", "Min-SE", 0), 0);
	ck_assert_int_eq(name_is("Min-SE ", "Min-SE", 0), 0);
	ck_assert_int_eq(vt_hdr_name_is(NULL, 0, "Session-Expires", 'x'), 0);
	ck_assert_int_eq(vt_hdr_name_is(NULL, 15, "Session-Expires", 'x'), 0);
	/* a NUL inside the name is a byte like any other */
	ck_assert_int_eq(vt_hdr_name_is("Min\0SE", 6, "Min-SE", 0), 0);
	/* len, not the NUL, bounds the name */
	ck_assert_int_eq(
			vt_hdr_name_is("Session-Expires2", 15, "Session-Expires", 'x'), 1);
	ck_assert_int_eq(vt_hdr_name_is("xyz", 1, "Session-Expires", 'x'), 1);
}
END_TEST

/* ---- option-tag lists ---- */

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
	ck_assert_int_eq(has("100rel,\r\n timer", "timer"), 1);
	ck_assert_int_eq(has(",timer,", "timer"), 1);
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
	ck_assert_int_eq(has("timer;x", "timer"), 0);
	ck_assert_int_eq(vt_token_list_has(NULL, 0, "timer"), 0);
	ck_assert_int_eq(vt_token_list_has(NULL, 5, "timer"), 0);
	/* an empty token is never "in" a list, not even in empty items */
	ck_assert_int_eq(has("100rel,,path", ""), 0);
	ck_assert_int_eq(vt_token_list_has("timer", 5, NULL), 0);
	/* len bounds the body: "timer" cut to "time" */
	ck_assert_int_eq(has_n("timer", 4, "timer"), 0);
	/* and what lies past len is not read as part of the list */
	ck_assert_int_eq(has_n("100rel,timer", 6, "timer"), 0);
	ck_assert_int_eq(has_n("100rel,timer", 7, "timer"), 0);
}
END_TEST

/* ---- delta-seconds bodies ---- */

START_TEST(test_delta_plain)
{
	static const ok_case_t c[] = {
			{"1800", 1, 1800, VT_REFRESHER_NONE, 0, 4},
			{"90", 1, 90, VT_REFRESHER_NONE, 0, 2},
			{"90", 0, 90, VT_REFRESHER_NONE, 0, 2},
			{"1", 1, 1, VT_REFRESHER_NONE, 0, 1},
			/* 0 is a delta-seconds; what it means is policy's call */
			{"0", 1, 0, VT_REFRESHER_NONE, 0, 1},
			{"86400", 0, 86400, VT_REFRESHER_NONE, 0, 5},
	};

	check_ok(c, N_ELEM(c));
}
END_TEST

START_TEST(test_delta_numbers)
{
	static const ok_case_t ok[] = {
			{"2147483647", 1, 2147483647u, VT_REFRESHER_NONE, 0, 10},
			{"2147483647", 0, 2147483647u, VT_REFRESHER_NONE, 0, 10},
			/* leading zeros: allowed, counted in num_len, no overflow however
			 * many there are */
			{"01800", 1, 1800, VT_REFRESHER_NONE, 0, 5},
			{"0000001800", 1, 1800, VT_REFRESHER_NONE, 0, 10},
			{"00", 0, 0, VT_REFRESHER_NONE, 0, 2},
			{"000000000000000000000000000000000000000090", 0, 90,
					VT_REFRESHER_NONE, 0, 42},
			{"0000000000000000000000000002147483647", 1, 2147483647u,
					VT_REFRESHER_NONE, 0, 37},
	};
	static const char *const bad[] = {
			"abc",
			"-5",
			"+5",
			"-0",
			"+1800",
			"2147483648",
			"2147483649",
			"4294967295",
			"4294967296", /* would wrap a uint32_t to 0 */
			"4294967297", /* ... and to 1 */
			"9999999999",
			"18446744073709551615",
			"18446744073709551616", /* would wrap a uint64_t to 0 */
			"99999999999999999999",
			"99999999999999999999999999999999999999999999999999",
			"0000000000000000000000000002147483648",
			"1800abc",
			"1800.5",
			"1.5",
			"1e3",
			"0x10",
			"1800,3600",
			"1800, 3600",
			"\"1800\"",
			"1800\"",
			"=1800",
			";1800",
			"1800=",
			"\xd9\xa3", /* ARABIC-INDIC DIGIT THREE is not a DIGIT */
			"1800\xff",
	};

	check_ok(ok, N_ELEM(ok));
	check_malformed(bad, N_ELEM(bad), 1);
	check_malformed(bad, N_ELEM(bad), 0);
}
END_TEST

START_TEST(test_delta_empty)
{
	static const char *const bad[] = {"", " ", "\t", "\r\n", " \t\r\n\t ", ";",
			";refresher=uac", " ;refresher=uas"};
	vt_delta_t d;

	check_malformed(bad, N_ELEM(bad), 1);
	check_malformed(bad, N_ELEM(bad), 0);
	ck_assert_int_eq(vt_parse_delta(NULL, 0, 1, &d), VT_HV_MALFORMED);
	ck_assert_int_eq(vt_parse_delta(NULL, 0, 0, &d), VT_HV_MALFORMED);
	/* NULL with a length (a glue bug) is malformed, not a crash */
	ck_assert_int_eq(vt_parse_delta(NULL, 4, 1, &d), VT_HV_MALFORMED);
	/* a NUL byte is not whitespace */
	ck_assert_int_eq(parse_n("\0"
							 "1800",
							 5, 1, &d),
			VT_HV_MALFORMED);
	ck_assert_int_eq(parse_n("1800\0", 5, 1, &d), VT_HV_MALFORMED);
}
END_TEST

START_TEST(test_delta_refresher)
{
	static const ok_case_t c[] = {
			{"1800;refresher=uac", 1, 1800, VT_REFRESHER_UAC, 0, 4},
			{"1800;refresher=uas", 1, 1800, VT_REFRESHER_UAS, 0, 4},
			{"1800;REFRESHER=UAC", 1, 1800, VT_REFRESHER_UAC, 0, 4},
			{"1800;Refresher=Uas", 1, 1800, VT_REFRESHER_UAS, 0, 4},
			{"1800;rEfReShEr=uAc", 1, 1800, VT_REFRESHER_UAC, 0, 4},
			{"1800;refresher=UAS", 1, 1800, VT_REFRESHER_UAS, 0, 4},
			{"90;refresher=uac", 1, 90, VT_REFRESHER_UAC, 0, 2},
			/* params around it */
			{"1800;foo;refresher=uas", 1, 1800, VT_REFRESHER_UAS, 0, 4},
			{"1800;refresher=uac;foo=bar", 1, 1800, VT_REFRESHER_UAC, 0, 4},
			{"1800;a=1;refresher=uas;b=\"x\"", 1, 1800, VT_REFRESHER_UAS, 0, 4},
			/* names that merely start or end like it are other params */
			{"1800;refreshers=foo", 1, 1800, VT_REFRESHER_NONE, 0, 4},
			{"1800;refreshe=foo", 1, 1800, VT_REFRESHER_NONE, 0, 4},
			{"1800;xrefresher=foo", 1, 1800, VT_REFRESHER_NONE, 0, 4},
	};
	static const char *const bad[] = {
			"1800;refresher",
			"1800;refresher=",
			"1800;refresher= ",
			"1800;refresher=foo",
			"1800;refresher=uacx",
			"1800;refresher=ua",
			"1800;refresher=u",
			"1800;refresher=uas uac",
			"1800;refresher=\"uac\"",
			"1800;refresher=[::1]",
			"1800;refresher=uac;refresher=uas",
			"1800;refresher=uac;refresher=uac",
			"1800;refresher=uas;foo;REFRESHER=uas",
	};

	check_ok(c, N_ELEM(c));
	check_malformed(bad, N_ELEM(bad), 1);
}
END_TEST

START_TEST(test_delta_min_se_params)
{
	/* for Min-SE, "refresher" is an ordinary generic-param */
	static const ok_case_t c[] = {
			{"90;refresher=uac", 0, 90, VT_REFRESHER_NONE, 0, 2},
			{"90;refresher=foo", 0, 90, VT_REFRESHER_NONE, 0, 2},
			{"90;refresher", 0, 90, VT_REFRESHER_NONE, 0, 2},
			{"90;refresher=\"x\"", 0, 90, VT_REFRESHER_NONE, 0, 2},
			{"90;refresher=uac;refresher=uas", 0, 90, VT_REFRESHER_NONE, 0, 2},
			{"90;foo=bar", 0, 90, VT_REFRESHER_NONE, 0, 2},
	};
	static const char *const bad[] = {
			"90;", "90;;foo", "90;=x", "90;foo=", "90 90", "90;foo=bar baz"};

	check_ok(c, N_ELEM(c));
	check_malformed(bad, N_ELEM(bad), 0);
}
END_TEST

START_TEST(test_delta_generic_params)
{
	static const ok_case_t c[] = {
			{"1800;foo", 1, 1800, VT_REFRESHER_NONE, 0, 4},
			{"1800;foo=bar", 1, 1800, VT_REFRESHER_NONE, 0, 4},
			{"1800;foo;bar;baz=1", 1, 1800, VT_REFRESHER_NONE, 0, 4},
			/* every token character, in name and value */
			{"1800;a-b.c!d%e*f_g+h`i'j~k=a-b.c!d%e*f_g+h`i'j~k", 1, 1800,
					VT_REFRESHER_NONE, 0, 4},
			{"1800;x=host.example.com", 1, 1800, VT_REFRESHER_NONE, 0, 4},
			{"1800;x=192.0.2.1", 1, 1800, VT_REFRESHER_NONE, 0, 4},
			/* gen-value = token / host / quoted-string: an IPv6 reference */
			{"1800;x=[2001:db8::1]", 1, 1800, VT_REFRESHER_NONE, 0, 4},
			{"1800;x=[::ffff:192.0.2.1]", 1, 1800, VT_REFRESHER_NONE, 0, 4},
			/* quoted-strings: separators, blanks, escapes, UTF-8 inside */
			{"1800;foo=\"\"", 1, 1800, VT_REFRESHER_NONE, 0, 4},
			{"1800;foo=\"a b;c=d,e\"", 1, 1800, VT_REFRESHER_NONE, 0, 4},
			{"1800;foo=\"say \\\"hi\\\"\"", 1, 1800, VT_REFRESHER_NONE, 0, 4},
			{"1800;foo=\"back\\\\slash\"", 1, 1800, VT_REFRESHER_NONE, 0, 4},
			{"1800;foo=\"\\;\";refresher=uas", 1, 1800, VT_REFRESHER_UAS, 0, 4},
			{"1800;foo=\"refresher=uas\"", 1, 1800, VT_REFRESHER_NONE, 0, 4},
			{"1800;foo=\"caf\xc3\xa9\"", 1, 1800, VT_REFRESHER_NONE, 0, 4},
			{"1800;foo=\"a\r\n b\"", 1, 1800, VT_REFRESHER_NONE, 0, 4},
			{"1800;foo=\"tab\\\t\"", 1, 1800, VT_REFRESHER_NONE, 0, 4},
	};
	static const char *const bad[] = {
			"1800;",
			"1800; ",
			"1800;;foo",
			"1800;foo;",
			"1800;foo;;",
			"1800;=x",
			"1800; =x",
			"1800;foo=",
			"1800;foo= ",
			"1800;foo==bar",
			"1800;foo=bar=baz",
			"1800;foo=bar baz",
			"1800;foo bar",
			"1800;foo=a,b",
			"1800;fo@o=1",
			"1800;fo/o=1",
			"1800;foo=a/b",
			"1800;f\xc3\xa9=1",
			"1800;foo=\"unterminated",
			"1800;foo=\"",
			"1800;foo=\"a\\",
			"1800;foo=\"a\\\"",
			"1800;foo=\"a\"b",
			"1800;foo=\"a\"\"b\"",
			"1800;foo=\"a\x01\"",
			"1800;foo=\"a\x7f\"",
			"1800;foo=\"a\\\r\"",
			"1800;foo=\"a\\\n\"",
			"1800;foo=\"a\\\xc3\xa9\"",
			"1800;foo=[",
			"1800;foo=[]",
			"1800;foo=[::1",
			"1800;foo=[::1]x",
			"1800;foo=[g::1]",
			"1800;foo=x[::1]",
			"1800 foo",
			"1800,foo",
	};

	check_ok(c, N_ELEM(c));
	check_malformed(bad, N_ELEM(bad), 1);
	check_malformed(bad, N_ELEM(bad), 0);
}
END_TEST

START_TEST(test_delta_whitespace)
{
	static const ok_case_t c[] = {
			{" 1800", 1, 1800, VT_REFRESHER_NONE, 1, 4},
			{"1800 ", 1, 1800, VT_REFRESHER_NONE, 0, 4},
			{"\t1800\t", 1, 1800, VT_REFRESHER_NONE, 1, 4},
			{"1800 ;refresher = uas", 1, 1800, VT_REFRESHER_UAS, 0, 4},
			{"  1800  ;  refresher  =  uac  ", 1, 1800, VT_REFRESHER_UAC, 2, 4},
			{"1800\t;\trefresher\t=\tuas\t", 1, 1800, VT_REFRESHER_UAS, 0, 4},
			/* folding (CRLF then blanks), as a raw body may carry it */
			{"1800\r\n ;refresher=uac", 1, 1800, VT_REFRESHER_UAC, 0, 4},
			{"1800;\r\n\trefresher=uas", 1, 1800, VT_REFRESHER_UAS, 0, 4},
			{"1800;refresher\r\n =\r\n uac\r\n", 1, 1800, VT_REFRESHER_UAC, 0,
					4},
			{"\r\n\t1800", 1, 1800, VT_REFRESHER_NONE, 3, 4},
			{" \t 0090 ;foo = \"x\" ; refresher= uas", 1, 90, VT_REFRESHER_UAS,
					3, 4},
			{"90 ; foo = bar ", 0, 90, VT_REFRESHER_NONE, 0, 2},
	};
	static const char *const bad[] = {
			"18 00",
			"1800 1",
			"1 800",
			"1800\r\n1",
			"1800\t1",
			"1800;refresher=u ac",
			"1800;refr esher=uac",
			"1800 ; ; refresher=uac",
	};

	check_ok(c, N_ELEM(c));
	check_malformed(bad, N_ELEM(bad), 1);
}
END_TEST

START_TEST(test_delta_len_bounds)
{
	vt_delta_t d;

	/* only len bytes are the body; what lies after is not looked at */
	ck_assert_int_eq(parse_n("1800;refresher=uac", 4, 1, &d), VT_HV_OK);
	ck_assert_int_eq(d.secs, 1800);
	ck_assert_int_eq(d.refresher, VT_REFRESHER_NONE);
	ck_assert_int_eq(parse_n("1800x", 4, 1, &d), VT_HV_OK);
	ck_assert_int_eq(parse_n("18000000000", 4, 1, &d), VT_HV_OK);
	ck_assert_int_eq(d.secs, 1800);
	ck_assert_int_eq(d.num_len, 4);
	ck_assert_int_eq(parse_n("1800;refresher=uacx", 18, 1, &d), VT_HV_OK);
	ck_assert_int_eq(d.refresher, VT_REFRESHER_UAC);
	/* cut inside a parameter: the body ends where len says */
	ck_assert_int_eq(parse_n("1800;refresher=uac", 17, 1, &d), VT_HV_MALFORMED);
	ck_assert_int_eq(parse_n("1800;refresher=uac", 5, 1, &d), VT_HV_MALFORMED);
	ck_assert_int_eq(parse_n("1800;foo=\"x\"", 11, 1, &d), VT_HV_MALFORMED);
	ck_assert_int_eq(parse_n("1800;foo=\"x\\\"\"", 13, 1, &d), VT_HV_MALFORMED);
	ck_assert_int_eq(parse_n("1800;foo=[::1]", 13, 1, &d), VT_HV_MALFORMED);
	/* out may be NULL: the verdict alone */
	ck_assert_int_eq(vt_parse_delta("1800", 4, 1, NULL), VT_HV_OK);
	ck_assert_int_eq(vt_parse_delta("abc", 3, 1, NULL), VT_HV_MALFORMED);
}
END_TEST

START_TEST(test_delta_num_position)
{
	static const ok_case_t c[] = {
			{"1800", 1, 1800, VT_REFRESHER_NONE, 0, 4},
			{"   1800;refresher=uac", 1, 1800, VT_REFRESHER_UAC, 3, 4},
			{"\t007 ", 0, 7, VT_REFRESHER_NONE, 1, 3},
			{"\r\n 2147483647\r\n", 1, 2147483647u, VT_REFRESHER_NONE, 3, 10},
	};
	static const char *const bodies[] = {
			"  1800;refresher=uac", "\t0090 ", "4000;x=\"1\"", "\r\n 5;y"};
	static const char *const digits[] = {"1800", "0090", "4000", "5"};
	vt_delta_t d;
	size_t i;

	check_ok(c, N_ELEM(c));
	/* the glue rewrites a value by replacing exactly these bytes */
	for(i = 0; i < N_ELEM(bodies); i++) {
		ck_assert_int_eq(parse(bodies[i], 1, &d), VT_HV_OK);
		ck_assert_uint_le(d.num_off + d.num_len, strlen(bodies[i]));
		ck_assert_uint_eq(d.num_len, strlen(digits[i]));
		ck_assert_msg(memcmp(bodies[i] + d.num_off, digits[i], d.num_len) == 0,
				"\"%s\": digits at %zu+%zu", bodies[i], d.num_off, d.num_len);
	}
}
END_TEST

/* ---- facts ---- */

START_TEST(test_facts_session_expires)
{
	vt_timer_facts_t f;

	f = facts_of("Session-Expires", "1800;refresher=uac");
	ck_assert_int_eq(f.se, VT_HV_OK);
	ck_assert_int_eq(f.se_val.secs, 1800);
	ck_assert_int_eq(f.se_val.refresher, VT_REFRESHER_UAC);
	ck_assert_int_eq(f.se_val.num_off, 0);
	ck_assert_int_eq(f.se_val.num_len, 4);
	ck_assert_int_eq(f.min_se, VT_HV_ABSENT);
	ck_assert_int_eq(f.supports_timer, 0);
	ck_assert_int_eq(f.requires_timer, 0);

	/* present but malformed or empty: MALFORMED, value not used */
	f = facts_of("Session-Expires", "abc");
	ck_assert_int_eq(f.se, VT_HV_MALFORMED);
	ck_assert_int_eq(f.se_val.secs, 0);
	f = facts_of("session-expires", "");
	ck_assert_int_eq(f.se, VT_HV_MALFORMED);
	memset(&f, 0, sizeof(f));
	vt_facts_add_header(&f, "Session-Expires", 15, NULL, 0);
	ck_assert_int_eq(f.se, VT_HV_MALFORMED);
	f = facts_of("Session-Expires", "2147483648");
	ck_assert_int_eq(f.se, VT_HV_MALFORMED);

	/* compact form */
	f = facts_of("x", "90");
	ck_assert_int_eq(f.se, VT_HV_OK);
	ck_assert_int_eq(f.se_val.secs, 90);
	ck_assert_int_eq(f.supports_timer, 0);
	f = facts_of("X", " 90 ; REFRESHER = UAS");
	ck_assert_int_eq(f.se, VT_HV_OK);
	ck_assert_int_eq(f.se_val.refresher, VT_REFRESHER_UAS);
	ck_assert_int_eq(f.se_val.num_off, 1);
}
END_TEST

START_TEST(test_facts_min_se)
{
	vt_timer_facts_t f;

	f = facts_of("Min-SE", "90");
	ck_assert_int_eq(f.min_se, VT_HV_OK);
	ck_assert_int_eq(f.min_se_val.secs, 90);
	ck_assert_int_eq(f.se, VT_HV_ABSENT);
	ck_assert_int_eq(vt_facts_timer_capable(&f), 0);

	/* refresher is an ordinary parameter of Min-SE */
	f = facts_of("min-se", "120;refresher=foo");
	ck_assert_int_eq(f.min_se, VT_HV_OK);
	ck_assert_int_eq(f.min_se_val.secs, 120);
	ck_assert_int_eq(f.min_se_val.refresher, VT_REFRESHER_NONE);

	f = facts_of("MIN-SE", "-90");
	ck_assert_int_eq(f.min_se, VT_HV_MALFORMED);
	ck_assert_int_eq(f.se, VT_HV_ABSENT);

	/* Min-SE has no compact form; "m" is Contact's */
	f = facts_of("m", "90");
	ck_assert_int_eq(f.min_se, VT_HV_ABSENT);
}
END_TEST

START_TEST(test_facts_duplicates)
{
	static const char *const names[2][2] = {
			{"Session-Expires", "x"}, {"Min-SE", "min-se"}};
	static const char *const firsts[] = {"1800", "abc", ""};
	static const char *const seconds[] = {"1800", "90", "abc", ""};
	vt_timer_facts_t f;
	size_t k, i, j;
	vt_hval_t hv, other;
	vt_delta_t *val;

	for(k = 0; k < 2; k++) {
		for(i = 0; i < N_ELEM(firsts); i++) {
			for(j = 0; j < N_ELEM(seconds); j++) {
				/* two headers, equal or not, well-formed or not */
				f = facts_of(names[k][0], firsts[i]);
				add(&f, names[k][1], seconds[j]);
				hv = k == 0 ? f.se : f.min_se;
				other = k == 0 ? f.min_se : f.se;
				val = k == 0 ? &f.se_val : &f.min_se_val;
				ck_assert_msg(hv == VT_HV_DUPLICATE,
						"%s: \"%s\" then \"%s\": %d", names[k][0], firsts[i],
						seconds[j], (int)hv);
				ck_assert_int_eq(other, VT_HV_ABSENT);
				ck_assert_int_eq(val->secs, 0);
				ck_assert_int_eq(vt_facts_untrusted(&f), 1);
				/* a third one: still DUPLICATE */
				add(&f, names[k][0], "1800");
				hv = k == 0 ? f.se : f.min_se;
				ck_assert_int_eq(hv, VT_HV_DUPLICATE);
				ck_assert_int_eq(vt_facts_untrusted(&f), 1);
			}
		}
	}
	/* one of each kind is no duplicate */
	f = facts_of("Session-Expires", "1800");
	add(&f, "Min-SE", "1800");
	ck_assert_int_eq(f.se, VT_HV_OK);
	ck_assert_int_eq(f.min_se, VT_HV_OK);
	ck_assert_int_eq(vt_facts_untrusted(&f), 0);
	/* a duplicated Session-Expires alone does not signal timer support */
	f = facts_of("Session-Expires", "1800");
	add(&f, "x", "1800");
	ck_assert_int_eq(vt_facts_timer_capable(&f), 0);
}
END_TEST

START_TEST(test_facts_supported_require)
{
	vt_timer_facts_t f;

	f = facts_of("Supported", "timer");
	ck_assert_int_eq(f.supports_timer, 1);
	ck_assert_int_eq(f.requires_timer, 0);
	ck_assert_int_eq(f.se, VT_HV_ABSENT);

	f = facts_of("k", "100rel, timer");
	ck_assert_int_eq(f.supports_timer, 1);
	ck_assert_int_eq(f.se, VT_HV_ABSENT);

	f = facts_of("Supported", "100rel");
	ck_assert_int_eq(f.supports_timer, 0);
	ck_assert_int_eq(f.se, VT_HV_ABSENT);

	f = facts_of("Require", "timer");
	ck_assert_int_eq(f.requires_timer, 1);
	ck_assert_int_eq(f.supports_timer, 0);

	f = facts_of("require", "100rel");
	ck_assert_int_eq(f.requires_timer, 0);

	/* Proxy-Require and Unsupported are not Supported/Require */
	f = facts_of("Proxy-Require", "timer");
	add(&f, "Unsupported", "timer");
	ck_assert_int_eq(f.supports_timer, 0);
	ck_assert_int_eq(f.requires_timer, 0);
	ck_assert_int_eq(f.se, VT_HV_ABSENT);

	/* a malformed list is just a list without "timer", never untrusted */
	f = facts_of("Supported", "\"timer\", ;;==");
	ck_assert_int_eq(f.supports_timer, 0);
	ck_assert_int_eq(vt_facts_untrusted(&f), 0);
}
END_TEST

START_TEST(test_facts_accumulate)
{
	vt_timer_facts_t f;

	f = facts_of("Supported", "100rel");
	ck_assert_int_eq(f.supports_timer, 0);
	add(&f, "Supported", "timer");
	ck_assert_int_eq(f.supports_timer, 1);
	/* a later header without timer does not clear it */
	add(&f, "Supported", "path");
	ck_assert_int_eq(f.supports_timer, 1);
	ck_assert_int_eq(f.se, VT_HV_ABSENT);
	add(&f, "Require", "100rel");
	ck_assert_int_eq(f.requires_timer, 0);
	add(&f, "require", "timer");
	add(&f, "Require", "100rel");
	ck_assert_int_eq(f.requires_timer, 1);
	add(&f, "x", "1800");
	ck_assert_int_eq(f.se, VT_HV_OK);
	ck_assert_int_eq(f.supports_timer, 1);
	add(&f, "Expires", "60");
	add(&f, "Min-SE", "90");
	ck_assert_int_eq(f.se, VT_HV_OK);
	ck_assert_int_eq(f.se_val.secs, 1800);
	ck_assert_int_eq(f.min_se, VT_HV_OK);
	ck_assert_int_eq(f.min_se_val.secs, 90);
	ck_assert_int_eq(f.supports_timer, 1);
	ck_assert_int_eq(f.requires_timer, 1);
	ck_assert_int_eq(vt_facts_untrusted(&f), 0);
}
END_TEST

START_TEST(test_facts_unrelated)
{
	static const char *names[] = {"Expires", "Contact", "Via", "Allow",
			"Session-Expires2", "xx", "e", "m", "Require2", "Min-SE2", "MinSE",
			"Proxy-Require", "Unsupported", "Supported2", "kk", ""};
	vt_timer_facts_t f;
	size_t i;

	for(i = 0; i < N_ELEM(names); i++) {
		f = facts_of(names[i], "timer");
		add(&f, names[i], "1800");
		ck_assert_msg(f.se == VT_HV_ABSENT && f.min_se == VT_HV_ABSENT
							  && f.supports_timer == 0 && f.requires_timer == 0,
				"header \"%s\" changed facts", names[i]);
	}
	/* a NULL name (a glue bug) changes nothing */
	memset(&f, 0, sizeof(f));
	vt_facts_add_header(&f, NULL, 0, "1800", 4);
	vt_facts_add_header(&f, NULL, 1, "1800", 4);
	ck_assert_int_eq(f.se, VT_HV_ABSENT);
	/* nor does a NULL facts pointer crash */
	vt_facts_add_header(NULL, "x", 1, "1800", 4);
}
END_TEST

START_TEST(test_facts_timer_capable)
{
	vt_timer_facts_t f;

	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(vt_facts_timer_capable(&f) != 0, 0);
	f.se = VT_HV_OK;
	ck_assert_int_eq(vt_facts_timer_capable(&f) != 0, 1);
	f.se = VT_HV_MALFORMED;
	ck_assert_int_eq(vt_facts_timer_capable(&f) != 0, 0);
	f.se = VT_HV_DUPLICATE;
	ck_assert_int_eq(vt_facts_timer_capable(&f) != 0, 0);
	f.supports_timer = 1;
	ck_assert_int_eq(vt_facts_timer_capable(&f) != 0, 1);
	f.supports_timer = 0;
	f.requires_timer = 1;
	ck_assert_int_eq(vt_facts_timer_capable(&f) != 0, 1);
	memset(&f, 0, sizeof(f));
	f.min_se = VT_HV_OK;
	ck_assert_int_eq(vt_facts_timer_capable(&f) != 0, 0);

	/* end to end through the header folding */
	f = facts_of("Session-Expires", "1800");
	ck_assert_int_eq(vt_facts_timer_capable(&f) != 0, 1);
	f = facts_of("Session-Expires", "abc");
	ck_assert_int_eq(vt_facts_timer_capable(&f) != 0, 0);
	f = facts_of("Session-Expires", "abc");
	add(&f, "Supported", "timer");
	ck_assert_int_eq(vt_facts_timer_capable(&f) != 0, 1);
	f = facts_of("k", "100rel, timer");
	ck_assert_int_eq(vt_facts_timer_capable(&f) != 0, 1);
	f = facts_of("Require", "timer");
	ck_assert_int_eq(vt_facts_timer_capable(&f) != 0, 1);
	f = facts_of("Supported", "100rel");
	add(&f, "Min-SE", "90");
	ck_assert_int_eq(vt_facts_timer_capable(&f) != 0, 0);
}
END_TEST

START_TEST(test_facts_untrusted)
{
	vt_timer_facts_t f;

	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(vt_facts_untrusted(&f), 0);
	f.se = VT_HV_OK;
	f.min_se = VT_HV_OK;
	ck_assert_int_eq(vt_facts_untrusted(&f), 0);
	f.se = VT_HV_MALFORMED;
	ck_assert_int_eq(vt_facts_untrusted(&f), 1);
	f.se = VT_HV_DUPLICATE;
	ck_assert_int_eq(vt_facts_untrusted(&f), 1);
	f.se = VT_HV_ABSENT;
	f.min_se = VT_HV_MALFORMED;
	ck_assert_int_eq(vt_facts_untrusted(&f), 1);
	f.min_se = VT_HV_DUPLICATE;
	ck_assert_int_eq(vt_facts_untrusted(&f), 1);

	/* end to end: a malformed Min-SE next to a good Session-Expires */
	f = facts_of("Session-Expires", "1800;refresher=uac");
	add(&f, "Supported", "timer");
	ck_assert_int_eq(vt_facts_untrusted(&f), 0);
	add(&f, "Min-SE", "90;");
	ck_assert_int_eq(f.min_se, VT_HV_MALFORMED);
	ck_assert_int_eq(vt_facts_untrusted(&f), 1);
	/* the good Session-Expires still signals timer support */
	ck_assert_int_eq(vt_facts_timer_capable(&f) != 0, 1);

	f = facts_of("x", "1800;refresher=foo");
	ck_assert_int_eq(vt_facts_untrusted(&f), 1);
	ck_assert_int_eq(vt_facts_timer_capable(&f) != 0, 0);
}
END_TEST

START_TEST(test_request_to_tag)
{
	static const char bye[] =
			"BYE sip:bob@10.0.0.2:5060;alias=1.2.3.4~5060~1 SIP/2.0\r\n"
			"Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\n"
			"From: <sip:alice@a>;tag=caller-1\r\n"
			"To: <sip:bob@b>;tag=callee-2;x=1\r\n"
			"CSeq: 3 BYE\r\n\r\n";
	static const char plain[] =
			"BYE sip:a SIP/2.0\r\nTo: <sip:a>;TAG=t9\r\n\r\n";
	size_t n = sizeof(bye) - 1;

	ck_assert_int_eq(vt_request_to_has_tag(bye, n, "callee-2", 8), 1);
	/* the caller's tag is in From, not To */
	ck_assert_int_eq(vt_request_to_has_tag(bye, n, "caller-1", 8), 0);
	/* a prefix of the tag is not the tag */
	ck_assert_int_eq(vt_request_to_has_tag(bye, n, "callee-", 7), 0);
	ck_assert_int_eq(vt_request_to_has_tag(bye, n, "callee-2;", 9), 0);
	/* parameter name any case, tag at the end of the line */
	ck_assert_int_eq(
			vt_request_to_has_tag(plain, sizeof(plain) - 1, "t9", 2), 1);
	/* cut before the tag, no To at all, empty input */
	ck_assert_int_eq(vt_request_to_has_tag(bye, 120, "callee-2", 8), 0);
	ck_assert_int_eq(
			vt_request_to_has_tag("BYE x SIP/2.0\r\n\r\n", 17, "t", 1), 0);
	ck_assert_int_eq(vt_request_to_has_tag(NULL, 0, "t", 1), 0);
	ck_assert_int_eq(vt_request_to_has_tag(bye, n, "", 0), 0);
}
END_TEST

START_TEST(test_request_cseq)
{
	static const char bye[] = "BYE sip:bob@b SIP/2.0\r\n"
							  "Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\n"
							  "X-CSeq: 7 BYE\r\n"
							  "CSeq: 103 BYE\r\n\r\n";
	uint32_t n = 0;

	/* the CSeq line, not another header ending in "CSeq" */
	ck_assert_int_eq(vt_request_cseq(bye, sizeof(bye) - 1, &n), 0);
	ck_assert_uint_eq(n, 103);
	/* any case of the name, tabs before the number, the largest value */
	ck_assert_int_eq(
			vt_request_cseq("A\r\ncseq:\t4294967295 BYE\r\n", 25, &n), 0);
	ck_assert_uint_eq(n, 4294967295u);
	/* too large, no number, no CSeq line, cut inside the name, nothing */
	n = 9;
	ck_assert_int_eq(
			vt_request_cseq("A\r\nCSeq: 4294967296 BYE\r\n", 25, &n), -1);
	ck_assert_int_eq(vt_request_cseq("A\r\nCSeq: BYE\r\n", 14, &n), -1);
	ck_assert_int_eq(vt_request_cseq("A\r\nTo: x\r\n", 10, &n), -1);
	ck_assert_int_eq(vt_request_cseq(bye, 84, &n), -1);
	ck_assert_int_eq(vt_request_cseq(NULL, 0, &n), -1);
	ck_assert_uint_eq(n, 9);
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

	tc = tcase_create("delta");
	tcase_add_test(tc, test_delta_plain);
	tcase_add_test(tc, test_delta_numbers);
	tcase_add_test(tc, test_delta_empty);
	tcase_add_test(tc, test_delta_refresher);
	tcase_add_test(tc, test_delta_min_se_params);
	tcase_add_test(tc, test_delta_generic_params);
	tcase_add_test(tc, test_delta_whitespace);
	tcase_add_test(tc, test_delta_len_bounds);
	tcase_add_test(tc, test_delta_num_position);
	suite_add_tcase(s, tc);

	tc = tcase_create("facts");
	tcase_add_test(tc, test_facts_session_expires);
	tcase_add_test(tc, test_facts_min_se);
	tcase_add_test(tc, test_facts_duplicates);
	tcase_add_test(tc, test_facts_supported_require);
	tcase_add_test(tc, test_facts_accumulate);
	tcase_add_test(tc, test_facts_unrelated);
	tcase_add_test(tc, test_facts_timer_capable);
	tcase_add_test(tc, test_facts_untrusted);
	tcase_add_test(tc, test_request_to_tag);
	tcase_add_test(tc, test_request_cseq);
	suite_add_tcase(s, tc);
	return s;
}
