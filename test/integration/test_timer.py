# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
"""Timer mode: probes at t_c + k*I, confirmations, window verdict,
early_hangup grace, 481, refreshes, probe requests on the wire.
session_ttl 4, update_segment 2 (I = 2 s), tm fr_timer 1000 ms."""
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import scenarios as sc
from harness import (CFG, ROOT, TS_SKEW_S, Kamailio, Sipp, check, free_udp_port, workdir,
                     TestFailure)

TTL = 4
I_S = 2
SE = ["Session-Expires: 1800", "Supported: timer"]
TIMER_DEFS = {"VT_SESSION_TTL": TTL, "VT_UPDATE_SEGMENT": 2}


def start_call(wd, kam, caller_xml, callee_xml, ip="127.0.0.1"):
    """One call through kam; ip: the address of kam and both SIPp (an IPv6
    one bracketed where it takes a port)."""
    host = "[%s]" % ip if ":" in ip else ip
    uas = Sipp(wd, "callee", sc.write(wd, "callee", callee_xml),
               extra=["-m", "1"], local_ip=ip).start()
    uac = Sipp(wd, "caller", sc.write(wd, "caller", caller_xml),
               remote="%s:%d" % (host, kam.port),
               keys={"callee": "%s:%d" % (host, uas.port)},
               extra=["-m", "1", "-timeout", "90", "-timeout_error"],
               local_ip=ip).start()
    return uac, uas


def answer_time(uas):
    ok = uas.find(True, "INVITE", 200)
    check(ok, "callee sent no 200")
    return ok[0].ts


def probes(side):
    """Probe requests an endpoint received (one per transaction: tm's
    retransmissions carry the same Via branch)."""
    seen, out = set(), []
    for m in side.messages():
        if not m.sent and m.is_request and m.method in ("UPDATE", "OPTIONS"):
            br = m.header("via")
            if br not in seen:
                seen.add(br)
                out.append(m)
    return out


def check_probe_gaps(side, t0, i_s, ps=None):
    """Probes every i_s; the first one comes up to a quarter interval early
    (probe spreading: a per-call phase from the Call-ID, first window
    only)."""
    ps = probes(side) if ps is None else ps
    ts = [t0] + [p.ts for p in ps]
    gaps = [b - a for a, b in zip(ts, ts[1:])]
    ok = all(i_s - 0.2 <= g <= i_s + 0.5 for g in gaps[1:])
    ok = ok and (not gaps or i_s * 0.75 - 0.2 <= gaps[0] <= i_s + 0.5)
    check(ok, "%s probe gaps %s, want %.1fs (the first >= %.2fs)"
          % (side.name, ["%.2f" % g for g in gaps], i_s, i_s * 0.75))
    return gaps


def branch(msg):
    m = re.search(r";branch=([^;,\s]+)", msg.header("via"))
    return m.group(1) if m else ""


def check_own_probes(side, kam, own, via_host=None):
    """own: the probes went out without tm (the module's branch prefix,
    one Via naming the proxy: via_host, "127.0.0.1:<its port>" unless
    given); else through tm."""
    via_host = via_host or "127.0.0.1:%d" % kam.port
    for p in probes(side):
        b = branch(p)
        check(b.startswith("z9hG4bKvT") == own,
              "%s probe branch %s: want %s" % (side.name, b, "the module's" if own else "tm's"))
        if own:
            check(len(p.all("via")) == 1 and
                  p.header("via").startswith("SIP/2.0/UDP %s;branch=" % via_host),
                  "%s probe Via %r, want %s" % (side.name, p.all("via"), via_host))


def proxy_byes(side):
    return [m for m in side.find(False, "BYE") if m.header("reason")]


def no_module_errors(kam):
    bad = [ln for ln in kam.log().splitlines()
           if "vos_timer" in ln and re.search(r"\b(ERROR|CRITICAL|BUG)\b", ln)]
    check(not bad, "module errors in the log:\n" + "\n".join(bad[:5]))


def test_live_call_survives_windows():
    """Both ends answer probes: the call lives >= 4 windows (less the
    first window's spreading lead, under I/4, and one 50 ms tick: a probe
    may go that early), each end is probed every I (count within +-1), the
    caller's BYE ends it, the proxy sends no BYE."""
    wd = workdir("tlive")
    kam = Kamailio(wd, TIMER_DEFS).start()
    try:
        uac, uas = start_call(wd, kam, sc.caller(SE, probes_then_bye=8), sc.callee())
        check(uac.wait(40) == 0, "caller failed:\n" + uac.output())
        check(uas.wait(10) == 0, "callee failed:\n" + uas.output())
        t0 = answer_time(uas)
        bye = uac.find(True, "BYE")[0].ts
        check(bye - t0 >= 4 * TTL - I_S / 4 - 0.05, "call lasted only %.2fs" % (bye - t0))
        for side in (uac, uas):
            ps = probes(side)
            want = (bye - t0) / I_S
            check(abs(len(ps) - want) <= 1,
                  "%s got %d probes in %.1fs, want %.1f+-1" % (side.name, len(ps), bye - t0, want))
            check_probe_gaps(side, t0, I_S, ps)
            check(not proxy_byes(side), "%s got a BYE from the proxy" % side.name)
        st = kam.stats()
        check(st["teardown_total"] == 0 and st["managed"] == 0, "stats: %r" % st)
        check(st["probes_sent"] >= 14 and st["probes_failed"] == 0, "stats: %r" % st)
        no_module_errors(kam)
    finally:
        kam.stop()


