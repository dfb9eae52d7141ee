/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* Unit tests: modules/vos_timer/vt_heap.c (intrusive deadline min-heap). */
#include <stdint.h>
#include <string.h>

#include "unit_suites.h"
#include "vt_clock.h"
#include "vt_heap.h"

/* ---- helpers ---------------------------------------------------------- */

/* ck_assert* records a checkpoint through the runner's pipe on every
 * success; the per-operation tree walks below would make that thousands of
 * syscalls per operation, so they only call into Check on failure. */
#define REQUIRE(cond, ...)             \
	do {                               \
		if(!(cond))                    \
			ck_abort_msg(__VA_ARGS__); \
	} while(0)

static int key_less(const vt_heap_node_t *a, const vt_heap_node_t *b)
{
	if(a->deadline_ms != b->deadline_ms)
		return a->deadline_ms < b->deadline_ms;
	return a->seq < b->seq;
}

/* Pool whose nodes are checked against the tree. */
typedef struct pool
{
	vt_heap_node_t *nodes;
	unsigned char *in_heap; /* reference: 1 if the test inserted it */
	unsigned char *seen;	/* scratch for the tree walk */
	size_t n;
} pool_t;

static size_t pool_index(const pool_t *p, const vt_heap_node_t *node)
{
	REQUIRE(node >= p->nodes && node < p->nodes + p->n,
			"tree holds a node outside the pool");
	return (size_t)(node - p->nodes);
}

/* Walk the subtree at node, whose 1-based slot in the complete tree is
 * slot; checks parent links, heap order, no node twice, membership.
 * Returns the number of nodes; *max_slot gets the highest slot seen. */
static unsigned int walk(pool_t *p, const vt_heap_node_t *node,
		const vt_heap_node_t *parent, unsigned long slot,
		unsigned long *max_slot)
{
	size_t i;
	unsigned int count = 1;

	if(node == NULL)
		return 0;
	i = pool_index(p, node);
	REQUIRE(!p->seen[i], "node %zu reached twice", i);
	p->seen[i] = 1;
	REQUIRE(p->in_heap[i], "node %zu in tree but not inserted", i);
	REQUIRE(node->parent == parent, "node %zu: wrong parent pointer", i);
	REQUIRE(vt_heap_node_armed(node), "node %zu in tree not armed", i);
	if(parent != NULL)
		REQUIRE(!key_less(node, parent), "heap order broken at node %zu", i);
	if(slot > *max_slot)
		*max_slot = slot;
	count += walk(p, node->left, node, 2 * slot, max_slot);
	count += walk(p, node->right, node, 2 * slot + 1, max_slot);
	return count;
}

/* Full check of h against the reference membership in p. */
static void check_heap(pool_t *p, const vt_heap_t *h)
{
	unsigned long max_slot = 0;
	unsigned int count, expected = 0;
	const vt_heap_node_t *ref_min = NULL;
	size_t i;

	memset(p->seen, 0, p->n);
	count = walk(p, h->min, NULL, 1, &max_slot);
	for(i = 0; i < p->n; i++) {
		if(p->in_heap[i]) {
			expected++;
			REQUIRE(p->seen[i], "inserted node %zu not in tree", i);
			if(ref_min == NULL || key_less(&p->nodes[i], ref_min))
				ref_min = &p->nodes[i];
		} else {
			REQUIRE(!vt_heap_node_armed(&p->nodes[i]),
					"node %zu not in heap but armed", i);
		}
	}
	REQUIRE(count == expected, "walk found %u nodes, expected %u", count,
			expected);
	REQUIRE(h->nelts == expected, "nelts %u, expected %u", h->nelts, expected);
	/* complete tree: slots 1..nelts exactly */
	REQUIRE(max_slot == expected, "tree not complete: max slot %lu, %u nodes",
			max_slot, expected);
	REQUIRE(vt_heap_min(h) == ref_min, "heap min is not the reference min");
	REQUIRE(h->min == NULL || h->min->parent == NULL, "root has a parent");
}

