# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
"""Teardown races on the wire (doc/ section "Reliability tests"): a BYE for every module-
initiated end reaches both legs, once, and is counted once, even when the
teardown crosses an endpoint's own re-INVITE, BYE or CANCEL. (The caller's
BYE: test_foundation's test_teardown_races_caller_bye.)

  test_races_caller_reinvite  the caller re-INVITEs around the no_timer_limit
                              teardown; the callee answers it after 30 ms,
                              487 if the BYE comes first, 481 after the BYE
  test_races_callee_reinvite  the same, the callee re-INVITEs (upstream)
  test_races_reinvite_crosses_bye  both again, every BYE held 30 ms after
                              its CSeq is set: re-INVITEs relayed in between
  test_races_callee_bye       the callee hangs up around the teardown
  test_races_cancel_vs_answer the caller CANCELs as the callee's 200 leaves:
                              the 200 wins (a zombie the cap must end) or
                              the CANCEL wins (487, nothing left); both occur

Each test runs 11-12 calls on one Kamailio (no_timer_limit 2 s), one SIPp
pair per call, started 0.317 s apart (so the calls meet the module's 50 ms
timer tick at different phases), each with its own offset of the endpoint's
action. SIPp runs with 1 ms timers (-timer_resol 1; its default is 10 ms).
An endpoint that acts at a fixed time waits in a <pause> and ignores what
comes meanwhile (-pause_msg_ign): a BYE (or 200) of the proxy's that came
first is treated as still in flight, so the endpoint's request crosses it
on the wire for positive offsets too, and the proxy's (or the callee's)
retransmission delivers it afterwards. SIPp runs the step after a receive
one scheduler pass later and has no match for a message that comes in
between: such a message is dropped, not fatal (-default_behaviors
all,-abortunexp), and its retransmission handled; answers that could be
built from such a dropped message ([last_...]) are built from saved
headers instead.

What every test checks, per call, from both endpoints' message traces:
the module's BYEs (Reason no-timer-limit) to each leg, distinct by Via
branch and CSeq (retransmissions are one BYE): one per leg when the module
ended the call, none otherwise, never one leg only; each with a CSeq above
any in-dialog request that leg got before it (a strict UA answers 500 to
an older one), or a second one, above the request that reached the
first's CSeq (test_races_reinvite_crosses_bye makes that happen: every
BYE held 30 ms between its CSeq and its send); no other request the proxy originated (a probe, a new
transaction) at any time; the event route's teardown line and the
module's 'ending the call' line once per call the module ended, none
otherwise. Per run: the teardown counters equal the calls the module
ended, nothing managed or early, vos_timer.list empty, the module's shm
back to its start value, the dialog module's active and early dialogs 0,
Kamailio alive, no module errors. The re-INVITE tests run with
probe_non_timer on and a 3 s probe interval (first probe 2.25 s at the
soonest, after the cap): a record that the re-INVITE's 2xx kept or revived
would probe the endpoints, which stay 3.3 s after their last message."""
import os
import re
import time

import scenarios as sc
from harness import CFG, Kamailio, Sipp, check, workdir

LIMIT_S = 2
SIPP_RACE = ["-timer_resol", "1", "-pause_msg_ign", "-default_behaviors", "all,-abortunexp"]
STAGGER_S = 0.317   # not a multiple of the module's 50 ms tick: calls meet it at different phases

CALLEE_TAG = "[pid]SIPpTag01[call_number]"
CALLEE_FROM = "From: <sip:bob@[local_ip]:[local_port]>;tag=" + CALLEE_TAG
CALLEE_TO = "To: <sip:alice@127.0.0.1>;tag=[$caller_tag]"
CALLER_CONTACT = "Contact: <sip:alice@[local_ip]:[local_port]>"
CALLEE_CONTACT = "Contact: <sip:bob@[local_ip]:[local_port]>"

# On a request that may be answered later, after other messages: keep its
# Via lines (all of them), From, To and CSeq for the deferred answer.
SAVE = ('<action>'
        '<ereg regexp="Via:[^[:cntrl:]]*([[:cntrl:]]+Via:[^[:cntrl:]]*)*" search_in="msg" '
        'assign_to="p_via,p_via_more"/>'
        '<ereg regexp=".*" search_in="hdr" header="From:" assign_to="p_from"/>'
        '<ereg regexp=".*" search_in="hdr" header="To:" assign_to="p_to"/>'
        '<ereg regexp=".*" search_in="hdr" header="CSeq:" assign_to="p_cseq"/>'
        '<log message="pending request saved [$p_via_more]"/>'
        '</action>')
# ... and its Record-Route lines (an initial INVITE)
SAVE_RR = SAVE.replace('</action>', '<ereg regexp="Record-Route:[^[:cntrl:]]*'
                       '([[:cntrl:]]+Record-Route:[^[:cntrl:]]*)*" search_in="msg" '
                       'assign_to="p_rr,p_rr_more"/><log message="[$p_rr_more]"/></action>')


