/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the probe port (see vt_probe_port.h). The sockets are opened
 * in mod_init, before the fork, so every process has them; only the
 * deadline process sends and reads on them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "../../core/config.h"
#include "../../core/dprint.h"
#include "../../core/events.h"
#include "../../core/globals.h"
#include "../../core/parser/msg_parser.h"
#include "../../core/socket_info.h"
#include "../../core/ut.h"

#include "vt_probe_port.h"

/* Distinct listen sockets that can have a probe socket. */
#define VT_PPORT_MAX 64
/* Answers wait here between two wake-ups of the deadline process (a
 * tick's answers at 50000 calls are a few hundred datagrams). */
#define VT_PPORT_RCVBUF (4 * 1024 * 1024)
/* Datagrams read per drain at most (a probe run's answers at 50000 calls
 * are a few hundred): a flood on the port cannot hold the deadline
 * process; what is left waits for its next wake-up. */
#define VT_PPORT_DRAIN_MAX 4096
/* A datagram's age from its kernel receive time is believed up to this
 * (the two clocks are the realtime one: a step of the clock could make
 * any age) */
#define VT_PPORT_AGE_MAX_MS 1000

int vt_probe_port = 0;

typedef struct vt_pport_map
{
	const struct socket_info *si;
	int fd;
} vt_pport_map_t;

static vt_pport_map_t vt_pport_map[VT_PPORT_MAX];
static int vt_pport_n = 0;
static int vt_pport_fds[VT_PPORT_MAX]; /* one per address */
static int vt_pport_nfds = 0;
static char vt_pport_port[INT2STR_MAX_LEN];
static str vt_pport_s = {vt_pport_port, 0};
/* the deadline process's receive buffer (.bss) */
static char vt_pport_rbuf[BUF_SIZE + 1];

