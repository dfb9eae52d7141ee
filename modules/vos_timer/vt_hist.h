/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the deadline-lateness histogram and the probe-burst tracker
 * behind the statistics (pure C: unit-tested on its own). Lateness is how
 * long after its computed time a deadline's work (a probe round, a
 * teardown) started in the timer process.
 */
#ifndef VT_HIST_H
#define VT_HIST_H

#include <stdint.h>

/* Buckets: <= 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000 ms, > 2000. */
#define VT_HIST_BUCKETS 12

/* Upper bound of bucket i in ms (the last one: UINT32_MAX). */
uint32_t vt_hist_upper_ms(int i);
/* Statistic name of bucket i: "lateness_le_1ms" ... "lateness_gt_2000ms". */
const char *vt_hist_name(int i);
/* The bucket a lateness falls in. */
int vt_hist_bucket(uint64_t late_ms);
/* The p-th percentile (0 < p <= 100) as the upper bound of the bucket that
 * holds it (for the last bucket: 2001, meaning "more than 2000"); -1 when
 * there are no samples. */
long vt_hist_percentile(const uint64_t counts[VT_HIST_BUCKETS], double p);

/* Largest number of events in any 100 ms slice of the clock. */
typedef struct vt_peak
{
	uint64_t slice; /* now_ms / 100 of the current slice */
	uint32_t count; /* events in it */
	uint32_t peak;	/* the largest count of any slice so far */
} vt_peak_t;

/* Count one event at now_ms (non-decreasing); returns the peak. */
uint32_t vt_peak_add(vt_peak_t *pk, uint64_t now_ms);

/* Late work of the deadline process, summed for a warning at most once
 * per VT_LATE_WARN_EVERY_MS: work started more than VT_LATE_MS after its
 * time is late. */
#define VT_LATE_MS 100
#define VT_LATE_WARN_EVERY_MS 60000
typedef struct vt_late
{
	uint64_t since_ms;	/* start of the span summed (the last warning) */
	uint64_t warned_ms; /* the last warning, 0: never */
	uint32_t jobs;		/* late deadlines in the span */
	uint32_t probes;	/* probe requests (legs) among them */
	uint64_t worst_ms;	/* the latest of them */
} vt_late_t;

void vt_late_init(vt_late_t *l, uint64_t now_ms);
/* A deadline's work started late_ms after its time; probes: the probe
 * requests it sends (0 for other work). 1 if that is late. */
int vt_late_note(vt_late_t *l, uint64_t late_ms, unsigned int probes);
/* 1 when a warning is due at now_ms: late work in the span, and the last
 * warning VT_LATE_WARN_EVERY_MS ago or none yet. */
int vt_late_warn_due(const vt_late_t *l, uint64_t now_ms);
/* The span's length in whole seconds (for the warning's text). */
unsigned int vt_late_span_s(const vt_late_t *l, uint64_t now_ms);
/* The warning was logged: a new span starts at now_ms. */
void vt_late_warned(vt_late_t *l, uint64_t now_ms);

#endif
