/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: what the nodes of a cluster tell each other over DMQ, and the
 * rules that decide who owns a call. Pure C, no Kamailio headers: the text
 * form is unit-tested and fuzzed (every message comes from the network).
 *
 * A message is a KDMQ request to the "vos_timer" DMQ peer with a text
 * body: a head line, then one line per call (at most VT_CM_BODY_MAX bytes
 * in all, so that a message fits one UDP datagram):
 *
 *   vos_timer 1 hb sip:10.0.0.1:5060 1764078000123
 *   vos_timer 1 own sip:10.0.0.1:5060 1764078000123
 *   2 sip:10.0.0.2:5060 1234 5678 a84b4c76e66710 v=1;mode=timer;...
 *   vos_timer 1 end sip:10.0.0.1:5060 1764078000123
 *   1234 5678 a84b4c76e66710
 *   vos_timer 1 need sip:10.0.0.2:5060 1764078000456
 *   1234 5678 a84b4c76e66710
 *
 * Head: format version, kind, the sender's node name (its DMQ
 * server_address) and boot id (its start time, ms since the epoch: a new
 * one means the node restarted). "own" lines: generation, owner node,
 * the dialog's h_entry and h_id, Call-ID, the call's facts
 * (vt_persist.h). "end" and "need" lines: h_entry, h_id, Call-ID. Fields are
 * separated by one space and hold no white space or control characters.
 */
#ifndef VT_CLUSTER_MSG_H
#define VT_CLUSTER_MSG_H

#include <stddef.h>
#include <stdint.h>

#define VT_CM_VERSION 1
/* Largest body written; a longer one received is refused. */
#define VT_CM_BODY_MAX 1200
/* Longest node name (a SIP URI) */
#define VT_CM_NODE_MAX 96

typedef enum vt_cm_kind
{
	VT_CM_HB = 1, /* heartbeat: the sender is up */
	VT_CM_OWN,	  /* the owner of each call below, and its facts */
	VT_CM_END,	  /* the calls below have ended at their owner */
	VT_CM_NEED	  /* the sender's copy of these calls' dialogs is not
				   * confirmed: their owner sends the dialogs again */
} vt_cm_kind_t;

typedef struct vt_cm_str
{
	const char *s;
	size_t len;
} vt_cm_str_t;

typedef struct vt_cm_head
{
	vt_cm_kind_t kind;
	vt_cm_str_t node;
	uint64_t boot;
} vt_cm_head_t;

typedef struct vt_cm_call
{
	uint32_t gen; /* own */
	vt_cm_str_t owner;
	unsigned int h_entry;
	unsigned int h_id;
	vt_cm_str_t callid;
	vt_cm_str_t state; /* own */
} vt_cm_call_t;

/* "hb", "own", "end", "need" */
const char *vt_cm_kind_name(vt_cm_kind_t k);

/* A token can travel in a message: 1..max bytes of printable non-space
 * ASCII (and bytes >= 0x80). */
int vt_cm_token_ok(const char *s, size_t len, size_t max);

/* Write the head line into buf; returns the length, or -1 when the node
 * name is not a valid token or it does not fit. */
int vt_cm_head_write(char *buf, size_t size, vt_cm_kind_t kind,
		const char *node, size_t node_len, uint64_t boot);

/* Append one call line (an "own" line when kind is VT_CM_OWN, else an
 * "end"/"need" line) to the message of length len in buf. Returns the new
 * length; -1 when it would pass size (send the message and start a new
 * one); -2 when a field is not a valid token (never sendable). "end"
 * and "need" lines are alike. */
int vt_cm_call_write(char *buf, size_t size, size_t len, vt_cm_kind_t kind,
		const vt_cm_call_t *c);

/* Parse the head line of body; *pos is set past it. 0, or -1 (not a
 * vos_timer message of this version, or malformed). */
int vt_cm_head_parse(
		const char *body, size_t len, vt_cm_head_t *h, size_t *pos);

/* The next call line from *pos for a message of this kind. 1 (*c filled,
 * pointing into body), 0 at the end, -1 malformed (stop reading: what
 * came before is valid). */
int vt_cm_call_parse(const char *body, size_t len, size_t *pos,
		vt_cm_kind_t kind, vt_cm_call_t *c);

/* Ownership: does claim a (generation, owner name) win over claim b?
 * The higher generation wins; at equal generations the smaller owner name
 * (bytewise) wins, so that two nodes that adopted the same call at once
 * agree on one of them without talking again. A claim never wins over
 * itself. */
int vt_cm_claim_wins(uint32_t gen_a, const vt_cm_str_t *owner_a, uint32_t gen_b,
		const vt_cm_str_t *owner_b);

/* Of the nodes that are up (self included), the one that adopts a gone
 * node's calls: the smallest name. 1 when self is that node. */
int vt_cm_is_adopter(const vt_cm_str_t *self, const vt_cm_str_t *up, int n);

/* Is a node last heard at heard_ms gone at now_ms (silent for more than
 * timeout_ms)? A heartbeat heard after now_ms was read (another process
 * took it meanwhile) is no silence. */
int vt_cm_node_gone(uint64_t now_ms, uint64_t heard_ms, uint64_t timeout_ms);

#endif
