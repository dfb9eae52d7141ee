/*
 * vos_timer: dialog callbacks and dialog-module actions.
 *
 * Callbacks carry no pointer to our record: they find it by the dialog's
 * h_entry/h_id, so a record can be freed at any time without leaving a
 * dangling callback parameter. Outside callbacks, the dialog is looked up by
 * Call-ID and tags through get_dlg(), which returns it with a reference we
 * drop when done; a call whose dialog is gone is simply not found.
 */
#include <stdio.h>
#include <dlfcn.h>
#include <string.h>

#include "../../core/dprint.h"
#include "../../core/sr_module.h"
#include "../../core/parser/parse_cseq.h"
#include "../../core/parser/parse_to.h"
#include "../../core/parser/msg_parser.h"
#include "../dialog/dlg_load.h"
#include "../dialog/dlg_hash.h"

#include "vt_dialog.h"
#include "vt_event.h"
#include "vt_persist.h"
#include "vt_settings.h"
#include "vt_probe.h"
#include "vt_rfc4028.h"
#include "vt_sip.h"
#include "vt_stats.h"

static struct dlg_binds vt_dlgb;
/* The dialog module's own lookup by hash id, dlg_lookup(h_entry, h_id)
 * (returns the dialog referenced). Its API (dlg_binds) has no lookup by
 * id, only get_dlg(msg), which makes every probe round build and parse a
 * SIP message; dlg_lookup is an exported symbol of dialog.so. NULL when
 * absent: the message path is used. */
typedef struct dlg_cell *(*vt_dlg_lookup_f)(unsigned int, unsigned int);
static vt_dlg_lookup_f vt_dlg_lookup = NULL;
/* the dialog module's table (its entry locks), found with dlsym() too */
static dlg_table_t **vt_d_table = NULL;

static str vt_reason_var = str_init("vos_timer_reason");
/* The call's lasting facts (vt_persist.h), kept with the dialog when the
 * dialog module stores dialogs in a database: how the call is re-armed
 * after a restart. */
static str vt_state_var = str_init("vos_timer_state");
/* The dialog module's db_mode is not 0: write vos_timer_state. */
static int vt_persist_on = 0;

#define VT_DLG_EVENTS                                                    \
	(DLGCB_CONFIRMED_NA | DLGCB_CONFIRMED | DLGCB_FAILED | DLGCB_TERMINATED \
			| DLGCB_EXPIRED | DLGCB_DESTROY | DLGCB_REQ_WITHIN                 \
			| DLGCB_RESPONSE_WITHIN)

static void vt_dlg_event(
		struct dlg_cell *dlg, int type, struct dlg_cb_params *params);

/* Keep the answered call's facts with its dialog (written to the dialog
 * module's database with the dialog's variables). Once per call. */
static void vt_dialog_persist(struct dlg_cell *dlg, vt_dlg_key_t key)
{
	vt_persist_t p;
	char buf[VT_PERSIST_LEN];
	str val;

	if(!vt_store_persist_facts(key, vt_now_ms(), vt_now_unix_ms(), &p))
		return;
	val.len = vt_persist_format(&p, buf, sizeof(buf));
	val.s = buf;
	if(val.len < 0
			|| vt_dlgb.set_dlg_var(dlg, &vt_state_var, &val) != 0)
		LM_WARN("call-id [%.*s]: cannot set $dlg_var(vos_timer_state): the "
				"call is not re-armed if Kamailio restarts\n",
				dlg->callid.len, dlg->callid.s);
}

/* DLGCB_LOADED: the dialog module loaded a dialog from its database (at
 * start-up, in the main process before the fork). A confirmed dialog with
 * vos_timer_state is one of ours: put it back under management with the
 * deadlines it had. */
static void vt_dlg_loaded(
		struct dlg_cell *dlg, int type, struct dlg_cb_params *params)
{
	vt_dlg_key_t key = {dlg->h_entry, dlg->h_id};
	char err[VT_ERR_LEN];
	vt_params_t base;
	vt_persist_t p;
	uint64_t now_unix, elapsed_ms;
	str val = {NULL, 0};
	int r;

