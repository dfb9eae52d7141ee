/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the tm adapter. Binds tm, reads its fr_timer, sends an
 * in-dialog request to one leg of a call and reports its final answer,
 * and tells who wants to know which requests tm creates locally. The
 * actions (vt_probe.c, vt_teardown.c) use it; nothing of tm's types
 * leaves this file pair.
 */
#ifndef VT_TM_H
#define VT_TM_H

#include <stdint.h>

#include "../../core/str.h"
#include "vt_store.h"

struct socket_info;

/* Contact and route set up to this size are copied into the vt_leg_t
 * itself, longer ones into pkg memory: a probe round then allocates
 * nothing (a pkg malloc in qm scans its free buckets upward). */
#define VT_LEG_INLINE 512

/* One leg of a call as a request to it needs it: copied out of the
 * dialog under its lock (vt_dialog_leg()); the strings marked "copy" live
 * in mem, the others are the dialog's and need its reference held. Not
 * to be copied: mem may point into inline. */
typedef struct vt_leg
{
	unsigned int leg;		 /* VT_LEG_CALLER or VT_LEG_CALLEE */
	str target;				 /* the leg's contact (copy) */
	str route_set;			 /* its route set, len 0 if none (copy) */
	unsigned int other_cseq; /* the other side's last CSeq ... */
	int other_cseq_ok;		 /* ... if the dialog has one that parses */
	int prack;				 /* the call saw a PRACK */
	str rem_uri, loc_uri, callid, rem_tag, loc_tag;
	struct socket_info *sock; /* the leg's socket */
	char *mem;				  /* inline, or pkg memory */
	char inline_mem[VT_LEG_INLINE];
} vt_leg_t;

void vt_leg_free(vt_leg_t *l);

/* What a request was sent for: its final answer goes to that kind's
 * handler. */
typedef enum vt_tm_kind
{
	VT_TM_PROBE = 0,
	VT_TM_BYE,
	VT_TM__KINDS
} vt_tm_kind_t;

/* A request's final answer: code, and faked when tm made it up itself
 * (its timeout, or its 503 for a request it could not send). Runs in
 * whatever process tm completes the transaction in. */
typedef void vt_tm_done_f(
		vt_dlg_key_t key, unsigned int leg, int code, int faked);

/* A request tm creates in this process (t_uac), before it is sent: its
 * method and text; tx identifies it for vt_tm_on_answer(). */
typedef void vt_tm_created_f(void *tx, const str *method, const str *buf);

/* mod_init, before the fork. */
int vt_tm_bind(void);
void vt_tm_set_handler(vt_tm_kind_t kind, vt_tm_done_f *f);
/* f sees every request tm creates locally (one global callback). */
int vt_tm_watch_created(vt_tm_created_f *f);

/* tm's fr_timer in ms: how long a transaction waits for its final
 * answer (30000, with a warning, if it cannot be read). */
unsigned int vt_tm_timeout_ms(void);

/* vt_tm_timeout_ms(), with a warning when it is longer than the probe
 * interval i_ms ("what" qualifies the interval in the message: "" or
 * "new "): a probe may still be pending when the next is due. */
unsigned int vt_tm_check_interval(uint64_t i_ms, const char *what);

/* Send method with CSeq cseq (and the extra header lines hdrs, each
 * ending in CRLF, or NULL) to the leg; its final answer goes to kind's
 * handler with key and l->leg. 0 sent, -1 not (no usable route set, tm
 * refused). */
int vt_tm_send(const vt_leg_t *l, const str *method, const str *hdrs,
		uint32_t cseq, vt_tm_kind_t kind, vt_dlg_key_t key);

/* The final answer of the request tx (from vt_tm_created_f) goes to kind's
 * handler. 0, or -1 when tm would not take the callback. */
int vt_tm_on_answer(
		void *tx, vt_tm_kind_t kind, vt_dlg_key_t key, unsigned int leg);

#endif
