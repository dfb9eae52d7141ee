/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the dialog adapter. Puts calls under management, follows
 * them through the dialog callbacks (SIP workers), re-arms the calls the
 * dialog module loads after a restart, and gives the actions what they
 * need of a dialog (a reference, a leg's route, its end).
 */
#ifndef VT_DIALOG_H
#define VT_DIALOG_H

#include "../../core/parser/msg_parser.h"
#include "vt_params.h"
#include "vt_store.h"
#include "vt_tm.h"

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
/* The dialog with this key, with a reference taken, or NULL when there is
 * none or it has ended; the record is left alone. */
struct dlg_cell *vt_dialog_by_key(vt_dlg_key_t key);

/* One leg's route and identity for a request to it, copied under the
 * dialog's entry lock (SIP workers replace contacts and CSeqs under it;
 * held only to copy them, never with the store lock). 0, or -1 (no
 * contact, out of pkg memory); vt_leg_free() it. */
int vt_dialog_leg(struct dlg_cell *dlg, unsigned int leg, vt_leg_t *out);

/* Where the call's dialog is in this node's dialog table (a replica, on
 * a cluster node that does not own the call). */
typedef enum vt_dlg_presence
{
	VT_DP_NONE = 0, /* no such dialog */
	VT_DP_ENDED,	/* deleted */
	VT_DP_EARLY,	/* not confirmed (yet) */
	VT_DP_CONFIRMED
} vt_dlg_presence_t;
vt_dlg_presence_t vt_dialog_presence(vt_dlg_key_t key, const str *callid);
/* Cluster owner: send the call's whole dialog again to one DMQ node
 * (dmq_node_t *; its replica missed a state change), with the dialog
 * module's own DMQ replication. 0 or -1. */
int vt_dialog_resend(vt_dlg_key_t key, const str *callid, void *dmq_node);
/* A cluster node adopts a call another node owned: its dialog (a
 * replica) is put under management from the call's facts text (as after
 * a restart; restored: it is one, counted so). 1 managed here now, 0 its
 * dialog is gone or not confirmed, or out of memory (logged). */
int vt_dialog_adopt(vt_dlg_key_t key, const str *callid, const str *state,
		int restored, const char *why);

/* The caller's (From) and callee's (To) tags; either may be NULL. */
void vt_dialog_tags(struct dlg_cell *dlg, str *caller_tag, str *callee_tag);
/* The dialog module has ended the dialog. */
int vt_dialog_deleted(struct dlg_cell *dlg);
/* $dlg_var(vos_timer_reason) = reason; 0 or -1. */
int vt_dialog_set_reason(struct dlg_cell *dlg, str *reason);
/* The dialog module ends the call: BYE to both legs with the extra
 * headers hdrs (dlg_bye_all(); DLGCB_TERMINATED runs first). Its return
 * value. */
int vt_dialog_terminate(struct dlg_cell *dlg, str *hdrs);

#endif
