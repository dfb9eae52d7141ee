/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: deadline store, an intrusive binary min-heap (after libuv's
 * heap-inl.h). The node lives inside the call record, so arming, moving and
 * removing a deadline never allocates; insert, remove and pop are O(log n),
 * peeking the next deadline is O(1). Equal deadlines fire in the order they
 * were armed (seq tie-break). Pure C, no locking: the owner locks.
 */
#ifndef VT_HEAP_H
#define VT_HEAP_H

#include <stdint.h>

typedef struct vt_heap_node
{
	struct vt_heap_node *left;
	struct vt_heap_node *right;
	struct vt_heap_node *parent;
	uint64_t deadline_ms;
	uint64_t seq;
} vt_heap_node_t;

typedef struct vt_heap
{
	vt_heap_node_t *min;
	unsigned int nelts;
	uint64_t next_seq;
} vt_heap_t;

void vt_heap_init(vt_heap_t *h);
/* node must not be in the heap. */
void vt_heap_insert(vt_heap_t *h, vt_heap_node_t *node, uint64_t deadline_ms);
/* node must be in the heap. */
void vt_heap_remove(vt_heap_t *h, vt_heap_node_t *node);
/* Re-arm node (in the heap) at deadline_ms where it is: one sift, no
 * detaching of the last node (about half a remove plus an insert). It
 * counts as armed now for the order of equal deadlines, unless
 * deadline_ms is its deadline already: then nothing changes. */
void vt_heap_update(vt_heap_t *h, vt_heap_node_t *node, uint64_t deadline_ms);
static inline vt_heap_node_t *vt_heap_min(const vt_heap_t *h)
{
	return h->min;
}

/* A node not in any heap is marked by a self-pointing parent, so a record
 * can tell whether its deadline is armed without a separate flag. */
static inline void vt_heap_node_clear(vt_heap_node_t *n)
{
	n->left = n->right = 0;
	n->parent = n;
}
static inline int vt_heap_node_armed(const vt_heap_node_t *n)
{
	return n->parent != n;
}

#endif
