/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the deadline process. The loop only takes what is due and
 * dispatches it; what a deadline means is decided in vt_policy.c.
 *
 * It sleeps until the earliest deadline (poll() on a pipe), never sooner
 * than VT_TICK_MS after its last run began; when that is a probe, which
 * may run VT_PROBE_LEAD_MS early, until the next probe run (vt_runs.h:
 * VT_PROBE_TICK_MS after the last, whatever ran in between): work due
 * within one tick goes out together, and with no calls the process does
 * not wake at all (once
 * per VT_IDLE_MAX_MS, for the cfg framework). A process that arms a
 * deadline earlier than the planned wake-up writes a byte to the pipe
 * (vt_store_set_waker()). With cluster=1 it wakes every tick: heartbeats
 * and node timeouts run here. With a probe port it reads the answers
 * waiting there each time it wakes, and sleeps no longer than
 * VT_PROBE_TICK_MS while one of its probes is unanswered.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../core/cfg/cfg_struct.h"
#include "../../core/dprint.h"
#include "../../core/pt.h"
#include "../../core/receive.h"
#include "../../core/sr_module.h"

#include "vt_clock.h"
#include "vt_cluster.h"
#include "vt_hist.h"
#include "vt_probe.h"
#include "vt_runs.h"
#include "vt_stats.h"
#include "vt_store.h"
#include "vt_teardown.h"
#include "vt_uac.h"
#include "vt_timer.h"

/* Jobs taken per hold of the store lock, and their Call-IDs' room: a
 * Call-ID is at most 65535 bytes, so one always fits. Process-local
 * (.bss: no pkg memory, and untouched in the other processes). */
#define VT_BATCH 256
#define VT_BATCH_BUF (128 * 1024)
/* One run sends at most this long before the loop's own chores (cluster
 * heartbeats, cfg updates) get a turn; then it goes on without sleeping. */
#define VT_RUN_MAX_MS 250

static vt_job_t vt_jobs[VT_BATCH];
static char vt_job_buf[VT_BATCH_BUF];
static int vt_wake_pipe[2] = {-1, -1};
static vt_late_t vt_late;

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

static void job_started(const vt_job_t *job)
{
	uint64_t late;
	unsigned int probes;

	if(job->action == VT_ACT_FORGET)
		return;
	late = vt_ms_since(vt_now_ms(), job->due_ms);
	vt_stats_lateness(late);
	probes = job->action == VT_ACT_PROBE ? vt_leg_count(job->legs) : 0;
	if(vt_late_note(&vt_late, late, probes) && probes > 0)
		vt_stats_probes_late(probes);
}

/* Everything due (take: and the probes that may go early), in batches,
 * for at most VT_RUN_MAX_MS. */
static void run_due(uint64_t start_ms, vt_take_t take)
{
	uint64_t now_ms = start_ms;
	int n, i;

	do {
		n = vt_store_take_due(now_ms, take, vt_jobs, VT_BATCH, vt_job_buf,
				sizeof(vt_job_buf));
		for(i = 0; i < n; i++) {
			job_started(&vt_jobs[i]);
			vt_dispatch(&vt_jobs[i]);
			vt_store_job_clean(&vt_jobs[i]);
			/* AVPs/XAVPs set by the routes a job ran here (teardown
			 * event, dialog:end, tm:local-request) live in shm, and only
			 * the SIP receive path resets them: not run in this process */
			ksr_msg_env_reset();
		}
		now_ms = vt_now_ms();
	} while(n > 0 && now_ms - start_ms < VT_RUN_MAX_MS);
	if(vt_late_warn_due(&vt_late, now_ms)) {
		LM_WARN("%u deadlines started more than %d ms late in the last "
				"%u s (%u probes; the latest %llu ms): the deadline process "
				"cannot keep up; calls are judged only once the probes sent "
				"have their answer or tm's timeout\n",
				vt_late.jobs, VT_LATE_MS, vt_late_span_s(&vt_late, now_ms),
				vt_late.probes, (unsigned long long)vt_late.worst_ms);
		vt_late_warned(&vt_late, now_ms);
	}
}

