/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: when the deadline process runs, and which runs are probe
 * runs. Pure C: no Kamailio headers, no clocks; the caller passes the
 * time, in milliseconds.
 *
 * A probe run takes the probes due up to VT_PROBE_LEAD_MS ahead, and
 * probe runs are VT_PROBE_TICK_MS apart: each takes the probes that fell
 * due in the 100 ms after the last one's reach, so a clock-aligned 100 ms
 * on the wire holds one run's probes. A run in between (woken for a
 * probe's retransmission, a teardown, the cluster's tick) takes only
 * what is due, and does not move the next probe run: the calls a run
 * probes are answered together and fall due together a round later, so
 * a probe run pushed back, which takes more than 100 ms of probes, keeps
 * that larger batch round after round.
 */
#ifndef VT_RUNS_H
#define VT_RUNS_H

#include <stdint.h>

#include "vt_policy.h"

/* The deadline process runs at most once per tick: work due within a
 * tick goes out together, and deadlines are met within one tick (unless
 * more is due than the process can send). */
#define VT_TICK_MS 50
/* When the next thing due is a probe, it runs no sooner than this long
 * after the last probe run: the probes due up to VT_PROBE_LEAD_MS ahead
 * go out in the same run (vt_policy.h), so at low load it wakes half as
 * often, and a probe is still at most one tick late. */
#define VT_PROBE_TICK_MS (VT_TICK_MS + VT_PROBE_LEAD_MS)
/* With nothing due, it still wakes this often (cfg framework updates). */
#define VT_IDLE_MAX_MS 1000

typedef struct vt_runs
{
	uint64_t probe_run_ms; /* when the last probe run began */
	int probed;			   /* 0: no probe run yet */
} vt_runs_t;

void vt_runs_init(vt_runs_t *r);

/* A run begins at start_ms: 1 if it is a probe run (the first, or one
 * VT_PROBE_TICK_MS or more after the last), 0 if it may take only what
 * is due. */
int vt_runs_begin(vt_runs_t *r, uint64_t start_ms);

/* When the next probe run may begin: VT_PROBE_TICK_MS after the last
 * one, whatever ran in between (call after vt_runs_begin()). */
uint64_t vt_runs_next_probe_ms(const vt_runs_t *r);

#endif