def _dead_callee_case(early_hangup, lo, hi, wd_name):
    wd = workdir(wd_name)
    defs = dict(TIMER_DEFS, VT_EARLY_HANGUP=early_hangup)
    kam = Kamailio(wd, defs).start()
    try:
        uac, uas = start_call(wd, kam, sc.caller(SE), sc.callee(codes={"UPDATE": None}))
        check(uac.wait(30) == 0, "caller failed:\n" + uac.output())
        check(uas.wait(10) == 0, "callee failed:\n" + uas.output())
        t0 = answer_time(uas)
        for side in (uac, uas):
            byes = proxy_byes(side)
            check(len(byes) == 1, "%s got %d proxy BYEs" % (side.name, len(byes)))
            dt = byes[0].ts - t0
            check(lo <= dt <= hi, "%s BYE %.2fs after the last confirmation, want [%.1f, %.1f]"
                  % (side.name, dt, lo, hi))
            check('text="session-expired"' in byes[0].header("reason"),
                  "reason %r" % byes[0].header("reason"))
        st = kam.wait_released(3, "managed == 0")
        check(st["teardown_session_expired"] == 1, "stats: %r" % st)
        kam.wait_log(r"acc .*vos_timer_reason=session-expired", 3, "the CDR's vos_timer_reason")
        no_module_errors(kam)
    finally:
        kam.stop()


def test_silent_callee_session_expired():
    """Callee silent to in-dialog requests: BYE to both legs inside
    [session_ttl, session_ttl + 2.5 s] after the last confirmation."""
    _dead_callee_case(0, TTL, TTL + 2.5, "tsilent")


def test_silent_callee_early_hangup():
    """early_hangup 2: the same BYE comes 2 s later."""
    _dead_callee_case(2, TTL + 2, TTL + 2 + 2.5, "tgrace")


def test_callee_answers_in_grace():
    """early_hangup 2 and a callee frozen through the window that answers
    the grace probe: the call is kept, no BYE from the proxy."""
    wd = workdir("tsaved")
    kam = Kamailio(wd, dict(TIMER_DEFS, VT_EARLY_HANGUP=2)).start()
    try:
        uac, uas = start_call(wd, kam, sc.caller(SE, probes_then_bye=4), sc.callee())
        t0 = time.time()
        kam.wait_for(lambda: kam.stats()["timer"] == 1, 5, "call answered")
        t_ans = time.time()
        os.kill(uas.proc.pid, signal.SIGSTOP)  # frozen: probes queue unanswered
        # Window verdict at ttl + fr_timer (5 s), grace probe then, its tm
        # timeout 1 s later: wake the callee in between.
        time.sleep(max(0, t_ans + TTL + 1.35 - time.time()))
        st = kam.rpc_struct("vos_timer.list")
        os.kill(uas.proc.pid, signal.SIGCONT)
        check(st and st[0]["state"] == "grace", "not in grace before the wake-up: %r" % st)
        check(uac.wait(40) == 0, "caller failed:\n" + uac.output())
        check(uas.wait(10) == 0, "callee failed:\n" + uas.output())
        for side in (uac, uas):
            check(not proxy_byes(side), "%s got a BYE from the proxy" % side.name)
        st = kam.stats()
        check(st["teardown_total"] == 0, "the call was ended: %r" % st)
        check(st["probes_failed"] >= 2, "no unanswered probes counted: %r" % st)
        no_module_errors(kam)
    finally:
        kam.stop()


def test_callee_481_leg_gone():
    """A 481 from the callee: BYE to both legs right after, reason leg-gone."""
    wd = workdir("t481")
    kam = Kamailio(wd, dict(TIMER_DEFS, VT_EARLY_HANGUP=2)).start()
    try:
        uac, uas = start_call(wd, kam, sc.caller(SE), sc.callee(codes={"UPDATE": 481}))
        check(uac.wait(30) == 0, "caller failed:\n" + uac.output())
        check(uas.wait(10) == 0, "callee failed:\n" + uas.output())
        ans481 = [m for m in uas.messages() if m.sent and m.status == 481]
        check(len(ans481) == 1, "callee sent %d 481s" % len(ans481))
        for side in (uac, uas):
            byes = proxy_byes(side)
            check(len(byes) == 1, "%s got %d proxy BYEs" % (side.name, len(byes)))
            dt = byes[0].ts - ans481[0].ts
            check(0 <= dt <= 0.5, "%s BYE %.2fs after the 481" % (side.name, dt))
            check('text="leg-gone"' in byes[0].header("reason"), "reason %r" % byes[0].header("reason"))
        kam.wait_released(3, "managed == 0")
        st = kam.stats()
        check(st["teardown_leg_gone"] == 1 and st["teardown_total"] == 1, "stats: %r" % st)
        no_module_errors(kam)
    finally:
        kam.stop()


