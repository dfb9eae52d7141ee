/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the cluster - ownership table, DMQ peer, heartbeats,
 * takeover (see vt_cluster.h). The message text and the rules that decide
 * between two claims are pure (vt_cluster_msg.c); this file keeps the
 * tables and talks to DMQ and the dialog adapter.
 *
 * Who runs what:
 *   SIP workers   vt_cluster_owned() at the answer, vt_cluster_ended()
 *                 at the end (dialog callbacks): one "own"/"end" message
 *   DMQ workers   vt_cl_receive(): apply what other nodes say
 *   timer process vt_cluster_tick(): heartbeat, nodes gone, adoption of
 *                 orphaned calls, resending our calls, the sweep
 *   ctl process   vt_cluster_takeover() (vos_timer.takeover)
 */
#include <string.h>

#include "../../core/dprint.h"
#include "../../core/locking.h"
#include "../../core/mem/mem.h"
#include "../../core/mem/shm_mem.h"
#include "../../core/parser/msg_parser.h"
#include "../../core/parser/parse_content.h"
#include "../../core/sr_module.h"
#include "../dmq/bind_dmq.h"

#include "vt_clock.h"
#include "vt_cluster.h"
#include "vt_cluster_msg.h"
#include "vt_dialog.h"

int vt_cluster_enabled = 0;
int vt_cluster_heartbeat_ms = 1000;
int vt_cluster_timeout_ms = 5000;

#define VT_NODES_MAX 16
#define VT_NODE_SELF 0
/* this node's previous run: owner of the calls loaded from the database */
#define VT_NODE_PREV 1
#define VT_CL_HASH 4096
/* a copy is checked against its dialog once older than this: a replica
 * not confirmed by then is asked for again ("need") */
#define VT_CL_CHECK_AGE_MS 2000
/* a copy whose dialog is missing or ended this long is dropped */
#define VT_CL_SWEEP_AGE_MS 10000
/* a copy whose dialog was confirmed is checked again this often (for a
 * lost "end") */
#define VT_CL_RECHECK_MS 30000
/* hash slots the sweep visits per tick (a full pass in about 3 s) */
#define VT_CL_SWEEP_SLOTS 64
/* copies adopted per hold of the lock */
#define VT_CL_BATCH 32

#define VT_CP_ORPHAN 1	  /* its owner is gone: to be adopted */
#define VT_CP_CONFIRMED 2 /* its dialog was seen confirmed here */

typedef struct vt_copy
{
	struct vt_copy *next;
	vt_dlg_key_t key;
	uint32_t hash;
	uint32_t gen;
	uint64_t seen_ms;
	uint64_t checked_ms; /* its dialog last seen confirmed */
	uint8_t owner;		 /* node index */
	uint8_t flags;
	unsigned short callid_len;
	unsigned short state_len;
	char data[]; /* Call-ID, then the facts */
} vt_copy_t;

typedef struct vt_node
{
	char name[VT_CM_NODE_MAX + 1];
	unsigned short len;
	uint8_t used;
	uint8_t up;
	uint64_t boot;
	uint64_t heard_ms;
	unsigned int owns;
} vt_node_t;

typedef struct vt_cl
{
	gen_lock_t lock;
	vt_node_t nodes[VT_NODES_MAX];
	vt_copy_t *slots[VT_CL_HASH];
	unsigned int orphans;
	unsigned int adopted;
	unsigned int sweep_slot;
	int resync; /* send all our calls to everyone */
	int full_warned;
	uint64_t started_ms;
	uint64_t next_hb_ms;
} vt_cl_t;

static vt_cl_t *vt_cl = NULL;
static uint64_t vt_cl_boot = 0;
static dmq_api_t vt_dmqb;
static dmq_peer_t *vt_cl_peer = NULL;
static str vt_cl_ctype = str_init("text/plain");
static str vt_cl_200 = str_init("OK");
static str vt_cl_400 = str_init("Bad vos_timer message");

static int vt_cl_resp_f(
		struct sip_msg *msg, int code, dmq_node_t *node, void *p)
{
	return 0;
}
/* Kamailio 5.6's dmq dereferences the callback without a check */
static dmq_resp_cback_t vt_cl_resp = {vt_cl_resp_f, 0};

int vt_cluster_on(void)
{
	return vt_cl != NULL;
}

static vt_cm_str_t node_name(int i)
{
	vt_cm_str_t n = {vt_cl->nodes[i].name, vt_cl->nodes[i].len};

	return n;
}

/* ---- sending ---- */

typedef struct vt_out
{
	vt_cm_kind_t kind;
	int head;
	int len;
	int sent;
	char buf[VT_CM_BODY_MAX + 1];
} vt_out_t;

static void out_start(vt_out_t *o, vt_cm_kind_t kind)
{
	vt_node_t *self = &vt_cl->nodes[VT_NODE_SELF];

	o->kind = kind;
	o->sent = 0;
	o->head = vt_cm_head_write(
			o->buf, sizeof(o->buf), kind, self->name, self->len, vt_cl_boot);
	o->len = o->head;
}

