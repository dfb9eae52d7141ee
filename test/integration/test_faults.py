# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
"""Faults a core review named: the module's own processes running late,
probes that cannot leave the box, and the like. Each test stages the fault
on a real Kamailio and looks at the wire. session_ttl 4, update_segment 2
(I = 2 s), tm fr_timer 1000 ms unless said otherwise."""
import os
import re
import shutil
import signal
import subprocess
import time

import scenarios as sc
from harness import CFG, Kamailio, Sipp, TestSkipped, check, workdir
from test_foundation import _call
from test_timer import SE, TIMER_DEFS, TTL, answer_time, probes, proxy_byes, start_call


def deadline_pid(kam):
    """The pid of the module's "vos_timer deadlines" process (core.psx)."""
    for p in kam.rpc_struct("core.psx"):
        if "vos_timer deadlines" in str(p.get("DSC", "")):
            return int(p["PID"])
    check(False, "no 'vos_timer deadlines' process in core.psx")


def test_stalled_deadline_process_cuts_no_live_call():
    """The deadline process stops (SIGSTOP) for a whole window + fr_timer
    + 3 s, then runs on: every deadline of the window is due at once. The
    live call's late probes are answered and it is not cut; the call whose
    callee went silent is still ended (session-expired) once the late
    probes' transactions are over."""
    wd = workdir("fstall")
    kam = Kamailio(wd, TIMER_DEFS).start()
    try:
        live = start_call(wd, kam, sc.caller(SE, probes_then_bye=6), sc.callee())
        wd2 = os.path.join(wd, "dead")
        os.makedirs(wd2)
        dead = start_call(wd2, kam, sc.caller(SE), sc.callee(codes={"UPDATE": None}))
        kam.wait_for(lambda: kam.stats()["timer"] == 2, 5, "both calls answered")
        pid = deadline_pid(kam)
        stall_s = TTL + 1.0 + 3.0
        os.kill(pid, signal.SIGSTOP)
        t_stop = time.time()
        try:
            time.sleep(stall_s)
        finally:
            os.kill(pid, signal.SIGCONT)
        t_cont = time.time()
        uac, uas = live
        check(uac.wait(40) == 0, "live caller failed:\n" + uac.output()[-2000:])
        check(uas.wait(10) == 0, "live callee failed:\n" + uas.output()[-2000:])
        for side in live:
            check(not proxy_byes(side), "the live call's %s got the proxy's BYE %.2f s after "
                  "the process ran on" % (side.name, proxy_byes(side)[0].ts - t_cont
                                          if proxy_byes(side) else 0))
        late = [p for p in probes(uas) if t_stop < p.ts]
        check(late and late[0].ts >= t_cont - 0.05,
              "no probe after the stall, or one during it: %r"
              % [round(p.ts - t_cont, 2) for p in probes(uas)])
        duac, duas = dead
        check(duac.wait(20) == 0, "dead call's caller failed:\n" + duac.output()[-2000:])
        check(duas.wait(10) == 0, "dead call's callee failed:\n" + duas.output()[-2000:])
        for side in dead:
            byes = proxy_byes(side)
            check(len(byes) == 1 and 'text="session-expired"' in byes[0].header("reason"),
                  "dead call's %s: proxy BYEs %r" % (side.name,
                                                     [b.header("reason") for b in byes]))
            dt = byes[0].ts - t_cont
            check(0.9 <= dt <= 3.5, "dead call's %s got its BYE %.2f s after the process ran "
                  "on, want after its late probe's fr_timer (1 s) and within 3.5 s"
                  % (side.name, dt))
        st = kam.wait_released(5)
        check(st["teardown_session_expired"] == 1 and st["teardown_total"] == 1,
              "stats: %r" % st)
        # overload is reported, not per call: the late probes are counted
        # (both legs of both calls, at least), one WARNING says so
        rs = st
        check(rs["probes_late"] >= 4, "probes_late %r after the stall" % rs["probes_late"])
        warns = re.findall(r"WARNING: .*deadlines started more than 100 ms late[^\n]*",
                           kam.log())
        check(len(warns) == 1, "want one lateness WARNING, got %d: %r" % (len(warns), warns))
        print("    stalled %.1f s; live call: %d probes after, not cut; dead call: BYE %.2f s "
              "after the process ran on; probes_late %d; %s" % (
                  t_cont - t_stop, len(late), proxy_byes(duas)[0].ts - t_cont,
                  rs["probes_late"], warns[0].split(": ", 2)[-1][:120]))
    finally:
        kam.stop()


