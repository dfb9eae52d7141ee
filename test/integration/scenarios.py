# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
"""SIPp scenarios built per test: the counts, codes and extra headers a test
needs are written into the XML (SIPp cannot take them from -key at load
time). Caller = alice (UAC, sends to the proxy), callee = bob (UAS)."""
import os

HEAD = '<?xml version="1.0" encoding="ISO-8859-1" ?>\n' \
       '<!DOCTYPE scenario SYSTEM "sipp.dtd">\n<scenario name="%s">\n'
TAIL = '</scenario>\n'

# Ends SIPp's unexpected-message handler (label _unexp.main): back where
# the call was, resuming a pause where it stood.
UNEXP_RETURN = ('  <nop><action><jump variable="_unexp.retaddr"/>'
                '<assign assign_to="_unexp.retaddr" value="0"/>'
                '<pauserestore variable="_unexp.pausedaddr"/></action></nop>\n')


def caller_end(x, answer_probes=False):
    """End a caller scenario whose last step is a receive: after a jump
    over it, the handler for a 100 or 180 the proxy relays after the 200
    (its UDP workers can reorder them; SIPp would abort the call on it),
    which takes it and goes back where the call was; with answer_probes
    it also answers a probe (UPDATE or OPTIONS) with 200. Any other
    unexpected message still aborts the call. Then the end."""
    h = '  <label id="_unexp.main"/>\n'
    if answer_probes:
        h += ('  <recv request="UPDATE" optional="true" next="unexp_probe"/>\n'
              '  <recv request="OPTIONS" optional="true" next="unexp_probe"/>\n')
    h += ('  <recv response="100" optional="true" next="unexp_back"/>\n'
          '  <recv response="180" next="unexp_back"/>\n')
    if answer_probes:
        h += '  <label id="unexp_probe"/>\n' + reply(200, "OK")
    h += '  <label id="unexp_back"/>\n' + UNEXP_RETURN
    return x + '  <nop next="end"/>\n' + h + '  <label id="end"/>\n' + TAIL


CALLER_FROM = "From: <sip:alice@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]"
CALLEE_TO = "To: <sip:bob@[callee]>"


def _msg(lines):
    body = "\n".join("      " + ln for ln in lines)
    return "    <![CDATA[\n%s\n\n    ]]>\n" % body


def send(lines, extra="", next_label=None):
    if next_label:
        extra += ' next="%s"' % next_label
    return "  <send%s>\n%s  </send>\n" % (extra, _msg(lines))


def reply(code, text, extra_hdrs=(), next_label=None):
    return send(["SIP/2.0 %d %s" % (code, text), "[last_Via:]", "[last_From:]",
                 "[last_To:]", "[last_Call-ID:]", "[last_CSeq:]"]
                + list(extra_hdrs) + ["Content-Length: 0"], next_label=next_label)


def caller_request(method, cseq):
    return send(["%s [next_url] SIP/2.0" % method,
                 "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]",
                 CALLER_FROM, CALLEE_TO + "[peer_tag_param]", "Call-ID: [call_id]",
                 "CSeq: %d %s" % (cseq, method), "[routes]",
                 "Contact: <sip:alice@[local_ip]:[local_port]>",
                 "Max-Forwards: 70", "Content-Length: 0"],
                extra=' retrans="500"' if method != "ACK" else "")


# answers_to_via: SIPp sends every message of a call to the address the
# call started with; an RFC 3261 endpoint answers a request to its Via
# (section 18.2.2). These capture the top Via of a probe (ph:pp) and the
# proxy's SIP address (mh:mp) and point the call at the first for the
# answer, then back (IPv4).
VIA_RE = r"SIP/2\.0/UDP ([0-9.]+):([0-9]+)"
CAPTURE_PROBE_VIA = ('<ereg regexp="%s" search_in="hdr" header="Via:" '
                     'assign_to="vv,ph,pp"/>' % VIA_RE)
CAPTURE_PROXY_VIA = ('<action><ereg regexp="%s" search_in="hdr" header="Via:" '
                     'assign_to="vv,mh,mp"/></action>' % VIA_RE)