static void out_flush(vt_out_t *o)
{
	str body;

	if(o->head <= 0 || o->len <= o->head)
		return;
	body.s = o->buf;
	body.len = o->len;
	if(vt_dmqb.bcast_message(
			   vt_cl_peer, &body, NULL, &vt_cl_resp, 1, &vt_cl_ctype)
			< 0)
		LM_WARN("cannot send a %s message over DMQ\n",
				vt_cm_kind_name(o->kind));
	o->sent++;
	o->len = o->head;
}

static void out_add(vt_out_t *o, const vt_cm_call_t *c)
{
	int r;

	if(o->head <= 0)
		return;
	r = vt_cm_call_write(o->buf, sizeof(o->buf), o->len, o->kind, c);
	if(r == -1) {
		out_flush(o);
		r = vt_cm_call_write(o->buf, sizeof(o->buf), o->len, o->kind, c);
	}
	if(r > 0)
		o->len = r;
	else
		LM_WARN("call-id [%.*s]: cannot tell the cluster (%s): a field "
				"does not fit a message\n",
				(int)c->callid.len, c->callid.s, vt_cm_kind_name(o->kind));
}

static void send_hb(void)
{
	vt_out_t o;
	str body;

	out_start(&o, VT_CM_HB);
	if(o.head <= 0)
		return;
	body.s = o.buf;
	body.len = o.len;
	vt_dmqb.bcast_message(
			vt_cl_peer, &body, NULL, &vt_cl_resp, 1, &vt_cl_ctype);
}

/* One call line, its strings copied (the copy may go once unlocked). */
typedef struct vt_line
{
	vt_dlg_key_t key;
	uint32_t gen;
	uint8_t owner;
	unsigned short callid_len;
	unsigned short state_len;
	char *mem;
} vt_line_t;

static int line_copy(vt_line_t *l, const vt_copy_t *cp)
{
	l->mem = pkg_malloc(cp->callid_len + cp->state_len + 1);
	if(l->mem == NULL) {
		PKG_MEM_ERROR;
		return -1;
	}
	memcpy(l->mem, cp->data, cp->callid_len + cp->state_len);
	l->key = cp->key;
	l->gen = cp->gen;
	l->owner = cp->owner;
	l->callid_len = cp->callid_len;
	l->state_len = cp->state_len;
	return 0;
}

static void line_own(vt_out_t *o, const vt_line_t *l)
{
	vt_cm_call_t c;
	vt_node_t *self = &vt_cl->nodes[VT_NODE_SELF];

	c.gen = l->gen;
	c.owner.s = self->name;
	c.owner.len = self->len;
	c.h_entry = l->key.h_entry;
	c.h_id = l->key.h_id;
	c.callid.s = l->mem;
	c.callid.len = l->callid_len;
	c.state.s = l->mem + l->callid_len;
	c.state.len = l->state_len;
	out_add(o, &c);
}

static void send_end(vt_dlg_key_t key, const str *callid)
{
	vt_out_t o;
	vt_cm_call_t c;

	memset(&c, 0, sizeof(c));
	c.h_entry = key.h_entry;
	c.h_id = key.h_id;
	c.callid.s = callid->s;
	c.callid.len = callid->len;
	out_start(&o, VT_CM_END);
	out_add(&o, &c);
	out_flush(&o);
}

/* ---- the table (under the lock) ---- */

static vt_copy_t **find_link_locked(
		vt_dlg_key_t key, const char *callid, size_t len, uint32_t h)
{
	vt_copy_t **l = &vt_cl->slots[h & (VT_CL_HASH - 1)];

	for(; *l != NULL; l = &(*l)->next) {
		vt_copy_t *c = *l;
		if(c->hash == h && c->key.h_entry == key.h_entry
				&& c->key.h_id == key.h_id && c->callid_len == len
				&& memcmp(c->data, callid, len) == 0)
			return l;
	}
	return NULL;
}

static void unlink_locked(vt_copy_t **l)
{
	vt_copy_t *c = *l;

	*l = c->next;
	vt_cl->nodes[c->owner].owns--;
	if(c->flags & VT_CP_ORPHAN)
		vt_cl->orphans--;
	shm_free(c);
}

static void set_owner_locked(vt_copy_t *c, int owner)
{
	vt_cl->nodes[c->owner].owns--;
	c->owner = (uint8_t)owner;
	vt_cl->nodes[owner].owns++;
}

/* Insert or replace the call's entry; NULL when out of shm. */
static vt_copy_t *put_locked(vt_dlg_key_t key, const char *callid,
		size_t callid_len, const char *state, size_t state_len, int owner,
		uint32_t gen, uint64_t now_ms)
{
	uint32_t h = vt_store_callid_hash(callid, callid_len);
	vt_copy_t **l = find_link_locked(key, callid, callid_len, h);
	vt_copy_t *c;

	if(callid_len > 0xffff || state_len > 0xffff)
		return NULL;
	c = shm_malloc(sizeof(*c) + callid_len + state_len);
	if(c == NULL)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->key = key;
	c->hash = h;
	c->gen = gen;
	c->seen_ms = now_ms;
	c->owner = (uint8_t)owner;
	c->callid_len = (unsigned short)callid_len;
	c->state_len = (unsigned short)state_len;
	memcpy(c->data, callid, callid_len);
	memcpy(c->data + callid_len, state, state_len);
	if(l != NULL)
		unlink_locked(l);
	c->next = vt_cl->slots[h & (VT_CL_HASH - 1)];
	vt_cl->slots[h & (VT_CL_HASH - 1)] = c;
	vt_cl->nodes[owner].owns++;
	return c;
}