static int open_one(const struct socket_info *si)
{
	union sockaddr_union su;
	int fd, err, one = 1, rcvbuf = VT_PPORT_RCVBUF;

	if(init_su(&su, (struct ip_addr *)&si->address,
			   (unsigned short)vt_probe_port)
			< 0)
		return -1;
	fd = socket(AF2PF(su.s.sa_family), SOCK_DGRAM, 0);
	if(fd < 0)
		return -1;
	if(su.s.sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/* above net.core.rmem_max only with CAP_NET_ADMIN: else capped */
	if(setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	/* when each answer came, not when it is read (without: age 0) */
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	if(bind(fd, &su.s, sockaddru_len(su)) < 0
			|| fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

int vt_pport_init(void)
{
	struct socket_info *si;
	char *p;
	int i, fd, len;

	if(vt_probe_port == 0)
		return 0;
	if(vt_probe_port < 1 || vt_probe_port > 65535) {
		LM_ERR("invalid modparam probe_port = \"%d\": allowed 0 (off) or "
			   "1..65535\n",
				vt_probe_port);
		return -1;
	}
	for(si = udp_listen; si != NULL; si = si->next)
		if(si->port_no == vt_probe_port) {
			LM_ERR("invalid modparam probe_port = \"%d\": the listen "
				   "socket %.*s has that port\n",
					vt_probe_port, si->sock_str.len, si->sock_str.s);
			return -1;
		}
	for(si = udp_listen; si != NULL; si = si->next) {
		if(si->useinfo.name.len > 0 || si->useinfo.port_no_str.len > 0) {
			LM_INFO("probe_port: no probe socket for %.*s (it has an "
					"advertised address): its probes leave from it\n",
					si->sock_str.len, si->sock_str.s);
			continue;
		}
		if(vt_pport_n == VT_PPORT_MAX) {
			LM_WARN("probe_port: more than %d UDP listen sockets; the "
					"others send their probes themselves\n",
					VT_PPORT_MAX);
			break;
		}
		fd = -1;
		for(i = 0; i < vt_pport_n; i++)
			if(ip_addr_cmp(&vt_pport_map[i].si->address, &si->address))
				fd = vt_pport_map[i].fd;
		if(fd < 0) {
			fd = open_one(si);
			if(fd < 0) {
				LM_ERR("invalid modparam probe_port = \"%d\": cannot use "
					   "udp:%.*s:%d: %s\n",
						vt_probe_port, si->address_str.len, si->address_str.s,
						vt_probe_port, strerror(errno));
				vt_pport_destroy();
				return -1;
			}
			vt_pport_fds[vt_pport_nfds++] = fd;
		}
		vt_pport_map[vt_pport_n].si = si;
		vt_pport_map[vt_pport_n].fd = fd;
		vt_pport_n++;
	}
	if(vt_pport_nfds == 0)
		LM_WARN("probe_port %d: no UDP listen socket without an advertised "
				"address; every probe leaves from its listen socket\n",
				vt_probe_port);
	p = int2str((unsigned long)vt_probe_port, &len);
	memcpy(vt_pport_port, p, len);
	vt_pport_s.len = len;
	return 0;
}

void vt_pport_destroy(void)
{
	int i;

	for(i = 0; i < vt_pport_nfds; i++)
		close(vt_pport_fds[i]);
	vt_pport_nfds = 0;
	vt_pport_n = 0;
}

int vt_pport_fd(const struct socket_info *si)
{
	int i;

	for(i = 0; i < vt_pport_n; i++)
		if(vt_pport_map[i].si == si)
			return vt_pport_map[i].fd;
	return -1;
}

void vt_pport_check_hooks(void)
{
	if(vt_pport_nfds == 0
			|| (!sr_event_enabled(SREV_NET_DATA_OUT)
					&& !sr_event_enabled(SREV_NET_DATA_IN)))
		return;
	/* topoh, topos, siptrace's capture: they change or copy what goes
	 * through the core's send and receive paths, which the probe port
	 * bypasses (a masked Call-ID would make the endpoint answer 481) */
	LM_WARN("probe_port %d not used: a module hooks the network data "
			"(topoh, topos, siptrace, ...); probes leave from the listen "
			"sockets\n",
			vt_probe_port);
	vt_pport_nfds = 0;
	vt_pport_n = 0;
}

const str *vt_pport_str(void)
{
	return &vt_pport_s;
}

int vt_pport_on(void)
{
	return vt_pport_nfds > 0;
}

/* How long ago the kernel received the datagram mh holds, in ms. */
static unsigned int age_ms(struct msghdr *mh)
{
	struct cmsghdr *c;
	struct timespec at, now;
	int64_t ms;

	for(c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if(c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS)
			continue;
		memcpy(&at, CMSG_DATA(c), sizeof(at));
		if(clock_gettime(CLOCK_REALTIME, &now) < 0)
			return 0;
		ms = (int64_t)(now.tv_sec - at.tv_sec) * 1000
			 + (now.tv_nsec - at.tv_nsec) / 1000000;
		if(ms <= 0)
			return 0;
		return ms > VT_PPORT_AGE_MAX_MS ? VT_PPORT_AGE_MAX_MS
										: (unsigned int)ms;
	}
	return 0;
}

int vt_pport_drain(int (*on_reply)(struct sip_msg *, unsigned int))
{
	struct sip_msg msg;
	struct msghdr mh;
	struct iovec iov;
	char cbuf[CMSG_SPACE(sizeof(struct timespec))];
	int i, n, reads = 0, got = 0;

	for(i = 0; i < vt_pport_nfds; i++) {
		while(reads < VT_PPORT_DRAIN_MAX) {
			iov.iov_base = vt_pport_rbuf;
			iov.iov_len = sizeof(vt_pport_rbuf) - 1;
			memset(&mh, 0, sizeof(mh));
			mh.msg_iov = &iov;
			mh.msg_iovlen = 1;
			mh.msg_control = cbuf;
			mh.msg_controllen = sizeof(cbuf);
			n = recvmsg(vt_pport_fds[i], &mh, MSG_DONTWAIT);
			if(n < 0 && errno == EINTR)
				continue;
			if(n < 0)
				break; /* EAGAIN: nothing more waits */
			reads++;
			/* only replies matter here; anything else is dropped */
			if(n < 12 || memcmp(vt_pport_rbuf, "SIP/2.0 ", 8) != 0)
				continue;
			vt_pport_rbuf[n] = '\0';
			memset(&msg, 0, sizeof(msg));
			msg.buf = vt_pport_rbuf;
			msg.len = (unsigned int)n;
			if(parse_msg(vt_pport_rbuf, (unsigned int)n, &msg) == 0
					&& msg.first_line.type == SIP_REPLY
					&& on_reply(&msg, age_ms(&mh)) == 0)
				got++;
			free_sip_msg(&msg);
		}
	}
	return got;
}
