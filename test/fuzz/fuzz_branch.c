/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * libFuzzer target for the branch of a reply's top Via
 * (modules/vos_timer/vt_flight.c): the module's response function parses
 * the branch of every SIP reply the proxy reads, and claims the probe in
 * flight it names. The input is the branch, handed over as a malloc'd
 * copy of exactly its length, without a NUL, so ASan sees any read past
 * len.
 *
 * Invariants (a broken one traps, a crash for libFuzzer):
 *   - a branch without the module's prefix is never its own, one with it
 *     is its own or malformed;
 *   - what the parser accepts, the writer writes back and the parser
 *     reads again to the same slot and tag;
 *   - the (slot, tag) of any input claims at most one probe of a small
 *     ring, and only the one it names: never out of bounds, never twice.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vt_flight.h"

#define CHECK(cond)           \
	do {                      \
		if(!(cond))           \
			__builtin_trap(); \
	} while(0)

#define RING 8
#define PREFIX_LEN (sizeof(VT_FL_BRANCH_PREFIX) - 1)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static vt_flight_t *f = NULL;
	char *b, again[VT_FL_BRANCH_MAX];
	vt_flight_probe_t p, out;
	uint32_t slot, tag, slot2, tag2, s;
	int r, n, i, claimed;

	if(f == NULL) {
		f = malloc(vt_flight_bytes(RING));
		CHECK(f != NULL);
	}
	b = malloc(size ? size : 1);
	CHECK(b != NULL);
	memcpy(b, data, size);
	r = vt_flight_parse_branch(b, size, &slot, &tag);
	CHECK(r == 0 || r == 1 || r == -1);
	CHECK((r == 0)
			== (size < PREFIX_LEN
					|| memcmp(b, VT_FL_BRANCH_PREFIX, PREFIX_LEN) != 0));
	if(r == 1) {
		n = vt_flight_branch(again, slot, tag);
		CHECK(n > 0 && n < VT_FL_BRANCH_MAX);
		CHECK(vt_flight_parse_branch(again, n, &slot2, &tag2) == 1);
		CHECK(slot2 == slot && tag2 == tag);
		/* a full ring, one probe per slot, tag = slot + 1 */
		CHECK(vt_flight_init(f, RING, 500, 4000, 2000) == 0);
		memset(&p, 0, sizeof(p));
		for(i = 0; i < RING; i++) {
			p.h_id = (uint32_t)i;
			CHECK(vt_flight_add(f, &p, (uint32_t)i + 1, 0, &s) == 0);
			CHECK(s == (uint32_t)i);
		}
		claimed = vt_flight_answer(f, slot, tag, &out);
		CHECK(claimed == (slot < RING && tag == slot + 1));
		if(claimed)
			CHECK(out.h_id == slot);
		CHECK(vt_flight_answer(f, slot, tag, &out) == 0);
	}
	free(b);
	return 0;
}
