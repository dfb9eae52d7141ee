# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
"""Foundation tests: no-timer cap on the wire, early ends leave no
state, no memory growth, bad modparams refuse start-up."""
import os
import re
import socket
import time

import scenarios as sc
from harness import ROOT, TS_SKEW_S, Kamailio, Sipp, check, proxy_byes, workdir, TestFailure

LIMIT_S = 3


def _call(wd, kam, uac_scen, uas_scen, uac_d=0, uas_d=0, uac_m=1, uas_m=1,
          rate=None, invite_hdr=None, answer_hdr=None, limit=1):
    uas_keys = {"answer_hdr": answer_hdr} if answer_hdr else {}
    uas = Sipp(wd, "callee", uas_scen, keys=uas_keys,
               extra=["-m", str(uas_m), "-d", str(uas_d)])
    uas.start()
    extra = ["-m", str(uac_m), "-d", str(uac_d), "-timeout", "60",
             "-timeout_error"]
    if rate:
        extra += ["-l", str(limit), "-r", str(rate)]
    keys = {"callee": "127.0.0.1:%d" % uas.port}
    if invite_hdr:
        keys["invite_hdr"] = invite_hdr
    uac = Sipp(wd, "caller", uac_scen, remote="127.0.0.1:%d" % kam.port,
               keys=keys, extra=extra)
    uac.start()
    return uac, uas


def _one_call_ids(uac):
    inv = uac.find(True, "INVITE")
    check(len(inv) >= 1, "caller sent no INVITE")
    return inv[0].header("call-id")


def test_no_timer_call_capped():
    """(a) A non-timer call gets BYE on both legs within [limit, limit+1.5s]
    after the answer, with the Reason header and vos_timer_reason set."""
    wd = workdir("cap")
    kam = Kamailio(wd, {"VT_NO_TIMER_LIMIT": LIMIT_S}).start()
    try:
        uac, uas = _call(wd, kam, "uac_wait_bye.xml", "uas_wait_bye.xml")
        check(uac.wait(LIMIT_S + 15) == 0, "caller failed:\n" + uac.output())
        check(uas.wait(10) == 0, "callee failed:\n" + uas.output())

        ok200 = uas.find(True, "INVITE", 200)
        check(ok200, "callee sent no 200")
        answer = ok200[0].ts
        for side in (uac, uas):
            byes = side.find(False, "BYE")
            check(len(byes) == 1, "%s got %d BYEs" % (side.name, len(byes)))
            dt = byes[0].ts - answer
            check(LIMIT_S - TS_SKEW_S <= dt <= LIMIT_S + 1.5,
                  "%s got the BYE %.3fs after answer, want [%d, %.1f]" %
                  (side.name, dt, LIMIT_S, LIMIT_S + 1.5))
            reason = byes[0].header("reason") or ""
            check('text="no-timer-limit"' in reason,
                  "%s BYE Reason is %r" % (side.name, reason))
        callid = _one_call_ids(uac)
        st = kam.wait_released(3, "managed == 0")
        check(st["teardown_no_timer_limit"] == 1,
              "teardown_no_timer_limit = %s" % st["teardown_no_timer_limit"])
        check(st["teardown_total"] == 1, "teardown_total = %s" % st["teardown_total"])
        # The dialog variable was set before the BYE: the sample's acc CDR,
        # written when the dialog ends, carries it. (Not the sample's
        # dialog:end log line: the dialog module skips that route when a
        # BYE's 200 is handled before its own BYEs are both out.)
        kam.wait_log(r"acc .*callid=%s; vos_timer_reason=no-timer-limit" % re.escape(callid), 3,
                     "the CDR's vos_timer_reason of %s" % callid)
        out = kam.rpc("stats.get_statistics", "vos_timer:")
        check("vos_timer:teardown_no_timer_limit = 1" in out,
              "counter not visible in stats.get_statistics:\n" + out)
    finally:
        kam.stop()


