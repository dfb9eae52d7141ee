/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: cluster messages and ownership rules (see vt_cluster_msg.h).
 * Pure C.
 */
#include <stdio.h>
#include <string.h>

#include "vt_cluster_msg.h"

#define VT_CM_MAGIC "vos_timer"

static const char *const vt_cm_kinds[] = {NULL, "hb", "own", "end", "need"};

const char *vt_cm_kind_name(vt_cm_kind_t k)
{
	return (k >= VT_CM_HB && k <= VT_CM_NEED) ? vt_cm_kinds[k] : "?";
}

int vt_cm_token_ok(const char *s, size_t len, size_t max)
{
	size_t i;

	if(s == NULL || len == 0 || len > max)
		return 0;
	for(i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if(ch <= ' ' || ch == 0x7f)
			return 0;
	}
	return 1;
}

/* Append s to buf at *len if it fits (room for a NUL kept). */
static int put(char *buf, size_t size, size_t *len, const char *s, size_t n)
{
	if(*len + n + 1 > size)
		return -1;
	memcpy(buf + *len, s, n);
	*len += n;
	buf[*len] = '\0';
	return 0;
}

static int put_u64(char *buf, size_t size, size_t *len, uint64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%llu", (unsigned long long)v);

	return put(buf, size, len, num, (size_t)n);
}

int vt_cm_head_write(char *buf, size_t size, vt_cm_kind_t kind,
		const char *node, size_t node_len, uint64_t boot)
{
	size_t len = 0;
	char v[8];

	if(kind < VT_CM_HB || kind > VT_CM_NEED
			|| !vt_cm_token_ok(node, node_len, VT_CM_NODE_MAX))
		return -1;
	snprintf(v, sizeof(v), " %d ", VT_CM_VERSION);
	if(put(buf, size, &len, VT_CM_MAGIC, sizeof(VT_CM_MAGIC) - 1) < 0
			|| put(buf, size, &len, v, strlen(v)) < 0
			|| put(buf, size, &len, vt_cm_kinds[kind],
					   strlen(vt_cm_kinds[kind]))
					   < 0
			|| put(buf, size, &len, " ", 1) < 0
			|| put(buf, size, &len, node, node_len) < 0
			|| put(buf, size, &len, " ", 1) < 0
			|| put_u64(buf, size, &len, boot) < 0
			|| put(buf, size, &len, "\n", 1) < 0)
		return -1;
	return (int)len;
}

int vt_cm_call_write(char *buf, size_t size, size_t len, vt_cm_kind_t kind,
		const vt_cm_call_t *c)
{
	size_t l = len;

	if(!vt_cm_token_ok(c->callid.s, c->callid.len, VT_CM_BODY_MAX))
		return -2;
	if(kind == VT_CM_OWN
			&& (!vt_cm_token_ok(c->owner.s, c->owner.len, VT_CM_NODE_MAX)
					|| !vt_cm_token_ok(
							c->state.s, c->state.len, VT_CM_BODY_MAX)))
		return -2;
	if(kind == VT_CM_OWN
			&& (put_u64(buf, size, &l, c->gen) < 0
					|| put(buf, size, &l, " ", 1) < 0
					|| put(buf, size, &l, c->owner.s, c->owner.len) < 0
					|| put(buf, size, &l, " ", 1) < 0))
		goto full;
	if(put_u64(buf, size, &l, c->h_entry) < 0 || put(buf, size, &l, " ", 1) < 0
			|| put_u64(buf, size, &l, c->h_id) < 0
			|| put(buf, size, &l, " ", 1) < 0
			|| put(buf, size, &l, c->callid.s, c->callid.len) < 0)
		goto full;
	if(kind == VT_CM_OWN
			&& (put(buf, size, &l, " ", 1) < 0
					|| put(buf, size, &l, c->state.s, c->state.len) < 0))
		goto full;
	if(put(buf, size, &l, "\n", 1) < 0)
		goto full;
	return (int)l;
full:
	if(size > len)
		buf[len] = '\0';
	return -1;
}

/* The next field of the line ending at eol: a token followed by one space
 * (or by the end of the line when last). */
static int field(const char *b, size_t eol, size_t *pos, int last, size_t max,
		vt_cm_str_t *out)
{
	size_t i = *pos;

	while(i < eol && b[i] != ' ')
		i++;
	if(!vt_cm_token_ok(b + *pos, i - *pos, max))
		return -1;
	if(last ? i != eol : (i == eol || i + 1 == eol))
		return -1;
	out->s = b + *pos;
	out->len = i - *pos;
	*pos = last ? i : i + 1;
	return 0;
}