static void pool_init(pool_t *p, vt_heap_node_t *nodes, unsigned char *in,
		unsigned char *seen, size_t n)
{
	size_t i;

	p->nodes = nodes;
	p->in_heap = in;
	p->seen = seen;
	p->n = n;
	memset(in, 0, n);
	for(i = 0; i < n; i++)
		vt_heap_node_clear(&nodes[i]);
}

static void pool_insert(pool_t *p, vt_heap_t *h, size_t i, uint64_t d)
{
	uint64_t seq = h->next_seq;

	vt_heap_insert(h, &p->nodes[i], d);
	p->in_heap[i] = 1;
	REQUIRE(p->nodes[i].deadline_ms == d, "deadline not stored");
	REQUIRE(p->nodes[i].seq == seq, "seq %llu, expected %llu",
			(unsigned long long)p->nodes[i].seq, (unsigned long long)seq);
	REQUIRE(h->next_seq == seq + 1, "next_seq not advanced");
}

static void pool_remove(pool_t *p, vt_heap_t *h, size_t i)
{
	vt_heap_remove(h, &p->nodes[i]);
	p->in_heap[i] = 0;
	REQUIRE(!vt_heap_node_armed(&p->nodes[i]), "removed node still armed");
}

/* ---- tests ------------------------------------------------------------ */

START_TEST(test_init_empty)
{
	vt_heap_t h;

	memset(&h, 0xa5, sizeof(h));
	vt_heap_init(&h);
	ck_assert_ptr_null(vt_heap_min(&h));
	ck_assert_uint_eq(h.nelts, 0);
	ck_assert_uint_eq(h.next_seq, 0);
}
END_TEST

START_TEST(test_node_clear_armed)
{
	vt_heap_t h;
	vt_heap_node_t n;

	memset(&n, 0x5a, sizeof(n));
	vt_heap_node_clear(&n);
	ck_assert_int_eq(vt_heap_node_armed(&n), 0);
	ck_assert_ptr_eq(n.parent, &n);
	ck_assert_ptr_null(n.left);
	ck_assert_ptr_null(n.right);

	vt_heap_init(&h);
	vt_heap_insert(&h, &n, 100);
	ck_assert_int_ne(vt_heap_node_armed(&n), 0);
	ck_assert_ptr_null(n.parent); /* the root */
	vt_heap_remove(&h, &n);
	ck_assert_int_eq(vt_heap_node_armed(&n), 0);
}
END_TEST

START_TEST(test_only_node)
{
	vt_heap_node_t nodes[1];
	unsigned char in[1], seen[1];
	pool_t p;
	vt_heap_t h;

	pool_init(&p, nodes, in, seen, 1);
	vt_heap_init(&h);
	pool_insert(&p, &h, 0, 42);
	check_heap(&p, &h);
	ck_assert_ptr_eq(vt_heap_min(&h), &nodes[0]);
	ck_assert_uint_eq(h.nelts, 1);
	pool_remove(&p, &h, 0);
	check_heap(&p, &h);
	ck_assert_ptr_null(vt_heap_min(&h));
	ck_assert_uint_eq(h.nelts, 0);
	/* re-arm after removal works */
	pool_insert(&p, &h, 0, 7);
	check_heap(&p, &h);
	ck_assert_ptr_eq(vt_heap_min(&h), &nodes[0]);
	ck_assert_uint_eq(nodes[0].seq, 1);
}
END_TEST

START_TEST(test_insert_min_order)
{
	static const uint64_t d[] = {50, 20, 80, 10, 90, 30, 70, 60, 40, 0};
	static const size_t expect[] = {9, 3, 1, 5, 8, 0, 7, 6, 2, 4};
	vt_heap_node_t nodes[10];
	unsigned char in[10], seen[10];
	pool_t p;
	vt_heap_t h;
	size_t i;

	pool_init(&p, nodes, in, seen, 10);
	vt_heap_init(&h);
	for(i = 0; i < 10; i++) {
		pool_insert(&p, &h, i, d[i]);
		check_heap(&p, &h);
	}
	ck_assert_uint_eq(h.nelts, 10);
	for(i = 0; i < 10; i++) {
		vt_heap_node_t *m = vt_heap_min(&h);
		ck_assert_ptr_eq(m, &nodes[expect[i]]);
		pool_remove(&p, &h, expect[i]);
		check_heap(&p, &h);
		ck_assert_uint_eq(h.nelts, 10 - i - 1);
	}
	ck_assert_ptr_null(vt_heap_min(&h));
}
END_TEST

