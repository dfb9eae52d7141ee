/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the dialog adapter - the dialog module's API and table,
 * callbacks and lookups.
 *
 * Callbacks carry no pointer to our record: they find it by the dialog's
 * h_entry/h_id, so a record can be freed at any time without leaving a
 * dangling callback parameter. Outside callbacks, the dialog is looked up by
 * the same h_entry/h_id through the dialog module's dlg_lookup(), which
 * returns it with a reference we drop when done; a call whose dialog is
 * gone is simply not found. get_dlg() serves the INVITE only.
 */
#include <stdio.h>
#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#include "../../core/dprint.h"
#include "../../core/sr_module.h"
#include "../../core/parser/parse_cseq.h"
#include "../../core/parser/parse_to.h"
#include "../../core/parser/msg_parser.h"
#include "../dialog/dlg_load.h"
#include "../dialog/dlg_hash.h"
#include "../dialog/dlg_dmq.h"

#include "vt_clock.h"
#include "vt_cluster.h"
#include "vt_dialog.h"
#include "vt_persist.h"
#include "vt_settings.h"
#include "vt_rfc4028.h"
#include "vt_sip.h"
#include "vt_tm.h"

static struct dlg_binds vt_dlgb;
/* The dialog module's own lookup by hash id, dlg_lookup(h_entry, h_id)
 * (returns the dialog referenced). Its API (dlg_binds) has no lookup by
 * id, only get_dlg(msg), which makes every probe round build and parse a
 * SIP message; dlg_lookup is an exported symbol of dialog.so. Without it
 * vt_dialog_bind() stops start-up. */
typedef struct dlg_cell *(*vt_dlg_lookup_f)(unsigned int, unsigned int);
static vt_dlg_lookup_f vt_dlg_lookup = NULL;
/* the dialog module's table (its entry locks), found with dlsym() too */
static dlg_table_t **vt_d_table = NULL;
/* and its DMQ replication of one dialog (dlg_dmq.c; a cluster owner sends
 * a dialog again to a node whose replica missed a state change): not in
 * its API either; optional */
typedef int (*vt_dlg_replicate_f)(
		dlg_dmq_action_t, struct dlg_cell *, int, dmq_node_t *);
static vt_dlg_replicate_f vt_dlg_replicate = NULL;

static str vt_reason_var = str_init("vos_timer_reason");
/* The call's lasting facts (vt_persist.h), kept with the dialog when the
 * dialog module stores dialogs in a database: how the call is re-armed
 * after a restart. */
static str vt_state_var = str_init("vos_timer_state");
/* The dialog module's db_mode is not 0: write vos_timer_state. */
static int vt_persist_on = 0;

#define VT_DLG_EVENTS                                                       \
	(DLGCB_CONFIRMED_NA | DLGCB_CONFIRMED | DLGCB_FAILED | DLGCB_TERMINATED \
			| DLGCB_EXPIRED | DLGCB_DESTROY | DLGCB_REQ_WITHIN              \
			| DLGCB_RESPONSE_WITHIN)

static void vt_dlg_event(
		struct dlg_cell *dlg, int type, struct dlg_cb_params *params);

/* The answered call's facts: kept with its dialog (written to the dialog
 * module's database with the dialog's variables) and, on a cluster, sent
 * to the other nodes. Once per call. */
static void vt_dialog_answered(struct dlg_cell *dlg, vt_dlg_key_t key)
{
	vt_persist_t p;
	char buf[VT_PERSIST_LEN];
	str val;

	if(!vt_persist_on && !vt_cluster_on())
		return;
	if(vt_store_persist_facts(key, vt_now_ms(), vt_now_unix_ms(), &p)
			!= VT_SR_DONE)
		return;
	val.len = vt_persist_format(&p, buf, sizeof(buf));
	val.s = buf;
	if(val.len < 0) {
		LM_ERR("call-id [%.*s]: cannot write the call's facts\n",
				dlg->callid.len, dlg->callid.s);
		return;
	}
	if(vt_persist_on && vt_dlgb.set_dlg_var(dlg, &vt_state_var, &val) != 0)
		LM_WARN("call-id [%.*s]: cannot set $dlg_var(vos_timer_state): the "
				"call is not re-armed if Kamailio restarts\n",
				dlg->callid.len, dlg->callid.s);
	vt_cluster_owned(key, &dlg->callid, &val);
}

