/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the teardown action (see vt_teardown.h). The dialog module
 * sends the BYEs (its terminate, dlg_bye_all()); this file watches which
 * it really sent, sends the ones it did not (the fallback BYE), follows
 * every BYE to its final answer while the store holds the call, and sends
 * again those that could not go out.
 */
#include <string.h>
#include <strings.h>

#include "../../core/dprint.h"
#include "../../core/mem/mem.h"
#include "../../core/sr_module.h"

#include "vt_dialog.h"
#include "vt_event.h"
#include "vt_headers.h"
#include "vt_stats.h"
#include "vt_teardown.h"
#include "vt_tm.h"

/* the dialog module's dlg_extra_hdrs and lreq_callee_headers modparams,
 * which its own BYEs carry (empty if it has none) */
static str vt_dlg_extra_hdrs = STR_NULL;
static str vt_dlg_callee_hdrs = STR_NULL;

/* The BYEs tm creates in this process between watch_begin() and
 * watch_end(): which legs the dialog module's dlg_bye_all() really sent
 * to. Its return value cannot tell: 5.6 returns -1 when the caller's
 * answer to the first BYE deleted the dialog before the callee's BYE, 6.0
 * returns 0 and sends nothing ("already in deleted state"), 6.1 sends it
 * anyway. Process-local: tm runs the callback synchronously in t_uac, in
 * the process that creates the transaction. */
static struct
{
	int on;
	int n_byes;
	int callee_seen;
	str callee_tag;
	vt_dlg_key_t key;
	int track;		  /* the store tracks the call's BYEs (a held teardown) */
	uint32_t cseq[2]; /* the CSeq of the BYE to the caller, the callee */
	int cseq_ok[2];
} vt_bye_watch;

/* The final answer to a BYE of a teardown the module follows (the dialog
 * module's or its own). Any process. A BYE tm could not send (its own
 * 503: no route, a firewall) goes again at the recheck; any other answer
 * ends that leg's part (a timeout: the far end is gone). */
static void bye_answered(
		vt_dlg_key_t key, unsigned int leg, int code, int faked)
{
	struct dlg_cell *done;
	int again = faked && code == 503;

	if(code >= 300 && code != 481)
		LM_WARN("the BYE to the %s of dialog [%u:%u] got %d%s%s\n",
				vt_legs_name(leg), key.h_entry, key.h_id, code,
				faked ? " from tm itself" : "",
				again ? ": it goes again later" : "");
	done = vt_store_bye_done(key, leg, again);
	if(done != NULL)
		vt_dialog_put(done);
}

static void bye_created(void *tx, const str *method, const str *buf)
{
	int seen_before, i;
	unsigned int leg;

	if(!vt_bye_watch.on || method->len != 3
			|| strncasecmp(method->s, "BYE", 3) != 0)
		return;
	vt_bye_watch.n_byes++;
	seen_before = vt_bye_watch.callee_seen;
	/* the callee's BYE has the callee's tag in To (build_dlg_t); the
	 * R-URI cannot tell: without a route set a NAT ";alias=" is cut */
	if(buf->s != NULL && vt_bye_watch.callee_tag.len > 0
			&& vt_request_to_has_tag(buf->s, (size_t)buf->len,
					vt_bye_watch.callee_tag.s,
					(size_t)vt_bye_watch.callee_tag.len))
		vt_bye_watch.callee_seen = 1;
	leg = !seen_before && vt_bye_watch.callee_seen ? VT_LEG_CALLEE
												   : VT_LEG_CALLER;
	i = leg == VT_LEG_CALLEE;
	vt_bye_watch.cseq_ok[i] =
			buf->s != NULL
			&& vt_request_cseq(buf->s, (size_t)buf->len, &vt_bye_watch.cseq[i])
					   == 0;
	if(!vt_bye_watch.track)
		return;
	/* its answer tells the store whether that leg is done; not sent yet
	 * (t_uac runs this before the send), so no answer can come first */
	vt_store_bye_sent(vt_bye_watch.key, leg);
	if(vt_tm_on_answer(tx, VT_TM_BYE, vt_bye_watch.key, leg) < 0)
		vt_store_bye_done(vt_bye_watch.key, leg, 0);
}

