/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* Unit tests: modules/vos_timer/vt_params.c (doc/ section "Parameters"). */
#include <stdio.h>
#include <string.h>

#include "unit_suites.h"
#include "vt_params.h"

/* The ranges of the integer parameters (doc/ section "Parameters"). */
static const struct
{
	vt_param_id_t id;
	const char *name;
	long long min, max;
} int_ranges[] = {
		{VT_P_SESSION_TTL, "session_ttl", 2, 86400},
		{VT_P_UPDATE_SEGMENT, "update_segment", 2, 10},
		{VT_P_EARLY_HANGUP, "early_hangup", 0, 3600},
		{VT_P_NO_TIMER_LIMIT, "no_timer_limit", 0, 604800},
		{VT_P_PROBE_NON_TIMER, "probe_non_timer", 0, 1},
		{VT_P_MIN_SE, "min_se", 90, 86400},
};
#define N_INT_RANGES (sizeof(int_ranges) / sizeof(int_ranges[0]))

static const struct
{
	vt_param_id_t id;
	const char *name;
} all_names[] = {
		{VT_P_SESSION_TTL, "session_ttl"},
		{VT_P_UPDATE_SEGMENT, "update_segment"},
		{VT_P_EARLY_HANGUP, "early_hangup"},
		{VT_P_NO_TIMER_LIMIT, "no_timer_limit"},
		{VT_P_PROBE_METHOD, "probe_method"},
		{VT_P_PROBE_NON_TIMER, "probe_non_timer"},
		{VT_P_MIN_SE, "min_se"},
};
#define N_NAMES (sizeof(all_names) / sizeof(all_names[0]))

/* Parse a NUL-terminated string; returns vt_param_parse's result. */
static int parse_str(vt_param_id_t id, const char *s, int *out)
{
	return vt_param_parse(id, s, strlen(s), out);
}

static int apply_str(vt_params_t *p, const char *s, char *err)
{
	return vt_overrides_apply(p, s, strlen(s), err, VT_ERR_LEN);
}

START_TEST(test_defaults_match_spec)
{
	ck_assert_int_eq(vt_params_default.session_ttl_s, 600);
	ck_assert_int_eq(vt_params_default.update_segment, 2);
	ck_assert_int_eq(vt_params_default.early_hangup_s, 0);
	ck_assert_int_eq(vt_params_default.no_timer_limit_s, 7200);
	ck_assert_int_eq(vt_params_default.probe_method, VT_PROBE_UPDATE);
	ck_assert_int_eq(vt_params_default.probe_non_timer, 0);
	ck_assert_int_eq(vt_params_default.min_se_s, 90);
}
END_TEST

START_TEST(test_defaults_are_consistent)
{
	char err[VT_ERR_LEN] = "";
	size_t i;

	ck_assert_int_eq(
			vt_params_check_consistency(&vt_params_default, err, sizeof(err)),
			0);
	/* every default is itself within its range */
	for(i = 0; i < N_INT_RANGES; i++)
		ck_assert_msg(
				vt_param_check_int(int_ranges[i].id,
						vt_params_get(&vt_params_default, int_ranges[i].id))
						== 0,
				"default of %s out of range", int_ranges[i].name);
}
END_TEST

START_TEST(test_check_int_bounds)
{
	size_t i;

	for(i = 0; i < N_INT_RANGES; i++) {
		vt_param_id_t id = int_ranges[i].id;
		ck_assert_msg(vt_param_check_int(id, int_ranges[i].min) == 0,
				"%s min %lld rejected", int_ranges[i].name, int_ranges[i].min);
		ck_assert_msg(vt_param_check_int(id, int_ranges[i].max) == 0,
				"%s max %lld rejected", int_ranges[i].name, int_ranges[i].max);
		ck_assert_msg(vt_param_check_int(id, int_ranges[i].min - 1) == -1,
				"%s min-1 accepted", int_ranges[i].name);
		ck_assert_msg(vt_param_check_int(id, int_ranges[i].max + 1) == -1,
				"%s max+1 accepted", int_ranges[i].name);
	}
}
END_TEST

