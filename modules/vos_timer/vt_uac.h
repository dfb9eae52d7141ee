/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: probes the module sends itself (stateless_probes=1), without
 * a tm transaction: a probe over UDP to a leg whose next hop is an IP
 * address goes out from the deadline process with a Via branch naming its
 * slot in the ring of probes in flight (vt_flight.h); the module's
 * response function claims the answer in the SIP worker that reads it,
 * before tm looks for a transaction (with a probe port, the deadline
 * process reads it there: vt_probe_port.h). Retransmissions and the timeout run
 * in the deadline process. Anything else - TCP, TLS, a host name to
 * resolve, a strict route, a NAT alias in the contact, a full ring -
 * goes through tm as before (vt_tm.h).
 */
#ifndef VT_UAC_H
#define VT_UAC_H

#include <stdint.h>

#include "vt_tm.h"

struct sip_msg;

extern int vt_stateless_probes; /* modparam stateless_probes */
extern int vt_probe_slots;		/* modparam probe_slots */
extern int vt_probe_burst;		/* modparam probe_burst */
extern int vt_probe_rate;		/* modparam probe_rate */

/* mod_init: check the modparams, take the ring (shm). 0 or -1 (logged). */
int vt_uac_init(void);
/* PROC_INIT: the ring's timers, from tm's fr_timer (ms). */
void vt_uac_set_timeout(unsigned int fr_ms);
/* The deadline process, at its start: it is the one sender. */
void vt_uac_become_sender(void);
void vt_uac_destroy(void);

/* A probe's final answer (faked: the module's own timeout, as 408),
 * which came at at_ms (vt_now_ms()'s clock): an answer read on the probe
 * port may have waited there since. */
typedef void vt_uac_done_f(vt_dlg_key_t key, unsigned int leg, int code,
		int faked, uint64_t at_ms);
void vt_uac_set_handler(vt_uac_done_f *f);

/* Send method with CSeq cseq to the leg, without tm. 0 sent, -1 not sent
 * (the network refused it), 1 not for this path: send it through tm. */
int vt_uac_send(const vt_leg_t *l, int method, uint32_t cseq, vt_dlg_key_t key);

/* The deadline process: retransmissions and timeouts due at now_ms. */
void vt_uac_run(uint64_t now_ms);
/* The deadline process: the answers waiting on the probe port
 * (vt_probe_port.h), each claimed as the response function would; the
 * number of ours. 0 when there is no probe port. */
int vt_uac_read_answers(void);
/* The deadline process reads answers on a probe port (an unanswered
 * probe's answer may wait there). */
int vt_uac_reads_answers(void);
/* When vt_uac_run() next has work (VT_NO_DEADLINE: none). */
uint64_t vt_uac_next_ms(void);
/* Slots in use: probes in flight, and answered ones behind an older
 * unanswered one (any process: a snapshot); 0 when off. */
unsigned int vt_uac_in_flight(void);

/* The module's response function (any process reading SIP replies): 0
 * for an answer to one of its own probes (consumed), 1 for the rest. */
int vt_uac_reply(struct sip_msg *msg);

#endif
