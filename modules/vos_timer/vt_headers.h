/*
 * vos_timer: what SIP headers say about session-timer support.
 * Pure C: the glue hands each header's name and body here; nothing in this
 * file knows Kamailio's parser, so it is unit-tested and fuzzed on its own.
 */
#ifndef VT_HEADERS_H
#define VT_HEADERS_H

#include <stddef.h>

/* What one message told us (accumulated over all of its headers). */
typedef struct vt_timer_facts {
	int has_session_expires; /* a Session-Expires / x header is present */
	int supports_timer;		 /* "timer" in Supported / k or in Require */
} vt_timer_facts_t;

/* Header name equality, case-insensitive, long or compact form
 * (compact == 0: the header has none). */
int vt_hdr_name_is(const char *name, size_t len, const char *long_name,
		char compact);

/* Does a comma-separated option-tag list contain token (case-insensitive,
 * blanks around items ignored)? */
int vt_token_list_has(const char *body, size_t len, const char *token);

/* Fold one header into the facts. Unknown headers are ignored. */
void vt_facts_add_header(vt_timer_facts_t *f, const char *name, size_t nlen,
		const char *body, size_t blen);

/* SPEC section 3, "Timer support": a message signals timer support when it
 * carries Session-Expires or lists "timer" as supported/required. */
int vt_facts_timer_capable(const vt_timer_facts_t *f);

#endif
