/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the per-call records in shared memory and their deadlines.
 *
 * One lock guards the whole store: the hash of records (keyed by the dialog's
 * h_entry/h_id) and the deadline heap. Records never leave this file: callers
 * get copies (jobs, views), so no process ever holds a record pointer outside
 * the lock, and the dialog callbacks (SIP workers), the timer process and RPC
 * (ctl process) can race freely. Nothing here calls into tm or dialog.
 */
#ifndef VT_STORE_H
#define VT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "../../core/str.h"
#include "vt_params.h"
#include "vt_persist.h"
#include "vt_policy.h"

typedef struct vt_dlg_key
{
	unsigned int h_entry;
	unsigned int h_id;
} vt_dlg_key_t;

/* A read-only copy of a record for RPC and the teardown event. */
typedef struct vt_call_view
{
	str callid; /* pkg copy */
	vt_mode_t mode;
	vt_state_t state;
	vt_action_t next_action;
	vt_reason_t reason;
	uint64_t age_ms;	/* since answer, or since managed while early */
	int64_t next_in_ms; /* -1: nothing scheduled */
	vt_params_t params;
	unsigned int confirmed; /* VT_LEG_* bits confirmed in this window */
	unsigned int pending;	/* VT_LEG_* bits with a probe outstanding */
	uint32_t probes_sent;
	uint32_t probes_confirmed;
	uint32_t probes_failed;
	int64_t window_age_ms; /* since the current window started, -1 early */
	uint32_t invite_se_s;  /* Session-Expires forwarded with the INVITE */
	uint32_t se_s;		   /* negotiated: the 2xx's Session-Expires */
	uint8_t refresher;	   /* vt_refresher_t, from the 2xx */
	uint8_t distrusted;	   /* untrusted timer headers: capped */
	uint32_t lead_ms;	   /* probe spreading lead in this window */
} vt_call_view_t;

/* A leg's state in the current window: "confirmed", "probing" (a probe is
 * outstanding) or "unconfirmed". */
const char *vt_view_leg_state(const vt_call_view_t *v, unsigned int leg);
/* Why the next deadline ends the call, or "none" when it does not. */
const char *vt_view_next_reason(const vt_call_view_t *v);

/* Work for the timer process, copied out of a record under the lock. Its
 * Call-ID lives in the caller's buffer (vt_store_take_due()) or in a pkg
 * block of its own, mem (vt_store_hangup(); vt_store_job_clean() frees
 * it). */
typedef struct vt_job
{
	vt_action_t action;
	vt_reason_t reason;
	unsigned int legs;	   /* VT_ACT_PROBE: VT_LEG_* bits */
	int probe_method;	   /* vt_probe_method_t */
	int callee_cseq_known; /* the callee has sent an in-dialog request */
	vt_dlg_key_t key;
	uint64_t due_ms; /* the deadline's computed time (deadline jobs) */
	void *held;		 /* retry/forget of a held teardown: the dialog reference */
	str callid;
	str ftag;
	str ttag;
	char *mem;
	/* VT_ACT_TEARDOWN: the call as it was when the teardown was decided
	 * (view.callid points into mem) */
	vt_call_view_t view;
} vt_job_t;


/* What the 2xx establishing the call said (RFC 4028 section 8.2). */
typedef struct vt_answer
{
	uint32_t se_s;	   /* its Session-Expires, 0: none or not usable */
	uint8_t refresher; /* vt_refresher_t */
} vt_answer_t;

typedef struct vt_store_counts
{
	unsigned int early;
	unsigned int timer;
	unsigned int non_timer;
	unsigned int teardown;
	unsigned int grace;
	unsigned int restored; /* calls re-armed after a restart (since start) */
} vt_store_counts_t;

/* What a store function did with the call it was given: one meaning per
 * value, whichever function returns it. */