def _refresh_case(method, name):
    wd = workdir(name)
    kam = Kamailio(wd, TIMER_DEFS).start()
    try:
        # Refreshes every 1.2 s: no probe is ever due (the first window's
        # first probe comes I - lead after the answer, lead < I/4, so not
        # before 1.5 s; every refresh starts a new window).
        uac, uas = start_call(wd, kam, sc.caller(SE, refresh_every_ms=1200, refresh_count=7,
                                                 refresh_method=method), sc.callee())
        check(uac.wait(30) == 0, "caller failed (got a probe?):\n" + uac.output())
        check(uas.wait(10) == 0, "callee failed:\n" + uas.output())
        check(len(uas.find(False, method)) >= 7 if method == "UPDATE" else
              len([m for m in uas.find(False, "INVITE")]) == 8, "refreshes did not reach the callee")
        for side in (uac, uas):
            got = [m for m in probes(side) if m.header("reason") is None and
                   (method != "UPDATE" or side is uac)]
            check(not got, "%s was probed %d times" % (side.name, len(got)))
        st = kam.stats()
        check(st["probes_sent"] == 0 and st["teardown_total"] == 0, "stats: %r" % st)
        no_module_errors(kam)
    finally:
        kam.stop()


def test_reinvite_refreshes_mean_no_probes():
    """Endpoints refresh by re-INVITE through the proxy more often than I
    (less the first window's spreading lead): no probes are sent, the call
    lives (8.4 s > 2 windows)."""
    _refresh_case("INVITE", "trefresh")


def test_update_refreshes_mean_no_probes():
    """The same with UPDATE refreshes."""
    _refresh_case("UPDATE", "trefreshu")


def _wire_case(method, name):
    wd = workdir(name)
    defs = dict(TIMER_DEFS, VT_PROBE_METHOD='"%s"' % method)
    kam = Kamailio(wd, defs).start()
    try:
        uac, uas = start_call(wd, kam, sc.caller(SE, probes_then_bye=2),
                              sc.callee(extra_rr=True))
        check(uac.wait(30) == 0, "caller failed:\n" + uac.output())
        check(uas.wait(10) == 0, "callee failed:\n" + uas.output())
        inv = uas.find(False, "INVITE")[0]
        ok = uas.find(True, "INVITE", 200)[0]
        callee_tag = re.search(r"tag=([^;>\s]+)", ok.header("to")).group(1)
        caller_tag = re.search(r"tag=([^;>\s]+)", inv.header("from")).group(1)
        for side in (uas, uac):
            ps = probes(side)
            check(len(ps) >= 2, "%s got %d probes" % (side.name, len(ps)))
            p = ps[0]
            check(p.method == method, "%s probe method %s" % (side.name, p.method))
            cseq = int(p.header("cseq").split()[0])
            # old CSeq: below the caller's INVITE CSeq for the callee; 0 for a
            # caller that never saw a request from the callee.
            check(cseq == 0, "%s probe CSeq %d" % (side.name, cseq))
            check(p.header("call-id") == inv.header("call-id"), "Call-ID differs")
            to_tag = re.search(r"tag=([^;>\s]+)", p.header("to")).group(1)
            from_tag = re.search(r"tag=([^;>\s]+)", p.header("from")).group(1)
            want = (callee_tag, caller_tag) if side is uas else (caller_tag, callee_tag)
            check((to_tag, from_tag) == want, "%s probe tags to=%s from=%s" % (side.name, to_tag, from_tag))
        route = probes(uas)[0].all("route")
        check(route == ["<sip:127.0.0.1:%d;lr>" % uas.port],
              "callee probe Route %r, want the downstream Record-Route" % route)
        check(probes(uac)[0].all("route") == [], "caller probe has a Route")
        check(probes(uac)[0].first_line.startswith("%s sip:alice@127.0.0.1:%d" % (method, uac.port)),
              "caller probe R-URI %r is not its contact" % probes(uac)[0].first_line)
        # UDP to IP addresses: sent by the module itself, answers taken by it
        for side in (uas, uac):
            check_own_probes(side, kam, True)
            p = probes(side)[0]
            check(p.header("max-forwards") == "70" and p.header("content-length") == "0",
                  "%s probe Max-Forwards %r Content-Length %r" % (
                      side.name, p.header("max-forwards"), p.header("content-length")))
        st = kam.stats()
        check(st["probes_failed"] == 0 and st["probes_confirmed"] == st["probes_sent"] >= 4
              and st["probes_stateless"] == st["probes_sent"] and st["probes_resent"] == 0,
              "stats %r" % st)
        no_module_errors(kam)
    finally:
        kam.stop()


def test_update_probes_on_the_wire():
    """UPDATE probes: method, old CSeq, tags, Route from the record-route set."""
    _wire_case("UPDATE", "twireu")


def test_options_probes_on_the_wire():
    """OPTIONS probes with probe_method OPTIONS."""
    _wire_case("OPTIONS", "twireo")


