/*
 * vos_timer: probe requests.
 *
 * A probe is built from the dialog module's stored state the way the dialog
 * module builds its own BYE and OPTIONS keepalive (dlg_req_within.c
 * build_dlg_t): the leg's contact as target, the leg's route set, its
 * socket, the dialog's tags. A NAT alias in the contact (nathelper's
 * set_contact_alias()) is followed by tm itself: t_request_within()
 * restores it when the leg has no route set, as for the dialog's BYE. Its CSeq is one the endpoint sees as old, so an RFC 3261 endpoint
 * answers 500 and changes nothing - any such answer proves it still holds
 * the dialog:
 *   - to the callee: one below the caller's last CSeq (the callee knows the
 *     caller's sequence from the INVITE on);
 *   - to the caller: one below the callee's last CSeq once the callee has
 *     sent an in-dialog request; before that the caller knows no sequence
 *     from the callee, and whatever number we send becomes its remote CSeq,
 *     so we send 0, which cannot block any later real request.
 * The tm callback parameter is the call key packed into the pointer: no
 * allocation to leak or free twice whatever tm does with the transaction.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "../../core/cfg/cfg_struct.h"
#include "../../core/dprint.h"
#include "../../core/parser/parse_rr.h"
#include "../../core/sr_module.h"
#include "../../core/timer_ticks.h"
#include "../../core/ut.h"
#include "../dialog/dlg_hash.h"
#include "../tm/tm_load.h"

#include "vt_dialog.h"
#include "vt_headers.h"
#include "vt_probe.h"
#include "vt_stats.h"

static struct tm_binds vt_tmb;
/* the dialog module's dlg_extra_hdrs and lreq_callee_headers modparams,
 * which its own BYEs carry (empty if it has none) */
static str vt_dlg_extra_hdrs = STR_NULL;
static str vt_dlg_callee_hdrs = STR_NULL;

/* The BYEs tm creates in this process between vt_probe_bye_watch_begin()
 * and _end(): which legs the dialog module's dlg_bye_all() really sent to.
 * Its return value cannot tell: 5.6 returns -1 when the caller's answer to
 * the first BYE deleted the dialog before the callee's BYE, 6.0 returns 0
 * and sends nothing ("already in deleted state"), 6.1 sends it anyway.
 * Process-local: tm runs the callback synchronously in t_uac, in the
 * process that creates the transaction. */
static struct
{
	int on;
	int n_byes;
	int callee_seen;
	str callee_tag;
	vt_dlg_key_t key;
	int track; /* the store tracks the call's BYEs (a held teardown) */
} vt_bye_watch;

static void vt_bye_done(struct cell *t, int type, struct tmcb_params *ps);
static void *pack_param(vt_dlg_key_t key, unsigned int leg);

static void bye_created_cb(struct cell *t, int type, struct tmcb_params *ps)
{
	int seen_before;
	unsigned int leg;

	if(!vt_bye_watch.on || t == NULL || t->method.len != 3
			|| strncasecmp(t->method.s, "BYE", 3) != 0)
		return;
	vt_bye_watch.n_byes++;
	seen_before = vt_bye_watch.callee_seen;
	/* the callee's BYE has the callee's tag in To (build_dlg_t); the
	 * R-URI cannot tell: without a route set a NAT ";alias=" is cut */
	if(t->uac[0].request.buffer != NULL && vt_bye_watch.callee_tag.len > 0
			&& vt_request_to_has_tag(t->uac[0].request.buffer,
					(size_t)t->uac[0].request.buffer_len,
					vt_bye_watch.callee_tag.s,
					(size_t)vt_bye_watch.callee_tag.len))
		vt_bye_watch.callee_seen = 1;
	if(!vt_bye_watch.track)
		return;
	/* its answer tells the store whether that leg is done; not sent yet
	 * (t_uac runs this before the send), so no answer can come first */
	leg = !seen_before && vt_bye_watch.callee_seen ? VT_LEG_CALLEE
												   : VT_LEG_CALLER;
	vt_store_bye_sent(vt_bye_watch.key, leg);
	if(vt_tmb.register_tmcb(NULL, t, TMCB_LOCAL_COMPLETED, vt_bye_done,
			   pack_param(vt_bye_watch.key, leg), NULL)
			<= 0)
		vt_store_bye_done(vt_bye_watch.key, leg, 0);
}

