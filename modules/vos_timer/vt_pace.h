/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: pacing of the probes the module sends itself (vt_uac.c), a
 * token bucket. At most `burst` datagrams leave back to back; then `rate`
 * per second. A probe waits only when more are due at once than the
 * bucket holds: a tick's probes within its depth never wait (a pause
 * costs a wake-up, and splits the answers' bursts in the SIP workers).
 * Pure C: no Kamailio headers, no clocks; the caller passes the time, in
 * milliseconds.
 */
#ifndef VT_PACE_H
#define VT_PACE_H

#include <stdint.h>

typedef struct vt_pace
{
	uint64_t cap;	/* the bucket's depth, in 1/1000 of a token */
	uint64_t level; /* what it holds, in 1/1000 of a token */
	uint64_t ms;	/* when it was counted */
	uint32_t rate;	/* tokens per second; 0: no pacing */
} vt_pace_t;

/* A full bucket of burst tokens, refilled at rate per second (0: every
 * take succeeds). 0 on success, -1 if burst is 0. */
int vt_pace_init(vt_pace_t *p, uint32_t burst, uint32_t rate, uint64_t now_ms);

/* Take a token at now_ms: 1 if one was there (send now), 0 if the sender
 * must wait (a millisecond earns rate / 1000 tokens). */
int vt_pace_take(vt_pace_t *p, uint64_t now_ms);

#endif
