/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: SIP message glue for session timers. Reads a Kamailio message's
 * Session-Expires / Min-SE / Supported / Require headers into the pure
 * facts of vt_headers.h, and carries out the RFC 4028 proxy decisions of
 * vt_rfc4028.h: a 422 reply, or new values on the forwarded INVITE (lumps:
 * the received message itself is never changed).
 */
#ifndef VT_SIP_H
#define VT_SIP_H

#include "../../core/parser/msg_parser.h"

#include "vt_headers.h"
#include "vt_rfc4028.h"

typedef struct vt_msg_timer
{
	vt_timer_facts_t f;
	struct hdr_field *se_hdr;	  /* the Session-Expires header, if one */
	struct hdr_field *min_se_hdr; /* the Min-SE header, if one */
} vt_msg_timer_t;

/* Bind the sl API (replies, stateful when a transaction exists). */
int vt_sip_bind(void);

/* Facts from all headers of msg (a request or a reply; FAKED_REPLY and
 * NULL give empty facts). */
void vt_sip_facts(struct sip_msg *msg, vt_msg_timer_t *mt);

/* Answer the INVITE with 422 Session Interval Too Small, Min-SE: min_se_s.
 * 0 sent, -1 not. */
int vt_sip_reply_422(struct sip_msg *msg, unsigned int min_se_s);

/* Write a VT_SE_REWRITE decision into the forwarded INVITE. 0 done, -1
 * failed (logged; the request then goes out unchanged). */
int vt_sip_rewrite(struct sip_msg *msg, const vt_msg_timer_t *mt,
		const vt_se_decision_t *d);

#endif