def test_list_shows_managed_call():
    """vos_timer.list: one entry per managed call, with its next deadline."""
    wd = workdir("list")
    kam = Kamailio(wd, {"VT_NO_TIMER_LIMIT": 6}).start()
    try:
        uac, uas = _call(wd, kam, "uac_wait_bye.xml", "uas_wait_bye.xml")
        kam.wait_for(lambda: kam.stats()["non_timer"] == 1, 5, "call answered")
        time.sleep(1.0)
        items = kam.rpc_struct("vos_timer.list")
        check(len(items) == 1, "list has %d entries" % len(items))
        e = items[0]
        check(e["mode"] == "non-timer" and e["state"] == "active",
              "entry mode/state: %r" % e)
        check(e["next_action"] == "teardown" and e["next_reason"] == "no-timer-limit",
              "entry next: %r" % e)
        check(3000 <= e["next_in_ms"] <= 5100, "next_in_ms = %s" % e["next_in_ms"])
        check(1 <= e["age_s"] <= 2, "age_s = %s" % e["age_s"])
        check(e["call_id"] == _one_call_ids(uac), "call_id = %r" % e["call_id"])
        # The age filter: nothing is an hour old.
        check(kam.rpc_struct("vos_timer.list", "3600") == [], "filter kept a young call")
        check(uac.wait(15) == 0 and uas.wait(10) == 0, "endpoints failed")
    finally:
        kam.stop()


def test_caller_hangs_up_first():
    """(b) The caller's BYE before the limit: no BYE from the proxy, nothing
    left managed."""
    wd = workdir("hangup")
    kam = Kamailio(wd, {"VT_NO_TIMER_LIMIT": LIMIT_S}).start()
    try:
        # Callee lingers past the limit: a stray proxy BYE would fail it.
        uac, uas = _call(wd, kam, "uac_hangup.xml", "uas_wait_bye.xml",
                         uac_d=1000, uas_d=(LIMIT_S + 1) * 1000)
        check(uac.wait(15) == 0, "caller failed:\n" + uac.output())
        st = kam.wait_released(1.0, "managed == 0 right after the BYE")
        check(uas.wait(LIMIT_S + 10) == 0, "callee failed (stray BYE?):\n" + uas.output())
        byes = uas.find(False, "BYE")
        check(len(byes) == 1 and byes[0].header("reason") is None,
              "callee BYEs: %d, reason %r" % (len(byes), byes and byes[0].header("reason")))
        st = kam.stats()
        check(st["managed"] == 0 and st["teardown_total"] == 0,
              "after the call: %r" % st)
        check("ending the call" not in kam.log(), "module tried to end the call")
    finally:
        kam.stop()


def test_callers_take_a_late_180():
    """Harness check (no Kamailio): the proxy's UDP workers can relay the
    callee's 180 after its 200; every caller scenario that hangs up must
    take it and go on (a pause keeps its length), not abort the call; a
    refreshing caller also answers a probe that comes in its pause. And a
    probe that crosses the random hang-up's BYE, the BYE's 200 right
    behind it, must not abort that caller."""
    wd = workdir("late180")
    gen = {"gen_hold": sc.caller(hold_ms=1000),
           "gen_random": sc.caller_random_hangup(min_ms=1000, max_ms=1000),
           "gen_refresh": sc.caller(refresh_every_ms=600, refresh_count=1,
                                    refresh_method="UPDATE"),
           "gen_probes": sc.caller(probes_then_bye=0)}
    scen = dict({k: sc.write(wd, k, v) for k, v in gen.items()}, uac_hangup="uac_hangup.xml")
    uas_xml = sc.write(wd, "callee_late", sc.callee_late_ringing())
    # the refreshing caller also gets a probe in its pause, and answers it
    uas_probe_xml = sc.write(wd, "callee_late_probe", sc.callee_late_ringing(probe=True))
    for name, path in scen.items():
        uas = Sipp(wd, "uas_" + name, uas_probe_xml if name == "gen_refresh" else uas_xml,
                   extra=["-m", "1"]).start()
        remote = "127.0.0.1:%d" % uas.port
        t0 = time.time()
        uac = Sipp(wd, "uac_" + name, path, remote=remote, keys={"callee": remote},
                   extra=["-m", "1", "-d", "1000"]).start()
        check(uac.wait(15) == 0, "%s: caller failed on a late 180:\n%s" % (name, uac.output()))
        check(uas.wait(5) == 0, "%s: callee failed:\n%s" % (name, uas.output()))
        late = [m for m in uac.messages() if not m.sent and m.status == 180]
        check(len(late) == 1, "%s: the caller got %d 180s" % (name, len(late)))
        if name in ("gen_hold", "gen_random", "uac_hangup"):
            check(time.time() - t0 >= 1.0, "%s: the pause was cut short" % name)
    # a probe that crosses the random hang-up's BYE, its 200 right behind
    uas = Sipp(wd, "uas_cross", sc.write(wd, "callee_cross", sc.callee_probe_crosses_bye()),
               extra=["-m", "5"]).start()
    remote = "127.0.0.1:%d" % uas.port
    uac = Sipp(wd, "uac_cross", scen["gen_random"], remote=remote, keys={"callee": remote},
               extra=["-m", "5", "-l", "5"]).start()
    check(uac.wait(15) == 0, "caller failed on a probe crossing its BYE:\n" + uac.output())
    check(uas.wait(5) == 0, "callee failed:\n" + uas.output())