typedef enum vt_sr
{
	VT_SR_NOMEM = -3,  /* out of memory: nothing changed */
	VT_SR_EARLY = -2,  /* not answered yet, so it cannot be ended */
	VT_SR_ENDING = -1, /* the module is ending it already */
	VT_SR_NONE = 0,	   /* no such call, or nothing to do */
	VT_SR_DONE = 1,	   /* done */
	VT_SR_EXISTS = 2   /* already managed: nothing changed */
} vt_sr_t;

/* The hash of a Call-ID both the store and the cluster table index calls
 * by (FNV-1a). */
uint32_t vt_store_callid_hash(const char *s, size_t len);

int vt_store_init(void);
void vt_store_destroy(void);

/* Put a call under management (initial INVITE). invite_se_s: the
 * Session-Expires forwarded with the INVITE (0: none). DONE (a new
 * record), EXISTS or NOMEM. */
vt_sr_t vt_store_manage(vt_dlg_key_t key, const str *callid,
		const vt_params_t *params, vt_mode_t mode, uint32_t invite_se_s,
		uint32_t probe_timeout_ms, uint64_t now_ms);

/* The call was answered: start its deadlines. DONE, or NONE (unknown
 * call, or answered already). */
vt_sr_t vt_store_answered(
		vt_dlg_key_t key, const vt_answer_t *ans, uint64_t now_ms);
/* An answered call's lasting facts for vt_persist_format(), with the
 * answer time on the wall clock (now_unix_ms: the wall clock now). DONE
 * (*out filled), or NONE (unknown or unanswered call). */
vt_sr_t vt_store_persist_facts(vt_dlg_key_t key, uint64_t now_ms,
		uint64_t now_unix_ms, vt_persist_t *out);

/* A call re-armed from the facts stored for it (vt_policy_restore),
 * answered elapsed_ms ago: loaded by the dialog module from its database
 * after a restart (restored 1: counted as such), or adopted from another
 * node of a cluster. DONE (re-armed), EXISTS or NOMEM. */
vt_sr_t vt_store_restore(vt_dlg_key_t key, const str *callid,
		const vt_persist_t *p, uint64_t elapsed_ms, uint32_t probe_timeout_ms,
		int restored, uint64_t now_ms);

/* The call's INVITE or 2xx carried an untrusted Session-Expires or
 * Min-SE: it keeps the no_timer_limit cap in any mode. DONE or NONE
 * (unknown call). */
vt_sr_t vt_store_distrust(vt_dlg_key_t key, uint64_t now_ms);

/* A probe of leg (VT_LEG_*) ended with final code (VT_PROBE_UNSENT: could
 * not be sent). Runs in whatever process tm completes the probe in; the
 * resulting action, if any, is due at once and run by the timer process.
 * DONE, or NONE (unknown call: it ended meanwhile; ignored). */
vt_sr_t vt_store_probe_result(
		vt_dlg_key_t key, unsigned int leg, int code, uint64_t now_ms);

/* A re-INVITE/UPDATE of the call got a 2xx through the proxy. DONE or
 * NONE (unknown call). */
vt_sr_t vt_store_refreshed(vt_dlg_key_t key, uint64_t now_ms);

/* The callee sent an in-dialog request: its CSeq space is known to the
 * caller from now on (see vt_probe.c). */
void vt_store_callee_requested(vt_dlg_key_t key);

/* 1 the first time a probe of this call could not be sent, 0 after: lets
 * the caller log such a failure once per call. */
int vt_store_first_send_failure(vt_dlg_key_t key);

/* Drop a call's record (call ended). DONE, or NONE (unknown call, or one
 * the module is ending, which goes when its BYEs are done). */
vt_sr_t vt_store_release(vt_dlg_key_t key);