/* Any process: the deadline process must wake now. */
static void vt_timer_wake(void)
{
	char b = 0;

	/* non-blocking: a full pipe means a wake-up is pending anyway */
	if(write(vt_wake_pipe[1], &b, 1) < 0 && errno != EAGAIN && errno != EINTR)
		LM_DBG("cannot wake the deadline process: %d\n", errno);
}

/* Sleep until wake_ms or until woken through the pipe. */
static void sleep_until(uint64_t now_ms, uint64_t wake_ms)
{
	struct pollfd p;
	char b[64];

	p.fd = vt_wake_pipe[0];
	p.events = POLLIN;
	p.revents = 0;
	if(poll(&p, 1, (int)(wake_ms - now_ms)) > 0 && (p.revents & POLLIN))
		while(read(vt_wake_pipe[0], b, sizeof(b)) > 0)
			;
}

static void vt_timer_loop(void)
{
	uint64_t start_ms, now_ms, wake_ms, cap_ms, fl_ms, probe_floor_ms;
	vt_runs_t runs;
	vt_take_t take;

	vt_runs_init(&runs);
	vt_late_init(&vt_late, vt_now_ms());
	for(;;) {
		cfg_update();
		start_ms = vt_now_ms();
		/* Probes go early only in a probe run (vt_runs.h): a run in
		 * between takes only what is due, and the early probes wait for
		 * the next probe run, so a window of 100 ms never holds more than
		 * one run's probes plus what fell due in between. */
		take = vt_runs_begin(&runs, start_ms) ? VT_TAKE_EARLY_PROBES
											  : VT_TAKE_DUE;
		/* answers waiting on the probe port first: a verdict or a
		 * retransmission must not come before an answer already here */
		vt_uac_read_answers();
		run_due(start_ms, take);
		vt_uac_read_answers();
		vt_uac_run(vt_now_ms());
		vt_cluster_tick(vt_now_ms());
		/* the next run: at the earliest deadline, not before a tick after
		 * this one began (for a probe: the next probe run); without
		 * deadlines, VT_IDLE_MAX_MS */
		cap_ms = start_ms + (vt_cluster_on() ? VT_TICK_MS : VT_IDLE_MAX_MS);
		probe_floor_ms = vt_runs_next_probe_ms(&runs);
		for(;;) {
			wake_ms =
					vt_store_plan_sleep(start_ms + VT_TICK_MS, probe_floor_ms);
			/* the module's own probes' retransmissions and timeouts */
			fl_ms = vt_uac_next_ms();
			if(fl_ms < wake_ms)
				wake_ms = fl_ms > start_ms + VT_TICK_MS ? fl_ms
														: start_ms + VT_TICK_MS;
			if(wake_ms > cap_ms)
				wake_ms = cap_ms;
			/* the probe port's answers are read when it wakes: not later
			 * than a probe run's spacing while a probe awaits one */
			if(wake_ms > start_ms + VT_PROBE_TICK_MS && fl_ms != VT_NO_DEADLINE
					&& vt_uac_reads_answers())
				wake_ms = start_ms + VT_PROBE_TICK_MS;
			now_ms = vt_now_ms();
			if(now_ms >= wake_ms)
				break;
			sleep_until(now_ms, wake_ms);
		}
	}
}

int vt_timer_register(void)
{
	if(pipe(vt_wake_pipe) < 0 || fcntl(vt_wake_pipe[0], F_SETFL, O_NONBLOCK) < 0
			|| fcntl(vt_wake_pipe[1], F_SETFL, O_NONBLOCK) < 0) {
		LM_ERR("cannot make the deadline process's wake-up pipe: %d\n", errno);
		return -1;
	}
	vt_store_set_waker(vt_timer_wake);
	if(register_procs(1) < 0)
		return -1;
	cfg_register_child(1);
	return 0;
}

int vt_timer_fork(void)
{
	int pid;

	/* make_sock=1: the process sends SIP (probes and BYEs through tm). */
	pid = fork_process(PROC_TIMER, "vos_timer deadlines", 1);
	if(pid < 0) {
		LM_ERR("cannot start the vos_timer deadline process\n");
		return -1;
	}
	if(pid == 0) {
		if(cfg_child_init())
			exit(-1);
		vt_uac_become_sender();
		vt_timer_loop();
		exit(-1);
	}
	return 0;
}
