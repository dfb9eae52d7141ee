# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
"""Two proxies, one set of calls (doc/ section "Running on a cluster"):
vos_timer on two Kamailio nodes sharing dialogs over DMQ, each node in a
network namespace of its own, the endpoints outside, a floating address
the endpoints send to (cluster_net.py). Calls go through node A (it holds
the floating address, so the Record-Route names it); node A is killed
(SIGKILL on every process of its namespace, then its link goes down), the
floating address moves to node B, and B takes A's calls over:

- with both nodes up, every call is owned and probed by A only: B keeps a
  passive copy (vos_timer.show says so, owner A) and sends no probe;
- test_cluster_failover: B adopts the calls on its own when A's
  heartbeats stop (cluster_timeout); a vos_timer.takeover afterwards (as
  keepalived would send) adopts nothing more; then A starts again and
  takes nothing back: it keeps copies owned by B and sends no probe;
- test_cluster_takeover_command: with a cluster_timeout too long to
  matter, keepalived's command (vos_timer.takeover on B) adopts at once.

After the takeover: live calls are not cut (their callers hang up
themselves, through B); calls whose callee died are ended by B on both
legs within session_ttl + fr_timer + 1 s of the takeover (B does not know
when A last confirmed them: it restarts their window, as after a
restart); non-timer calls end at their original answer + no_timer_limit;
no call gets a BYE twice on a leg.

Settings: session_ttl 6, update_segment 3 (probe interval 2 s),
no_timer_limit 12, fr_timer 1000 ms, cluster_heartbeat 500 ms,
cluster_timeout 2000 ms. VT_CLUSTER_SCALE multiplies the call counts
(6 live, 3 dead, 3 capped; make soak: CLUSTER_SCALE, 20).
Not root, no namespaces: skipped (run.py prints SKIP and why)."""
import os
import re
import signal
import subprocess
import time

import scenarios as sc
from cluster_net import ClusterNet
from harness import (CFG, Kamailio, Sipp, TestSkipped, check, dead_call_teardowns,
                     free_udp_port, proxy_byes, stop_proc, workdir)

TTL, SEG, NTL = 6, 3, 12
FR = 1.0
HB_MS, TIMEOUT_MS = 500, 2000
SCALE = int(os.environ.get("VT_CLUSTER_SCALE", "1"))   # make soak: CLUSTER_SCALE
N_LIVE, N_DEAD, N_CAP = 6 * SCALE, 3 * SCALE, 3 * SCALE
N = N_LIVE + N_DEAD + N_CAP
SE = ["Session-Expires: 1800", "Supported: timer"]
KILL_AT_S = 4.5        # after the last answer: A has probed each timer call twice
CAP_EARLY_S, CAP_LATE_S = 0.2, 0.7


def _node(wd, net, name, timeout_ms, log="kamailio.log", extra=None):
    other = "B" if name == "A" else "A"
    d = os.path.join(wd, name)
    os.makedirs(d, exist_ok=True)
    k = Kamailio(d, dict(extra or {}, **{
        "VT_LISTEN": "udp:%s:5060" % net.node_ip[name],
        "VT_FLOAT_LISTEN": "udp:%s:5060" % net.floating_ip,
        "VT_CLUSTER": "",
        "VT_DMQ_ADDRESS": '"sip:%s:5060"' % net.node_ip[name],
        "VT_DMQ_PEER": '"sip:%s:5060"' % net.node_ip[other],
        "VT_NODE_INDEX": "1" if name == "A" else "2",
        "VT_DMQ_PING": "5",
        "VT_CLUSTER_HEARTBEAT": str(HB_MS),
        "VT_CLUSTER_TIMEOUT": str(timeout_ms),
        "VT_SESSION_TTL": str(TTL), "VT_UPDATE_SEGMENT": str(SEG),
        "VT_NO_TIMER_LIMIT": str(NTL)}), netns=net.ns[name])
    k.log_path = os.path.join(d, log)
    k.name = "sip:%s:5060" % net.node_ip[name]
    return k.start()


