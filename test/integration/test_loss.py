# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
"""Packet loss (doc/ section "Reliability tests"): soak-like load on one Kamailio while the
probe traffic loses 10% of its packets, independently in each direction;
the probes' retransmissions must keep every live call alive, and dead calls must
still end on both legs, on time.

Network: the SIPp callers and callees run in a network namespace of their
own (vtloss<pid>), joined to the root namespace by a veth pair; Kamailio
listens on the root end (10.213.X.1), the endpoints on the namespace end
(10.213.X.2). Loss on the veth, both directions, each packet on its own:
tc netem where the kernel has it (on each end's egress, under an htb root
whose u32 filters pick the packets), else nftables (`numgen random mod 100
< 10 drop` in a netdev table on each end's ingress: the receiver loses the
packet, the sender's sendto() still succeeds, as on a real network).
VT_LOSS_METHOD=netem or nft forces one. The test makes all of it and
removes it (the namespace, the veth pair, the qdiscs and tables) in a
finally block. Not root, no namespaces, neither netem nor nftables: the
test is skipped (run.py prints SKIP and why; not counted as passed).

Which packets are lost: every UDP packet on the veth while the loss is on,
except requests starting "BYE " (the proxy's teardown BYEs), so that the
dead calls' BYE times measure the module, not the luck of the BYE (their
200s are lossy: tm resends the BYE). The loss is on for the probing phase
only: it is added once every call is answered and removed 1.5 s before
the live callers start hanging up (a caller whose BYE's 200 got lost would
see tm's 408 and fail: not the module's business). The dead calls die
inside the lossy phase.

Calls (timer mode, Session-Expires in the INVITE): N_LIVE whose both ends
answer every probe until their caller hangs up (right after answering its
first probe past a fixed time), and N_DEAD whose callee answers its first
probe, then none (it still answers the BYE). SIPp answers a retransmitted
probe by sending its 200 again, and drops the copies of a probe it left
unanswered.

Settings: session_ttl 15, update_segment 3 (probe interval I = 5 s),
early_hangup 0, tm fr_timer 4000 ms (< I: no start-up warning, and a
failed probe's 408 comes before the next probe is due, so no probe is
skipped as "still pending").

Chance that a live call is cut, p = 0.10 per packet and direction:
- A probe goes out at 0, 0.5, 1.5 and 3.5 s (T1 = 500 ms doubling, T2 4 s)
  until fr_timer (4 s): 4 copies. A copy gets through when it and its 200
  both pass: 0.9 * 0.9 = 0.81. A probe transaction fails with
  q = 0.19^4 = 1.3e-3.
- A leg is lost only when all 3 probes of one window fail: q^3 = 2.2e-9;
  two legs: 4.4e-9 per call and window.
- About 6 windows per call under loss (30 s / 5 s), N_LIVE = 40 calls:
  1.1e-6 per run. (Without retransmissions a probe would fail with 0.19:
  0.19^3 = 6.9e-3 per leg and window, about 3 live calls cut per run.)

Result line: live calls cut (must be 0), dead calls not ended (0), ended
late or early (0), one-leg teardowns (0), and the evidence that loss
happened: packets dropped each way (> 0 both), probe copies the endpoints
received more than once (retransmissions after a lost 200, > 0), and the
module's own retransmissions (probes_resent > 0: the endpoints are UDP at
IP addresses, so the module sends the probes itself, without tm, and
retransmits them on the same schedule as tm, doc/ section "Probes without
tm")."""
import os
import re
import subprocess
import time

import scenarios as sc
from harness import (Kamailio, Sipp, TestFailure, TestSkipped, call_ids, check,
                     dead_call_teardowns, free_subnet, free_udp_port, pid_alive,
                     proxy_byes, run_cmd, workdir)

