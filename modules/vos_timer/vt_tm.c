/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the tm adapter (see vt_tm.h).
 *
 * A request is built the way the dialog module builds its own BYE and
 * OPTIONS keepalive (dlg_req_within.c build_dlg_t): the leg's contact as
 * target, the leg's route set, its socket, the dialog's tags. A NAT alias
 * in the contact (nathelper's set_contact_alias()) is followed by tm
 * itself: t_request_within() restores it when the leg has no route set,
 * as for the dialog's BYE. The tm callback parameter is the call key and
 * leg packed into the pointer: no allocation to leak or free twice
 * whatever tm does with the transaction; the kind picks the callback.
 */
#include <stdint.h>
#include <string.h>

#include "../../core/cfg/cfg_struct.h"
#include "../../core/dprint.h"
#include "../../core/mem/mem.h"
#include "../../core/parser/parse_rr.h"
#include "../../core/timer_ticks.h"
#include "../tm/tm_load.h"

#include "vt_tm.h"

static struct tm_binds vt_tmb;
static vt_tm_done_f *vt_tm_handlers[VT_TM__KINDS];
static vt_tm_created_f *vt_tm_created = NULL;

int vt_tm_bind(void)
{
	if(load_tm_api(&vt_tmb) != 0) {
		LM_ERR("cannot bind the tm API: load tm before vos_timer\n");
		return -1;
	}
	return 0;
}

void vt_tm_set_handler(vt_tm_kind_t kind, vt_tm_done_f *f)
{
	vt_tm_handlers[kind] = f;
}

unsigned int vt_tm_timeout_ms(void)
{
	static str grp = str_init("tm"), var = str_init("fr_timer");
	cfg_group_t *group;
	cfg_mapping_t *map;
	int ticks;

	/* tm keeps fr_timer in timer ticks once its mod_init has run. */
	if(cfg_lookup_var(&grp, &var, &group, &map) != 0 || group->handle == NULL
			|| *group->handle == NULL) {
		LM_WARN("cannot read tm's fr_timer; assuming 30000 ms\n");
		return 30000;
	}
	ticks = *(int *)((char *)*group->handle + map->offset);
	return (unsigned int)TICKS_TO_MS((ticks_t)ticks);
}

unsigned int vt_tm_check_interval(uint64_t i_ms, const char *what)
{
	unsigned int fr_ms = vt_tm_timeout_ms();

	if(fr_ms > i_ms)
		LM_WARN("tm fr_timer (%u ms) is longer than the %sprobe interval "
				"session_ttl/update_segment (%llu ms): a probe may still be "
				"pending when the next is due (it is not stacked)\n",
				fr_ms, what, (unsigned long long)i_ms);
	return fr_ms;
}

/* The dialog key (h_id: 32 bits, h_entry: 31 bits), the leg and the kind
 * in the pointer itself. That needs 64-bit pointers: on a 32-bit build
 * every probe answer would be lost and every timer call cut at its first
 * verdict. */
_Static_assert(sizeof(void *) >= sizeof(uint64_t),
		"vos_timer packs a dialog key into a pointer: 64-bit builds only");
_Static_assert(VT_TM__KINDS <= 2, "one bit for the kind");

static void *pack_param(vt_tm_kind_t kind, vt_dlg_key_t key, unsigned int leg)
{
	return (void *)(uintptr_t)(((uint64_t)key.h_id << 32)
							   | ((uint64_t)(key.h_entry & 0x3fffffff) << 2)
							   | ((uint64_t)kind << 1)
							   | (leg == VT_LEG_CALLEE ? 1u : 0u));
}

static void unpack_param(
		void *p, vt_tm_kind_t *kind, vt_dlg_key_t *key, unsigned int *leg)
{
	uint64_t v = (uint64_t)(uintptr_t)p;

	key->h_id = (unsigned int)(v >> 32);
	key->h_entry = (unsigned int)((v >> 2) & 0x3fffffff);
	*kind = (vt_tm_kind_t)((v >> 1) & 1);
	*leg = (v & 1) ? VT_LEG_CALLEE : VT_LEG_CALLER;
}

/* tm: a request got its final answer, or tm made one up. Any process. */
static void answered_cb(struct cell *t, int type, struct tmcb_params *ps)
{
	vt_tm_kind_t kind;
	vt_dlg_key_t key;
	unsigned int leg;

	if(ps->param == NULL || ps->code < 200)
		return;
	unpack_param(*ps->param, &kind, &key, &leg);
	if(vt_tm_handlers[kind] != NULL)
		vt_tm_handlers[kind](key, leg, ps->code, ps->rpl == FAKED_REPLY);
}

/* tm: a request created in this process, before it is sent. */
static void created_cb(struct cell *t, int type, struct tmcb_params *ps)
{
	str buf = STR_NULL;

	if(vt_tm_created == NULL || t == NULL)
		return;
	if(t->uac[0].request.buffer != NULL) {
		buf.s = t->uac[0].request.buffer;
		buf.len = t->uac[0].request.buffer_len;
	}
	vt_tm_created(t, &t->method, &buf);
}

int vt_tm_watch_created(vt_tm_created_f *f)
{
	vt_tm_created = f;
	/* global, so registered in mod_init, before the fork */
	if(vt_tmb.register_tmcb(
			   NULL, NULL, TMCB_LOCAL_REQUEST_IN, created_cb, NULL, NULL)
			<= 0) {
		LM_ERR("cannot register tm's local request callback\n");
		return -1;
	}
	return 0;
}

int vt_tm_on_answer(
		void *tx, vt_tm_kind_t kind, vt_dlg_key_t key, unsigned int leg)
{
	return vt_tmb.register_tmcb(NULL, (struct cell *)tx, TMCB_LOCAL_COMPLETED,
				   answered_cb, pack_param(kind, key, leg),
				   NULL) > 0
				   ? 0
				   : -1;
}

void vt_leg_free(vt_leg_t *l)
{
	if(l->mem != NULL && l->mem != l->inline_mem)
		pkg_free(l->mem);
	l->mem = NULL;
}

int vt_tm_send(const vt_leg_t *l, const str *method, const str *hdrs,
		uint32_t cseq, vt_tm_kind_t kind, vt_dlg_key_t key)
{
	uac_req_t uac_r;
	dlg_t td;
	int ret;

	memset(&td, 0, sizeof(td));
	if(l->route_set.len > 0
			&& parse_rr_body(l->route_set.s, l->route_set.len, &td.route_set)
					   != 0) {
		LM_DBG("unusable route set for the %s\n", vt_legs_name(l->leg));
		return -1;
	}
	td.rem_target = l->target;
	/* tm adds one before sending: loc_seq is the CSeq minus one (for CSeq
	 * 0, UINT_MAX, which tm wraps to 0) */
	td.loc_seq.value = cseq - 1;
	td.loc_seq.is_set = 1;
	td.rem_uri = l->rem_uri;
	td.loc_uri = l->loc_uri;
	td.id.call_id = l->callid;
	td.id.rem_tag = l->rem_tag;
	td.id.loc_tag = l->loc_tag;
	td.state = DLG_CONFIRMED;
	td.send_sock = l->sock;
	set_uac_req(&uac_r, (str *)method, (str *)hdrs, NULL, &td,
			TMCB_LOCAL_COMPLETED, answered_cb, pack_param(kind, key, l->leg));
	ret = vt_tmb.t_request_within(&uac_r);
	if(td.route_set)
		free_rr(&td.route_set);
	return ret < 0 ? -1 : 0;
}
