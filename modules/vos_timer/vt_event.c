/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the teardown event route and $vtimer(...) (see vt_event.h).
 */
#include <string.h>

#include "../../core/action.h"
#include "../../core/dprint.h"
#include "../../core/fmsg.h"
#include "../../core/kemi.h"
#include "../../core/route.h"
#include "../../core/script_cb.h"

#include "vt_event.h"
#include "vt_headers.h"
#include "vt_params.h"

str vt_event_callback = STR_NULL;

/* The event's name for KEMI. Kamailio's config lexer (EVENT_RT_NAME) takes
 * no '_' before the ':', so the native route is spelled with '-'; written
 * with '_', the lexer drops "vos_" and registers "timer:teardown". */
static str vt_evrt_name = str_init("vos_timer:teardown");
#define VT_EVRT_NATIVE "vos-timer:teardown"
#define VT_EVRT_MANGLED "timer:teardown"
static int vt_evrt_idx = -1;
/* The call whose teardown event runs now in this process, or NULL:
 * $vtimer() reads it (outside the route it is $null). */
static const vt_job_t *vt_ev_job = NULL;

int vt_event_init(void)
{
	int i = route_lookup(&event_rt, VT_EVRT_MANGLED);

	if(i >= 0 && event_rt.rlist[i] != NULL) {
		LM_ERR("event_route[vos_timer:teardown] cannot be read by Kamailio's "
			   "config parser (no '_' before ':'; it became "
			   "event_route[" VT_EVRT_MANGLED "]): write "
			   "event_route[" VT_EVRT_NATIVE "]\n");
		return -1;
	}
	vt_evrt_idx = route_lookup(&event_rt, VT_EVRT_NATIVE);
	if(vt_evrt_idx >= 0 && event_rt.rlist[vt_evrt_idx] == NULL)
		vt_evrt_idx = -1;
	return 0;
}

void vt_event_teardown(const vt_job_t *job)
{
	sr_kemi_eng_t *keng = NULL;
	struct sip_msg *fmsg;
	struct run_act_ctx ctx;
	int backup_rt;

	if(vt_event_callback.s != NULL && vt_event_callback.len > 0) {
		keng = sr_kemi_eng_get();
		if(keng == NULL) {
			LM_DBG("event_callback set, but no KEMI engine\n");
			return;
		}
	} else if(vt_evrt_idx < 0) {
		return;
	}
	if(faked_msg_init() < 0) {
		LM_ERR("cannot run event_route[" VT_EVRT_NATIVE "]: no faked "
			   "message\n");
		return;
	}
	fmsg = faked_msg_next();
	/* as rtimer and the dialog module's event routes: the pre/post script
	 * callbacks (modules keep per-message state in them); the AVPs and
	 * XAVPs the route sets are reset after each job by the caller
	 * (ksr_msg_env_reset(): no SIP receive path runs in this process) */
	if(exec_pre_script_cb(fmsg, EVENT_CB_TYPE) <= 0)
		return;
	vt_ev_job = job;
	backup_rt = get_route_type();
	set_route_type(EVENT_ROUTE);
	if(keng != NULL) {
		if(sr_kemi_route(
				   keng, fmsg, EVENT_ROUTE, &vt_event_callback, &vt_evrt_name)
				< 0)
			LM_ERR("error running the KEMI event callback %.*s\n",
					vt_event_callback.len, vt_event_callback.s);
	} else {
		init_run_actions_ctx(&ctx);
		run_top_route(event_rt.rlist[vt_evrt_idx], fmsg, &ctx);
	}
	set_route_type(backup_rt);
	vt_ev_job = NULL;
	exec_post_script_cb(fmsg, EVENT_CB_TYPE);
}

/* $vtimer(name): the names, documented in doc/ (event route section). */
enum vt_pv_name
{
	VT_PV_REASON = 0,
	VT_PV_CALL_ID,
	VT_PV_FROM_TAG,
	VT_PV_TO_TAG,
	VT_PV_MODE,
	VT_PV_AGE,
	VT_PV_INVITE_SE,
	VT_PV_SE,
	VT_PV_REFRESHER,
	VT_PV_TRUSTED,
	VT_PV_CALLER,
	VT_PV_CALLEE,
	VT_PV_SENT,
	VT_PV_CONFIRMED,
	VT_PV_FAILED,
	VT_PV_SESSION_TTL,
	VT_PV_UPDATE_SEGMENT,
	VT_PV_EARLY_HANGUP,
	VT_PV_NO_TIMER_LIMIT,
	VT_PV_PROBE_METHOD,
	VT_PV_PROBE_NON_TIMER,
	VT_PV_MIN_SE
};