START_TEST(test_parse_bounds)
{
	size_t i;
	char buf[32];
	int v;

	for(i = 0; i < N_INT_RANGES; i++) {
		vt_param_id_t id = int_ranges[i].id;

		snprintf(buf, sizeof(buf), "%lld", int_ranges[i].min);
		v = -12345;
		ck_assert_msg(parse_str(id, buf, &v) == 0, "%s \"%s\" rejected",
				int_ranges[i].name, buf);
		ck_assert_int_eq(v, (int)int_ranges[i].min);

		snprintf(buf, sizeof(buf), "%lld", int_ranges[i].max);
		v = -12345;
		ck_assert_msg(parse_str(id, buf, &v) == 0, "%s \"%s\" rejected",
				int_ranges[i].name, buf);
		ck_assert_int_eq(v, (int)int_ranges[i].max);

		snprintf(buf, sizeof(buf), "%lld", int_ranges[i].max + 1);
		v = -12345;
		ck_assert_msg(parse_str(id, buf, &v) == -1, "%s \"%s\" accepted",
				int_ranges[i].name, buf);
		ck_assert_int_eq(v, -12345); /* untouched on error */

		if(int_ranges[i].min > 0) {
			snprintf(buf, sizeof(buf), "%lld", int_ranges[i].min - 1);
			v = -12345;
			ck_assert_msg(parse_str(id, buf, &v) == -1, "%s \"%s\" accepted",
					int_ranges[i].name, buf);
			ck_assert_int_eq(v, -12345);
		}
		/* min-1 == -1 for the 0-based ones: as text it is "-1" */
		v = -12345;
		ck_assert_msg(parse_str(id, "-1", &v) == -1, "%s \"-1\" accepted",
				int_ranges[i].name);
		ck_assert_int_eq(v, -12345);
	}
}
END_TEST

START_TEST(test_specific_rejections)
{
	int v = -7;

	ck_assert_int_eq(parse_str(VT_P_UPDATE_SEGMENT, "1", &v), -1);
	ck_assert_int_eq(parse_str(VT_P_UPDATE_SEGMENT, "11", &v), -1);
	ck_assert_int_eq(vt_param_check_int(VT_P_UPDATE_SEGMENT, 1), -1);
	ck_assert_int_eq(vt_param_check_int(VT_P_UPDATE_SEGMENT, 11), -1);
	ck_assert_int_eq(parse_str(VT_P_SESSION_TTL, "1", &v), -1);
	ck_assert_int_eq(vt_param_check_int(VT_P_SESSION_TTL, 1), -1);
	ck_assert_int_eq(parse_str(VT_P_SESSION_TTL, "-5", &v), -1);
	ck_assert_int_eq(parse_str(VT_P_EARLY_HANGUP, "-5", &v), -1);
	ck_assert_int_eq(v, -7);
}
END_TEST

START_TEST(test_parse_malformed)
{
	static const char *bad[] = {"abc", "", "  ", "12abc", "1.5", "+5",
			"99999999999999999999", "-5", "\t", "3 0", "0x10", "30s"};
	size_t i, k;
	int v;

	for(k = 0; k < N_INT_RANGES; k++) {
		for(i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			v = -12345;
			ck_assert_msg(parse_str(int_ranges[k].id, bad[i], &v) == -1,
					"%s accepted \"%s\"", int_ranges[k].name, bad[i]);
			ck_assert_int_eq(v, -12345);
		}
	}
}
END_TEST

