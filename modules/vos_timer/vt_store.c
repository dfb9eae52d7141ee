/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: shm call records, their hash and the deadline heap.
 * Runs in every process; the single store lock orders all access. Lock
 * order: the store lock is a leaf - never call tm or dialog while holding it.
 */
#include <stddef.h>
#include <string.h>

#include "../../core/dprint.h"
#include "../../core/locking.h"
#include "../../core/mem/mem.h"
#include "../../core/mem/shm_mem.h"

#include "vt_clock.h"
#include "vt_heap.h"
#include "vt_store.h"

#define VT_HASH_SIZE 8192 /* power of two; ~2.5 records per slot at 20k */
/* vos_timer.list copies this many hash slots (~2.5 records each at 20k
 * calls) per hold of the store lock, and lets SIP workers in between. */
#define VT_LIST_CHUNK_SLOTS 256

typedef struct vt_call
{
	/* ordered so that no padding comes before strs: the record is
	 * allocated up to strs plus the Call-ID (VT_CALL_SIZE) */
	struct vt_call *hnext; /* next in the dialog-key slot */
	struct vt_call *cnext; /* next in the Call-ID slot */
	vt_heap_node_t hn;	   /* armed while pol.next_ms is a deadline */
	vt_dlg_key_t key;
	vt_policy_t pol; /* while early, pol.window_ms: when it was managed */
	void *held;		 /* while ended: the dialog, a reference the store keeps */
	uint32_t invite_se_s; /* Session-Expires forwarded with the INVITE */
	uint32_t se_s;		  /* Session-Expires of the 2xx */
	uint32_t callid_hash;
	unsigned short callid_len;
	uint8_t refresher; /* vt_refresher_t of the 2xx */
	uint8_t flags;	   /* VT_F_* */
	/* While the module ends the call (see vt_store_teardown_hold()): */
	uint8_t bye_pending; /* legs whose BYE awaits its final answer */
	uint8_t bye_retry;	 /* legs whose BYE could not be sent: again later */
	uint8_t bye_busy;	 /* a process is sending BYEs for it right now */
	char strs[];		 /* the Call-ID; not terminated */
} vt_call_t;

/* A record's size with a Call-ID of len bytes. */
#define VT_CALL_SIZE(len) (offsetof(vt_call_t, strs) + (size_t)(len))

#define VT_F_CALLEE_CSEQ 1		/* the callee has sent an in-dialog request */
#define VT_F_SEND_FAIL_LOGGED 2 /* a probe send failure was logged */

typedef struct vt_store
{
	gen_lock_t lock;
	vt_heap_t heap;
	/* The deadline process sleeps until wake_at (0: it is awake, taking
	 * work), and never before wake_floor, or wake_probe_floor for a probe
	 * (see vt_store_plan_sleep()). */
	uint64_t wake_at;
	uint64_t wake_floor;
	uint64_t wake_probe_floor;
	vt_store_counts_t counts;
	vt_call_t *slots[VT_HASH_SIZE];		/* by dialog key */
	vt_call_t *by_callid[VT_HASH_SIZE]; /* by Call-ID: show, hangup */
} vt_store_t;

static vt_store_t *vt_store = NULL;
static vt_store_wake_f *vt_store_waker = NULL;
/* Set under the lock when a deadline earlier than the deadline process's
 * wake-up was armed; acted on once the lock is released (this process's
 * own flag). */
static int vt_wake_needed = 0;

void vt_store_set_waker(vt_store_wake_f *f)
{
	vt_store_waker = f;
}

/* Every public function releases the store lock here: the wake-up of the
 * deadline process (a pipe write) is done outside the lock. */
static void store_unlock(void)
{
	int wake = vt_wake_needed;

	vt_wake_needed = 0;
	lock_release(&vt_store->lock);
	if(wake && vt_store_waker != NULL)
		vt_store_waker();
}