CAPTURE_PROXY_RR = ('<action><ereg regexp="sip:([0-9.]+):([0-9]+)" search_in="hdr" '
                    'header="Record-Route:" assign_to="vv,mh,mp"/></action>')


def _setdest(h, p, next_label=None):
    nxt = ' next="%s"' % next_label if next_label else ""
    return ('  <nop%s><action><setdest host="[$%s]" port="[$%s]" protocol="udp"/>'
            '</action></nop>\n' % (nxt, h, p))


def caller_invite(invite_hdrs, answers_to_via=False):
    return send(["INVITE sip:bob@[callee] SIP/2.0",
                 "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]",
                 CALLER_FROM, CALLEE_TO, "Call-ID: [call_id]", "CSeq: 1 INVITE",
                 "Contact: <sip:alice@[local_ip]:[local_port]>"]
                + list(invite_hdrs) + ["Max-Forwards: 70", "Content-Length: 0"],
                extra=' retrans="500"') + \
        '  <recv response="100" optional="true"/>\n' \
        '  <recv response="180" optional="true"/>\n' \
        '  <recv response="200" rrs="true">%s</recv>\n' % (
            CAPTURE_PROXY_RR if answers_to_via else "") + caller_request("ACK", 1)


def probe_answers(codes, prefix, action="", silent_after=None, counter=None,
                  answer_spread_ms=None, skip_var=None, answers_to_via=False):
    """Alternatives that receive a probe (UPDATE / OPTIONS) and answer it
    with codes[method] (default 200; None: leave it unanswered), then go
    back to label "loop". silent_after=N: probes after the first N (counted
    in variable `counter`, which `action` must increment) are left
    unanswered. answer_spread_ms=M: each answer waits a uniformly random
    0..M ms first, as endpoints at different distances answer (the bench;
    a message arriving in that pause would abort the call, so not for
    tests that send more than probes). skip_var: a probe is left unanswered
    when `action` has set that variable true. answers_to_via: each answer
    goes to the probe's Via (see VIA_RE; the scenario captures mh:mp).
    Returns (alternatives, answer blocks). SIPp checks an
    incoming message against the step it is at, so every step that can be
    waiting when a message comes is a receive: the jumps ride on the
    receives and sends themselves (and on nops run straight after them),
    never on a step that waits."""
    alts, blocks = "", ""
    for m in ("UPDATE", "OPTIONS"):
        code = codes.get(m, 200)
        target = "%s_%s" % (prefix, m) if code else "loop"
        act = action
        if answers_to_via:
            act = (act[:-len("</action>")] if act else "<action>") + \
                CAPTURE_PROBE_VIA + "</action>"
        alts += '  <recv request="%s" optional="true" next="%s">%s</recv>\n' % (
            m, target, act)
        if code:
            blocks += '  <label id="%s_%s"/>\n' % (prefix, m)
            if silent_after is not None:
                blocks += ('  <nop><action><test assign_to="quiet" variable="%s" '
                           'compare="greater_than" value="%d"/></action></nop>\n'
                           '  <nop next="loop" test="quiet"/>\n' % (counter, silent_after))
            if skip_var:
                blocks += '  <nop next="loop" test="%s"/>\n' % skip_var
            if answer_spread_ms:
                blocks += ('  <pause distribution="uniform" min="0" max="%d"/>\n'
                           % answer_spread_ms)
            if answers_to_via:
                blocks += _setdest("ph", "pp") + reply(code, _text(code)) + \
                    _setdest("mh", "mp", "loop")
            else:
                blocks += reply(code, _text(code), next_label="loop")
    return alts, blocks


def _text(code):
    return {200: "OK", 481: "Call/Transaction Does Not Exist", 500: "Server Internal Error",
            405: "Method Not Allowed", 501: "Not Implemented"}.get(code, "Whatever")