START_TEST(test_parse_blanks_and_length)
{
	int v = 0;

	ck_assert_int_eq(parse_str(VT_P_SESSION_TTL, " 30 ", &v), 0);
	ck_assert_int_eq(v, 30);
	ck_assert_int_eq(parse_str(VT_P_SESSION_TTL, "\t45\t", &v), 0);
	ck_assert_int_eq(v, 45);
	ck_assert_int_eq(parse_str(VT_P_SESSION_TTL, "0300", &v), 0);
	ck_assert_int_eq(v, 300);
	/* only len bytes count: "300" with len 2 is 30 */
	ck_assert_int_eq(vt_param_parse(VT_P_SESSION_TTL, "300", 2, &v), 0);
	ck_assert_int_eq(v, 30);
	/* bad id */
	ck_assert_int_eq(vt_param_parse(VT_P__COUNT, "30", 2, &v), -1);
	ck_assert_int_eq(vt_param_parse((vt_param_id_t)-1, "30", 2, &v), -1);
	ck_assert_int_eq(vt_param_parse(VT_P_SESSION_TTL, NULL, 3, &v), -1);
	ck_assert_int_eq(vt_param_parse(VT_P_SESSION_TTL, NULL, 0, &v), -1);
	ck_assert_int_eq(v, 30);
}
END_TEST

START_TEST(test_probe_method)
{
	int v = -1;

	ck_assert_int_eq(parse_str(VT_P_PROBE_METHOD, "UPDATE", &v), 0);
	ck_assert_int_eq(v, VT_PROBE_UPDATE);
	v = -1;
	ck_assert_int_eq(parse_str(VT_P_PROBE_METHOD, "options", &v), 0);
	ck_assert_int_eq(v, VT_PROBE_OPTIONS);
	v = -1;
	ck_assert_int_eq(parse_str(VT_P_PROBE_METHOD, " OPTIONS ", &v), 0);
	ck_assert_int_eq(v, VT_PROBE_OPTIONS);
	v = -1;
	ck_assert_int_eq(parse_str(VT_P_PROBE_METHOD, "update", &v), 0);
	ck_assert_int_eq(v, VT_PROBE_UPDATE);

	v = -7;
	ck_assert_int_eq(parse_str(VT_P_PROBE_METHOD, "INVITE", &v), -1);
	ck_assert_int_eq(parse_str(VT_P_PROBE_METHOD, "0", &v), -1);
	ck_assert_int_eq(parse_str(VT_P_PROBE_METHOD, "", &v), -1);
	ck_assert_int_eq(parse_str(VT_P_PROBE_METHOD, "UPDATES", &v), -1);
	ck_assert_int_eq(parse_str(VT_P_PROBE_METHOD, "UPDAT", &v), -1);
	ck_assert_int_eq(v, -7);

	/* probe_method is not an integer parameter */
	ck_assert_int_eq(vt_param_check_int(VT_P_PROBE_METHOD, 0), -1);
	ck_assert_int_eq(vt_param_check_int(VT_P_PROBE_METHOD, 1), -1);
	ck_assert_int_eq(vt_param_check_int(VT_P__COUNT, 5), -1);
	ck_assert_int_eq(vt_param_check_int((vt_param_id_t)-1, 5), -1);
}
END_TEST

START_TEST(test_lookup)
{
	size_t i;

	for(i = 0; i < N_NAMES; i++) {
		ck_assert_int_eq(
				vt_param_lookup(all_names[i].name, strlen(all_names[i].name)),
				(int)all_names[i].id);
		ck_assert_str_eq(vt_param_name(all_names[i].id), all_names[i].name);
		ck_assert_ptr_nonnull(vt_param_allowed(all_names[i].id));
		ck_assert_str_ne(vt_param_allowed(all_names[i].id), "?");
	}
	ck_assert_int_eq(vt_param_lookup("bogus", 5), -1);
	ck_assert_int_eq(vt_param_lookup("session", 7), -1);
	ck_assert_int_eq(vt_param_lookup("session_ttl_", 12), -1);
	ck_assert_int_eq(vt_param_lookup("Session_TTL", 11), -1); /* exact */
	ck_assert_int_eq(vt_param_lookup("", 0), -1);
	/* len limits the compare: "session_ttl" with len 7 is "session" */
	ck_assert_int_eq(vt_param_lookup("session_ttl", 7), -1);
	ck_assert_str_eq(vt_param_name(VT_P__COUNT), "?");
	ck_assert_str_eq(vt_param_allowed(VT_P__COUNT), "?");
	ck_assert_str_eq(vt_param_allowed(VT_P_UPDATE_SEGMENT), "2..10");
	ck_assert_str_eq(vt_param_allowed(VT_P_PROBE_METHOD), "UPDATE|OPTIONS");
}
END_TEST