/* The record a heap node lives in. */
static vt_call_t *call_of_node(vt_heap_node_t *node)
{
	char *p = (char *)node;

	return (vt_call_t *)(p - offsetof(vt_call_t, hn));
}

int vt_store_init(void)
{
	vt_store = shm_malloc(sizeof(*vt_store));
	if(vt_store == NULL) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(vt_store, 0, sizeof(*vt_store));
	if(lock_init(&vt_store->lock) == NULL) {
		LM_ERR("cannot init the store lock\n");
		shm_free(vt_store);
		vt_store = NULL;
		return -1;
	}
	vt_heap_init(&vt_store->heap);
	return 0;
}

void vt_store_destroy(void)
{
	vt_call_t *c, *next;
	int i;

	if(vt_store == NULL)
		return;
	for(i = 0; i < VT_HASH_SIZE; i++) {
		for(c = vt_store->slots[i]; c; c = next) {
			next = c->hnext;
			shm_free(c);
		}
	}
	lock_destroy(&vt_store->lock);
	shm_free(vt_store);
	vt_store = NULL;
}

static unsigned int slot_of(vt_dlg_key_t key)
{
	return (key.h_entry * 2654435761u + key.h_id) & (VT_HASH_SIZE - 1);
}

/* Under lock. Returns the link pointing at the record, or at the NULL
 * ending the slot's chain. */
static vt_call_t **find_link_locked(vt_dlg_key_t key)
{
	vt_call_t **link = &vt_store->slots[slot_of(key)];

	while(*link != NULL
			&& ((*link)->key.h_entry != key.h_entry
					|| (*link)->key.h_id != key.h_id))
		link = &(*link)->hnext;
	return link;
}

