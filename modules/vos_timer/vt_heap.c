/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: intrusive binary min-heap. The tree is complete; the path from
 * the root to slot k (1-based) is given by the bits of k below its top bit,
 * which is how insert finds the free slot and remove finds the last node.
 * The design follows libuv's intrusive heap (src/heap-inl.h, ISC licence,
 * by Ben Noordhuis): nodes embedded in their owners, linked by pointers,
 * and that bit path; the code is written anew for this module.
 */
#include <stddef.h>

#include "vt_heap.h"

static int node_less(const vt_heap_node_t *a, const vt_heap_node_t *b)
{
	if(a->deadline_ms != b->deadline_ms)
		return a->deadline_ms < b->deadline_ms;
	return a->seq < b->seq;
}

void vt_heap_init(vt_heap_t *h)
{
	h->min = NULL;
	h->nelts = 0;
	h->next_seq = 0;
}

/* Swap parent with child, child being one of parent's children. */
static void node_swap(
		vt_heap_t *h, vt_heap_node_t *parent, vt_heap_node_t *child)
{
	vt_heap_node_t *sibling;
	vt_heap_node_t t;

	t = *parent;
	parent->left = child->left;
	parent->right = child->right;
	parent->parent = child;
	child->left = t.left;
	child->right = t.right;
	child->parent = t.parent;

	if(child->left == child) {
		child->left = parent;
		sibling = child->right;
	} else {
		child->right = parent;
		sibling = child->left;
	}
	if(sibling != NULL)
		sibling->parent = child;
	if(parent->left != NULL)
		parent->left->parent = parent;
	if(parent->right != NULL)
		parent->right->parent = parent;

	if(child->parent == NULL)
		h->min = child;
	else if(child->parent->left == parent)
		child->parent->left = child;
	else
		child->parent->right = child;
}

/* Move node down, then up, to where its key belongs. */
static void sift(vt_heap_t *h, vt_heap_node_t *node)
{
	vt_heap_node_t *smallest;

	for(;;) {
		smallest = node;
		if(node->left != NULL && node_less(node->left, smallest))
			smallest = node->left;
		if(node->right != NULL && node_less(node->right, smallest))
			smallest = node->right;
		if(smallest == node)
			break;
		node_swap(h, node, smallest);
	}
	while(node->parent != NULL && node_less(node, node->parent))
		node_swap(h, node->parent, node);
}

/* Walk from the root to the parent of slot n (1-based); return the address
 * of the link that points (or will point) at slot n. */
static vt_heap_node_t **slot_link(
		vt_heap_t *h, unsigned int n, vt_heap_node_t **parent)
{
	unsigned int path = 0, k;
	vt_heap_node_t **link = &h->min;

	*parent = NULL;
	/* Reverse the bits below the top one into path. */
	for(k = 0; n >= 2; k++, n /= 2)
		path = (path << 1) | (n & 1);
	while(k > 0) {
		*parent = *link;
		link = (path & 1) ? &(*link)->right : &(*link)->left;
		path >>= 1;
		k--;
	}
	return link;
}

void vt_heap_insert(vt_heap_t *h, vt_heap_node_t *node, uint64_t deadline_ms)
{
	vt_heap_node_t **link, *parent;

	node->left = node->right = NULL;
	node->deadline_ms = deadline_ms;
	node->seq = h->next_seq++;

	link = slot_link(h, h->nelts + 1, &parent);
	node->parent = parent;
	*link = node;
	h->nelts++;

	while(node->parent != NULL && node_less(node, node->parent))
		node_swap(h, node->parent, node);
}

void vt_heap_remove(vt_heap_t *h, vt_heap_node_t *node)
{
	vt_heap_node_t **link, *last, *parent;

	if(h->nelts == 0)
		return;

	/* Detach the last node of the tree. */
	link = slot_link(h, h->nelts, &parent);
	last = *link;
	*link = NULL;
	h->nelts--;

	if(last == node) {
		if(h->min == node)
			h->min = NULL;
		vt_heap_node_clear(node);
		return;
	}

	/* Put last where node was. */
	last->left = node->left;
	last->right = node->right;
	last->parent = node->parent;
	if(last->left != NULL)
		last->left->parent = last;
	if(last->right != NULL)
		last->right->parent = last;
	if(node->parent == NULL)
		h->min = last;
	else if(node->parent->left == node)
		node->parent->left = last;
	else
		node->parent->right = last;
	vt_heap_node_clear(node);

	/* last may belong on either side of its new slot */
	sift(h, last);
}

void vt_heap_update(vt_heap_t *h, vt_heap_node_t *node, uint64_t deadline_ms)
{
	/* the first leg's answer of a probe round leaves the call's deadline
	 * where it was (the second restarts the window): no sift, no look at
	 * the neighbours (other calls' records, cold in cache) */
	if(node->deadline_ms == deadline_ms)
		return;
	node->deadline_ms = deadline_ms;
	node->seq = h->next_seq++;
	sift(h, node);
}