static void orphan_locked(vt_copy_t *c)
{
	if(!(c->flags & VT_CP_ORPHAN)) {
		c->flags |= VT_CP_ORPHAN;
		vt_cl->orphans++;
	}
}

static void unorphan_locked(vt_copy_t *c)
{
	if(c->flags & VT_CP_ORPHAN) {
		c->flags &= ~VT_CP_ORPHAN;
		vt_cl->orphans--;
	}
}

/* Every call node i owns is an orphan now. */
static void orphan_node_locked(int i)
{
	int s;
	vt_copy_t *c;

	if(vt_cl->nodes[i].owns == 0)
		return;
	for(s = 0; s < VT_CL_HASH; s++)
		for(c = vt_cl->slots[s]; c != NULL; c = c->next)
			if(c->owner == i)
				orphan_locked(c);
}

/* The node's index, added when new (-1: the table is full). */
static int node_index_locked(const vt_cm_str_t *name)
{
	int i, free_i = -1;

	for(i = 0; i < VT_NODES_MAX; i++) {
		vt_node_t *n = &vt_cl->nodes[i];
		if(i == VT_NODE_PREV)
			continue;
		if(!n->used) {
			if(free_i < 0)
				free_i = i;
			continue;
		}
		if(n->len == name->len && memcmp(n->name, name->s, name->len) == 0)
			return i;
	}
	if(free_i < 0)
		return -1;
	memset(&vt_cl->nodes[free_i], 0, sizeof(vt_node_t));
	memcpy(vt_cl->nodes[free_i].name, name->s, name->len);
	vt_cl->nodes[free_i].len = (unsigned short)name->len;
	vt_cl->nodes[free_i].used = 1;
	return free_i;
}

/* ---- this node's calls ---- */

void vt_cluster_owned(vt_dlg_key_t key, const str *callid, const str *state)
{
	vt_out_t o;
	vt_line_t l;
	vt_copy_t *c;
	int ok;

	if(vt_cl == NULL)
		return;
	lock_get(&vt_cl->lock);
	c = put_locked(key, callid->s, callid->len, state->s, state->len,
			VT_NODE_SELF, 1, vt_now_ms());
	ok = c != NULL && line_copy(&l, c) == 0;
	lock_release(&vt_cl->lock);
	if(!ok) {
		LM_ERR("call-id [%.*s]: out of memory: the other nodes cannot take "
			   "the call over\n",
				callid->len, callid->s);
		return;
	}
	out_start(&o, VT_CM_OWN);
	line_own(&o, &l);
	out_flush(&o);
	pkg_free(l.mem);
}

void vt_cluster_ended(vt_dlg_key_t key, const str *callid)
{
	vt_copy_t **l;
	int ours = 0;

	if(vt_cl == NULL)
		return;
	lock_get(&vt_cl->lock);
	l = find_link_locked(key, callid->s, callid->len,
			vt_store_callid_hash(callid->s, callid->len));
	if(l != NULL) {
		ours = (*l)->owner == VT_NODE_SELF;
		unlink_locked(l);
	}
	lock_release(&vt_cl->lock);
	if(ours)
		send_end(key, callid);
}

void vt_cluster_restored(vt_dlg_key_t key, const str *callid, const str *state)
{
	vt_copy_t *c;

	if(vt_cl == NULL)
		return;
	lock_get(&vt_cl->lock);
	/* generation 0: any claim another node makes wins over it */
	c = put_locked(key, callid->s, callid->len, state->s, state->len,
			VT_NODE_PREV, 0, vt_now_ms());
	if(c != NULL)
		orphan_locked(c);
	lock_release(&vt_cl->lock);
	if(c == NULL)
		LM_ERR("call-id [%.*s]: out of memory: not re-armed after the "
			   "restart\n",
				callid->len, callid->s);
	else
		LM_INFO("call-id [%.*s]: loaded from the database, kept as this "
				"node's previous run: re-armed in %d ms unless another node "
				"claims it\n",
				callid->len, callid->s, vt_cluster_timeout_ms);
}

/* ---- what other nodes say (DMQ workers) ---- */

/* Apply one "own" line. A claim that beats ours on a call this node owns
 * makes it step down (*release set: drop the store's record once
 * unlocked); a stale claim on a call we own makes us tell everyone again. */