def _answer_saved(code, text, to_tag="", extra=(), next_label=None, retrans=False):
    """An answer to the saved request, whatever came since: a message
    that SIPp drops as unexpected may still become its [last_...]."""
    return sc.send(["SIP/2.0 %d %s" % (code, text), "[$p_via]", "From:[$p_from]",
                    "To:[$p_to]" + to_tag, "Call-ID: [call_id]", "CSeq:[$p_cseq]"]
                   + list(extra) + ["Content-Length: 0"], next_label=next_label,
                   extra=' retrans="500"' if retrans else "")


def _steps(xml):
    """How many scenario steps (SIPp's message indexes) xml holds."""
    return len(re.findall(r"<(?:send|recv|pause|nop)\b", xml))


def _callee_setup():
    """Receive the INVITE (keeping the caller's tag), answer 200, get the ACK."""
    x = '  <recv request="INVITE" rrs="true"><action>' \
        '<ereg regexp="tag=([^;>[:space:]]+)" search_in="hdr" header="From:" ' \
        'assign_to="junk,caller_tag"/><log message="caller tag [$caller_tag] [$junk]"/>' \
        '</action></recv>\n'
    x += sc.send(["SIP/2.0 200 OK", "[last_Via:]", "[last_From:]", "[last_To:];tag=" + CALLEE_TAG,
                  "[last_Call-ID:]", "[last_CSeq:]", "[last_Record-Route:]", CALLEE_CONTACT,
                  "Content-Length: 0"], extra=' retrans="500"')
    return x + '  <recv request="ACK"/>\n'


def _callee_request(method, cseq):
    return sc.send(["%s [next_url] SIP/2.0" % method,
                    "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]",
                    CALLEE_FROM, CALLEE_TO, "Call-ID: [call_id]", "CSeq: %d %s" % (cseq, method),
                    "[routes]", CALLEE_CONTACT, "Max-Forwards: 70", "Content-Length: 0"],
                   extra=' retrans="500"' if method != "ACK" else "")


def _ack_negative(back, from_hdr, to_hdr, cseq):
    """ACK to a non-2xx final answer of a re-INVITE sent `back` steps
    before: its branch (hop by hop)."""
    return sc.send(["ACK [next_url] SIP/2.0",
                    "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch-%d]" % back,
                    from_hdr, to_hdr, "Call-ID: [call_id]", "CSeq: %d ACK" % cseq, "[routes]",
                    "Max-Forwards: 70", "Content-Length: 0"])


def _settle(ms=1500):
    """After the end of the call: answer late BYEs (200) and late
    re-INVITEs (481, RFC 3261 12.2.2), take ACKs, until `ms` of quiet."""
    x = '  <label id="settle"/>\n'
    x += '  <recv request="BYE" optional="true" timeout="%d" ontimeout="end" next="settle_bye"/>\n' % ms
    x += '  <recv request="ACK" optional="true" next="settle"/>\n'
    x += '  <recv request="INVITE" next="settle_inv"/>\n'
    x += '  <label id="settle_bye"/>\n' + sc.reply(200, "OK", next_label="settle")
    x += '  <label id="settle_inv"/>\n' + sc.reply(481, "Call/Transaction Does Not Exist",
                                                   next_label="settle")
    # a timeout that jumps to the scenario's end counts as a failed call
    x += '  <label id="end"/>\n  <pause milliseconds="1"/>\n'
    return x


def _reinvite_sender(before, pause_ms, reinvite, ack_2xx, ack_neg, settle_ms):
    """Send a re-INVITE pause_ms after the call is up (`before`: the
    scenario so far), whatever came meanwhile; take its answer (ACK it, 2xx
    or not; ack_neg(steps back to the re-INVITE)) and the proxy's BYE in
    either order; then settle. (No <nop> steps: SIPp runs a step after a
    receive a pass later, and a message that comes meanwhile is dropped.)"""
    x = '  <pause milliseconds="%d"/>\n' % pause_ms + reinvite
    at = _steps(before + x) - 1
    x += '  <label id="rwait"/>\n'
    x += '  <recv response="100" optional="true" timeout="3000" ontimeout="wb_2xx" next="rwait"/>\n'
    x += '  <recv response="200" optional="true" next="r2xx"/>\n'
    for code in (408, 481, 487, 491, 500):
        x += '  <recv response="%d" optional="true" next="rneg"/>\n' % code
    x += '  <recv request="BYE" next="rbye"><action><assign assign_to="gotbye" value="1"/>' \
         '</action></recv>\n'
    x += '  <label id="rbye"/>\n' + sc.reply(200, "OK", next_label="rwait")
    # the ACK, then settle if the BYE came already, else wait for it
    wait_bye = '  <recv request="BYE" timeout="%d" ontimeout="end" next="wb_ok"/>\n' \
        % (LIMIT_S * 1000 + 3000)
    after_bye = '<send test="gotbye" next="settle"'
    x += '  <label id="rneg"/>\n' + ack_neg(_steps(before + x) - at).replace(
        "<send", after_bye, 1) + wait_bye
    x += '  <label id="r2xx"/>\n' + ack_2xx.replace("<send", after_bye, 1)
    x += '  <label id="wb_2xx"/>\n' + wait_bye
    x += '  <label id="wb_ok"/>\n' + sc.reply(200, "OK") + _settle(settle_ms)
    return x


