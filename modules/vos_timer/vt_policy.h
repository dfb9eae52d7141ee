/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: what a managed call does next. Pure decisions: given a call's
 * facts and an event (answered, deadline reached, probe answered, refresh
 * relayed), update the call's state, its next deadline and the action due
 * then. No Kamailio headers, no clocks (time comes in as now_ms), no I/O:
 * Check tests drive it directly. doc/ section "How calls are probed" is
 * the contract.
 *
 * Timer mode, with I = session_ttl / update_segment and t_c the window start
 * (the answer, then each confirmation of both legs):
 *   t_c + k*I, k = 1..update_segment: probe the legs that have not confirmed
 *     since t_c and have no probe outstanding;
 *   a final answer other than 408/481 confirms a leg; both legs confirmed
 *     (or a relayed refresh with a 2xx) restart the window at now;
 *   481 from a leg: dead now (leg-gone), no grace;
 *   the last probe of the window answered 408 / unsendable (or the verdict
 *     deadline, window end + probe timeout + slack, passes) with a leg still
 *     unconfirmed: dead (session-expired) - after early_hangup seconds of
 *     grace, which starts with one more probe of the unconfirmed legs; a
 *     confirmation of both legs in the grace saves the call.
 * Non-timer mode: teardown at answer + no_timer_limit (no grace); with
 * probe_non_timer the call is also probed as above. A call whose
 * session-timer headers could not be trusted keeps that cap in timer mode
 * too (vt_policy_distrust).
 */
#ifndef VT_POLICY_H
#define VT_POLICY_H

#include <stdint.h>

#include "vt_clock.h"
#include "vt_params.h"

/* After asking the dialog module to end a call, how long to wait for the
 * dialog to report its end before trying again, and how many tries. */
#define VT_TEARDOWN_RECHECK_MS 10000
#define VT_TEARDOWN_MAX_TRIES 3
/* Past window end + probe timeout, judge the window even if a probe's
 * outcome never came back. */
#define VT_VERDICT_SLACK_MS 1000

/* Legs as bits. */
#define VT_LEG_CALLER 1u
#define VT_LEG_CALLEE 2u
#define VT_LEGS_BOTH 3u
/* How many legs the VT_LEG_* bits name (0 to 2). */
unsigned int vt_leg_count(unsigned int legs);

/* A probe deadline may run up to this much before its time, a teardown
 * or verdict never: the deadline process takes the probes of two ticks
 * in one wake-up (vt_timer.c), each within VT_PROBE_LEAD_MS of its time,
 * early or late. Sending early only gives a leg longer to answer; a probe
 * run early counts as sent at its deadline, and answers that confirm the
 * call before then restart the window at that time, so the rhythm stays
 * one probe per interval. */
#define VT_PROBE_LEAD_MS 50

/* Probe outcome code for a probe that could not be sent at all. */
#define VT_PROBE_UNSENT 0

typedef enum vt_mode
{
	VT_MODE_NON_TIMER = 0,
	VT_MODE_TIMER = 1
} vt_mode_t;

typedef enum vt_state
{
	VT_ST_EARLY = 0, /* managed, not answered yet: nothing scheduled */
	VT_ST_ACTIVE,	 /* answered: deadlines run */
	VT_ST_GRACE,	 /* window lost; early_hangup grace running */
	VT_ST_TEARDOWN	 /* module asked the dialog module to end the call */
} vt_state_t;

typedef enum vt_reason
{
	VT_REASON_NONE = 0,
	VT_REASON_SESSION_EXPIRED,
	VT_REASON_LEG_GONE,
	VT_REASON_NO_TIMER_LIMIT,
	VT_REASON_ADMIN,
	VT_REASON__COUNT
} vt_reason_t;

