/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * libFuzzer target for the cluster messages (modules/vos_timer/
 * vt_cluster_msg.c): every KDMQ body a node receives for the vos_timer
 * peer comes from the network. The input is the body, handed over as a
 * malloc'd copy of exactly its length, without a NUL, so ASan sees any
 * read past len.
 *
 * Invariants (a broken one traps, a crash for libFuzzer):
 *   - every field parsed points inside the body and is a valid token;
 *   - what the parser accepts, the writer writes back (head and each call
 *     line up to the first malformed one) and the parser reads again to
 *     the same values;
 *   - the claim rule is a strict order: never both a over b and b over a,
 *     never a claim over itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vt_cluster_msg.h"

#define CHECK(cond)           \
	do {                      \
		if(!(cond))           \
			__builtin_trap(); \
	} while(0)

static int inside(const char *body, size_t len, vt_cm_str_t s)
{
	return s.s >= body && s.s + s.len <= body + len;
}

static int same(vt_cm_str_t a, vt_cm_str_t b)
{
	return a.len == b.len && memcmp(a.s, b.s, a.len) == 0;
}

static void check_field(const char *body, size_t len, vt_cm_str_t s, size_t max)
{
	CHECK(inside(body, len, s));
	CHECK(vt_cm_token_ok(s.s, s.len, max));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[VT_CM_BODY_MAX + 1];
	vt_cm_call_t c, c2, prev;
	vt_cm_head_t h, h2;
	size_t pos, pos2;
	int olen, r, n = 0;
	char *body;

	if(size > 2 * VT_CM_BODY_MAX)
		return 0;
	body = malloc(size ? size : 1);
	memcpy(body, data, size);
	if(vt_cm_head_parse(body, size, &h, &pos) < 0) {
		free(body);
		return 0;
	}
	CHECK(size <= VT_CM_BODY_MAX && pos <= size);
	check_field(body, size, h.node, VT_CM_NODE_MAX);
	olen = vt_cm_head_write(
			out, sizeof(out), h.kind, h.node.s, h.node.len, h.boot);
	CHECK(olen > 0);
	CHECK(vt_cm_head_parse(out, olen, &h2, &pos2) == 0);
	CHECK(h2.kind == h.kind && h2.boot == h.boot && same(h2.node, h.node));
	while((r = vt_cm_call_parse(body, size, &pos, h.kind, &c)) == 1) {
		CHECK(h.kind != VT_CM_HB && pos <= size);
		check_field(body, size, c.callid, VT_CM_BODY_MAX);
		if(h.kind == VT_CM_OWN) {
			check_field(body, size, c.owner, VT_CM_NODE_MAX);
			check_field(body, size, c.state, VT_CM_BODY_MAX);
			CHECK(!vt_cm_claim_wins(c.gen, &c.owner, c.gen, &c.owner));
			if(n > 0)
				CHECK(!(vt_cm_claim_wins(c.gen, &c.owner, prev.gen, &prev.owner)
						&& vt_cm_claim_wins(
								prev.gen, &prev.owner, c.gen, &c.owner)));
		}
		/* the body is at most VT_CM_BODY_MAX: each line fits alone */
		olen = vt_cm_head_write(
				out, sizeof(out), h.kind, h.node.s, h.node.len, h.boot);
		olen = vt_cm_call_write(out, sizeof(out), olen, h.kind, &c);
		CHECK(olen > 0);
		CHECK(vt_cm_head_parse(out, olen, &h2, &pos2) == 0);
		CHECK(vt_cm_call_parse(out, olen, &pos2, h.kind, &c2) == 1);
		CHECK(c2.h_entry == c.h_entry && c2.h_id == c.h_id
				&& same(c2.callid, c.callid));
		if(h.kind == VT_CM_OWN)
			CHECK(c2.gen == c.gen && same(c2.owner, c.owner)
					&& same(c2.state, c.state));
		CHECK(vt_cm_call_parse(out, olen, &pos2, h.kind, &c2) == 0);
		prev = c;
		n++;
	}
	CHECK(r == 0 || r == -1);
	free(body);
	return 0;
}