def _wakeups(pid):
    """Times the process went to sleep of its own (voluntary context
    switches, /proc/<pid>/status): each is one wake-up after it."""
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"^voluntary_ctxt_switches:\s*(\d+)", f.read(), re.M).group(1))


def test_idle_deadline_process_sleeps():
    """With no call the deadline process sleeps: it wakes once a second
    (cfg updates), not every 50 ms tick. With a call it wakes for the
    call's deadlines, and still not every tick. (Counts wake-ups, not
    time: the machine's load does not change them.)"""
    wd = workdir("fidle")
    kam = Kamailio(wd, TIMER_DEFS).start()
    try:
        pid = deadline_pid(kam)
        time.sleep(1.0)
        w0, t0 = _wakeups(pid), time.time()
        time.sleep(5.0)
        idle = _wakeups(pid) - w0
        idle_s = time.time() - t0
        check(idle <= idle_s + 2, "idle: %d wake-ups in %.1f s (every 50 ms would be %d)"
              % (idle, idle_s, idle_s * 20))
        uac, uas = start_call(wd, kam, sc.caller(SE, probes_then_bye=3), sc.callee())
        kam.wait_for(lambda: kam.stats()["timer"] == 1, 5, "call answered")
        w1, t1 = _wakeups(pid), time.time()
        check(uac.wait(30) == 0, "caller failed:\n" + uac.output()[-2000:])
        check(uas.wait(10) == 0, "callee failed:\n" + uas.output()[-2000:])
        busy = _wakeups(pid) - w1
        busy_s = time.time() - t1
        n = len(probes(uas))
        check(n >= 3, "callee got %d probes" % n)
        check(busy <= busy_s * 3 + 2 * n + 4,
              "with one call: %d wake-ups in %.1f s for %d probe rounds" % (busy, busy_s, n))
        print("    idle: %d wake-ups in %.1f s; one call: %d wake-ups in %.1f s, %d probes "
              "to the callee" % (idle, idle_s, busy, busy_s, n))
    finally:
        kam.stop()


class SendBlock:
    """An nftables table of the test's own that makes this host's sends to
    one UDP port on loopback fail in the sender (an output-hook drop:
    sendto() gets EPERM), as a withdrawn route or a firewall rule would."""

    def __init__(self, port):
        self.table = "vtfault%d" % os.getpid()
        self.port = port
        if os.geteuid() != 0:
            raise TestSkipped("needs root (nftables)")
        if not shutil.which("nft"):
            raise TestSkipped("no nft command (package nftables)")
        self._nft("delete table inet %s" % self.table, ok=False)

    def _nft(self, cmd, ok=True):
        r = subprocess.run(["nft"] + cmd.split(), capture_output=True, text=True)
        if ok and r.returncode != 0:
            raise TestSkipped("nft %s: %s" % (cmd, r.stderr.strip()))
        return r

    def on(self):
        self._nft("add table inet %s" % self.table)
        self._nft("add chain inet %s out { type filter hook output priority 0 ; }" % self.table)
        self._nft("add rule inet %s out oifname lo udp dport %d counter drop"
                  % (self.table, self.port))

    def dropped(self):
        out = self._nft("list table inet %s" % self.table, ok=False).stdout
        m = re.search(r"packets (\d+)", out)
        return int(m.group(1)) if m else 0

    def off(self):
        self._nft("delete table inet %s" % self.table, ok=False)