/* Put a confirmed dialog (with a reference held) back under management
 * from its facts text (vt_persist.h): after a restart, or adopted from
 * another node of a cluster. A damaged text is logged and the call probed
 * as a timer call with the current settings: never unprotected. 1 done, 0
 * managed already, -1 out of memory. */
static int vt_dialog_rearm(
		struct dlg_cell *dlg, const str *state, int restored, const char *why)
{
	vt_dlg_key_t key = {dlg->h_entry, dlg->h_id};
	char err[VT_ERR_LEN];
	vt_params_t base;
	vt_persist_t p;
	uint64_t elapsed_ms;
	vt_sr_t r;

	vt_settings_get(&base);
	if(vt_persist_parse(
			   state->s, (size_t)state->len, &base, &p, err, sizeof(err))
			< 0) {
		LM_WARN("call-id [%.*s]: unreadable %s (%s): re-armed as a timer "
				"call with the current settings\n",
				dlg->callid.len, dlg->callid.s,
				restored ? "$dlg_var(vos_timer_state)"
						 : "call facts from its owner",
				err);
		memset(&p, 0, sizeof(p));
		p.params = base;
		p.mode = VT_MODE_TIMER;
		p.answered_unix_ms = (uint64_t)dlg->start_ts * 1000;
	}
	elapsed_ms = vt_ms_since(vt_now_unix_ms(), p.answered_unix_ms);
	r = vt_store_restore(key, &dlg->callid, &p, elapsed_ms, vt_tm_timeout_ms(),
			restored, vt_now_ms());
	if(r == VT_SR_DONE
			&& vt_dlgb.register_dlgcb(
					   dlg, VT_DLG_EVENTS, vt_dlg_event, NULL, NULL)
					   != 0) {
		vt_store_release(key);
		r = VT_SR_NOMEM; /* the dialog module's shm */
	}
	if(r == VT_SR_NOMEM) {
		LM_ERR("call-id [%.*s]: cannot re-arm the call (%s)\n", dlg->callid.len,
				dlg->callid.s, why);
		return -1;
	}
	if(r == VT_SR_DONE)
		LM_INFO("call-id [%.*s]: re-armed %s (%s, answered %llu s ago)\n",
				dlg->callid.len, dlg->callid.s, why, vt_mode_name(p.mode),
				(unsigned long long)(elapsed_ms / 1000));
	return r == VT_SR_DONE ? 1 : 0;
}

/* DLGCB_LOADED: the dialog module loaded a dialog from its database (at
 * start-up, in the main process before the fork). A confirmed dialog with
 * vos_timer_state is one of ours: put it back under management with the
 * deadlines it had (on a cluster: once no other node claims it). */
static void vt_dlg_loaded(
		struct dlg_cell *dlg, int type, struct dlg_cb_params *params)
{
	vt_dlg_key_t key = {dlg->h_entry, dlg->h_id};
	str val = {NULL, 0};

	if(dlg->state != DLG_STATE_CONFIRMED_NA
			&& dlg->state != DLG_STATE_CONFIRMED)
		return;
	if(vt_dlgb.get_dlg_vardup(dlg, &vt_state_var, &val) != 0 || val.s == NULL)
		return; /* not managed by vos_timer */
	if(vt_cluster_on())
		/* another node may own it by now: adopted later unless it does */
		vt_cluster_restored(key, &dlg->callid, &val);
	else
		vt_dialog_rearm(dlg, &val, 1, "after the restart");
	pkg_free(val.s);
}

/* mod_init: with the dialog module's db_mode set, keep each call's facts
 * with its dialog and re-arm the calls it loads at start-up. */