typedef enum vt_action
{
	VT_ACT_NONE = 0,
	VT_ACT_PROBE,		   /* send a probe to decision.legs */
	VT_ACT_VERDICT,		   /* judge the window (internal: never returned) */
	VT_ACT_TEARDOWN,	   /* end the call (first try): BYE both legs */
	VT_ACT_TEARDOWN_RETRY, /* the dialog did not end after a try: again */
	VT_ACT_FORGET		   /* tries exhausted: drop the module's record */
} vt_action_t;

typedef struct vt_decision
{
	vt_action_t action;
	vt_reason_t reason; /* for teardowns */
	uint8_t legs;		/* for probes: VT_LEG_* bits */
} vt_decision_t;

/* A call's settings, packed (every vt_params.c range fits): a record is
 * kept per managed call, and the module's budget (doc/ section "Cost and benchmarks") is 256 bytes of shm per
 * call. vt_policy_params() gives them back as a vt_params_t. */
typedef struct vt_cparams
{
	uint32_t session_ttl_s;
	uint32_t no_timer_limit_s;
	uint32_t min_se_s;
	uint16_t early_hangup_s;
	uint8_t update_segment;
	uint8_t probe_method : 1;
	uint8_t probe_non_timer : 1;
} vt_cparams_t;

typedef struct vt_policy
{
	vt_cparams_t params;	   /* settings this call was managed with */
	uint64_t answered_ms;	   /* t of the 2xx; 0 while early */
	uint64_t window_ms;		   /* t_c */
	uint64_t cap_ms;		   /* no_timer_limit deadline or VT_NO_DEADLINE */
	uint64_t dead_at_ms;	   /* teardown time once dead_reason is set */
	uint64_t next_ms;		   /* next deadline, VT_NO_DEADLINE if none */
	uint32_t probe_timeout_ms; /* tm's fr_timer: a probe's longest life */
	uint32_t probes_sent;
	uint32_t probes_confirmed;
	uint32_t probes_failed; /* 408, 481 or not sendable */
	uint8_t mode;			/* vt_mode_t */
	uint8_t state;			/* vt_state_t */
	uint8_t next_action;	/* vt_action_t due at next_ms */
	uint8_t reason;			/* vt_reason_t of the teardown due */
	uint8_t dead_reason;	/* set once the call is judged dead */
	uint8_t teardown_tries;
	uint8_t probe_k;	 /* probe rounds due so far in this window */
	uint8_t confirmed;	 /* legs confirmed since window_ms */
	uint8_t pending;	 /* legs with a probe outstanding */
	uint8_t grace_probe; /* the grace's probe round is still due */
	uint8_t distrusted;	 /* malformed timer headers: capped in any mode */
	uint16_t spread_key; /* from the Call-ID: this call's probe phase */
	uint32_t lead_ms;	 /* first window only: probes this much earlier */
	uint32_t last_probe_off_ms; /* last probe round sent (its due time if
								 * sent early), ms after window_ms */
} vt_policy_t;

/* Probe spreading: calls answered together (a mass re-answer after an
 * outage) must not all probe in the same tick. In the first window after
 * the answer, a call's probe rounds come lead_ms earlier, lead_ms =
 * spread_key / 65536 of interval / VT_SPREAD_DIV (up to a quarter of the
 * probe interval); later windows start at the confirmation, so the phase
 * carries over. Never later than without spreading. */
#define VT_SPREAD_DIV 4
/* Deterministic 16-bit key of a Call-ID (FNV-1a). */
uint16_t vt_spread_key(const char *s, unsigned long len);
void vt_policy_set_spread(vt_policy_t *pc, uint16_t key);

/* The call's settings as a vt_params_t. */
void vt_policy_params(const vt_policy_t *pc, vt_params_t *out);

/* A call put under management on its initial INVITE. probe_timeout_ms: tm's
 * final-response timeout, the longest a probe can stay unanswered. */
void vt_policy_init(vt_policy_t *pc, const vt_params_t *params,
		vt_mode_t invite_mode, uint32_t probe_timeout_ms);

/* The 2xx that establishes the call. reply_has_se: it carries
 * Session-Expires (which puts the call in timer mode). Only the first call
 * counts; later ones (2xx retransmissions, ACK) change nothing. */
