/*
 * vos_timer: probes - in-dialog UPDATE/OPTIONS requests to a call's legs,
 * sent through tm from the timer process; their outcomes go back to the
 * store from tm's completion callback.
 */
#ifndef VT_PROBE_H
#define VT_PROBE_H

#include "vt_store.h"

/* mod_init: bind the tm API. */
int vt_probe_bind(void);

/* tm's fr_timer in ms (a probe's transaction timeout). After mod_init. */
unsigned int vt_probe_timeout_ms(void);

struct dlg_cell;

/* Send a BYE to one leg (DLG_CALLER_LEG / DLG_CALLEE_LEG) of a dialog we
 * hold a reference on, with extra headers hdrs (a Reason). For the leg the
 * dialog module's dlg_bye_all() skipped. 0 sent, -1 not. */
int vt_probe_send_bye(struct dlg_cell *dlg, int dir, str *hdrs);

/* Around the dialog module's terminate_dlg() (same process): the legs
 * (VT_LEG_CALLER | VT_LEG_CALLEE) tm created a BYE for meanwhile. With
 * track, each such BYE is reported to the store (vt_store_bye_sent(),
 * and vt_store_bye_done() with its answer). */
void vt_probe_bye_watch_begin(vt_dlg_key_t key, str *callee_tag, int track);
unsigned int vt_probe_bye_watch_end(void);

/* Send the probes of a VT_ACT_PROBE job (timer process). */
void vt_probe_send(const vt_job_t *job);

#endif
