/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: micro-benchmark of the deadline store (modules/vos_timer/
 * vt_heap.c, compiled in as its own translation unit, as in the module).
 * Pure C, no Kamailio headers. Built and run by `make -C bench heap-run`.
 *
 * For each heap size n (default 10^3, 10^4, 10^5, 10^6) it times:
 *   insert   n inserts of pseudo-random deadlines now + 0..600000 ms
 *   pop      n pops of the minimum (vt_heap_min + vt_heap_remove)
 *   remove   n inserts (not timed), then n removes in random order
 *            (arbitrary node, as when calls end)
 *   rearm    heap holding n nodes, then remove a random node and insert it
 *            again with a later deadline (old + 1..600000 ms), as re-arming
 *            a call's deadline did; one figure per remove+insert pair
 *   update   the same re-arm mix with vt_heap_update() (in place), as the
 *            store re-arms now
 *   same     vt_heap_update() of random nodes at their own deadline, as
 *            the store re-arms a call at the first leg's answer of a
 *            probe round (its deadline stays where it was)
 * Every figure is ns per operation, CLOCK_MONOTONIC, the best of --runs
 * runs (default 3). Sizes below 10^6 repeat the scenario 10^6/n times per
 * run so each figure covers ~10^6 operations. Nodes sit in one array
 * allocated up front and all random inputs are generated before the clock
 * starts: neither malloc nor the generator is measured.
 *
 * Correctness gates (a broken heap exits 1 and prints no figures): pops come
 * out in non-decreasing (deadline, arm order) order and number n; the heap
 * is empty after each drain; removed nodes read as not armed; after the
 * re-arm mix the heap still drains in order with n nodes.
 *
 * Output: a Markdown table on stdout (rows: operation, columns: n);
 * --json FILE writes the same figures as JSON.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vt_heap.h"

#define SEED 0x9E3779B97F4A7C15ull
#define SPREAD_MS 600000u		/* deadlines: now + 0..SPREAD_MS */
#define NOW_MS 1764000000000ull /* a plausible epoch-ms "now" */
#define OPS_TARGET 1000000ul	/* operations per figure, at least */
#define MAX_SIZES 16

enum
{
	OP_INSERT,
	OP_POP,
	OP_REMOVE,
	OP_REARM,
	OP_UPDATE,
	OP_SAME,
	OP_COUNT
};

static const char *const op_key[OP_COUNT] = {
		"insert", "pop_min", "remove_random", "rearm", "update", "same"};
static const char *const op_label[OP_COUNT] = {
		"insert (random deadline)",
		"pop-min (min + remove)",
		"remove random node",
		"re-arm (remove random + insert later)",
		"re-arm in place (vt_heap_update, later)",
		"re-arm in place, same deadline",
};

/* ---- inputs ------------------------------------------------------------ */

static uint64_t rng_state;