def _reinvite_responder(answer_ms, contact, settle_ms):
    """Answer a re-INVITE answer_ms after it came (a UA that takes a moment,
    e.g. for its media). A BYE while it is pending: 200 to the BYE, 487 to
    the re-INVITE (RFC 3261 15.1.2). A re-INVITE after the BYE: 481."""
    x = '  <label id="loop"/>\n'
    x += '  <recv request="INVITE" optional="true" timeout="%d" ontimeout="end" next="reinv">' \
         '%s</recv>\n' % (LIMIT_S * 1000 + 3000, SAVE)
    x += '  <recv request="ACK" optional="true" next="loop"/>\n'
    x += '  <recv request="BYE" next="gotbye"/>\n'
    x += '  <label id="reinv"/>\n'
    x += '  <recv request="BYE" timeout="%d" ontimeout="reinv_ok"/>\n' % answer_ms
    x += sc.reply(200, "OK") + _answer_saved(487, "Request Terminated", next_label="settle")
    x += '  <label id="reinv_ok"/>\n'
    # (no retransmission: SIPp stops one only on a message it receives at
    # a later step, and it sends nothing else while one runs)
    x += _answer_saved(200, "OK", extra=[contact], next_label="loop")
    x += '  <label id="gotbye"/>\n' + sc.reply(200, "OK", next_label="settle")
    return x + _settle(settle_ms)


REINV_ANSWER_MS = 30
REINV_CSEQ = {"caller": 2, "callee": 101}
# probe_non_timer on, probe interval 3 s (a call's first probe comes up to
# a quarter earlier: 2.25 s at the soonest): no probe before the 2 s cap,
# but a record the re-INVITE's 2xx kept or brought back would probe 3 s
# after it; the endpoints stay 3.3 s after their last message to see it.
REINV_DEFINES = {"VT_PROBE_NON_TIMER": 1, "VT_SESSION_TTL": 6, "VT_UPDATE_SEGMENT": 2}
REINV_SETTLE_MS = 3300


def reinvite_race_pair(who, offset_ms):
    """(caller xml, callee xml): `who` ("caller" or "callee") re-INVITEs
    LIMIT_S s + offset_ms after the answer; the other end answers it after
    REINV_ANSWER_MS."""
    pause = LIMIT_S * 1000 + offset_ms
    if who == "caller":
        head = sc.HEAD % "reinv_caller" + sc.caller_invite([])
        caller = head + _reinvite_sender(
            head, pause, sc.caller_request("INVITE", 2), sc.caller_request("ACK", 2),
            lambda back: _ack_negative(back, sc.CALLER_FROM, sc.CALLEE_TO + "[peer_tag_param]", 2),
            REINV_SETTLE_MS) + sc.TAIL
        callee = sc.HEAD % "reinv_callee" + _callee_setup() + _reinvite_responder(
            REINV_ANSWER_MS, CALLEE_CONTACT, REINV_SETTLE_MS) + sc.TAIL
    else:
        cs = REINV_CSEQ["callee"]
        head = sc.HEAD % "reinv_callee" + _callee_setup()
        callee = head + _reinvite_sender(
            head, pause, _callee_request("INVITE", cs), _callee_request("ACK", cs),
            lambda back: _ack_negative(back, CALLEE_FROM, CALLEE_TO, cs),
            REINV_SETTLE_MS) + sc.TAIL
        caller = sc.HEAD % "reinv_caller" + sc.caller_invite([]) + _reinvite_responder(
            REINV_ANSWER_MS, CALLER_CONTACT, REINV_SETTLE_MS) + sc.TAIL
    return caller, callee


def callee_bye_race_pair(offset_ms):
    """The callee hangs up LIMIT_S s + offset_ms after the answer (its BYE
    crosses the module's for offsets >= 0); the caller answers BYEs."""
    callee = sc.HEAD % "bye_callee" + _callee_setup()
    callee += '  <pause milliseconds="%d"/>\n' % (LIMIT_S * 1000 + offset_ms)
    callee += _callee_request("BYE", 101)
    callee += '  <label id="bwait"/>\n'
    callee += '  <recv response="200" optional="true" timeout="3000" ontimeout="settle" next="settle"/>\n'
    for code in (408, 481):
        callee += '  <recv response="%d" optional="true" next="settle"/>\n' % code
    callee += '  <recv request="BYE" next="bcross"/>\n'
    callee += '  <label id="bcross"/>\n' + sc.reply(200, "OK", next_label="bwait")
    callee += _settle() + sc.TAIL
    caller = sc.HEAD % "bye_caller" + sc.caller_invite([])
    caller += '  <recv request="BYE" timeout="%d" ontimeout="end"/>\n' % (LIMIT_S * 1000 + 3000)
    caller += sc.reply(200, "OK") + _settle() + sc.TAIL
    return caller, callee


