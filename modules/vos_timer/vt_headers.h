/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: what SIP headers say about session timers (RFC 4028).
 * Pure C: the glue hands each header's name and body here; nothing in this
 * file knows Kamailio's parser, so it is unit-tested and fuzzed on its own.
 *
 * Values that the network sends are classified, never trusted blindly:
 * a Session-Expires or Min-SE that is empty, not a number, negative, too
 * large (above VT_DELTA_MAX), followed by garbage, or present more than
 * once is reported as such, and its value is not used.
 */
#ifndef VT_HEADERS_H
#define VT_HEADERS_H

#include <stddef.h>
#include <stdint.h>

/* Largest delta-seconds value taken as a number (2^31 - 1, RFC 3261's
 * "delta-seconds" ceiling); anything above overflows: malformed. */
#define VT_DELTA_MAX 2147483647u

/* How one header kind (Session-Expires, Min-SE) showed up in a message. */
typedef enum vt_hval
{
	VT_HV_ABSENT = 0, /* no such header */
	VT_HV_OK,		  /* exactly one header, well-formed */
	VT_HV_MALFORMED,  /* exactly one header, not well-formed */
	VT_HV_DUPLICATE	  /* two or more headers (whatever their values) */
} vt_hval_t;

typedef enum vt_refresher
{
	VT_REFRESHER_NONE = 0, /* no refresher parameter */
	VT_REFRESHER_UAC,
	VT_REFRESHER_UAS
} vt_refresher_t;

/* "uac", "uas" or "none". */
const char *vt_refresher_name(int r);

/* One parsed delta-seconds header body:
 *   Session-Expires = delta-seconds *( SEMI se-params )
 *   se-params       = refresher-param / generic-param
 *   refresher-param = "refresher" EQUAL ("uas" / "uac")
 *   Min-SE          = delta-seconds *( SEMI generic-param )
 * Leading/trailing whitespace (SP, HTAB, CR, LF) around the number, the
 * semicolons, parameter names, '=' and values is allowed; parameter names
 * and the refresher value are case-insensitive. A refresher value other
 * than uac/uas, a refresher parameter given twice, an empty parameter
 * name, or anything that is not a token/quoted-string generic-param makes
 * the body malformed. Unknown parameters are allowed and ignored. */
typedef struct vt_delta
{
	uint32_t secs;			  /* the value, when OK */
	vt_refresher_t refresher; /* Session-Expires only */
	size_t num_off;			  /* offset of the digits in the body */
	size_t num_len;			  /* number of digits (leading zeros incl.) */
} vt_delta_t;

/* Parse a delta-seconds header body. Returns VT_HV_OK or
 * VT_HV_MALFORMED; *out is filled only on VT_HV_OK. with_refresher: the
 * refresher parameter is understood (Session-Expires); for Min-SE it is
 * an ordinary generic parameter. body may be NULL when len is 0. */
vt_hval_t vt_parse_delta(
		const char *body, size_t len, int with_refresher, vt_delta_t *out);

/* What one message told us (accumulated over all of its headers). */
typedef struct vt_timer_facts
{
	int supports_timer;	   /* "timer" in a Supported / k header */
	int requires_timer;	   /* "timer" in a Require header */
	vt_hval_t se;		   /* Session-Expires / x */
	vt_delta_t se_val;	   /* valid when se == VT_HV_OK */
	vt_hval_t min_se;	   /* Min-SE */
	vt_delta_t min_se_val; /* valid when min_se == VT_HV_OK */
} vt_timer_facts_t;

/* Header name equality, case-insensitive, long or compact form
 * (compact == 0: the header has none). */
int vt_hdr_name_is(
		const char *name, size_t len, const char *long_name, char compact);

/* Does a comma-separated option-tag list contain token (case-insensitive,
 * blanks around items ignored)? */
int vt_token_list_has(const char *body, size_t len, const char *token);

/* Fold one header into the facts (start from a zeroed struct). Unknown
 * headers are ignored. A second Session-Expires (or Min-SE) header makes
 * that kind VT_HV_DUPLICATE, whatever the values. */
void vt_facts_add_header(vt_timer_facts_t *f, const char *name, size_t nlen,
		const char *body, size_t blen);

/* doc/ section "How session-timer headers are read": a message signals
 * timer support when it
 * carries a well-formed Session-Expires or lists "timer" as supported or
 * required. A malformed or duplicated Session-Expires alone does not. */
int vt_facts_timer_capable(const vt_timer_facts_t *f);

/* Did the message carry a Session-Expires or Min-SE that cannot be
 * trusted (malformed or duplicated)? Such a call keeps the no_timer_limit
 * cap whatever its mode. */
int vt_facts_untrusted(const vt_timer_facts_t *f);

/* Does the To header of a request tm built (buf: the whole request, as
 * tm writes it: "\r\nTo: <uri>;tag=...\r\n") carry ";tag=<tag>"? Used to
 * tell which leg a BYE the dialog module sent went to. */
int vt_request_to_has_tag(
		const char *buf, size_t len, const char *tag, size_t tag_len);

/* The CSeq number of a request tm built (buf as above: "\r\nCSeq: 3
 * BYE\r\n"). Returns 0 and sets *out, or -1: no CSeq line, no number,
 * one above 2^32 - 1. Used to see whether a request relayed meanwhile
 * passed the CSeq of a BYE the dialog module sent. */
int vt_request_cseq(const char *buf, size_t len, uint32_t *out);

#endif