static void apply_own_locked(
		const vt_cm_call_t *c, uint64_t now_ms, int *release, int *resend)
{
	vt_dlg_key_t key = {c->h_entry, c->h_id};
	uint32_t h = vt_store_callid_hash(c->callid.s, c->callid.len);
	vt_copy_t **l = find_link_locked(key, c->callid.s, c->callid.len, h);
	vt_cm_str_t self = node_name(VT_NODE_SELF);
	vt_cm_str_t cur;
	vt_copy_t *cp;
	int owner;

	*release = 0;
	if(c->owner.len == self.len && memcmp(c->owner.s, self.s, self.len) == 0)
		return; /* what we own, we know; what we do not, we did not claim */
	owner = node_index_locked(&c->owner);
	if(owner < 0) {
		if(!vt_cl->full_warned)
			LM_WARN("more than %d nodes: calls of node %.*s are not "
					"kept\n",
					VT_NODES_MAX - 2, (int)c->owner.len, c->owner.s);
		vt_cl->full_warned = 1;
		return;
	}
	if(l != NULL) {
		cur = node_name((*l)->owner);
		if(!vt_cm_claim_wins(c->gen, &c->owner, (*l)->gen, &cur)) {
			if((*l)->owner == VT_NODE_SELF && (*l)->gen != c->gen)
				*resend = 1;
			return;
		}
		if((*l)->owner == VT_NODE_SELF) {
			*release = 1;
			LM_NOTICE("call-id [%.*s]: node %.*s owns the call now "
					  "(generation %u over %u): this node stops probing "
					  "it\n",
					(int)c->callid.len, c->callid.s, (int)c->owner.len,
					c->owner.s, c->gen, (*l)->gen);
		}
	}
	cp = put_locked(key, c->callid.s, c->callid.len, c->state.s, c->state.len,
			owner, c->gen, now_ms);
	if(cp == NULL)
		LM_ERR("call-id [%.*s]: out of memory: no copy kept\n",
				(int)c->callid.len, c->callid.s);
	else if(!vt_cl->nodes[owner].up)
		/* its owner is gone already (messages can come late) */
		orphan_locked(cp);
}

static int owned_locked(const vt_cm_call_t *c)
{
	vt_dlg_key_t key = {c->h_entry, c->h_id};
	vt_copy_t **l = find_link_locked(key, c->callid.s, c->callid.len,
			vt_store_callid_hash(c->callid.s, c->callid.len));

	return l != NULL && (*l)->owner == VT_NODE_SELF;
}

static void apply_end_locked(const vt_cm_call_t *c)
{
	vt_dlg_key_t key = {c->h_entry, c->h_id};
	vt_copy_t **l = find_link_locked(key, c->callid.s, c->callid.len,
			vt_store_callid_hash(c->callid.s, c->callid.len));

	if(l != NULL && (*l)->owner != VT_NODE_SELF)
		unlink_locked(l);
}

/* Every orphan of node i has its owner back. */
static void unorphan_node_locked(int i)
{
	int s;
	vt_copy_t *c;

	for(s = 0; s < VT_CL_HASH && vt_cl->orphans > 0; s++)
		for(c = vt_cl->slots[s]; c != NULL; c = c->next)
			if(c->owner == i)
				unorphan_locked(c);
}

/* A message from node i with boot id boot: it is up. A node heard for the
 * first time, back after it was gone, or restarted (a later boot id) gets
 * all our calls; the calls a restarted node owned before are orphans, and
 * those of a node back from a silence (same boot id) are its again unless
 * adopted meanwhile. -1: a message from a run of the node older than one
 * heard already (DMQ workers may handle messages out of order): ignored. */
static int heard_locked(int i, uint64_t boot, uint64_t now_ms)
{
	vt_node_t *n = &vt_cl->nodes[i];

	if(boot < n->boot)
		return -1;
	if(n->boot != 0 && n->boot != boot) {
		LM_NOTICE(
				"node %s restarted: the calls it owned are orphans\n", n->name);
		orphan_node_locked(i);
	} else if(n->boot != 0 && !n->up) {
		unorphan_node_locked(i);
	}
	if(!n->up || n->boot != boot) {
		if(!n->up)
			LM_NOTICE("node %s is up\n", n->name);
		vt_cl->resync = 1;
	}
	n->up = 1;
	n->boot = boot;
	n->heard_ms = now_ms;
	return 0;
}

#define VT_CL_RELEASE_MAX 64

static int vt_cl_receive(
		struct sip_msg *msg, peer_reponse_t *resp, dmq_node_t *node)
{
	vt_dlg_key_t release[VT_CL_RELEASE_MAX];
	struct
	{
		vt_dlg_key_t key;
		str callid;
	} resend[VT_CL_RELEASE_MAX];
	uint64_t now_ms = vt_now_ms();
	int nrel = 0, nres = 0, rel, again = 0, r = 1, i;
	vt_cm_head_t h;
	vt_cm_call_t c;
	size_t pos;
	str body;

