/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: time. Pure C (no Kamailio headers). Every deadline is a
 * monotonic millisecond count shared by all processes; the wall clock
 * only dates what outlives a restart. Deadline arithmetic saturates:
 * VT_NO_DEADLINE ("never") is the largest value, and no sum wraps past it
 * into the past.
 */
#ifndef VT_CLOCK_H
#define VT_CLOCK_H

#include <stdint.h>

#define VT_NO_DEADLINE UINT64_MAX

/* Monotonic clock, ms (CLOCK_MONOTONIC: the same in every process). */
uint64_t vt_now_ms(void);
/* Wall clock, ms since the epoch (what outlives a restart). */
uint64_t vt_now_unix_ms(void);

/* base + delta, VT_NO_DEADLINE where the sum would wrap. */
static inline uint64_t vt_deadline_add_ms(uint64_t base_ms, uint64_t delta_ms)
{
	return (base_ms > UINT64_MAX - delta_ms) ? UINT64_MAX : base_ms + delta_ms;
}

/* now - since, 0 when since is later (a time read before another process
 * stamped since): an age never wraps to a huge one. */
static inline uint64_t vt_ms_since(uint64_t now_ms, uint64_t since_ms)
{
	return now_ms > since_ms ? now_ms - since_ms : 0;
}

#endif
