# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
"""Operating vos_timer: per-call overrides from a per-gateway
htable, every RPC command over kamcmd and jsonrpcs with its errors,
vos_timer.set for new calls only, the teardown event route and acc CDRs
carrying vos_timer_reason."""
import os
import re
import socket
import time
import urllib.request

import scenarios as sc
from harness import CFG, Kamailio, Sipp, check, workdir

from test_timer import answer_time, check_probe_gaps, no_module_errors, probes, proxy_byes

SE = ["Session-Expires: 1800", "Supported: timer"]


def callee_sipp(wd, name, xml):
    return Sipp(wd, name, sc.write(wd, name, xml), extra=["-m", "1"])


def caller_sipp(wd, kam, name, xml, uas):
    return Sipp(wd, name, sc.write(wd, name, xml), remote="127.0.0.1:%d" % kam.port,
                keys={"callee": "127.0.0.1:%d" % uas.port},
                extra=["-m", "1", "-timeout", "90", "-timeout_error"])


def gateway(uas):
    """The sample's vtgw key for a callee: the Request-URI's host:port."""
    return "127.0.0.1:%d" % uas.port


def call_id(uas):
    invs = uas.find(False, "INVITE")
    check(invs, "%s got no INVITE" % uas.name)
    return invs[0].header("call-id")


def check_rhythm(uas, i_s, n_min):
    ps = probes(uas)
    check(len(ps) >= n_min, "%s: %d probes, want >= %d" % (uas.name, len(ps), n_min))
    check_probe_gaps(uas, answer_time(uas), i_s, ps)


def test_overrides_per_gateway():
    """Three concurrent timer calls: one to a gateway whose htable entry says
    session_ttl=2;update_segment=2 is probed every 1 s, one to a gateway
    without an entry keeps the module's 2 s, one whose entry is invalid is
    still managed, with the module settings, and the script logs it."""
    wd = workdir("ovr")
    kam = Kamailio(wd, {"VT_SESSION_TTL": 4, "VT_UPDATE_SEGMENT": 2,
                        "VT_NO_TIMER_LIMIT": 60}).start()
    try:
        fast = callee_sipp(wd, "calleeF", sc.callee())
        plain = callee_sipp(wd, "calleeP", sc.callee())
        bad = callee_sipp(wd, "calleeB", sc.callee())
        kam.rpc("htable.sets", "vtgw", gateway(fast), "session_ttl=2;update_segment=2")
        kam.rpc("htable.sets", "vtgw", gateway(bad), "update_segment=11")
        callers = []
        for name, uas, n in (("callerF", fast, 8), ("callerP", plain, 4), ("callerB", bad, 4)):
            uas.start()
            callers.append(caller_sipp(wd, kam, name, sc.caller(SE, probes_then_bye=n), uas).start())
        kam.wait_for(lambda: kam.stats()["timer"] == 3, 5, "three timer calls")
        shown = {u.name: kam.rpc_struct("vos_timer.show", call_id(u))[0] for u in (fast, plain, bad)}
        check(shown["calleeF"]["session_ttl"] == 2 and shown["calleeF"]["update_segment"] == 2,
              "fast gateway settings: %r" % shown["calleeF"])
        for n in ("calleeP", "calleeB"):
            check(shown[n]["session_ttl"] == 4 and shown[n]["update_segment"] == 2,
                  "%s settings: %r" % (n, shown[n]))
        for uac in callers:
            check(uac.wait(30) == 0, "%s failed:\n%s" % (uac.name, uac.output()))
        for uas in (fast, plain, bad):
            check(uas.wait(10) == 0, "%s failed:\n%s" % (uas.name, uas.output()))
            check(not proxy_byes(uas), "%s: the proxy ended the call" % uas.name)
        check_rhythm(fast, 1.0, 7)
        check_rhythm(plain, 2.0, 3)
        check_rhythm(bad, 2.0, 3)
        check(re.search(r"bad vos_timer overrides for %s" % re.escape(gateway(bad)), kam.log()),
              "the script did not log the bad override")
        check(re.search(r"invalid override, module settings used: update_segment = \"11\"",
                        kam.log()), "the module did not log the bad override")
    finally:
        kam.stop()