static int vt_dialog_persist_init(struct sr_module *dm)
{
	modparam_t type;
	int *db_mode = NULL;

	if(dm != NULL)
		db_mode = find_param_export(dm, "db_mode", PARAM_INT, &type);
	vt_persist_on = db_mode != NULL && *db_mode != 0;
	if(!vt_persist_on)
		return 0;
	if(vt_dlgb.register_dlgcb(NULL, DLGCB_LOADED, vt_dlg_loaded, NULL, NULL)
			!= 0) {
		LM_ERR("cannot register for the dialogs loaded from the database\n");
		return -1;
	}
	LM_INFO("dialog db_mode %d: calls are kept in $dlg_var(vos_timer_state) "
			"and re-armed after a restart\n",
			*db_mode);
	return 0;
}

/* Kamailio 6.0's dialog module can leave dialog states to the script
 * (dlg_mode != 0, no tm callbacks); the module needs them tracked from
 * tm's replies to see a call answered and ended. */
static void vt_dialog_mode_check(struct sr_module *dm)
{
	modparam_t type;
	int *mode = NULL;

	if(dm != NULL)
		mode = find_param_export(dm, "dlg_mode", PARAM_INT, &type);
	if(mode != NULL && *mode != 0)
		LM_WARN("dialog dlg_mode is %d: vos_timer needs the dialog module "
				"to follow calls through tm (dlg_mode 0); calls may not be "
				"seen answered or ended\n",
				*mode);
}

static void dialog_lock(struct dlg_cell *dlg)
{
	dlg_table_t *t = *vt_d_table;

	dlg_lock(t, &t->entries[dlg->h_entry]);
}

static void dialog_unlock(struct dlg_cell *dlg)
{
	dlg_table_t *t = *vt_d_table;

	dlg_unlock(t, &t->entries[dlg->h_entry]);
}

int vt_dialog_bind(void)
{
	struct sr_module *m;

	if(load_dlg_api(&vt_dlgb) != 0) {
		LM_ERR("cannot bind the dialog API: load the dialog module before "
			   "vos_timer\n");
		return -1;
	}
	m = find_module_by_name("dialog");
	if(m != NULL && m->handle != NULL)
		vt_dlg_lookup = (vt_dlg_lookup_f)dlsym(m->handle, "dlg_lookup");
	if(m != NULL && m->handle != NULL) {
		vt_d_table = (dlg_table_t **)dlsym(m->handle, "d_table");
		vt_dlg_replicate = (vt_dlg_replicate_f)dlsym(
				m->handle, "dlg_dmq_replicate_action");
	}
	if(vt_dlg_lookup == NULL || vt_d_table == NULL) {
		/* exported by the dialog module of every Kamailio from 5.6 to 6.1;
		 * the API structure does not carry it */
		LM_ERR("the dialog module exports no dlg_lookup() or d_table: "
			   "vos_timer needs them to find a call's dialog by its id and "
			   "to read it under its lock\n");
		return -1;
	}
	vt_dialog_mode_check(m);
	return vt_dialog_persist_init(m);
}

/* A 2xx to a re-INVITE or UPDATE relayed within the dialog: an end-to-end
 * RFC 4028 refresh, which both legs took part in. 491 or 4xx are neither a
 * refresh nor a death. */
static int is_refresh_2xx(struct sip_msg *rpl)
{
	int code;

	if(rpl == NULL || rpl == FAKED_REPLY || rpl->first_line.type != SIP_REPLY)
		return 0;
	code = rpl->first_line.u.reply.statuscode;
	if(code < 200 || code > 299)
		return 0;
	if(parse_headers(rpl, HDR_CSEQ_F, 0) < 0 || rpl->cseq == NULL)
		return 0;
	return get_cseq(rpl)->method_id == METHOD_INVITE
		   || get_cseq(rpl)->method_id == METHOD_UPDATE;
}

static void vt_dlg_event(
		struct dlg_cell *dlg, int type, struct dlg_cb_params *params)
{
	vt_dlg_key_t key = {dlg->h_entry, dlg->h_id};
	vt_msg_timer_t mt;
	vt_answer_t ans;
	vt_sr_t r;

