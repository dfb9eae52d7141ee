/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: probes without tm (see vt_uac.h).
 *
 * The request is the one tm builds for the same leg (vt_tm_send(): the
 * dialog module's own recipe): the leg's contact as Request-URI, its
 * route set as Route, the dialog's From/To/tags and Call-ID, our CSeq;
 * Via names the leg's socket (its advertised address if it has one; the
 * probe port, when that sends it) and the probe's slot. Only loose
 * routing: the next hop is the first Route, or the contact when there is
 * none.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "../../core/dprint.h"
#include "../../core/forward.h"
#include "../../core/mem/shm_mem.h"
#include "../../core/parser/msg_parser.h"
#include "../../core/parser/parse_rr.h"
#include "../../core/parser/parse_uri.h"
#include "../../core/rand/fastrand.h"
#include "../../core/resolve.h"
#include "../../core/ut.h"

#include "vt_clock.h"
#include "vt_dialog.h"
#include "vt_flight.h"
#include "vt_pace.h"
#include "vt_params.h"
#include "vt_probe_port.h"
#include "vt_stats.h"
#include "vt_uac.h"

/* RFC 3261 17.1.2.2: timer E starts at T1 and doubles up to T2. */
#define VT_UAC_T1_MS 500
#define VT_UAC_T2_MS 4000
/* A probe's text: the dialog's URIs, tags, Call-ID and route set. */
#define VT_UAC_BUF (16 * 1024)
/* Pacing, a token bucket (vt_pace.c): at most probe_burst probes back to
 * back, then probe_rate per second, waiting in pauses of VT_UAC_PAUSE_NS.
 * Built here, a tick's probes leave within a few hundred microseconds;
 * calls are often all behind one gateway, and a burst of hundreds of
 * datagrams overflows its receive buffer (measured with SIPp: 250 back to
 * back lost several percent, and live calls). tm's own cost per request
 * used to space them. A tick's probes within the bucket never wait. */
#define VT_UAC_PAUSE_NS 1000000L

int vt_stateless_probes = 1;
int vt_probe_slots = 65536;
int vt_probe_burst = 32;
int vt_probe_rate = 16000;

static vt_flight_t *vt_ring = NULL;
static int vt_is_sender = 0;
static vt_uac_done_f *vt_uac_done = NULL;
static char vt_uac_buf[VT_UAC_BUF];
static vt_pace_t vt_pace;

/* Before each send (the sender only): takes a token, pausing until one
 * comes. */
static void pace(void)
{
	struct timespec ts = {0, VT_UAC_PAUSE_NS};

	while(!vt_pace_take(&vt_pace, vt_now_ms()))
		nanosleep(&ts, NULL);
}

int vt_uac_init(void)
{
	uint32_t n = (uint32_t)vt_probe_slots;

	if(vt_stateless_probes != 0 && vt_stateless_probes != 1) {
		LM_ERR("invalid modparam stateless_probes = \"%d\": allowed 0..1\n",
				vt_stateless_probes);
		return -1;
	}
	if(vt_probe_slots < 256 || vt_probe_slots > (1 << 22)
			|| (n & (n - 1)) != 0) {
		LM_ERR("invalid modparam probe_slots = \"%d\": a power of two, "
			   "256..4194304\n",
				vt_probe_slots);
		return -1;
	}
	if(vt_probe_burst < 1 || vt_probe_burst > 65536) {
		LM_ERR("invalid modparam probe_burst = \"%d\": allowed 1..65536\n",
				vt_probe_burst);
		return -1;
	}
	if(vt_probe_rate < 0 || vt_probe_rate > 10000000) {
		LM_ERR("invalid modparam probe_rate = \"%d\": allowed 0..10000000 "
			   "(0: no pacing)\n",
				vt_probe_rate);
		return -1;
	}
	if(!vt_stateless_probes) {
		if(vt_probe_port != 0)
			LM_WARN("probe_port %d has no effect with stateless_probes 0 "
					"(tm sends every probe)\n",
					vt_probe_port);
		return 0;
	}
	if(vt_pport_init() < 0)
		return -1;
	vt_ring = shm_malloc(vt_flight_bytes(n));
	if(vt_ring == NULL) {
		SHM_MEM_ERROR;
		return -1;
	}
	/* the timeout is tm's fr_timer, known at PROC_INIT */
	return vt_flight_init(vt_ring, n, VT_UAC_T1_MS, VT_UAC_T2_MS, 30000);
}