START_TEST(test_ties_fifo)
{
	vt_heap_node_t nodes[16];
	unsigned char in[16], seen[16];
	pool_t p;
	vt_heap_t h;
	size_t i;

	pool_init(&p, nodes, in, seen, 16);
	vt_heap_init(&h);
	/* interleave: even nodes at 100, odd nodes at 200, inserted in an order
	 * that makes later nodes bubble past earlier ones if seq were ignored */
	for(i = 0; i < 16; i++) {
		pool_insert(&p, &h, i, (i % 2) ? 200 : 100);
		check_heap(&p, &h);
	}
	for(i = 0; i < 16; i += 2) {
		ck_assert_ptr_eq(vt_heap_min(&h), &nodes[i]);
		pool_remove(&p, &h, i);
		check_heap(&p, &h);
	}
	for(i = 1; i < 16; i += 2) {
		ck_assert_ptr_eq(vt_heap_min(&h), &nodes[i]);
		pool_remove(&p, &h, i);
		check_heap(&p, &h);
	}
	ck_assert_uint_eq(h.nelts, 0);
}
END_TEST

START_TEST(test_ties_rearm_goes_last)
{
	vt_heap_node_t nodes[4];
	unsigned char in[4], seen[4];
	pool_t p;
	vt_heap_t h;
	size_t i;

	pool_init(&p, nodes, in, seen, 4);
	vt_heap_init(&h);
	for(i = 0; i < 4; i++)
		pool_insert(&p, &h, i, 500);
	/* re-arming node 0 at the same time puts it behind the others */
	pool_remove(&p, &h, 0);
	pool_insert(&p, &h, 0, 500);
	check_heap(&p, &h);
	ck_assert_ptr_eq(vt_heap_min(&h), &nodes[1]);
	pool_remove(&p, &h, 1);
	ck_assert_ptr_eq(vt_heap_min(&h), &nodes[2]);
	pool_remove(&p, &h, 2);
	ck_assert_ptr_eq(vt_heap_min(&h), &nodes[3]);
	pool_remove(&p, &h, 3);
	ck_assert_ptr_eq(vt_heap_min(&h), &nodes[0]);
	pool_remove(&p, &h, 0);
	check_heap(&p, &h);
	ck_assert_ptr_null(vt_heap_min(&h));
}
END_TEST

/* Seven nodes with deadlines 10..70 inserted ascending: a complete tree
 * with root 0, inner nodes 1 and 2, leaves 3..6. */
static void build7(pool_t *p, vt_heap_t *h)
{
	size_t i;

	vt_heap_init(h);
	for(i = 0; i < 7; i++)
		pool_insert(p, h, i, 10 * (i + 1));
	check_heap(p, h);
	ck_assert_ptr_eq(h->min, &p->nodes[0]);
	ck_assert_ptr_eq(h->min->left, &p->nodes[1]);
	ck_assert_ptr_eq(h->min->right, &p->nodes[2]);
	ck_assert_ptr_eq(p->nodes[1].left, &p->nodes[3]);
	ck_assert_ptr_eq(p->nodes[1].right, &p->nodes[4]);
	ck_assert_ptr_eq(p->nodes[2].left, &p->nodes[5]);
	ck_assert_ptr_eq(p->nodes[2].right, &p->nodes[6]);
}

START_TEST(test_remove_min)
{
	vt_heap_node_t nodes[7];
	unsigned char in[7], seen[7];
	pool_t p;
	vt_heap_t h;

	pool_init(&p, nodes, in, seen, 7);
	build7(&p, &h);
	pool_remove(&p, &h, 0);
	check_heap(&p, &h);
	ck_assert_ptr_eq(vt_heap_min(&h), &nodes[1]);
	ck_assert_uint_eq(h.nelts, 6);
}
END_TEST