/* FNV-1a over the Call-ID (Fowler, Noll and Vo's public-domain hash). */
uint32_t vt_store_callid_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for(i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/* Under lock: c or the first record after it in its Call-ID chain with
 * this Call-ID (h: its hash), or NULL. */
static vt_call_t *same_callid_locked(
		vt_call_t *c, uint32_t h, const str *callid)
{
	while(c != NULL
			&& (c->callid_hash != h || c->callid_len != callid->len
					|| memcmp(c->strs, callid->s, callid->len) != 0))
		c = c->cnext;
	return c;
}

/* Under lock: the first record (newest linked) with this Call-ID. */
static vt_call_t *find_callid_locked(const str *callid)
{
	uint32_t h = vt_store_callid_hash(callid->s, callid->len);

	return same_callid_locked(
			vt_store->by_callid[h & (VT_HASH_SIZE - 1)], h, callid);
}

static vt_call_t *call_alloc(const str *callid)
{
	vt_call_t *c;

	if(callid->len > 0xffff)
		return NULL;
	c = shm_malloc(VT_CALL_SIZE(callid->len));
	if(c == NULL) {
		SHM_MEM_ERROR;
		return NULL;
	}
	memset(c, 0, offsetof(vt_call_t, strs));
	vt_heap_node_clear(&c->hn);
	c->callid_len = (unsigned short)callid->len;
	c->callid_hash = vt_store_callid_hash(callid->s, callid->len);
	memcpy(c->strs, callid->s, callid->len);
	return c;
}

static void count_locked(const vt_call_t *c, int delta)
{
	vt_store_counts_t *k = &vt_store->counts;

	switch(c->pol.state) {
		case VT_ST_EARLY:
			k->early += delta;
			break;
		case VT_ST_TEARDOWN:
			k->teardown += delta;
			break;
		case VT_ST_GRACE:
			k->grace += delta;
			/* a call in grace still counts by mode */
			/* fall through */
		default:
			if(c->pol.mode == VT_MODE_TIMER)
				k->timer += delta;
			else
				k->non_timer += delta;
	}
}

/* Under lock: when the deadline process, going to sleep, must wake for
 * c's deadline. */
static uint64_t wake_time_locked(const vt_call_t *c)
{
	uint64_t t = vt_policy_run_at_ms(&c->pol);
	uint64_t floor = c->pol.next_action == VT_ACT_PROBE
							 ? vt_store->wake_probe_floor
							 : vt_store->wake_floor;

	return t > floor ? t : floor;
}

/* Under lock: make the heap agree with c->pol.next_ms. */
static void rearm_locked(vt_call_t *c)
{
	if(c->pol.next_ms == VT_NO_DEADLINE) {
		if(vt_heap_node_armed(&c->hn))
			vt_heap_remove(&vt_store->heap, &c->hn);
		return;
	}
	if(vt_heap_node_armed(&c->hn))
		vt_heap_update(&vt_store->heap, &c->hn, c->pol.next_ms);
	else
		vt_heap_insert(&vt_store->heap, &c->hn, c->pol.next_ms);
	if(vt_policy_run_at_ms(&c->pol) < vt_store->wake_at) {
		/* earlier than the sleeping deadline process wakes: wake it, but
		 * not before its floor (it wakes then anyway) */
		uint64_t t = wake_time_locked(c);

		if(t < vt_store->wake_at) {
			vt_store->wake_at = t;
			vt_wake_needed = 1;
		}
	}
}

/* Link a new record (built outside the lock) unless its call is already
 * managed: DONE (linked, armed, and counted as restored if asked), or
 * EXISTS (c freed). */
static vt_sr_t insert_new(vt_call_t *c, int restored)
{
	vt_call_t **link, **clink;

	lock_get(&vt_store->lock);
	link = find_link_locked(c->key);
	if(*link != NULL) {
		store_unlock();
		shm_free(c);
		return VT_SR_EXISTS;
	}
	*link = c;
	clink = &vt_store->by_callid[c->callid_hash & (VT_HASH_SIZE - 1)];
	c->cnext = *clink;
	*clink = c;
	count_locked(c, +1);
	rearm_locked(c);
	if(restored)
		vt_store->counts.restored++;
	store_unlock();
	return VT_SR_DONE;
}

vt_sr_t vt_store_manage(vt_dlg_key_t key, const str *callid,
		const vt_params_t *params, vt_mode_t mode, uint32_t invite_se_s,
		uint32_t probe_timeout_ms, uint64_t now_ms)
{
	vt_call_t *c;

	/* Allocate outside the lock; most calls are new. */
	c = call_alloc(callid);
	if(c == NULL)
		return VT_SR_NOMEM;
	c->key = key;
	c->invite_se_s = invite_se_s;
	vt_policy_init(&c->pol, params, mode, probe_timeout_ms);
	c->pol.window_ms = now_ms; /* unused by the policy while early */
	vt_policy_set_spread(&c->pol, vt_spread_key(callid->s, callid->len));
	return insert_new(c, 0);
}

/* Under lock: the 2xx's facts onto an early record (already uncounted),
 * then count and arm it as answered. */
static void answer_locked(vt_call_t *c, const vt_answer_t *ans, uint64_t now_ms)
{
	c->se_s = ans->se_s;
	c->refresher = ans->refresher;
	vt_policy_answered(&c->pol, ans->se_s > 0, now_ms);
	count_locked(c, +1);
	rearm_locked(c);
}

vt_sr_t vt_store_answered(
		vt_dlg_key_t key, const vt_answer_t *ans, uint64_t now_ms)
{
	vt_call_t *c;
	vt_sr_t ret = VT_SR_NONE;

	lock_get(&vt_store->lock);
	c = *find_link_locked(key);
	if(c != NULL && c->pol.state == VT_ST_EARLY) {
		count_locked(c, -1);
		answer_locked(c, ans, now_ms);
		ret = VT_SR_DONE;
	}
	store_unlock();
	return ret;
}

vt_sr_t vt_store_persist_facts(vt_dlg_key_t key, uint64_t now_ms,
		uint64_t now_unix_ms, vt_persist_t *out)
{
	vt_call_t *c;
	uint64_t age;
	vt_sr_t ret = VT_SR_NONE;

	lock_get(&vt_store->lock);
	c = *find_link_locked(key);
	if(c != NULL && c->pol.answered_ms != 0) {
		memset(out, 0, sizeof(*out));
		vt_policy_params(&c->pol, &out->params);
		out->mode = c->pol.mode;
		out->distrusted = c->pol.distrusted;
		age = vt_ms_since(now_ms, c->pol.answered_ms);
		out->answered_unix_ms = vt_ms_since(now_unix_ms, age);
		out->invite_se_s = c->invite_se_s;
		out->se_s = c->se_s;
		out->refresher = c->refresher;
		ret = VT_SR_DONE;
	}
	store_unlock();
	return ret;
}

vt_sr_t vt_store_restore(vt_dlg_key_t key, const str *callid,
		const vt_persist_t *p, uint64_t elapsed_ms, uint32_t probe_timeout_ms,
		int restored, uint64_t now_ms)
{
	vt_call_t *c;

	c = call_alloc(callid);
	if(c == NULL)
		return VT_SR_NOMEM;
	c->key = key;
	c->invite_se_s = p->invite_se_s;
	c->se_s = p->se_s;
	c->refresher = (uint8_t)p->refresher;
	/* the callee's CSeq space is not known any more: probes to the caller
	 * use CSeq 0 (see vt_probe.c), which is safe either way */
	vt_policy_restore(&c->pol, &p->params, (vt_mode_t)p->mode, p->distrusted,
			vt_spread_key(callid->s, callid->len), elapsed_ms, probe_timeout_ms,
			now_ms);
	return insert_new(c, restored);
}

/* Under lock. */
static void unlink_free_locked(vt_call_t **link)
{
	vt_call_t *c = *link;
	vt_call_t **clink =
			&vt_store->by_callid[c->callid_hash & (VT_HASH_SIZE - 1)];

	*link = c->hnext;
	while(*clink != c)
		clink = &(*clink)->cnext;
	*clink = c->cnext;
	if(vt_heap_node_armed(&c->hn))
		vt_heap_remove(&vt_store->heap, &c->hn);
	count_locked(c, -1);
	shm_free(c);
}

vt_sr_t vt_store_release(vt_dlg_key_t key)
{
	vt_call_t **link;
	vt_sr_t ret = VT_SR_NONE;

	/* At shutdown the dialog module destroys its dialogs (DLGCB_DESTROY)
	 * after this module's mod_destroy has freed the store. */
	if(vt_store == NULL)
		return VT_SR_NONE;
	lock_get(&vt_store->lock);
	link = find_link_locked(key);
	/* a call the module is ending is released when its BYEs are done
	 * (the dialog module's DLGCB_TERMINATED comes before they are sent) */
	if(*link != NULL && (*link)->held == NULL) {
		unlink_free_locked(link);
		ret = VT_SR_DONE;
	}
	store_unlock();
	return ret;
}

vt_sr_t vt_store_teardown_hold(vt_dlg_key_t key, void *dlg)
{
	vt_call_t *c;
	vt_sr_t ret = VT_SR_NONE;

	lock_get(&vt_store->lock);
	c = *find_link_locked(key);
	if(c != NULL && c->pol.state == VT_ST_TEARDOWN && c->held == NULL) {
		c->held = dlg;
		c->bye_pending = 0;
		c->bye_retry = 0;
		c->bye_busy = 1;
		ret = VT_SR_DONE;
	}
	store_unlock();
	return ret;
}

/* Under lock: once no BYE of a held call is outstanding or due again and
 * no process is sending any, the teardown is over: forget the record and
 * hand the dialog reference back (the caller releases it). */
static void *settle_locked(vt_call_t **link)
{
	vt_call_t *c = *link;
	void *dlg;

	if(c == NULL || c->held == NULL || c->bye_busy || c->bye_pending
			|| c->bye_retry)
		return NULL;
	dlg = c->held;
	unlink_free_locked(link);
	return dlg;
}

void vt_store_bye_sent(vt_dlg_key_t key, unsigned int legs)
{
	vt_call_t *c;

	lock_get(&vt_store->lock);
	c = *find_link_locked(key);
	if(c != NULL && c->held != NULL)
		c->bye_pending |= (uint8_t)legs;
	store_unlock();
}

void *vt_store_bye_done(vt_dlg_key_t key, unsigned int leg, int again)
{
	vt_call_t **link;
	void *dlg = NULL;

	lock_get(&vt_store->lock);
	link = find_link_locked(key);
	if(*link != NULL && (*link)->held != NULL) {
		(*link)->bye_pending &= (uint8_t)~leg;
		if(again)
			(*link)->bye_retry |= (uint8_t)leg;
		dlg = settle_locked(link);
	}
	store_unlock();
	return dlg;
}

void *vt_store_teardown_settle(vt_dlg_key_t key)
{
	vt_call_t **link;
	void *dlg = NULL;

	lock_get(&vt_store->lock);
	link = find_link_locked(key);
	if(*link != NULL && (*link)->held != NULL) {
		(*link)->bye_busy = 0;
		dlg = settle_locked(link);
	}
	store_unlock();
	return dlg;
}

/* Under lock: a call's age, since its answer (while early: since it was
 * managed). */
static uint64_t age_locked(const vt_call_t *c, uint64_t now_ms)
{
	return vt_ms_since(
			now_ms, c->pol.answered_ms ? c->pol.answered_ms : c->pol.window_ms);
}

/* A record's state for RPC and the teardown event (not its Call-ID). */
static void view_fill_locked(
		vt_call_view_t *v, const vt_call_t *c, uint64_t now_ms)
{
	v->mode = c->pol.mode;
	v->state = c->pol.state;
	v->next_action = c->pol.next_action;
	v->reason = c->pol.reason;
	v->age_ms = age_locked(c, now_ms);
	if(c->pol.next_ms == VT_NO_DEADLINE)
		v->next_in_ms = -1;
	else
		v->next_in_ms = (int64_t)vt_ms_since(c->pol.next_ms, now_ms);
	vt_policy_params(&c->pol, &v->params);
	v->confirmed = c->pol.confirmed;
	v->pending = c->pol.pending;
	v->probes_sent = c->pol.probes_sent;
	v->probes_confirmed = c->pol.probes_confirmed;
	v->probes_failed = c->pol.probes_failed;
	v->window_age_ms = c->pol.answered_ms
							   ? (int64_t)vt_ms_since(now_ms, c->pol.window_ms)
							   : -1;
	v->invite_se_s = c->invite_se_s;
	v->se_s = c->se_s;
	v->refresher = c->refresher;
	v->distrusted = c->pol.distrusted;
	v->lead_ms = c->pol.lead_ms;
}

/* Fill a job for c; its Call-ID is copied to dst (callid_len + 1 bytes),
 * which becomes job->callid. */
static void job_fill_locked(vt_job_t *job, const vt_call_t *c, vt_action_t act,
		vt_reason_t reason, uint64_t now_ms, char *dst)
{
	size_t n = (size_t)c->callid_len;

	memset(job, 0, sizeof(*job));
	memcpy(dst, c->strs, n);
	dst[n] = '\0';
	job->action = act;
	job->reason = reason;
	job->probe_method = c->pol.params.probe_method;
	job->callee_cseq_known = (c->flags & VT_F_CALLEE_CSEQ) != 0;
	job->key = c->key;
	job->callid.s = dst;
	job->callid.len = c->callid_len;
	if(act == VT_ACT_TEARDOWN) {
		view_fill_locked(&job->view, c, now_ms);
		job->view.callid = job->callid;
	}
}

void vt_store_job_clean(vt_job_t *job)
{
	if(job->mem)
		pkg_free(job->mem);
	memset(job, 0, sizeof(*job));
}

/* Under lock: the earliest time c's deadline may be taken, as `take`
 * allows (a probe early, or every deadline at its time). */
static uint64_t take_at_locked(const vt_call_t *c, vt_take_t take)
{
	return take == VT_TAKE_EARLY_PROBES ? vt_policy_run_at_ms(&c->pol)
										: c->pol.next_ms;
}

int vt_store_take_due(uint64_t now_ms, vt_take_t take, vt_job_t *jobs, int max,
		char *buf, size_t size)
{
	vt_heap_node_t *nd;
	vt_call_t *c;
	vt_decision_t d;
	vt_job_t *job;
	size_t used = 0;
	uint64_t due;
	int n = 0;

	lock_get(&vt_store->lock);
	vt_store->wake_at = 0; /* awake: arming needs no wake-up */
	while(n < max && (nd = vt_heap_min(&vt_store->heap)) != NULL
			&& take_at_locked(call_of_node(nd), take) <= now_ms) {
		c = call_of_node(nd);
		if(used + c->callid_len + 1 > size)
			break; /* stays due: the next batch takes it */
		due = nd->deadline_ms;
		/* stays in the heap: rearm_locked() moves it in place */
		count_locked(c, -1);
		d = vt_policy_on_deadline(&c->pol, now_ms);
		count_locked(c, +1);
		rearm_locked(c);
		if(d.action == VT_ACT_NONE)
			continue;
		job = &jobs[n++];
		job_fill_locked(job, c, d.action, d.reason, now_ms, buf + used);
		used += c->callid_len + 1;
		job->legs = d.legs;
		job->due_ms = due;
		job->held = c->held;
		if(c->held != NULL && d.action == VT_ACT_TEARDOWN_RETRY) {
			/* BYEs that could not be sent, or still unanswered after
			 * longer than a transaction lives: sent again now */
			job->legs = c->bye_retry | c->bye_pending;
			c->bye_retry = 0;
			c->bye_pending = 0;
			c->bye_busy = 1;
		} else if(c->held != NULL && d.action == VT_ACT_FORGET) {
			job->legs = c->bye_retry | c->bye_pending;
		}
		if(d.action == VT_ACT_FORGET)
			unlink_free_locked(find_link_locked(c->key));
	}
	store_unlock();
	return n;
}

uint64_t vt_store_plan_sleep(uint64_t floor_ms, uint64_t probe_floor_ms)
{
	vt_heap_node_t *nd;
	uint64_t at;

	lock_get(&vt_store->lock);
	vt_store->wake_floor = floor_ms;
	vt_store->wake_probe_floor = probe_floor_ms;
	nd = vt_heap_min(&vt_store->heap);
	at = nd != NULL ? wake_time_locked(call_of_node(nd)) : VT_NO_DEADLINE;
	vt_store->wake_at = at;
	store_unlock();
	return at;
}

typedef enum vt_call_event
{
	VT_EV_PROBE_RESULT,
	VT_EV_REFRESHED,
	VT_EV_DISTRUST
} vt_call_event_t;

/* Run a policy event on one call under the lock, then count and arm it
 * again. leg and code: VT_EV_PROBE_RESULT only. */
static vt_sr_t call_event(vt_dlg_key_t key, vt_call_event_t ev,
		unsigned int leg, int code, uint64_t now_ms)
{
	vt_call_t *c;

	if(vt_store == NULL)
		return VT_SR_NONE; /* shutting down */
	lock_get(&vt_store->lock);
	c = *find_link_locked(key);
	if(c != NULL) {
		count_locked(c, -1);
		switch(ev) {
			case VT_EV_PROBE_RESULT:
				vt_policy_probe_result(&c->pol, leg, code, now_ms);
				break;
			case VT_EV_REFRESHED:
				vt_policy_refreshed(&c->pol, now_ms);
				break;
			case VT_EV_DISTRUST:
				vt_policy_distrust(&c->pol, now_ms);
				break;
		}
		count_locked(c, +1);
		rearm_locked(c);
	}
	store_unlock();
	return c != NULL ? VT_SR_DONE : VT_SR_NONE;
}

vt_sr_t vt_store_probe_result(
		vt_dlg_key_t key, unsigned int leg, int code, uint64_t now_ms)
{
	return call_event(key, VT_EV_PROBE_RESULT, leg, code, now_ms);
}

vt_sr_t vt_store_refreshed(vt_dlg_key_t key, uint64_t now_ms)
{
	return call_event(key, VT_EV_REFRESHED, 0, 0, now_ms);
}

vt_sr_t vt_store_distrust(vt_dlg_key_t key, uint64_t now_ms)
{
	return call_event(key, VT_EV_DISTRUST, 0, 0, now_ms);
}

static int set_flag(vt_dlg_key_t key, uint8_t flag)
{
	vt_call_t *c;
	int first = 0;

	lock_get(&vt_store->lock);
	c = *find_link_locked(key);
	if(c != NULL && !(c->flags & flag)) {
		c->flags |= flag;
		first = 1;
	}
	store_unlock();
	return first;
}

void vt_store_callee_requested(vt_dlg_key_t key)
{
	set_flag(key, VT_F_CALLEE_CSEQ);
}

int vt_store_first_send_failure(vt_dlg_key_t key)
{
	return set_flag(key, VT_F_SEND_FAIL_LOGGED);
}

vt_sr_t vt_store_hangup(
		const str *callid, vt_reason_t reason, uint64_t now_ms, vt_job_t *job)
{
	vt_call_t *c;
	vt_action_t act;
	vt_sr_t ret;
	char *mem;

	lock_get(&vt_store->lock);
	/* The first record with this Call-ID is the call: another dialog that
	 * happens to share the Call-ID is never ended in its place. */
	c = find_callid_locked(callid);
	if(c == NULL)
		ret = VT_SR_NONE;
	else if(c->pol.state == VT_ST_EARLY)
		ret = VT_SR_EARLY; /* the dialog module cannot end it */
	else if(c->pol.state == VT_ST_TEARDOWN)
		ret = VT_SR_ENDING;
	else if((mem = pkg_malloc((size_t)c->callid_len + 1)) == NULL) {
		PKG_MEM_ERROR;
		ret = VT_SR_NOMEM; /* nothing changed: the caller may try again */
	} else {
		job_fill_locked(job, c, VT_ACT_TEARDOWN, reason, now_ms, mem);
		job->mem = mem;
		count_locked(c, -1);
		act = vt_policy_hangup_now(&c->pol, reason, now_ms);
		count_locked(c, +1);
		rearm_locked(c);
		ret = VT_SR_DONE;
		if(act != VT_ACT_TEARDOWN) { /* not reached: checked above */
			vt_store_job_clean(job);
			ret = VT_SR_ENDING;
		}
	}
	store_unlock();
	return ret;
}

void vt_store_counts(vt_store_counts_t *out)
{
	lock_get(&vt_store->lock);
	*out = vt_store->counts;
	store_unlock();
}

/* Under lock: append a copy of c to v (room checked by the caller).
 * 0, or -1 out of pkg memory. */
static int view_add_locked(
		vt_call_view_t *v, int *n, const vt_call_t *c, uint64_t now_ms)
{
	vt_call_view_t *e = &v[*n];

	e->callid.s = pkg_malloc(c->callid_len + 1);
	if(e->callid.s == NULL)
		return -1;
	memcpy(e->callid.s, c->strs, c->callid_len);
	e->callid.s[c->callid_len] = '\0';
	e->callid.len = c->callid_len;
	view_fill_locked(e, c, now_ms);
	(*n)++;
	return 0;
}

/* A copy's end: handed out, or freed when it failed (out of pkg). */
static int views_out(vt_call_view_t *v, int n, int failed, vt_call_view_t **out)
{
	if(failed) {
		vt_store_views_free(v, n);
		PKG_MEM_ERROR;
		return -1;
	}
	*out = v;
	return n;
}

static int view_grow(vt_call_view_t **v, int *cap, int need)
{
	vt_call_view_t *nv;
	int ncap = *cap ? *cap : 64;

	while(ncap < need)
		ncap *= 2;
	nv = pkg_realloc(*v, sizeof(*nv) * ncap);
	if(nv == NULL)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

int vt_store_views(uint64_t now_ms, uint64_t min_age_ms, const str *callid,
		vt_call_view_t **out)
{
	vt_call_view_t *v = NULL;
	vt_call_t *c, **head;
	int n = 0, cap = 0, need, failed = 0;
	uint32_t h;

	*out = NULL;
	if(callid == NULL)
		return vt_store_list(now_ms, min_age_ms, 0, 0, out);
	/* One Call-ID: a few records at most; count, then copy. */
	h = vt_store_callid_hash(callid->s, callid->len);
	head = &vt_store->by_callid[h & (VT_HASH_SIZE - 1)];
	for(;;) {
		need = 0;
		lock_get(&vt_store->lock);
		for(c = same_callid_locked(*head, h, callid); c;
				c = same_callid_locked(c->cnext, h, callid))
			need++;
		if(need <= cap)
			break;
		store_unlock();
		if(view_grow(&v, &cap, need) < 0)
			return views_out(v, n, 1, out);
	}
	for(c = same_callid_locked(*head, h, callid); c && !failed;
			c = same_callid_locked(c->cnext, h, callid))
		if(age_locked(c, now_ms) >= min_age_ms)
			failed = view_add_locked(v, &n, c, now_ms) < 0;
	store_unlock();
	return views_out(v, n, failed, out);
}

static int full(int n, unsigned int limit)
{
	return limit != 0 && (unsigned int)n >= limit;
}

int vt_store_list(uint64_t now_ms, uint64_t min_age_ms, unsigned int offset,
		unsigned int limit, vt_call_view_t **out)
{
	vt_call_view_t *v = NULL;
	vt_call_t *c;
	int i = 0, end, n = 0, cap = 0, need, failed = 0;
	unsigned int skip = offset;

	*out = NULL;
	while(i < VT_HASH_SIZE && !failed && !full(n, limit)) {
		lock_get(&vt_store->lock);
		end = i + VT_LIST_CHUNK_SLOTS;
		if(end > VT_HASH_SIZE)
			end = VT_HASH_SIZE;
		for(; i < end && !failed && !full(n, limit); i++) {
			/* a whole slot at a time: the lock may drop between slots,
			 * never inside one */
			need = 0;
			for(c = vt_store->slots[i]; c; c = c->hnext)
				need++;
			if(n + need > cap) {
				store_unlock();
				if(view_grow(&v, &cap, n + need) < 0)
					return views_out(v, n, 1, out);
				lock_get(&vt_store->lock);
				i--; /* count this slot again: it may have changed */
				continue;
			}
			for(c = vt_store->slots[i]; c && !failed && !full(n, limit);
					c = c->hnext) {
				if(age_locked(c, now_ms) < min_age_ms)
					continue;
				if(skip > 0)
					skip--;
				else
					failed = view_add_locked(v, &n, c, now_ms) < 0;
			}
		}
		store_unlock();
	}
	return views_out(v, n, failed, out);
}

void vt_store_views_free(vt_call_view_t *v, int n)
{
	int i;

	if(v == NULL)
		return;
	for(i = 0; i < n; i++)
		pkg_free(v[i].callid.s);
	pkg_free(v);
}

const char *vt_view_leg_state(const vt_call_view_t *v, unsigned int leg)
{
	if(v->confirmed & leg)
		return "confirmed";
	if(v->pending & leg)
		return "probing";
	return "unconfirmed";
}

const char *vt_view_next_reason(const vt_call_view_t *v)
{
	return (v->next_action == VT_ACT_TEARDOWN
				   || v->next_action == VT_ACT_TEARDOWN_RETRY)
				   ? vt_reason_name(v->reason)
				   : "none";
}
