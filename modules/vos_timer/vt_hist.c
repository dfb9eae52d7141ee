/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: lateness histogram and probe-burst tracker (see vt_hist.h).
 */
#include "vt_hist.h"

static const uint32_t upper[VT_HIST_BUCKETS] = {
		1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, UINT32_MAX};

static const char *names[VT_HIST_BUCKETS] = {"lateness_le_1ms",
		"lateness_le_2ms", "lateness_le_5ms", "lateness_le_10ms",
		"lateness_le_20ms", "lateness_le_50ms", "lateness_le_100ms",
		"lateness_le_200ms", "lateness_le_500ms", "lateness_le_1000ms",
		"lateness_le_2000ms", "lateness_gt_2000ms"};

uint32_t vt_hist_upper_ms(int i)
{
	return (i >= 0 && i < VT_HIST_BUCKETS) ? upper[i] : UINT32_MAX;
}

const char *vt_hist_name(int i)
{
	return (i >= 0 && i < VT_HIST_BUCKETS) ? names[i] : "";
}

int vt_hist_bucket(uint64_t late_ms)
{
	int i;

	for(i = 0; i < VT_HIST_BUCKETS - 1; i++)
		if(late_ms <= upper[i])
			return i;
	return VT_HIST_BUCKETS - 1;
}

long vt_hist_percentile(const uint64_t counts[VT_HIST_BUCKETS], double p)
{
	uint64_t total = 0, seen = 0, rank;
	int i;

	for(i = 0; i < VT_HIST_BUCKETS; i++)
		total += counts[i];
	if(total == 0 || p <= 0)
		return -1;
	if(p > 100)
		p = 100;
	/* the smallest bucket holding at least ceil(p% of total) samples */
	rank = (uint64_t)((double)total * p / 100.0);
	if((double)rank < (double)total * p / 100.0)
		rank++;
	if(rank == 0)
		rank = 1;
	for(i = 0; i < VT_HIST_BUCKETS; i++) {
		seen += counts[i];
		if(seen >= rank)
			break;
	}
	if(i >= VT_HIST_BUCKETS - 1)
		return (long)upper[VT_HIST_BUCKETS - 2] + 1;
	return (long)upper[i];
}

uint32_t vt_peak_add(vt_peak_t *pk, uint64_t now_ms)
{
	uint64_t slice = now_ms / 100;

	if(slice != pk->slice) {
		pk->slice = slice;
		pk->count = 0;
	}
	pk->count++;
	if(pk->count > pk->peak)
		pk->peak = pk->count;
	return pk->peak;
}

void vt_late_init(vt_late_t *l, uint64_t now_ms)
{
	l->since_ms = now_ms;
	l->warned_ms = 0;
	l->jobs = 0;
	l->probes = 0;
	l->worst_ms = 0;
}

int vt_late_note(vt_late_t *l, uint64_t late_ms, unsigned int probes)
{
	if(late_ms <= VT_LATE_MS)
		return 0;
	if(l->jobs < UINT32_MAX)
		l->jobs++;
	l->probes =
			probes > UINT32_MAX - l->probes ? UINT32_MAX : l->probes + probes;
	if(late_ms > l->worst_ms)
		l->worst_ms = late_ms;
	return 1;
}

int vt_late_warn_due(const vt_late_t *l, uint64_t now_ms)
{
	return l->jobs > 0
		   && (l->warned_ms == 0
				   || now_ms - l->warned_ms >= VT_LATE_WARN_EVERY_MS);
}

unsigned int vt_late_span_s(const vt_late_t *l, uint64_t now_ms)
{
	return now_ms > l->since_ms ? (unsigned int)((now_ms - l->since_ms) / 1000)
								: 0;
}

void vt_late_warned(vt_late_t *l, uint64_t now_ms)
{
	vt_late_init(l, now_ms);
	l->warned_ms = now_ms;
}