def _pair(wd, net, kind, n, caller_xml, callee_xml):
    uas = Sipp(wd, "callee_" + kind, sc.write(wd, "callee_" + kind, callee_xml),
               local_ip=net.endpoint_ip, extra=["-m", str(n)]).start()
    uac = Sipp(wd, "caller_" + kind, sc.write(wd, "caller_" + kind, caller_xml),
               remote="%s:5060" % net.floating_ip, local_ip=net.endpoint_ip,
               keys={"callee": "%s:%d" % (net.endpoint_ip, uas.port)},
               extra=["-m", str(n), "-l", str(n), "-r", str(min(200, 20 * SCALE)),
                      "-timeout", "90",
                      "-timeout_error"]).start()
    return uac, uas


def _cids(side):
    return sorted({m.header("call-id") for m in side.find(True, "INVITE")})


def _field(kam, *args):
    """kamcmd's output as {field: value} per struct; [] for an error."""
    out, cur = [], None
    for line in (kam.rpc_raw(*args) or "").splitlines():
        line = line.strip()
        if line == "{":
            cur = {}
        elif line == "}" and cur is not None:
            out.append(cur)
            cur = None
        elif cur is not None and ":" in line:
            k, v = line.split(":", 1)
            cur[k.strip()] = v.strip()
    return out


def _hears(x, y):
    """Node x lists node y as up."""
    x.wait_for(lambda: any(n.get("node") == y.name and n.get("up") == "yes"
                           for n in _field(x, "vos_timer.cluster")), 15,
               "%s hears %s" % (x.name, y.name))


def _copied(a, b, n):
    """A owns the n calls, answered; B keeps a copy of each."""
    a.wait_for(lambda: a.stats()["cluster_owned"] == n, 15, "all calls answered on A")
    b.wait_for(lambda: b.stats()["cluster_passive"] == n, 5, "B keeps a copy of each call")


def _kill_a(a, net, link_down=True):
    """Every process of node A killed (its link down too, unless it comes
    back at once), the floating address moved to B: the time of the kill."""
    stop_proc(a.proc, signal.SIGKILL)
    net.kill_node("A")
    t_kill = time.time()
    if link_down:
        net.node_down("A")
    net.move_floating("B")
    return t_kill


def _stop(net, *nodes):
    for k in nodes:
        if k is not None:
            k.stop()
    net.down()