int vt_probe_bind(void)
{
	struct sr_module *dm;
	modparam_t type;
	str *v;

	if(load_tm_api(&vt_tmb) != 0) {
		LM_ERR("cannot bind the tm API: load tm before vos_timer\n");
		return -1;
	}
	dm = find_module_by_name("dialog");
	if(dm != NULL) {
		v = find_param_export(dm, "dlg_extra_hdrs", PARAM_STR, &type);
		if(v != NULL && v->s != NULL)
			vt_dlg_extra_hdrs = *v;
		v = find_param_export(dm, "lreq_callee_headers", PARAM_STR, &type);
		if(v != NULL && v->s != NULL)
			vt_dlg_callee_hdrs = *v;
	}
	/* global, so registered here in mod_init, before the fork; with no
	 * watch on it returns at once (probes pay one test) */
	if(vt_tmb.register_tmcb(
			   NULL, NULL, TMCB_LOCAL_REQUEST_IN, bye_created_cb, NULL, NULL)
			<= 0) {
		LM_ERR("cannot register tm's local request callback\n");
		return -1;
	}
	return 0;
}

void vt_probe_bye_watch_begin(vt_dlg_key_t key, str *callee_tag, int track)
{
	vt_bye_watch.key = key;
	vt_bye_watch.track = track;
	vt_bye_watch.on = 1;
	vt_bye_watch.n_byes = 0;
	vt_bye_watch.callee_seen = 0;
	vt_bye_watch.callee_tag = *callee_tag;
}

unsigned int vt_probe_bye_watch_end(void)
{
	unsigned int legs = 0;

	vt_bye_watch.on = 0;
	/* dlg_bye_all() sends at most one BYE per leg, the caller's first */
	if(vt_bye_watch.n_byes >= 2)
		return VT_LEG_CALLER | VT_LEG_CALLEE;
	if(vt_bye_watch.callee_seen)
		legs |= VT_LEG_CALLEE;
	else if(vt_bye_watch.n_byes == 1)
		legs |= VT_LEG_CALLER;
	return legs;
}

unsigned int vt_probe_timeout_ms(void)
{
	static str grp = str_init("tm"), var = str_init("fr_timer");
	cfg_group_t *group;
	cfg_mapping_t *map;
	int ticks;

	/* tm keeps fr_timer in timer ticks once its mod_init has run. */
	if(cfg_lookup_var(&grp, &var, &group, &map) != 0 || group->handle == NULL
			|| *group->handle == NULL) {
		LM_WARN("cannot read tm's fr_timer; assuming 30000 ms\n");
		return 30000;
	}
	ticks = *(int *)((char *)*group->handle + map->offset);
	return (unsigned int)TICKS_TO_MS((ticks_t)ticks);
}

/* The tm callback parameter carries the dialog key (h_id: 32 bits,
 * h_entry: 31 bits) and the leg in the pointer itself. That needs 64-bit
 * pointers: on a 32-bit build every probe answer would be lost and every
 * timer call cut at its first verdict. */
_Static_assert(sizeof(void *) >= sizeof(uint64_t),
		"vos_timer packs a dialog key into a pointer: 64-bit builds only");

static void *pack_param(vt_dlg_key_t key, unsigned int leg)
{
	return (void *)(uintptr_t)(((uint64_t)key.h_id << 32)
							   | ((uint64_t)(key.h_entry & 0x7fffffff) << 1)
							   | (leg == VT_LEG_CALLEE ? 1u : 0u));
}

static void unpack_param(void *p, vt_dlg_key_t *key, unsigned int *leg)
{
	uint64_t v = (uint64_t)(uintptr_t)p;

	key->h_id = (unsigned int)(v >> 32);
	key->h_entry = (unsigned int)((v >> 1) & 0x7fffffff);
	*leg = (v & 1) ? VT_LEG_CALLEE : VT_LEG_CALLER;
}

/* tm: the probe got its final answer, or timed out (408 generated
 * locally). Any process. */
static void vt_probe_done(struct cell *t, int type, struct tmcb_params *ps)
{
	vt_dlg_key_t key;
	unsigned int leg;
	int code;

	if(ps->param == NULL || ps->code < 200)
		return;
	/* A reply tm made up itself is no answer from the far end: its
	 * timeout (408, or on Kamailio 6.x tm's reply_408_code) or the 503 of
	 * a probe it could not send (no route, a firewall's EPERM). */
	code = ps->rpl == FAKED_REPLY ? 408 : ps->code;
	unpack_param(*ps->param, &key, &leg);
	LM_DBG("probe to %s of [%u:%u] ended with %d\n",
			leg == VT_LEG_CALLER ? "caller" : "callee", key.h_entry, key.h_id,
			code);
	/* An answer for a call that ended meanwhile finds no record: ignored. */
	if(vt_store_probe_result(key, leg, code, vt_now_ms()))
		vt_stats_probe(code == 408 || code == 481 ? VT_PS_FAILED
												  : VT_PS_CONFIRMED);
}

static int str_to_uint(const str *s, unsigned int *out)
{
	str t = *s;

	return (t.s == NULL || t.len <= 0 || str2int(&t, out) != 0) ? -1 : 0;
}

