/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: RPC. Reads copies of the store (never its records), so the ctl
 * process holds the store lock only while copying; vos_timer.hangup also
 * turns a record to teardown under the lock, then runs the teardown (BYEs,
 * event route) here in the RPC process, without the lock.
 */
#include "../../core/dprint.h"
#include "../../core/receive.h"
#include "../../core/rpc.h"

#include "vt_clock.h"
#include "vt_cluster.h"
#include "vt_headers.h"
#include "vt_policy.h"
#include "vt_rpc.h"
#include "vt_settings.h"
#include "vt_stats.h"
#include "vt_store.h"
#include "vt_teardown.h"
#include "vt_tm.h"
#include "vt_uac.h"
#include "vt_version.h"

static const char *vt_rpc_stats_doc[] = {
		"Managed calls now (by mode and state), probes, teardowns by reason, "
		"and the settings new calls get.",
		0};

/* The seven settings, named like the modparams. */
static void add_settings(rpc_t *rpc, void *h, const vt_params_t *p)
{
	rpc->struct_add(h, "dddddsd", "session_ttl", p->session_ttl_s,
			"update_segment", p->update_segment, "early_hangup",
			p->early_hangup_s, "no_timer_limit", p->no_timer_limit_s,
			"probe_non_timer", p->probe_non_timer, "probe_method",
			vt_probe_method_name(p->probe_method), "min_se", p->min_se_s);
}

static void vt_rpc_stats(rpc_t *rpc, void *ctx)
{
	long p50, p99, max;
	vt_store_counts_t c;
	vt_cluster_counts_t cc;
	vt_params_t p;
	str self;
	void *h;

	vt_store_counts(&c);
	if(rpc->add(ctx, "{", &h) < 0) {
		rpc->fault(ctx, 500, "Server failure");
		return;
	}
	rpc->struct_add(h, "dddddddddddddd", "managed",
			(int)(c.early + c.timer + c.non_timer + c.teardown), "early",
			(int)c.early, "timer", (int)c.timer, "non_timer", (int)c.non_timer,
			"in_grace", (int)c.grace, "in_teardown", (int)c.teardown,
			"probes_sent", (int)vt_stats_probes(VT_PS_SENT), "probes_confirmed",
			(int)vt_stats_probes(VT_PS_CONFIRMED), "probes_failed",
			(int)vt_stats_probes(VT_PS_FAILED), "teardown_total",
			(int)(vt_stats_teardowns(VT_REASON_SESSION_EXPIRED)
					+ vt_stats_teardowns(VT_REASON_LEG_GONE)
					+ vt_stats_teardowns(VT_REASON_NO_TIMER_LIMIT)
					+ vt_stats_teardowns(VT_REASON_ADMIN)),
			"teardown_session_expired",
			(int)vt_stats_teardowns(VT_REASON_SESSION_EXPIRED),
			"teardown_leg_gone", (int)vt_stats_teardowns(VT_REASON_LEG_GONE),
			"teardown_no_timer_limit",
			(int)vt_stats_teardowns(VT_REASON_NO_TIMER_LIMIT), "teardown_admin",
			(int)vt_stats_teardowns(VT_REASON_ADMIN));
	vt_stats_lateness_summary(&p50, &p99, &max);
	rpc->struct_add(h, "dddddddddd", "lateness_p50_ms", (int)p50,
			"lateness_p99_ms", (int)p99, "lateness_max_ms", (int)max,
			"probes_late", (int)vt_stats_probes_late_total(),
			"probes_peak_100ms", (int)vt_stats_probes_peak(),
			"probes_stateless", (int)vt_stats_probes(VT_PS_OWN),
			"probes_resent", (int)vt_stats_probes(VT_PS_RESENT),
			"probe_port_answers", (int)vt_stats_probes(VT_PS_PPORT),
			"probes_in_flight", (int)vt_uac_in_flight(), "restored",
			(int)c.restored);
	vt_cluster_counts(&cc);
	vt_cluster_self(&self);
	rpc->struct_add(h, "sSddd", "version", VT_VERSION, "node", &self,
			"cluster_owned", (int)cc.owned, "cluster_passive", (int)cc.passive,
			"cluster_adopted", (int)cc.adopted);
	vt_settings_get(&p);
	add_settings(rpc, h, &p);
}

