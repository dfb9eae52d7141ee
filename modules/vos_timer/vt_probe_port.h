/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the probe port (modparam probe_port, off by default). With
 * it, the module's own probes (vt_uac.h) leave from a UDP socket of the
 * module's at the address of the leg's listen socket and port
 * probe_port, and name that port in their Via: an endpoint that answers
 * to the request's source (most do, and RFC 3581's rport) or to its Via
 * (RFC 3261 18.2.2) answers there, and the deadline process reads the
 * answers itself, all those waiting at once, each time it wakes. No UDP
 * worker wakes for them: with answers spread over time (endpoints at
 * different distances) a worker woke for nearly every one.
 *
 * A listen socket with an advertised address (advertise) gets no probe
 * socket: nothing says the port is forwarded. With a module that hooks
 * the core's network data (topoh, topos, siptrace) it is not used. Retransmissions go from the
 * listen socket as before (vt_uac.c), so an endpoint that cannot be
 * reached from the probe port (a NAT that only lets in what comes from
 * the address it sent to, a firewall) still answers within the probe's
 * transaction.
 */
#ifndef VT_PROBE_PORT_H
#define VT_PROBE_PORT_H

#include "../../core/ip_addr.h"
#include "../../core/str.h"

struct sip_msg;

extern int vt_probe_port; /* modparam probe_port (0: off) */

/* mod_init (as root, before the fork): check the modparam and open the
 * sockets. 0, or -1 (logged, naming the modparam). */
int vt_pport_init(void);
void vt_pport_destroy(void);

/* The deadline process, at its start (every module initialised): a
 * module that hooks the core's network data (topoh, topos, siptrace)
 * turns the probe port off here, with a warning. */
void vt_pport_check_hooks(void);

/* The probe socket for a listen socket (-1: none; send from si itself). */
int vt_pport_fd(const struct socket_info *si);
/* probe_port as text, for the Via. */
const str *vt_pport_str(void);
/* Any probe socket open. */
int vt_pport_on(void);

/* The deadline process: read every datagram waiting on the probe
 * sockets; each SIP reply is parsed and given to on_reply (the module's
 * response function), with how many ms ago the kernel received it.
 * Returns how many on_reply took (returned 0). */
int vt_pport_drain(int (*on_reply)(struct sip_msg *, unsigned int));

#endif
