/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: timer process. The loop only pops what is due and dispatches
 * it; what a deadline means is decided in vt_policy.c.
 */
#include "../../core/dprint.h"
#include "../../core/receive.h"
#include "../../core/sr_module.h"
#include "../../core/timer_proc.h"

#include "vt_clock.h"
#include "vt_cluster.h"
#include "vt_probe.h"
#include "vt_stats.h"
#include "vt_store.h"
#include "vt_teardown.h"
#include "vt_timer.h"

static void vt_dispatch(const vt_job_t *job)
{
	switch(job->action) {
		case VT_ACT_PROBE:
			vt_probe_run(job);
			break;
		case VT_ACT_TEARDOWN:
		case VT_ACT_TEARDOWN_RETRY:
			vt_teardown_run(job);
			break;
		case VT_ACT_FORGET:
			vt_teardown_forget(job);
			break;
		default:
			break;
	}
}

static void vt_timer_tick(unsigned int ticks, void *param)
{
	uint64_t now_ms = vt_now_ms();
	vt_job_t job;

	while(vt_store_next_due(now_ms, &job) == VT_SR_DONE) {
		if(job.action != VT_ACT_FORGET) {
			uint64_t t = vt_now_ms();
			vt_stats_lateness(vt_ms_since(t, job.due_ms));
		}
		vt_dispatch(&job);
		vt_store_job_clean(&job);
		/* AVPs/XAVPs set by the routes a job ran here (teardown event,
		 * dialog:end, tm:local-request) live in shm, and only the SIP
		 * receive path resets them: not run in this process */
		ksr_msg_env_reset();
	}
	vt_cluster_tick(now_ms);
}

int vt_timer_register(void)
{
	return register_basic_timers(1) < 0 ? -1 : 0;
}

int vt_timer_fork(void)
{
	/* make_sock=1: the process sends SIP (probes and BYEs through tm). */
	if(fork_basic_utimer(PROC_TIMER, "vos_timer deadlines", 1, vt_timer_tick,
			   NULL, VT_TICK_MS * 1000 /* microseconds */)
			< 0) {
		LM_ERR("cannot start the vos_timer timer process\n");
		return -1;
	}
	return 0;
}
