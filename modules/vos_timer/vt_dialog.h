/*
 * vos_timer: the dialog-module edge. Puts calls under management, follows
 * them through the dialog callbacks (SIP workers), and ends them through the
 * dialog module's terminate (timer process, ctl process).
 */
#ifndef VT_DIALOG_H
#define VT_DIALOG_H

#include "../../core/parser/msg_parser.h"
#include "vt_params.h"
#include "vt_store.h"

/* mod_init: bind the dialog API. */
int vt_dialog_bind(void);

/* vos_timer_manage() on an initial INVITE. 1 managed (or already), -1 error
 * (logged), VT_MANAGE_REJECTED: answered 422 (RFC 4028), not managed. */
#define VT_MANAGE_REJECTED 2
int vt_dialog_manage(struct sip_msg *msg, const vt_params_t *params,
		unsigned int probe_timeout_ms);

/* The dialog of a job's call, with a reference taken (vt_dialog_put() it),
 * or NULL when it has ended - then the call's record is dropped too. */
struct dlg_cell *vt_dialog_get(const vt_job_t *job);
void vt_dialog_put(struct dlg_cell *dlg);

/* The dialog's entry lock (the dialog module's, re-entrant per process),
 * under which SIP workers replace its contacts and CSeqs: held only to
 * copy them, never with the store lock. */
void vt_dialog_lock(struct dlg_cell *dlg);
void vt_dialog_unlock(struct dlg_cell *dlg);

/* Carry out a teardown job: find the dialog (taking a reference), store the
 * reason in the dialog variable vos_timer_reason, send BYE to both legs with
 * a Reason header. Never holds the store lock. */
void vt_dialog_end(const vt_job_t *job);

/* A teardown's last try is over (VT_ACT_FORGET): say which legs got no
 * BYE, release the dialog reference the store kept. */
void vt_dialog_forget(const vt_job_t *job);

#endif