static const char *vt_pv_names[] = {"reason", "call_id", "from_tag", "to_tag",
		"mode", "age", "invite_session_expires", "session_expires", "refresher",
		"headers_trusted", "caller", "callee", "probes_sent",
		"probes_confirmed", "probes_failed", "session_ttl", "update_segment",
		"early_hangup", "no_timer_limit", "probe_method", "probe_non_timer",
		"min_se", NULL};

int vt_pv_parse_name(pv_spec_t *sp, str *in)
{
	int i;

	if(sp == NULL || in == NULL || in->len <= 0)
		return -1;
	for(i = 0; vt_pv_names[i]; i++) {
		if(vt_name_is(in->s, (size_t)in->len, vt_pv_names[i])) {
			sp->pvp.pvn.type = PV_NAME_INTSTR;
			sp->pvp.pvn.u.isname.type = 0;
			sp->pvp.pvn.u.isname.name.n = i;
			return 0;
		}
	}
	LM_ERR("unknown $vtimer name \"%.*s\"\n", in->len, in->s);
	return -1;
}

static int pv_str(
		struct sip_msg *msg, pv_param_t *param, pv_value_t *res, const char *s)
{
	str v;

	v.s = (char *)s;
	v.len = strlen(s);
	return pv_get_strval(msg, param, res, &v);
}

int vt_pv_get(struct sip_msg *msg, pv_param_t *param, pv_value_t *res)
{
	const vt_job_t *j = vt_ev_job;
	const vt_call_view_t *v;

	if(param == NULL || res == NULL)
		return -1;
	if(j == NULL)
		return pv_get_null(msg, param, res);
	v = &j->view;
	switch(param->pvn.u.isname.name.n) {
		case VT_PV_REASON:
			return pv_str(msg, param, res, vt_reason_name(j->reason));
		case VT_PV_CALL_ID:
			return pv_get_strval(msg, param, res, (str *)&j->callid);
		case VT_PV_FROM_TAG:
			return pv_get_strval(msg, param, res, (str *)&j->ftag);
		case VT_PV_TO_TAG:
			return pv_get_strval(msg, param, res, (str *)&j->ttag);
		case VT_PV_MODE:
			return pv_str(msg, param, res, vt_mode_name(v->mode));
		case VT_PV_AGE:
			return pv_get_sintval(msg, param, res, (long)(v->age_ms / 1000));
		case VT_PV_INVITE_SE:
			return pv_get_sintval(msg, param, res, (long)v->invite_se_s);
		case VT_PV_SE:
			return pv_get_sintval(msg, param, res, (long)v->se_s);
		case VT_PV_REFRESHER:
			return pv_str(msg, param, res, vt_refresher_name(v->refresher));
		case VT_PV_TRUSTED:
			return pv_str(msg, param, res, v->distrusted ? "no" : "yes");
		case VT_PV_CALLER:
			return pv_str(msg, param, res, vt_view_leg_state(v, VT_LEG_CALLER));
		case VT_PV_CALLEE:
			return pv_str(msg, param, res, vt_view_leg_state(v, VT_LEG_CALLEE));
		case VT_PV_SENT:
			return pv_get_sintval(msg, param, res, (long)v->probes_sent);
		case VT_PV_CONFIRMED:
			return pv_get_sintval(msg, param, res, (long)v->probes_confirmed);
		case VT_PV_FAILED:
			return pv_get_sintval(msg, param, res, (long)v->probes_failed);
		case VT_PV_SESSION_TTL:
			return pv_get_sintval(msg, param, res, v->params.session_ttl_s);
		case VT_PV_UPDATE_SEGMENT:
			return pv_get_sintval(msg, param, res, v->params.update_segment);
		case VT_PV_EARLY_HANGUP:
			return pv_get_sintval(msg, param, res, v->params.early_hangup_s);
		case VT_PV_NO_TIMER_LIMIT:
			return pv_get_sintval(msg, param, res, v->params.no_timer_limit_s);
		case VT_PV_PROBE_METHOD:
			return pv_str(msg, param, res,
					vt_probe_method_name(v->params.probe_method));
		case VT_PV_PROBE_NON_TIMER:
			return pv_get_sintval(msg, param, res, v->params.probe_non_timer);
		case VT_PV_MIN_SE:
			return pv_get_sintval(msg, param, res, v->params.min_se_s);
		default:
			return pv_get_null(msg, param, res);
	}
}