TTL, SEG, FR_MS = 15, 3, 4000
FR_S = FR_MS / 1000.0     # < the probe interval TTL / SEG = 5 s
LOSS_PCT = 10
N_LIVE, N_DEAD = 40, 10
SE = ["Session-Expires: 1800", "Supported: timer"]
HANGUP_AT_S = 31     # live callers hang up at their first probe after this (from the start)
LOSS_OFF_LEAD_S = 1.5
# Dead calls: BYE on both legs in [t_c + TTL + fr_timer, + VERDICT slack
# (the module's 1 s backstop when the last probe's 408 does not decide) +
# 0.5 s scheduling on a loaded machine], t_c = the last confirmation, read
# from vos_timer.show's window_age_ms while the call lives, minus the
# window's probe_lead_ms (a call whose first window after the answer never
# confirmed probes, and so ends, that much earlier: probe spreading).
DEAD_EARLY_S = 0.3
DEAD_LATE_S = 1.0 + 0.5
BYE_WORD = 0x42594520    # "BYE " at the start of the UDP payload




class LossNet:
    """A namespace for the endpoints, a veth pair to the root namespace,
    and switchable loss on it (netem, else nftables)."""

    def __init__(self):
        tag = os.getpid()
        self.ns = "vtloss%d" % tag
        self.host_if = "vtl%dh" % tag
        self.ns_if = "vtl%dn" % tag
        self.nft_root_table = "vtloss%d" % tag
        self.method = None
        self.made = False
        self.loss = False

    def _reap_stale(self):
        """Leftovers of earlier runs that were killed before their finally
        ran (names carry the creating test's pid; only dead pids' go)."""
        r = run_cmd(["ip", "netns", "list"], ok=False)
        for m in re.finditer(r"^vtloss(\d+)\b", r.stdout, re.M):
            if not pid_alive(int(m.group(1))):
                run_cmd(["ip", "netns", "del", "vtloss" + m.group(1)], ok=False)
        r = run_cmd(["nft", "list", "tables", "netdev"], ok=False)
        for m in re.finditer(r"^table netdev vtloss(\d+)$", r.stdout, re.M):
            if not pid_alive(int(m.group(1))):
                run_cmd(["nft", "delete", "table", "netdev", "vtloss" + m.group(1)], ok=False)
        r = run_cmd(["ip", "-o", "link", "show"], ok=False)
        for m in re.finditer(r"^\d+: vtl(\d+)h[@:]", r.stdout, re.M):
            if not pid_alive(int(m.group(1))):
                run_cmd(["ip", "link", "del", "vtl%sh" % m.group(1)], ok=False)

    def _subnet(self):
        return free_subnet("10.213", "the veth pair")

    def up(self):
        if os.geteuid() != 0:
            raise TestSkipped("needs root (network namespace, veth pair, loss rules)")
        for tool in ("ip", "sipp"):
            if run_cmd(["which", tool], ok=False).returncode != 0:
                raise TestSkipped("no %s command" % tool)
        self._reap_stale()
        r = run_cmd(["ip", "netns", "add", self.ns], ok=False)
        if r.returncode != 0:
            raise TestSkipped("network namespaces not allowed here: %s" % r.stderr.strip())
        self.made = True
        x = self._subnet()
        self.host_ip, self.ns_ip = "10.213.%d.1" % x, "10.213.%d.2" % x
        r = run_cmd(["ip", "link", "add", self.host_if, "type", "veth", "peer", "name",
                  self.ns_if, "netns", self.ns], ok=False)
        if r.returncode != 0:
            raise TestSkipped("cannot make a veth pair: %s" % r.stderr.strip())
        run_cmd(["ip", "addr", "add", self.host_ip + "/24", "dev", self.host_if])
        run_cmd(["ip", "link", "set", self.host_if, "up"])
        run_cmd(["ip", "-n", self.ns, "addr", "add", self.ns_ip + "/24", "dev", self.ns_if])
        run_cmd(["ip", "-n", self.ns, "link", "set", self.ns_if, "up"])
        run_cmd(["ip", "-n", self.ns, "link", "set", "lo", "up"])
        self.method = self._pick_method()

    def _pick_method(self):
        forced = os.environ.get("VT_LOSS_METHOD")
        why = []
        if forced in (None, "netem"):
            try:
                r = run_cmd(["tc", "qdisc", "add", "dev", self.ns_if, "root", "netem", "loss", "0%"],
                         ns=self.ns, ok=False)
            except OSError as e:
                r = subprocess.CompletedProcess([], 1, "", str(e))
            if r.returncode == 0:
                run_cmd(["tc", "qdisc", "del", "dev", self.ns_if, "root"], ns=self.ns, ok=False)
                return "netem"
            why.append("tc netem: " + (r.stderr.strip() or "failed"))
        if forced in (None, "nft"):
            try:
                self._nft_on(0)
                self._nft_off(read=False)
                return "nft"
            except (TestFailure, OSError) as e:
                self._nft_off(read=False)
                why.append("nftables: %s" % e)
        raise TestSkipped("no way to lose packets on the veth (%s)" % "; ".join(why))

    # -- nftables: a netdev table on each veth end's ingress, so that the
    # receiver loses the packet (a drop in the sender's output path would
    # fail its sendto() with EPERM, which real loss never does): in the
    # namespace on its end (towards the endpoints), in the root namespace
    # on the root end (from them; the table is named after the test's pid,
    # and removed explicitly: it outlives its device). A counter of all
    # UDP, then the drop rule.
    def _nft_sides(self):
        return (("to endpoints", self.ns, "vtloss", self.ns_if),
                ("from endpoints", None, self.nft_root_table, self.host_if))

    @staticmethod
    def _nft_rules(table, dev, pct):
        udp = "meta protocol ip ip protocol udp"
        return ("table netdev %s {\n"
                " chain rx { type filter hook ingress device \"%s\" priority 0; policy accept;\n"
                "  %s counter\n"
                "  %s @th,64,32 != 0x%08x numgen random mod 100 < %d counter drop\n"
                " }\n}\n" % (table, dev, udp, udp, BYE_WORD, pct))

    def _nft_on(self, pct):
        for _, ns, table, dev in self._nft_sides():
            run_cmd(["nft", "-f", "-"], ns=ns, stdin=self._nft_rules(table, dev, pct))

    def _nft_off(self, read=True):
        res = {}
        for name, ns, table, dev in self._nft_sides():
            if read:
                out = run_cmd(["nft", "list", "table", "netdev", table], ns=ns).stdout
                cnt = re.findall(r"counter packets (\d+)", out)
                check(len(cnt) == 2, "nft counters of %s:\n%s" % (table, out))
                res[name] = (int(cnt[0]), int(cnt[1]))
            run_cmd(["nft", "delete", "table", "netdev", table], ns=ns, ok=False)
        return res

    # -- netem: on each end's egress (root end: towards the endpoints; the
    # namespace end: from them), under an htb root whose u32 filters send
    # UDP but "BYE " requests to the netem class.
    def _netem_on(self, dev, pct):
        ns = None if dev == self.host_if else self.ns
        for cmd in (["qdisc", "add", "dev", dev, "root", "handle", "1:", "htb", "default", "20"],
                    ["class", "add", "dev", dev, "parent", "1:", "classid", "1:10", "htb",
                     "rate", "10gbit", "quantum", "60000"],
                    ["class", "add", "dev", dev, "parent", "1:", "classid", "1:20", "htb",
                     "rate", "10gbit", "quantum", "60000"],
                    ["qdisc", "add", "dev", dev, "parent", "1:10", "handle", "10:", "netem",
                     "loss", "%d%%" % pct],
                    ["filter", "add", "dev", dev, "parent", "1:", "protocol", "ip", "prio", "1",
                     "u32", "match", "u32", "0x%08x" % BYE_WORD, "0xffffffff", "at", "28",
                     "flowid", "1:20"],
                    ["filter", "add", "dev", dev, "parent", "1:", "protocol", "ip", "prio", "2",
                     "u32", "match", "ip", "protocol", "17", "0xff", "flowid", "1:10"]):
            run_cmd(["tc"] + cmd, ns=ns)

    def _netem_off(self, dev):
        """(UDP packets that went to netem, dropped by it)."""
        ns = None if dev == self.host_if else self.ns
        out = run_cmd(["tc", "-s", "qdisc", "show", "dev", dev], ns=ns).stdout
        m = re.search(r"qdisc netem 10:.*?\n\s*Sent \d+ bytes (\d+) pkt \(dropped (\d+)", out, re.S)
        run_cmd(["tc", "qdisc", "del", "dev", dev, "root"], ns=ns, ok=False)
        check(m is not None, "no netem statistics in:\n" + out)
        sent, dropped = int(m.group(1)), int(m.group(2))
        return sent + dropped, dropped

    def loss_on(self, pct):
        if self.method == "netem":
            self._netem_on(self.host_if, pct)
            self._netem_on(self.ns_if, pct)
        else:
            self._nft_on(pct)
        self.loss = True

    def loss_off(self):
        """{'to endpoints': (udp packets, dropped), 'from endpoints': (...)}"""
        self.loss = False
        if self.method == "netem":
            return {"to endpoints": self._netem_off(self.host_if),
                    "from endpoints": self._netem_off(self.ns_if)}
        return self._nft_off()

    def down(self):
        """Everything goes, whatever state up() reached; the namespace's
        processes must be stopped before."""
        if self.loss:
            try:
                self.loss_off()
            except Exception:
                pass
        if self.method == "nft":
            self._nft_off(read=False)
        if self.made:
            run_cmd(["ip", "link", "del", self.host_if], ok=False)   # both ends go
        if self.made:
            run_cmd(["ip", "netns", "del", self.ns], ok=False)   # its nft table too
            self.made = False

    def sipp(self, wd, name, xml, remote=None, keys=None, extra=None):
        """A harness Sipp started in the namespace, on its veth address."""
        s = Sipp(wd, name, sc.write(wd, name, xml), remote=remote, keys=keys, extra=extra)
        s.args[s.args.index("-i") + 1] = self.ns_ip
        s.args = ["ip", "netns", "exec", self.ns] + s.args   # it execs sipp: same pid
        return s