int vt_teardown_init(void)
{
	struct sr_module *dm;
	modparam_t type;
	str *v;

	dm = find_module_by_name("dialog");
	if(dm != NULL) {
		v = find_param_export(dm, "dlg_extra_hdrs", PARAM_STR, &type);
		if(v != NULL && v->s != NULL)
			vt_dlg_extra_hdrs = *v;
		v = find_param_export(dm, "lreq_callee_headers", PARAM_STR, &type);
		if(v != NULL && v->s != NULL)
			vt_dlg_callee_hdrs = *v;
	}
	vt_tm_set_handler(VT_TM_BYE, bye_answered);
	/* with no watch on, the callback returns at once (probes pay one
	 * test) */
	return vt_tm_watch_created(bye_created);
}

static void watch_begin(vt_dlg_key_t key, str *callee_tag, int track)
{
	vt_bye_watch.key = key;
	vt_bye_watch.track = track;
	vt_bye_watch.on = 1;
	vt_bye_watch.n_byes = 0;
	vt_bye_watch.callee_seen = 0;
	vt_bye_watch.callee_tag = *callee_tag;
	vt_bye_watch.cseq_ok[0] = vt_bye_watch.cseq_ok[1] = 0;
}

static unsigned int watch_end(void)
{
	unsigned int legs = 0;

	vt_bye_watch.on = 0;
	/* dlg_bye_all() sends at most one BYE per leg, the caller's first */
	if(vt_bye_watch.n_byes >= 2)
		return VT_LEG_CALLER | VT_LEG_CALLEE;
	if(vt_bye_watch.callee_seen)
		legs |= VT_LEG_CALLEE;
	else if(vt_bye_watch.n_byes == 1)
		legs |= VT_LEG_CALLER;
	return legs;
}

/* The module's own BYE to one leg, built from the dialog like the dialog
 * module's: its headers (build_extra_hdr(): Max-Forwards, dlg_extra_hdrs,
 * ours, to the callee lreq_callee_headers), a new CSeq in the sender's
 * space (last + 1), and like 5.6's and 6.0's send_bye() 80 more after a
 * PRACK, whose CSeqs the dialog module does not follow: a strict UA
 * answers 500 to a BYE not above its PRACK. */
static int send_bye(struct dlg_cell *dlg, vt_dlg_key_t key, unsigned int leg,
		const str *hdrs, uint32_t *sent_cseq)
{
	static str m_bye = str_init("BYE");
	static const char mf[] = "Max-Forwards: 70\r\n";
	vt_leg_t l;
	uint32_t last;
	str all;
	char *p;
	int ret;

	all.len = (int)sizeof(mf) - 1 + vt_dlg_extra_hdrs.len + hdrs->len
			  + (leg == VT_LEG_CALLEE ? vt_dlg_callee_hdrs.len + 2 : 0);
	all.s = pkg_malloc(all.len + 1);
	if(all.s == NULL) {
		PKG_MEM_ERROR;
		return -1;
	}
	p = all.s;
	memcpy(p, mf, sizeof(mf) - 1);
	p += sizeof(mf) - 1;
	if(vt_dlg_extra_hdrs.len > 0) {
		memcpy(p, vt_dlg_extra_hdrs.s, vt_dlg_extra_hdrs.len);
		p += vt_dlg_extra_hdrs.len;
	}
	memcpy(p, hdrs->s, hdrs->len);
	p += hdrs->len;
	if(leg == VT_LEG_CALLEE && vt_dlg_callee_hdrs.len > 0) {
		memcpy(p, vt_dlg_callee_hdrs.s, vt_dlg_callee_hdrs.len);
		p += vt_dlg_callee_hdrs.len;
		if(p[-1] != '\n') {
			memcpy(p, "\r\n", 2);
			p += 2;
		}
	}
	all.len = (int)(p - all.s);
	if(vt_dialog_leg(dlg, leg, &l) < 0) {
		pkg_free(all.s);
		return -1;
	}
	last = l.other_cseq_ok ? l.other_cseq : 1;
	if(l.prack)
		last += 80;
	ret = vt_tm_send(&l, &m_bye, &all, last + 1, VT_TM_BYE, key);
	if(ret == 0 && sent_cseq != NULL)
		*sent_cseq = last + 1;
	vt_leg_free(&l);
	pkg_free(all.s);
	return ret;
}

/* A BYE the module sends itself to one leg; for a held teardown its
 * outcome is tracked, and a BYE that cannot go out now goes again at the
 * teardown's recheck. sent_cseq (may be NULL): its CSeq, if it went. */