	if(dlg->state != DLG_STATE_CONFIRMED_NA && dlg->state != DLG_STATE_CONFIRMED)
		return;
	if(vt_dlgb.get_dlg_vardup(dlg, &vt_state_var, &val) != 0 || val.s == NULL)
		return; /* not managed by vos_timer */
	vt_settings_get(&base);
	if(vt_persist_parse(val.s, (size_t)val.len, &base, &p, err, sizeof(err))
			< 0) {
		/* never leave it unprotected: probe it with today's settings */
		LM_WARN("call-id [%.*s]: unreadable $dlg_var(vos_timer_state) "
				"(%s): re-armed as a timer call with the current "
				"settings\n",
				dlg->callid.len, dlg->callid.s, err);
		memset(&p, 0, sizeof(p));
		p.params = base;
		p.mode = VT_MODE_TIMER;
		p.answered_unix_ms = (uint64_t)dlg->start_ts * 1000;
	}
	pkg_free(val.s);
	now_unix = vt_now_unix_ms();
	elapsed_ms =
			now_unix > p.answered_unix_ms ? now_unix - p.answered_unix_ms : 0;
	r = vt_store_restore(
			key, &dlg->callid, &p, elapsed_ms, vt_probe_timeout_ms(), vt_now_ms());
	if(r == 1
			&& vt_dlgb.register_dlgcb(dlg, VT_DLG_EVENTS, vt_dlg_event, NULL, NULL)
					   != 0) {
		vt_store_release(key);
		r = -1;
	}
	if(r < 0)
		LM_ERR("call-id [%.*s]: cannot re-arm the call after the restart\n",
				dlg->callid.len, dlg->callid.s);
	else if(r == 1)
		LM_INFO("call-id [%.*s]: re-armed after the restart (%s, answered "
				"%llu s ago)\n",
				dlg->callid.len, dlg->callid.s, vt_mode_name(p.mode),
				(unsigned long long)(elapsed_ms / 1000));
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

void vt_dialog_lock(struct dlg_cell *dlg)
{
	dlg_table_t *t = *vt_d_table;

	dlg_lock(t, &t->entries[dlg->h_entry]);
}

void vt_dialog_unlock(struct dlg_cell *dlg)
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
	if(m != NULL && m->handle != NULL)
		vt_d_table = (dlg_table_t **)dlsym(m->handle, "d_table");
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

	if(rpl == NULL || rpl == FAKED_REPLY
			|| rpl->first_line.type != SIP_REPLY)
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
	int r;

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
			if(r == 1 && vt_persist_on)
				vt_dialog_persist(dlg, key);
			break;
		default:
			/* BYE, failure, CANCEL, dialog timeout or destruction. */
			vt_store_release(key);
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
	int r;

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
		return vt_sip_reply_422(msg, d.min_se_s) == 0 ? VT_MANAGE_REJECTED
													 : -1;
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
	se_s = mt.f.se != VT_HV_OK ? 0
			: d.action == VT_SE_REWRITE ? d.se_s : mt.f.se_val.secs;
	r = vt_store_manage(key, &dlg->callid, params,
			vt_facts_timer_capable(&mt.f) ? VT_MODE_TIMER : VT_MODE_NON_TIMER,
			se_s, probe_timeout_ms, vt_now_ms());
	if(r == 1
			&& vt_dlgb.register_dlgcb(dlg, VT_DLG_EVENTS, vt_dlg_event, NULL, NULL)
					   != 0) {
		LM_ERR("call-id [%.*s]: cannot register dialog callbacks\n",
				dlg->callid.len, dlg->callid.s);
		vt_store_release(key);
		r = -1;
	}
	if(r < 0)
		LM_ERR("call-id [%.*s]: cannot put the call under management\n",
				dlg->callid.len, dlg->callid.s);
	if(r == 1) {
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
	return r < 0 ? -1 : 1;
}

/* The call's dialog, with a reference, by its hash id (unique per
 * dialog); the Call-ID check is belt and braces. */
static struct dlg_cell *vt_dlg_find(const vt_job_t *job)
{
	struct dlg_cell *dlg;

	dlg = vt_dlg_lookup(job->key.h_entry, job->key.h_id);
	if(dlg != NULL
			&& (dlg->callid.len != job->callid.len
					|| memcmp(dlg->callid.s, job->callid.s, job->callid.len)
							   != 0)) {
		vt_dlgb.release_dlg(dlg);
		dlg = NULL;
	}
	return dlg;
}

struct dlg_cell *vt_dialog_get(const vt_job_t *job)
{
	struct dlg_cell *dlg;

