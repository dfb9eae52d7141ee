// Copyright (C) 2026 The vos_timer authors
// This file is part of vos_timer, a module for Kamailio, a free SIP server.
// SPDX-License-Identifier: GPL-2.0-or-later
// vos_timer with KEMI (app_jsdt, duktape: ECMAScript 5.1, so "var" only).
//
// kamailio.cfg.sample's routing in JavaScript: a record-routing,
// dialog-stateful proxy that puts every INVITE under vos_timer's
// management. Loaded by kamailio-kemi.cfg (modparam app_jsdt load).
//
// Per-call settings, as in the sample: the gateway's entry in the vtgw
// htable (key: the Request-URI's host:port). One addition for the tests:
// an initial INVITE carrying an X-VT-Overrides header gets that header's
// value instead, e.g. "X-VT-Overrides: no_timer_limit=2". A demonstration
// of overrides decided in the script language; a real proxy would not take
// them from the caller.
//
// Return values: KEMI functions return their int code to JS, and a 0 does
// not end the script as it does in the native language. "return" from
// ksr_request_route() is the native "exit".

// vos_timer.manage() / manage_overrides() return codes (module README).
var VT_BAD_OVERRIDE = -1;
var VT_NOT_MANAGED = -2;
var VT_REJECTED = -3;

function ksr_request_route()
{
	if (KSR.maxfwd.process_maxfwd(10) < 0) {
		KSR.sl.sl_send_reply(483, "Too Many Hops");
		return;
	}

	if (KSR.siputils.has_totag() > 0) {
		// In-dialog requests follow the Record-Route set; a target whose
		// Contact carries a NAT alias is sent to the aliased address.
		if (KSR.rr.loose_route() > 0) {
			KSR.nathelper.handle_ruri_alias();
			KSR.tm.t_relay();
			return;
		}
		if (KSR.is_ACK()) {
			if (KSR.tm.t_check_trans() > 0) {
				KSR.tm.t_relay();
			}
			return;
		}
		KSR.sl.sl_send_reply(404, "Not here");
		return;
	}

	if (KSR.is_CANCEL()) {
		if (KSR.tm.t_check_trans() > 0) {
			KSR.tm.t_relay();
		}
		return;
	}

	// Absorb retransmissions of initial requests (0: a retransmission,
	// which the native language's "if (!t_newtran())" exits on silently).
	var rc = KSR.tm.t_newtran();
	if (rc <= 0) {
		if (rc < 0) {
			KSR.sl.sl_reply_error();
		}
		return;
	}

	if (KSR.is_INVITE()) {
		KSR.rr.record_route();
		// The dialog first, then vos_timer on it.
		KSR.dialog.dlg_manage();
		// for the CDR (acc cdr_extra)
		KSR.pv.sets("$dlg_var(callid)", KSR.pv.get("$ci"));
		// KEMI does not expand pseudo-variables in the overrides: the
		// script builds the string.
		var over = KSR.hdr.get("X-VT-Overrides");
		if (isnull(over)) {
			over = KSR.htable.sht_get("vtgw", gateway());
		}
		if (!isnull(over)) {
			rc = KSR.vos_timer.manage_overrides(String(over));
		} else {
			rc = KSR.vos_timer.manage();
		}
		if (rc == VT_REJECTED) {
			// Session-Expires below min_se from a caller that supports
			// session timers: vos_timer answered 422 (RFC 4028).
			return;
		}
		if (rc == VT_NOT_MANAGED) {
			KSR.err("call not protected by vos_timer\n");
		} else if (rc == VT_BAD_OVERRIDE) {
			KSR.warn("bad vos_timer overrides for " + gateway()
					+ " call-id=" + KSR.pv.get("$ci") + ": module settings used\n");
		}
	}

	if (KSR.tm.t_relay() < 0) {
		KSR.sl.sl_reply_error();
	}
}

function isnull(v)
{
	return v === null || v === undefined;
}

// The sample's $rd:$rp: the gateway the INVITE goes to.
function gateway()
{
	return KSR.pv.get("$rd") + ":" + KSR.pv.get("$rp");
}

// modparam("htable", "event_callback", "ksr_htable_event"):
// event_route[htable:mod-init].
function ksr_htable_event(evname)
{
	if (evname == "htable:mod-init") {
		// An example gateway: cap its non-timer calls at one hour.
		KSR.htable.sht_sets("vtgw", "192.0.2.10:5060",
				"no_timer_limit=3600;early_hangup=5");
	}
}

// modparam("vos_timer", "event_callback", "ksr_vos_timer_event"): once per
// call vos_timer ends (dead, capped or vos_timer.hangup), just before the
// BYEs; it cannot stop them. $vtimer(...) describes the call (the message
// is a faked one: $ci is not the call's).
function ksr_vos_timer_event(evname)
{
	if (evname != "vos_timer:teardown") {
		return;
	}
	var v = function (name) { return KSR.pv.get("$vtimer(" + name + ")"); };
	KSR.notice("vos_timer teardown: reason=" + v("reason")
			+ " call-id=" + v("call_id") + " mode=" + v("mode")
			+ " age=" + v("age") + "s session_expires=" + v("session_expires")
			+ " refresher=" + v("refresher")
			+ " probes=" + v("probes_confirmed") + "/" + v("probes_sent")
			+ " caller=" + v("caller") + " callee=" + v("callee") + "\n");
}

// modparam("dialog", "event_callback", "ksr_dialog_event"): the dialog
// module calls this instead of event_route[dialog:*]. vos_timer stores why
// it ended a call in $dlg_var(vos_timer_reason) before its BYEs; an
// endpoint's own BYE leaves it unset (null here).
function ksr_dialog_event(evname)
{
	if (evname != "dialog:end") {
		return;
	}
	var reason = KSR.pv.get("$dlg_var(vos_timer_reason)");
	if (!isnull(reason)) {
		KSR.notice("call ended by vos_timer: " + reason + " call-id="
				+ KSR.pv.get("$dlg(callid)") + "\n");
	}
}