CANCEL_ANSWER_MS = 200


def cancel_race_pair(offset_ms):
    """The callee rings, then answers CANCEL_ANSWER_MS after its 180 unless
    a CANCEL came first (then 200 to the CANCEL, 487 to the INVITE). The
    caller CANCELs CANCEL_ANSWER_MS + offset_ms after the 180, whatever came
    meanwhile (a 200 that came first is still on its way: the callee's
    retransmission delivers it). A 200 to the INVITE: ACK, then no hang-up
    (a zombie: the module's cap must end it). A 487: ACK, nothing more."""
    limit_ms = LIMIT_S * 1000
    ring = ["[last_Via:]", "[last_From:]", "[last_To:];tag=" + CALLEE_TAG, "[last_Call-ID:]",
            "[last_CSeq:]"]
    callee = sc.HEAD % "cancel_callee"
    callee += '  <recv request="INVITE" rrs="true">%s</recv>\n' % SAVE_RR
    callee += sc.send(["SIP/2.0 180 Ringing"] + ring + ["[last_Record-Route:]", CALLEE_CONTACT,
                                                       "Content-Length: 0"])
    callee += '  <recv request="CANCEL" timeout="%d" ontimeout="answer"/>\n' % CANCEL_ANSWER_MS
    callee += sc.send(["SIP/2.0 200 OK"] + ring + ["Content-Length: 0"])
    callee += _answer_saved(487, "Request Terminated", to_tag=";tag=" + CALLEE_TAG,
                            next_label="quiet")
    callee += '  <label id="answer"/>\n'
    callee += _answer_saved(200, "OK", to_tag=";tag=" + CALLEE_TAG,
                            extra=["[$p_rr]", CALLEE_CONTACT], retrans=True)
    callee += '  <label id="await"/>\n'
    callee += '  <recv request="ACK" optional="true" timeout="1500" ontimeout="up" next="up"/>\n'
    callee += '  <recv request="CANCEL" next="late_cancel"/>\n'
    callee += '  <label id="late_cancel"/>\n'
    callee += sc.send(["SIP/2.0 200 OK"] + ring + ["Content-Length: 0"], next_label="await")
    callee += '  <label id="up"/>\n'
    callee += '  <recv request="BYE" optional="true" timeout="%d" ontimeout="end" next="up_bye"/>\n' \
        % (limit_ms + 3000)
    callee += '  <recv request="CANCEL" next="up_cancel"/>\n'   # tm's retransmission
    callee += '  <label id="up_cancel"/>\n' + sc.send(["SIP/2.0 200 OK"] + ring + ["Content-Length: 0"],
                                                      next_label="up")
    callee += '  <label id="up_bye"/>\n' + sc.reply(200, "OK", next_label="settle")
    # after a 487: anything but tm's ACK would be wrong; wait past the cap
    callee += '  <label id="quiet"/>\n'
    callee += '  <recv request="ACK" optional="true" timeout="%d" ontimeout="end" next="quiet"/>\n' \
        % (limit_ms + 1500)
    callee += '  <recv request="BYE" next="settle_bye"/>\n'
    callee += _settle() + sc.TAIL

    caller = sc.HEAD % "cancel_caller"
    caller += sc.send(["INVITE sip:bob@[callee] SIP/2.0",
                       "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]",
                       sc.CALLER_FROM, sc.CALLEE_TO, "Call-ID: [call_id]", "CSeq: 1 INVITE",
                       CALLER_CONTACT, "Max-Forwards: 70", "Content-Length: 0"],
                      extra=' retrans="500"')
    caller += '  <recv response="100" optional="true"/>\n  <recv response="180"/>\n'
    caller += '  <pause milliseconds="%d"/>\n' % (CANCEL_ANSWER_MS + offset_ms)
    via = "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch-%d]" % _steps(caller)
    caller += sc.send(["CANCEL sip:bob@[callee] SIP/2.0", via, sc.CALLER_FROM,
                       sc.CALLEE_TO, "Call-ID: [call_id]", "CSeq: 1 CANCEL", "Max-Forwards: 70",
                       "Content-Length: 0"], extra=' retrans="500"')
    # The CANCEL's 200 and the INVITE's 200 come in either order, often
    # within a millisecond: one receive takes both (a step between two
    # receives is run a scheduler pass later, and SIPp drops what comes
    # meanwhile). The INVITE's sets inv_ok and leaves; the CANCEL's stays.
    caller += '  <label id="cwait"/>\n'
    caller += '  <recv response="200" optional="true" rrs="true" test="inv_ok" next="answered" ' \
              'timeout="%d" ontimeout="end"><action>' \
              '<ereg regexp="INVITE" search_in="hdr" header="CSeq:" assign_to="inv_ok"/>' \
              '</action></recv>\n' % (limit_ms + 3000)
    caller += '  <recv response="481" optional="true" next="cwait"/>\n'
    caller += '  <recv response="487" next="c487"/>\n'
    caller += '  <label id="c487"/>\n'
    via = "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch-%d]" % _steps(caller)
    caller += sc.send(["ACK sip:bob@[callee] SIP/2.0", via, sc.CALLER_FROM,
                       sc.CALLEE_TO + "[peer_tag_param]", "Call-ID: [call_id]", "CSeq: 1 ACK",
                       "Max-Forwards: 70", "Content-Length: 0"])
    caller += '  <recv request="BYE" timeout="%d" ontimeout="end" next="settle_bye"/>\n' \
        % (limit_ms + 1500)
    caller += '  <label id="answered"/>\n' + sc.caller_request("ACK", 1)
    caller += '  <label id="up"/>\n'
    caller += '  <recv request="BYE" optional="true" timeout="%d" ontimeout="end" next="up_bye"/>\n' \
        % (limit_ms + 3000)
    caller += '  <recv response="200" optional="true" next="up"/>\n'  # the CANCEL's, late
    caller += '  <recv response="481" next="up"/>\n'
    caller += '  <label id="up_bye"/>\n' + sc.reply(200, "OK", next_label="settle")
    caller += _settle() + sc.TAIL
    return caller, callee