	dlg = vt_dlg_find(job);
	if(dlg != NULL && dlg->state == DLG_STATE_DELETED) {
		vt_dlgb.release_dlg(dlg); /* ended by its endpoints meanwhile */
		dlg = NULL;
	}
	if(dlg == NULL) {
		/* Nothing to send for an ended dialog. */
		LM_DBG("call-id [%.*s]: dialog gone, dropping the record\n",
				job->callid.len, job->callid.s);
		vt_store_release(job->key);
	}
	return dlg;
}

void vt_dialog_put(struct dlg_cell *dlg)
{
	vt_dlgb.release_dlg(dlg);
}

static const char *legs_name(unsigned int legs)
{
	return legs == VT_LEGS_BOTH		 ? "caller and callee"
		   : legs & VT_LEG_CALLER ? "caller"
								  : "callee";
}

/* A BYE the module sends itself to one leg; for a held teardown its
 * outcome is tracked, and a BYE that cannot go out now goes again at the
 * teardown's recheck. */
static void send_own_bye(const vt_job_t *job, struct dlg_cell *dlg, int dir,
		str *hdrs, int held)
{
	unsigned int leg = dir == DLG_CALLEE_LEG ? VT_LEG_CALLEE : VT_LEG_CALLER;
	const char *who = legs_name(leg);
	struct dlg_cell *done;

	if(held)
		vt_store_bye_sent(job->key, leg);
	if(vt_probe_send_bye(dlg, dir, hdrs) == 0)
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
	struct dlg_cell *dlg = job->held;
	unsigned int leg;
	int dir;
	str hdrs;

	hdrs.s = (char *)vt_reason_header(job->reason);
	hdrs.len = strlen(hdrs.s);
	for(dir = DLG_CALLER_LEG; dir <= DLG_CALLEE_LEG; dir++) {
		leg = dir == DLG_CALLEE_LEG ? VT_LEG_CALLEE : VT_LEG_CALLER;
		if(!(job->legs & leg))
			continue;
		LM_WARN("call-id [%.*s]: sending the BYE to the %s again\n",
				job->callid.len, job->callid.s, legs_name(leg));
		send_own_bye(job, dlg, dir, &hdrs, 1);
	}
	end_done(job, dlg, 1);
}

void vt_dialog_forget(const vt_job_t *job)
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
				job->callid.len, job->callid.s, legs_name(job->legs),
				VT_TEARDOWN_MAX_TRIES);
	vt_dialog_put(job->held);
}

void vt_dialog_end(const vt_job_t *job)
{
	struct dlg_cell *dlg;
	str reason, hdrs;
	unsigned int byes, missing;
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
		ev.ftag = dlg->tag[DLG_CALLER_LEG];
		ev.ttag = dlg->tag[DLG_CALLEE_LEG];
		vt_event_teardown(&ev);
	}
	reason.s = (char *)vt_reason_name(job->reason);
	reason.len = strlen(reason.s);
	if(vt_dlgb.set_dlg_var(dlg, &vt_reason_var, &reason) != 0)
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
		   && vt_store_teardown_hold(job->key, dlg) == 1;
	/* dlg_bye_all() runs DLGCB_TERMINATED first; the store lock must not
	 * be held here (it is not). */
	vt_probe_bye_watch_begin(job->key, &dlg->tag[DLG_CALLEE_LEG], held);
	ret = vt_dlgb.terminate_dlg(dlg, &hdrs);
	byes = vt_probe_bye_watch_end();
	missing = VT_LEGS_BOTH & ~byes;
	if(byes == 0 && dlg->state == DLG_STATE_DELETED) {
		/* An endpoint's BYE passed between our look at the dialog and
		 * the dialog module's: the call ended without us. */
		LM_INFO("call-id [%.*s]: an endpoint ended the call first; no BYE "
				"sent\n",
				job->callid.len, job->callid.s);
		end_done(job, dlg, held);
		return;
	}
	if(byes == VT_LEG_CALLER && dlg->state == DLG_STATE_DELETED) {
		/* dlg_bye_all() sends to the caller, then to the callee; when the
		 * caller's answer to the first BYE has already moved the dialog to
		 * deleted, Kamailio 5.6 and 6.0 skip the second (5.6 with an
		 * error, 6.0 silently): send it ourselves, or the callee's leg
		 * would stay up. */
		LM_INFO("call-id [%.*s]: the caller answered its BYE before the "
				"dialog module sent the callee's; sending that BYE\n",
				job->callid.len, job->callid.s);
		send_own_bye(job, dlg, DLG_CALLEE_LEG, &hdrs, held);
	} else if(missing && held) {
		/* the dialog module could not build or send them (no contact, a
		 * DNS failure, no socket, no memory): ours, now or later */
		LM_WARN("call-id [%.*s]: the dialog module sent no BYE to the %s "
				"(%d); sending it\n",
				job->callid.len, job->callid.s, legs_name(missing), ret);
		if(missing & VT_LEG_CALLER)
			send_own_bye(job, dlg, DLG_CALLER_LEG, &hdrs, held);
		if(missing & VT_LEG_CALLEE)
			send_own_bye(job, dlg, DLG_CALLEE_LEG, &hdrs, held);
	} else if(missing && dlg->state != DLG_STATE_DELETED) {
		LM_ERR("call-id [%.*s]: the dialog module could not send the "
			   "BYEs (%d)\n",
				job->callid.len, job->callid.s, ret);
	}
	if(job->action == VT_ACT_TEARDOWN)
		vt_stats_teardown(job->reason);
	end_done(job, dlg, held);
}