void vt_uac_set_timeout(unsigned int fr_ms)
{
	if(vt_ring != NULL)
		vt_flight_init(vt_ring, vt_ring->size, VT_UAC_T1_MS, VT_UAC_T2_MS,
				fr_ms > 0 ? fr_ms : 1);
}

void vt_uac_become_sender(void)
{
	vt_is_sender = 1;
	vt_pport_check_hooks();
	vt_pace_init(&vt_pace, (uint32_t)vt_probe_burst, (uint32_t)vt_probe_rate,
			vt_now_ms());
}

void vt_uac_destroy(void)
{
	vt_pport_destroy();
	if(vt_ring != NULL)
		shm_free(vt_ring);
	vt_ring = NULL;
}

void vt_uac_set_handler(vt_uac_done_f *f)
{
	vt_uac_done = f;
}

unsigned int vt_uac_in_flight(void)
{
	return vt_ring != NULL ? vt_flight_used(vt_ring) : 0;
}

/* Where the probe goes: the first Route if the leg has a route set, else
 * its contact; 0 with dst set, 1 when only tm can send it. */
static int next_hop(const vt_leg_t *l, struct dest_info *dst)
{
	struct sip_uri u;
	rr_t *rr = NULL;
	str hop;
	ip_addr_t *ip;
	int lr;

	if(l->route_set.len > 0) {
		if(parse_rr_body(l->route_set.s, l->route_set.len, &rr) != 0
				|| rr == NULL)
			return 1;
		hop = rr->nameaddr.uri;
		lr = parse_uri(hop.s, hop.len, &u) == 0 && u.lr.s != NULL;
		free_rr(&rr);
		if(!lr)
			return 1; /* strict routing: tm rewrites the Request-URI */
	} else {
		hop = l->target;
		if(parse_uri(hop.s, hop.len, &u) < 0)
			return 1;
		/* nathelper's alias: tm sends to the address it names */
		if(u.params.len > 0
				&& memmem(u.params.s, u.params.len, "alias=", 6) != NULL)
			return 1;
	}
	if(u.type != SIP_URI_T || (u.proto != PROTO_NONE && u.proto != PROTO_UDP)
			|| u.maddr.s != NULL)
		return 1;
	if((ip = str2ip(&u.host)) == NULL && (ip = str2ip6(&u.host)) == NULL)
		return 1; /* a name: tm resolves it (DNS SRV, failover) */
	init_dest_info(dst);
	dst->proto = PROTO_UDP;
	init_su(&dst->to, ip, u.port_no ? u.port_no : SIP_PORT);
	dst->send_sock = l->sock;
	if(dst->send_sock == NULL || dst->send_sock->proto != PROTO_UDP
			|| dst->send_sock->address.af != ip->af)
		dst->send_sock = get_send_socket(0, &dst->to, PROTO_UDP);
	return dst->send_sock != NULL ? 0 : 1;
}

/* Appending to vt_uac_buf: n counts what was asked for, so a request
 * that does not fit is seen at the end (n > size) and refused. */
typedef struct vt_out
{
	char *s;
	int n, size;
} vt_out_t;

static void put(vt_out_t *o, const char *s, int len)
{
	if(len > 0 && o->n + len <= o->size)
		memcpy(o->s + o->n, s, len);
	o->n += len;
}

#define PUT_LIT(o, lit) put((o), (lit), (int)sizeof(lit) - 1)
#define PUT_STR(o, st) put((o), (st).s, (st).len)

/* The request into vt_uac_buf; its length, or -1 if it does not fit.
 * Pieces are copied, not formatted: a probe round is one build per leg
 * (snprintf was an eighth of the deadline process's time per probe). */
