/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the probes in flight (see vt_flight.h).
 */
#include <string.h>

#include "vt_clock.h"
#include "vt_flight.h"

enum
{
	FS_FREE = 0,
	FS_FLYING = 1,
	FS_ANSWERED = 2,
	FS_EXPIRED = 3
};

#define FL_PREFIX_LEN (sizeof(VT_FL_BRANCH_PREFIX) - 1)

static uint64_t word_of(uint32_t tag, unsigned int state)
{
	return ((uint64_t)tag << 8) | state;
}

static unsigned int state_of(uint64_t w)
{
	return (unsigned int)(w & 0xff);
}

static vt_flight_slot_t *at(vt_flight_t *f, uint64_t seq)
{
	return &f->slot[seq & (f->size - 1)];
}

size_t vt_flight_bytes(uint32_t size)
{
	return sizeof(vt_flight_t) + (size_t)size * sizeof(vt_flight_slot_t);
}

int vt_flight_init(vt_flight_t *f, uint32_t size, uint32_t t1_ms,
		uint32_t t2_ms, uint32_t timeout_ms)
{
	uint64_t at_ms, e_ms;

	if(size < 2 || size > (1u << 31) || (size & (size - 1)) != 0 || t1_ms == 0
			|| t2_ms < t1_ms || timeout_ms == 0)
		return -1;
	memset(f, 0, vt_flight_bytes(size));
	f->size = size;
	/* timer E: T1, 2*T1, ... at most T2 apart, while before timer F */
	for(at_ms = e_ms = t1_ms; at_ms < timeout_ms && f->steps < VT_FL_STEPS - 1;
			at_ms += e_ms) {
		f->step_ms[f->steps++] = (uint32_t)at_ms;
		e_ms = e_ms * 2 > t2_ms ? t2_ms : e_ms * 2;
	}
	f->step_ms[f->steps++] = timeout_ms;
	return 0;
}

uint32_t vt_flight_used(const vt_flight_t *f)
{
	return (uint32_t)(__atomic_load_n(&f->head, __ATOMIC_RELAXED)
					  - __atomic_load_n(
							  &f->cursor[f->steps - 1], __ATOMIC_RELAXED));
}

int vt_flight_add(vt_flight_t *f, const vt_flight_probe_t *p, uint32_t tag,
		uint64_t now_ms, uint32_t *slot)
{
	vt_flight_slot_t *s;

	if(f->head - f->cursor[f->steps - 1] >= f->size)
		return -1;
	s = at(f, f->head);
	/* The slot is behind every step: no answer can claim it (its word is
	 * not FLYING). Fields first, then the word that publishes them. */
	s->sent_ms = now_ms;
	s->p = *p;
	__atomic_store_n(&s->word, word_of(tag, FS_FLYING), __ATOMIC_RELEASE);
	*slot = (uint32_t)(f->head & (f->size - 1));
	f->head++;
	return 0;
}

int vt_flight_answer(
		vt_flight_t *f, uint32_t slot, uint32_t tag, vt_flight_probe_t *out)
{
	vt_flight_slot_t *s;
	uint64_t w;

	if(slot >= f->size)
		return 0;
	s = &f->slot[slot];
	w = word_of(tag, FS_FLYING);
	if(__atomic_load_n(&s->word, __ATOMIC_ACQUIRE) != w)
		return 0;
	/* Copied before the claim: the sender rewrites a slot only once its
	 * word is no longer this one, and then the claim fails. */
	*out = s->p;
	return __atomic_compare_exchange_n(&s->word, &w, word_of(tag, FS_ANSWERED),
				   0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)
				   ? 1
				   : 0;
}

/* Step i's queue: from cursor[i] up to the probes step i-1 is done with. */
static uint64_t bound_of(const vt_flight_t *f, uint32_t i)
{
	return i == 0 ? f->head : f->cursor[i - 1];
}