START_TEST(test_remove_leaf)
{
	vt_heap_node_t nodes[7];
	unsigned char in[7], seen[7];
	pool_t p;
	vt_heap_t h;

	pool_init(&p, nodes, in, seen, 7);
	build7(&p, &h);
	/* a leaf that is not the last node */
	pool_remove(&p, &h, 3);
	check_heap(&p, &h);
	ck_assert_uint_eq(h.nelts, 6);
	/* the last node (70) took slot 4 and stays there (20 < 70) */
	ck_assert_ptr_eq(nodes[1].left, &nodes[6]);
	/* now node 5 (slot 6) is the last node: remove it */
	pool_remove(&p, &h, 5);
	check_heap(&p, &h);
	ck_assert_uint_eq(h.nelts, 5);
	ck_assert_ptr_eq(vt_heap_min(&h), &nodes[0]);
}
END_TEST

START_TEST(test_remove_last_slot)
{
	vt_heap_node_t nodes[7];
	unsigned char in[7], seen[7];
	pool_t p;
	vt_heap_t h;

	pool_init(&p, nodes, in, seen, 7);
	build7(&p, &h);
	pool_remove(&p, &h, 6); /* slot 7, the last one */
	check_heap(&p, &h);
	ck_assert_ptr_null(nodes[2].right);
	ck_assert_ptr_eq(nodes[2].left, &nodes[5]);
}
END_TEST

START_TEST(test_remove_inner)
{
	vt_heap_node_t nodes[7];
	unsigned char in[7], seen[7];
	pool_t p;
	vt_heap_t h;

	pool_init(&p, nodes, in, seen, 7);
	build7(&p, &h);
	pool_remove(&p, &h, 1); /* inner node, left of root */
	check_heap(&p, &h);
	ck_assert_uint_eq(h.nelts, 6);
	/* last (70) moved in and sifted down: 40 now heads the left subtree */
	ck_assert_ptr_eq(h.min->left, &nodes[3]);

	pool_remove(&p, &h, 2); /* the other inner node */
	check_heap(&p, &h);
	ck_assert_uint_eq(h.nelts, 5);
}
END_TEST

START_TEST(test_remove_inner_sift_up)
{
	/* Removing a node in one subtree while the last node (in the other
	 * subtree) is smaller than the removed node's parent's other values:
	 * the moved node must go up, not down. */
	vt_heap_node_t nodes[7];
	unsigned char in[7], seen[7];
	pool_t p;
	vt_heap_t h;
	static const uint64_t d[] = {0, 100, 1, 101, 102, 2, 3};
	size_t i;

	pool_init(&p, nodes, in, seen, 7);
	vt_heap_init(&h);
	for(i = 0; i < 7; i++)
		pool_insert(&p, &h, i, d[i]);
	check_heap(&p, &h);
	/* slot 4 (node 3, 101) replaced by the last (node 6, 3): goes up */
	pool_remove(&p, &h, 3);
	check_heap(&p, &h);
	ck_assert_ptr_eq(h.min->left, &nodes[6]);
	ck_assert_ptr_eq(nodes[6].left, &nodes[1]);
}
END_TEST

START_TEST(test_remove_from_empty_is_noop)
{
	vt_heap_t h;
	vt_heap_node_t n;

	vt_heap_init(&h);
	vt_heap_node_clear(&n);
	vt_heap_remove(&h, &n);
	ck_assert_uint_eq(h.nelts, 0);
	ck_assert_ptr_null(vt_heap_min(&h));
}
END_TEST