	switch(type) {
		case DLGCB_REQ_WITHIN:
			/* From the callee: the caller now knows its CSeq space. */
			if(params->direction == DLG_DIR_UPSTREAM)
				vt_store_callee_requested(key);
			break;
		case DLGCB_RESPONSE_WITHIN:
			if(is_refresh_2xx(params->rpl))
				vt_store_refreshed(key, vt_now_ms());
			break;
		case DLGCB_CONFIRMED_NA:
		case DLGCB_CONFIRMED:
			/* The 2xx (or, if we missed it, the ACK): the call is up.
			 * RFC 4028 section 8.2: a well-formed Session-Expires in the
			 * 2xx is the negotiated interval and puts the call in timer
			 * mode; an untrusted one keeps the no_timer_limit cap. */
			vt_sip_facts(type == DLGCB_CONFIRMED_NA ? params->rpl : NULL, &mt);
			ans.se_s = mt.f.se == VT_HV_OK ? mt.f.se_val.secs : 0;
			ans.refresher = mt.f.se == VT_HV_OK ? (uint8_t)mt.f.se_val.refresher
												: VT_REFRESHER_NONE;
			r = vt_store_answered(key, &ans, vt_now_ms());
			if(vt_facts_untrusted(&mt.f)) {
				LM_WARN("call-id [%.*s]: malformed or repeated "
						"Session-Expires/Min-SE in the 2xx: the call keeps "
						"the no_timer_limit cap\n",
						dlg->callid.len, dlg->callid.s);
				vt_store_distrust(key, vt_now_ms());
			}
			if(r == VT_SR_DONE)
				vt_dialog_answered(dlg, key);
			break;
		default:
			/* BYE, failure, CANCEL, dialog timeout or destruction. */
			vt_store_release(key);
			vt_cluster_ended(key, &dlg->callid);
			break;
	}
}

int vt_dialog_manage(struct sip_msg *msg, const vt_params_t *params,
		unsigned int probe_timeout_ms)
{
	struct dlg_cell *dlg;
	vt_msg_timer_t mt;
	vt_se_decision_t d;
	vt_dlg_key_t key;
	uint32_t se_s;
	vt_sr_t r;

	if(msg->first_line.type != SIP_REQUEST
			|| msg->first_line.u.request.method_value != METHOD_INVITE) {
		LM_ERR("vos_timer_manage() needs an initial INVITE\n");
		return -1;
	}
	if(parse_headers(msg, HDR_TO_F, 0) < 0 || msg->to == NULL) {
		LM_ERR("vos_timer_manage(): INVITE without a To header\n");
		return -1;
	}
	if(get_to(msg)->tag_value.len > 0) {
		LM_ERR("vos_timer_manage(): not an initial INVITE (To has a tag)\n");
		return -1;
	}
	/* RFC 4028 section 8.1 first: a 422 needs no dialog. */
	vt_sip_facts(msg, &mt);
	d = vt_rfc4028_invite(&mt.f, params);
	if(d.action == VT_SE_REJECT) {
		LM_INFO("Session-Expires %u below min_se %d from a caller that "
				"supports session timers: 422 with Min-SE %u\n",
				mt.f.se_val.secs, params->min_se_s, d.min_se_s);
		return vt_sip_reply_422(msg, d.min_se_s) == 0 ? VT_MANAGE_REJECTED : -1;
	}
	dlg = vt_dlgb.get_dlg(msg);
	if(dlg == NULL) {
		LM_ERR("vos_timer_manage(): no dialog for this INVITE: call "
			   "dlg_manage() first (Kamailio 5.x: or set the dialog "
			   "module's dlg_flag and t_newtran())\n");
		return -1;
	}

	key.h_entry = dlg->h_entry;
	key.h_id = dlg->h_id;
	se_s = mt.f.se != VT_HV_OK		   ? 0
		   : d.action == VT_SE_REWRITE ? d.se_s
									   : mt.f.se_val.secs;
	r = vt_store_manage(key, &dlg->callid, params,
			vt_facts_timer_capable(&mt.f) ? VT_MODE_TIMER : VT_MODE_NON_TIMER,
			se_s, probe_timeout_ms, vt_now_ms());
	if(r == VT_SR_DONE
			&& vt_dlgb.register_dlgcb(
					   dlg, VT_DLG_EVENTS, vt_dlg_event, NULL, NULL)
					   != 0) {
		LM_ERR("call-id [%.*s]: cannot register dialog callbacks\n",
				dlg->callid.len, dlg->callid.s);
		vt_store_release(key);
		r = VT_SR_NOMEM; /* the dialog module's shm */
	}
	if(r == VT_SR_NOMEM)
		LM_ERR("call-id [%.*s]: cannot put the call under management\n",
				dlg->callid.len, dlg->callid.s);
	if(r == VT_SR_DONE) {
		/* New call: the proxy's RFC 4028 part on the forwarded INVITE. */
		if(vt_facts_untrusted(&mt.f)) {
			LM_WARN("call-id [%.*s]: malformed or repeated "
					"Session-Expires/Min-SE: forwarded unchanged, the call "
					"keeps the no_timer_limit cap\n",
					dlg->callid.len, dlg->callid.s);
			vt_store_distrust(key, vt_now_ms());
		}
		if(d.action == VT_SE_REWRITE)
			vt_sip_rewrite(msg, &mt, &d);
	}
	vt_dlgb.release_dlg(dlg);
	return r == VT_SR_NOMEM ? -1 : 1;
}

