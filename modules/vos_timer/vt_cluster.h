/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the cluster (modparam cluster=1). Nodes running the dialog
 * module with DMQ replication share their calls: each call is owned by
 * one node, the one that managed its INVITE, and only the owner probes,
 * caps and ends it. Every node keeps a copy of the other nodes' calls
 * (owner, generation, facts) from the owners' own DMQ messages
 * (vt_cluster_msg.h), hears the others' heartbeats, and adopts the calls
 * of a node that is gone (or on vos_timer.takeover).
 *
 * One table of calls (owned and copies) and one of nodes, in shm under
 * one lock of their own; never held while calling DMQ, tm, dialog or the
 * store. Operator's view: doc/vos_timer_admin.xml, "Running on a cluster";
 * the design: doc/vos_timer_devel.xml.
 */
#ifndef VT_CLUSTER_H
#define VT_CLUSTER_H

#include <stdint.h>

#include "../../core/str.h"
#include "vt_store.h"

/* modparams */
extern int vt_cluster_enabled;
extern int vt_cluster_heartbeat_ms;
extern int vt_cluster_timeout_ms;

/* mod_init, before the dialog adapter is bound (it may hand restored
 * calls here): check the settings, bind DMQ, register the peer. 0 or -1
 * (logged; start-up stops). Does nothing without cluster=1. */
int vt_cluster_init(void);
void vt_cluster_destroy(void);
int vt_cluster_on(void);

/* This node manages the answered call now: it owns it. state: the call's
 * facts (vt_persist text). Tells the other nodes. */
void vt_cluster_owned(vt_dlg_key_t key, const str *callid, const str *state);
/* The call ended in this node's view (its dialog ended): forget it, and
 * tell the others when it was ours. */
void vt_cluster_ended(vt_dlg_key_t key, const str *callid);
/* A call the dialog module loaded from its database at start-up: kept as
 * a copy owned by this node's previous run, adopted after the start-up
 * grace unless another node claims it first. */
void vt_cluster_restored(vt_dlg_key_t key, const str *callid, const str *state);

/* The timer process, every tick: heartbeats, nodes gone, adoption,
 * resending our calls to a node that came (back), removal of copies whose
 * dialog is gone. */
void vt_cluster_tick(uint64_t now_ms);

/* vos_timer.takeover: adopt the calls owned by node (NULL: by every other
 * node) now. Returns the number adopted, or -1 (unknown node). */
int vt_cluster_takeover(const str *node);

/* Counts for stats and RPC */
typedef struct vt_cluster_counts
{
	unsigned int owned;	  /* calls this node owns */
	unsigned int passive; /* copies of calls other nodes own */
	unsigned int adopted; /* calls adopted since start-up */
	unsigned int nodes_up;
} vt_cluster_counts_t;
void vt_cluster_counts(vt_cluster_counts_t *c);

/* This node's name (its DMQ server_address), or "local" without a
 * cluster. */
void vt_cluster_self(str *name);

/* The owner of a call, by Call-ID: its name copied into buf (NUL
 * terminated), its generation into *gen; 1 found, 0 unknown. */
int vt_cluster_owner(
		const str *callid, char *buf, int size, uint32_t *gen, int *passive);

/* One node of the table, i from 0 (this node) up: 1 filled, 0 no more. */
typedef struct vt_node_view
{
	char name[100];
	int up;
	int self;
	int64_t heard_ms_ago; /* -1: never */
	unsigned int owns;	  /* calls it owns, in this node's view */
} vt_node_view_t;
int vt_cluster_node(int i, vt_node_view_t *out);

#endif