def caller_rejected(invite_hdrs, code):
    """Send the INVITE, expect the final reply `code` (>= 300), ACK it."""
    x = HEAD % "caller" + send(["INVITE sip:bob@[callee] SIP/2.0",
                               "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]",
                               CALLER_FROM, CALLEE_TO, "Call-ID: [call_id]", "CSeq: 1 INVITE",
                               "Contact: <sip:alice@[local_ip]:[local_port]>"]
                              + list(invite_hdrs) + ["Max-Forwards: 70", "Content-Length: 0"],
                              extra=' retrans="500"')
    x += '  <recv response="100" optional="true"/>\n'
    x += '  <recv response="%d"/>\n' % code
    x += send(["ACK sip:bob@[callee] SIP/2.0", "[last_Via:]", CALLER_FROM,
               CALLEE_TO + "[peer_tag_param]", "Call-ID: [call_id]", "CSeq: 1 ACK",
               "Max-Forwards: 70", "Content-Length: 0"])
    return x + TAIL


def caller(invite_hdrs=(), probes_then_bye=None, codes=None, refresh_every_ms=None,
           refresh_count=0, refresh_method="INVITE", hold_ms=None,
           answer_spread_ms=None, answers_to_via=False):
    """Answer probes; hang up after `probes_then_bye` probes (None: wait for
    the proxy's BYE). Or refresh (re-INVITE/UPDATE) refresh_count times,
    every refresh_every_ms, then hang up. Or hold the call hold_ms (no
    probes expected) and hang up. answer_spread_ms, answers_to_via: see
    probe_answers()."""
    codes = codes or {}
    x = HEAD % "caller" + caller_invite(invite_hdrs, answers_to_via)
    if hold_ms is not None:
        x += '  <pause milliseconds="%d"/>\n' % hold_ms
        return caller_end(x + caller_request("BYE", 2) + '  <recv response="200"/>\n')
    if refresh_every_ms:
        cseq = 2
        for _ in range(refresh_count):
            x += '  <pause milliseconds="%d"/>\n' % refresh_every_ms
            x += caller_request(refresh_method, cseq)
            x += '  <recv response="100" optional="true"/>\n'
            x += '  <recv response="200"/>\n'
            if refresh_method == "INVITE":
                x += caller_request("ACK", cseq)
            cseq += 1
        # a probe may still come (a refresh that is late, a test that
        # wants one): answered, never an abort
        return caller_end(x + caller_request("BYE", cseq) + '  <recv response="200"/>\n',
                          answer_probes=True)
    count = '<action><add assign_to="n" value="1"/></action>'
    alts, blocks = probe_answers(codes, "ans", action=count,
                                 answer_spread_ms=answer_spread_ms,
                                 answers_to_via=answers_to_via)
    x += '  <nop><action><assign assign_to="n" value="0"/></action></nop>\n'
    x += '  <label id="loop"/>\n'
    if probes_then_bye is not None:
        x += ('  <nop><action><test assign_to="done" variable="n" '
              'compare="greater_than_equal" value="%d"/></action></nop>\n'
              '  <nop next="hangup" test="done"/>\n' % probes_then_bye)
    x += alts
    x += '  <recv request="BYE" next="got_bye"/>\n'
    x += blocks
    x += '  <label id="got_bye"/>\n' + reply(200, "OK", next_label="end")
    x += '  <label id="hangup"/>\n' + caller_request("BYE", 2) + '  <recv response="200"/>\n'
    return caller_end(x)