def test_rpc_commands_and_errors():
    """stats (with the settings), list with its age filter, show, set and
    hangup over kamcmd, each with its errors; the same over jsonrpcs."""
    wd = workdir("rpc")
    kam = Kamailio(wd, {"VT_NO_TIMER_LIMIT": 60}).start()
    try:
        st = kam.stats()
        check(st["session_ttl"] == 600 and st["update_segment"] == 2 and st["no_timer_limit"] == 60
              and st["probe_method"] == "UPDATE" and st["min_se"] == 90, "stats settings: %r" % st)
        # set: valid, refused, unknown, missing
        out = kam.rpc_struct("vos_timer.set", "early_hangup", "5")
        check(out[0]["early_hangup"] == 5, "set reply: %r" % out)
        check(kam.stats()["early_hangup"] == 5, "set not visible in stats")
        for args, want in ((("update_segment", "11"), 'update_segment = "11": allowed 2..10'),
                           (("session_ttl", "1"), "session_ttl"),
                           (("bogus", "1"), 'parameter "bogus": unknown parameter'),
                           (("update_segment", "abc"), "allowed"),
                           (("update_segment",), "400")):
            out = kam.rpc_raw("vos_timer.set", *args)
            check(out.startswith("error") and want in out, "set %r: %r" % (args, out))
        check(kam.stats()["update_segment"] == 2, "a refused set changed the settings")
        # show / hangup errors
        for cmd in ("vos_timer.show", "vos_timer.hangup"):
            out = kam.rpc_raw(cmd, "no-such-call")
            check(out.startswith("error: 404") and "No managed call" in out, "%s: %r" % (cmd, out))
            out = kam.rpc_raw(cmd)
            check(out.startswith("error") and "400" in out, "%s without Call-ID: %r" % (cmd, out))
        r = kam.jsonrpc("vos_timer.list", -1)   # kamcmd takes -1 for an option
        check(r.get("error", {}).get("code") == 400, "list -1: %r" % r)

        # a call to end from the CLI
        uas = callee_sipp(wd, "callee", sc.callee()).start()
        uac = caller_sipp(wd, kam, "caller", sc.caller(), uas).start()
        kam.wait_for(lambda: kam.stats()["non_timer"] == 1, 5, "the call answered")
        cid = call_id(uas)
        check(kam.rpc_struct("vos_timer.list", "3600") == [], "list 3600 kept a new call")
        check([e["call_id"] for e in kam.rpc_struct("vos_timer.list", "0")] == [cid], "list 0")
        e = kam.rpc_struct("vos_timer.show", cid)[0]
        check(e["early_hangup"] == 5 and e["mode"] == "non-timer", "show: %r" % e)
        # jsonrpcs: the same commands
        r = kam.jsonrpc("vos_timer.stats")
        check(r["result"]["non_timer"] == 1 and r["result"]["early_hangup"] == 5, "jsonrpc stats: %r" % r)
        r = kam.jsonrpc("vos_timer.list")
        check([x["call_id"] for x in r["result"]] == [cid], "jsonrpc list: %r" % r)
        r = kam.jsonrpc("vos_timer.show", cid)
        check(r["result"][0]["call_id"] == cid, "jsonrpc show: %r" % r)
        r = kam.jsonrpc("vos_timer.show", "no-such-call")
        check(r.get("error", {}).get("code") == 404, "jsonrpc show 404: %r" % r)
        r = kam.jsonrpc("vos_timer.set", "update_segment", 11)
        check(r.get("error", {}).get("code") == 400 and "2..10" in r["error"]["message"],
              "jsonrpc set 11: %r" % r)
        r = kam.jsonrpc("vos_timer.set", "update_segment", 3)
        check(r["result"]["update_segment"] == 3, "jsonrpc set 3: %r" % r)
        r = kam.jsonrpc("vos_timer.hangup", "no-such-call")
        check(r.get("error", {}).get("code") == 404, "jsonrpc hangup 404: %r" % r)

        t_cmd = time.time()
        out = kam.rpc_struct("vos_timer.hangup", cid)
        check(out == [{"call_id": cid, "reason": "admin"}], "hangup reply: %r" % out)
        check(uac.wait(10) == 0 and uas.wait(10) == 0, "endpoints failed:\n" + uac.output())
        for side in (uac, uas):
            byes = proxy_byes(side)
            check(len(byes) == 1 and 'text="admin"' in byes[0].header("reason"),
                  "%s BYEs: %r" % (side.name, [b.header("reason") for b in byes]))
            check(byes[0].ts - t_cmd < 1.0, "%s BYE %.2fs after the command" % (side.name, byes[0].ts - t_cmd))
        st = kam.wait_released(3, "released")
        check(st["teardown_admin"] == 1 and st["teardown_total"] == 1, "stats: %r" % st)
        out = kam.rpc_raw("vos_timer.hangup", cid)
        check(out.startswith("error: 404"), "second hangup: %r" % out)
        no_module_errors(kam)
    finally:
        kam.stop()


