/*
 * vos_timer: what a managed call does next. Pure decisions: given a call's
 * facts and an event (answered, deadline reached), return the next state, the
 * next deadline and the action for the glue to carry out. No Kamailio
 * headers, no clocks (time comes in as now_ms), no I/O: Check tests drive it.
 */
#ifndef VT_POLICY_H
#define VT_POLICY_H

#include <stdint.h>

#include "vt_params.h"

#define VT_NO_DEADLINE UINT64_MAX

/* After asking the dialog module to end a call, how long to wait for the
 * dialog to report its end before trying again, and how many tries. */
#define VT_TEARDOWN_RECHECK_MS 10000
#define VT_TEARDOWN_MAX_TRIES 3

typedef enum vt_mode {
	VT_MODE_NON_TIMER = 0,
	VT_MODE_TIMER = 1
} vt_mode_t;

typedef enum vt_state {
	VT_ST_EARLY = 0, /* managed, not answered yet: nothing scheduled */
	VT_ST_ACTIVE,	 /* answered: deadlines run */
	VT_ST_TEARDOWN	 /* module asked the dialog module to end the call */
} vt_state_t;

typedef enum vt_reason {
	VT_REASON_NONE = 0,
	VT_REASON_SESSION_EXPIRED,
	VT_REASON_LEG_GONE,
	VT_REASON_NO_TIMER_LIMIT,
	VT_REASON_ADMIN,
	VT_REASON__COUNT
} vt_reason_t;

typedef enum vt_action {
	VT_ACT_NONE = 0,
	VT_ACT_TEARDOWN,	   /* end the call (first try): BYE both legs */
	VT_ACT_TEARDOWN_RETRY, /* the dialog did not end after a try: again */
	VT_ACT_FORGET		   /* tries exhausted: drop the module's record */
} vt_action_t;

typedef struct vt_policy {
	vt_params_t params;	 /* settings this call was managed with */
	uint64_t answered_ms; /* t of the 2xx; 0 while early */
	uint64_t next_ms;	 /* next deadline, VT_NO_DEADLINE if none */
	uint8_t mode;		 /* vt_mode_t */
	uint8_t state;		 /* vt_state_t */
	uint8_t next_action; /* vt_action_t due at next_ms */
	uint8_t reason;		 /* vt_reason_t of the (coming) teardown */
	uint8_t teardown_tries;
} vt_policy_t;

/* A call put under management on its initial INVITE. */
void vt_policy_init(
		vt_policy_t *pc, const vt_params_t *params, vt_mode_t invite_mode);

/* The 2xx that establishes the call. reply_has_se: it carries
 * Session-Expires (which puts the call in timer mode). Only the first call
 * counts; later ones (2xx retransmissions, ACK) change nothing. */
void vt_policy_answered(vt_policy_t *pc, int reply_has_se, uint64_t now_ms);

/* The deadline next_ms was reached (now_ms >= next_ms). Returns what to do
 * and re-arms next_ms / next_action; *reason says why for teardowns. */
vt_action_t vt_policy_on_deadline(
		vt_policy_t *pc, uint64_t now_ms, vt_reason_t *reason);

/* An operator (RPC) ends the call now. Returns VT_ACT_TEARDOWN, or
 * VT_ACT_NONE when a teardown is already under way. */
vt_action_t vt_policy_hangup_now(vt_policy_t *pc, vt_reason_t reason,
		uint64_t now_ms);

const char *vt_mode_name(vt_mode_t m);
const char *vt_state_name(vt_state_t s);
/* "session-expired", "leg-gone", "no-timer-limit", "admin". */
const char *vt_reason_name(vt_reason_t r);
/* A readable name of what happens at next_ms ("teardown", "none", ...). */
const char *vt_action_name(vt_action_t a);

/* The Reason header (RFC 3326) carried by the module's BYEs, CRLF included.
 * session-expired: SIP 408; leg-gone: SIP 481; no-timer-limit: Q.850 102
 * (recovery on timer expiry); admin: Q.850 16 (normal clearing). */
const char *vt_reason_header(vt_reason_t r);

#endif
