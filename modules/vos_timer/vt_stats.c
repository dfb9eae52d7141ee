/*
 * vos_timer: counters. Teardowns are plain per-process counters (summed on
 * read); the managed-call gauges read the store's exact counts.
 */
#include "../../core/counters.h"
#include "../../core/dprint.h"

#include "vt_stats.h"
#include "vt_store.h"

static counter_handle_t vt_cnt_teardown[VT_REASON__COUNT];
static counter_handle_t vt_cnt_probe[VT_PS__COUNT];

enum { VT_G_ALL, VT_G_EARLY, VT_G_TIMER, VT_G_NON_TIMER, VT_G_TEARDOWN };

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
		default:
			return (counter_val_t)c.early + c.timer + c.non_timer + c.teardown;
	}
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
	{&vt_cnt_teardown[VT_REASON_SESSION_EXPIRED], "teardown_session_expired",
			0, 0, 0, "calls ended: window unconfirmed"},
	{&vt_cnt_teardown[VT_REASON_LEG_GONE], "teardown_leg_gone", 0, 0, 0,
			"calls ended: a leg answered 481"},
	{&vt_cnt_teardown[VT_REASON_NO_TIMER_LIMIT], "teardown_no_timer_limit", 0,
			0, 0, "calls ended: no_timer_limit reached"},
	{&vt_cnt_teardown[VT_REASON_ADMIN], "teardown_admin", 0, 0, 0,
			"calls ended by vos_timer.hangup"},
	{&vt_cnt_probe[VT_PS_SENT], "probes_sent", 0, 0, 0,
			"probe requests sent (one per leg)"},
	{&vt_cnt_probe[VT_PS_CONFIRMED], "probes_confirmed", 0, 0, 0,
			"probes answered with a code that confirms the leg"},
	{&vt_cnt_probe[VT_PS_FAILED], "probes_failed", 0, 0, 0,
			"probes answered 408 or 481, timed out, or not sendable"},
	{0, 0, 0, 0, 0, 0}};

int vt_stats_init(void)
{
	if(counter_register_array("vos_timer", vt_counter_defs) < 0) {
		LM_ERR("cannot register the vos_timer counters\n");
		return -1;
	}
	return 0;
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
	if(what >= 0 && what < VT_PS__COUNT)
		counter_inc(vt_cnt_probe[what]);
}

long vt_stats_probes(vt_probe_stat_t what)
{
	if(what >= 0 && what < VT_PS__COUNT)
		return counter_get_val(vt_cnt_probe[what]);
	return 0;
}
