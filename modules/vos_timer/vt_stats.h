/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: statistics, on Kamailio's counters API (group "vos_timer"), so
 * they show in `kamcmd stats.get_statistics vos_timer:` and in exporters.
 */
#ifndef VT_STATS_H
#define VT_STATS_H

#include <stdint.h>

#include "vt_policy.h"

/* mod_init (before the fork). */
int vt_stats_init(void);
void vt_stats_teardown(vt_reason_t r);
long vt_stats_teardowns(vt_reason_t r);

typedef enum vt_probe_stat
{
	VT_PS_SENT = 0,
	VT_PS_CONFIRMED, /* answered with a code that confirms the leg */
	VT_PS_FAILED,	 /* 408, 481, or not sendable */
	VT_PS_RESENT,	 /* a probe of the module's own sent again */
	VT_PS_OWN,		 /* sent by the module itself, without tm */
	VT_PS_PPORT,	 /* an answer read on the probe port */
	VT_PS__COUNT
} vt_probe_stat_t;
void vt_stats_probe(vt_probe_stat_t what);
long vt_stats_probes(vt_probe_stat_t what);

void vt_stats_destroy(void);
/* The timer process: a deadline's work started late_ms after its time. */
void vt_stats_lateness(uint64_t late_ms);
/* p50 and p99 (bucket upper bounds, -1: no samples) and max, in ms. */
void vt_stats_lateness_summary(long *p50, long *p99, long *max);
/* The deadline process: n probe requests went out more than VT_LATE_MS
 * after their time (it fell behind). */
void vt_stats_probes_late(unsigned int n);
long vt_stats_probes_late_total(void);
/* Most probes sent in any 100 ms slice since start-up. */
long vt_stats_probes_peak(void);

#endif
