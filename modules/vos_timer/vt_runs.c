/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the deadline process's probe runs (see vt_runs.h).
 */
#include "vt_runs.h"

void vt_runs_init(vt_runs_t *r)
{
	r->probe_run_ms = 0;
	r->probed = 0;
}

int vt_runs_begin(vt_runs_t *r, uint64_t start_ms)
{
	if(r->probed && start_ms < r->probe_run_ms + VT_PROBE_TICK_MS)
		return 0;
	r->probe_run_ms = start_ms;
	r->probed = 1;
	return 1;
}

/* Counted from the last probe run only: a run in between began after
 * it and before the next, so this is after that run too. */
uint64_t vt_runs_next_probe_ms(const vt_runs_t *r)
{
	return r->probe_run_ms + VT_PROBE_TICK_MS;
}