def test_callee_hangs_up_first():
    """The callee's BYE (other direction) releases the call too."""
    wd = workdir("calleebye")
    kam = Kamailio(wd, {"VT_NO_TIMER_LIMIT": LIMIT_S}).start()
    try:
        uac, uas = _call(wd, kam, "uac_wait_bye.xml", "uas_hangup.xml", uas_d=500)
        check(uas.wait(15) == 0, "callee failed:\n" + uas.output())
        check(uac.wait(10) == 0, "caller failed:\n" + uac.output())
        kam.wait_released(1.0, "managed == 0")
        time.sleep(LIMIT_S)
        st = kam.stats()
        check(st["teardown_total"] == 0, "module ended a finished call: %r" % st)
    finally:
        kam.stop()


def test_cancel_and_failure_leave_nothing():
    """CANCEL and a negative final answer leave no module state."""
    wd = workdir("cancel")
    kam = Kamailio(wd, {"VT_NO_TIMER_LIMIT": LIMIT_S}).start()
    try:
        uac, uas = _call(wd, kam, "uac_cancel.xml", "uas_ring_cancel.xml")
        check(uac.wait(15) == 0, "caller (CANCEL) failed:\n" + uac.output())
        check(uas.wait(10) == 0, "callee (CANCEL) failed:\n" + uas.output())
        kam.wait_released(1.0, "managed == 0 after CANCEL")
        uac, uas = _call(wd, kam, "uac_wait_bye.xml", "uas_busy.xml",
                         uac_m=1)
        uac.wait(15)  # fails by design: it wanted a 200
        check(uac.find(False, "INVITE", 486), "caller did not get the 486")
        check(uas.wait(10) == 0, "callee (486) failed:\n" + uas.output())
        kam.wait_released(1.0, "managed == 0 after 486")
        check(kam.stats()["teardown_total"] == 0, "teardown counted")
    finally:
        kam.stop()


def test_many_calls_no_leak():
    """(c) 200 sequential short calls: zero managed calls after, module shm
    back to its start value, core shm used within noise."""
    wd = workdir("leak")
    kam = Kamailio(wd, {"VT_NO_TIMER_LIMIT": 60}).start()
    try:
        # Warm-up: let tm/dialog/ctl allocate what they keep for good.
        uac, uas = _call(wd, kam, "uac_hangup.xml", "uas_wait_bye.xml",
                         uac_m=20, uas_m=20, rate=50)
        check(uac.wait(60) == 0, "warm-up caller failed:\n" + uac.output())
        uas.wait(10)
        time.sleep(7)  # tm wait timer and the dialog delete delay
        mod0, core0 = kam.module_shm(), kam.shm_used()

        uac, uas = _call(wd, kam, "uac_hangup.xml", "uas_wait_bye.xml",
                         uac_m=200, uas_m=200, rate=50)
        check(uac.wait(120) == 0, "caller failed:\n" + uac.output())
        check(uas.wait(10) == 0, "callee failed:\n" + uas.output())
        check(len(uac.find(True, "BYE")) == 200, "not 200 calls made")
        kam.wait_released(2, "managed == 0")
        time.sleep(7)
        mod1, core1 = kam.module_shm(), kam.shm_used()
        check(mod1 == mod0, "module shm %d -> %d bytes" % (mod0, mod1))
        check(core1 - core0 <= 16384,
              "core shm used grew %d -> %d (+%d bytes)" % (core0, core1, core1 - core0))
        print("    module shm %d -> %d, core shm used %d -> %d" % (mod0, mod1, core0, core1))
    finally:
        kam.stop()