# ---------------------------------------------------------------- analysis

def _top_branch(m):
    vias = m.all("via")
    b = re.search(r"branch=([^;,\s]+)", vias[0]) if vias else None
    return b.group(1) if b else (vias[0] if vias else "")


def _via_count(m):
    return sum(len(v.split(",")) for v in m.all("via"))


def _module_byes(side, reason="no-timer-limit"):
    """The module's BYEs an endpoint got: {(branch, CSeq): [copies]}."""
    out = {}
    for m in side.messages():
        if not m.sent and m.is_request and m.method == "BYE" and \
                ('text="%s"' % reason) in (m.header("reason") or ""):
            out.setdefault((_top_branch(m), m.header("cseq")), []).append(m)
    return out


def _proxy_originated(side):
    """Requests an endpoint got that the proxy itself originated (one Via),
    other than BYE, tm's hop-by-hop ACK and a relayed CANCEL: probes, say."""
    return [m for m in side.messages() if not m.sent and m.is_request and _via_count(m) == 1
            and m.method not in ("BYE", "ACK", "CANCEL")]


def _call_id(uac):
    inv = uac.find(True, "INVITE")
    check(inv, "%s sent no INVITE" % uac.name)
    return inv[0].header("call-id")


def _sipp_notes(sides):
    """SIPp's ignored unexpected messages (count), from the error files."""
    n = 0
    for s in sides:
        if os.path.exists(s.err_path):
            with open(s.err_path, errors="replace") as f:
                n += len(re.findall(r"Continuing call on (?:an )?unexpected", f.read()))
    return n


def _bye_stall_cfg(wd, ms):
    """The sample config with every BYE Kamailio originates held ms before
    it leaves (event_route[tm:local-request] runs in t_uac after the
    request is built, CSeq and all, and before it is sent; no tm or dialog
    lock is held there): a request the other end sends meanwhile is
    relayed first, with a CSeq the BYE's is not above."""
    with open(CFG) as f:
        cfg = f.read()
    anchor = 'loadmodule "tm.so"\n'
    check(anchor in cfg, "the sample loads no tm")
    cfg = cfg.replace(anchor, anchor + 'loadmodule "cfgutils.so"\n', 1)
    cfg += ('\nevent_route[tm:local-request] {\n'
            '\tif (is_method("BYE")) {\n'
            '\t\txlog("L_NOTICE", "test: holding the BYE to $ru (CSeq $cs) %d ms\\n");\n'
            '\t\tusleep("%d");\n'
            '\t}\n}\n' % (ms, ms * 1000))
    path = os.path.join(wd, "kamailio-bye-stall.cfg")
    with open(path, "w") as f:
        f.write(cfg)
    return path