def test_probes_follow_nat_alias():
    """A callee behind NAT: its Contact names an unreachable private
    address and carries the real one in an alias parameter (as nathelper's
    set_contact_alias() writes it). Probes go to the alias address like the
    dialog module's BYE, with the Contact (alias removed) as request URI,
    and the call lives."""
    wd = workdir("tnat")
    kam = Kamailio(wd, TIMER_DEFS).start()
    try:
        contact = "<sip:bob@192.0.2.1:5999;alias=[local_ip]~[local_port]~1>"
        uac, uas = start_call(wd, kam, sc.caller(SE, probes_then_bye=3),
                              sc.callee(contact=contact))
        check(uac.wait(30) == 0, "caller failed:\n" + uac.output())
        check(uas.wait(10) == 0, "callee failed:\n" + uas.output())
        ps = probes(uas)
        check(len(ps) >= 3, "callee got %d probes through the alias" % len(ps))
        check(all(p.first_line.startswith("UPDATE sip:bob@192.0.2.1:5999 ") for p in ps),
              "probe R-URI %r" % ps[0].first_line)
        # the alias is tm's to follow: these probes go through tm
        check_own_probes(uas, kam, False)
        check_own_probes(uac, kam, True)
        for side in (uac, uas):
            check(not proxy_byes(side), "%s got a BYE from the proxy" % side.name)
        st = kam.stats()
        check(st["teardown_total"] == 0 and st["probes_failed"] == 0, "stats %r" % st)
        check(0 < st["probes_stateless"] < st["probes_sent"], "stats %r" % st)
        no_module_errors(kam)
    finally:
        kam.stop()


def test_stateless_probes_off():
    """stateless_probes 0: every probe goes through tm (tm's branch), with
    the same outcome: the call lives, every probe confirms."""
    wd = workdir("tsloff")
    kam = Kamailio(wd, dict(TIMER_DEFS, VT_STATELESS_PROBES=0)).start()
    try:
        uac, uas = start_call(wd, kam, sc.caller(SE, probes_then_bye=3), sc.callee())
        check(uac.wait(30) == 0, "caller failed:\n" + uac.output())
        check(uas.wait(10) == 0, "callee failed:\n" + uas.output())
        for side in (uac, uas):
            check(len(probes(side)) >= 3, "%s got %d probes" % (side.name, len(probes(side))))
            check_own_probes(side, kam, False)
            check(not proxy_byes(side), "%s got a BYE from the proxy" % side.name)
        st = kam.stats()
        check(st["probes_failed"] == 0 and st["probes_stateless"] == 0
              and st["probes_in_flight"] == 0, "stats %r" % st)
        no_module_errors(kam)
    finally:
        kam.stop()


def _own_probes_case(kam, uac, uas, via_host):
    """Both legs probed without tm, with via_host (host:port) in the one
    Via, the answers taken (every probe confirmed), and the call lived."""
    check(uac.wait(30) == 0, "caller failed:\n" + uac.output())
    check(uas.wait(10) == 0, "callee failed:\n" + uas.output())
    for side in (uac, uas):
        ps = probes(side)
        check(len(ps) >= 3, "%s got %d probes" % (side.name, len(ps)))
        check_own_probes(side, kam, True, via_host)
        check(not proxy_byes(side), "%s got a BYE from the proxy" % side.name)
    st = kam.stats()
    check(st["probes_failed"] == 0 and st["probes_confirmed"] == st["probes_sent"] >= 6
          and st["probes_stateless"] == st["probes_sent"], "stats %r" % st)
    no_module_errors(kam)


def test_own_probes_name_the_advertised_address():
    """A socket with an advertised address (listen ... advertise, as behind
    a NAT): the module's own probes name that address and port in their
    Via, as tm would, and still go out from the real socket; SIPp answers
    to where the probe came from."""
    wd = workdir("tadv")
    port = free_udp_port()
    kam = Kamailio(wd, dict(TIMER_DEFS, VT_LISTEN="udp:127.0.0.1:%d advertise "
                            "192.0.2.77:5777" % port))
    kam.port = port
    kam.start()
    try:
        uac, uas = start_call(wd, kam, sc.caller(SE, probes_then_bye=3), sc.callee())
        _own_probes_case(kam, uac, uas, "192.0.2.77:5777")
    finally:
        kam.stop()


def test_own_probes_over_ipv6():
    """Proxy and endpoints on ::1: the module's own probes go over IPv6,
    with the address in brackets in their Via."""
    _own_probes_over_ipv6_case(workdir("tv6"))


def _own_probes_over_ipv6_case(wd, probe_port=False):
    """Proxy and SIPp on ::1 (SIPp answering to the listen socket):
    _own_probes_case(), the Via naming the listen socket, or with
    probe_port the probe port (whose answers then are none)."""
    port = free_udp_port("::1")
    defs = dict(TIMER_DEFS, VT_LISTEN="udp:[::1]:%d" % port)
    if probe_port:
        defs["VT_PROBE_PORT"] = free_udp_port("::1")
    kam = Kamailio(wd, defs)
    kam.port = port
    kam.start()
    try:
        uac, uas = start_call(wd, kam, sc.caller(SE, probes_then_bye=3), sc.callee(),
                              ip="::1")
        _own_probes_case(kam, uac, uas, "[::1]:%s" % defs.get("VT_PROBE_PORT", port))
        if probe_port:
            check(kam.stats()["probe_port_answers"] == 0, "stats %r" % kam.stats())
    finally:
        kam.stop()