START_TEST(test_get_set_roundtrip)
{
	vt_params_t p = vt_params_default;
	size_t i, j;

	for(i = 0; i < N_NAMES; i++) {
		int v = 1000 + (int)i;
		vt_params_t before = p;

		vt_params_set(&p, all_names[i].id, v);
		ck_assert_int_eq(vt_params_get(&p, all_names[i].id), v);
		/* nothing else moved */
		for(j = 0; j < N_NAMES; j++)
			if(j != i)
				ck_assert_int_eq(vt_params_get(&p, all_names[j].id),
						vt_params_get(&before, all_names[j].id));
	}
	/* fields map as named */
	ck_assert_int_eq(p.session_ttl_s, 1000 + VT_P_SESSION_TTL);
	ck_assert_int_eq(p.update_segment, 1000 + VT_P_UPDATE_SEGMENT);
	ck_assert_int_eq(p.early_hangup_s, 1000 + VT_P_EARLY_HANGUP);
	ck_assert_int_eq(p.no_timer_limit_s, 1000 + VT_P_NO_TIMER_LIMIT);
	ck_assert_int_eq(p.probe_method, 1000 + VT_P_PROBE_METHOD);
	ck_assert_int_eq(p.probe_non_timer, 1000 + VT_P_PROBE_NON_TIMER);
	ck_assert_int_eq(p.min_se_s, 1000 + VT_P_MIN_SE);
	/* unknown id: get -1, set no-op */
	{
		vt_params_t q = p;
		ck_assert_int_eq(vt_params_get(&p, VT_P__COUNT), -1);
		vt_params_set(&p, VT_P__COUNT, 5);
		ck_assert_mem_eq(&p, &q, sizeof(p));
	}
}
END_TEST

START_TEST(test_consistency)
{
	vt_params_t p = vt_params_default;
	char err[VT_ERR_LEN];

	p.session_ttl_s = 4;
	p.update_segment = 2;
	ck_assert_int_eq(vt_params_check_consistency(&p, err, sizeof(err)), 0);
	p.session_ttl_s = 4;
	p.update_segment = 4; /* equal is fine */
	ck_assert_int_eq(vt_params_check_consistency(&p, err, sizeof(err)), 0);

	p.session_ttl_s = 3;
	p.update_segment = 4;
	err[0] = '\0';
	ck_assert_int_eq(vt_params_check_consistency(&p, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "session_ttl"));
	ck_assert_ptr_nonnull(strstr(err, "update_segment"));
}
END_TEST

START_TEST(test_format_error)
{
	char err[VT_ERR_LEN];
	char longval[200];

	vt_param_format_error(err, sizeof(err), VT_P_UPDATE_SEGMENT, "11", 2);
	ck_assert_ptr_nonnull(strstr(err, "update_segment"));
	ck_assert_ptr_nonnull(strstr(err, "\"11\""));
	ck_assert_ptr_nonnull(strstr(err, "2..10"));

	vt_param_format_error(err, sizeof(err), VT_P_PROBE_METHOD, "INVITE", 6);
	ck_assert_ptr_nonnull(strstr(err, "probe_method"));
	ck_assert_ptr_nonnull(strstr(err, "\"INVITE\""));
	ck_assert_ptr_nonnull(strstr(err, "UPDATE|OPTIONS"));

	/* value_len counts, not the NUL */
	vt_param_format_error(err, sizeof(err), VT_P_SESSION_TTL, "12345", 3);
	ck_assert_ptr_nonnull(strstr(err, "\"123\""));
	ck_assert_ptr_null(strstr(err, "12345"));

	/* long value: echoed up to 64 characters, range still shown */
	memset(longval, 'A', sizeof(longval) - 1);
	longval[sizeof(longval) - 1] = '\0';
	vt_param_format_error(
			err, sizeof(err), VT_P_MIN_SE, longval, strlen(longval));
	ck_assert_uint_lt(strlen(err), VT_ERR_LEN);
	{
		char q[70];
		char *a = strchr(err, '"');
		char *b;

		ck_assert_ptr_nonnull(a);
		b = strchr(a + 1, '"');
		ck_assert_ptr_nonnull(b);
		ck_assert_int_eq((int)(b - a - 1), 64);
		memset(q, 'A', 64);
		q[64] = '\0';
		ck_assert_ptr_nonnull(strstr(err, q));
	}
	ck_assert_ptr_nonnull(strstr(err, "min_se"));
	ck_assert_ptr_nonnull(strstr(err, "90..86400"));

	/* small buffer: truncated but terminated */
	{
		char small[8];
		memset(small, 'Z', sizeof(small));
		vt_param_format_error(small, sizeof(small), VT_P_MIN_SE, "1", 1);
		ck_assert_int_eq(small[7], '\0');
		ck_assert_uint_eq(strlen(small), 7);
	}
}
END_TEST