class Race:
    """One Kamailio, several SIPp pairs started STAGGER_S apart."""

    def __init__(self, name, defines=None, bye_stall_ms=0):
        self.wd = workdir(name)
        d = {"VT_NO_TIMER_LIMIT": LIMIT_S, "VT_CHILDREN": 4}
        d.update(defines or {})
        cfg = _bye_stall_cfg(self.wd, bye_stall_ms) if bye_stall_ms else CFG
        self.crossed = 0
        self.kam = Kamailio(self.wd, d, cfg=cfg).start()

    def run(self, pairs, timeout_s=30):
        """pairs: [(tag, caller xml, callee xml)] -> [(tag, uac, uas)]"""
        started = []
        for tag, caller_xml, callee_xml in pairs:
            uas = Sipp(self.wd, "callee_" + tag, sc.write(self.wd, "callee_" + tag, callee_xml),
                       extra=["-m", "1"] + SIPP_RACE).start()
            time.sleep(0.05)   # the callee listening before the INVITE comes
            uac = Sipp(self.wd, "caller_" + tag, sc.write(self.wd, "caller_" + tag, caller_xml),
                       remote="127.0.0.1:%d" % self.kam.port,
                       keys={"callee": "127.0.0.1:%d" % uas.port},
                       extra=["-m", "1", "-timeout", str(timeout_s), "-timeout_error"]
                       + SIPP_RACE).start()
            started.append((tag, uac, uas))
            time.sleep(STAGGER_S)
        for tag, uac, uas in started:
            check(uac.wait(timeout_s + 5) == 0, "%s: caller failed:\n%s" % (tag, uac.output()[-2500:]))
            check(uas.wait(10) == 0, "%s: callee failed:\n%s" % (tag, uas.output()[-2500:]))
        return started

    def teardown_lines(self, cid):
        """(event-route teardown lines, 'ending the call' lines) for a call."""
        log = self.kam.log()
        return (len(re.findall(r"vos_timer teardown: reason=no-timer-limit call-id=%s " %
                               re.escape(cid), log)),
                len(re.findall(r"call-id \[%s\]: ending the call" % re.escape(cid), log)))

    def check_call(self, tag, uac, uas, module_ends):
        """module_ends: True (the module must end the call), False (must
        not), None (either). Returns whether it did."""
        cid = _call_id(uac)
        a, b = _module_byes(uac), _module_byes(uas)
        check(len(a) <= 2 and len(b) <= 2,
              "%s (%s): the module sent %d distinct BYEs to the caller, %d to the callee"
              % (tag, cid, len(a), len(b)))
        check(bool(a) == bool(b), "%s (%s): the module's BYE reached the %s only"
              % (tag, cid, "caller" if a else "callee"))
        ended = bool(a)
        if module_ends is not None:
            check(ended == module_ends, "%s (%s): module BYEs %s, expected %s"
                  % (tag, cid, "sent" if ended else "none", "some" if module_ends else "none"))
        crossed = 0
        for side in (uac, uas):
            byes = sorted((ms[0] for ms in _module_byes(side).values()), key=lambda m: m.ts)
            for i, bye in enumerate(byes):
                n = int(bye.header("cseq").split()[0])
                earlier = [m for m in side.messages() if not m.sent and m.is_request
                           and m.ts < bye.ts and _via_count(m) > 1]
                if any(m.method == "BYE" for m in earlier):
                    # the other end's BYE (relayed) came first: the dialog
                    # was over at this UA, which answers any BYE with 481
                    # whatever its CSeq (the dialog module built its BYE
                    # before it saw that one)
                    continue
                older = [m for m in earlier if m.method not in ("ACK", "CANCEL")
                         and int(m.header("cseq").split()[0]) >= n]
                if i + 1 < len(byes):
                    # a first BYE a relayed request crossed: the module
                    # sends another once the dialog's CSeq reached the
                    # BYE's, which it cannot tell from a request relayed
                    # just after its BYE, even after its second BYE (the
                    # worker moves the CSeq before it relays)
                    nxt = byes[i + 1]
                    passed = [m for m in side.messages() if not m.sent and m.is_request
                              and _via_count(m) > 1
                              and m.method not in ("ACK", "CANCEL", "BYE")
                              and int(m.header("cseq").split()[0]) >= n]
                    check(passed, "%s (%s): the module sent the %s a second BYE, but no request "
                          "reached its first BYE's CSeq %d" % (tag, cid, side.name, n))
                    check(int(nxt.header("cseq").split()[0]) > int(passed[0].header("cseq").split()[0]),
                          "%s (%s): the second BYE to the %s is not above the request that "
                          "crossed the first" % (tag, cid, side.name))
                    crossed += 1
                    continue
                check(not older, "%s (%s): the module's BYE to the %s has CSeq %d, not above the "
                      "%s it got before (a strict UA answers 500)"
                      % (tag, cid, side.name, n, older and older[-1].header("cseq")))
        check(len(re.findall(r"call-id \[%s\]: a request crossed the BYE to the"
                             % re.escape(cid), self.kam.log())) == crossed,
              "%s (%s): %d crossed BYEs, not as many 'a request crossed' lines in the log"
              % (tag, cid, crossed))
        self.crossed += crossed
        other = _proxy_originated(uac) + _proxy_originated(uas)
        check(not other, "%s (%s): the proxy sent %s" % (
            tag, cid, ", ".join("%s to %s" % (m.method, s.name) for s in (uac, uas)
                                for m in _proxy_originated(s))))
        events, endings = self.teardown_lines(cid)
        want = 1 if ended else 0
        if not ended and re.search(r"call-id \[%s\]: an endpoint ended the call first"
                                   % re.escape(cid), self.kam.log()):
            # the endpoint's BYE passed after the module decided to end the
            # call and before the dialog module's BYEs: none sent, not counted
            want = 1
        check(events == want and endings == want,
              "%s (%s): %d teardown events and %d 'ending the call' lines in the log, want %d"
              % (tag, cid, events, endings, want))
        return ended

    def finish(self, module_ends, shm0):
        """Per run: counters = calls the module ended, nothing left."""
        kam = self.kam
        check(kam.proc.poll() is None, "Kamailio died:\n" + kam.log_tail())
        st = kam.wait_released(5, "every call released")
        check(st["teardown_no_timer_limit"] == module_ends and st["teardown_total"] == module_ends,
              "teardowns counted %d (total %d), the module ended %d calls on the wire"
              % (st["teardown_no_timer_limit"], st["teardown_total"], module_ends))
        check(st["early"] == 0 and st["managed"] == 0, "left: %r" % st)
        check(kam.rpc_struct("vos_timer.list") == [], "vos_timer.list not empty")
        dlg = kam.rpc("stats.get_statistics", "dialog:")
        for name in ("active_dialogs", "early_dialogs"):
            m = re.search(r"dialog:%s = (\d+)" % name, dlg)
            check(m is not None and m.group(1) == "0", "dialog module: %s" % (
                m.group(0) if m else dlg))
        shm1 = kam.module_shm()
        check(shm1 == shm0, "module shm %d at the start, %d after" % (shm0, shm1))
        bad = [ln for ln in kam.log().splitlines()
               if re.search(r"\b(CRITICAL|BUG)\b", ln)
               or ("vos_timer" in ln and re.search(r"\bERROR\b", ln))]
        check(not bad, "errors in the log:\n" + "\n".join(bad[:5]))
        return st, shm1

    def stop(self):
        self.kam.stop()