def callee(answer_hdrs=(), codes=None, extra_rr=False, silent_after=None,
           contact="<sip:bob@[local_ip]:[local_port]>", answer_delay_ms=None,
           answer_spread_ms=None, every_second=False, answers_to_via=False):
    """Answer the INVITE, then answer probes (codes per method; None: never
    answer) and refreshes until a BYE, answer it and end. extra_rr: pretend
    a downstream proxy by adding a Record-Route for the callee's own
    address on top (probes to the callee then carry a Route header).
    silent_after=N: answer the first N probes only, as if the endpoint
    died then (it still answers the BYE, so both ends log it).
    contact: the Contact header value the callee sends.
    answer_delay_ms: ring (180) that long before the 200.
    answer_spread_ms: see probe_answers().
    every_second: leave the first probe it gets unanswered, answer the
    second, and so on (as if every other one were lost). answers_to_via:
    see probe_answers()."""
    codes = codes or {}
    rr = ["Record-Route: <sip:[local_ip]:[local_port];lr>"] if extra_rr else []
    x = HEAD % "callee"
    x += '  <recv request="INVITE" rrs="true">%s</recv>\n' % (
        CAPTURE_PROXY_VIA if answers_to_via else "")
    if answer_delay_ms:
        x += send(["SIP/2.0 180 Ringing", "[last_Via:]", "[last_From:]",
                   "[last_To:];tag=[pid]SIPpTag01[call_number]", "[last_Call-ID:]",
                   "[last_CSeq:]", "[last_Record-Route:]",
                   "Contact: " + contact, "Content-Length: 0"])
        x += '  <pause milliseconds="%d"/>\n' % answer_delay_ms
    x += send(["SIP/2.0 200 OK", "[last_Via:]", "[last_From:]",
               "[last_To:];tag=[pid]SIPpTag01[call_number]", "[last_Call-ID:]",
               "[last_CSeq:]"] + rr + ["[last_Record-Route:]",
               "Contact: " + contact] + list(answer_hdrs)
              + ["Content-Length: 0"], extra=' retrans="500"')
    x += '  <recv request="ACK"/>\n'
    count = ""
    if silent_after is not None:
        x += '  <nop><action><assign assign_to="pn" value="0"/></action></nop>\n'
        count = '<action><add assign_to="pn" value="1"/></action>'
    elif every_second:
        # sk: 1, -1, 1, ... per probe; skip the ones where it is -1
        x += '  <nop><action><assign assign_to="sk" value="1"/></action></nop>\n'
        count = ('<action><multiply assign_to="sk" value="-1"/><test assign_to="skip" '
                 'variable="sk" compare="less_than" value="0"/></action>')
    x += '  <label id="loop"/>\n'
    alts, blocks = probe_answers(codes, "ans", action=count, silent_after=silent_after,
                                 counter="pn", answer_spread_ms=answer_spread_ms,
                                 skip_var="skip" if every_second else None,
                                 answers_to_via=answers_to_via)
    x += alts
    x += '  <recv request="INVITE" optional="true" next="reinvite"/>\n'
    x += '  <recv request="ACK" optional="true" next="loop"/>\n'
    x += '  <recv request="BYE" next="got_bye"/>\n'
    x += blocks
    x += '  <label id="reinvite"/>\n' + reply(
        200, "OK", ["Contact: " + contact], next_label="loop")
    x += '  <label id="got_bye"/>\n' + reply(200, "OK") + TAIL
    return x


def callee_late_ringing(probe=False):
    """Answer the INVITE with 200, and after the ACK send what a proxy whose
    workers reordered the replies would: the 180, then the 200 again; with
    probe, then an UPDATE (as the proxy's probe) whose 200 it waits for;
    then answer UPDATEs (200) until the BYE, and that. For callers reached directly (no proxy)."""
    x = HEAD % "callee_late_ringing"
    x += '  <recv request="INVITE"/>\n'
    ok = ["SIP/2.0 200 OK", "[last_Via:]", "[last_From:]",
          "[last_To:];tag=[pid]SIPpTag01[call_number]", "[last_Call-ID:]", "[last_CSeq:]",
          "Contact: <sip:bob@[local_ip]:[local_port]>", "Content-Length: 0"]
    x += send(ok) + '  <recv request="ACK"/>\n'
    again = ["[last_Via:]", "[last_From:]", "[last_To:]", "[last_Call-ID:]",
             "CSeq: 1 INVITE", "Contact: <sip:bob@[local_ip]:[local_port]>",
             "Content-Length: 0"]
    x += send(["SIP/2.0 180 Ringing"] + again) + send(["SIP/2.0 200 OK"] + again)
    if probe:
        # the caller ACKs the 200 again first
        x += '  <recv request="ACK"/>\n'
        x += send(["UPDATE sip:alice@[remote_ip]:[remote_port] SIP/2.0",
                   "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]",
                   "From: <sip:bob@[local_ip]:[local_port]>", "To: <sip:alice@[remote_ip]>",
                   "[last_Call-ID:]", "CSeq: 1 UPDATE", "Max-Forwards: 70",
                   "Content-Length: 0"], extra=' retrans="500"')
        x += '  <recv response="200"/>\n'
    x += '  <label id="loop"/>\n'
    x += '  <recv request="ACK" optional="true" next="loop"/>\n'
    x += '  <recv request="UPDATE" optional="true" next="refresh"/>\n'
    x += '  <recv request="BYE" next="bye"/>\n'
    x += '  <label id="refresh"/>\n' + reply(200, "OK", next_label="loop")
    x += '  <label id="bye"/>\n' + reply(200, "OK") + TAIL
    return x