def test_probe_that_cannot_leave_is_no_answer():
    """After the answer, sends to the callee fail in this host (nftables
    output drop, EPERM): tm retransmits, cannot send, and answers the
    probe itself with a 503. That reply is tm's, not the callee's: the
    callee's leg is unconfirmed and the call ends at its window with
    reason session-expired (the caller gets the BYE)."""
    wd = workdir("fnosend")
    kam = Kamailio(wd, TIMER_DEFS).start()
    uac, uas = start_call(wd, kam, sc.caller(SE), sc.callee())
    block = None
    try:
        kam.wait_for(lambda: kam.stats()["timer"] == 1, 5, "the call answered")
        block = SendBlock(uas.port)
        block.on()
        t_on = time.time()
        # window: I = 2 s, two probes, fr_timer 1 s: dead within ttl + 1 s
        # (+ spreading, slack); allow two windows before calling it kept
        st = kam.wait_for(lambda: (lambda s: s if s["teardown_total"] >= 1 else None)(kam.stats()),
                          2 * TTL + 4, "the call ended while its callee could not be reached")
        t_end = time.time()
        check(st["teardown_session_expired"] == 1, "stats: %r" % st)
        check(block.dropped() > 0, "the rule dropped nothing")
        check(uac.wait(10) == 0, "caller failed:\n" + uac.output()[-2000:])
        byes = proxy_byes(uac)
        check(len(byes) == 1 and 'text="session-expired"' in byes[0].header("reason"),
              "caller: proxy BYEs %r" % [b.header("reason") for b in byes])
        check(t_end - t_on <= TTL + 3.5, "ended %.1f s after the sends began to fail" % (t_end - t_on))
        print("    ended (session-expired) %.1f s after sends to the callee began to fail; "
              "%d packets dropped" % (t_end - t_on, block.dropped()))
    finally:
        if block:
            block.off()
        uas.stop()
        kam.stop()


def test_teardown_route_avps_do_not_leak():
    """The teardown event route sets an $avp and an $xavp for each of 200
    capped calls. AVPs and XAVPs live in shared memory and only the SIP
    receive path resets them, which never runs in the deadline process:
    each route must start without the previous call's values, and core
    shared memory must come back to its value once the calls are gone."""
    wd = workdir("favp")
    n = 200
    with open(CFG) as f:
        cfg = f.read()
    hook = "event_route[vos-timer:teardown] {\n"
    check(hook in cfg, "the sample has no teardown event route")
    cfg = cfg.replace(hook, hook +
                      '\txlog("L_NOTICE", "vt-avp before=[$avp(vt_prev)] [$xavp(vtx=>prev)]\\n");\n'
                      '\t$avp(vt_prev) = $vtimer(call_id);\n'
                      '\t$xavp(vtx=>prev) = $vtimer(call_id);\n')
    cfg_path = os.path.join(wd, "kamailio-avp.cfg")
    with open(cfg_path, "w") as f:
        f.write(cfg)
    kam = Kamailio(wd, {"VT_NO_TIMER_LIMIT": 2, "VT_CHILDREN": 4}, cfg=cfg_path).start()
    try:
        def burst(name, calls):
            d = os.path.join(wd, name)
            os.makedirs(d)
            uac, uas = _call(d, kam, "uac_wait_bye.xml", "uas_wait_bye.xml",
                             uac_m=calls, uas_m=calls, rate=100, limit=calls)
            check(uac.wait(60) == 0, "callers failed:\n" + uac.output()[-2000:])
            check(uas.wait(10) == 0, "callees failed:\n" + uas.output()[-2000:])
            kam.wait_released(5)
            time.sleep(7)   # tm's wait timer, the dialog module's delete delay

        # warm-up: what tm, dialog and the script engine keep for good
        burst("warm", 20)
        shm0 = kam.shm_used()
        burst("run", n)
        shm1 = kam.shm_used()
        lines = re.findall(r"vt-avp before=\[(.*?)\] \[(.*?)\]", kam.log())
        print("    core shm used %d -> %d (%+d bytes) over %d teardowns"
              % (shm0, shm1, shm1 - shm0, n))
        check(len(lines) == n + 20, "%d teardown routes ran, want %d" % (len(lines), n + 20))
        stale = [l for l in lines if l != ("<null>", "<null>")]
        check(not stale, "%d of %d teardown routes saw an earlier call's values, e.g. %r"
              % (len(stale), n + 20, stale[:2]))
        check(shm1 - shm0 <= 16384, "core shm used grew %d -> %d (+%d bytes) over %d teardowns"
              % (shm0, shm1, shm1 - shm0, n))
    finally:
        kam.stop()