def _final_code(side, method, cseq):
    """Final status an endpoint got for its request (CSeq number), or None."""
    codes = [m.status for m in side.messages()
             if not m.sent and not m.is_request and m.status >= 200
             and (m.header("cseq") or "").split() == [str(cseq), method]]
    return codes[0] if codes else None


def _first_sent(side, method, cseq):
    for m in side.messages():
        if m.sent and m.is_request and m.method == method and \
                (m.header("cseq") or "").split()[0] == str(cseq):
            return m
    return None


# Offsets from the module's deadline. Its timer ticks every 50 ms, so the
# BYE leaves 0..50 ms after the deadline (and SIPp's pause ends a few ms
# late): these put the endpoint's request within about -60..+60 ms of the
# BYE itself, measured on the wire and printed.
RACE_OFFSETS = (-35, -24, -13, -2, 9, 20, 31, 42, 53, 64, 75)


# how long the slow-BYE runs hold each of the proxy's BYEs between its
# CSeq and its send; the offsets span 110 ms, so several of the 11
# re-INVITEs come within it
BYE_STALL_MS = 30


def _reinvite_race(who, bye_stall_ms=0):
    r = Race("race-reinv-%s%s" % (who, "-slow" if bye_stall_ms else ""), REINV_DEFINES,
             bye_stall_ms)
    try:
        shm0 = r.kam.module_shm()
        calls = r.run([("%s%+d" % (who, off),) + reinvite_race_pair(who, off)
                       for off in RACE_OFFSETS])
        cseq = REINV_CSEQ[who]
        outcomes, skew = {}, []
        for tag, uac, uas in calls:
            r.check_call(tag, uac, uas, True)
            sender = uac if who == "caller" else uas
            reinv = _first_sent(sender, "INVITE", cseq)
            check(reinv is not None, "%s: no re-INVITE sent" % tag)
            code = _final_code(sender, "INVITE", cseq)
            check(code is not None, "%s: the re-INVITE got no final answer" % tag)
            outcomes[code] = outcomes.get(code, 0) + 1
            first_bye = min(m.ts for s in (uac, uas) for ms in _module_byes(s).values() for m in ms)
            skew.append(round((reinv.ts - first_bye) * 1000))
        st, shm1 = r.finish(len(calls), shm0)
        check(min(skew) < 0 < max(skew), "re-INVITEs only on one side of the BYE: %s ms" % skew)
        if bye_stall_ms:
            check(r.crossed > 0, "no re-INVITE crossed a BYE held %d ms" % bye_stall_ms)
        print("    %s re-INVITE at %s ms from the module's BYE; answers: %s; %d BYEs crossed, "
              "sent again; module shm %d -> %d; SIPp ignored %d unexpected messages"
              % (who, skew, ", ".join("%d x%d" % kv for kv in sorted(outcomes.items())),
                 r.crossed, shm0, shm1, _sipp_notes([s for _, a, b in calls for s in (a, b)])))
    finally:
        r.stop()


def test_races_caller_reinvite():
    """The caller re-INVITEs within -60..+60 ms of the no_timer_limit
    teardown (the callee answers after 30 ms, or 487 when the BYE comes
    first, or 481 after it): both legs get the module's BYE once, counted
    once, the re-INVITE's answer revives nothing."""
    _reinvite_race("caller")


def test_races_callee_reinvite():
    """The same with the callee's re-INVITE (upstream, CSeq 101)."""
    _reinvite_race("callee")


def test_races_reinvite_crosses_bye():
    """Each of the proxy's BYEs held 30 ms between its CSeq and its send
    (tm:local-request): the caller's, then the callee's re-INVITE, relayed
    meanwhile, reaches the other leg before the BYE, with a CSeq the BYE's
    is not above (a strict UA answers 500 to that BYE). The module sees
    the dialog's CSeq pass its BYE's and sends that leg another BYE above
    it; no other BYE is sent twice."""
    _reinvite_race("caller", BYE_STALL_MS)
    _reinvite_race("callee", BYE_STALL_MS)