MODE_CASES = [
    # (INVITE header, 200 header, expected mode)
    ("Session-Expires: 1800", None, "timer"),
    ("x: 1800;refresher=uac", None, "timer"),
    ("k: 100rel, timer", None, "timer"),
    ("Supported: TIMER", None, "timer"),
    ("Supported: 100rel, timers", None, "non-timer"),
    ("Min-SE: 90", None, "non-timer"),
    ("Supported: 100rel", "Session-Expires: 1800;refresher=uac", "timer"),
    ("Supported: 100rel", "x: 900", "timer"),
]


def test_mode_detection_on_the_wire():
    """Timer / non-timer mode from real INVITE and 2xx headers (long and
    compact forms); a timer-mode call is not capped by no_timer_limit."""
    wd = workdir("mode")
    kam = Kamailio(wd, {"VT_NO_TIMER_LIMIT": 2}).start()
    problems = []
    try:
        for inv, ans, want in MODE_CASES:
            # Timer calls outlive the 2 s cap; non-timer ones hang up before.
            hold_ms = 3000 if want == "timer" else 1000
            uac, uas = _call(wd, kam, "uac_hangup.xml", "uas_wait_bye.xml",
                             uac_d=hold_ms, invite_hdr=inv, answer_hdr=ans)
            items = kam.wait_for(
                lambda: [e for e in kam.rpc_struct("vos_timer.list")
                         if e["state"] == "active"], 5, "an active call")
            got = items[0]["mode"]
            if got != want:
                problems.append("INVITE %r / 200 %r: mode %s, want %s" % (inv, ans, got, want))
            # A timer call's next deadline is its first probe, never the cap.
            if want == "timer" and items[0]["next_action"] != "probe":
                problems.append("timer call %r has next_action %s" % (inv, items[0]["next_action"]))
            if uac.wait(15) != 0:
                problems.append("INVITE %r: caller failed (cut by the proxy?):\n%s" % (inv, uac.output()))
            uas.wait(10)
            kam.wait_released(2, "managed == 0")
        st = kam.stats()
        if st["teardown_total"] != 0:
            problems.append("module ended calls: %r" % st)
    finally:
        kam.stop()
    if problems:
        raise TestFailure("\n".join(problems))


BAD_PARAMS = [
    ({"VT_UPDATE_SEGMENT": "1"}, "update_segment", "1", "2..10"),
    ({"VT_UPDATE_SEGMENT": "11"}, "update_segment", "11", "2..10"),
    ({"VT_SESSION_TTL": "1"}, "session_ttl", "1", "2..86400"),
    ({"VT_SESSION_TTL": "-5"}, "session_ttl", "-5", "2..86400"),
    ({"VT_SESSION_TTL": '"abc"'}, "session_ttl", "abc", "2..86400"),
    ({"VT_NO_TIMER_LIMIT": "-1"}, "no_timer_limit", "-1", "0..604800"),
    ({"VT_NO_TIMER_LIMIT": "604801"}, "no_timer_limit", "604801", "0..604800"),
    ({"VT_EARLY_HANGUP": "3601"}, "early_hangup", "3601", "0..3600"),
    ({"VT_PROBE_METHOD": '"INVITE"'}, "probe_method", "INVITE", "UPDATE|OPTIONS"),
    ({"VT_PROBE_NON_TIMER": "2"}, "probe_non_timer", "2", "0..1"),
    ({"VT_MIN_SE": "89"}, "min_se", "89", "90..86400"),
    ({"VT_STATELESS_PROBES": "2"}, "stateless_probes", "2", "0..1"),
    ({"VT_PROBE_SLOTS": "1000"}, "probe_slots", "1000", "power of two, 256..4194304"),
    ({"VT_PROBE_SLOTS": "128"}, "probe_slots", "128", "power of two, 256..4194304"),
    ({"VT_PROBE_BURST": "0"}, "probe_burst", "0", "1..65536"),
    ({"VT_PROBE_RATE": "-1"}, "probe_rate", "-1", "0..10000000"),
    ({"VT_PROBE_PORT": "70000"}, "probe_port", "70000", "1..65535"),
    ({"VT_SESSION_TTL": "3", "VT_UPDATE_SEGMENT": "4"}, "session_ttl", "3",
     "update_segment"),
]