def test_set_checks_consistency_and_fr_timer():
    """vos_timer.set checks session_ttl >= update_segment against the
    current settings, and warns when tm's fr_timer outlasts the new probe
    interval, as at start-up."""
    wd = workdir("setfr")
    kam = Kamailio(wd, {"VT_FR_TIMER": 5000, "VT_SESSION_TTL": 20}).start()
    try:
        check("longer than the" not in kam.log(), "start-up warned with I = 10 s")
        kam.rpc("vos_timer.set", "update_segment", "10")
        out = kam.rpc_raw("vos_timer.set", "session_ttl", "8")
        check(out.startswith("error") and "below update_segment" in out, "ttl 8 < segment 10: %r" % out)
        kam.rpc("vos_timer.set", "session_ttl", "30")
        kam.wait_log(r"fr_timer \(5000 ms\) is longer than the new probe interval "
                     r"session_ttl/update_segment \(3000 ms\)", 3, "the fr_timer warning")
        st = kam.stats()
        check(st["session_ttl"] == 30 and st["update_segment"] == 10, "stats: %r" % st)
    finally:
        kam.stop()


def test_hangup_unanswered_call_refused():
    """vos_timer.hangup of a call still ringing: 409, the call goes on."""
    wd = workdir("rpcearly")
    kam = Kamailio(wd, {"VT_NO_TIMER_LIMIT": 60}).start()
    try:
        uas = callee_sipp(wd, "callee", sc.callee(answer_delay_ms=2500)).start()
        uac = caller_sipp(wd, kam, "caller", sc.caller(hold_ms=500), uas).start()
        kam.wait_for(lambda: kam.stats()["early"] == 1, 5, "an early call")
        cid = kam.rpc_struct("vos_timer.list")[0]["call_id"]
        out = kam.rpc_raw("vos_timer.hangup", cid)
        check(out.startswith("error: 409") and "not answered" in out, "hangup early: %r" % out)
        check(uac.wait(15) == 0 and uas.wait(10) == 0, "call failed:\n" + uac.output())
        check(not proxy_byes(uac), "the proxy sent a BYE")
    finally:
        kam.stop()