	resp->resp_code = 400;
	resp->reason = vt_cl_400;
	body.s = NULL;
	body.len = 0;
	if(parse_headers(msg, HDR_CONTENTLENGTH_F, 0) == 0
			&& msg->content_length != NULL) {
		body.s = get_body(msg);
		body.len = get_content_length(msg);
	}
	if(body.s == NULL || body.len <= 0
			|| vt_cm_head_parse(body.s, body.len, &h, &pos) < 0) {
		LM_WARN("malformed vos_timer DMQ message dropped\n");
		return 0;
	}
	resp->resp_code = 200;
	resp->reason = vt_cl_200;
	lock_get(&vt_cl->lock);
	i = node_index_locked(&h.node);
	if(i == VT_NODE_SELF) {
		lock_release(&vt_cl->lock);
		return 0; /* our own, or a node with our name: ignored */
	}
	if(i > 0 && heard_locked(i, h.boot, now_ms) < 0)
		i = -1;
	while(i > 0 && h.kind != VT_CM_HB
			&& (r = vt_cm_call_parse(body.s, body.len, &pos, h.kind, &c))
					   == 1) {
		if(h.kind == VT_CM_END) {
			apply_end_locked(&c);
			continue;
		}
		if(h.kind == VT_CM_NEED) {
			if(nres < VT_CL_RELEASE_MAX && owned_locked(&c)) {
				resend[nres].key.h_entry = c.h_entry;
				resend[nres].key.h_id = c.h_id;
				resend[nres].callid.s = (char *)c.callid.s; /* in body */
				resend[nres++].callid.len = (int)c.callid.len;
			}
			continue;
		}
		apply_own_locked(&c, now_ms, &rel, &again);
		if(rel && nrel < VT_CL_RELEASE_MAX) {
			release[nrel].h_entry = c.h_entry;
			release[nrel++].h_id = c.h_id;
		}
	}
	if(again)
		vt_cl->resync = 1;
	lock_release(&vt_cl->lock);
	if(r < 0)
		LM_WARN("malformed line in a vos_timer %s message from %.*s: the "
				"rest is dropped\n",
				vt_cm_kind_name(h.kind), (int)h.node.len, h.node.s);
	for(i = 0; i < nrel; i++)
		vt_store_release(release[i]);
	for(i = 0; i < nres; i++)
		if(vt_dialog_resend(resend[i].key, &resend[i].callid, node) < 0)
			LM_WARN("call-id [%.*s]: cannot send its dialog again to %.*s\n",
					resend[i].callid.len, resend[i].callid.s, (int)h.node.len,
					h.node.s);
		else
			LM_INFO("call-id [%.*s]: dialog sent again to %.*s (its copy "
					"was not confirmed)\n",
					resend[i].callid.len, resend[i].callid.s, (int)h.node.len,
					h.node.s);
	return 0;
}

/* ---- adoption ---- */

/* May this node adopt the orphans of node i now? Its previous run's after
 * the start-up grace; another node's when this node is the smallest name
 * up, that node apart (a restarted node does not take back its calls). */
static int may_adopt_locked(int i, uint64_t now_ms)
{
	vt_cm_str_t up[VT_NODES_MAX];
	vt_cm_str_t self = node_name(VT_NODE_SELF);
	int j, n = 0;

	/* its previous run's: once the other nodes had time to claim them
	 * (another node's orphans come from a node heard up before) */
	if(i == VT_NODE_PREV)
		return now_ms >= vt_cl->started_ms + (uint64_t)vt_cluster_timeout_ms;
	for(j = 1; j < VT_NODES_MAX; j++) {
		vt_node_t *nd = &vt_cl->nodes[j];
		if(j == VT_NODE_PREV || !nd->used || !nd->up)
			continue;
		if(nd->len == vt_cl->nodes[i].len
				&& memcmp(nd->name, vt_cl->nodes[i].name, nd->len) == 0)
			continue;
		up[n].s = nd->name;
		up[n++].len = nd->len;
	}
	return vt_cm_is_adopter(&self, up, n);
}

/* Adopt the calls picked by want (orphans this node may adopt, or the
 * operator's choice): each is made ours (generation + 1) under the lock,
 * a batch at a time, then re-armed from its dialog outside it. */
typedef int (*vt_pick_f)(vt_copy_t *c, void *arg, uint64_t now_ms);

static int adopt(vt_pick_f want, void *arg, const char *why)
{
	vt_line_t batch[VT_CL_BATCH];
	uint64_t now_ms = vt_now_ms();
	int n, s, i, total = 0, gone = 0, prev;
	vt_out_t o;
	vt_copy_t *c, **l;
	str callid, state;

	out_start(&o, VT_CM_OWN);
	for(s = 0; s < VT_CL_HASH;) {
		n = 0;
		lock_get(&vt_cl->lock);
		for(; s < VT_CL_HASH; s++) {
			for(c = vt_cl->slots[s]; c != NULL && n < VT_CL_BATCH; c = c->next)
				if(c->owner != VT_NODE_SELF && want(c, arg, now_ms)
						&& line_copy(&batch[n], c) == 0) {
					unorphan_locked(c);
					set_owner_locked(c, VT_NODE_SELF);
					c->gen++;
					batch[n++].gen = c->gen;
				}
			if(n == VT_CL_BATCH)
				break; /* the rest of this slot in the next batch */
		}
		lock_release(&vt_cl->lock);
		for(i = 0; i < n; i++) {
			callid.s = batch[i].mem;
			callid.len = batch[i].callid_len;
			state.s = batch[i].mem + batch[i].callid_len;
			state.len = batch[i].state_len;
			/* this node's previous run's calls (the dialog module's
			 * database) are re-armed as after a restart */
			prev = batch[i].owner == VT_NODE_PREV;
			if(vt_dialog_adopt(batch[i].key, &callid, &state, prev,
					   prev ? "after the restart" : why)
					== 1) {
				line_own(&o, &batch[i]);
				total += !prev;
			} else {
				/* its dialog is gone (or cannot be watched): forget it */
				lock_get(&vt_cl->lock);
				l = find_link_locked(batch[i].key, callid.s, callid.len,
						vt_store_callid_hash(callid.s, callid.len));
				if(l != NULL && (*l)->owner == VT_NODE_SELF)
					unlink_locked(l);
				lock_release(&vt_cl->lock);
				gone++;
			}
			pkg_free(batch[i].mem);
		}
	}
	out_flush(&o);
	if(total > 0 || gone > 0) {
		lock_get(&vt_cl->lock);
		vt_cl->adopted += total;
		lock_release(&vt_cl->lock);
		LM_NOTICE("%s: %d calls adopted, %d copies dropped (dialog gone)\n",
				why, total, gone);
	}
	return total;
}