/* Which node owns the call: this one (its cluster name, or "local"
 * without a cluster), or another one (a copy kept here). */
static void add_owner(rpc_t *rpc, void *h, const str *callid)
{
	char buf[128];
	uint32_t gen = 0;
	int passive = 0;
	str self;

	if(vt_cluster_owner(callid, buf, sizeof(buf), &gen, &passive)) {
		rpc->struct_add(h, "sd", "owner", buf, "owner_generation", (int)gen);
		return;
	}
	vt_cluster_self(&self);
	rpc->struct_add(h, "S", "owner", &self);
}

/* The fields of a call that vos_timer.list shows (vos_timer.show adds
 * more). */
static void add_call(rpc_t *rpc, void *h, const vt_call_view_t *v)
{
	rpc->struct_add(h, "Sssddssssddd", "call_id", &v->callid, "mode",
			vt_mode_name(v->mode), "state", vt_state_name(v->state), "age_s",
			(int)(v->age_ms / 1000), "next_in_ms", (int)v->next_in_ms,
			"next_action", vt_action_name(v->next_action), "next_reason",
			vt_view_next_reason(v), "caller",
			vt_view_leg_state(v, VT_LEG_CALLER), "callee",
			vt_view_leg_state(v, VT_LEG_CALLEE), "probes_sent",
			(int)v->probes_sent, "probes_confirmed", (int)v->probes_confirmed,
			"probes_failed", (int)v->probes_failed);
	add_owner(rpc, h, &v->callid);
}

/* The Call-ID argument of show and hangup (a numeric one converted). */
static int scan_callid(rpc_t *rpc, void *ctx, str *callid)
{
	if(rpc->scan(ctx, ".S", callid) < 1 || callid->len <= 0) {
		rpc->fault(ctx, 400, "Call-ID missing");
		return -1;
	}
	return 0;
}

static const char *vt_rpc_list_doc[] = {
		"One entry per managed call: Call-ID, mode, state, age, next deadline "
		"and what happens then. Optional arguments: min_age_s (only calls at "
		"least that many seconds old), limit (at most that many entries; 0: "
		"all), offset (skip that many first).",
		0};

static void vt_rpc_list(rpc_t *rpc, void *ctx)
{
	vt_call_view_t *v = NULL;
	int n, i, min_age_s = 0, limit = 0, offset = 0;
	void *h;

	/* each one optional: a missing one ends the scan, 0 stays */
	if(rpc->scan(ctx, "*d", &min_age_s) == 1
			&& rpc->scan(ctx, "*d", &limit) == 1)
		rpc->scan(ctx, "*d", &offset);
	if(min_age_s < 0 || limit < 0 || offset < 0) {
		rpc->fault(ctx, 400, "min_age_s, limit and offset must be >= 0");
		return;
	}
	n = vt_store_list(vt_now_ms(), (uint64_t)min_age_s * 1000,
			(unsigned int)offset, (unsigned int)limit, &v);
	if(n < 0) {
		rpc->fault(ctx, 500, "Out of memory");
		return;
	}
	for(i = 0; i < n; i++) {
		if(rpc->add(ctx, "{", &h) < 0) {
			rpc->fault(ctx, 500,
					"Reply too large: page it with the limit and offset "
					"arguments");
			break;
		}
		add_call(rpc, h, &v[i]);
	}
	vt_store_views_free(v, n);
}

static const char *vt_rpc_show_doc[] = {
		"One managed call in detail: mode, RFC 4028 values, window, legs, "
		"next deadline, probes, settings. Argument: the Call-ID.",
		0};

/* A call another cluster node owns: what this node keeps of it. 0 shown,
 * -1 no such copy. */