def test_set_applies_to_new_calls_only():
    """vos_timer.set update_segment 3 changes the probe rhythm of calls
    managed afterwards; the call already up keeps its own."""
    wd = workdir("set")
    kam = Kamailio(wd, {"VT_SESSION_TTL": 6, "VT_UPDATE_SEGMENT": 2,
                        "VT_NO_TIMER_LIMIT": 60}).start()
    try:
        old = callee_sipp(wd, "calleeO", sc.callee()).start()
        uac_old = caller_sipp(wd, kam, "callerO", sc.caller(SE, probes_then_bye=3), old).start()
        kam.wait_for(lambda: kam.stats()["timer"] == 1, 5, "first call up")
        kam.rpc("vos_timer.set", "update_segment", "3")
        out = kam.rpc_raw("vos_timer.set", "update_segment", "11")
        check(out.startswith("error") and "2..10" in out, "set 11: %r" % out)
        check(kam.stats()["update_segment"] == 3, "stats after set: %r" % kam.stats())
        new = callee_sipp(wd, "calleeN", sc.callee()).start()
        uac_new = caller_sipp(wd, kam, "callerN", sc.caller(SE, probes_then_bye=4), new).start()
        for uac in (uac_old, uac_new):
            check(uac.wait(30) == 0, "%s failed:\n%s" % (uac.name, uac.output()))
        for uas in (old, new):
            check(uas.wait(10) == 0, "%s failed" % uas.name)
        check_rhythm(old, 3.0, 2)
        check_rhythm(new, 2.0, 3)
        check(re.search(r"vos_timer.set: update_segment changed from 2 to 3", kam.log()),
              "no log line for the change")
    finally:
        kam.stop()


def test_event_route_and_acc_cdr():
    """The teardown event route runs once per module teardown, before the
    BYEs, with the reason and the call's facts; acc's CDR of every call
    carries vos_timer_reason (empty when an endpoint hung up)."""
    wd = workdir("event")
    kam = Kamailio(wd, {"VT_SESSION_TTL": 4, "VT_UPDATE_SEGMENT": 2,
                        "VT_NO_TIMER_LIMIT": 3}).start()
    try:
        # capped (non-timer), dead (silent callee, timer), and normal hang-up
        capped = callee_sipp(wd, "calleeC", sc.callee()).start()
        uac_c = caller_sipp(wd, kam, "callerC", sc.caller(), capped).start()
        dead = callee_sipp(wd, "calleeD", sc.callee(silent_after=0)).start()
        uac_d = caller_sipp(wd, kam, "callerD",
                            sc.caller(["Session-Expires: 300;refresher=uac", "Supported: timer"]),
                            dead).start()
        normal = callee_sipp(wd, "calleeN", sc.callee()).start()
        uac_n = caller_sipp(wd, kam, "callerN", sc.caller(hold_ms=1000), normal).start()
        for uac in (uac_c, uac_d, uac_n):
            check(uac.wait(20) == 0, "%s failed:\n%s" % (uac.name, uac.output()))
        for uas in (capped, dead, normal):
            check(uas.wait(10) == 0, "%s failed" % uas.name)
        cids = {u.name: call_id(u) for u in (capped, dead, normal)}
        for name, reason in (("calleeC", "no-timer-limit"), ("calleeD", "session-expired")):
            kam.wait_log(r"acc .*callid=%s; vos_timer_reason=%s" % (re.escape(cids[name]), reason),
                         3, "the CDR of %s" % name)
        kam.wait_log(r"acc .*callid=%s; vos_timer_reason=(;|$|\s)" % re.escape(cids["calleeN"]),
                     3, "the CDR of the normal call")
        lines = [ln for ln in kam.log().splitlines() if "vos_timer teardown:" in ln]
        check(len(lines) == 2, "event route ran %d times:\n%s" % (len(lines), "\n".join(lines)))
        ev = {m.group(1): ln for ln in lines
              for m in [re.search(r"call-id=(\S+)", ln)] if m}
        c, d = ev.get(cids["calleeC"], ""), ev.get(cids["calleeD"], "")
        check("reason=no-timer-limit" in c and "mode=non-timer" in c and "age=3s" in c,
              "capped call's event: %r" % c)
        check("reason=session-expired" in d and "mode=timer" in d and "refresher=none" in d
              and "session_expires=0" in d and "callee=" in d and "callee=confirmed" not in d,
              "dead call's event: %r" % d)
        check(cids["calleeN"] not in "\n".join(lines), "event route ran for a normal hang-up")
        # before the BYEs: the route's line precedes the CDR written at the end
        log = kam.log()
        check(log.index("vos_timer teardown: reason=no-timer-limit")
              < log.index("vos_timer_reason=no-timer-limit"), "event route after the end")
        no_module_errors(kam)
    finally:
        kam.stop()