def test_races_callee_bye():
    """The callee hangs up within -60..+60 ms of the no_timer_limit
    teardown (for offsets >= 0 its BYE crosses the module's): the caller
    gets a BYE, the module's BYEs reach both legs or neither, once, counted
    once, nothing left."""
    r = Race("race-calleebye")
    try:
        shm0 = r.kam.module_shm()
        calls = r.run([("bye%+d" % off,) + callee_bye_race_pair(off) for off in RACE_OFFSETS])
        won = []
        for (tag, uac, uas), off in zip(calls, RACE_OFFSETS):
            check(uac.find(False, "BYE"), "%s: the caller got no BYE" % tag)
            check(_first_sent(uas, "BYE", 101) is not None, "%s: the callee sent no BYE" % tag)
            if r.check_call(tag, uac, uas, None):
                won.append(off)
        r.finish(len(won), shm0)
        print("    module won %d of %d races (offsets %s); SIPp ignored %d unexpected messages"
              % (len(won), len(calls), won, _sipp_notes([s for _, a, b in calls for s in (a, b)])))
    finally:
        r.stop()


CANCEL_OFFSETS = (-30, -10, -4, -2, -1, 0, 1, 2, 3, 5, 10, 30)


def test_races_cancel_vs_answer():
    """The caller CANCELs while the callee's 200 is on its way (offsets
    -30..+30 ms around the answer). Each call ends one of two ways: the 200
    won (the caller ACKs it and never hangs up: the module caps it at
    no_timer_limit with one BYE to each leg, counted once) or the CANCEL
    won (487: no module BYE, nothing left). Both outcomes must occur."""
    r = Race("race-cancel")
    try:
        shm0 = r.kam.module_shm()
        calls = r.run([("cancel%+d" % off,) + cancel_race_pair(off) for off in CANCEL_OFFSETS])
        won = {"answered": [], "cancelled": []}
        cancel_answers, crossed = {}, 0
        for (tag, uac, uas), off in zip(calls, CANCEL_OFFSETS):
            check(_first_sent(uac, "CANCEL", 1) is not None, "%s: no CANCEL sent" % tag)
            got = _final_code(uac, "INVITE", 1)
            sent = sorted({m.status for m in uas.messages() if m.sent and not m.is_request
                           and m.status >= 200 and (m.header("cseq") or "").endswith("INVITE")})
            c = [m.first_line.split(" ", 2)[-1] for m in uac.messages() if not m.sent
                 and not m.is_request and (m.header("cseq") or "").endswith("CANCEL")][:1]
            c = "%s (%s)" % (_final_code(uac, "CANCEL", 1), c[0] if c else "")
            cancel_answers[c] = cancel_answers.get(c, 0) + 1
            ok = uas.find(True, "INVITE", 200)
            if ok and [m for m in uas.messages() if not m.sent and m.is_request
                       and m.method == "CANCEL" and m.ts >= ok[0].ts]:
                crossed += 1   # the callee got the CANCEL after its 200 left
            if got == 200 and sent == [200]:
                # the zombie: up on both ends, nobody hangs up
                check(uac.find(True, "ACK"), "%s: the caller did not ACK the 200" % tag)
                r.check_call(tag, uac, uas, True)
                answer = uas.find(True, "INVITE", 200)[0].ts
                for side in (uac, uas):
                    bye = min(m.ts for ms in _module_byes(side).values() for m in ms)
                    check(LIMIT_S - 0.01 <= bye - answer <= LIMIT_S + 1.5,
                          "%s: the %s got the module's BYE %.3f s after the answer"
                          % (tag, side.name, bye - answer))
                won["answered"].append(off)
            elif got == 487 and sent == [487]:
                r.check_call(tag, uac, uas, False)
                check(not uac.find(False, "BYE") and not uas.find(False, "BYE"),
                      "%s: a BYE after a cancelled call" % tag)
                won["cancelled"].append(off)
            else:
                check(False, "%s: caller got %r for its INVITE, callee answered %r" % (tag, got, sent))
        st, shm1 = r.finish(len(won["answered"]), shm0)
        print("    200 won %d (offsets %s), CANCEL won %d (offsets %s); the CANCEL got %s; "
              "%d CANCELs reached the callee after its 200; module shm %d -> %d; "
              "SIPp ignored %d unexpected messages"
              % (len(won["answered"]), won["answered"], len(won["cancelled"]), won["cancelled"],
                 ", ".join("%s x%d" % kv for kv in sorted(cancel_answers.items())),
                 crossed, shm0, shm1, _sipp_notes([s for _, a, b in calls for s in (a, b)])))
        check(won["answered"] and won["cancelled"],
              "only one outcome in %d calls: %r" % (len(calls), won))
    finally:
        r.stop()


TESTS = [
    test_races_caller_reinvite,
    test_races_callee_reinvite,
    test_races_reinvite_crosses_bye,
    test_races_callee_bye,
    test_races_cancel_vs_answer,
]