static void send_own_bye(const vt_job_t *job, struct dlg_cell *dlg,
		unsigned int leg, str *hdrs, int held, uint32_t *sent_cseq)
{
	const char *who = vt_legs_name(leg);
	struct dlg_cell *done;

	if(held)
		vt_store_bye_sent(job->key, leg);
	if(send_bye(dlg, job->key, leg, hdrs, sent_cseq) == 0)
		return;
	if(!held) {
		LM_ERR("call-id [%.*s]: cannot send the BYE to the %s\n",
				job->callid.len, job->callid.s, who);
		return;
	}
	LM_WARN("call-id [%.*s]: cannot send the BYE to the %s now; trying "
			"again later\n",
			job->callid.len, job->callid.s, who);
	done = vt_store_bye_done(job->key, leg, 1);
	if(done != NULL) /* not while this process is busy with it */
		vt_dialog_put(done);
}

/* This process is done sending BYEs for the call: release the dialog
 * reference unless the store keeps it for BYEs still outstanding. */
static void end_done(const vt_job_t *job, struct dlg_cell *dlg, int held)
{
	struct dlg_cell *done;

	if(!held) {
		vt_dialog_put(dlg);
		return;
	}
	done = vt_store_teardown_settle(job->key);
	if(done != NULL)
		vt_dialog_put(done);
}

/* The recheck of a held teardown: the BYEs that could not be sent (or got
 * no answer within a transaction's life) go again, built by the module
 * from the dialog it keeps (the dialog module has deleted it by now). */
static void end_again(const vt_job_t *job)
{
	static const unsigned int legs[2] = {VT_LEG_CALLER, VT_LEG_CALLEE};
	struct dlg_cell *dlg = job->held;
	str hdrs;
	int i;

	hdrs.s = (char *)vt_reason_header(job->reason);
	hdrs.len = strlen(hdrs.s);
	for(i = 0; i < 2; i++) {
		if(!(job->legs & legs[i]))
			continue;
		LM_WARN("call-id [%.*s]: sending the BYE to the %s again\n",
				job->callid.len, job->callid.s, vt_legs_name(legs[i]));
		send_own_bye(job, dlg, legs[i], &hdrs, 1, NULL);
	}
	end_done(job, dlg, 1);
}

/* A BYE's CSeq is the sender's last + 1, read from the dialog before tm
 * sends it. A request from the other end that a worker relays meanwhile
 * (a re-INVITE, an UPDATE) moves that CSeq on and may reach the leg
 * first: the BYE then has a CSeq not above it, and a strict UA answers
 * 500 (RFC 3261 12.2.2) and stays up. The worker moves the dialog's CSeq
 * before it relays, so once the BYEs are out a dialog CSeq at or above a
 * BYE's shows every such request: that leg gets one more BYE, above it.
 * sent: the CSeq of the BYE each leg got (0: none seen). */
static void resend_crossed(const vt_job_t *job, struct dlg_cell *dlg, str *hdrs,
		int held, const uint32_t sent[2])
{
	static const unsigned int legs[2] = {VT_LEG_CALLER, VT_LEG_CALLEE};
	uint32_t now;
	vt_leg_t l;
	int i, crossed;

	for(i = 0; i < 2; i++) {
		if(sent[i] == 0 || vt_dialog_leg(dlg, legs[i], &l) < 0)
			continue;
		crossed = l.other_cseq_ok && l.other_cseq >= sent[i];
		now = l.other_cseq;
		vt_leg_free(&l);
		if(!crossed)
			continue;
		LM_INFO("call-id [%.*s]: a request crossed the BYE to the %s (its "
				"CSeq %u, the dialog's now %u); sending another\n",
				job->callid.len, job->callid.s, vt_legs_name(legs[i]), sent[i],
				now);
		send_own_bye(job, dlg, legs[i], hdrs, held, NULL);
	}
}

void vt_teardown_forget(const vt_job_t *job)
{
	if(job->held == NULL) {
		LM_ERR("call-id [%.*s]: the dialog did not end after %d tries; "
			   "the module stops tracking it\n",
				job->callid.len, job->callid.s, VT_TEARDOWN_MAX_TRIES);
		return;
	}
	if(job->legs)
		LM_ERR("call-id [%.*s]: no BYE could be sent to the %s after %d "
			   "tries: that leg may still be up\n",
				job->callid.len, job->callid.s, vt_legs_name(job->legs),
				VT_TEARDOWN_MAX_TRIES);
	vt_dialog_put(job->held);
}