def stats_once_answered(kam):
    """vos_timer.stats once no probe of the module's own is in flight (an
    answer read on the probe port may come a wake-up later)."""
    return kam.wait_for(lambda: (lambda t: t if t["probes_in_flight"] == 0 else None)(
        kam.stats()), 10, "every probe answered")


def test_probe_port_takes_the_answers():
    """probe_port: the module's own probes leave from that port of the
    proxy's address and name it in their Via; the endpoints answer there
    (to the Via, RFC 3261 18.2.2), the deadline process reads every answer
    (none goes through a UDP worker or needs a retransmission), and the
    call lives."""
    wd = workdir("tpport")
    pport = free_udp_port()
    kam = Kamailio(wd, dict(TIMER_DEFS, VT_PROBE_PORT=pport)).start()
    try:
        uac, uas = start_call(wd, kam, sc.caller(SE, probes_then_bye=3, answers_to_via=True),
                              sc.callee(answers_to_via=True))
        check(uac.wait(30) == 0, "caller failed:\n" + uac.output())
        check(uas.wait(10) == 0, "callee failed:\n" + uas.output())
        for side in (uac, uas):
            check(len(probes(side)) >= 3, "%s got %d probes" % (side.name, len(probes(side))))
            check_own_probes(side, kam, True, "127.0.0.1:%d" % pport)
            check(not proxy_byes(side), "%s got a BYE from the proxy" % side.name)
        # the answers of the last round may be read after the caller's BYE
        # (the next time the deadline process wakes): then the call is gone
        st = stats_once_answered(kam)
        check(st["probe_port_answers"] == st["probes_sent"] >= 6 and st["probes_resent"] == 0
              and st["probes_failed"] == 0 and st["probes_confirmed"] >= st["probes_sent"] - 2,
              "stats %r" % st)
        no_module_errors(kam)
    finally:
        kam.stop()


def test_probe_port_over_ipv6():
    """probe_port with the proxy on ::1: the probes leave from the port's
    IPv6 socket and name it in brackets in their Via. SIPp answers to the
    address the call began with (the listen socket), as some endpoints
    do: a SIP worker takes those answers, and the call lives."""
    _own_probes_over_ipv6_case(workdir("tpport6"), probe_port=True)


def test_probe_port_not_used_with_topoh():
    """probe_port with topoh loaded (it rewrites what the core sends and
    receives, which the probe port bypasses): a warning says the port is
    not used, the probes leave from the listen socket through the core,
    and the call lives."""
    wd = workdir("tpporttoh")
    with open(CFG) as f:
        cfg = f.read()
    anchor = 'loadmodule "dialog.so"\n'
    check(anchor in cfg, "the sample loads no dialog.so")
    cfg_path = os.path.join(wd, "kamailio-topoh.cfg")
    with open(cfg_path, "w") as f:
        f.write(cfg.replace(anchor, anchor + 'loadmodule "topoh.so"\n'))
    kam = Kamailio(wd, dict(TIMER_DEFS, VT_PROBE_PORT=free_udp_port()), cfg=cfg_path).start()
    try:
        uac, uas = start_call(wd, kam, sc.caller(SE, probes_then_bye=3, answers_to_via=True),
                              sc.callee(answers_to_via=True))
        check(uac.wait(30) == 0, "caller failed:\n" + uac.output())
        check(uas.wait(10) == 0, "callee failed:\n" + uas.output())
        check(re.search(r"probe_port \d+ not used: a module hooks the network data",
                        kam.log()), "no warning:\n" + kam.log_tail(10))
        for side in (uac, uas):
            check(len(probes(side)) >= 3, "%s got %d probes" % (side.name, len(probes(side))))
            check(not proxy_byes(side), "%s got a BYE from the proxy" % side.name)
        st = kam.stats()
        check(st["probes_failed"] == 0 and st["probe_port_answers"] == 0
              and st["probes_stateless"] == st["probes_sent"] >= 6, "stats %r" % st)
    finally:
        kam.stop()