def caller_until(deadline_s):
    """A timer-mode caller that answers probes and hangs up right after
    answering the first probe that comes at or after the wall-clock second
    deadline_s (so a probe never finds it waiting for its BYE's 200; a
    retransmitted copy of the last one still could, and is answered). It
    looks at the clock only there: a jump to a step that waits (a recv
    timeout's) lets a message find the call at a nop, and SIPp aborts it."""
    x = sc.HEAD % "caller" + sc.caller_invite(SE)
    x += '  <label id="loop"/>\n'
    x += ('  <nop><action><gettimeofday assign_to="now_s,now_us"/>'
          '<assign assign_to="now_us" value="0"/>'   # SIPp: no variable used once
          '<test assign_to="done" variable="now_s" compare="greater_than_equal" '
          'value="%d"/></action></nop>\n'
          '  <nop next="hangup" test="done"/>\n' % deadline_s)
    x += '  <recv request="UPDATE" optional="true" next="ans_u"/>\n'
    x += '  <recv request="OPTIONS" optional="true" next="ans_o"/>\n'
    x += '  <recv request="BYE" next="got_bye"/>\n'
    x += '  <label id="ans_u"/>\n' + sc.reply(200, "OK", next_label="loop")
    x += '  <label id="ans_o"/>\n' + sc.reply(200, "OK", next_label="loop")
    x += '  <label id="got_bye"/>\n' + sc.reply(200, "OK", next_label="end")
    x += '  <label id="hangup"/>\n' + sc.caller_request("BYE", 2)
    x += '  <label id="byewait"/>\n'
    x += '  <recv request="UPDATE" optional="true" next="late_u"/>\n'
    x += '  <recv response="200" next="end"/>\n'
    x += '  <label id="late_u"/>\n' + sc.reply(200, "OK", next_label="byewait")
    x += '  <label id="end"/>\n' + sc.TAIL
    return x


