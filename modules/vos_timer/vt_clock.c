/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the clocks (see vt_clock.h). Pure C.
 */
#include <time.h>

#include "vt_clock.h"

static uint64_t read_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t vt_now_ms(void)
{
	return read_ms(CLOCK_MONOTONIC);
}

uint64_t vt_now_unix_ms(void)
{
	return read_ms(CLOCK_REALTIME);
}