def test_probe_port_unreachable_leg_answers_the_resend():
    """probe_port, and a callee that never gets what comes from it (every
    other request lost, as behind a NAT that lets in only the proxy's SIP
    port): each of its probes is sent again after T1 from the listen
    socket, naming that in its Via, with the same branch; the answer to
    that confirms the leg, and the call lives. The caller's answers still
    come to the probe port."""
    wd = workdir("tpportfb")
    pport = free_udp_port()
    kam = Kamailio(wd, dict(TIMER_DEFS, VT_PROBE_PORT=pport)).start()
    try:
        uac, uas = start_call(wd, kam, sc.caller(SE, probes_then_bye=3, answers_to_via=True),
                              sc.callee(every_second=True, answers_to_via=True))
        check(uac.wait(30) == 0, "caller failed:\n" + uac.output())
        check(uas.wait(10) == 0, "callee failed:\n" + uas.output())
        got = [m for m in uas.messages()
               if not m.sent and m.is_request and m.method in ("UPDATE", "OPTIONS")]
        # the last one may come once only: the caller hangs up after its
        # third probe, before T1
        check(len(got) >= 5, "callee got %d probes" % len(got))
        for first, again in zip(got[0::2], got[1::2]):
            check(branch(first) == branch(again) and branch(first).startswith("z9hG4bKvT"),
                  "branches %s, %s" % (branch(first), branch(again)))
            check(first.header("via").startswith("SIP/2.0/UDP 127.0.0.1:%d;" % pport)
                  and again.header("via").startswith("SIP/2.0/UDP 127.0.0.1:%d;" % kam.port),
                  "Vias %r, %r" % (first.header("via"), again.header("via")))
            check(0.4 <= again.ts - first.ts <= 1.0,
                  "sent again after %.2fs" % (again.ts - first.ts))
        for side in (uac, uas):
            check(not proxy_byes(side), "%s got a BYE from the proxy" % side.name)
        st = stats_once_answered(kam)
        check(st["probes_failed"] == 0 and st["probes_resent"] == len(got) // 2
              and st["probe_port_answers"] == len(probes(uac)), "stats %r" % st)
        no_module_errors(kam)
    finally:
        kam.stop()


def probe_port_junk(call_id):
    """Datagrams nobody should act on, for the probe port: noise, requests,
    replies without a Via or with one that is not the module's, replies
    naming the module's branch prefix with a slot out of range or a tag
    that was never sent (a 481: if taken, it would end the call), an
    oversized one."""
    def reply(code, branch):
        return ("SIP/2.0 %d X\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=%s\r\n"
                "Call-ID: %s\r\nCSeq: 1 OPTIONS\r\nFrom: <sip:a@b>;tag=1\r\n"
                "To: <sip:c@d>;tag=2\r\nContent-Length: 0\r\n\r\n"
                % (code, branch, call_id)).encode()
    return [b"", b"\0" * 7, os.urandom(600), b"SIP/2.0 ", b"SIP/2.0 200 OK\r\n\r\n",
            b"SIP/2.0 200 OK\r\nVia: \r\nContent-Length: 99\r\n\r\nabc",
            b"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4\r\n\r\n",
            reply(200, "z9hG4bK-not-ours"), reply(481, "z9hG4bKvT"),
            reply(481, "z9hG4bKvTffffffff.1"), reply(481, "z9hG4bKvT0.1"),
            reply(481, "z9hG4bKvT1.ffffffff"), reply(481, "z9hG4bKvT1.2.3"),
            b"SIP/2.0 481 X\r\n" + b"X-Pad: " + b"y" * 64000 + b"\r\n\r\n"]


def test_probe_port_ignores_junk():
    """Anything else that reaches the probe port is read and dropped: a
    burst of 10000 datagrams before the first probe (more than one
    wake-up reads), then junk of every kind (probe_port_junk()) every
    20 ms while the call runs. Kamailio stays up, every real answer is
    still read there, no probe is resent or fails, and the call lives."""
    wd = workdir("tpportjunk")
    pport = free_udp_port()
    kam = Kamailio(wd, dict(TIMER_DEFS, VT_PROBE_PORT=pport)).start()
    stop = threading.Event()
    sent = [0]

    def flood():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        junk = probe_port_junk("junk-call-id@127.0.0.1")
        for i in range(10000):
            s.sendto(junk[i % len(junk)], ("127.0.0.1", pport))
        sent[0] += 10000
        while not stop.wait(0.02):
            for j in junk:
                s.sendto(j, ("127.0.0.1", pport))
            sent[0] += len(junk)
        s.close()
    th = threading.Thread(target=flood)
    try:
        uac, uas = start_call(wd, kam, sc.caller(SE, probes_then_bye=3, answers_to_via=True),
                              sc.callee(answers_to_via=True))
        th.start()
        check(uac.wait(30) == 0, "caller failed:\n" + uac.output())
        check(uas.wait(10) == 0, "callee failed:\n" + uas.output())
        stop.set()
        th.join()
        check(kam.proc.poll() is None, "kamailio exited:\n" + kam.log_tail())
        check(sent[0] > 12000, "sent only %d datagrams" % sent[0])
        for side in (uac, uas):
            check(len(probes(side)) >= 3, "%s got %d probes" % (side.name, len(probes(side))))
            check(not proxy_byes(side), "%s got a BYE from the proxy" % side.name)
        st = stats_once_answered(kam)
        check(st["probe_port_answers"] == st["probes_sent"] >= 6 and st["probes_resent"] == 0
              and st["probes_failed"] == 0 and st["teardown_total"] == 0, "stats %r" % st)
        no_module_errors(kam)
    finally:
        stop.set()
        if th.is_alive():
            th.join()
        kam.stop()