static uint64_t xorshift64(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

/* Uniform enough for a benchmark: the modulo bias for bound <= 10^6 is
 * below 10^-13. */
static uint32_t rnd_below(uint32_t bound)
{
	return (uint32_t)(xorshift64() % bound);
}

typedef struct inputs
{
	size_t n;
	uint64_t *deadline;	 /* n: initial deadlines */
	uint32_t *perm;		 /* n: removal order for "remove" */
	size_t mix_len;		 /* iterations of the re-arm mix per run */
	uint32_t *mix_idx;	 /* mix_len: node re-armed at step i */
	uint32_t *mix_delta; /* mix_len: its deadline moves by 1 + this */
} inputs_t;

static void *xmalloc(size_t sz)
{
	void *p = malloc(sz ? sz : 1);
	if(p == NULL) {
		fprintf(stderr, "heap_bench: out of memory (%zu bytes)\n", sz);
		exit(2);
	}
	return p;
}

static void inputs_make(inputs_t *in, size_t n, size_t mix_len)
{
	size_t i;

	/* Same seed for every size: runs are reproducible. */
	rng_state = SEED ^ (uint64_t)n;
	in->n = n;
	in->deadline = xmalloc(n * sizeof(*in->deadline));
	in->perm = xmalloc(n * sizeof(*in->perm));
	in->mix_len = mix_len;
	in->mix_idx = xmalloc(mix_len * sizeof(*in->mix_idx));
	in->mix_delta = xmalloc(mix_len * sizeof(*in->mix_delta));

	for(i = 0; i < n; i++)
		in->deadline[i] = NOW_MS + rnd_below(SPREAD_MS + 1);
	for(i = 0; i < n; i++)
		in->perm[i] = (uint32_t)i;
	for(i = n; i > 1; i--) { /* Fisher-Yates */
		uint32_t j = rnd_below((uint32_t)i), t = in->perm[i - 1];
		in->perm[i - 1] = in->perm[j];
		in->perm[j] = t;
	}
	for(i = 0; i < mix_len; i++) {
		in->mix_idx[i] = rnd_below((uint32_t)n);
		in->mix_delta[i] = rnd_below(SPREAD_MS);
	}
}

static void inputs_free(inputs_t *in)
{
	free(in->deadline);
	free(in->perm);
	free(in->mix_idx);
	free(in->mix_delta);
}

/* ---- checks ------------------------------------------------------------ */

static void fail(const char *what, size_t n)
{
	fprintf(stderr, "heap_bench: FAILED at n=%zu: %s\n", n, what);
	exit(1);
}

/* Drain h (not timed), checking order and count. */
static void drain_checked(vt_heap_t *h, size_t n, const char *ctx)
{
	vt_heap_node_t *m;
	uint64_t pd = 0, ps = 0;
	size_t got = 0;

	while((m = vt_heap_min(h)) != NULL) {
		if(got > 0
				&& (m->deadline_ms < pd
						|| (m->deadline_ms == pd && m->seq <= ps))) {
			fprintf(stderr, "heap_bench: %s: pop %zu out of order\n", ctx, got);
			fail("pops not in non-decreasing deadline order", n);
		}
		pd = m->deadline_ms;
		ps = m->seq;
		vt_heap_remove(h, m);
		if(vt_heap_node_armed(m))
			fail("popped node still armed", n);
		if(++got > n)
			fail("more pops than nodes", n);
	}
	if(got != n || h->nelts != 0)
		fail("drain count differs from node count", n);
}

/* ---- timing ------------------------------------------------------------ */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* n nodes armed, then the re-arm mix timed: remove + insert (in_place
 * 0), in place (1, vt_heap_update), or in place at the node's own
 * deadline (2); checks the heap still drains in order. */
static void rearm_mix(vt_heap_t *h, vt_heap_node_t *nodes, const inputs_t *in,
		size_t n, int in_place, uint64_t *ns, uint64_t *ops)
{
	uint64_t t0, t1;
	size_t i;

	vt_heap_init(h);
	for(i = 0; i < n; i++)
		vt_heap_insert(h, &nodes[i], in->deadline[i]);
	t0 = now_ns();
	for(i = 0; i < in->mix_len; i++) {
		vt_heap_node_t *x = &nodes[in->mix_idx[i]];
		uint64_t later = x->deadline_ms + 1 + in->mix_delta[i];

		if(in_place == 2) {
			vt_heap_update(h, x, x->deadline_ms);
		} else if(in_place) {
			vt_heap_update(h, x, later);
		} else {
			vt_heap_remove(h, x);
			vt_heap_insert(h, x, later);
		}
	}
	t1 = now_ns();
	*ns = t1 - t0;
	*ops = in->mix_len;
	drain_checked(
			h, n, in_place ? "after in-place re-arm mix" : "after re-arm mix");
}

/* One run at size n: total ns and operation count per op. */
static void run_once(const inputs_t *in, vt_heap_node_t *nodes,
		uint64_t ns[OP_COUNT], uint64_t ops[OP_COUNT])
{
	const size_t n = in->n;
	const size_t reps = n >= OPS_TARGET ? 1 : (OPS_TARGET + n - 1) / n;
	vt_heap_t h;
	vt_heap_node_t *m;
	uint64_t t0, t1, pd, ps, min_dl;
	size_t r, i, got;

	memset(ns, 0, OP_COUNT * sizeof(ns[0]));
	memset(ops, 0, OP_COUNT * sizeof(ops[0]));

	min_dl = UINT64_MAX;
	for(i = 0; i < n; i++)
		if(in->deadline[i] < min_dl)
			min_dl = in->deadline[i];

	for(r = 0; r < reps; r++) {
		/* (a) insert */
		for(i = 0; i < n; i++)
			vt_heap_node_clear(&nodes[i]);
		vt_heap_init(&h);
		t0 = now_ns();
		for(i = 0; i < n; i++)
			vt_heap_insert(&h, &nodes[i], in->deadline[i]);
		t1 = now_ns();
		ns[OP_INSERT] += t1 - t0;
		ops[OP_INSERT] += n;
		if(h.nelts != n || vt_heap_min(&h) == NULL
				|| vt_heap_min(&h)->deadline_ms != min_dl)
			fail("after inserts: wrong count or wrong minimum", n);

		/* (b) pop-min, order checked inline (one compare per pop) */
		got = 0;
		pd = ps = 0;
		t0 = now_ns();
		while((m = vt_heap_min(&h)) != NULL) {
			if(got > 0
					&& (m->deadline_ms < pd
							|| (m->deadline_ms == pd && m->seq <= ps)))
				break;
			pd = m->deadline_ms;
			ps = m->seq;
			vt_heap_remove(&h, m);
			got++;
		}
		t1 = now_ns();
		if(vt_heap_min(&h) != NULL)
			fail("pops not in non-decreasing deadline order", n);
		if(got != n || h.nelts != 0)
			fail("pop count differs from node count", n);
		ns[OP_POP] += t1 - t0;
		ops[OP_POP] += n;

		/* (c) remove in random order */
		vt_heap_init(&h);
		for(i = 0; i < n; i++)
			vt_heap_insert(&h, &nodes[i], in->deadline[i]);
		t0 = now_ns();
		for(i = 0; i < n; i++)
			vt_heap_remove(&h, &nodes[in->perm[i]]);
		t1 = now_ns();
		ns[OP_REMOVE] += t1 - t0;
		ops[OP_REMOVE] += n;
		if(h.nelts != 0 || vt_heap_min(&h) != NULL)
			fail("heap not empty after removing every node", n);
		for(i = 0; i < n; i++)
			if(vt_heap_node_armed(&nodes[i]))
				fail("removed node still armed", n);
	}

	/* (d) steady state: n nodes held, mix_len re-arms; (e) the same mix
	 * re-armed in place, as the store does now */
	rearm_mix(&h, nodes, in, n, 0, &ns[OP_REARM], &ops[OP_REARM]);
	rearm_mix(&h, nodes, in, n, 1, &ns[OP_UPDATE], &ops[OP_UPDATE]);
	rearm_mix(&h, nodes, in, n, 2, &ns[OP_SAME], &ops[OP_SAME]);
}

/* ---- output ------------------------------------------------------------ */

static void print_table(FILE *f, const size_t *sizes, size_t nsizes,
		double res[][OP_COUNT], int runs)
{
	size_t s;
	int op;

	fprintf(f, "| vt_heap, ns/op (best of %d) |", runs);
	for(s = 0; s < nsizes; s++)
		fprintf(f, " n=%zu |", sizes[s]);
	fprintf(f, "\n|---|");
	for(s = 0; s < nsizes; s++)
		fprintf(f, "---:|");
	fprintf(f, "\n");
	for(op = 0; op < OP_COUNT; op++) {
		fprintf(f, "| %s |", op_label[op]);
		for(s = 0; s < nsizes; s++)
			fprintf(f, " %.1f |", res[s][op]);
		fprintf(f, "\n");
	}
}

static int write_json(const char *path, const size_t *sizes, size_t nsizes,
		double res[][OP_COUNT], int runs)
{
	FILE *f = fopen(path, "w");
	size_t s;
	int op;

	if(f == NULL) {
		fprintf(stderr, "heap_bench: cannot write %s: %s\n", path,
				strerror(errno));
		return -1;
	}
	fprintf(f, "{\n");
	fprintf(f, "  \"benchmark\": \"vt_heap\",\n");
	fprintf(f, "  \"source\": \"modules/vos_timer/vt_heap.c\",\n");
	fprintf(f, "  \"unit\": \"ns/op\",\n");
	fprintf(f, "  \"clock\": \"CLOCK_MONOTONIC\",\n");
	fprintf(f, "  \"statistic\": \"min\",\n");
	fprintf(f, "  \"runs\": %d,\n", runs);
	fprintf(f, "  \"ops_per_figure_min\": %lu,\n", OPS_TARGET);
	fprintf(f, "  \"seed\": \"0x%016" PRIx64 "\",\n", (uint64_t)SEED);
	fprintf(f, "  \"deadline_spread_ms\": %u,\n", SPREAD_MS);
	fprintf(f, "  \"order_check\": \"passed\",\n");
	fprintf(f, "  \"sizes\": [");
	for(s = 0; s < nsizes; s++)
		fprintf(f, "%s%zu", s ? ", " : "", sizes[s]);
	fprintf(f, "],\n");
	fprintf(f, "  \"operations\": [\n");
	for(op = 0; op < OP_COUNT; op++) {
		fprintf(f, "    {\"op\": \"%s\", \"label\": \"%s\", \"ns_per_op\": {",
				op_key[op], op_label[op]);
		for(s = 0; s < nsizes; s++)
			fprintf(f, "%s\"%zu\": %.2f", s ? ", " : "", sizes[s], res[s][op]);
		fprintf(f, "}}%s\n", op + 1 < OP_COUNT ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	if(fclose(f) != 0) {
		fprintf(stderr, "heap_bench: cannot write %s: %s\n", path,
				strerror(errno));
		return -1;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: heap_bench [--json FILE] [--runs N] [--sizes N,N,...]\n"
			   "  times modules/vos_timer/vt_heap.c; Markdown table on stdout\n"
			   "  defaults: --runs 3 --sizes 1000,10000,100000,1000000\n");
}

static size_t parse_sizes(const char *arg, size_t *sizes)
{
	size_t count = 0;
	const char *p = arg;
	char *end;

	while(*p) {
		unsigned long long v;
		errno = 0;
		v = strtoull(p, &end, 10);
		if(end == p || errno || v < 1 || v > 100000000ull || count == MAX_SIZES
				|| (*end && *end != ','))
			return 0;
		sizes[count++] = (size_t)v;
		p = *end ? end + 1 : end;
	}
	return count;
}

int main(int argc, char **argv)
{
	size_t sizes[MAX_SIZES] = {1000, 10000, 100000, 1000000};
	size_t nsizes = 4, maxn = 0, s;
	double res[MAX_SIZES][OP_COUNT];
	const char *json = NULL;
	int runs = 3, run, op, i;
	vt_heap_node_t *nodes;

	for(i = 1; i < argc; i++) {
		if(!strcmp(argv[i], "--json") && i + 1 < argc) {
			json = argv[++i];
		} else if(!strcmp(argv[i], "--runs") && i + 1 < argc) {
			runs = atoi(argv[++i]);
			if(runs < 1 || runs > 100) {
				usage(stderr);
				return 2;
			}
		} else if(!strcmp(argv[i], "--sizes") && i + 1 < argc) {
			nsizes = parse_sizes(argv[++i], sizes);
			if(nsizes == 0) {
				usage(stderr);
				return 2;
			}
		} else if(!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	for(s = 0; s < nsizes; s++)
		if(sizes[s] > maxn)
			maxn = sizes[s];

	/* All nodes up front, touched once so page faults are not timed. */
	nodes = xmalloc(maxn * sizeof(*nodes));
	memset(nodes, 0, maxn * sizeof(*nodes));

	for(s = 0; s < nsizes; s++) {
		inputs_t in;
		size_t n = sizes[s];
		size_t mix_len = n >= OPS_TARGET ? n : OPS_TARGET;

		inputs_make(&in, n, mix_len);
		for(op = 0; op < OP_COUNT; op++)
			res[s][op] = -1.0;
		for(run = 0; run < runs; run++) {
			uint64_t ns[OP_COUNT], ops[OP_COUNT];
			run_once(&in, nodes, ns, ops);
			for(op = 0; op < OP_COUNT; op++) {
				double v = (double)ns[op] / (double)ops[op];
				if(res[s][op] < 0 || v < res[s][op])
					res[s][op] = v;
			}
		}
		fprintf(stderr,
				"heap_bench: n=%zu done (%d runs, order checks passed)\n", n,
				runs);
		inputs_free(&in);
	}
	free(nodes);

	print_table(stdout, sizes, nsizes, res, runs);
	if(json != NULL && write_json(json, sizes, nsizes, res, runs) != 0)
		return 1;
	return 0;
}