def _probe_copies(side):
    """(probe transactions an endpoint saw, copies of them beyond the
    first: tm's retransmissions after a lost 200, or of a probe left
    unanswered)."""
    seen = {}
    for m in side.messages():
        if not m.sent and m.is_request and m.method in ("UPDATE", "OPTIONS"):
            k = m.header("via")
            seen[k] = seen.get(k, 0) + 1
    return len(seen), sum(n - 1 for n in seen.values())


def _window_start(kam, cid):
    """(wall-clock time of the call's last confirmation (its window start),
    the window's probe lead in s), or None once the module no longer has
    the call. The lead is not 0 only in the first window after the answer:
    its probes, and so its end, come that much earlier (spreading)."""
    t0 = time.time()
    out = kam.rpc_raw("vos_timer.show", cid)
    t1 = time.time()
    m = re.search(r"window_age_ms:\s*(\d+)", out or "")
    lead = re.search(r"probe_lead_ms:\s*(\d+)", out or "")
    if not m:
        return None
    return ((t0 + t1) / 2 - int(m.group(1)) / 1000.0,
            int(lead.group(1)) / 1000.0 if lead else 0.0)


def test_loss_10pct():
    net = LossNet()
    sipps, kam = [], None
    try:
        net.up()    # TestSkipped where it cannot be done
        wd = workdir("loss")
        port = free_udp_port()
        kam = Kamailio(wd, {"VT_LISTEN": "udp:%s:%d" % (net.host_ip, port),
                            "VT_SESSION_TTL": TTL, "VT_UPDATE_SEGMENT": SEG,
                            "VT_EARLY_HANGUP": 0, "VT_FR_TIMER": FR_MS,
                            "VT_NO_TIMER_LIMIT": 600, "VT_CHILDREN": 4}, shm_mb=128)
        kam.port = port
        kam.start()
        check("is longer than the probe interval" not in kam.log(),
              "fr_timer warning at start-up")
        t_start = time.time()
        deadline = int(t_start + HANGUP_AT_S) + 1
        pairs = {}
        for kind, n, caller_xml, callee_xml in (
                ("live", N_LIVE, caller_until(deadline), sc.callee()),
                ("dead", N_DEAD, sc.caller(SE), sc.callee(silent_after=1))):
            uas = net.sipp(wd, "callee_" + kind, callee_xml, extra=["-m", str(n)])
            uac = net.sipp(wd, "caller_" + kind, caller_xml,
                           remote="%s:%d" % (net.host_ip, port),
                           keys={"callee": "%s:%d" % (net.ns_ip, uas.port)},
                           extra=["-m", str(n), "-l", str(n), "-r", "50", "-timeout", "90",
                                  "-timeout_error"])
            sipps += [uas, uac]
            uas.start()
            uac.start()
            pairs[kind] = (uac, uas)
        kam.wait_for(lambda: kam.stats()["timer"] == N_LIVE + N_DEAD, 10,
                     "all %d calls answered" % (N_LIVE + N_DEAD))
        net.loss_on(LOSS_PCT)
        t_on = time.time()
        check(t_on - t_start < 8, "calls answered only %.1fs after the start" % (t_on - t_start))

        # Lossy phase: follow the dead calls' windows until they end.
        dead_pid = "-%d@" % pairs["dead"][0].proc.pid
        dead_ids = [e["call_id"] for e in kam.rpc_struct("vos_timer.list")
                    if dead_pid in str(e["call_id"])]
        check(len(dead_ids) == N_DEAD, "%d dead calls listed" % len(dead_ids))
        t_c, ended = {}, set()
        loss_off_at = deadline - LOSS_OFF_LEAD_S
        while time.time() < loss_off_at:
            for cid in dead_ids:
                if cid not in ended:
                    w = _window_start(kam, cid)
                    if w is None:
                        ended.add(cid)
                    else:
                        t_c[cid] = w
            time.sleep(max(0.0, min(1.0, loss_off_at - time.time())))
        drops = net.loss_off()
        t_off = time.time()
        check(t_off < deadline - 0.3, "the test removed the loss too late (%.2fs before the "
              "callers' hang-up)" % (deadline - t_off))

        for kind, (uac, uas) in pairs.items():
            check(uac.wait(30) == 0, "%s callers failed:\n%s" % (kind, uac.output()[-1500:]))
            check(uas.wait(20) == 0, "%s callees failed:\n%s" % (kind, uas.output()[-1500:]))
        check(kam.proc.poll() is None, "Kamailio died")

        uac, uas = pairs["live"]
        ids = call_ids(uas)
        check(len(ids) == N_LIVE, "%d live calls reached the callee" % len(ids))
        cut = set(proxy_byes(uac)) | set(proxy_byes(uas))
        live_cut = len(cut)
        own_byes = {m.header("call-id") for m in uac.find(True, "BYE")}
        check(own_byes | cut == ids, "%d live callers hung up, %d cut, of %d"
              % (len(own_byes), live_cut, N_LIVE))

        uac, uas = pairs["dead"]
        ids = call_ids(uas)
        check(ids == set(dead_ids), "dead calls at the callee differ from the module's")
        dead_left, one_leg, ended = dead_call_teardowns(uac, uas, "session-expired")
        off_time = under_loss = 0
        worst = []
        first_window = 0
        for cid, byes in ended.items():
            check(cid in t_c, "dead call %s ended before the test saw it" % cid)
            under_loss += byes[1].ts < t_off
            start, lead = t_c[cid]
            first_window += lead > 0
            for bye in byes:
                dt = bye.ts - start + lead - TTL - FR_S
                worst.append(dt)
                if not -DEAD_EARLY_S <= dt <= DEAD_LATE_S:
                    off_time += 1
        st = kam.wait_released(10, "every call released")
        live_tx = live_copies = 0
        for side in pairs["live"]:
            t, c = _probe_copies(side)
            live_tx, live_copies = live_tx + t, live_copies + c
        print("    loss %d%% (%s, %.0fs): live calls cut %d, dead calls not ended %d (%d ended "
              "under loss, %d in their first window), ended off time %d (BYE - last "
              "confirmation + first window's lead - ttl - fr_timer: "
              "%+.2f..%+.2fs), one-leg teardowns %d; dropped %d of %d packets to the endpoints, "
              "%d of %d from them; probes sent %d, failed %d (the dead callees' %d), resent "
              "by the module %d; live calls' probes %d, retransmitted copies they answered %d"
              % (LOSS_PCT, net.method, t_off - t_on, live_cut, dead_left, under_loss,
                 first_window, off_time,
                 min(worst or [0]), max(worst or [0]), one_leg,
                 drops["to endpoints"][1], drops["to endpoints"][0],
                 drops["from endpoints"][1], drops["from endpoints"][0],
                 st["probes_sent"], st["probes_failed"], SEG * N_DEAD, st["probes_resent"],
                 live_tx, live_copies),
              flush=True)
        check(live_cut == 0, "%d live calls cut" % live_cut)
        check(dead_left == 0, "%d dead calls not ended" % dead_left)
        check(one_leg == 0, "%d teardowns reached one leg only (or twice)" % one_leg)
        check(off_time == 0, "%d dead-call BYEs outside [%.1f, +%.1f]s of ttl + fr_timer after "
              "the last confirmation" % (off_time, -DEAD_EARLY_S, DEAD_LATE_S))
        check(st["teardown_total"] == N_DEAD and st["teardown_session_expired"] == N_DEAD,
              "teardowns counted: %r" % st)
        check(all(d[1] > 0 for d in drops.values()), "no packet was dropped: %r" % drops)
        check(live_copies > 0, "no live call's probe was retransmitted to its endpoint")
        check(st["probes_resent"] > 0, "the module retransmitted no probe: %r" % st)
    finally:
        for s in sipps:
            s.stop()
        if kam is not None:
            kam.stop()
        net.down()


TESTS = [test_loss_10pct]