def test_probe_non_timer():
    """probe_non_timer=1: a non-timer call is probed and still capped."""
    wd = workdir("tpnt")
    kam = Kamailio(wd, dict(TIMER_DEFS, VT_PROBE_NON_TIMER=1, VT_NO_TIMER_LIMIT=7)).start()
    try:
        uac, uas = start_call(wd, kam, sc.caller([]), sc.callee())
        check(uac.wait(30) == 0, "caller failed:\n" + uac.output())
        check(uas.wait(10) == 0, "callee failed:\n" + uas.output())
        t0 = answer_time(uas)
        check(len(probes(uas)) == 3, "callee got %d probes, want 3 (2, 4, 6 s)" % len(probes(uas)))
        byes = proxy_byes(uac)
        check(len(byes) == 1 and 7 - TS_SKEW_S <= byes[0].ts - t0 <= 8.5 and
              'no-timer-limit' in byes[0].header("reason"), "cap BYE: %r" % [(b.ts - t0) for b in byes])
        no_module_errors(kam)
    finally:
        kam.stop()


def test_list_and_stats_show_probing():
    """vos_timer.list: legs' state and next probe; stats: probe counters."""
    wd = workdir("tlist")
    kam = Kamailio(wd, TIMER_DEFS).start()
    try:
        uac, uas = start_call(wd, kam, sc.caller(SE, probes_then_bye=2), sc.callee())
        kam.wait_for(lambda: kam.stats()["timer"] == 1, 5, "call answered")
        e = kam.rpc_struct("vos_timer.list")[0]
        check(e["mode"] == "timer" and e["next_action"] == "probe", "entry %r" % e)
        check(1000 <= e["next_in_ms"] <= 2100, "next probe in %s ms" % e["next_in_ms"])
        check(e["caller"] == "unconfirmed" and e["callee"] == "unconfirmed", "legs %r" % e)
        time.sleep(2.5)
        e = kam.rpc_struct("vos_timer.list")[0]
        check(e["probes_sent"] == 2 and e["probes_confirmed"] == 2, "after a round %r" % e)
        check(uac.wait(30) == 0, "caller failed:\n" + uac.output())
        uas.wait(10)
        st = kam.stats()
        check(st["probes_sent"] == 4 and st["probes_confirmed"] == 4, "stats %r" % st)
        out = kam.rpc("stats.get_statistics", "vos_timer:")
        check("vos_timer:probes_sent = 4" in out, "counter: " + out)
    finally:
        kam.stop()


def test_probe_outcome_after_call_end_ignored():
    """The caller hangs up while the callee's probe is still unanswered: the
    probe's timeout (tm's 408, 1 s later) finds the call gone and is ignored
    without error; nothing more is sent to either leg."""
    wd = workdir("tlate")
    kam = Kamailio(wd, TIMER_DEFS).start()
    try:
        uac, uas = start_call(wd, kam, sc.caller(SE, probes_then_bye=1),
                              sc.callee(codes={"UPDATE": None}))
        check(uac.wait(30) == 0, "caller failed:\n" + uac.output())
        check(uas.wait(10) == 0, "callee failed:\n" + uas.output())
        bye = uas.find(False, "BYE")
        check(len(bye) == 1 and not bye[0].header("reason"), "callee BYEs %r" % bye)
        late = probes(uas)
        check(len(late) == 1, "callee got %d probes" % len(late))
        check(bye[0].ts - late[0].ts < 1.0, "the BYE came after the probe's life")
        time.sleep(1.5)  # past the probe's fr_timer: tm reports 408 now
        st = kam.stats()
        check(st["managed"] == 0 and st["teardown_total"] == 0, "stats %r" % st)
        check(st["probes_sent"] == 2 and st["probes_confirmed"] == 1
              and st["probes_failed"] == 0,
              "the late outcome was counted: %r" % st)
        for side in (uac, uas):
            after = [m for m in side.messages() if not m.sent and m.ts > bye[0].ts
                     and m.is_request]
            check(not after, "%s got %r after the BYE" % (side.name, [m.method for m in after]))
        no_module_errors(kam)
    finally:
        kam.stop()


def start_calls(wd, kam, n, probes_then_bye):
    """n timer calls at 200 cps, each caller hanging up after that many
    probes: (caller, callee) SIPp."""
    uas = Sipp(wd, "callee", sc.write(wd, "callee", sc.callee()), extra=["-m", str(n)]).start()
    uac = Sipp(wd, "caller", sc.write(wd, "caller", sc.caller(SE, probes_then_bye=probes_then_bye)),
               remote="127.0.0.1:%d" % kam.port, keys={"callee": "127.0.0.1:%d" % uas.port},
               extra=["-m", str(n), "-l", str(n), "-r", "200", "-timeout", "60",
                      "-timeout_error"]).start()
    return uac, uas


