/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: RFC 4028 header parsing and timer facts (pure C).
 *
 * Everything here reads at most len bytes of a body that is not
 * NUL-terminated, allocates nothing and keeps no state: the input comes
 * from the network and this file is fuzzed (test/fuzz/fuzz_headers.c).
 * Case-insensitive comparisons are ASCII-only on purpose: strcasecmp
 * follows the locale, SIP's grammar does not.
 */
#include <string.h>
#include <strings.h>

#include "vt_headers.h"

static int is_ws(unsigned char c)
{
	/* RFC 3261 LWS, folding included: the glue hands bodies as received */
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_hexdig(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 3261 section 25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*"
 * / "_" / "+" / "`" / "'" / "~") */
static int is_token_char(unsigned char c)
{
	if(is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return 1;
	return c != 0 && strchr("-.!%*_+`'~", c) != NULL;
}

static unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* s[0..len) equals the NUL-terminated ASCII literal lit, ignoring case */
static int eq_nocase(const char *s, size_t len, const char *lit)
{
	size_t i;

	for(i = 0; i < len; i++) {
		if(lit[i] == '\0'
				|| lower((unsigned char)s[i]) != lower((unsigned char)lit[i]))
			return 0;
	}
	return lit[len] == '\0';
}

static size_t skip_ws(const char *s, size_t len, size_t i)
{
	while(i < len && is_ws((unsigned char)s[i]))
		i++;
	return i;
}

static size_t skip_token(const char *s, size_t len, size_t i)
{
	while(i < len && is_token_char((unsigned char)s[i]))
		i++;
	return i;
}

/* quoted-string from the opening DQUOTE at s[i]: qdtext is LWS, %x21,
 * %x23-5B, %x5D-7E or UTF8-NONASCII (any byte >= 0x80 here); quoted-pair is
 * "\" followed by %x00-09 / %x0B-0C / %x0E-7F. Returns the index past the
 * closing DQUOTE, or 0 (never a valid end: it is past the opening one) when
 * the string is not well-formed or not closed within len. */
static size_t skip_quoted(const char *s, size_t len, size_t i)
{
	unsigned char c;

	for(i++; i < len; i++) {
		c = (unsigned char)s[i];
		if(c == '"')
			return i + 1;
		if(c == '\\') {
			if(++i == len)
				return 0;
			c = (unsigned char)s[i];
			if(c == '\r' || c == '\n' || c > 0x7f)
				return 0;
		} else if(c < 0x20 && !is_ws(c)) {
			return 0;
		} else if(c == 0x7f) {
			return 0;
		}
	}
	return 0;
}

/* IPv6reference of a "host" gen-value, loosely: "[" 1*(HEXDIG / ":" /
 * ".") "]". Returns the index past "]", or 0. */
static size_t skip_ipv6ref(const char *s, size_t len, size_t i)
{
	size_t start = ++i;

	while(i < len
			&& (is_hexdig((unsigned char)s[i]) || s[i] == ':' || s[i] == '.'))
		i++;
	if(i == start || i == len || s[i] != ']')
		return 0;
	return i + 1;
}

/* One "; name [= value]" after the number, starting at the ';' at s[i].
 * Returns the index past the parameter (and its trailing blanks), or 0
 * when it is malformed. */
static size_t parse_param(const char *s, size_t len, size_t i,
		int with_refresher, vt_refresher_t *refresher)
{
	size_t name_off, name_len, val_off = 0, val_len = 0;
	int has_val = 0, quoted = 0;
	vt_refresher_t r;

	i = skip_ws(s, len, i + 1);
	name_off = i;
	i = skip_token(s, len, i);
	name_len = i - name_off;
	if(name_len == 0)
		return 0;
	i = skip_ws(s, len, i);
	if(i < len && s[i] == '=') {
		i = skip_ws(s, len, i + 1);
		val_off = i;
		if(i < len && s[i] == '"') {
			quoted = 1;
			i = skip_quoted(s, len, i);
		} else if(i < len && s[i] == '[') {
			i = skip_ipv6ref(s, len, i);
		} else {
			i = skip_token(s, len, i);
		}
		if(i <= val_off)
			return 0;
		val_len = i - val_off;
		has_val = 1;
	}
	if(with_refresher && eq_nocase(s + name_off, name_len, "refresher")) {
		/* RFC 4028: refresher-param = "refresher" EQUAL ("uas" / "uac"),
		 * a bare token; once only, or the peers' roles are ambiguous */
		if(!has_val || quoted || *refresher != VT_REFRESHER_NONE)
			return 0;
		if(eq_nocase(s + val_off, val_len, "uac"))
			r = VT_REFRESHER_UAC;
		else if(eq_nocase(s + val_off, val_len, "uas"))
			r = VT_REFRESHER_UAS;
		else
			return 0;
		*refresher = r;
	}
	return skip_ws(s, len, i);
}

vt_hval_t vt_parse_delta(
		const char *body, size_t len, int with_refresher, vt_delta_t *out)
{
	vt_delta_t d;
	uint64_t v = 0;
	size_t i;

	if(body == NULL || len == 0)
		return VT_HV_MALFORMED;
	memset(&d, 0, sizeof(d));
	i = skip_ws(body, len, 0);
	d.num_off = i;
	/* stop as soon as the value is above the ceiling, so the 64-bit
	 * accumulator cannot overflow however long the run of digits is
	 * (leading zeros keep it at 0) */
	while(i < len && is_digit((unsigned char)body[i])) {
		v = v * 10 + (uint64_t)(body[i] - '0');
		if(v > VT_DELTA_MAX)
			return VT_HV_MALFORMED;
		i++;
	}
	d.num_len = i - d.num_off;
	if(d.num_len == 0)
		return VT_HV_MALFORMED; /* empty, blank, sign, or not a number */
	d.secs = (uint32_t)v;
	i = skip_ws(body, len, i);
	while(i < len) {
		if(body[i] != ';')
			return VT_HV_MALFORMED; /* "18 00", "1800, 90", "1800x" */
		i = parse_param(body, len, i, with_refresher, &d.refresher);
		if(i == 0)
			return VT_HV_MALFORMED;
	}
	if(out != NULL)
		*out = d;
	return VT_HV_OK;
}

int vt_hdr_name_is(
		const char *name, size_t len, const char *long_name, char compact)
{
	if(name == NULL || long_name == NULL)
		return 0;
	if(compact != 0 && len == 1
			&& lower((unsigned char)name[0]) == lower((unsigned char)compact))
		return 1;
	return eq_nocase(name, len, long_name);
}

int vt_token_list_has(const char *body, size_t len, const char *token)
{
	size_t tl, i = 0, a, b;

	if(body == NULL || token == NULL || (tl = strlen(token)) == 0)
		return 0;
	while(i < len) {
		b = i;
		while(b < len && body[b] != ',')
			b++;
		a = skip_ws(body, b, i);
		i = b + 1;
		while(b > a && is_ws((unsigned char)body[b - 1]))
			b--;
		if(b - a == tl && eq_nocase(body + a, tl, token))
			return 1;
	}
	return 0;
}

/* A second header of a kind makes it DUPLICATE for good: which of two
 * values would the peers have used? Its value is cleared so that no caller
 * reads a stale one. */
static void add_delta(vt_hval_t *hv, vt_delta_t *val, const char *body,
		size_t blen, int with_refresher)
{
	if(*hv != VT_HV_ABSENT) {
		*hv = VT_HV_DUPLICATE;
		memset(val, 0, sizeof(*val));
		return;
	}
	*hv = vt_parse_delta(body, blen, with_refresher, val);
}

void vt_facts_add_header(vt_timer_facts_t *f, const char *name, size_t nlen,
		const char *body, size_t blen)
{
	if(f == NULL)
		return;
	if(vt_hdr_name_is(name, nlen, "Session-Expires", 'x')) {
		add_delta(&f->se, &f->se_val, body, blen, 1);
	} else if(vt_hdr_name_is(name, nlen, "Min-SE", 0)) {
		add_delta(&f->min_se, &f->min_se_val, body, blen, 0);
	} else if(vt_hdr_name_is(name, nlen, "Supported", 'k')) {
		if(vt_token_list_has(body, blen, "timer"))
			f->supports_timer = 1;
	} else if(vt_hdr_name_is(name, nlen, "Require", 0)) {
		if(vt_token_list_has(body, blen, "timer"))
			f->requires_timer = 1;
	}
}

int vt_facts_timer_capable(const vt_timer_facts_t *f)
{
	return f->se == VT_HV_OK || f->supports_timer || f->requires_timer;
}

static int hval_untrusted(vt_hval_t hv)
{
	return hv == VT_HV_MALFORMED || hv == VT_HV_DUPLICATE;
}

int vt_facts_untrusted(const vt_timer_facts_t *f)
{
	return hval_untrusted(f->se) || hval_untrusted(f->min_se);
}

const char *vt_refresher_name(int r)
{
	return r == VT_REFRESHER_UAC   ? "uac"
		   : r == VT_REFRESHER_UAS ? "uas"
								   : "none";
}

int vt_request_to_has_tag(
		const char *buf, size_t len, const char *tag, size_t tag_len)
{
	static const char to_hdr[] = "\r\nTo: ";
	const size_t hl = sizeof(to_hdr) - 1;
	const char *p, *end, *eol;

	if(buf == NULL || tag == NULL || tag_len == 0)
		return 0;
	end = buf + len;
	for(p = buf; (size_t)(end - p) >= hl; p++)
		if(memcmp(p, to_hdr, hl) == 0)
			break;
	if((size_t)(end - p) < hl)
		return 0;
	p += hl;
	for(eol = p; eol < end && *eol != '\r' && *eol != '\n'; eol++)
		;
	for(; (size_t)(eol - p) >= 5 + tag_len; p++) {
		const char *after = p + 5 + tag_len;

		if(strncasecmp(p, ";tag=", 5) == 0 && memcmp(p + 5, tag, tag_len) == 0
				&& (after == eol || *after == ';' || *after == ' '
						|| *after == '\t'))
			return 1;
	}
	return 0;
}

int vt_request_cseq(const char *buf, size_t len, uint32_t *out)
{
	static const char name[] = "\r\nCSeq:";
	const size_t nl = sizeof(name) - 1;
	const char *p, *end;
	uint64_t v = 0;
	int digits = 0;

	if(buf == NULL)
		return -1;
	end = buf + len;
	for(p = buf; (size_t)(end - p) >= nl; p++)
		if(strncasecmp(p, name, nl) == 0)
			break;
	if((size_t)(end - p) < nl)
		return -1;
	for(p += nl; p < end && (*p == ' ' || *p == '\t'); p++)
		;
	for(; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if(v > UINT32_MAX)
			return -1;
	}
	if(digits == 0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}