def test_bad_modparams_refuse_start():
    """(d) Each bad modparam stops Kamailio at start-up with one line naming
    the parameter, the value and the allowed range."""
    problems = []
    for defines, name, value, allowed in BAD_PARAMS:
        kam = Kamailio(workdir("badparam"), defines)
        p = refused(kam, '%s = "%s"' % (name, value), allowed)
        if p:
            problems.append("%r: %s" % (defines, p))
    if problems:
        raise TestFailure("\n".join(problems))


def refused(kam, *words):
    """Start kam, which must stop at once with one "invalid modparam" line
    holding every one of words. None, or what went otherwise."""
    kam.start(expect_ready=False)
    rc = kam.wait_exit(20)
    if rc is None:
        kam.stop()
        return "kamailio still running"
    lines = [ln for ln in kam.log().splitlines()
             if "invalid modparam" in ln and all(w in ln for w in words)]
    if rc == 0:
        return "exit code 0"
    if len(lines) != 1:
        return "want one line naming %s; log:\n%s" % (", ".join(words), kam.log_tail(8))
    return None


def test_probe_port_taken_refuses_start():
    """probe_port on a port that is in use (another process's), or that a
    listen socket has: Kamailio stops at start-up with one line naming
    probe_port, its value and why."""
    problems = []
    holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    holder.bind(("127.0.0.1", 0))
    taken = holder.getsockname()[1]
    try:
        for name, defines, why in [
                ("in use", {"VT_PROBE_PORT": str(taken)}, "cannot use udp:127.0.0.1:%d" % taken),
                ("listen", None, "the listen socket")]:
            wd = workdir("pportbad")
            kam = Kamailio(wd, defines)
            if defines is None:
                kam = Kamailio(wd, {"VT_PROBE_PORT": str(kam.port),
                                    "VT_LISTEN": "udp:127.0.0.1:%d" % kam.port})
            p = refused(kam, 'probe_port = "', why)
            if p:
                problems.append("%s: %s" % (name, p))
    finally:
        holder.close()
    if problems:
        raise TestFailure("\n".join(problems))


def test_good_params_start():
    """The sample config with valid edge values starts and reports them."""
    wd = workdir("goodparam")
    kam = Kamailio(wd, {"VT_SESSION_TTL": "2", "VT_UPDATE_SEGMENT": "2",
                        "VT_NO_TIMER_LIMIT": "0", "VT_PROBE_METHOD": '"options"',
                        "VT_MIN_SE": "86400"}).start()
    try:
        log = kam.log()
        check("session_ttl=2 update_segment=2" in log and "probe_method=OPTIONS" in log,
              "settings line missing:\n" + kam.log_tail(10))
        check("no_timer_limit is 0" in log, "no warning for no_timer_limit 0")
        # the version, in its one place, is what the module reports
        with open(os.path.join(ROOT, "modules", "vos_timer", "vt_version.h")) as f:
            version = re.search(r'#define VT_VERSION "([^"]+)"', f.read()).group(1)
        check(("vos_timer %s: session_ttl=2" % version) in log,
              "no start-up line with version %s:\n%s" % (version, kam.log_tail(10)))
        check(kam.stats()["version"] == version,
              "vos_timer.stats version %r, want %s" % (kam.stats()["version"], version))
    finally:
        kam.stop()