void vt_teardown_run(const vt_job_t *job)
{
	struct dlg_cell *dlg;
	str reason, hdrs, callee_tag;
	unsigned int byes, missing;
	uint32_t sent[2];
	int ret, held;

	if(job->held != NULL) {
		end_again(job);
		return;
	}
	dlg = vt_dialog_get(job);
	if(dlg == NULL)
		return;
	/* Once per teardown (not on retries), before the BYEs; the route
	 * cannot stop them. */
	if(job->action == VT_ACT_TEARDOWN) {
		vt_job_t ev = *job;

		/* the tags for $vtimer(from_tag/to_tag), from the dialog */
		vt_dialog_tags(dlg, &ev.ftag, &ev.ttag);
		vt_event_teardown(&ev);
	}
	reason.s = (char *)vt_reason_name(job->reason);
	reason.len = strlen(reason.s);
	if(vt_dialog_set_reason(dlg, &reason) != 0)
		LM_WARN("call-id [%.*s]: cannot set $dlg_var(vos_timer_reason)\n",
				job->callid.len, job->callid.s);
	hdrs.s = (char *)vt_reason_header(job->reason);
	hdrs.len = strlen(hdrs.s);
	LM_INFO("call-id [%.*s]: ending the call (%s)%s\n", job->callid.len,
			job->callid.s, reason.s,
			job->action == VT_ACT_TEARDOWN_RETRY ? ", again" : "");
	/* The record keeps our dialog reference until every BYE is done, so
	 * that one that could not be sent can go again (the dialog module
	 * deletes the dialog at the first BYE's answer). */
	held = job->action == VT_ACT_TEARDOWN
		   && vt_store_teardown_hold(job->key, dlg) == VT_SR_DONE;
	/* dlg_bye_all() runs DLGCB_TERMINATED first; the store lock must not
	 * be held here (it is not). */
	vt_dialog_tags(dlg, NULL, &callee_tag);
	watch_begin(job->key, &callee_tag, held);
	ret = vt_dialog_terminate(dlg, &hdrs);
	byes = watch_end();
	sent[0] = vt_bye_watch.cseq_ok[0] ? vt_bye_watch.cseq[0] : 0;
	sent[1] = vt_bye_watch.cseq_ok[1] ? vt_bye_watch.cseq[1] : 0;
	missing = VT_LEGS_BOTH & ~byes;
	if(byes == 0 && vt_dialog_deleted(dlg)) {
		/* An endpoint's BYE passed between our look at the dialog and
		 * the dialog module's: the call ended without us. */
		LM_INFO("call-id [%.*s]: an endpoint ended the call first; no BYE "
				"sent\n",
				job->callid.len, job->callid.s);
		end_done(job, dlg, held);
		return;
	}
	if(byes == VT_LEG_CALLER && vt_dialog_deleted(dlg)) {
		/* dlg_bye_all() sends to the caller, then to the callee; when the
		 * caller's answer to the first BYE has already moved the dialog to
		 * deleted, Kamailio 5.6 and 6.0 skip the second (5.6 with an
		 * error, 6.0 silently): send it ourselves, or the callee's leg
		 * would stay up. */
		LM_INFO("call-id [%.*s]: the caller answered its BYE before the "
				"dialog module sent the callee's; sending that BYE\n",
				job->callid.len, job->callid.s);
		send_own_bye(job, dlg, VT_LEG_CALLEE, &hdrs, held, &sent[1]);
	} else if(missing && held) {
		/* the dialog module could not build or send them (no contact, a
		 * DNS failure, no socket, no memory): ours, now or later */
		LM_WARN("call-id [%.*s]: the dialog module sent no BYE to the %s "
				"(%d); sending it\n",
				job->callid.len, job->callid.s, vt_legs_name(missing), ret);
		if(missing & VT_LEG_CALLER)
			send_own_bye(job, dlg, VT_LEG_CALLER, &hdrs, held, &sent[0]);
		if(missing & VT_LEG_CALLEE)
			send_own_bye(job, dlg, VT_LEG_CALLEE, &hdrs, held, &sent[1]);
	} else if(missing && !vt_dialog_deleted(dlg)) {
		LM_ERR("call-id [%.*s]: the dialog module could not send the "
			   "BYEs (%d)\n",
				job->callid.len, job->callid.s, ret);
	}
	resend_crossed(job, dlg, &hdrs, held, sent);
	if(job->action == VT_ACT_TEARDOWN)
		vt_stats_teardown(job->reason);
	end_done(job, dlg, held);
}