/* Build the tm dialog for a request to leg dir (DLG_CALLER_LEG /
 * DLG_CALLEE_LEG). Mirrors the dialog module's build_dlg_t(). */
static dlg_t *build_probe_dlg(
		struct dlg_cell *dlg, int dir, int callee_cseq_known, int for_bye)
{
	dlg_t *td;
	unsigned int last = 0;
	int other = (dir == DLG_CALLER_LEG) ? DLG_CALLEE_LEG : DLG_CALLER_LEG;
	str ct, rs;
	char *p;
	int cseq_ok;

	/* SIP workers replace the leg's contact and CSeq (dlg_update_contact,
	 * dlg_update_cseq: shm_free + shm_malloc) under the dialog's entry
	 * lock: copy them under it into the request's own block. */
	vt_dialog_lock(dlg);
	ct = dlg->contact[dir];
	rs = dlg->route_set[dir];
	if(ct.s == NULL || ct.len <= 0) {
		vt_dialog_unlock(dlg);
		LM_DBG("no contact for leg %d\n", dir);
		return NULL;
	}
	if(rs.s == NULL || rs.len < 0)
		rs.len = 0;
	td = pkg_malloc(sizeof(dlg_t) + ct.len + rs.len);
	if(td == NULL) {
		vt_dialog_unlock(dlg);
		PKG_MEM_ERROR;
		return NULL;
	}
	memset(td, 0, sizeof(*td));
	p = (char *)(td + 1);
	memcpy(p, ct.s, ct.len);
	td->rem_target.s = p;
	td->rem_target.len = ct.len;
	p += ct.len;
	if(rs.len > 0)
		memcpy(p, rs.s, rs.len);
	rs.s = p;
	cseq_ok = str_to_uint(&dlg->cseq[other], &last) == 0;
	if(for_bye) {
		if(!cseq_ok)
			last = 1;
		if(dlg->iflags & DLG_IFLAG_PRACK)
			last += 80; /* see vt_probe_send_bye() */
	}
	vt_dialog_unlock(dlg);

	if(rs.len > 0 && parse_rr_body(rs.s, rs.len, &td->route_set) != 0) {
		LM_DBG("unusable route set for leg %d\n", dir);
		pkg_free(td);
		return NULL;
	}

	/* tm adds one before sending: loc_seq is the CSeq minus one. */
	if(for_bye)
		td->loc_seq.value = last; /* sends last + 1 */
	else if((dir == DLG_CALLEE_LEG || callee_cseq_known) && cseq_ok
			&& last >= 1)
		td->loc_seq.value = last - 2; /* sends last - 1 */
	else
		td->loc_seq.value = (unsigned int)-1; /* sends 0 */
	td->loc_seq.is_set = 1;

	/* set once the call is confirmed, not changed after */
	td->rem_uri = (dir == DLG_CALLER_LEG) ? dlg->from_uri : dlg->to_uri;
	td->loc_uri = (dir == DLG_CALLER_LEG) ? dlg->to_uri : dlg->from_uri;
	td->id.call_id = dlg->callid;
	td->id.rem_tag = dlg->tag[dir];
	td->id.loc_tag = dlg->tag[other];
	td->state = DLG_CONFIRMED;
	td->send_sock = dlg->bind_addr[dir];
	return td;
}

/* Send one in-dialog request on td through tm, then free td. */
static int send_within(dlg_t *td, str *method, str *hdrs, int cb_type,
		transaction_cb *cb, void *cb_param)
{
	uac_req_t uac_r;
	int ret;

	set_uac_req(&uac_r, method, hdrs, NULL, td, cb_type, cb, cb_param);
	ret = vt_tmb.t_request_within(&uac_r);
	if(td->route_set)
		free_rr(&td->route_set);
	pkg_free(td);
	return ret < 0 ? -1 : 0;
}

static int send_one(struct dlg_cell *dlg, const vt_job_t *job, unsigned int leg)
{
	static str m_update = str_init("UPDATE"), m_options = str_init("OPTIONS");
	int dir = (leg == VT_LEG_CALLER) ? DLG_CALLER_LEG : DLG_CALLEE_LEG;
	dlg_t *td;

	td = build_probe_dlg(dlg, dir, job->callee_cseq_known, 0);
	if(td == NULL)
		return -1;
	return send_within(td,
			job->probe_method == VT_PROBE_OPTIONS ? &m_options : &m_update,
			NULL, TMCB_LOCAL_COMPLETED, vt_probe_done,
			pack_param(job->key, leg));
}

/* tm: the final answer to a BYE of a teardown the module follows (the
 * dialog module's or its own). Any process. A BYE tm could not send (its
 * own 503: no route, a firewall) goes again at the recheck; any other
 * answer ends that leg's part (a timeout: the far end is gone). */