START_TEST(test_overrides_both)
{
	vt_params_t p = vt_params_default;
	char err[VT_ERR_LEN] = "";

	ck_assert_int_eq(apply_str(&p, "session_ttl=300;update_segment=3", err), 0);
	ck_assert_int_eq(p.session_ttl_s, 300);
	ck_assert_int_eq(p.update_segment, 3);
	/* the rest unchanged */
	ck_assert_int_eq(p.early_hangup_s, vt_params_default.early_hangup_s);
	ck_assert_int_eq(p.no_timer_limit_s, vt_params_default.no_timer_limit_s);
	ck_assert_int_eq(p.probe_method, vt_params_default.probe_method);
	ck_assert_int_eq(p.probe_non_timer, vt_params_default.probe_non_timer);
	ck_assert_int_eq(p.min_se_s, vt_params_default.min_se_s);
}
END_TEST

START_TEST(test_overrides_blanks)
{
	vt_params_t p = vt_params_default;
	char err[VT_ERR_LEN] = "";

	ck_assert_int_eq(apply_str(&p, " session_ttl = 300 ; ", err), 0);
	ck_assert_int_eq(p.session_ttl_s, 300);
	ck_assert_int_eq(p.update_segment, 2);

	ck_assert_int_eq(
			apply_str(&p, ";;\tno_timer_limit=0 ;; early_hangup=5;", err), 0);
	ck_assert_int_eq(p.no_timer_limit_s, 0);
	ck_assert_int_eq(p.early_hangup_s, 5);
	ck_assert_int_eq(p.session_ttl_s, 300);
}
END_TEST

START_TEST(test_overrides_empty)
{
	vt_params_t p = vt_params_default;
	char err[VT_ERR_LEN] = "";

	ck_assert_int_eq(apply_str(&p, "", err), 0);
	ck_assert_mem_eq(&p, &vt_params_default, sizeof(p));
	ck_assert_int_eq(apply_str(&p, " ; ; ", err), 0);
	ck_assert_mem_eq(&p, &vt_params_default, sizeof(p));
	ck_assert_int_eq(vt_overrides_apply(&p, NULL, 0, err, sizeof(err)), 0);
	ck_assert_mem_eq(&p, &vt_params_default, sizeof(p));
}
END_TEST

START_TEST(test_overrides_bad_value)
{
	vt_params_t p = vt_params_default;
	vt_params_t before;
	char err[VT_ERR_LEN] = "";

	p.early_hangup_s = 7; /* non-default, to see it is kept */
	before = p;
	ck_assert_int_eq(apply_str(&p, "session_ttl=1", err), -1);
	ck_assert_mem_eq(&p, &before, sizeof(p));
	ck_assert_ptr_nonnull(strstr(err, "session_ttl"));
	ck_assert_ptr_nonnull(strstr(err, "\"1\""));

	/* a good item before the bad one is not applied either */
	err[0] = '\0';
	ck_assert_int_eq(apply_str(&p, "min_se=120;update_segment=11", err), -1);
	ck_assert_mem_eq(&p, &before, sizeof(p));
	ck_assert_ptr_nonnull(strstr(err, "update_segment"));
	ck_assert_ptr_nonnull(strstr(err, "2..10"));
}
END_TEST