/* The call's dialog, with a reference, by its hash id (unique per
 * dialog); the Call-ID check is belt and braces. */
static struct dlg_cell *vt_dlg_find_id(vt_dlg_key_t key, const str *callid)
{
	struct dlg_cell *dlg;

	dlg = vt_dlg_lookup(key.h_entry, key.h_id);
	if(dlg != NULL
			&& (dlg->callid.len != callid->len
					|| memcmp(dlg->callid.s, callid->s, callid->len) != 0)) {
		vt_dlgb.release_dlg(dlg);
		dlg = NULL;
	}
	return dlg;
}

/* dlg, or NULL (its reference released) once it is deleted: ended by
 * its endpoints meanwhile. */
static struct dlg_cell *vt_dlg_live(struct dlg_cell *dlg)
{
	if(dlg != NULL && dlg->state == DLG_STATE_DELETED) {
		vt_dlgb.release_dlg(dlg);
		dlg = NULL;
	}
	return dlg;
}

struct dlg_cell *vt_dialog_get(const vt_job_t *job)
{
	struct dlg_cell *dlg;

	dlg = vt_dlg_live(vt_dlg_find_id(job->key, &job->callid));
	if(dlg == NULL) {
		/* Nothing to send for an ended dialog. */
		LM_DBG("call-id [%.*s]: dialog gone, dropping the record\n",
				job->callid.len, job->callid.s);
		vt_store_release(job->key);
	}
	return dlg;
}

struct dlg_cell *vt_dialog_by_key(vt_dlg_key_t key)
{
	return vt_dlg_live(vt_dlg_lookup(key.h_entry, key.h_id));
}

vt_dlg_presence_t vt_dialog_presence(vt_dlg_key_t key, const str *callid)
{
	struct dlg_cell *dlg;
	vt_dlg_presence_t r;

	dlg = vt_dlg_find_id(key, callid);
	if(dlg == NULL)
		return VT_DP_NONE;
	r = dlg->state == DLG_STATE_DELETED ? VT_DP_ENDED
		: (dlg->state == DLG_STATE_CONFIRMED_NA
				  || dlg->state == DLG_STATE_CONFIRMED)
				? VT_DP_CONFIRMED
				: VT_DP_EARLY;
	vt_dlgb.release_dlg(dlg);
	return r;
}

int vt_dialog_resend(vt_dlg_key_t key, const str *callid, void *dmq_node)
{
	struct dlg_cell *dlg;
	int r;

	if(vt_dlg_replicate == NULL || dmq_node == NULL)
		return -1;
	dlg = vt_dlg_find_id(key, callid);
	if(dlg == NULL)
		return -1;
	/* a full UPDATE to that node: state, both legs, variables */
	r = vt_dlg_replicate(DLG_DMQ_UPDATE, dlg, 1, dmq_node) < 0 ? -1 : 0;
	vt_dlgb.release_dlg(dlg);
	return r;
}