def _run_failover(command):
    net = ClusterNet().up()
    wd = workdir("cluster-command" if command else "cluster")
    timeout_ms = 60000 if command else TIMEOUT_MS
    a = b = None
    try:
        a = _node(wd, net, "A", timeout_ms)
        b = _node(wd, net, "B", timeout_ms)
        _hears(b, a)
        _hears(a, b)
        calls = {
            "live": _pair(wd, net, "live", N_LIVE, sc.caller(SE, probes_then_bye=8), sc.callee()),
            "dead": _pair(wd, net, "dead", N_DEAD, sc.caller(SE), sc.callee(silent_after=2)),
            "capped": _pair(wd, net, "capped", N_CAP, sc.caller(), sc.callee()),
        }
        a.wait_for(lambda: (lambda s: s["timer"] == N_LIVE + N_DEAD
                            and s["non_timer"] == N_CAP)(a.stats()), 15, "all calls answered on A")
        b.wait_for(lambda: b.stats()["cluster_passive"] == N, 5, "B keeps a copy of each call")
        answered = {}
        for kind, (uac, uas) in calls.items():
            for m in uac.find(False, "INVITE", 200):
                answered[m.header("call-id")] = m.ts
        t_last = max(answered.values())
        time.sleep(max(0.0, t_last + KILL_AT_S - time.time()))

        # both up: A owns and probes every call, B holds copies and is silent
        sa, sb = a.stats(), b.stats()
        check(sa["cluster_owned"] == N and sb["cluster_passive"] == N and sb["managed"] == 0,
              "ownership with both up: A %r, B %r" % (sa, sb))
        check(sb["probes_sent"] == 0, "B sent %d probes while A was up" % sb["probes_sent"])
        a_calls = _field(a, "vos_timer.list")
        probed = [c for c in a_calls if c.get("mode") == "timer" and int(c["probes_sent"]) > 0]
        check(len(probed) == N_LIVE + N_DEAD and all(c["owner"] == a.name for c in a_calls),
              "A's calls: %r" % a_calls)
        some = calls["live"][0].find(True, "INVITE")[0].header("call-id")
        copy = _field(b, "vos_timer.show", some)
        check(len(copy) == 1 and copy[0].get("state") == "passive"
              and copy[0].get("owner") == a.name and copy[0].get("owner_generation") == "1",
              "B's copy of %s: %r" % (some, copy))
        probes_a = sa["probes_sent"]

        # node A dies
        t_kill = _kill_a(a, net)
        if command:
            r = _field(b, "vos_timer.takeover")
            check(r and int(r[0]["adopted"]) == N, "vos_timer.takeover on B: %r" % r)
        b.wait_for(lambda: b.stats()["cluster_adopted"] == N, timeout_ms / 1000.0 + 5,
                   "B adopts the %d calls" % N)
        t_adopt = time.time()
        took = t_adopt - t_kill
        sb = b.stats()
        check(sb["cluster_owned"] == N and sb["cluster_passive"] == 0
              and sb["timer"] == N_LIVE + N_DEAD and sb["non_timer"] == N_CAP,
              "B after the takeover: %r" % sb)
        if not command:
            # A was last heard up to a heartbeat before the kill
            check((TIMEOUT_MS - HB_MS) / 1000.0 - 0.1 <= took <= TIMEOUT_MS / 1000.0 + 1.0,
                  "B adopted %.2fs after the kill, cluster_timeout %d ms" % (took, TIMEOUT_MS))
            # keepalived's command after the automatic takeover: nothing left
            r = _field(b, "vos_timer.takeover")
            check(r and int(r[0]["adopted"]) == 0, "a second takeover adopted: %r" % r)
        mine = _field(b, "vos_timer.show", some)
        check(mine and mine[0].get("owner") == b.name and mine[0].get("owner_generation") == "2",
              "B's view of %s after the takeover: %r" % (some, mine))

        failback = None
        if not command:
            # A comes back (no database: its dialogs come over DMQ) and
            # takes nothing back
            net.node_up("A")
            a = _node(wd, net, "A", timeout_ms, log="kamailio-2.log")
            t_back = time.time()
            a.wait_for(lambda: (lambda v: v and v[0].get("owner") == b.name)(
                _field(a, "vos_timer.show", some)), 10, "A learns that B owns the calls")
            failback = time.time() - t_back

        # the calls play out on B
        for kind, (uac, uas) in calls.items():
            check(uac.wait(60) == 0, "%s caller failed:\n%s" % (kind, uac.first_errors()))
            check(uas.wait(10) == 0, "%s callee failed:\n%s" % (kind, uas.first_errors()))
        live_cut = sum(len(proxy_byes(s)) for s in calls["live"])
        left, one_leg, ended = dead_call_teardowns(*calls["dead"], reason="session-expired")
        dead_after = sorted(max(x.ts, y.ts) - t_adopt for x, y in ended.values())
        late = [t for t in dead_after if not (0 <= t <= TTL + FR + 1.0 + 0.7)]
        cleft, cone, cended = dead_call_teardowns(*calls["capped"], reason="no-timer-limit")
        cap_off = sorted(x.ts - answered[cid] - NTL for cid, (x, y) in cended.items())
        off = [o for o in cap_off if not (-CAP_EARLY_S <= o <= CAP_LATE_S)]
        sb = b.stats()
        twice = one_leg + cone
        if failback is not None:
            sa = a.stats()
            check(sa["probes_sent"] == 0 and sa["teardown_total"] == 0 and sa["managed"] == 0,
                  "the restarted A probed or ended calls: %r" % sa)
            a.wait_for(lambda: a.stats()["cluster_passive"] == 0, 10,
                       "A drops its copies once the calls ended")
        b.wait_for(lambda: b.stats()["cluster_owned"] == 0 and b.stats()["managed"] == 0, 10,
                   "B releases every call")
        print("    %d calls adopted %.2fs after the kill (%s); live calls cut %d; dead calls "
              "ended on time %d/%d (takeover to BYE %s s); capped at their original deadline "
              "%d/%d (offset %s s); BYE twice or on one leg %d; probes by B while A was up 0, "
              "by A before the kill %d%s"
              % (N, took, "vos_timer.takeover" if command else "heartbeats",
                 live_cut, len(ended) - len(late), N_DEAD,
                 "%.2f..%.2f" % (dead_after[0], dead_after[-1]) if dead_after else "-",
                 len(cended) - len(off), N_CAP,
                 "%+.2f..%+.2f" % (cap_off[0], cap_off[-1]) if cap_off else "-",
                 twice, probes_a,
                 "; A back: copies owned by B %.2fs after its start, 0 probes by it"
                 % failback if failback is not None else ""))
        check(live_cut == 0, "%d live calls cut" % live_cut)
        check(left == 0 and len(ended) == N_DEAD and not late,
              "dead calls: %d not ended, ended %r s after the takeover" % (left, dead_after))
        check(cleft == 0 and len(cended) == N_CAP and not off,
              "capped calls: %d not ended, offsets %r s" % (cleft, cap_off))
        check(twice == 0, "%d calls got a BYE twice or on one leg" % twice)
        check(sb["teardown_session_expired"] == N_DEAD and sb["teardown_no_timer_limit"] == N_CAP,
              "B's teardowns: %r" % sb)
    finally:
        _stop(net, a, b)


