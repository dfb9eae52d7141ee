/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: SIP message glue for session timers (see vt_sip.h).
 */
#include <stdio.h>
#include <string.h>

#include "../../core/data_lump.h"
#include "../../core/data_lump_rpl.h"
#include "../../core/dprint.h"
#include "../../core/mem/mem.h"
#include "../sl/sl.h"

#include "vt_sip.h"

static sl_api_t vt_slb;

int vt_sip_bind(void)
{
	if(sl_load_api(&vt_slb) != 0) {
		LM_ERR("cannot bind the sl API: load sl before vos_timer\n");
		return -1;
	}
	return 0;
}

void vt_sip_facts(struct sip_msg *msg, vt_msg_timer_t *mt)
{
	struct hdr_field *hf;

	memset(mt, 0, sizeof(*mt));
	if(msg == NULL || msg == FAKED_REPLY)
		return;
	if(parse_headers(msg, HDR_EOH_F, 0) < 0) {
		/* What was parsed still counts; the rest cannot be read. */
		LM_WARN("cannot parse all headers; timer facts from those read\n");
	}
	for(hf = msg->headers; hf; hf = hf->next) {
		vt_facts_add_header(
				&mt->f, hf->name.s, hf->name.len, hf->body.s, hf->body.len);
		if(vt_hdr_name_is(hf->name.s, hf->name.len, "Session-Expires", 'x'))
			mt->se_hdr = hf;
		else if(vt_hdr_name_is(hf->name.s, hf->name.len, "Min-SE", 0))
			mt->min_se_hdr = hf;
	}
}

int vt_sip_reply_422(struct sip_msg *msg, unsigned int min_se_s)
{
	static str reason = str_init("Session Interval Too Small");
	char hdr[40];
	int n;

	n = snprintf(hdr, sizeof(hdr), "Min-SE: %u\r\n", min_se_s);
	if(n <= 0 || n >= (int)sizeof(hdr)
			|| add_lump_rpl(msg, hdr, n, LUMP_RPL_HDR) == NULL) {
		LM_ERR("cannot add Min-SE to the 422\n");
		return -1;
	}
	if(vt_slb.freply(msg, 422, &reason) < 0) {
		LM_ERR("cannot send the 422\n");
		return -1;
	}
	return 0;
}

/* Replace len bytes at p (inside msg->buf) with the number v. */
static int replace_number(struct sip_msg *msg, char *p, size_t len,
		unsigned int v, enum _hdr_types_t type)
{
	struct lump *l;
	char *buf;
	int n;

	l = del_lump(msg, (int)(p - msg->buf), (int)len, type);
	if(l == NULL)
		return -1;
	buf = pkg_malloc(12);
	if(buf == NULL) {
		PKG_MEM_ERROR;
		return -1;
	}
	n = snprintf(buf, 12, "%u", v);
	if(insert_new_lump_after(l, buf, n, type) == NULL) {
		pkg_free(buf);
		return -1;
	}
	return 0;
}

/* Add "Min-SE: v" right after the Session-Expires header. */
static int add_min_se(
		struct sip_msg *msg, struct hdr_field *after, unsigned int v)
{
	struct lump *l;
	char *buf;
	int n;

	l = anchor_lump(msg, (int)(after->name.s + after->len - msg->buf), 0, 0);
	if(l == NULL)
		return -1;
	buf = pkg_malloc(32);
	if(buf == NULL) {
		PKG_MEM_ERROR;
		return -1;
	}
	n = snprintf(buf, 32, "Min-SE: %u\r\n", v);
	if(insert_new_lump_after(l, buf, n, HDR_MIN_SE_T) == NULL) {
		pkg_free(buf);
		return -1;
	}
	return 0;
}

int vt_sip_rewrite(struct sip_msg *msg, const vt_msg_timer_t *mt,
		const vt_se_decision_t *d)
{
	const vt_timer_facts_t *f = &mt->f;

	if(d->action != VT_SE_REWRITE || mt->se_hdr == NULL || f->se != VT_HV_OK)
		return 0;
	if(d->se_s != f->se_val.secs
			&& replace_number(msg, mt->se_hdr->body.s + f->se_val.num_off,
					   f->se_val.num_len, d->se_s, HDR_SESSIONEXPIRES_T)
					   < 0)
		goto error;
	if(d->set_min_se) {
		if(mt->min_se_hdr != NULL && f->min_se == VT_HV_OK) {
			if(replace_number(msg,
					   mt->min_se_hdr->body.s + f->min_se_val.num_off,
					   f->min_se_val.num_len, d->min_se_s, HDR_MIN_SE_T)
					< 0)
				goto error;
		} else if(add_min_se(msg, mt->se_hdr, d->min_se_s) < 0) {
			goto error;
		}
	}
	return 0;
error:
	LM_ERR("cannot rewrite Session-Expires / Min-SE in the forwarded "
		   "INVITE\n");
	return -1;
}