int vt_dialog_adopt(vt_dlg_key_t key, const str *callid, const str *state,
		int restored, const char *why)
{
	struct dlg_cell *dlg;
	int r = 0, confirmed;

	dlg = vt_dlg_find_id(key, callid);
	if(dlg == NULL)
		return 0;
	/* a replica is confirmed when the owner's dialog module told so (it
	 * does not replicate the 2xx's CONFIRMED_NA) */
	confirmed = dlg->state == DLG_STATE_CONFIRMED_NA
				|| dlg->state == DLG_STATE_CONFIRMED;
	if(confirmed)
		r = vt_dialog_rearm(dlg, state, restored, why);
	else
		LM_ERR("call-id [%.*s]: not adopted (%s): its dialog is in state %d "
			   "here, never confirmed (a DMQ message lost): no node protects "
			   "the call\n",
				callid->len, callid->s, why, dlg->state);
	vt_dlgb.release_dlg(dlg);
	/* r 0: managed here already, ours anyway */
	return confirmed && r >= 0 ? 1 : 0;
}

void vt_dialog_put(struct dlg_cell *dlg)
{
	vt_dlgb.release_dlg(dlg);
}

static int str_to_uint(const str *s, unsigned int *out)
{
	str t = *s;

	return (t.s == NULL || t.len <= 0 || str2int(&t, out) != 0) ? -1 : 0;
}

int vt_dialog_leg(struct dlg_cell *dlg, unsigned int leg, vt_leg_t *out)
{
	int dir = leg == VT_LEG_CALLEE ? DLG_CALLEE_LEG : DLG_CALLER_LEG;
	int other = dir == DLG_CALLER_LEG ? DLG_CALLEE_LEG : DLG_CALLER_LEG;
	str ct, rs;

	memset(out, 0, offsetof(vt_leg_t, inline_mem));
	out->leg = leg;
	/* SIP workers replace the leg's contact and CSeq (dlg_update_contact,
	 * dlg_update_cseq: shm_free + shm_malloc) under the dialog's entry
	 * lock: copy them under it. */
	dialog_lock(dlg);
	ct = dlg->contact[dir];
	rs = dlg->route_set[dir];
	if(ct.s == NULL || ct.len <= 0) {
		dialog_unlock(dlg);
		LM_DBG("no contact for leg %d\n", dir);
		return -1;
	}
	if(rs.s == NULL || rs.len < 0)
		rs.len = 0;
	out->mem = ct.len + rs.len + 1 <= VT_LEG_INLINE
					   ? out->inline_mem
					   : pkg_malloc(ct.len + rs.len + 1);
	if(out->mem == NULL) {
		dialog_unlock(dlg);
		PKG_MEM_ERROR;
		return -1;
	}
	memcpy(out->mem, ct.s, ct.len);
	out->target.s = out->mem;
	out->target.len = ct.len;
	if(rs.len > 0)
		memcpy(out->mem + ct.len, rs.s, rs.len);
	out->route_set.s = out->mem + ct.len;
	out->route_set.len = rs.len;
	out->other_cseq_ok = str_to_uint(&dlg->cseq[other], &out->other_cseq) == 0;
	out->prack = (dlg->iflags & DLG_IFLAG_PRACK) != 0;
	dialog_unlock(dlg);

	/* set once the call is confirmed, not changed after */
	out->rem_uri = dir == DLG_CALLER_LEG ? dlg->from_uri : dlg->to_uri;
	out->loc_uri = dir == DLG_CALLER_LEG ? dlg->to_uri : dlg->from_uri;
	out->callid = dlg->callid;
	out->rem_tag = dlg->tag[dir];
	out->loc_tag = dlg->tag[other];
	out->sock = dlg->bind_addr[dir];
	return 0;
}

void vt_dialog_tags(struct dlg_cell *dlg, str *caller_tag, str *callee_tag)
{
	if(caller_tag != NULL)
		*caller_tag = dlg->tag[DLG_CALLER_LEG];
	if(callee_tag != NULL)
		*callee_tag = dlg->tag[DLG_CALLEE_LEG];
}

int vt_dialog_deleted(struct dlg_cell *dlg)
{
	return dlg->state == DLG_STATE_DELETED;
}

int vt_dialog_set_reason(struct dlg_cell *dlg, str *reason)
{
	return vt_dlgb.set_dlg_var(dlg, &vt_reason_var, reason);
}

int vt_dialog_terminate(struct dlg_cell *dlg, str *hdrs)
{
	return vt_dlgb.terminate_dlg(dlg, hdrs);
}
