/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: Kamailio module exports and life cycle only.
 *
 * VOS3000-style session timer for a dialog-stateful proxy: calls managed by
 * vos_timer_manage() are capped (non-timer mode) or, in timer mode, watched
 * within session_ttl windows. Where each part lives ("pure": no Kamailio
 * headers; unit-tested in test/unit/, some fuzzed in test/fuzz/):
 *   vos_timer_mod.c  exports, modparams, vos_timer_manage(), life cycle
 *   vt_params.c      parameter table and validation (pure)
 *   vt_headers.c     session-timer header parsing and facts (pure)
 *   vt_rfc4028.c     the proxy's RFC 4028 decisions on an INVITE (pure)
 *   vt_policy.c      per-call decisions: state, deadlines, actions (pure)
 *   vt_heap.c        deadline heap (pure)
 *   vt_hist.c        lateness histogram, probe-burst peak (pure)
 *   vt_persist.c     a call's facts kept across a restart (pure)
 *   vt_clock.c       monotonic and wall clocks (pure)
 *   vt_store.c       shm records, their indexes and the heap under one lock
 *   vt_dialog.c      dialog adapter: binding, callbacks, lookup; managing
 *                    and restoring calls; a leg's route, a dialog's end
 *   vt_tm.c          tm adapter: binding, fr_timer, sending an in-dialog
 *                    request and reporting its final answer
 *   vt_sip.c         headers of Kamailio messages, 422, INVITE rewrites
 *   vt_flight.c      the module's own probes in flight: timers, claims,
 *                    their Via branch (pure)
 *   vt_uac.c         probes without tm: UDP to an IP next hop, built and
 *                    sent here, answers taken in the response function
 *   vt_probe.c       the probe action: probes to the legs, their answers
 *   vt_teardown.c    the teardown action: event route, BYEs (the dialog
 *                    module's, the fallback ones), their answers, resends
 *   vt_cluster_msg.c cluster messages and ownership rules (pure)
 *   vt_cluster.c     the cluster: who owns each call, DMQ peer,
 *                    heartbeats, takeover
 *   vt_timer.c       the deadline process ("vos_timer deadlines")
 *   vt_settings.c    module settings in shm (vos_timer.set)
 *   vt_event.c       event_route[vos-timer:teardown] and $vtimer(name)
 *   vt_rpc.c         RPC commands
 *   vt_stats.c       counters
 * Processes, shared state, locks and a call's path through these files:
 * the Internals chapter, doc/vos_timer_devel.xml.
 */
#include <string.h>

#include "../../core/dprint.h"
#include "../../core/kemi.h"
#include "../../core/mem/shm_mem.h"
#include "../../core/mod_fix.h"
#include "../../core/sr_module.h"

#include "vt_cluster.h"
#include "vt_dialog.h"
#include "vt_event.h"
#include "vt_params.h"
#include "vt_probe.h"
#include "vt_probe_port.h"
#include "vt_rpc.h"
#include "vt_settings.h"
#include "vt_sip.h"
#include "vt_stats.h"
#include "vt_store.h"
#include "vt_teardown.h"
#include "vt_timer.h"
#include "vt_tm.h"
#include "vt_uac.h"
#include "vt_version.h"

MODULE_VERSION

/* Return codes of vos_timer_manage(), documented in doc/. */
#define VT_RET_OK 1
#define VT_RET_BAD_OVERRIDE -1 /* managed, with the module settings */
#define VT_RET_NOT_MANAGED -2
#define VT_RET_REJECTED -3 /* answered 422 (RFC 4028): the script exits */

/* Module settings as parsed from modparam (pkg, parse time); from mod_init
 * on they live in shm (vt_settings.c), where vos_timer.set changes them. */
static vt_params_t vt_modparams;
static int vt_modparams_ready = 0;
/* tm's fr_timer in ms, read once all modules are initialised (PROC_INIT,
 * before any fork, so every process inherits it). */
static unsigned int vt_fr_timer_ms = 30000;

static int mod_init(void);
static int child_init(int rank);
static void mod_destroy(void);
static int w_vos_timer_manage0(struct sip_msg *msg, char *p1, char *p2);
static int w_vos_timer_manage1(struct sip_msg *msg, char *p1, char *p2);

static void params_ready(void)
{
	if(!vt_modparams_ready) {
		vt_modparams = vt_params_default;
		vt_modparams_ready = 1;
	}
}

/* modparam may give an int or a string for any parameter; both go through
 * the same validation and the same one-line error. */
static int vt_modparam_set(vt_param_id_t id, modparam_t type, void *val)
{
	char err[VT_ERR_LEN];
	char num[24];
	int v;

	params_ready();
	if(PARAM_TYPE_MASK(type) == PARAM_INT) {
		long lv = (long)val;
		if(id == VT_P_PROBE_METHOD || vt_param_check_int(id, lv) < 0) {
			snprintf(num, sizeof(num), "%ld", lv);
			vt_param_format_error(err, sizeof(err), id, num, strlen(num));
			LM_ERR("invalid modparam %s\n", err);
			return -1;
		}
		v = (int)lv;
	} else {
		const char *s = (const char *)val;
		size_t len = s ? strlen(s) : 0;
		if(vt_param_parse(id, s, len, &v) < 0) {
			vt_param_format_error(err, sizeof(err), id, s, len);
			LM_ERR("invalid modparam %s\n", err);
			return -1;
		}
	}
	vt_params_set(&vt_modparams, id, v);
	return 0;
}

#define VT_MODPARAM_FN(fname, id)                \
	static int fname(modparam_t type, void *val) \
	{                                            \
		return vt_modparam_set(id, type, val);   \
	}
VT_MODPARAM_FN(mp_session_ttl, VT_P_SESSION_TTL)
VT_MODPARAM_FN(mp_update_segment, VT_P_UPDATE_SEGMENT)
VT_MODPARAM_FN(mp_early_hangup, VT_P_EARLY_HANGUP)
VT_MODPARAM_FN(mp_no_timer_limit, VT_P_NO_TIMER_LIMIT)
VT_MODPARAM_FN(mp_probe_method, VT_P_PROBE_METHOD)
VT_MODPARAM_FN(mp_probe_non_timer, VT_P_PROBE_NON_TIMER)
VT_MODPARAM_FN(mp_min_se, VT_P_MIN_SE)

#define VT_PARAM_EXPORT(name, fn)                       \
	{name, PARAM_INT | PARAM_USE_FUNC, (void *)fn},     \
	{                                                   \
		name, PARAM_STRING | PARAM_USE_FUNC, (void *)fn \
	}

/* clang-format off */
static param_export_t params[] = {
	VT_PARAM_EXPORT("session_ttl", mp_session_ttl),
	VT_PARAM_EXPORT("update_segment", mp_update_segment),
	VT_PARAM_EXPORT("early_hangup", mp_early_hangup),
	VT_PARAM_EXPORT("no_timer_limit", mp_no_timer_limit),
	VT_PARAM_EXPORT("probe_method", mp_probe_method),
	VT_PARAM_EXPORT("probe_non_timer", mp_probe_non_timer),
	VT_PARAM_EXPORT("min_se", mp_min_se),
	{"event_callback", PARAM_STR, &vt_event_callback},
	{"cluster", PARAM_INT, &vt_cluster_enabled},
	{"cluster_heartbeat", PARAM_INT, &vt_cluster_heartbeat_ms},
	{"cluster_timeout", PARAM_INT, &vt_cluster_timeout_ms},
	{"stateless_probes", PARAM_INT, &vt_stateless_probes},
	{"probe_slots", PARAM_INT, &vt_probe_slots},
	{"probe_burst", PARAM_INT, &vt_probe_burst},
	{"probe_rate", PARAM_INT, &vt_probe_rate},
	{"probe_port", PARAM_INT, &vt_probe_port},
	{0, 0, 0}
};

static cmd_export_t cmds[] = {
	{"vos_timer_manage", (cmd_function)w_vos_timer_manage0, 0, 0, 0,
		REQUEST_ROUTE},
	{"vos_timer_manage", (cmd_function)w_vos_timer_manage1, 1,
		fixup_spve_null, fixup_free_spve_null, REQUEST_ROUTE},
	{0, 0, 0, 0, 0, 0}
};

static pv_export_t mod_pvs[] = {
	{ {"vtimer", sizeof("vtimer") - 1}, PVT_OTHER, vt_pv_get, 0,
		vt_pv_parse_name, 0, 0, 0 },
	{ {0, 0}, 0, 0, 0, 0, 0, 0, 0 }
};

struct module_exports exports = {
	"vos_timer",
	DEFAULT_DLFLAGS,
	cmds,
	params,
	vt_rpc_cmds,
	mod_pvs,	/* pseudo-variables */
	vt_uac_reply, /* response function */
	mod_init,
	child_init,
	mod_destroy
};
/* clang-format on */

static int mod_init(void)
{
	char err[VT_ERR_LEN];

	params_ready();
	if(vt_params_check_consistency(&vt_modparams, err, sizeof(err)) < 0) {
		LM_ERR("invalid modparam %s\n", err);
		return -1;
	}
	if(vt_modparams.no_timer_limit_s == 0)
		LM_WARN("no_timer_limit is 0: calls whose caller does not support "
				"session timers have no length cap\n");

	if(vt_cluster_enabled != 0 && vt_cluster_enabled != 1) {
		LM_ERR("invalid modparam cluster = \"%d\": allowed 0..1\n",
				vt_cluster_enabled);
		return -1;
	}
	/* the cluster first: the dialog adapter hands it restored calls */
	if(vt_store_init() < 0 || vt_cluster_init() < 0)
		return -1;
	if(vt_dialog_bind() < 0 || vt_tm_bind() < 0 || vt_sip_bind() < 0
			|| vt_teardown_init() < 0)
		return -1;
	if(vt_uac_init() < 0)
		return -1;
	vt_probe_init();
	if(vt_settings_init(&vt_modparams) < 0)
		return -1;
	if(vt_stats_init() < 0 || vt_event_init() < 0 || vt_timer_register() < 0)
		return -1;
	LM_INFO("vos_timer " VT_VERSION ": session_ttl=%d update_segment=%d "
			"early_hangup=%d "
			"no_timer_limit=%d probe_method=%s probe_non_timer=%d "
			"min_se=%d\n",
			vt_modparams.session_ttl_s, vt_modparams.update_segment,
			vt_modparams.early_hangup_s, vt_modparams.no_timer_limit_s,
			vt_probe_method_name(vt_modparams.probe_method),
			vt_modparams.probe_non_timer, vt_modparams.min_se_s);
	return 0;
}

static int child_init(int rank)
{
	if(rank == PROC_INIT) {
		vt_fr_timer_ms =
				vt_tm_check_interval((uint64_t)vt_modparams.session_ttl_s * 1000
											 / vt_modparams.update_segment,
						"");
		vt_uac_set_timeout(vt_fr_timer_ms);
		return 0;
	}
	if(rank == PROC_MAIN)
		return vt_timer_fork();
	return 0;
}

static void mod_destroy(void)
{
	vt_cluster_destroy();
	vt_store_destroy();
	vt_uac_destroy();
	vt_settings_destroy();
	vt_stats_destroy();
}

static int vt_manage_with(struct sip_msg *msg, const vt_params_t *p, int bad)
{
	int r = vt_dialog_manage(msg, p, vt_fr_timer_ms);

	if(r == VT_MANAGE_REJECTED)
		return VT_RET_REJECTED;
	if(r < 0)
		return VT_RET_NOT_MANAGED;
	return bad ? VT_RET_BAD_OVERRIDE : VT_RET_OK;
}

/* Settings for a new call: the module's, then the overrides. A bad override
 * string leaves the module settings in force (the call stays protected). */
static int vt_manage(struct sip_msg *msg, const str *overrides)
{
	vt_params_t p;
	char err[VT_ERR_LEN];
	int bad = 0;

	vt_settings_get(&p);
	if(overrides != NULL && overrides->len > 0
			&& vt_overrides_apply(
					   &p, overrides->s, overrides->len, err, sizeof(err))
					   < 0) {
		LM_ERR("vos_timer_manage(): invalid override, module settings used: "
			   "%s\n",
				err);
		vt_settings_get(&p);
		bad = 1;
	}
	return vt_manage_with(msg, &p, bad);
}

static int w_vos_timer_manage0(struct sip_msg *msg, char *p1, char *p2)
{
	return vt_manage(msg, NULL);
}

static int w_vos_timer_manage1(struct sip_msg *msg, char *p1, char *p2)
{
	vt_params_t p;
	str s;

	if(fixup_get_svalue(msg, (gparam_t *)p1, &s) < 0) {
		LM_ERR("vos_timer_manage(): cannot evaluate the overrides; module "
			   "settings used\n");
		vt_settings_get(&p);
		return vt_manage_with(msg, &p, 1);
	}
	return vt_manage(msg, &s);
}

static int ki_vos_timer_manage(struct sip_msg *msg)
{
	return vt_manage(msg, NULL);
}

static int ki_vos_timer_manage_overrides(struct sip_msg *msg, str *overrides)
{
	return vt_manage(msg, overrides);
}

/* clang-format off */
static sr_kemi_t vt_kemi_exports[] = {
	{ str_init("vos_timer"), str_init("manage"),
		SR_KEMIP_INT, ki_vos_timer_manage,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("vos_timer"), str_init("manage_overrides"),
		SR_KEMIP_INT, ki_vos_timer_manage_overrides,
		{ SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ {0, 0}, {0, 0}, 0, NULL, { 0, 0, 0, 0, 0, 0 } }
};
/* clang-format on */

int mod_register(char *path, int *dlflags, void *p1, void *p2)
{
	sr_kemi_modules_add(vt_kemi_exports);
	return 0;
}