static int pick_orphan(vt_copy_t *c, void *arg, uint64_t now_ms)
{
	return (c->flags & VT_CP_ORPHAN) && may_adopt_locked(c->owner, now_ms);
}

static int pick_node(vt_copy_t *c, void *arg, uint64_t now_ms)
{
	int i = *(int *)arg;

	return i < 0 || c->owner == i;
}

int vt_cluster_takeover(const str *node)
{
	vt_cm_str_t name;
	int i = -1;

	if(vt_cl == NULL)
		return 0;
	if(node != NULL && node->len > 0) {
		lock_get(&vt_cl->lock);
		for(i = 1; i < VT_NODES_MAX; i++)
			if(vt_cl->nodes[i].used && vt_cl->nodes[i].len == node->len
					&& memcmp(vt_cl->nodes[i].name, node->s, node->len) == 0)
				break;
		lock_release(&vt_cl->lock);
		if(i >= VT_NODES_MAX)
			return -1;
	}
	name.s = node != NULL ? node->s : NULL;
	name.len = node != NULL ? (size_t)node->len : 0;
	LM_NOTICE("vos_timer.takeover %.*s\n", (int)name.len,
			name.s != NULL ? name.s : "");
	return adopt(pick_node, &i, "on vos_timer.takeover");
}

/* ---- the timer process ---- */

/* Nodes not heard for cluster_timeout are gone: their calls orphans. */
static void check_nodes_locked(uint64_t now_ms)
{
	int i;

	for(i = 1; i < VT_NODES_MAX; i++) {
		vt_node_t *n = &vt_cl->nodes[i];
		if(i == VT_NODE_PREV || !n->used || !n->up)
			continue;
		if(vt_cm_node_gone(
				   now_ms, n->heard_ms, (uint64_t)vt_cluster_timeout_ms)) {
			n->up = 0;
			LM_NOTICE("node %s gone: no heartbeat for %llu ms, its %u "
					  "calls are orphans\n",
					n->name, (unsigned long long)(now_ms - n->heard_ms),
					n->owns);
			orphan_node_locked(i);
		}
	}
}

/* Send all our calls to every node (one came, came back or disagreed). */
static void resync(void)
{
	vt_line_t *lines = NULL;
	int s, n, cap = 0, i;
	vt_copy_t *c;
	vt_out_t o;

	out_start(&o, VT_CM_OWN);
	for(s = 0; s < VT_CL_HASH; s++) {
		n = 0;
		lock_get(&vt_cl->lock);
		for(c = vt_cl->slots[s]; c != NULL; c = c->next) {
			if(c->owner != VT_NODE_SELF)
				continue;
			if(n == cap) {
				vt_line_t *nl = pkg_realloc(lines, (cap + 8) * sizeof(*nl));
				if(nl == NULL)
					break;
				lines = nl;
				cap += 8;
			}
			if(line_copy(&lines[n], c) == 0)
				n++;
		}
		lock_release(&vt_cl->lock);
		for(i = 0; i < n; i++) {
			line_own(&o, &lines[i]);
			pkg_free(lines[i].mem);
		}
	}
	out_flush(&o);
	if(lines != NULL)
		pkg_free(lines);
	LM_INFO("sent this node's calls to the cluster (%d messages)\n", o.sent);
}

/* Check each copy against its dialog here, a few hash slots per tick:
 * a replica not confirmed (the dialog module's DMQ messages can be lost
 * or handled out of order, and a state change that comes before its
 * dialog is dropped) is asked of its owner again ("need"), while the
 * owner is up; a copy whose dialog is missing or ended for a while goes
 * (an "end" lost, or the call ended before its copy came). */
