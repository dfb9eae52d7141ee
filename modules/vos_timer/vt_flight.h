/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the probes in flight that the module sends itself, without a
 * tm transaction (vt_uac.c). A ring of slots in memory the caller gives
 * (shm): one process, the sender, adds probes and runs their timers (RFC
 * 3261 non-INVITE client transaction over UDP: retransmissions at timer E,
 * T1 doubling up to T2, the timeout at timer F); any process claims a
 * slot for the answer that names it. A probe's name on the wire is the
 * branch of its Via, "z9hG4bKvT<slot>.<tag>" (hex): tag is a random
 * number per probe, so a stale or forged answer names no probe in flight.
 *
 * Each slot's state and tag are one 64-bit word changed only atomically:
 * exactly one of the answer and the timeout claims a probe. Slots are
 * queued in send order (all probes share one timer schedule), one cursor
 * per timer step: adding, claiming and running are O(1) per probe, and
 * answered probes leave the queues without a wake-up of their own. Pure
 * C: no Kamailio headers, no clocks, no I/O.
 */
#ifndef VT_FLIGHT_H
#define VT_FLIGHT_H

#include <stddef.h>
#include <stdint.h>

/* Retransmissions per probe at most, and the timeout: the timer steps. */
#define VT_FL_STEPS 16

/* The branch prefix of the module's own probes, and its longest branch. */
#define VT_FL_BRANCH_PREFIX "z9hG4bKvT"
#define VT_FL_BRANCH_MAX 32

/* What the sender needs to know of a probe again (to send it again, or
 * to report its outcome). */
typedef struct vt_flight_probe
{
	uint32_t h_entry, h_id; /* the call's dialog */
	uint32_t cseq;
	uint8_t leg;	/* VT_LEG_CALLER or VT_LEG_CALLEE */
	uint8_t method; /* vt_probe_method_t */
} vt_flight_probe_t;

typedef struct vt_flight_slot
{
	uint64_t word; /* tag << 8 | state (atomic) */
	uint64_t sent_ms;
	vt_flight_probe_t p;
} vt_flight_slot_t;

typedef struct vt_flight
{
	uint32_t size; /* slots, a power of two */
	uint32_t steps;
	uint32_t step_ms[VT_FL_STEPS]; /* after the first send; the last: timeout */
	/* the sender's alone: */
	uint64_t head;				  /* probes added so far */
	uint64_t cursor[VT_FL_STEPS]; /* per step: the next probe to look at */
	vt_flight_slot_t slot[];
} vt_flight_t;

/* Bytes for a ring of size slots. */
size_t vt_flight_bytes(uint32_t size);

/* size: a power of two, 2..2^31; t1_ms > 0, t2_ms >= t1_ms (timer E),
 * timeout_ms > 0 (timer F). 0, or -1 for values out of range. */
int vt_flight_init(vt_flight_t *f, uint32_t size, uint32_t t1_ms,
		uint32_t t2_ms, uint32_t timeout_ms);

/* Sender: a probe sent at now_ms (now_ms never goes back), tag != 0.
 * 0 and *slot; -1 when every slot holds a probe not yet timed out. */
int vt_flight_add(vt_flight_t *f, const vt_flight_probe_t *p, uint32_t tag,
		uint64_t now_ms, uint32_t *slot);

/* Any process: an answer names (slot, tag). 1: the probe was in flight and
 * is now answered, *out is it; 0: no such probe in flight (answered
 * already, timed out, or never sent). */
int vt_flight_answer(
		vt_flight_t *f, uint32_t slot, uint32_t tag, vt_flight_probe_t *out);

/* Sender: for each probe still in flight at one of its retransmission
 * times, cb with expired 0 (send it again, same slot and tag); for one at
 * its timeout, cb with expired 1 (it is claimed: no answer counts now). */
typedef void vt_flight_cb(void *ctx, int expired, uint32_t slot, uint32_t tag,
		const vt_flight_probe_t *p);
void vt_flight_run(
		vt_flight_t *f, uint64_t now_ms, vt_flight_cb *cb, void *ctx);

/* Sender: when vt_flight_run() next has work (VT_NO_DEADLINE: none). */
uint64_t vt_flight_next_ms(vt_flight_t *f);

/* Slots in use (probes not yet behind the timeout step). Any process:
 * a snapshot. */
uint32_t vt_flight_used(const vt_flight_t *f);

/* The branch naming (slot, tag) into buf (VT_FL_BRANCH_MAX bytes at
 * least); its length. */
int vt_flight_branch(char *buf, uint32_t slot, uint32_t tag);
/* A branch: 1 one of ours, *slot and *tag set; 0 not ours (another
 * prefix); -1 our prefix but malformed. */
int vt_flight_parse_branch(
		const char *s, size_t len, uint32_t *slot, uint32_t *tag);

#endif