static int show_copy(rpc_t *rpc, void *ctx, const str *callid)
{
	char buf[128];
	uint32_t gen = 0;
	int passive = 0;
	void *h;

	if(!vt_cluster_owner(callid, buf, sizeof(buf), &gen, &passive) || !passive)
		return -1;
	if(rpc->add(ctx, "{", &h) < 0) {
		rpc->fault(ctx, 500, "Server failure");
		return 0;
	}
	rpc->struct_add(h, "Sssd", "call_id", callid, "state", "passive", "owner",
			buf, "owner_generation", (int)gen);
	return 0;
}

static void vt_rpc_show(rpc_t *rpc, void *ctx)
{
	vt_call_view_t *v = NULL;
	str callid = STR_NULL;
	int n, i;
	void *h;

	if(scan_callid(rpc, ctx, &callid) < 0)
		return;
	n = vt_store_views(vt_now_ms(), 0, &callid, &v);
	if(n < 0) {
		rpc->fault(ctx, 500, "Out of memory");
		return;
	}
	if(n == 0 && show_copy(rpc, ctx, &callid) == 0)
		return;
	if(n == 0) {
		rpc->fault(ctx, 404, "No managed call with this Call-ID");
		return;
	}
	/* One entry per dialog: a Call-ID can name several (forked spirals). */
	for(i = 0; i < n; i++) {
		if(rpc->add(ctx, "{", &h) < 0) {
			rpc->fault(ctx, 500, "Server failure");
			break;
		}
		add_call(rpc, h, &v[i]);
		rpc->struct_add(h, "ddddss", "invite_session_expires",
				(int)v[i].invite_se_s, "session_expires", (int)v[i].se_s,
				"window_age_ms", (int)v[i].window_age_ms, "probe_lead_ms",
				(int)v[i].lead_ms, "refresher",
				vt_refresher_name(v[i].refresher), "headers_trusted",
				v[i].distrusted ? "no" : "yes");
		add_settings(rpc, h, &v[i].params);
	}
	vt_store_views_free(v, n);
}

static const char *vt_rpc_hangup_doc[] = {
		"End a managed, answered call now: BYE to both legs with reason "
		"admin. Argument: the Call-ID.",
		0};

static void vt_rpc_hangup(rpc_t *rpc, void *ctx)
{
	str callid = STR_NULL;
	vt_job_t job;
	void *h;

	if(scan_callid(rpc, ctx, &callid) < 0)
		return;
	switch(vt_store_hangup(&callid, VT_REASON_ADMIN, vt_now_ms(), &job)) {
		case VT_SR_DONE:
			break;
		case VT_SR_ENDING:
			rpc->fault(ctx, 409, "The call is already being ended");
			return;
		case VT_SR_EARLY:
			rpc->fault(ctx, 409, "The call is not answered yet");
			return;
		case VT_SR_NOMEM:
			rpc->fault(ctx, 500, "Out of memory");
			return;
		default: /* VT_SR_NONE */
			rpc->fault(ctx, 404, "No managed call with this Call-ID");
			return;
	}
	LM_NOTICE("call-id [%.*s]: vos_timer.hangup\n", callid.len, callid.s);
	/* The same teardown as a deadline's, run here in the RPC process; the
	 * store lock is not held. */
	vt_teardown_run(&job);
	vt_store_job_clean(&job);
	ksr_msg_env_reset(); /* what the routes set here (see vt_timer.c) */
	if(rpc->add(ctx, "{", &h) < 0) {
		rpc->fault(ctx, 500, "Server failure");
		return;
	}
	rpc->struct_add(h, "Ss", "call_id", &callid, "reason",
			vt_reason_name(VT_REASON_ADMIN));
}

static const char *vt_rpc_set_doc[] = {
		"Change a module parameter for calls managed from now on (validated "
		"like modparam). Arguments: parameter name, value.",
		0};