def test_burst_of_teardowns_reaches_every_leg():
    """200 calls capped within two seconds: every caller and every callee
    gets the proxy's BYE. (The dialog module alone loses the callee's BYE
    when the caller's 200 is handled before that BYE is out; the module
    sends it itself then.)"""
    wd = workdir("burst")
    n = 200
    kam = Kamailio(wd, {"VT_NO_TIMER_LIMIT": 2, "VT_CHILDREN": 4}).start()
    try:
        uac, uas = _call(wd, kam, "uac_wait_bye.xml", "uas_wait_bye.xml",
                         uac_m=n, uas_m=n, rate=100, limit=n)
        check(uac.wait(60) == 0, "callers failed:\n" + uac.output())
        check(uas.wait(10) == 0, "callees failed:\n" + uas.output())
        for side in (uac, uas):
            got = {m.header("call-id") for m in side.find(False, "BYE")
                   if 'text="no-timer-limit"' in (m.header("reason") or "")}
            check(len(got) == n, "%s: %d of %d calls got the proxy's BYE" % (side.name, len(got), n))
        st = kam.wait_released(5, "managed == 0")
        check(st["teardown_no_timer_limit"] == n, "stats: %r" % st)
    finally:
        kam.stop()


def test_shutdown_with_calls_up():
    """Stopping Kamailio while managed calls are up: the dialog module
    destroys its dialogs after vos_timer's mod_destroy; nothing crashes
    (run.py fails a test that leaves a core file)."""
    wd = workdir("shutdown")
    kam = Kamailio(wd, {"VT_NO_TIMER_LIMIT": 60}).start()
    try:
        uac, uas = _call(wd, kam, "uac_wait_bye.xml", "uas_wait_bye.xml",
                         uac_m=3, uas_m=3, rate=10, limit=3)
        kam.wait_for(lambda: kam.stats()["non_timer"] == 3, 10, "three calls up")
    finally:
        kam.stop()
    rc = kam.proc.returncode
    check(rc == 0, "kamailio exited with %r:\n%s" % (rc, kam.log_tail(10)))
    check(not [ln for ln in kam.log().splitlines() if "CRITICAL" in ln or "BUG" in ln],
          "shutdown logged a crash:\n" + kam.log_tail(10))


def test_shm_per_managed_call():
    """At most 256 bytes of shm per managed call (doc/ section "Cost and
    benchmarks") (what
    mod.stats accounts to the module: the record, its Call-ID and tags).
    Memory, not timing: deterministic enough for make test."""
    wd = workdir("shmcall")
    n = 300
    kam = Kamailio(wd, {"VT_NO_TIMER_LIMIT": 120, "VT_CHILDREN": 4}, shm_mb=128).start()
    try:
        base = kam.module_shm()
        uac, uas = _call(wd, kam, "uac_wait_bye.xml", "uas_wait_bye.xml",
                         uac_m=n, uas_m=n, rate=200, limit=n)
        kam.wait_for(lambda: kam.stats()["non_timer"] == n, 30, "%d calls up" % n)
        per_call = (kam.module_shm() - base) / n
        ids = [m.header("call-id") for m in uac.find(True, "INVITE")][:1]
        check(per_call <= 256, "%.1f bytes of module shm per call (Call-ID like %r)" % (per_call, ids))
        print("    %.1f bytes of module shm per call" % per_call)
    finally:
        kam.stop()


