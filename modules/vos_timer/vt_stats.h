/*
 * vos_timer: statistics, on Kamailio's counters API (group "vos_timer"), so
 * they show in `kamcmd stats.get_statistics vos_timer:` and in exporters.
 */
#ifndef VT_STATS_H
#define VT_STATS_H

#include "vt_policy.h"

/* mod_init (before the fork). */
int vt_stats_init(void);
void vt_stats_teardown(vt_reason_t r);
long vt_stats_teardowns(vt_reason_t r);

#endif