def callee_probe_crosses_bye():
    """Answer the INVITE; on the caller's BYE send an UPDATE probe (as the
    proxy's, sent before the BYE reached it, would arrive) and at once the
    BYE's 200, and end (an answer to the UPDATE, if any, finds the call
    gone and is dropped). SIPp ties messages to a call by Call-ID, so the UPDATE carries no
    tags. For callers reached directly (no proxy)."""
    x = HEAD % "callee_probe_crosses_bye"
    x += '  <recv request="INVITE"/>\n'
    x += send(["SIP/2.0 200 OK", "[last_Via:]", "[last_From:]",
               "[last_To:];tag=[pid]SIPpTag01[call_number]", "[last_Call-ID:]",
               "[last_CSeq:]", "Contact: <sip:bob@[local_ip]:[local_port]>",
               "Content-Length: 0"])
    x += '  <recv request="ACK"/>\n  <recv request="BYE"/>\n'
    x += send(["UPDATE sip:alice@[remote_ip]:[remote_port] SIP/2.0",
               "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]",
               "From: <sip:bob@[local_ip]:[local_port]>;tag=[pid]SIPpTag01[call_number]",
               "To: <sip:alice@[remote_ip]:[remote_port]>",
               "[last_Call-ID:]", "CSeq: 1 UPDATE", "Max-Forwards: 70", "Content-Length: 0"])
    x += reply(200, "OK")
    return x + TAIL
    return x


def write(workdir, name, xml):
    path = os.path.join(workdir, name + ".xml")
    with open(path, "w") as f:
        f.write(xml)
    return path


def caller_random_hangup(invite_hdrs=(), min_ms=500, max_ms=10000):
    """Answer probes (200) and hang up at a random time, uniform in
    [min_ms, max_ms] after the answer (each call draws its own). A probe
    that comes during the pause goes to SIPp's unexpected-message handler
    (label _unexp.main), which answers it and resumes the pause where it
    was (pauserestore), so the draw is kept; a late 100/180 is taken there
    too. A BYE from the proxy (the call cut) is answered and ends the call.
    A probe that crosses the caller's BYE is taken and left unanswered, as
    a UA that has hung up may: answering it would put the call on a send
    step while the BYE's 200 can arrive in the same read, and SIPp aborts a
    call on a message that comes while its handler runs."""
    x = HEAD % "caller_random_hangup" + caller_invite(invite_hdrs)
    x += '  <pause distribution="uniform" min="%d" max="%d"/>\n' % (min_ms, max_ms)
    x += caller_request("BYE", 2)
    x += '  <label id="after_bye"/>\n'
    x += '  <recv request="UPDATE" optional="true" next="after_bye"/>\n'
    x += '  <recv request="OPTIONS" optional="true" next="after_bye"/>\n'
    x += '  <recv response="200"/>\n'
    x += '  <nop next="end"/>\n'
    x += '  <label id="_unexp.main"/>\n'
    x += '  <recv request="UPDATE" optional="true" next="unexp_ok"/>\n'
    x += '  <recv request="OPTIONS" optional="true" next="unexp_ok"/>\n'
    x += '  <recv response="100" optional="true" next="unexp_back"/>\n'
    x += '  <recv response="180" optional="true" next="unexp_back"/>\n'
    x += '  <recv request="BYE" next="unexp_bye"/>\n'
    x += '  <label id="unexp_ok"/>\n' + reply(200, "OK")
    x += '  <label id="unexp_back"/>\n'
    x += UNEXP_RETURN
    x += '  <label id="unexp_bye"/>\n' + reply(200, "OK")
    x += '  <label id="end"/>\n' + TAIL
    return x