START_TEST(test_extreme_deadlines)
{
	vt_heap_node_t nodes[5];
	unsigned char in[5], seen[5];
	pool_t p;
	vt_heap_t h;

	pool_init(&p, nodes, in, seen, 5);
	vt_heap_init(&h);
	pool_insert(&p, &h, 0, UINT64_MAX);
	pool_insert(&p, &h, 1, 0);
	pool_insert(&p, &h, 2, UINT64_MAX - 1);
	pool_insert(&p, &h, 3, UINT64_MAX);
	pool_insert(&p, &h, 4, 1);
	check_heap(&p, &h);
	ck_assert_ptr_eq(vt_heap_min(&h), &nodes[1]);
	pool_remove(&p, &h, 1);
	ck_assert_ptr_eq(vt_heap_min(&h), &nodes[4]);
	pool_remove(&p, &h, 4);
	ck_assert_ptr_eq(vt_heap_min(&h), &nodes[2]);
	pool_remove(&p, &h, 2);
	ck_assert_ptr_eq(vt_heap_min(&h), &nodes[0]);
	pool_remove(&p, &h, 0);
	ck_assert_ptr_eq(vt_heap_min(&h), &nodes[3]);
	pool_remove(&p, &h, 3);
	check_heap(&p, &h);
}
END_TEST

/* Deterministic PRNG (xorshift64*), independent of libc's rand(). */
static uint64_t rng_state;
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

#define RND_POOL 1000
#define RND_OPS 20000

START_TEST(test_randomized_against_reference)
{
	static vt_heap_node_t nodes[RND_POOL];
	static unsigned char in[RND_POOL], seen[RND_POOL];
	pool_t p;
	vt_heap_t h;
	unsigned int op, inserts = 0, removes = 0, pops = 0, updates = 0;
	unsigned int same = 0;
	uint64_t now = 1000;

	rng_state = 0x9e3779b97f4a7c15ULL;
	pool_init(&p, nodes, in, seen, RND_POOL);
	vt_heap_init(&h);

	for(op = 0; op < RND_OPS; op++) {
		unsigned int kind = (unsigned int)(rng() % 10);
		size_t i = (size_t)(rng() % RND_POOL);

		if(kind < 5) {
			/* insert (or re-arm) node i; small deadline range: many ties */
			uint64_t d = now + rng() % 64;
			if(rng() % 50 == 0)
				d = UINT64_MAX - rng() % 2;
			if(p.in_heap[i] && rng() % 2) {
				/* re-arm in place: armed now, so last among ties; at
				 * its own deadline it keeps its place */
				int unchanged;

				if(rng() % 4 == 0)
					d = nodes[i].deadline_ms; /* a first leg's answer */
				unchanged = nodes[i].deadline_ms == d;
				uint64_t seq = unchanged ? nodes[i].seq : h.next_seq;

				vt_heap_update(&h, &nodes[i], d);
				REQUIRE(nodes[i].deadline_ms == d && nodes[i].seq == seq,
						"update did not re-key node %zu", i);
				same += unchanged;
				updates++;
			} else {
				if(p.in_heap[i]) {
					pool_remove(&p, &h, i);
					removes++;
				}
				pool_insert(&p, &h, i, d);
				inserts++;
			}
		} else if(kind < 8) {
			/* remove an arbitrary node: scan from i for an armed one */
			size_t k;
			for(k = 0; k < RND_POOL; k++) {
				size_t j = (i + k) % RND_POOL;
				if(p.in_heap[j]) {
					pool_remove(&p, &h, j);
					removes++;
					break;
				}
			}
		} else {
			/* pop: the min must be the reference min */
			vt_heap_node_t *m = vt_heap_min(&h);
			if(m != NULL) {
				size_t j = (size_t)(m - nodes);
				now = m->deadline_ms < UINT64_MAX - 128 ? m->deadline_ms : now;
				pool_remove(&p, &h, j);
				pops++;
			}
		}
		check_heap(&p, &h);
	}
	/* the mix really exercised all operations and a big heap */
	ck_assert_uint_gt(inserts, RND_OPS / 5);
	ck_assert_uint_gt(removes, RND_OPS / 10);
	ck_assert_uint_gt(pops, RND_OPS / 10);
	ck_assert_uint_gt(updates, 50); /* each checked against the tree */
	ck_assert_uint_gt(same, 20);	/* re-armed at its own deadline */

	/* drain in order, checking non-decreasing (deadline, seq) */
	{
		vt_heap_node_t prev;
		int have_prev = 0;
		while(vt_heap_min(&h) != NULL) {
			vt_heap_node_t *m = vt_heap_min(&h);
			if(have_prev)
				ck_assert(!key_less(m, &prev));
			prev = *m;
			have_prev = 1;
			pool_remove(&p, &h, (size_t)(m - nodes));
			check_heap(&p, &h);
		}
	}
	ck_assert_uint_eq(h.nelts, 0);
}
END_TEST