def test_cluster_settings_refused():
    """cluster=1 with settings it cannot work with stops Kamailio at
    start-up, with one line naming what is wrong: bad cluster values, no
    dmq module, the dialog module's enable_dmq off, or replicated dialog
    ids that can collide (h_id_step 1). No namespace needed: loopback."""
    with open(CFG) as f:
        sample = f.read()
    port = free_udp_port()
    base = {"VT_CLUSTER": "", "VT_LISTEN": "udp:127.0.0.1:%d" % port,
            "VT_DMQ_ADDRESS": '"sip:127.0.0.1:%d"' % port,
            "VT_DMQ_PEER": '"sip:127.0.0.1:%d"' % free_udp_port()}
    cases = [
        ({"VT_CLUSTER_HEARTBEAT": "50"}, None,
         'invalid modparam cluster_heartbeat = "50": allowed 100..60000'),
        ({"VT_CLUSTER_HEARTBEAT": "1000", "VT_CLUSTER_TIMEOUT": "1500"}, None,
         'invalid modparam cluster_timeout = "1500": allowed 2100..600000'),
        ({}, [('modparam("vos_timer", "cluster", 1)', 'modparam("vos_timer", "cluster", 2)')],
         'invalid modparam cluster = "2": allowed 0..1'),
        ({}, [('loadmodule "dmq.so"', ""), ('modparam("dmq"', '#'),
              ('modparam("dialog", "enable_dmq", 1)', ""),
              ("dmq_handle_message();", "")],
         "cluster=1 needs the dmq module"),
        ({}, [('modparam("dialog", "enable_dmq", 1)', "")],
         "cluster=1 needs the dialog module's enable_dmq=1"),
        ({}, [('modparam("dialog", "h_id_step", 16)', "")],
         "cluster=1 needs the dialog module's h_id_step above 1"),
    ]
    problems = []
    for defines, edits, want in cases:
        wd = workdir("cluster-param")
        cfg = CFG
        if edits:
            text = sample
            for old, new in edits:
                check(old in text, "not in the sample: " + old)
                text = text.replace(old, new)
            cfg = os.path.join(wd, "kamailio.cfg")
            with open(cfg, "w") as f:
                f.write(text)
        kam = Kamailio(wd, dict(base, **defines), cfg=cfg)
        kam.start(expect_ready=False)
        rc = kam.wait_exit(20)
        if rc is None:
            kam.stop()
            problems.append("%s: kamailio still running" % want)
            continue
        lines = [ln for ln in kam.log().splitlines() if want in ln]
        if rc == 0 or len(lines) != 1:
            problems.append("%s: exit %s, log:\n%s" % (want, rc, kam.log_tail(8)))
    check(not problems, "\n".join(problems))