START_TEST(test_overrides_unknown)
{
	vt_params_t p = vt_params_default;
	char err[VT_ERR_LEN] = "";

	ck_assert_int_eq(apply_str(&p, "bogus=1", err), -1);
	ck_assert_mem_eq(&p, &vt_params_default, sizeof(p));
	ck_assert_ptr_nonnull(strstr(err, "bogus"));
	ck_assert_ptr_nonnull(strstr(err, "unknown parameter"));

	err[0] = '\0';
	ck_assert_int_eq(apply_str(&p, "session=300", err), -1);
	ck_assert_ptr_nonnull(strstr(err, "unknown parameter"));
	ck_assert_mem_eq(&p, &vt_params_default, sizeof(p));
}
END_TEST

START_TEST(test_overrides_no_equals)
{
	vt_params_t p = vt_params_default;
	char err[VT_ERR_LEN] = "";

	ck_assert_int_eq(apply_str(&p, "session_ttl", err), -1);
	ck_assert_mem_eq(&p, &vt_params_default, sizeof(p));
	ck_assert_ptr_nonnull(strstr(err, "session_ttl"));
	ck_assert_ptr_nonnull(strstr(err, "'='"));

	err[0] = '\0';
	ck_assert_int_eq(apply_str(&p, "session_ttl=", err), -1);
	ck_assert_ptr_nonnull(strstr(err, "session_ttl"));
	ck_assert_mem_eq(&p, &vt_params_default, sizeof(p));
}
END_TEST

START_TEST(test_overrides_consistency)
{
	vt_params_t p = vt_params_default;
	char err[VT_ERR_LEN] = "";

	ck_assert_int_eq(apply_str(&p, "session_ttl=3;update_segment=4", err), -1);
	ck_assert_mem_eq(&p, &vt_params_default, sizeof(p));
	ck_assert_ptr_nonnull(strstr(err, "session_ttl"));
	ck_assert_ptr_nonnull(strstr(err, "update_segment"));

	/* the same values in the other order are just as wrong */
	err[0] = '\0';
	ck_assert_int_eq(apply_str(&p, "update_segment=4;session_ttl=3", err), -1);
	ck_assert_mem_eq(&p, &vt_params_default, sizeof(p));

	/* and session_ttl=4;update_segment=4 is fine */
	ck_assert_int_eq(apply_str(&p, "session_ttl=4;update_segment=4", err), 0);
	ck_assert_int_eq(p.session_ttl_s, 4);
	ck_assert_int_eq(p.update_segment, 4);
}
END_TEST

START_TEST(test_overrides_probe_method)
{
	vt_params_t p = vt_params_default;
	char err[VT_ERR_LEN] = "";

	ck_assert_int_eq(apply_str(&p, "probe_method=OPTIONS", err), 0);
	ck_assert_int_eq(p.probe_method, VT_PROBE_OPTIONS);
	ck_assert_int_eq(apply_str(&p, "probe_method = update", err), 0);
	ck_assert_int_eq(p.probe_method, VT_PROBE_UPDATE);
	ck_assert_int_eq(apply_str(&p, "probe_method=INVITE", err), -1);
	ck_assert_int_eq(p.probe_method, VT_PROBE_UPDATE);
	ck_assert_ptr_nonnull(strstr(err, "probe_method"));
}
END_TEST

START_TEST(test_overrides_length_bound)
{
	vt_params_t p = vt_params_default;
	char err[VT_ERR_LEN] = "";
	/* only len bytes are read: the tail after len must be ignored */
	const char *s = "session_ttl=300;update_segment=999";

	ck_assert_int_eq(vt_overrides_apply(&p, s, 15, err, sizeof(err)), 0);
	ck_assert_int_eq(p.session_ttl_s, 300);
	ck_assert_int_eq(p.update_segment, 2);
}
END_TEST