def test_event_route_misspelt_refused():
    """event_route[vos_timer:teardown] (underscore) cannot be parsed by
    Kamailio; the module refuses to start and says how to write it. A route
    that drops still cannot stop the teardown."""
    wd = workdir("evname")
    cfg = open(CFG).read()
    check("event_route[vos-timer:teardown]" in cfg, "sample has no teardown route")
    bad = os.path.join(wd, "underscore.cfg")
    with open(bad, "w") as f:
        f.write(cfg.replace("event_route[vos-timer:teardown]", "event_route[vos_timer:teardown]"))
    kam = Kamailio(wd, cfg=bad)
    kam.start(expect_ready=False)
    rc = kam.wait_exit(20)
    if rc is None:
        kam.stop()
    check(rc not in (None, 0), "kamailio started (rc %r)" % rc)
    check("write event_route[vos-timer:teardown]" in kam.log(), "no hint in the log:\n" + kam.log_tail(8))

    wd = workdir("evdrop")
    drop = os.path.join(wd, "drop.cfg")
    with open(drop, "w") as f:
        f.write(cfg.replace("event_route[vos-timer:teardown] {",
                            "event_route[vos-timer:teardown] {\n\tdrop;"))
    kam = Kamailio(wd, {"VT_NO_TIMER_LIMIT": 2}, cfg=drop).start()
    try:
        uas = callee_sipp(wd, "callee", sc.callee()).start()
        uac = caller_sipp(wd, kam, "caller", sc.caller(), uas).start()
        check(uac.wait(15) == 0 and uas.wait(10) == 0, "the call was not ended:\n" + uac.output())
        check(len(proxy_byes(uac)) == 1 and len(proxy_byes(uas)) == 1, "BYEs missing")
        check("vos_timer teardown:" not in kam.log(), "the route went on after drop")
    finally:
        kam.stop()


def free_tcp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sk:
        sk.bind(("127.0.0.1", 0))
        return sk.getsockname()[1]


def test_statistics_counters_and_prometheus():
    """The vos_timer group of Kamailio's counters, read with
    stats.get_statistics and scraped by xhttp_prom (the sample's optional
    /metrics), agrees with what happened: one call managed then capped."""
    wd = workdir("prom")
    port = free_tcp_port()
    kam = Kamailio(wd, {"VT_NO_TIMER_LIMIT": 2,
                        "VT_PROM_LISTEN": "tcp:127.0.0.1:%d" % port}).start()
    try:
        uas = callee_sipp(wd, "callee", sc.callee()).start()
        uac = caller_sipp(wd, kam, "caller", sc.caller(), uas).start()
        kam.wait_for(lambda: kam.stats()["non_timer"] == 1, 5, "the call answered")
        out = kam.rpc("stats.get_statistics", "vos_timer:")
        check("vos_timer:managed_calls = 1" in out and "vos_timer:managed_non_timer = 1" in out,
              "counters while up:\n" + out)
        body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5).read().decode()
        check(re.search(r"^kamailio_vos_timer_managed_non_timer 1\b", body, re.M),
              "metrics while up:\n" + body)
        check(uac.wait(15) == 0 and uas.wait(10) == 0, "endpoints failed")
        kam.wait_released(3, "released")
        out = kam.rpc("stats.get_statistics", "vos_timer:")
        check("vos_timer:teardown_no_timer_limit = 1" in out and "vos_timer:managed_calls = 0" in out,
              "counters after:\n" + out)
        body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5).read().decode()
        check(re.search(r"^kamailio_vos_timer_teardown_no_timer_limit 1\b", body, re.M)
              and re.search(r"^kamailio_vos_timer_managed_calls 0\b", body, re.M),
              "metrics after:\n" + body)
    finally:
        kam.stop()