static int build(const vt_leg_t *l, const struct socket_info *sock,
		const str *port, int method, uint32_t cseq, uint32_t slot, uint32_t tag)
{
	char branch[VT_FL_BRANCH_MAX];
	const char *m = vt_probe_method_name(method);
	vt_out_t o = {vt_uac_buf, 0, (int)sizeof(vt_uac_buf)};
	int mlen = (int)strlen(m), blen, clen, v6;
	char *c;
	str h, p;

	h = sock->useinfo.name.len > 0 ? sock->useinfo.name : sock->address_str;
	if(port != NULL)
		p = *port; /* the probe port's socket sends it */
	else
		p = sock->useinfo.port_no_str.len > 0 ? sock->useinfo.port_no_str
											  : sock->port_no_str;
	v6 = sock->address.af == AF_INET6 && h.len > 0 && h.s[0] != '[';
	blen = vt_flight_branch(branch, slot, tag);
	put(&o, m, mlen);
	PUT_LIT(&o, " ");
	PUT_STR(&o, l->target);
	PUT_LIT(&o, " SIP/2.0\r\nVia: SIP/2.0/UDP ");
	if(v6)
		PUT_LIT(&o, "[");
	PUT_STR(&o, h);
	if(v6)
		PUT_LIT(&o, "]");
	PUT_LIT(&o, ":");
	PUT_STR(&o, p);
	PUT_LIT(&o, ";branch=");
	put(&o, branch, blen);
	PUT_LIT(&o, "\r\n");
	if(l->route_set.len > 0) {
		PUT_LIT(&o, "Route: ");
		PUT_STR(&o, l->route_set);
		PUT_LIT(&o, "\r\n");
	}
	PUT_LIT(&o, "Max-Forwards: 70\r\nFrom: <");
	PUT_STR(&o, l->loc_uri);
	PUT_LIT(&o, ">;tag=");
	PUT_STR(&o, l->loc_tag);
	PUT_LIT(&o, "\r\nTo: <");
	PUT_STR(&o, l->rem_uri);
	PUT_LIT(&o, ">;tag=");
	PUT_STR(&o, l->rem_tag);
	PUT_LIT(&o, "\r\nCall-ID: ");
	PUT_STR(&o, l->callid);
	PUT_LIT(&o, "\r\nCSeq: ");
	c = int2str(cseq, &clen);
	put(&o, c, clen);
	PUT_LIT(&o, " ");
	put(&o, m, mlen);
	PUT_LIT(&o, "\r\nContent-Length: 0\r\n\r\n");
	return o.n < o.size ? o.n : -1;
}

/* From the probe port's socket: 1 sent, 0 not. */
static int send_pport(int fd, struct dest_info *dst, int n)
{
	int r;

	do
		r = sendto(fd, vt_uac_buf, n, 0, &dst->to.s, sockaddru_len(dst->to));
	while(r < 0 && errno == EINTR);
	if(r < 0)
		LM_DBG("probe port: sendto failed: %s\n", strerror(errno));
	return r == n;
}

int vt_uac_send(const vt_leg_t *l, int method, uint32_t cseq, vt_dlg_key_t key)
{
	struct dest_info dst;
	vt_flight_probe_t p;
	uint32_t slot, tag;
	int n, fd;

	if(vt_ring == NULL || !vt_is_sender || next_hop(l, &dst) != 0)
		return 1;
	memset(&p, 0, sizeof(p));
	p.h_entry = key.h_entry;
	p.h_id = key.h_id;
	p.cseq = cseq;
	p.leg = (uint8_t)l->leg;
	p.method = (uint8_t)method;
	while((tag = fastrand()) == 0)
		;
	if(vt_flight_add(vt_ring, &p, tag, vt_now_ms(), &slot) < 0) {
		LM_DBG("every probe slot is in flight (probe_slots): through tm\n");
		return 1;
	}
	fd = vt_pport_fd(dst.send_sock);
	n = build(l, dst.send_sock, fd >= 0 ? vt_pport_str() : NULL, method, cseq,
			slot, tag);
	if(n > 0) {
		pace();
		if(fd >= 0) {
			if(send_pport(fd, &dst, n))
				return 0;
		} else if(msg_send(&dst, vt_uac_buf, n) == 0)
			return 0;
	}
	/* not sent (too long, or the network refused it: tm's 503): the slot
	 * is claimed here, so that no timeout reports it a second time */
	LM_DBG("probe to the %s not sent (%d)\n", vt_legs_name(l->leg), n);
	vt_flight_answer(vt_ring, slot, tag, &p);
	return -1;
}

/* A probe still unanswered at a retransmission time: the same request
 * again (same branch, same CSeq), built from the dialog as it is now. */