static void sweep(uint64_t now_ms)
{
	struct
	{
		vt_line_t l;
		int owner_up;
		uint64_t age_ms;
	} cand[VT_CL_BATCH];
	int n = 0, i, s, ours;
	vt_out_t need;
	vt_dlg_presence_t p;
	vt_copy_t *c, **l;
	vt_cm_call_t cl;
	str callid;

	lock_get(&vt_cl->lock);
	for(s = 0; s < VT_CL_SWEEP_SLOTS && n < VT_CL_BATCH; s++) {
		vt_cl->sweep_slot = (vt_cl->sweep_slot + 1) & (VT_CL_HASH - 1);
		for(c = vt_cl->slots[vt_cl->sweep_slot]; c != NULL && n < VT_CL_BATCH;
				c = c->next) {
			if(c->owner == VT_NODE_PREV
					|| vt_ms_since(now_ms, c->seen_ms) < VT_CL_CHECK_AGE_MS
					|| ((c->flags & VT_CP_CONFIRMED)
							&& vt_ms_since(now_ms, c->checked_ms)
									   < VT_CL_RECHECK_MS))
				continue;
			cand[n].l.key = c->key;
			cand[n].l.callid_len = c->callid_len;
			cand[n].l.mem = pkg_malloc(c->callid_len);
			if(cand[n].l.mem == NULL)
				break;
			memcpy(cand[n].l.mem, c->data, c->callid_len);
			cand[n].owner_up =
					c->owner != VT_NODE_SELF && vt_cl->nodes[c->owner].up;
			cand[n].age_ms = vt_ms_since(now_ms, c->seen_ms);
			n++;
		}
	}
	lock_release(&vt_cl->lock);
	out_start(&need, VT_CM_NEED);
	for(i = 0; i < n; i++) {
		callid.s = cand[i].l.mem;
		callid.len = cand[i].l.callid_len;
		p = vt_dialog_presence(cand[i].l.key, &callid);
		ours = 0;
		lock_get(&vt_cl->lock);
		l = find_link_locked(cand[i].l.key, callid.s, callid.len,
				vt_store_callid_hash(callid.s, callid.len));
		if(l != NULL && p == VT_DP_CONFIRMED) {
			(*l)->flags |= VT_CP_CONFIRMED;
			(*l)->checked_ms = now_ms;
		}
		if(l != NULL && cand[i].age_ms >= VT_CL_SWEEP_AGE_MS
				&& (p == VT_DP_NONE || p == VT_DP_ENDED)) {
			ours = (*l)->owner == VT_NODE_SELF;
			unlink_locked(l);
		}
		lock_release(&vt_cl->lock);
		if(ours)
			send_end(cand[i].l.key, &callid);
		if(cand[i].owner_up && (p == VT_DP_NONE || p == VT_DP_EARLY)) {
			memset(&cl, 0, sizeof(cl));
			cl.h_entry = cand[i].l.key.h_entry;
			cl.h_id = cand[i].l.key.h_id;
			cl.callid.s = callid.s;
			cl.callid.len = callid.len;
			out_add(&need, &cl);
		}
		pkg_free(cand[i].l.mem);
	}
	if(need.len > need.head)
		LM_INFO("asking the owners again for dialogs not confirmed here\n");
	out_flush(&need);
}

void vt_cluster_tick(uint64_t now_ms)
{
	int orphans, again;

	if(vt_cl == NULL)
		return;
	if(now_ms >= vt_cl->next_hb_ms) {
		vt_cl->next_hb_ms = now_ms + vt_cluster_heartbeat_ms;
		send_hb();
	}
	lock_get(&vt_cl->lock);
	check_nodes_locked(now_ms);
	orphans = vt_cl->orphans;
	again = vt_cl->resync;
	vt_cl->resync = 0;
	lock_release(&vt_cl->lock);
	if(orphans > 0)
		adopt(pick_orphan, NULL, "from a node gone");
	if(again)
		resync();
	sweep(now_ms);
}

/* ---- views ---- */

void vt_cluster_counts(vt_cluster_counts_t *c)
{
	int i;

	memset(c, 0, sizeof(*c));
	if(vt_cl == NULL)
		return;
	lock_get(&vt_cl->lock);
	c->owned = vt_cl->nodes[VT_NODE_SELF].owns;
	for(i = 1; i < VT_NODES_MAX; i++) {
		c->passive += vt_cl->nodes[i].owns;
		c->nodes_up += vt_cl->nodes[i].used && vt_cl->nodes[i].up;
	}
	c->adopted = vt_cl->adopted;
	lock_release(&vt_cl->lock);
}

void vt_cluster_self(str *name)
{
	static char local[] = "local";

	if(vt_cl == NULL) {
		name->s = local;
		name->len = sizeof(local) - 1;
		return;
	}
	name->s = vt_cl->nodes[VT_NODE_SELF].name;
	name->len = vt_cl->nodes[VT_NODE_SELF].len;
}

int vt_cluster_owner(
		const str *callid, char *buf, int size, uint32_t *gen, int *passive)
{
	uint32_t h;
	vt_copy_t *c;
	int found = 0;

	if(vt_cl == NULL || size <= 0)
		return 0;
	h = vt_store_callid_hash(callid->s, callid->len);
	lock_get(&vt_cl->lock);
	for(c = vt_cl->slots[h & (VT_CL_HASH - 1)]; c != NULL; c = c->next)
		if(c->hash == h && c->callid_len == callid->len
				&& memcmp(c->data, callid->s, callid->len) == 0) {
			vt_node_t *n = &vt_cl->nodes[c->owner];
			snprintf(buf, size, "%s%s", n->name,
					c->owner == VT_NODE_PREV ? " (before restart)" : "");
			*gen = c->gen;
			*passive = c->owner != VT_NODE_SELF;
			found = 1;
			break;
		}
	lock_release(&vt_cl->lock);
	return found;
}

int vt_cluster_node(int i, vt_node_view_t *out)
{
	uint64_t now_ms = vt_now_ms();
	vt_node_t *n;

	if(vt_cl == NULL)
		return 0;
	memset(out, 0, sizeof(*out));
	for(; i < VT_NODES_MAX; i++) {
		lock_get(&vt_cl->lock);
		n = &vt_cl->nodes[i];
		if(n->used && (i != VT_NODE_PREV || n->owns > 0)) {
			snprintf(out->name, sizeof(out->name), "%s%s", n->name,
					i == VT_NODE_PREV ? " (before restart)" : "");
			out->self = i == VT_NODE_SELF;
			out->up = i == VT_NODE_SELF || n->up;
			out->heard_ms_ago =
					i == VT_NODE_SELF || n->heard_ms == 0
							? -1
							: (int64_t)vt_ms_since(now_ms, n->heard_ms);
			out->owns = n->owns;
			lock_release(&vt_cl->lock);
			return i + 1;
		}
		lock_release(&vt_cl->lock);
	}
	return 0;
}

