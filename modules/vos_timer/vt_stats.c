/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: counters. Teardowns are plain per-process counters (summed on
 * read); the managed-call gauges read the store's exact counts.
 */
#include "../../core/counters.h"
#include "../../core/dprint.h"
#include "../../core/mem/shm_mem.h"

#include "vt_clock.h"
#include "vt_cluster.h"
#include "vt_hist.h"
#include "vt_stats.h"
#include "vt_store.h"

static counter_handle_t vt_cnt_teardown[VT_REASON__COUNT];
static counter_handle_t vt_cnt_probe[VT_PS__COUNT];
static counter_handle_t vt_cnt_late[VT_HIST_BUCKETS];
static counter_handle_t vt_cnt_probes_late;

/* Written by the timer process only (it runs the deadlines and sends the
 * probes), read by any: plain aligned words. */
typedef struct vt_stats_shm
{
	volatile uint32_t late_max_ms;
	volatile uint32_t probes_peak_100ms;
} vt_stats_shm_t;
static vt_stats_shm_t *vt_sshm = NULL;
/* the timer process's own burst tracker */
static vt_peak_t vt_probe_peak;

enum
{
	VT_G_ALL,
	VT_G_EARLY,
	VT_G_TIMER,
	VT_G_NON_TIMER,
	VT_G_TEARDOWN,
	VT_G_RESTORED
};

static counter_val_t gauge(counter_handle_t h, void *param)
{
	vt_store_counts_t c;

	vt_store_counts(&c);
	switch((long)param) {
		case VT_G_EARLY:
			return c.early;
		case VT_G_TIMER:
			return c.timer;
		case VT_G_NON_TIMER:
			return c.non_timer;
		case VT_G_TEARDOWN:
			return c.teardown;
		case VT_G_RESTORED:
			return c.restored;
		default:
			return (counter_val_t)c.early + c.timer + c.non_timer + c.teardown;
	}
}

static counter_val_t cluster_gauge(counter_handle_t h, void *param)
{
	vt_cluster_counts_t c;

	vt_cluster_counts(&c);
	switch((long)param) {
		case 0:
			return c.owned;
		case 1:
			return c.passive;
		default:
			return c.adopted;
	}
}

static counter_val_t shm_gauge(counter_handle_t h, void *param)
{
	if(vt_sshm == NULL)
		return 0;
	return (long)param == 0 ? vt_sshm->late_max_ms : vt_sshm->probes_peak_100ms;
}

static counter_def_t vt_counter_defs[] = {
		{0, "managed_calls", 0, gauge, (void *)VT_G_ALL,
				"calls under management now"},
		{0, "managed_early", 0, gauge, (void *)VT_G_EARLY,
				"managed calls not answered yet"},
		{0, "managed_timer", 0, gauge, (void *)VT_G_TIMER,
				"answered calls in timer mode"},
		{0, "managed_non_timer", 0, gauge, (void *)VT_G_NON_TIMER,
				"answered calls in non-timer mode"},
		{0, "managed_in_teardown", 0, gauge, (void *)VT_G_TEARDOWN,
				"calls the module is ending"},
		{0, "restored", 0, gauge, (void *)VT_G_RESTORED,
				"calls re-armed from the dialog database at start-up"},
		{&vt_cnt_teardown[VT_REASON_SESSION_EXPIRED],
				"teardown_session_expired", 0, 0, 0,
				"calls ended: window unconfirmed"},
		{&vt_cnt_teardown[VT_REASON_LEG_GONE], "teardown_leg_gone", 0, 0, 0,
				"calls ended: a leg answered 481"},
		{&vt_cnt_teardown[VT_REASON_NO_TIMER_LIMIT], "teardown_no_timer_limit",
				0, 0, 0, "calls ended: no_timer_limit reached"},
		{&vt_cnt_teardown[VT_REASON_ADMIN], "teardown_admin", 0, 0, 0,
				"calls ended by vos_timer.hangup"},
		{&vt_cnt_probe[VT_PS_SENT], "probes_sent", 0, 0, 0,
				"probe requests sent (one per leg)"},
		{&vt_cnt_probe[VT_PS_CONFIRMED], "probes_confirmed", 0, 0, 0,
				"probes answered with a code that confirms the leg"},
		{&vt_cnt_probe[VT_PS_FAILED], "probes_failed", 0, 0, 0,
				"probes answered 408 or 481, timed out, or not sendable"},
		{&vt_cnt_probe[VT_PS_RESENT], "probes_resent", 0, 0, 0,
				"retransmissions of the probes sent without tm"},
		{&vt_cnt_probe[VT_PS_OWN], "probes_stateless", 0, 0, 0,
				"probes sent by the module itself, without tm (of "
				"probes_sent)"},
		{&vt_cnt_probe[VT_PS_PPORT], "probe_port_answers", 0, 0, 0,
				"answers to probes read on probe_port by the deadline "
				"process"},
		{&vt_cnt_probes_late, "probes_late", 0, 0, 0,
				"probe requests sent more than 100 ms after their time"},
		{0, "probes_peak_100ms", 0, shm_gauge, (void *)1,
				"most probes sent in any 100 ms slice since start-up"},
		{0, "lateness_max_ms", 0, shm_gauge, (void *)0,
				"latest start of a deadline's work (probe, teardown), in ms"},
		{0, "cluster_owned", 0, cluster_gauge, (void *)0,
				"answered calls this cluster node owns (probes, caps, ends)"},
		{0, "cluster_passive", 0, cluster_gauge, (void *)1,
				"copies of calls other cluster nodes own"},
		{0, "cluster_adopted", 0, cluster_gauge, (void *)2,
				"calls adopted from other cluster nodes since start-up"},
		{0, 0, 0, 0, 0, 0}};

