/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the probe action (see vt_probe.h).
 *
 * A probe's CSeq is one the endpoint sees as old, so an RFC 3261 endpoint
 * answers 500 and changes nothing - any such answer proves it still holds
 * the dialog:
 *   - to the callee: one below the caller's last CSeq (the callee knows the
 *     caller's sequence from the INVITE on);
 *   - to the caller: one below the callee's last CSeq once the callee has
 *     sent an in-dialog request; before that the caller knows no sequence
 *     from the callee, and whatever number we send becomes its remote CSeq,
 *     so we send 0, which cannot block any later real request.
 */
#include <string.h>

#include "../../core/dprint.h"

#include "vt_clock.h"
#include "vt_dialog.h"
#include "vt_probe.h"
#include "vt_stats.h"
#include "vt_tm.h"
#include "vt_uac.h"

/* A probe's final answer, which came at at_ms. A reply tm made up itself
 * is no answer from the far end: its timeout (408, or on Kamailio 6.x
 * tm's reply_408_code) or the 503 of a probe it could not send (no
 * route, a firewall's EPERM). */
static void probe_answered_at(
		vt_dlg_key_t key, unsigned int leg, int code, int faked, uint64_t at_ms)
{
	if(faked)
		code = 408;
	LM_DBG("probe to %s of [%u:%u] ended with %d\n", vt_legs_name(leg),
			key.h_entry, key.h_id, code);
	/* An answer for a call that ended meanwhile finds no record: ignored. */
	if(vt_store_probe_result(key, leg, code, at_ms) == VT_SR_DONE)
		vt_stats_probe(
				code == 408 || code == 481 ? VT_PS_FAILED : VT_PS_CONFIRMED);
}

/* tm's: the answer came now. */
static void probe_answered(
		vt_dlg_key_t key, unsigned int leg, int code, int faked)
{
	probe_answered_at(key, leg, code, faked, vt_now_ms());
}

void vt_probe_init(void)
{
	vt_tm_set_handler(VT_TM_PROBE, probe_answered);
	vt_uac_set_handler(probe_answered_at);
}

static int send_one(struct dlg_cell *dlg, const vt_job_t *job, unsigned int leg)
{
	str method;
	vt_leg_t l;
	uint32_t cseq = 0;
	int ret;

	if(vt_dialog_leg(dlg, leg, &l) < 0)
		return -1;
	if((leg == VT_LEG_CALLEE || job->callee_cseq_known) && l.other_cseq_ok
			&& l.other_cseq >= 1)
		cseq = l.other_cseq - 1;
	ret = vt_uac_send(&l, job->probe_method, cseq, job->key);
	if(ret == 0)
		vt_stats_probe(VT_PS_OWN);
	else if(ret > 0) {
		method.s = (char *)vt_probe_method_name(job->probe_method);
		method.len = strlen(method.s);
		ret = vt_tm_send(&l, &method, NULL, cseq, VT_TM_PROBE, job->key);
	}
	vt_leg_free(&l);
	return ret;
}

void vt_probe_run(const vt_job_t *job)
{
	static const unsigned int legs[2] = {VT_LEG_CALLER, VT_LEG_CALLEE};
	struct dlg_cell *dlg;
	int i;

	dlg = vt_dialog_get(job);
	if(dlg == NULL)
		return; /* ended meanwhile: vt_dialog_get() dropped the record */
	for(i = 0; i < 2; i++) {
		if(!(job->legs & legs[i]))
			continue;
		if(send_one(dlg, job, legs[i]) == 0) {
			vt_stats_probe(VT_PS_SENT);
			continue;
		}
		vt_stats_probe(VT_PS_FAILED);
		/* Counts as unanswered for this leg; logged once per call. */
		if(vt_store_first_send_failure(job->key))
			LM_WARN("call-id [%.*s]: cannot send a probe to the %s (no "
					"contact, unusable route set or socket); it counts as "
					"unanswered\n",
					job->callid.len, job->callid.s, vt_legs_name(legs[i]));
		vt_store_probe_result(job->key, legs[i], VT_PROBE_UNSENT, vt_now_ms());
	}
	vt_dialog_put(dlg);
}