static void resend(uint32_t slot, uint32_t tag, const vt_flight_probe_t *p)
{
	struct dlg_cell *dlg;
	struct dest_info dst;
	vt_dlg_key_t key;
	vt_leg_t l;
	int n;

	key.h_entry = p->h_entry;
	key.h_id = p->h_id;
	dlg = vt_dialog_by_key(key);
	if(dlg == NULL)
		return; /* ended: its timeout finds no record */
	if(vt_dialog_leg(dlg, p->leg, &l) == 0) {
		if(next_hop(&l, &dst) == 0
				&& (n = build(&l, dst.send_sock, NULL, p->method, p->cseq, slot,
							tag))
						   > 0) {
			pace();
			if(msg_send(&dst, vt_uac_buf, n) == 0)
				vt_stats_probe(VT_PS_RESENT);
		}
		vt_leg_free(&l);
	}
	vt_dialog_put(dlg);
}

static void flight_due(void *ctx, int expired, uint32_t slot, uint32_t tag,
		const vt_flight_probe_t *p)
{
	vt_dlg_key_t key;

	if(!expired) {
		resend(slot, tag, p);
		return;
	}
	key.h_entry = p->h_entry;
	key.h_id = p->h_id;
	if(vt_uac_done != NULL)
		vt_uac_done(key, p->leg, 408, 1, vt_now_ms());
}

void vt_uac_run(uint64_t now_ms)
{
	if(vt_ring != NULL && vt_is_sender)
		vt_flight_run(vt_ring, now_ms, flight_due, NULL);
}

/* What take_reply() made of a reply. */
enum vt_reply_kind
{
	VT_REPLY_OTHER,	 /* not a reply to one of the module's probes */
	VT_REPLY_OURS,	 /* its branch form, but no probe in flight took it */
	VT_REPLY_ANSWER, /* the final answer of a probe in flight */
};

static int take_reply(struct sip_msg *msg, unsigned int age_ms)
{
	vt_flight_probe_t p;
	vt_dlg_key_t key;
	uint64_t now_ms;
	uint32_t slot, tag;
	str b;

	if(vt_ring == NULL || msg->via1 == NULL || msg->via1->branch == NULL)
		return VT_REPLY_OTHER;
	b = msg->via1->branch->value;
	if(vt_flight_parse_branch(b.s, b.len, &slot, &tag) != 1)
		return VT_REPLY_OTHER;
	/* ours: a provisional answer, a retransmitted final one, or one after
	 * the timeout ends here (no transaction of tm's has this branch) */
	if(msg->first_line.u.reply.statuscode < 200
			|| vt_flight_answer(vt_ring, slot, tag, &p) != 1)
		return VT_REPLY_OURS;
	if(vt_uac_done != NULL) {
		key.h_entry = p.h_entry;
		key.h_id = p.h_id;
		now_ms = vt_now_ms();
		vt_uac_done(key, p.leg, msg->first_line.u.reply.statuscode, 0,
				now_ms > age_ms ? now_ms - age_ms : now_ms);
	}
	return VT_REPLY_ANSWER;
}

/* vt_uac_reply() for a reply read on the probe port: only the final
 * answer of a probe in flight counts in probe_port_answers, not one that
 * merely carries the module's branch form (a provisional, a repeat, a
 * forgery). */
static int pport_reply(struct sip_msg *msg, unsigned int age_ms)
{
	int r = take_reply(msg, age_ms);

	if(r == VT_REPLY_ANSWER)
		vt_stats_probe(VT_PS_PPORT);
	return r == VT_REPLY_OTHER ? 1 : 0;
}

int vt_uac_read_answers(void)
{
	if(!vt_uac_reads_answers())
		return 0;
	return vt_pport_drain(pport_reply);
}

int vt_uac_reads_answers(void)
{
	return vt_ring != NULL && vt_is_sender && vt_pport_on();
}

uint64_t vt_uac_next_ms(void)
{
	return vt_ring != NULL && vt_is_sender ? vt_flight_next_ms(vt_ring)
										   : VT_NO_DEADLINE;
}

int vt_uac_reply(struct sip_msg *msg)
{
	return take_reply(msg, 0) == VT_REPLY_OTHER ? 1 : 0;
}