void vt_policy_answered(vt_policy_t *pc, int reply_has_se, uint64_t now_ms);

/* A call put back under management after Kamailio restarted (the dialog
 * module loaded its dialog from a database; vt_persist.h): answered
 * elapsed_ms ago by the wall clock, with the settings, mode and distrust
 * it had. Its no_timer_limit cap is counted from the original answer (due
 * at once if it passed during the restart). A probed call keeps its probe
 * phase: the current window is taken to start at the last probe boundary
 * at or before now (first window: at the answer), so the next probe is due
 * within one interval and a leg that died during the restart is judged
 * within session_ttl + probe timeout of now - never later than without the
 * restart. Earlier refreshes are not known; a live call probed early only
 * confirms again. */
void vt_policy_restore(vt_policy_t *pc, const vt_params_t *params,
		vt_mode_t mode, int distrusted, uint16_t spread_key,
		uint64_t elapsed_ms, uint32_t probe_timeout_ms, uint64_t now_ms);

/* The call's INVITE or 2xx carried a Session-Expires or Min-SE that
 * cannot be trusted: it gets the no_timer_limit cap whatever its mode
 * (from its answer; at once if already answered). */
void vt_policy_distrust(vt_policy_t *pc, uint64_t now_ms);

/* The earliest time the armed deadline may run: next_ms, or for a probe
 * VT_PROBE_LEAD_MS before it (VT_NO_DEADLINE when none is armed). */
uint64_t vt_policy_run_at_ms(const vt_policy_t *pc);

/* The deadline is runnable (now_ms >= vt_policy_run_at_ms()); earlier, it
 * does nothing. Returns what to do and re-arms next_ms / next_action.
 * Later deadlines are counted from the window, not from now_ms, so a probe
 * run early moves none of them. For VT_ACT_PROBE the legs are marked
 * as having a probe outstanding: report each one's outcome with
 * vt_policy_probe_result(). */
vt_decision_t vt_policy_on_deadline(vt_policy_t *pc, uint64_t now_ms);

/* A probe of one leg (VT_LEG_CALLER or VT_LEG_CALLEE) ended with final
 * response code (VT_PROBE_UNSENT if it could not be sent). Outcomes for a
 * leg without a probe outstanding are ignored. Re-arms next_ms. */
void vt_policy_probe_result(
		vt_policy_t *pc, unsigned int leg, int code, uint64_t now_ms);

/* A re-INVITE or UPDATE of the dialog went through the proxy and got a 2xx:
 * both legs confirmed. */
void vt_policy_refreshed(vt_policy_t *pc, uint64_t now_ms);

/* An operator (RPC) ends the call now. Returns VT_ACT_TEARDOWN, or
 * VT_ACT_NONE when a teardown is already under way. */
vt_action_t vt_policy_hangup_now(
		vt_policy_t *pc, vt_reason_t reason, uint64_t now_ms);

/* Does this call get probed (timer mode, or probe_non_timer)? */
int vt_policy_probing(const vt_policy_t *pc);
/* I in ms. */
uint64_t vt_policy_interval_ms(const vt_policy_t *pc);

const char *vt_mode_name(vt_mode_t m);
const char *vt_state_name(vt_state_t s);
/* "session-expired", "leg-gone", "no-timer-limit", "admin". */
const char *vt_reason_name(vt_reason_t r);
/* A readable name of what happens at next_ms ("probe", "teardown", ...). */
const char *vt_action_name(vt_action_t a);
/* VT_LEG_* bits as words: "caller", "callee" or "caller and callee". */
const char *vt_legs_name(unsigned int legs);

/* The Reason header (RFC 3326) carried by the module's BYEs, CRLF included.
 * session-expired: SIP 408; leg-gone: SIP 481; no-timer-limit: Q.850 102
 * (recovery on timer expiry); admin: Q.850 16 (normal clearing). */
const char *vt_reason_header(vt_reason_t r);

#endif