/* Ending a call (teardown jobs), so that a BYE that could not be sent is
 * sent again. The record, in teardown, keeps the dialog reference dlg
 * (the caller's; it must not release it when DONE is returned; NONE: not
 * kept)
 * and is not released by the dialog module's callbacks while held; its
 * BYEs are tracked per leg. The retry jobs carry the legs to send again
 * and the dialog; the reference comes back (non-NULL return) when the
 * last BYE is done: the record is gone then, the caller releases it. */
vt_sr_t vt_store_teardown_hold(vt_dlg_key_t key, void *dlg);
void vt_store_bye_sent(vt_dlg_key_t key, unsigned int legs);
/* A BYE's final answer (again: it could not be sent, try later). */
void *vt_store_bye_done(vt_dlg_key_t key, unsigned int leg, int again);
/* The process sending BYEs for the call is done with it. */
void *vt_store_teardown_settle(vt_dlg_key_t key);

/* Which deadlines vt_store_take_due() takes: those due, or also the probes
 * that may run early (up to VT_PROBE_LEAD_MS, vt_policy_run_at_ms()). */
typedef enum vt_take
{
	VT_TAKE_DUE = 0,
	VT_TAKE_EARLY_PROBES = 1
} vt_take_t;

/* The deadline process takes the work that is due, in deadline order, in
 * one hold of the lock: each deadline runnable at now_ms (with
 * VT_TAKE_EARLY_PROBES, a probe up to VT_PROBE_LEAD_MS early) is popped,
 * the policy decides, the call is re-armed, and the resulting job (if any)
 * is copied to jobs[], its Call-ID into buf (size bytes). Stops at max
 * jobs or when the next Call-ID does not fit: what is left stays due. No
 * allocation. Returns the number of jobs (0: nothing due). Marks the
 * process awake: arming a deadline wakes nobody until
 * vt_store_plan_sleep(). */
int vt_store_take_due(uint64_t now_ms, vt_take_t take, vt_job_t *jobs, int max,
		char *buf, size_t size);
/* The deadline process is going to sleep: until the earliest deadline can
 * run, but not before floor_ms, nor before probe_floor_ms when that is a
 * probe (returned; VT_NO_DEADLINE: nothing armed). From now on, arming a
 * deadline that can run earlier than that calls the waker (outside the
 * lock), at most once per such deadline. */
uint64_t vt_store_plan_sleep(uint64_t floor_ms, uint64_t probe_floor_ms);
typedef void vt_store_wake_f(void);
/* Before the fork: how a process wakes the sleeping deadline process. */
void vt_store_set_waker(vt_store_wake_f *f);
void vt_store_job_clean(vt_job_t *job);

/* Start an operator teardown of the call with this Call-ID (the first
 * record found with it: never a second dialog sharing the Call-ID). DONE
 * (*job filled), NONE (no such call), ENDING, EARLY or NOMEM (out of pkg
 * memory; nothing changed). */
vt_sr_t vt_store_hangup(
		const str *callid, vt_reason_t reason, uint64_t now_ms, vt_job_t *job);

void vt_store_counts(vt_store_counts_t *c);

/* Copies of records (pkg array, vt_store_views_free): calls at least
 * min_age_ms old, with this Call-ID if callid is not NULL (an index
 * lookup), else all of them (vt_store_list). Returns count, -1 on out of
 * memory. */
int vt_store_views(uint64_t now_ms, uint64_t min_age_ms, const str *callid,
		vt_call_view_t **out);
/* Copies of the calls at least min_age_ms old, in the store's order,
 * skipping the first `offset` of them and at most `limit` (0: all). The
 * store lock is held for a chunk of hash slots at a time, never for the
 * whole scan: a call that starts or ends meanwhile may be in the copy or
 * not, and between two pages the order can shift by the calls that came
 * and went. Returns count, -1 on out of memory. */
int vt_store_list(uint64_t now_ms, uint64_t min_age_ms, unsigned int offset,
		unsigned int limit, vt_call_view_t **out);
void vt_store_views_free(vt_call_view_t *v, int n);

#endif