static void vt_rpc_set(rpc_t *rpc, void *ctx)
{
	str name = STR_NULL, value = STR_NULL;
	vt_params_t before, after;
	char err[VT_ERR_LEN];
	int id;
	void *h;

	if(rpc->scan(ctx, "S.S", &name, &value) < 2) {
		rpc->fault(ctx, 400, "Parameter name and value expected");
		return;
	}
	id = vt_settings_set(&name, &value, &before, &after, err, sizeof(err));
	if(id < 0) {
		LM_WARN("vos_timer.set refused: %s\n", err);
		rpc->fault(ctx, 400, "%s", err);
		return;
	}
	LM_NOTICE("vos_timer.set: %s changed from %d to %d for new calls\n",
			vt_param_name(id), vt_params_get(&before, id),
			vt_params_get(&after, id));
	if(id == VT_P_SESSION_TTL || id == VT_P_UPDATE_SEGMENT) {
		vt_tm_check_interval(
				(uint64_t)after.session_ttl_s * 1000 / after.update_segment,
				"new ");
	}
	if(rpc->add(ctx, "{", &h) < 0) {
		rpc->fault(ctx, 500, "Server failure");
		return;
	}
	add_settings(rpc, h, &after);
}

static int not_cluster(rpc_t *rpc, void *ctx)
{
	if(vt_cluster_on())
		return 0;
	rpc->fault(ctx, 503, "Not a cluster node (modparam cluster=0)");
	return 1;
}

static const char *vt_rpc_takeover_doc[] = {
		"Cluster: adopt now the calls another node owns (for a keepalived "
		"notify script when this node takes the floating address). "
		"Optional argument: the node (its DMQ server_address); without "
		"it, the calls of every other node.",
		0};

static void vt_rpc_takeover(rpc_t *rpc, void *ctx)
{
	str node = STR_NULL;
	int n;
	void *h;

	if(not_cluster(rpc, ctx))
		return;
	if(rpc->scan(ctx, "*S", &node) < 1)
		node.len = 0;
	n = vt_cluster_takeover(node.len > 0 ? &node : NULL);
	if(n < 0) {
		rpc->fault(ctx, 404, "Unknown node");
		return;
	}
	if(rpc->add(ctx, "{", &h) < 0) {
		rpc->fault(ctx, 500, "Server failure");
		return;
	}
	rpc->struct_add(h, "Sd", "node", &node, "adopted", n);
}

static const char *vt_rpc_cluster_doc[] = {
		"Cluster: the nodes this node knows, whether each is up, when it "
		"was last heard, and how many calls each owns.",
		0};

static void vt_rpc_cluster(rpc_t *rpc, void *ctx)
{
	vt_node_view_t nv;
	int i = 0;
	void *h;

	if(not_cluster(rpc, ctx))
		return;
	while((i = vt_cluster_node(i, &nv)) > 0) {
		if(rpc->add(ctx, "{", &h) < 0) {
			rpc->fault(ctx, 500, "Server failure");
			return;
		}
		rpc->struct_add(h, "sssdd", "node", nv.name, "self",
				nv.self ? "yes" : "no", "up", nv.up ? "yes" : "no",
				"heard_ms_ago", (int)nv.heard_ms_ago, "calls_owned",
				(int)nv.owns);
	}
}

rpc_export_t vt_rpc_cmds[] = {
		{"vos_timer.stats", vt_rpc_stats, vt_rpc_stats_doc, 0},
		{"vos_timer.list", vt_rpc_list, vt_rpc_list_doc, RET_ARRAY},
		{"vos_timer.show", vt_rpc_show, vt_rpc_show_doc, RET_ARRAY},
		{"vos_timer.hangup", vt_rpc_hangup, vt_rpc_hangup_doc, 0},
		{"vos_timer.set", vt_rpc_set, vt_rpc_set_doc, 0},
		{"vos_timer.takeover", vt_rpc_takeover, vt_rpc_takeover_doc, 0},
		{"vos_timer.cluster", vt_rpc_cluster, vt_rpc_cluster_doc, RET_ARRAY},
		{0, 0, 0, 0}};