def test_list_pages_many_calls():
    """600 calls up: kamcmd cannot take the whole list (its reply buffer is
    128 KB, compiled in); pages of vos_timer.list (limit, offset) give
    every call exactly once; JSON-RPC takes it whole; show and hangup find
    a call through the Call-ID index."""
    n = 600
    wd = workdir("listpages")
    kam = Kamailio(wd, {"VT_NO_TIMER_LIMIT": 600}).start()
    try:
        uas = Sipp(wd, "callee", sc.write(wd, "callee", sc.callee()), extra=["-m", str(n)]).start()
        uac = Sipp(wd, "caller", sc.write(wd, "caller", sc.caller()),
                   remote="127.0.0.1:%d" % kam.port, keys={"callee": "127.0.0.1:%d" % uas.port},
                   extra=["-m", str(n), "-l", str(n), "-r", "300"]).start()
        kam.wait_for(lambda: kam.stats()["non_timer"] == n, 30, "%d calls up" % n)
        ids = {m.header("call-id") for m in uas.find(False, "INVITE")}
        check(len(ids) == n, "%d calls reached the callee" % len(ids))
        whole = kam.rpc_raw("vos_timer.list")
        check(whole is not None and whole.startswith("ERROR") and "too big" in whole,
              "kamcmd took a %d-call list: %r" % (n, (whole or "")[:100]))
        seen, pages = [], 0
        while True:
            page = kam.rpc_struct("vos_timer.list", "0", "250", str(len(seen)))
            check(len(page) <= 250, "page of %d > limit" % len(page))
            seen += [e["call_id"] for e in page]
            pages += 1
            if len(page) < 250:
                break
        check(len(seen) == n and set(seen) == ids,
              "pages gave %d entries, %d distinct, %d of the calls"
              % (len(seen), len(set(seen)), len(set(seen) & ids)))
        check(len(kam.rpc_struct("vos_timer.list", "0", "7")) == 7, "limit 7")
        check(kam.rpc_struct("vos_timer.list", "3600", "10") == [], "age filter with a limit")
        r = kam.jsonrpc("vos_timer.list")
        check(sorted(x["call_id"] for x in r["result"]) == sorted(ids), "jsonrpc list")
        r = kam.jsonrpc("vos_timer.list", 0, 10, 595)
        check(len(r["result"]) == 5, "jsonrpc page past the end: %d" % len(r["result"]))
        r = kam.jsonrpc("vos_timer.list", 0, -1)   # kamcmd takes -1 for an option
        check(r.get("error", {}).get("code") == 400, "list 0 -1: %r" % r)
        cid = sorted(ids)[n // 2]
        check(kam.rpc_struct("vos_timer.show", cid)[0]["call_id"] == cid, "show")
        kam.rpc("vos_timer.hangup", cid)
        kam.wait_for(lambda: kam.stats()["non_timer"] == n - 1, 10, "the hung-up call gone")
        print("    %d calls: kamcmd refused the whole list (%s), %d pages of 250 gave each once"
              % (n, whole.strip()[:40], pages))
    finally:
        kam.stop()


TESTS = [test_overrides_per_gateway, test_rpc_commands_and_errors,
         test_set_checks_consistency_and_fr_timer, test_hangup_unanswered_call_refused, test_set_applies_to_new_calls_only,
         test_event_route_and_acc_cdr, test_event_route_misspelt_refused,
         test_statistics_counters_and_prometheus, test_list_pages_many_calls]
