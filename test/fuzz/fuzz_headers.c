/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * libFuzzer target for modules/vos_timer/vt_headers.c: the only code of the
 * module that reads bytes a peer chose before anything checks them.
 *
 * Each input is used three ways:
 *   - whole, as one header body: vt_parse_delta (with and without the
 *     refresher parameter) and vt_token_list_has;
 *   - split at '\n' into "Name: body" lines folded into one message's facts
 *     with vt_facts_add_header, the way the glue walks msg->headers;
 *   - whole, as a request tm built: vt_request_to_has_tag and
 *     vt_request_cseq.
 * Every buffer handed to the parser is a malloc'd copy of exactly its
 * length, without a NUL, so ASan sees any read past len. A broken
 * invariant traps (a crash for libFuzzer).
 */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vt_headers.h"

#define MAX_LINES 64

#define CHECK(cond)           \
	do {                      \
		if(!(cond))           \
			__builtin_trap(); \
	} while(0)

static char *copy_exact(const uint8_t *s, size_t len)
{
	char *b = malloc(len ? len : 1);

	CHECK(b != NULL);
	if(len)
		memcpy(b, s, len);
	return b;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static int has_substr_nocase(const char *s, size_t len, const char *lit)
{
	size_t ll = strlen(lit), i, j;

	for(i = 0; i + ll <= len; i++) {
		for(j = 0; j < ll && lower((unsigned char)s[i + j]) == lit[j]; j++)
			;
		if(j == ll)
			return 1;
	}
	return 0;
}

static int hval_ok(vt_hval_t v)
{
	return v >= VT_HV_ABSENT && v <= VT_HV_DUPLICATE;
}

/* What an OK result promises the glue, which rewrites a value by replacing
 * the bytes [num_off, num_off + num_len) of the body. */
static void check_delta(
		const char *b, size_t len, int with_refresher, const vt_delta_t *d)
{
	uint64_t v = 0;
	size_t i;

	CHECK(d->num_len >= 1);
	CHECK(d->num_off <= len && d->num_len <= len - d->num_off);
	for(i = 0; i < d->num_off; i++)
		CHECK(is_ws(b[i]));
	for(i = d->num_off; i < d->num_off + d->num_len; i++) {
		CHECK(b[i] >= '0' && b[i] <= '9');
		v = v * 10 + (uint64_t)(b[i] - '0');
		CHECK(v <= VT_DELTA_MAX);
	}
	CHECK(i == len || !(b[i] >= '0' && b[i] <= '9'));
	CHECK(d->secs == v);
	CHECK(d->secs <= VT_DELTA_MAX);
	CHECK(d->refresher >= VT_REFRESHER_NONE
			&& d->refresher <= VT_REFRESHER_UAS);
	if(!with_refresher)
		CHECK(d->refresher == VT_REFRESHER_NONE);
}

/* Replacing the digits with another number keeps the body well-formed,
 * with the new value and the same refresher: what the glue relies on when
 * it lowers or raises a Session-Expires / Min-SE in place. */
static void check_rewrite(
		const char *b, size_t len, int with_refresher, const vt_delta_t *d)
{
	static const char repl[] = "0090";
	size_t nlen = len - d->num_len + (sizeof(repl) - 1);
	char *n = malloc(nlen);
	vt_delta_t d2;

	CHECK(n != NULL);
	memcpy(n, b, d->num_off);
	memcpy(n + d->num_off, repl, sizeof(repl) - 1);
	memcpy(n + d->num_off + sizeof(repl) - 1, b + d->num_off + d->num_len,
			len - d->num_off - d->num_len);
	CHECK(vt_parse_delta(n, nlen, with_refresher, &d2) == VT_HV_OK);
	CHECK(d2.secs == 90 && d2.refresher == d->refresher);
	CHECK(d2.num_off == d->num_off && d2.num_len == sizeof(repl) - 1);
	free(n);
}

static vt_hval_t parse_checked(
		const char *b, size_t len, int with_refresher, vt_delta_t *out)
{
	vt_delta_t d, sentinel;
	vt_hval_t r;

	memset(&sentinel, 0x5a, sizeof(sentinel));
	d = sentinel;
	r = vt_parse_delta(b, len, with_refresher, &d);
	CHECK(r == VT_HV_OK || r == VT_HV_MALFORMED);
	if(r == VT_HV_OK) {
		check_delta(b, len, with_refresher, &d);
		check_rewrite(b, len, with_refresher, &d);
	} else {
		CHECK(memcmp(&d, &sentinel, sizeof(d)) == 0);
	}
	/* the verdict does not depend on out */
	CHECK(vt_parse_delta(b, len, with_refresher, NULL) == r);
	if(out != NULL && r == VT_HV_OK)
		*out = d;
	return r;
}

static void fuzz_body(const uint8_t *data, size_t size)
{
	char *b = copy_exact(data, size);
	vt_delta_t se, mse;
	vt_hval_t r_se, r_mse;
	int has;

	r_se = parse_checked(b, size, 1, &se);
	r_mse = parse_checked(b, size, 0, &mse);
	/* Session-Expires' grammar is Min-SE's plus a constraint on one
	 * parameter: whatever is a good Session-Expires is a good Min-SE */
	if(r_se == VT_HV_OK) {
		CHECK(r_mse == VT_HV_OK);
		CHECK(se.secs == mse.secs && se.num_off == mse.num_off
				&& se.num_len == mse.num_len);
	}
	has = vt_token_list_has(b, size, "timer");
	CHECK(has == 0 || has == 1);
	if(has)
		CHECK(has_substr_nocase(b, size, "timer"));
	CHECK(vt_token_list_has(b, size, "") == 0);
	free(b);
}

/* Per header kind: the state the facts must end up in, computed from the
 * lines independently of vt_facts_add_header's bookkeeping. */
typedef struct expect
{
	int count;
	vt_hval_t first;
	vt_delta_t first_val;
} expect_t;

static void expect_add(expect_t *e, const char *body, size_t blen, int with_ref)
{
	if(e->count++ == 0) {
		memset(&e->first_val, 0, sizeof(e->first_val));
		e->first = parse_checked(body, blen, with_ref, &e->first_val);
	}
}

static void check_kind(const expect_t *e, vt_hval_t got, const vt_delta_t *val)
{
	CHECK(hval_ok(got));
	if(e->count == 0)
		CHECK(got == VT_HV_ABSENT);
	else if(e->count == 1)
		CHECK(got == e->first);
	else
		CHECK(got == VT_HV_DUPLICATE);
	if(got == VT_HV_OK)
		CHECK(memcmp(val, &e->first_val, sizeof(*val)) == 0);
}

static void fuzz_message(const uint8_t *data, size_t size)
{
	vt_timer_facts_t f;
	expect_t se = {0}, mse = {0};
	int supports = 0, requires_tm = 0, lines = 0;
	size_t pos = 0, eol, colon, boff;
	char *name, *body;
	size_t nlen, blen;

	memset(&f, 0, sizeof(f));
	while(pos < size && lines++ < MAX_LINES) {
		eol = pos;
		while(eol < size && data[eol] != '\n')
			eol++;
		colon = pos;
		while(colon < eol && data[colon] != ':')
			colon++;
		nlen = colon - pos;
		boff = colon < eol ? colon + 1 : eol;
		/* like Kamailio's hf->body: leading blanks are not part of it */
		while(boff < eol && (data[boff] == ' ' || data[boff] == '\t'))
			boff++;
		blen = eol - boff;
		name = copy_exact(data + pos, nlen);
		/* an empty body is sometimes NULL, as the API allows */
		body = blen || (lines & 1) ? copy_exact(data + boff, blen) : NULL;

		if(vt_hdr_name_is(name, nlen, "Session-Expires", 'x')) {
			expect_add(&se, body, blen, 1);
		} else if(vt_hdr_name_is(name, nlen, "Min-SE", 0)) {
			expect_add(&mse, body, blen, 0);
		} else if(vt_hdr_name_is(name, nlen, "Supported", 'k')) {
			supports |= vt_token_list_has(body, blen, "timer");
		} else if(vt_hdr_name_is(name, nlen, "Require", 0)) {
			requires_tm |= vt_token_list_has(body, blen, "timer");
		}
		vt_facts_add_header(&f, name, nlen, body, blen);
		free(name);
		free(body);
		pos = eol + 1;
	}

	check_kind(&se, f.se, &f.se_val);
	check_kind(&mse, f.min_se, &f.min_se_val);
	CHECK(f.supports_timer == supports && f.requires_timer == requires_tm);
	CHECK(!!vt_facts_timer_capable(&f)
			== (f.se == VT_HV_OK || f.supports_timer || f.requires_timer));
	CHECK(!!vt_facts_untrusted(&f)
			== (f.se == VT_HV_MALFORMED || f.se == VT_HV_DUPLICATE
					|| f.min_se == VT_HV_MALFORMED
					|| f.min_se == VT_HV_DUPLICATE));
	/* bounds against the network: a value that is used is bounded */
	if(f.se == VT_HV_OK)
		CHECK(f.se_val.secs <= VT_DELTA_MAX);
	if(f.min_se == VT_HV_OK)
		CHECK(f.min_se_val.secs <= VT_DELTA_MAX);
}

/* The whole input as a request tm built: the To-tag matcher stays inside
 * it (ASan) and agrees with a tag found by a plain search. */
static void fuzz_to_tag(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	static const char tag[] = "abc";

	if(vt_request_to_has_tag(buf, size, tag, 3)) {
		int seen = 0;
		size_t i;

		for(i = 0; i + 8 <= size && !seen; i++)
			seen = strncasecmp(buf + i, ";tag=abc", 8) == 0;
		if(!seen)
			__builtin_trap();
	}
}

/* The same input for the CSeq reader: it stays inside it (ASan), and a
 * number it returns is one the input holds after a CSeq name. */
static void fuzz_cseq(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	uint32_t n = 0;
	char digits[16];
	int seen = 0;
	size_t i;

	if(vt_request_cseq(buf, size, &n) != 0)
		return;
	snprintf(digits, sizeof(digits), "%u", (unsigned)n);
	for(i = 0; i + 7 <= size && !seen; i++)
		seen = strncasecmp(buf + i, "\r\nCSeq:", 7) == 0;
	if(!seen || memmem(buf, size, digits, strlen(digits)) == NULL)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_body(data, size);
	fuzz_message(data, size);
	fuzz_to_tag(data, size);
	fuzz_cseq(data, size);
	return 0;
}