/* One counter per lateness bucket; names from vt_hist.c. */
static counter_def_t vt_late_defs[VT_HIST_BUCKETS + 1];

int vt_stats_init(void)
{
	int i;

	for(i = 0; i < VT_HIST_BUCKETS; i++) {
		vt_late_defs[i].handle = &vt_cnt_late[i];
		vt_late_defs[i].name = (char *)vt_hist_name(i);
		vt_late_defs[i].descr = "deadlines whose work started this late";
	}
	if(counter_register_array("vos_timer", vt_counter_defs) < 0
			|| counter_register_array("vos_timer", vt_late_defs) < 0) {
		LM_ERR("cannot register the vos_timer counters\n");
		return -1;
	}
	vt_sshm = shm_malloc(sizeof(*vt_sshm));
	if(vt_sshm == NULL) {
		SHM_MEM_ERROR;
		return -1;
	}
	vt_sshm->late_max_ms = 0;
	vt_sshm->probes_peak_100ms = 0;
	return 0;
}

void vt_stats_destroy(void)
{
	if(vt_sshm) {
		shm_free(vt_sshm);
		vt_sshm = NULL;
	}
}

void vt_stats_lateness(uint64_t late_ms)
{
	counter_inc(vt_cnt_late[vt_hist_bucket(late_ms)]);
	if(vt_sshm && late_ms > vt_sshm->late_max_ms)
		vt_sshm->late_max_ms =
				late_ms > UINT32_MAX ? UINT32_MAX : (uint32_t)late_ms;
}

void vt_stats_lateness_summary(long *p50, long *p99, long *max)
{
	uint64_t c[VT_HIST_BUCKETS];
	int i;

	for(i = 0; i < VT_HIST_BUCKETS; i++)
		c[i] = (uint64_t)counter_get_val(vt_cnt_late[i]);
	*p50 = vt_hist_percentile(c, 50);
	*p99 = vt_hist_percentile(c, 99);
	*max = vt_sshm ? (long)vt_sshm->late_max_ms : -1;
}

long vt_stats_probes_peak(void)
{
	return vt_sshm ? (long)vt_sshm->probes_peak_100ms : 0;
}

void vt_stats_teardown(vt_reason_t r)
{
	if(r > VT_REASON_NONE && r < VT_REASON__COUNT)
		counter_inc(vt_cnt_teardown[r]);
}

long vt_stats_teardowns(vt_reason_t r)
{
	if(r > VT_REASON_NONE && r < VT_REASON__COUNT)
		return counter_get_val(vt_cnt_teardown[r]);
	return 0;
}

void vt_stats_probe(vt_probe_stat_t what)
{
	uint32_t peak;

	if(what >= 0 && what < VT_PS__COUNT)
		counter_inc(vt_cnt_probe[what]);
	if(what == VT_PS_SENT && vt_sshm) {
		/* only the timer process sends probes */
		peak = vt_peak_add(&vt_probe_peak, vt_now_ms());
		if(peak > vt_sshm->probes_peak_100ms)
			vt_sshm->probes_peak_100ms = peak;
	}
}

void vt_stats_probes_late(unsigned int n)
{
	counter_add(vt_cnt_probes_late, (int)n);
}

long vt_stats_probes_late_total(void)
{
	return counter_get_val(vt_cnt_probes_late);
}

long vt_stats_probes(vt_probe_stat_t what)
{
	if(what >= 0 && what < VT_PS__COUNT)
		return counter_get_val(vt_cnt_probe[what]);
	return 0;
}