def _prack_caller():
    """INVITE with Supported: 100rel; the reliable 180 and the 200 come
    one after the other. PRACK the 180 (CSeq 2) once the 200 is in, while
    the dialog is confirmed but not yet acknowledged (the dialog module
    marks it then), then ACK the 200 and wait for the proxy's BYE."""
    x = sc.HEAD % "prack_caller"
    x += sc.send(["INVITE sip:bob@[callee] SIP/2.0",
                  "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]",
                  sc.CALLER_FROM, sc.CALLEE_TO, "Call-ID: [call_id]", "CSeq: 1 INVITE",
                  "Contact: <sip:alice@[local_ip]:[local_port]>", "Supported: 100rel",
                  "Max-Forwards: 70", "Content-Length: 0"], extra=' retrans="500"')
    x += '  <recv response="100" optional="true"/>\n'
    x += '  <recv response="180"/>\n'
    x += '  <recv response="200" rrs="true"/>\n'
    x += sc.send(["PRACK [next_url] SIP/2.0",
                  "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]",
                  sc.CALLER_FROM, sc.CALLEE_TO + "[peer_tag_param]", "Call-ID: [call_id]",
                  "CSeq: 2 PRACK", "RAck: 1 1 INVITE", "[routes]", "Max-Forwards: 70",
                  "Content-Length: 0"], extra=' retrans="500"')
    x += '  <recv response="200"/>\n'
    x += sc.caller_request("ACK", 1)
    x += '  <recv request="BYE"/>\n' + sc.reply(200, "OK") + sc.TAIL
    return x


def _prack_callee():
    """A reliable 180 (Require: 100rel, RSeq 1), the 200 20 ms later, then
    the PRACK (answered), the ACK and the proxy's BYE."""
    x = sc.HEAD % "prack_callee"
    x += '  <recv request="INVITE" rrs="true"/>\n'
    hdrs = ["[last_Via:]", "[last_From:]", "[last_To:];tag=[pid]SIPpTag01[call_number]",
            "[last_Call-ID:]", "[last_CSeq:]", "[last_Record-Route:]",
            "Contact: <sip:bob@[local_ip]:[local_port]>"]
    x += sc.send(["SIP/2.0 180 Ringing"] + hdrs + ["Require: 100rel", "RSeq: 1",
                                                   "Content-Length: 0"])
    x += '  <pause milliseconds="20"/>\n'
    x += sc.send(["SIP/2.0 200 OK"] + hdrs + ["Content-Length: 0"], extra=' retrans="500"')
    x += '  <recv request="PRACK"/>\n' + sc.reply(200, "OK")
    x += '  <recv request="ACK"/>\n'
    x += '  <recv request="BYE"/>\n' + sc.reply(200, "OK") + sc.TAIL
    return x