def test_cluster_quick_restart():
    """The dialog variable vos_timer_state, set at the answer, is not on
    B's replicas (what the dialog module replicates is the dialog as it
    was when the INVITE was forwarded). Node A, keeping its dialogs in a
    database, is killed and started
    again at once (systemd's restart), and keepalived's check moves the
    floating address to B meanwhile; cluster_timeout is long (10 s): B
    adopts the calls A owned as soon as it hears A's new start time, not
    10 s later. A loads the calls from its database, holds them as its
    previous run's copies, learns that B owns them, and neither probes
    nor ends them. The calls play out: none cut, the capped ones ended
    by B at their original deadline."""
    from test_restart import make_db
    net = ClusterNet().up()
    wd = workdir("cluster-restart")
    db = os.path.join(wd, "a-dialog.db")
    make_db(db)
    # db_sqlite: one SIP worker writes the file (see test_restart)
    a_db = {"VT_DIALOG_DB": '"sqlite:///%s"' % db, "VT_CHILDREN": "1"}
    timeout_ms = 10000
    a = b = None
    n_live, n_cap = 3, 2
    try:
        a = _node(wd, net, "A", timeout_ms, extra=a_db)
        b = _node(wd, net, "B", timeout_ms)
        _hears(b, a)
        calls = {
            "live": _pair(wd, net, "live", n_live, sc.caller(SE, probes_then_bye=6),
                          sc.callee()),
            "capped": _pair(wd, net, "capped", n_cap, sc.caller(), sc.callee()),
        }
        _copied(a, b, n_live + n_cap)
        answered = {m.header("call-id"): m.ts for m in calls["capped"][0].find(False, "INVITE", 200)}
        time.sleep(2.5)
        # dialog variables reach B only as they were when the INVITE was
        # forwarded: $dlg_var(callid), set before, is on B's replicas;
        # vos_timer_state, set at the answer, is not (hence vos_timer's
        # own messages)
        a_vars, b_vars = a.rpc("dlg.list"), b.rpc("dlg.list")
        n_state_a = a_vars.count("vos_timer_state:")
        n_callid_b, n_state_b = b_vars.count("callid:"), b_vars.count("vos_timer_state:")
        check(n_state_a == n_live + n_cap and n_callid_b == n_live + n_cap and n_state_b == 0,
              "dialog variables: vos_timer_state on A %d, callid on B %d, vos_timer_state "
              "on B %d" % (n_state_a, n_callid_b, n_state_b))
        # A's machine stays up: its link too
        t_kill = _kill_a(a, net, link_down=False)
        a = _node(wd, net, "A", timeout_ms, log="kamailio-2.log", extra=a_db)
        t_up = time.time()
        b.wait_log(r"restarted: the calls it owned are orphans", 5, "B sees A restarted")
        b.wait_for(lambda: b.stats()["cluster_adopted"] == n_live + n_cap, 5,
                   "B adopts A's calls")
        took = time.time() - t_up
        check(b.stats()["cluster_owned"] == n_live + n_cap, "B: %r" % b.stats())
        some = calls["live"][0].find(True, "INVITE")[0].header("call-id")
        a.wait_for(lambda: (lambda v: v and v[0].get("owner") == b.name
                            and v[0].get("state") == "passive")(_field(a, "vos_timer.show", some)),
                   10, "A learns that B owns the calls")
        check(a.stats()["cluster_passive"] == n_live + n_cap and a.stats()["managed"] == 0,
              "A after B's claims: %r" % a.stats())
        for kind, (uac, uas) in calls.items():
            check(uac.wait(60) == 0, "%s caller failed:\n%s" % (kind, uac.first_errors()))
            check(uas.wait(10) == 0, "%s callee failed:\n%s" % (kind, uas.first_errors()))
        sa = a.stats()
        loaded = a.log().count("kept as this node's previous run")
        live_cut = sum(len(proxy_byes(x)) for x in calls["live"])
        cleft, cone, cended = dead_call_teardowns(*calls["capped"], reason="no-timer-limit")
        cap_off = sorted(x.ts - answered[cid] - NTL for cid, (x, y) in cended.items())
        print("    dialog variables on B's replicas: callid %d/%d, vos_timer_state %d/%d "
              "(A: %d); A killed and up again %.2fs later; %d calls adopted by B %.2fs after A's "
              "start; A: %d loaded from its database, %d probes, %d teardowns; live calls "
              "cut %d; capped ended %d/%d (offset %s s)"
              % (n_callid_b, n_live + n_cap, n_state_b, n_live + n_cap, n_state_a,
                 t_up - t_kill, b.stats()["cluster_adopted"], took,
                 loaded,
                 sa["probes_sent"], sa["teardown_total"], live_cut, len(cended), n_cap,
                 "%+.2f..%+.2f" % (cap_off[0], cap_off[-1]) if cap_off else "-"))
        check(sa["probes_sent"] == 0 and sa["teardown_total"] == 0 and sa["managed"] == 0,
              "the restarted A probed or ended calls: %r" % sa)
        check(loaded == n_live + n_cap, "A loaded %d calls from its database" % loaded)
        check(live_cut == 0, "%d live calls cut" % live_cut)
        check(len(cended) == n_cap and cone == 0
              and all(-CAP_EARLY_S <= o <= CAP_LATE_S for o in cap_off),
              "capped calls: %r offsets %r" % (cended, cap_off))
    finally:
        _stop(net, a, b)