/* vos_timer.set: one parameter by name, same validation as modparam. */
static int assign(vt_params_t *p, const char *name, const char *val, char *err)
{
	return vt_params_assign(
			p, name, strlen(name), val, strlen(val), err, VT_ERR_LEN);
}

START_TEST(test_assign)
{
	vt_params_t p = vt_params_default;
	char err[VT_ERR_LEN] = "";

	ck_assert_int_eq(
			assign(&p, "update_segment", "3", err), VT_P_UPDATE_SEGMENT);
	ck_assert_int_eq(p.update_segment, 3);
	ck_assert_int_eq(
			assign(&p, "probe_method", "options", err), VT_P_PROBE_METHOD);
	ck_assert_int_eq(p.probe_method, VT_PROBE_OPTIONS);
	ck_assert_int_eq(assign(&p, " min_se ", " 120 ", err), VT_P_MIN_SE);
	ck_assert_int_eq(p.min_se_s, 120);
}
END_TEST

START_TEST(test_assign_rejects)
{
	vt_params_t p = vt_params_default, before;
	char err[VT_ERR_LEN] = "";
	static const char *bad[][2] = {{"update_segment", "11"},
			{"update_segment", "1"}, {"session_ttl", "1"},
			{"session_ttl", "-5"}, {"no_timer_limit", "abc"},
			{"early_hangup", ""}, {"probe_method", "INVITE"},
			/* one item only: no sneaking a second one in */
			{"session_ttl", "300;update_segment=3"}};
	size_t i;

	before = p;
	for(i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_int_eq(assign(&p, bad[i][0], bad[i][1], err), -1);
		ck_assert_mem_eq(&p, &before, sizeof(p));
		ck_assert_ptr_nonnull(strstr(err, bad[i][0]));
		ck_assert_ptr_nonnull(strstr(err, "allowed"));
	}
	err[0] = '\0';
	ck_assert_int_eq(assign(&p, "bogus", "1", err), -1);
	ck_assert_ptr_nonnull(strstr(err, "unknown parameter"));
	ck_assert_ptr_nonnull(strstr(err, "bogus"));
	/* consistency with the other settings: update_segment 4 > ttl 3 */
	ck_assert_int_eq(assign(&p, "session_ttl", "3", err), VT_P_SESSION_TTL);
	ck_assert_int_eq(assign(&p, "update_segment", "4", err), -1);
	ck_assert_ptr_nonnull(strstr(err, "update_segment"));
	ck_assert_int_eq(p.update_segment, vt_params_default.update_segment);
}
END_TEST

Suite *params_suite(void)
{
	Suite *s = suite_create("params");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_defaults_match_spec);
	tcase_add_test(tc, test_defaults_are_consistent);
	tcase_add_test(tc, test_check_int_bounds);
	tcase_add_test(tc, test_parse_bounds);
	tcase_add_test(tc, test_specific_rejections);
	tcase_add_test(tc, test_parse_malformed);
	tcase_add_test(tc, test_parse_blanks_and_length);
	tcase_add_test(tc, test_probe_method);
	tcase_add_test(tc, test_lookup);
	tcase_add_test(tc, test_get_set_roundtrip);
	tcase_add_test(tc, test_consistency);
	tcase_add_test(tc, test_format_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("overrides");
	tcase_add_test(tc, test_overrides_both);
	tcase_add_test(tc, test_overrides_blanks);
	tcase_add_test(tc, test_overrides_empty);
	tcase_add_test(tc, test_overrides_bad_value);
	tcase_add_test(tc, test_overrides_unknown);
	tcase_add_test(tc, test_assign);
	tcase_add_test(tc, test_assign_rejects);
	tcase_add_test(tc, test_overrides_no_equals);
	tcase_add_test(tc, test_overrides_consistency);
	tcase_add_test(tc, test_overrides_probe_method);
	tcase_add_test(tc, test_overrides_length_bound);
	suite_add_tcase(s, tc);
	return s;
}