/* ---- start-up ---- */

/* This node's name: the dmq module's server_address. */
static int self_name(struct sr_module *dm, vt_node_t *self)
{
	modparam_t type;
	str *addr = NULL;

	if(dm != NULL)
		addr = find_param_export(dm, "server_address", PARAM_STR, &type);
	if(addr == NULL || addr->s == NULL || addr->len <= 0
			|| !vt_cm_token_ok(addr->s, addr->len, VT_CM_NODE_MAX)) {
		LM_ERR("cluster=1: the dmq module's server_address (this node's "
			   "name in the cluster) is not set or longer than %d\n",
				VT_CM_NODE_MAX);
		return -1;
	}
	memcpy(self->name, addr->s, addr->len);
	self->len = (unsigned short)addr->len;
	self->used = 1;
	self->up = 1;
	return 0;
}

/* The dialog module's settings a cluster needs. */
static int dialog_settings_ok(void)
{
	struct sr_module *m = find_module_by_name("dialog");
	modparam_t type;
	int *dmq = NULL, *step = NULL;

	if(m != NULL) {
		dmq = find_param_export(m, "enable_dmq", PARAM_INT, &type);
		step = find_param_export(m, "h_id_step", PARAM_INT, &type);
	}
	if(dmq == NULL || *dmq == 0) {
		LM_ERR("cluster=1 needs the dialog module's enable_dmq=1 (the "
			   "calls' dialogs are shared over DMQ)\n");
		return -1;
	}
	if(step == NULL || *step <= 1) {
		LM_ERR("cluster=1 needs the dialog module's h_id_step above 1 and "
			   "a different h_id_start on each node: replicated dialogs "
			   "keep their ids, which must not collide with this node's\n");
		return -1;
	}
	return 0;
}

int vt_cluster_init(void)
{
	struct sr_module *dm;
	dmq_peer_t peer;

	if(!vt_cluster_enabled)
		return 0;
	if(vt_cluster_heartbeat_ms < 100 || vt_cluster_heartbeat_ms > 60000) {
		LM_ERR("invalid modparam cluster_heartbeat = \"%d\": allowed "
			   "100..60000 (ms)\n",
				vt_cluster_heartbeat_ms);
		return -1;
	}
	if(vt_cluster_timeout_ms < 2 * vt_cluster_heartbeat_ms + 100
			|| vt_cluster_timeout_ms > 600000) {
		LM_ERR("invalid modparam cluster_timeout = \"%d\": allowed "
			   "%d..600000 (ms: at least twice cluster_heartbeat plus 100)\n",
				vt_cluster_timeout_ms, 2 * vt_cluster_heartbeat_ms + 100);
		return -1;
	}
	dm = find_module_by_name("dmq");
	if(dm == NULL || dmq_load_api(&vt_dmqb) != 0) {
		LM_ERR("cluster=1 needs the dmq module, loaded before vos_timer\n");
		return -1;
	}
	if(dialog_settings_ok() < 0)
		return -1;
	vt_cl = shm_malloc(sizeof(*vt_cl));
	if(vt_cl == NULL) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(vt_cl, 0, sizeof(*vt_cl));
	if(self_name(dm, &vt_cl->nodes[VT_NODE_SELF]) < 0)
		goto error;
	vt_cl->nodes[VT_NODE_PREV] = vt_cl->nodes[VT_NODE_SELF];
	vt_cl->nodes[VT_NODE_PREV].up = 0;
	lock_init(&vt_cl->lock);
	vt_cl_boot = vt_now_unix_ms();
	vt_cl->started_ms = vt_now_ms();

	memset(&peer, 0, sizeof(peer));
	peer.peer_id.s = "vos_timer";
	peer.peer_id.len = 9;
	peer.description.s = "vos_timer call ownership";
	peer.description.len = strlen(peer.description.s);
	peer.callback = vt_cl_receive;
	peer.init_callback = NULL;
	vt_cl_peer = vt_dmqb.register_dmq_peer(&peer);
	if(vt_cl_peer == NULL) {
		LM_ERR("cannot register the vos_timer DMQ peer\n");
		goto error;
	}
	LM_INFO("cluster node %s: heartbeat every %d ms, a node silent for %d "
			"ms is gone\n",
			vt_cl->nodes[VT_NODE_SELF].name, vt_cluster_heartbeat_ms,
			vt_cluster_timeout_ms);
	return 0;
error:
	shm_free(vt_cl);
	vt_cl = NULL;
	return -1;
}

void vt_cluster_destroy(void)
{
	vt_copy_t *c, *next;
	int s;

	if(vt_cl == NULL)
		return;
	for(s = 0; s < VT_CL_HASH; s++)
		for(c = vt_cl->slots[s]; c != NULL; c = next) {
			next = c->next;
			shm_free(c);
		}
	shm_free(vt_cl);
	vt_cl = NULL;
}
