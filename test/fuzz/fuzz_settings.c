/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * libFuzzer target for the two parsers of settings text that the module
 * does not write itself:
 *   - vt_overrides_apply (modules/vos_timer/vt_params.c): the argument of
 *     vos_timer_manage(), often built from a database or a header value;
 *   - vt_persist_parse (vt_persist.c): the dialog variable vos_timer_state
 *     read back from the dialog module's database after a restart.
 * The first byte of an input picks the parser (even: overrides, odd:
 * persisted state), the rest is the text, handed over as a malloc'd copy
 * of exactly its length, without a NUL, so ASan sees any read past len.
 *
 * Invariants (a broken one traps, a crash for libFuzzer):
 *   - an accepted text leaves settings that are each in range and
 *     consistent together (what modparam would accept);
 *   - a refused text leaves the target untouched and says why in a
 *     NUL-terminated message;
 *   - persisted state: what the parser accepts, vt_persist_format writes
 *     back and the parser reads again to the same facts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vt_params.h"
#include "vt_persist.h"

#define CHECK(cond)           \
	do {                      \
		if(!(cond))           \
			__builtin_trap(); \
	} while(0)

static void check_valid(const vt_params_t *p)
{
	char err[VT_ERR_LEN];
	int id;

	for(id = 0; id < VT_P__COUNT; id++)
		if(id != VT_P_PROBE_METHOD)
			CHECK(vt_param_check_int((vt_param_id_t)id,
						  vt_params_get(p, (vt_param_id_t)id))
					== 0);
	CHECK(p->probe_method == VT_PROBE_UPDATE
			|| p->probe_method == VT_PROBE_OPTIONS);
	CHECK(vt_params_check_consistency(p, err, sizeof(err)) == 0);
}

static void check_err(const char *err, size_t size)
{
	CHECK(memchr(err, '\0', size) != NULL);
	CHECK(err[0] != '\0');
}

static void fuzz_overrides(const char *s, size_t len)
{
	vt_params_t p = vt_params_default, before = p;
	char err[VT_ERR_LEN];

	memset(err, 'x', sizeof(err));
	if(vt_overrides_apply(&p, s, len, err, sizeof(err)) == 0) {
		check_valid(&p);
	} else {
		CHECK(memcmp(&p, &before, sizeof(p)) == 0);
		check_err(err, sizeof(err));
	}
}

static void fuzz_persist(const char *s, size_t len)
{
	vt_persist_t out, again, untouched;
	char err[VT_ERR_LEN], buf[VT_PERSIST_LEN];
	int n;

	memset(&out, 0x5a, sizeof(out));
	untouched = out;
	memset(err, 'x', sizeof(err));
	if(vt_persist_parse(s, len, &vt_params_default, &out, err, sizeof(err))
			!= 0) {
		CHECK(memcmp(&out, &untouched, sizeof(out)) == 0);
		check_err(err, sizeof(err));
		return;
	}
	check_valid(&out.params);
	CHECK(out.distrusted == 0 || out.distrusted == 1);
	n = vt_persist_format(&out, buf, sizeof(buf));
	CHECK(n > 0 && (size_t)n < sizeof(buf));
	memset(&again, 0, sizeof(again));
	CHECK(vt_persist_parse(
				  buf, (size_t)n, &vt_params_default, &again, err, sizeof(err))
			== 0);
	CHECK(memcmp(&again.params, &out.params, sizeof(out.params)) == 0);
	CHECK(again.mode == out.mode && again.distrusted == out.distrusted
			&& again.answered_unix_ms == out.answered_unix_ms
			&& again.invite_se_s == out.invite_se_s && again.se_s == out.se_s
			&& again.refresher == out.refresher);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	size_t len;

	if(size < 1)
		return 0;
	len = size - 1;
	s = malloc(len ? len : 1);
	CHECK(s != NULL);
	if(len)
		memcpy(s, data + 1, len);
	if(data[0] % 2 == 0)
		fuzz_overrides(s, len);
	else
		fuzz_persist(s, len);
	free(s);
	return 0;
}
