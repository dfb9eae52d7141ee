/*
 * vos_timer: call policy (pure C). See vt_policy.h and SPEC section 3.
 */
#include <string.h>

#include "vt_heap.h"
#include "vt_policy.h"

void vt_policy_init(
		vt_policy_t *pc, const vt_params_t *params, vt_mode_t invite_mode)
{
	memset(pc, 0, sizeof(*pc));
	pc->params = *params;
	pc->mode = (uint8_t)invite_mode;
	pc->state = VT_ST_EARLY;
	pc->next_ms = VT_NO_DEADLINE;
	pc->next_action = VT_ACT_NONE;
	pc->reason = VT_REASON_NONE;
}

static void arm(vt_policy_t *pc, uint64_t at_ms, vt_action_t act, vt_reason_t r)
{
	pc->next_ms = at_ms;
	pc->next_action = (uint8_t)act;
	pc->reason = (uint8_t)r;
}

static void disarm(vt_policy_t *pc)
{
	pc->next_ms = VT_NO_DEADLINE;
	pc->next_action = VT_ACT_NONE;
}

void vt_policy_answered(vt_policy_t *pc, int reply_has_se, uint64_t now_ms)
{
	if(pc->state != VT_ST_EARLY)
		return;
	pc->state = VT_ST_ACTIVE;
	pc->answered_ms = now_ms;
	if(reply_has_se)
		pc->mode = VT_MODE_TIMER;

	if(pc->mode == VT_MODE_NON_TIMER && pc->params.no_timer_limit_s > 0) {
		/* Scenario B: a hard cap counted from the answer. */
		arm(pc,
				vt_deadline_add_ms(
						now_ms, (uint64_t)pc->params.no_timer_limit_s * 1000),
				VT_ACT_TEARDOWN, VT_REASON_NO_TIMER_LIMIT);
	} else {
		/* Timer mode (scenario A): probing schedules its own deadlines. */
		disarm(pc);
	}
}

vt_action_t vt_policy_on_deadline(
		vt_policy_t *pc, uint64_t now_ms, vt_reason_t *reason)
{
	vt_action_t due = (vt_action_t)pc->next_action;

	*reason = (vt_reason_t)pc->reason;
	if(pc->next_ms == VT_NO_DEADLINE || now_ms < pc->next_ms)
		return VT_ACT_NONE;

	switch(due) {
		case VT_ACT_TEARDOWN:
			pc->state = VT_ST_TEARDOWN;
			pc->teardown_tries = 1;
			arm(pc, vt_deadline_add_ms(now_ms, VT_TEARDOWN_RECHECK_MS),
					VT_ACT_TEARDOWN_RETRY, (vt_reason_t)pc->reason);
			return VT_ACT_TEARDOWN;
		case VT_ACT_TEARDOWN_RETRY:
			if(pc->teardown_tries >= VT_TEARDOWN_MAX_TRIES) {
				disarm(pc);
				return VT_ACT_FORGET;
			}
			pc->teardown_tries++;
			arm(pc, vt_deadline_add_ms(now_ms, VT_TEARDOWN_RECHECK_MS),
					VT_ACT_TEARDOWN_RETRY, (vt_reason_t)pc->reason);
			return VT_ACT_TEARDOWN_RETRY;
		default:
			disarm(pc);
			return VT_ACT_NONE;
	}
}

vt_action_t vt_policy_hangup_now(
		vt_policy_t *pc, vt_reason_t reason, uint64_t now_ms)
{
	if(pc->state == VT_ST_TEARDOWN)
		return VT_ACT_NONE;
	arm(pc, now_ms, VT_ACT_TEARDOWN, reason);
	{
		vt_reason_t r;
		return vt_policy_on_deadline(pc, now_ms, &r);
	}
}

const char *vt_mode_name(vt_mode_t m)
{
	return m == VT_MODE_TIMER ? "timer" : "non-timer";
}

const char *vt_state_name(vt_state_t s)
{
	switch(s) {
		case VT_ST_EARLY:
			return "early";
		case VT_ST_ACTIVE:
			return "active";
		case VT_ST_TEARDOWN:
			return "teardown";
	}
	return "?";
}

const char *vt_reason_name(vt_reason_t r)
{
	switch(r) {
		case VT_REASON_SESSION_EXPIRED:
			return "session-expired";
		case VT_REASON_LEG_GONE:
			return "leg-gone";
		case VT_REASON_NO_TIMER_LIMIT:
			return "no-timer-limit";
		case VT_REASON_ADMIN:
			return "admin";
		default:
			return "none";
	}
}

const char *vt_action_name(vt_action_t a)
{
	switch(a) {
		case VT_ACT_TEARDOWN:
			return "teardown";
		case VT_ACT_TEARDOWN_RETRY:
			return "teardown-recheck";
		case VT_ACT_FORGET:
			return "forget";
		default:
			return "none";
	}
}

const char *vt_reason_header(vt_reason_t r)
{
	switch(r) {
		case VT_REASON_SESSION_EXPIRED:
			return "Reason: SIP;cause=408;text=\"session-expired\"\r\n";
		case VT_REASON_LEG_GONE:
			return "Reason: SIP;cause=481;text=\"leg-gone\"\r\n";
		case VT_REASON_NO_TIMER_LIMIT:
			return "Reason: Q.850;cause=102;text=\"no-timer-limit\"\r\n";
		case VT_REASON_ADMIN:
			return "Reason: Q.850;cause=16;text=\"admin\"\r\n";
		default:
			return "";
	}
}