def test_burst_of_100rel_calls_bye_cseq():
    """200 calls with a reliable 180 and its PRACK, capped within two
    seconds. The dialog module does not follow PRACK CSeqs and adds 80 to
    its BYE's CSeq after one; the BYE the module sends to the callee itself
    (when dlg_bye_all() skipped it: Kamailio 5.6 and 6.0) must too, or a
    strict callee answers 500 and keeps its leg. Every leg gets one proxy
    BYE with a CSeq above every request it got before."""
    wd = workdir("fprack")
    n = 200
    kam = Kamailio(wd, {"VT_NO_TIMER_LIMIT": 2, "VT_CHILDREN": 4}).start()
    try:
        uas = Sipp(wd, "callee", sc.write(wd, "callee", _prack_callee()),
                   extra=["-m", str(n)]).start()
        uac = Sipp(wd, "caller", sc.write(wd, "caller", _prack_caller()),
                   remote="127.0.0.1:%d" % kam.port,
                   keys={"callee": "127.0.0.1:%d" % uas.port},
                   extra=["-m", str(n), "-l", str(n), "-r", "100", "-timeout", "60",
                          "-timeout_error"]).start()
        check(uac.wait(60) == 0, "callers failed:\n" + uac.output()[-2500:])
        check(uas.wait(10) == 0, "callees failed:\n" + uas.output()[-2500:])
        low = []
        for side in (uac, uas):
            last = {}
            byes = {}
            for m in side.messages():
                if m.sent or not m.is_request:
                    continue
                cid, num = m.header("call-id"), int(m.header("cseq").split()[0])
                if m.method == "BYE" and 'text="no-timer-limit"' in (m.header("reason") or ""):
                    byes.setdefault(cid, num)
                elif m.method not in ("ACK", "CANCEL") and cid not in byes:
                    last[cid] = max(last.get(cid, 0), num)
            check(len(byes) == n, "%s: %d of %d calls got the proxy's BYE" % (side.name, len(byes), n))
            low += ["%s %s: BYE CSeq %d, after CSeq %d" % (side.name, c, b, last[c])
                    for c, b in byes.items() if c in last and b <= last[c]]
        fallback = len(re.findall(r"sending that BYE", kam.log()))
        print("    %d calls; the module sent %d callee BYEs itself; BYEs not above an "
              "earlier CSeq: %d" % (n, fallback, len(low)))
        check(not low, "%d BYEs a strict UA refuses, e.g. %s" % (len(low), low[:3]))
        st = kam.wait_released(5)
        check(st["teardown_no_timer_limit"] == n, "stats: %r" % st)
    finally:
        kam.stop()


def test_bye_that_cannot_leave_goes_again():
    """A capped call (no_timer_limit 2 s) whose callee cannot be reached
    when the module ends it (nftables output drop, EPERM: tm answers the
    dialog module's BYE itself with a 503). The caller's BYE ends the
    dialog in the dialog module; the module keeps the call and sends the
    callee's BYE again at the teardown's recheck (10 s later), once the
    path is back: the callee gets its BYE, and nothing is left after."""
    wd = workdir("fbyeagain")
    kam = Kamailio(wd, {"VT_NO_TIMER_LIMIT": 2}).start()
    uac, uas = _call(wd, kam, "uac_wait_bye.xml", "uas_wait_bye.xml")
    block = None
    try:
        kam.wait_for(lambda: kam.stats()["non_timer"] == 1, 5, "the call answered")
        block = SendBlock(uas.port)
        block.on()
        st = kam.wait_for(lambda: (lambda s: s if s["teardown_total"] >= 1 else None)(kam.stats()),
                          5, "the teardown")
        t_down = time.time()
        kam.wait_for(lambda: block.dropped() > 0, 3, "the callee's BYE blocked")
        time.sleep(2.5)   # tm's retransmission fails too: its own 503
        dropped = block.dropped()
        block.off()
        block = None
        check(uac.wait(5) == 0, "caller failed:\n" + uac.output()[-2000:])
        check(uas.wait(20) == 0, "the callee never got a BYE:\n" + uas.output()[-2000:])
        byes = [m for m in uas.find(False, "BYE") if 'text="no-timer-limit"' in (m.header("reason") or "")]
        check(byes, "the callee's BYE has no Reason no-timer-limit")
        dt = byes[0].ts - t_down
        check(8.0 <= dt <= 14.0, "the callee's BYE came %.1f s after the teardown, want "
              "at its recheck (10 s)" % dt)
        st = kam.wait_released(5)
        check(st["teardown_no_timer_limit"] == 1, "stats: %r" % st)
        kam.wait_log(r"sending the BYE to the callee again", 1, "the retry's log line")
        print("    %d packets to the callee dropped; its BYE went again %.1f s after the "
              "teardown; nothing left" % (dropped, dt))
    finally:
        if block:
            block.off()
        uac.stop()
        uas.stop()
        kam.stop()


TESTS = [
    test_idle_deadline_process_sleeps,
    test_stalled_deadline_process_cuts_no_live_call,
    test_probe_that_cannot_leave_is_no_answer,
    test_teardown_route_avps_do_not_leak,
    test_burst_of_100rel_calls_bye_cseq,
    test_bye_that_cannot_leave_goes_again,
]