START_TEST(test_randomized_fill_drain)
{
	/* Fill the whole pool, then drain: exercises deep trees (10 levels). */
	static vt_heap_node_t nodes[RND_POOL];
	static unsigned char in[RND_POOL], seen[RND_POOL];
	pool_t p;
	vt_heap_t h;
	size_t i;
	uint64_t last_d = 0, last_seq = 0;

	rng_state = 12345;
	pool_init(&p, nodes, in, seen, RND_POOL);
	vt_heap_init(&h);
	for(i = 0; i < RND_POOL; i++) {
		pool_insert(&p, &h, i, rng() % 500);
		if(i % 97 == 0)
			check_heap(&p, &h);
	}
	check_heap(&p, &h);
	ck_assert_uint_eq(h.nelts, RND_POOL);
	for(i = 0; i < RND_POOL; i++) {
		vt_heap_node_t *m = vt_heap_min(&h);
		ck_assert_ptr_nonnull(m);
		if(i > 0)
			ck_assert(m->deadline_ms > last_d
					  || (m->deadline_ms == last_d && m->seq > last_seq));
		last_d = m->deadline_ms;
		last_seq = m->seq;
		pool_remove(&p, &h, (size_t)(m - nodes));
		if(i % 89 == 0)
			check_heap(&p, &h);
	}
	check_heap(&p, &h);
	ck_assert_ptr_null(vt_heap_min(&h));
}
END_TEST

START_TEST(test_deadline_add_saturates)
{
	ck_assert_uint_eq(vt_deadline_add_ms(0, 0), 0);
	ck_assert_uint_eq(vt_deadline_add_ms(1000, 3000), 4000);
	ck_assert_uint_eq(vt_deadline_add_ms(UINT64_MAX - 10, 10), UINT64_MAX);
	ck_assert_uint_eq(vt_deadline_add_ms(UINT64_MAX - 10, 11), UINT64_MAX);
	ck_assert_uint_eq(vt_deadline_add_ms(UINT64_MAX - 10, 9), UINT64_MAX - 1);
	ck_assert_uint_eq(vt_deadline_add_ms(UINT64_MAX, 1), UINT64_MAX);
	ck_assert_uint_eq(vt_deadline_add_ms(UINT64_MAX, UINT64_MAX), UINT64_MAX);
	ck_assert_uint_eq(vt_deadline_add_ms(1, UINT64_MAX), UINT64_MAX);
	ck_assert_uint_eq(vt_deadline_add_ms(UINT64_MAX, 0), UINT64_MAX);
	ck_assert_uint_eq(vt_deadline_add_ms(0, UINT64_MAX), UINT64_MAX);
}
END_TEST

Suite *heap_suite(void)
{
	Suite *s = suite_create("heap");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_init_empty);
	tcase_add_test(tc, test_node_clear_armed);
	tcase_add_test(tc, test_only_node);
	tcase_add_test(tc, test_insert_min_order);
	tcase_add_test(tc, test_ties_fifo);
	tcase_add_test(tc, test_ties_rearm_goes_last);
	tcase_add_test(tc, test_remove_min);
	tcase_add_test(tc, test_remove_leaf);
	tcase_add_test(tc, test_remove_last_slot);
	tcase_add_test(tc, test_remove_inner);
	tcase_add_test(tc, test_remove_inner_sift_up);
	tcase_add_test(tc, test_remove_from_empty_is_noop);
	tcase_add_test(tc, test_extreme_deadlines);
	tcase_add_test(tc, test_deadline_add_saturates);
	suite_add_tcase(s, tc);

	tc = tcase_create("randomized");
	/* ASan + a full tree walk per operation: give it room */
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_randomized_against_reference);
	tcase_add_test(tc, test_randomized_fill_drain);
	suite_add_tcase(s, tc);
	return s;
}