static int to_u64(const vt_cm_str_t *t, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if(t->len > 20)
		return -1;
	for(i = 0; i < t->len; i++) {
		unsigned d = (unsigned char)t->s[i] - '0';
		if(d > 9 || v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static size_t line_end(const char *b, size_t len, size_t pos)
{
	const char *nl = memchr(b + pos, '\n', len - pos);

	return nl != NULL ? (size_t)(nl - b) : len;
}

int vt_cm_head_parse(const char *body, size_t len, vt_cm_head_t *h, size_t *pos)
{
	size_t p = 0, eol;
	vt_cm_str_t magic, ver, kind, node, boot;
	uint64_t v;
	int k;

	if(body == NULL || len == 0 || len > VT_CM_BODY_MAX)
		return -1;
	eol = line_end(body, len, 0);
	if(field(body, eol, &p, 0, 16, &magic) < 0
			|| field(body, eol, &p, 0, 8, &ver) < 0
			|| field(body, eol, &p, 0, 8, &kind) < 0
			|| field(body, eol, &p, 0, VT_CM_NODE_MAX, &node) < 0
			|| field(body, eol, &p, 1, 20, &boot) < 0)
		return -1;
	if(magic.len != sizeof(VT_CM_MAGIC) - 1
			|| memcmp(magic.s, VT_CM_MAGIC, magic.len) != 0
			|| to_u64(&ver, 1000, &v) < 0 || v != VT_CM_VERSION)
		return -1;
	for(k = VT_CM_HB; k <= VT_CM_NEED; k++)
		if(kind.len == strlen(vt_cm_kinds[k])
				&& memcmp(kind.s, vt_cm_kinds[k], kind.len) == 0)
			break;
	if(k > VT_CM_NEED || to_u64(&boot, UINT64_MAX, &h->boot) < 0)
		return -1;
	h->kind = (vt_cm_kind_t)k;
	h->node = node;
	*pos = eol < len ? eol + 1 : eol;
	return 0;
}

int vt_cm_call_parse(const char *body, size_t len, size_t *pos,
		vt_cm_kind_t kind, vt_cm_call_t *c)
{
	size_t p = *pos, eol;
	vt_cm_str_t t;
	uint64_t v;

	if(p >= len)
		return 0;
	eol = line_end(body, len, p);
	memset(c, 0, sizeof(*c));
	if(kind == VT_CM_OWN) {
		if(field(body, eol, &p, 0, 10, &t) < 0
				|| to_u64(&t, UINT32_MAX, &v) < 0)
			return -1;
		c->gen = (uint32_t)v;
		if(field(body, eol, &p, 0, VT_CM_NODE_MAX, &c->owner) < 0)
			return -1;
	} else if(kind != VT_CM_END && kind != VT_CM_NEED) {
		return -1;
	}
	if(field(body, eol, &p, 0, 10, &t) < 0 || to_u64(&t, UINT32_MAX, &v) < 0)
		return -1;
	c->h_entry = (unsigned int)v;
	if(field(body, eol, &p, 0, 10, &t) < 0 || to_u64(&t, UINT32_MAX, &v) < 0)
		return -1;
	c->h_id = (unsigned int)v;
	if(field(body, eol, &p, kind != VT_CM_OWN, VT_CM_BODY_MAX, &c->callid) < 0)
		return -1;
	if(kind == VT_CM_OWN
			&& field(body, eol, &p, 1, VT_CM_BODY_MAX, &c->state) < 0)
		return -1;
	*pos = eol < len ? eol + 1 : eol;
	return 1;
}

static int name_cmp(const vt_cm_str_t *a, const vt_cm_str_t *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int r = memcmp(a->s, b->s, n);

	if(r != 0)
		return r;
	return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
}

int vt_cm_claim_wins(uint32_t gen_a, const vt_cm_str_t *owner_a, uint32_t gen_b,
		const vt_cm_str_t *owner_b)
{
	if(gen_a != gen_b)
		return gen_a > gen_b;
	return name_cmp(owner_a, owner_b) < 0;
}

int vt_cm_is_adopter(const vt_cm_str_t *self, const vt_cm_str_t *up, int n)
{
	int i;

	for(i = 0; i < n; i++)
		if(name_cmp(&up[i], self) < 0)
			return 0;
	return 1;
}

int vt_cm_node_gone(uint64_t now_ms, uint64_t heard_ms, uint64_t timeout_ms)
{
	return now_ms > heard_ms && now_ms - heard_ms > timeout_ms;
}