/* Step i's first probe still flying, answered ones dropped; NULL if none. */
static vt_flight_slot_t *first_flying(vt_flight_t *f, uint32_t i, uint64_t *w)
{
	vt_flight_slot_t *s;

	for(; f->cursor[i] < bound_of(f, i); f->cursor[i]++) {
		s = at(f, f->cursor[i]);
		*w = __atomic_load_n(&s->word, __ATOMIC_ACQUIRE);
		if(state_of(*w) == FS_FLYING)
			return s;
	}
	return NULL;
}

void vt_flight_run(vt_flight_t *f, uint64_t now_ms, vt_flight_cb *cb, void *ctx)
{
	vt_flight_slot_t *s;
	vt_flight_probe_t p;
	uint64_t w;
	uint32_t i, tag, slot;
	int last;

	for(i = 0; i < f->steps; i++) {
		last = i == f->steps - 1;
		while((s = first_flying(f, i, &w)) != NULL
				&& vt_deadline_add_ms(s->sent_ms, f->step_ms[i]) <= now_ms) {
			tag = (uint32_t)(w >> 8);
			slot = (uint32_t)(f->cursor[i] & (f->size - 1));
			p = s->p;
			f->cursor[i]++;
			if(!last)
				cb(ctx, 0, slot, tag, &p);
			else if(__atomic_compare_exchange_n(&s->word, &w,
							word_of(tag, FS_EXPIRED), 0, __ATOMIC_ACQ_REL,
							__ATOMIC_ACQUIRE))
				cb(ctx, 1, slot, tag, &p);
		}
	}
}

uint64_t vt_flight_next_ms(vt_flight_t *f)
{
	vt_flight_slot_t *s;
	uint64_t w, next = VT_NO_DEADLINE, t;
	uint32_t i;

	for(i = 0; i < f->steps; i++) {
		s = first_flying(f, i, &w);
		if(s == NULL)
			continue;
		t = vt_deadline_add_ms(s->sent_ms, f->step_ms[i]);
		if(t < next)
			next = t;
	}
	return next;
}

static const char hexd[] = "0123456789abcdef";

static int put_hex(char *p, uint32_t v)
{
	char tmp[8];
	int n = 0, i;

	do {
		tmp[n++] = hexd[v & 0xf];
		v >>= 4;
	} while(v != 0);
	for(i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

int vt_flight_branch(char *buf, uint32_t slot, uint32_t tag)
{
	int n = FL_PREFIX_LEN;

	memcpy(buf, VT_FL_BRANCH_PREFIX, FL_PREFIX_LEN);
	n += put_hex(buf + n, slot);
	buf[n++] = '.';
	n += put_hex(buf + n, tag);
	buf[n] = '\0';
	return n;
}

/* Up to 8 hex digits from s[*i] on, stopping at end or a non-digit. */
static int get_hex(const char *s, size_t len, size_t *i, uint32_t *v)
{
	size_t start = *i;
	int d;

	*v = 0;
	for(; *i < len && *i - start < 9; (*i)++) {
		if(s[*i] >= '0' && s[*i] <= '9')
			d = s[*i] - '0';
		else if(s[*i] >= 'a' && s[*i] <= 'f')
			d = s[*i] - 'a' + 10;
		else
			break;
		*v = (*v << 4) | (uint32_t)d;
	}
	return *i > start && *i - start <= 8 ? 0 : -1;
}

int vt_flight_parse_branch(
		const char *s, size_t len, uint32_t *slot, uint32_t *tag)
{
	size_t i = FL_PREFIX_LEN;

	if(len < FL_PREFIX_LEN
			|| memcmp(s, VT_FL_BRANCH_PREFIX, FL_PREFIX_LEN) != 0)
		return 0;
	if(get_hex(s, len, &i, slot) < 0 || i >= len || s[i] != '.')
		return -1;
	i++;
	if(get_hex(s, len, &i, tag) < 0 || i != len)
		return -1;
	return 1;
}