def _racing_caller(hangup_ms):
    """Hang up at hangup_ms after the answer unless the proxy's BYE comes
    first; answer any BYE (also one crossing ours); accept 200, 408 or 481
    to ours."""
    x = sc.HEAD % "racing_caller" + sc.caller_invite([])
    x += '  <recv request="BYE" timeout="%d" ontimeout="hangup"/>\n' % hangup_ms
    x += sc.reply(200, "OK", next_label="settle")
    # our BYE gets 200, 481, or tm's 408 when the callee already left
    # (it answered the module's BYE); a proxy BYE may cross it
    x += '  <label id="hangup"/>\n' + sc.caller_request("BYE", 2)
    x += '  <recv response="200" optional="true" next="settle"/>\n'
    x += '  <recv response="408" optional="true" next="settle"/>\n'
    x += '  <recv response="481" optional="true" next="settle"/>\n'
    x += '  <recv request="BYE" next="crossed"/>\n'
    x += '  <label id="crossed"/>\n' + sc.reply(200, "OK")
    x += '  <recv response="200" optional="true" next="settle"/>\n'
    x += '  <recv response="408" optional="true" next="settle"/>\n'
    # (an answer dropped while SIPp was between steps is not resent)
    x += '  <recv response="481" timeout="3000" ontimeout="settle" next="settle"/>\n'
    # late answers to our BYE or a late proxy BYE within a short settle time
    x += '  <label id="settle"/>\n'
    x += '  <recv request="BYE" timeout="800" ontimeout="end"/>\n'
    x += sc.reply(200, "OK")
    x += '  <label id="end"/>\n  <pause milliseconds="1"/>\n' + sc.TAIL
    return x


def test_teardown_races_caller_bye():
    """The caller hangs up within +-60 ms of the no_timer_limit teardown:
    whoever wins, the callee gets a BYE, nothing is sent twice by the
    module, each module teardown is counted once, nothing is left."""
    wd = workdir("race")
    kam = Kamailio(wd, {"VT_NO_TIMER_LIMIT": 2}).start()
    try:
        module_ends = 0
        for i, off in enumerate((-60, -30, -10, 0, 10, 30, 60, -5, 5, 20)):
            uas = Sipp(wd, "callee%d" % i, sc.write(wd, "callee%d" % i, sc.callee()),
                       extra=["-m", "1"]).start()
            uac = Sipp(wd, "caller%d" % i, sc.write(wd, "caller%d" % i, _racing_caller(2000 + off)),
                       remote="127.0.0.1:%d" % kam.port, keys={"callee": "127.0.0.1:%d" % uas.port},
                       # the proxy's BYE can land between SIPp's receive
                       # timeout and its own BYE: drop it there (its
                       # retransmission is answered) instead of aborting
                       extra=["-m", "1", "-timeout", "30", "-timeout_error",
                              "-default_behaviors", "all,-abortunexp"]).start()
            check(uac.wait(20) == 0, "offset %d: caller failed:\n%s" % (off, uac.output()))
            check(uas.wait(10) == 0, "offset %d: callee failed:\n%s" % (off, uas.output()))
            got = uas.find(False, "BYE")
            check(got, "offset %d: the callee got no BYE" % off)
            # one BYE transaction per leg at most (tm's copies are the same)
            mod = sum(proxy_byes(uas).values(), [])
            check(len(mod) <= 1, "offset %d: the module sent the callee %d BYEs" % (off, len(mod)))
            to_caller = sum(proxy_byes(uac).values(), [])
            check(len(to_caller) <= 1, "offset %d: the module sent the caller %d BYEs" % (off, len(to_caller)))
            if mod or to_caller:
                module_ends += 1
            st = kam.wait_released(5, "offset %d: released" % off)
            check(st["teardown_no_timer_limit"] == module_ends,
                  "offset %d: %d module teardowns counted, %d seen on the wire"
                  % (off, st["teardown_no_timer_limit"], module_ends))
        bad = [ln for ln in kam.log().splitlines()
               if "vos_timer" in ln and re.search(r"\b(ERROR|CRITICAL|BUG)\b", ln)]
        check(not bad, "module errors:\n" + "\n".join(bad[:5]))
        print("    module won %d of 10 races" % module_ends)
    finally:
        kam.stop()


TESTS = [
    test_bad_modparams_refuse_start,
    test_probe_port_taken_refuses_start,
    test_good_params_start,
    test_no_timer_call_capped,
    test_list_shows_managed_call,
    test_mode_detection_on_the_wire,
    test_callers_take_a_late_180,
    test_caller_hangs_up_first,
    test_callee_hangs_up_first,
    test_cancel_and_failure_leave_nothing,
    test_many_calls_no_leak,
    test_burst_of_teardowns_reaches_every_leg,
    test_shutdown_with_calls_up,
    test_shm_per_managed_call,
    test_teardown_races_caller_bye,
]