DIALOG_KDMQ = "KDMQ sip:dialog@"     # the dialog module's DMQ requests start so


def test_cluster_lost_dialog_messages():
    """The dialog module's DMQ messages to B are lost while the calls are
    set up (nftables in B's namespace drops UDP whose payload starts with
    "KDMQ sip:dialog@"; vos_timer's own go through): B holds copies of
    the calls but no replica of their dialogs. B asks A for them again
    ("need"), A sends each dialog again with the dialog module's
    replication, and B adopts every call when A dies."""
    net = ClusterNet().up()
    if subprocess.run(["nft", "--version"], capture_output=True).returncode != 0:
        net.down()
        raise TestSkipped("no nft command (to lose the dialog module's messages)")
    wd = workdir("cluster-lost")
    a = b = None
    n_live, n_cap = 3, 1
    match = "@th,64,128 0x" + DIALOG_KDMQ.encode().hex()
    rules = ("table netdev vtclost {\n chain rx { type filter hook ingress device \"%s\" "
             "priority 0; policy accept;\n  meta l4proto udp %s counter drop\n }\n}\n"
             % (net.node_if["B"], match))
    try:
        a = _node(wd, net, "A", TIMEOUT_MS)
        b = _node(wd, net, "B", TIMEOUT_MS)
        _hears(b, a)
        subprocess.run(["ip", "netns", "exec", net.ns["B"], "nft", "-f", "-"], input=rules,
                       text=True, check=True, capture_output=True)
        calls = {
            "live": _pair(wd, net, "live", n_live, sc.caller(SE, probes_then_bye=7),
                          sc.callee()),
            "capped": _pair(wd, net, "capped", n_cap, sc.caller(), sc.callee()),
        }
        _copied(a, b, n_live + n_cap)
        # tm's retransmissions of the lost messages are over (fr_timer 1 s)
        time.sleep(FR + 1.0)
        out = subprocess.run(["ip", "netns", "exec", net.ns["B"], "nft", "list", "table",
                              "netdev", "vtclost"], capture_output=True, text=True).stdout
        dropped = int(re.search(r"counter packets (\d+)", out).group(1))
        subprocess.run(["ip", "netns", "exec", net.ns["B"], "nft", "delete", "table", "netdev",
                        "vtclost"], capture_output=True)
        check(dropped >= n_live + n_cap, "only %d dialog messages dropped" % dropped)
        check("callid" not in b.rpc("dlg.list"), "B has replicas despite the loss")
        a.wait_log(r"dialog sent again to", 10, "A sends the dialogs again")
        b.wait_for(lambda: b.rpc("dlg.list").count("state: 4") == n_live + n_cap, 10,
                   "B's replicas confirmed")
        asked = b.log().count("asking the owners again")
        resent = a.log().count("dialog sent again to")
        _kill_a(a, net)
        b.wait_for(lambda: b.stats()["cluster_adopted"] == n_live + n_cap, 10,
                   "B adopts every call")
        check("not adopted" not in b.log(), "B could not adopt a call:\n" + b.log_tail())
        for kind, (uac, uas) in calls.items():
            check(uac.wait(60) == 0, "%s caller failed:\n%s" % (kind, uac.first_errors()))
            check(uas.wait(10) == 0, "%s callee failed:\n%s" % (kind, uas.first_errors()))
        live_cut = sum(len(proxy_byes(x)) for x in calls["live"])
        cleft, cone, cended = dead_call_teardowns(*calls["capped"], reason="no-timer-limit")
        print("    %d dialog messages to B lost; B asked again %d times, A sent %d dialogs "
              "again; %d calls adopted; live calls cut %d; capped ended %d/%d"
              % (dropped, asked, resent, b.stats()["cluster_adopted"], live_cut,
                 len(cended), n_cap))
        check(live_cut == 0 and len(cended) == n_cap and cone == 0,
              "after the takeover: %d live calls cut, capped %r" % (live_cut, cended))
    finally:
        _stop(net, a, b)


def test_cluster_failover():
    _run_failover(command=False)


def test_cluster_takeover_command():
    _run_failover(command=True)


TESTS = [test_cluster_settings_refused, test_cluster_failover, test_cluster_takeover_command,
         test_cluster_lost_dialog_messages, test_cluster_quick_restart]