def test_probe_spreading():
    """30 timer calls answered within ~150 ms: their first probe rounds
    spread over the quarter interval before answer + I (never later), and
    the module's probes_peak_100ms shows no burst of all of them at once."""
    wd = workdir("tspread")
    n, ttl, seg = 30, 8, 2   # I = 4 s, spread over 1 s
    kam = Kamailio(wd, {"VT_SESSION_TTL": ttl, "VT_UPDATE_SEGMENT": seg,
                        "VT_NO_TIMER_LIMIT": 60, "VT_CHILDREN": 4}).start()
    try:
        uac, uas = start_calls(wd, kam, n, probes_then_bye=1)
        check(uac.wait(30) == 0 and uas.wait(10) == 0, "calls failed:\n" + uac.output())
        answers = {m.header("call-id"): m.ts for m in uas.find(True, "INVITE", 200)}
        first = {}
        for p in probes(uas):
            first.setdefault(p.header("call-id"), p.ts)
        check(len(answers) == n and len(first) == n, "%d answers, %d probed" % (len(answers), len(first)))
        span = max(answers.values()) - min(answers.values())
        check(span < 0.5, "answers spread over %.2fs" % span)
        leads = [4.0 - (first[c] - answers[c]) for c in answers]
        check(all(-0.5 <= x <= 1.0 + 0.2 for x in leads), "leads %s" % sorted("%.2f" % x for x in leads))
        spread = max(first.values()) - min(first.values())
        check(spread >= 0.6, "first probes within %.2fs only" % spread)
        st = kam.stats()
        check(st["probes_peak_100ms"] <= 2 * n * 0.4,
              "probes_peak_100ms %s of %d probes" % (st["probes_peak_100ms"], 2 * n))
        check(st["lateness_max_ms"] < 200 and st["lateness_p99_ms"] <= 100, "lateness: %r" % st)
    finally:
        kam.stop()


def test_probe_pacing():
    """probe_burst 2, probe_rate 20: the 60 first probes of 30 calls, due
    within about 1 s, leave at most 2 back to back and then 20 per second
    (so over about 3 s), and every one is still answered. Unpaced, the
    same calls send about 50 of them within one second. Each caller hangs
    up after its second probe, so every leg has its first one."""
    wd = workdir("tpace")
    n, ttl, seg, burst, rate = 30, 8, 2, 2, 20   # I = 4 s, spread over 1 s
    kam = Kamailio(wd, {"VT_SESSION_TTL": ttl, "VT_UPDATE_SEGMENT": seg,
                        "VT_NO_TIMER_LIMIT": 60, "VT_CHILDREN": 4,
                        "VT_PROBE_BURST": burst, "VT_PROBE_RATE": rate}).start()
    try:
        uac, uas = start_calls(wd, kam, n, probes_then_bye=2)
        check(uac.wait(40) == 0 and uas.wait(10) == 0, "calls failed:\n" + uac.output())
        first = {}
        for side in (uac, uas):
            check_own_probes(side, kam, True)
            for p in probes(side):
                first.setdefault((side.name, p.header("call-id")), p.ts)
        ts = sorted(first.values())
        check(len(ts) == 2 * n, "%d legs probed of %d" % (len(ts), 2 * n))
        # timestamps are the endpoints' receive times: allow a few more
        # per window for datagrams read together
        most = max(sum(1 for u in ts if t <= u < t + 1.0) for t in ts)
        check(most <= burst + rate + 4, "%d probes within 1 s (paced: at most %d)" % (most, burst + rate))
        check(ts[-1] - ts[0] >= (2 * n - burst) / rate - 0.3,
              "60 probes within %.2f s (paced: %.1f s at least)" % (ts[-1] - ts[0], (2 * n - burst) / rate))
        st = kam.stats()
        check(st["probes_failed"] == 0 and st["probes_stateless"] >= 2 * n
              and st["teardown_total"] == 0, "stats %r" % st)
        no_module_errors(kam)
    finally:
        kam.stop()


def test_make_demo():
    """`make demo`'s script runs and tells the story: probes answered, then
    unanswered, a session-expired BYE to both legs, the stats."""
    r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "demo.py")],
                       capture_output=True, text=True, timeout=90,
                       env=dict(os.environ, VT_TEST_OUT=workdir("tdemo")))
    out = r.stdout + r.stderr
    check(r.returncode == 0, "demo failed:\n" + out)
    check(len(re.findall(r"confirmed$", out, re.M)) >= 4, "no confirmed probes:\n" + out)
    check("NO ANSWER" in out, "no unanswered probe:\n" + out)
    byes = re.findall(r"<- BYE from proxy \(vos_timer\)  Reason: .*session-expired", out)
    check(len(byes) == 2, "want 2 proxy BYEs in the timeline:\n" + out)
    check(re.search(r"teardown_session_expired: 1", out), "no stats:\n" + out)


TESTS = [
    test_live_call_survives_windows,
    test_silent_callee_session_expired,
    test_silent_callee_early_hangup,
    test_callee_answers_in_grace,
    test_callee_481_leg_gone,
    test_reinvite_refreshes_mean_no_probes,
    test_update_refreshes_mean_no_probes,
    test_update_probes_on_the_wire,
    test_options_probes_on_the_wire,
    test_probes_follow_nat_alias,
    test_stateless_probes_off,
    test_own_probes_name_the_advertised_address,
    test_own_probes_over_ipv6,
    test_probe_port_takes_the_answers,
    test_probe_port_over_ipv6,
    test_probe_port_not_used_with_topoh,
    test_probe_port_unreachable_leg_answers_the_resend,
    test_probe_port_ignores_junk,
    test_probe_non_timer,
    test_list_and_stats_show_probing,
    test_probe_outcome_after_call_end_ignored,
    test_probe_spreading,
    test_probe_pacing,
    test_make_demo,
]