static void vt_bye_done(struct cell *t, int type, struct tmcb_params *ps)
{
	vt_dlg_key_t key;
	unsigned int leg;
	struct dlg_cell *done;
	int again;

	if(ps->param == NULL || ps->code < 200)
		return;
	unpack_param(*ps->param, &key, &leg);
	again = ps->rpl == FAKED_REPLY && ps->code == 503;
	if(ps->code >= 300 && ps->code != 481)
		LM_WARN("the BYE to the %s of dialog [%u:%u] got %d%s%s\n",
				leg == VT_LEG_CALLER ? "caller" : "callee", key.h_entry,
				key.h_id, ps->code,
				ps->rpl == FAKED_REPLY ? " from tm itself" : "",
				again ? ": it goes again later" : "");
	done = vt_store_bye_done(key, leg, again);
	if(done != NULL)
		vt_dialog_put(done);
}

int vt_probe_send_bye(struct dlg_cell *dlg, int dir, str *hdrs)
{
	static str m_bye = str_init("BYE");
	static const char mf[] = "Max-Forwards: 70\r\n";
	vt_dlg_key_t key = {dlg->h_entry, dlg->h_id};
	str all;
	char *p;
	dlg_t *td;
	int ret;

	/* the headers the dialog module's BYE carries (build_extra_hdr()):
	 * Max-Forwards, its dlg_extra_hdrs, ours, and to the callee its
	 * lreq_callee_headers */
	all.len = (int)sizeof(mf) - 1 + vt_dlg_extra_hdrs.len + hdrs->len
			  + (dir == DLG_CALLEE_LEG ? vt_dlg_callee_hdrs.len + 2 : 0);
	all.s = pkg_malloc(all.len + 1);
	if(all.s == NULL) {
		PKG_MEM_ERROR;
		return -1;
	}
	p = all.s;
	memcpy(p, mf, sizeof(mf) - 1);
	p += sizeof(mf) - 1;
	if(vt_dlg_extra_hdrs.len > 0) {
		memcpy(p, vt_dlg_extra_hdrs.s, vt_dlg_extra_hdrs.len);
		p += vt_dlg_extra_hdrs.len;
	}
	memcpy(p, hdrs->s, hdrs->len);
	p += hdrs->len;
	if(dir == DLG_CALLEE_LEG && vt_dlg_callee_hdrs.len > 0) {
		memcpy(p, vt_dlg_callee_hdrs.s, vt_dlg_callee_hdrs.len);
		p += vt_dlg_callee_hdrs.len;
		if(p[-1] != '\n') {
			memcpy(p, "\r\n", 2);
			p += 2;
		}
	}
	/* A new request in the sender's CSeq space: last + 1, as the dialog
	 * module's own BYE would carry; and like it (5.6, 6.0: send_bye()),
	 * 80 more after a PRACK, whose CSeqs the dialog module does not
	 * follow: a strict UA answers 500 to a BYE not above its PRACK. */
	td = build_probe_dlg(dlg, dir, 1, 1);
	if(td == NULL) {
		pkg_free(all.s);
		return -1;
	}
	all.len = (int)(p - all.s);
	ret = send_within(td, &m_bye, &all, TMCB_LOCAL_COMPLETED, vt_bye_done,
			pack_param(key,
					dir == DLG_CALLEE_LEG ? VT_LEG_CALLEE : VT_LEG_CALLER));
	pkg_free(all.s);
	return ret;
}

void vt_probe_send(const vt_job_t *job)
{
	static const unsigned int legs[2] = {VT_LEG_CALLER, VT_LEG_CALLEE};
	struct dlg_cell *dlg;
	int i;

	dlg = vt_dialog_get(job);
	if(dlg == NULL)
		return; /* ended meanwhile: vt_dialog_get() dropped the record */
	for(i = 0; i < 2; i++) {
		if(!(job->legs & legs[i]))
			continue;
		if(send_one(dlg, job, legs[i]) == 0) {
			vt_stats_probe(VT_PS_SENT);
			continue;
		}
		vt_stats_probe(VT_PS_FAILED);
		/* Counts as unanswered for this leg; logged once per call. */
		if(vt_store_first_send_failure(job->key))
			LM_WARN("call-id [%.*s]: cannot send a probe to the %s (no "
					"contact, unusable route set or socket); it counts as "
					"unanswered\n",
					job->callid.len, job->callid.s,
					legs[i] == VT_LEG_CALLER ? "caller" : "callee");
		vt_store_probe_result(job->key, legs[i], VT_PROBE_UNSENT, vt_now_ms());
	}
	vt_dialog_put(dlg);
}
