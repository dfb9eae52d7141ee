# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
"""KEMI: the sample's routing written in JavaScript (app_jsdt,
test/integration/kemi/) manages calls like kamailio.cfg.sample: the
no_timer_limit cap with the dialog:end and vos_timer:teardown callbacks'
log lines and the acc CDR, timer-mode probes and the session-expired end,
the RFC 4028 422, and per-call overrides decided by the script
(X-VT-Overrides header, or the gateway's vtgw htable entry ->
KSR.vos_timer.manage_overrides), bad ones included."""
import os
import re
import time

import scenarios as sc
from harness import TS_SKEW_S, Kamailio, Sipp, check, workdir

from test_timer import (I_S, SE, TIMER_DEFS, TTL, answer_time, check_probe_gaps, no_module_errors,
                        probes, proxy_byes)

KEMI_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kemi")
KEMI_CFG = os.path.join(KEMI_DIR, "kamailio-kemi.cfg")
KEMI_JS = os.path.join(KEMI_DIR, "vos_timer.js")


def kemi_kamailio(wd, defines=None):
    """Kamailio with the KEMI config; app_jsdt opens the script after
    Kamailio changed to its working directory (the test's workdir): give
    it by absolute path."""
    d = {"VT_KEMI_SCRIPT": '"%s"' % KEMI_JS}
    d.update(defines or {})
    return Kamailio(wd, d, cfg=KEMI_CFG).start()


def start_call(wd, kam, caller_xml, callee_xml, name=""):
    """test_timer.start_call, with a name so that calls can overlap."""
    uas = Sipp(wd, "callee" + name, sc.write(wd, "callee" + name, callee_xml),
               extra=["-m", "1"]).start()
    uac = Sipp(wd, "caller" + name, sc.write(wd, "caller" + name, caller_xml),
               remote="127.0.0.1:%d" % kam.port,
               keys={"callee": "127.0.0.1:%d" % uas.port},
               extra=["-m", "1", "-timeout", "90", "-timeout_error"]).start()
    return uac, uas


BYE_ANSWER_MS = 300


def slow_bye(xml, ms=BYE_ANSWER_MS):
    """A scenarios.caller()/callee() that answers the BYE `ms` later.
    Kamailio 5.6's dialog module runs the dialog:end route (native or KEMI)
    for BYEs it sends itself (dlg_bye_all(), vos_timer's teardown) right
    after sending both, in the sending process, and skips it when the
    dialog is already DELETED by then: a loopback endpoint answering its BYE
    within that gap (well under a millisecond) loses the end route, some
    percent of the time, the sample's as well. Real endpoints are never that
    quick; these are made not to be, so that the route's log line can be
    asserted every time. tm retransmits the BYE after 500 ms: keep ms below."""
    mark = '<label id="got_bye"/>\n'
    check(xml.count(mark) == 1, "scenario without one got_bye label")
    return xml.replace(mark, mark + '  <pause milliseconds="%d"/>\n' % ms)


def call_id(uas):
    invs = uas.find(False, "INVITE")
    check(invs, "the callee got no INVITE")
    return invs[0].header("call-id")


def check_capped(uac, uas, limit, slack, reason="no-timer-limit"):
    """One proxy BYE per leg, `limit` to `limit + slack` s after the answer,
    with the Reason text."""
    t0 = answer_time(uas)
    for side in (uac, uas):
        byes = proxy_byes(side)
        check(len(byes) == 1, "%s got %d proxy BYEs" % (side.name, len(byes)))
        dt = byes[0].ts - t0
        check(limit - TS_SKEW_S <= dt <= limit + slack, "%s BYE %.2fs after the answer, want [%.1f, %.1f]"
              % (side.name, dt, limit, limit + slack))
        check('text="%s"' % reason in byes[0].header("reason"),
              "%s BYE Reason %r" % (side.name, byes[0].header("reason")))


def wait_unmanaged(kam):
    return kam.wait_released(3, "managed == 0")


def test_kemi_no_timer_call_capped():
    """A call without timer support through the JS routing: BYE to both
    legs [3, 4.5] s after the answer with Reason text="no-timer-limit", and
    the JS dialog:end callback logs the reason from $dlg_var with the
    Call-ID."""
    wd = workdir("kcap")
    kam = kemi_kamailio(wd, {"VT_NO_TIMER_LIMIT": 3})
    try:
        uac, uas = start_call(wd, kam, slow_bye(sc.caller([])), slow_bye(sc.callee()))
        check(uac.wait(20) == 0, "caller failed:\n" + uac.output())
        check(uas.wait(10) == 0, "callee failed:\n" + uas.output())
        check(uas.find(False, "INVITE")[0].all("record-route"),
              "the INVITE was not record-routed")
        check_capped(uac, uas, 3, 1.5)
        st = wait_unmanaged(kam)
        check(st["teardown_no_timer_limit"] == 1 and st["teardown_total"] == 1,
              "stats: %r" % st)
        cid = re.escape(call_id(uas))
        # KSR.notice (core/kemi.c), not the sample's xlog: the JS logged it.
        kam.wait_log(r"(?m)sr_kemi_core_notice\(\): call ended by vos_timer: no-timer-limit "
                     r"call-id=%s$" % cid, 3, "the dialog:end callback's line")
        kam.wait_log(r"(?m)sr_kemi_core_notice\(\): vos_timer teardown: reason=no-timer-limit "
                     r"call-id=%s mode=non-timer age=3s session_expires=0 refresher=none "
                     r"probes=0/0 caller=unconfirmed callee=unconfirmed$" % cid, 1,
                     "the vos_timer:teardown callback's line")
        check(len(re.findall(r"vos_timer teardown:", kam.log())) == 1,
              "teardown callback ran more than once")
        kam.wait_log(r"(?m)acc .*callid=%s; vos_timer_reason=no-timer-limit" % cid, 3,
                     "the acc CDR")
        # the htable:mod-init callback filled the example gateway
        out = kam.rpc("htable.get", "vtgw", "192.0.2.10:5060")
        check("no_timer_limit=3600;early_hangup=5" in out, "vtgw example entry: %r" % out)
        no_module_errors(kam)
    finally:
        kam.stop()


def test_kemi_timer_call_probed_then_expired():
    """Supported: timer, session_ttl 4 / update_segment 2: both legs get an
    UPDATE every 2 s; the callee answers two, then goes silent; the caller
    keeps answering (so after that it is not probed again in the window):
    BYE to both legs [4, 6.5] s after the callee's last answer, reason
    session-expired, logged by the JS callback."""
    wd = workdir("ktimer")
    kam = kemi_kamailio(wd, TIMER_DEFS)
    try:
        uac, uas = start_call(wd, kam, slow_bye(sc.caller(SE)),
                              slow_bye(sc.callee(silent_after=2)))
        check(uac.wait(30) == 0, "caller failed:\n" + uac.output())
        check(uas.wait(10) == 0, "callee failed:\n" + uas.output())
        t0 = answer_time(uas)
        pu, pc = probes(uas), probes(uac)
        check(all(p.method == "UPDATE" for p in pu + pc), "probe methods %r"
              % [p.method for p in pu + pc])
        # callee: 2 answered + 2 unanswered in the last window; caller: 2
        # answered + 1 (it stays confirmed in the last window).
        check(len(pu) == 4 and len(pc) == 3, "probes: callee %d, caller %d, want 4 and 3"
              % (len(pu), len(pc)))
        for side, ps in ((uas, pu), (uac, pc)):
            check_probe_gaps(side, t0, I_S, ps)
        answered = [m for m in uas.messages() if m.sent and m.status == 200 and m.method == "UPDATE"]
        check(len(answered) == 2, "callee answered %d probes" % len(answered))
        last = answered[-1].ts
        for side in (uac, uas):
            byes = proxy_byes(side)
            check(len(byes) == 1, "%s got %d proxy BYEs" % (side.name, len(byes)))
            dt = byes[0].ts - last
            check(TTL <= dt <= TTL + 2.5, "%s BYE %.2fs after the last confirmation, want "
                  "[%d, %.1f]" % (side.name, dt, TTL, TTL + 2.5))
            check('text="session-expired"' in byes[0].header("reason"),
                  "reason %r" % byes[0].header("reason"))
        st = wait_unmanaged(kam)
        check(st["teardown_session_expired"] == 1 and st["teardown_total"] == 1
              and st["probes_sent"] == 7 and st["probes_confirmed"] == 5, "stats: %r" % st)
        cid = re.escape(call_id(uas))
        kam.wait_log(r"(?m)call ended by vos_timer: session-expired call-id=%s$" % cid, 3,
                     "the dialog:end callback's line")
        kam.wait_log(r"(?m)vos_timer teardown: reason=session-expired call-id=%s mode=timer "
                     r".* probes=5/7 caller=confirmed callee=unconfirmed$" % cid, 1,
                     "the vos_timer:teardown callback's line")
        no_module_errors(kam)
    finally:
        kam.stop()


def test_kemi_422_below_min_se():
    """Session-Expires 30 with Supported: timer and min_se 90: the JS route
    gets -3 and exits; the caller has 422 with Min-SE: 90, the callee gets
    nothing, nothing is managed; then a call with Session-Expires 1800
    still goes through (the route is not stuck)."""
    wd = workdir("k422")
    kam = kemi_kamailio(wd, {"VT_MIN_SE": 90})
    try:
        uas = Sipp(wd, "callee", sc.write(wd, "callee", sc.callee()), extra=["-m", "1"]).start()
        uac = Sipp(wd, "caller", sc.write(wd, "caller", sc.caller_rejected(
            ["Session-Expires: 30", "Supported: timer"], 422)),
                   remote="127.0.0.1:%d" % kam.port, keys={"callee": "127.0.0.1:%d" % uas.port},
                   extra=["-m", "1", "-timeout", "10", "-timeout_error"]).start()
        check(uac.wait(15) == 0, "caller did not get its 422:\n" + uac.output())
        rej = [m for m in uac.messages() if not m.sent and m.status == 422]
        check(len(rej) == 1 and rej[0].header("min-se") == "90",
              "422 Min-SE %r" % [m.header("min-se") for m in rej])
        finals = [m.status for m in uac.messages() if not m.sent and m.status >= 200]
        check(finals == [422], "caller got final replies %r" % finals)
        time.sleep(0.3)
        check(not uas.messages(), "the callee got %r" % [m.first_line for m in uas.messages()])
        uas.stop()
        st = kam.stats()
        check(st["managed"] == 0 and st["teardown_total"] == 0, "stats: %r" % st)
        uac, uas = start_call(wd, kam, sc.caller(["Session-Expires: 1800", "Supported: timer"],
                                                 hold_ms=500), sc.callee(), name="2")
        check(uac.wait(15) == 0, "second caller failed:\n" + uac.output())
        check(uas.wait(10) == 0, "second callee failed:\n" + uas.output())
        check(uas.find(False, "INVITE")[0].header("session-expires") == "600",
              "Session-Expires 1800 not lowered to session_ttl 600")
        no_module_errors(kam)
    finally:
        kam.stop()


def test_kemi_override_applies_to_one_call():
    """no_timer_limit 5; three overlapping calls: one with
    X-VT-Overrides: no_timer_limit=2 (the JS passes it to
    KSR.vos_timer.manage_overrides), one to a gateway whose vtgw htable
    entry (set with kamcmd htable.sets) says no_timer_limit=3, one plain.
    Each is capped at its own limit (+1.5 s) after its answer, and
    vos_timer.show has each call's no_timer_limit."""
    wd = workdir("kover")
    kam = kemi_kamailio(wd, {"VT_NO_TIMER_LIMIT": 5})
    try:
        gw_uas = Sipp(wd, "callee_gw", sc.write(wd, "callee_gw", slow_bye(sc.callee())),
                      extra=["-m", "1"])
        kam.rpc("htable.sets", "vtgw", "127.0.0.1:%d" % gw_uas.port, "no_timer_limit=3")
        gw_uas.start()
        gw_uac = Sipp(wd, "caller_gw", sc.write(wd, "caller_gw", slow_bye(sc.caller([]))),
                      remote="127.0.0.1:%d" % kam.port,
                      keys={"callee": "127.0.0.1:%d" % gw_uas.port},
                      extra=["-m", "1", "-timeout", "90", "-timeout_error"]).start()
        hdr_uac, hdr_uas = start_call(
            wd, kam, slow_bye(sc.caller(["X-VT-Overrides: no_timer_limit=2"])),
            slow_bye(sc.callee()), name="_hdr")
        def_uac, def_uas = start_call(wd, kam, slow_bye(sc.caller([])), slow_bye(sc.callee()),
                                      name="_default")
        calls = ((hdr_uac, hdr_uas, 2), (gw_uac, gw_uas, 3), (def_uac, def_uas, 5))
        kam.wait_for(lambda: kam.stats()["non_timer"] == 3, 1.5, "the three calls answered")
        for _, uas, want in calls:
            e = kam.rpc_struct("vos_timer.show", call_id(uas))
            check(len(e) == 1 and e[0]["no_timer_limit"] == want,
                  "%s: show %r, want no_timer_limit %d" % (uas.name, e, want))
        for uac, uas, want in calls:
            check(uac.wait(20) == 0, "%s failed:\n%s" % (uac.name, uac.output()))
            check(uas.wait(10) == 0, "%s failed:\n%s" % (uas.name, uas.output()))
            check_capped(uac, uas, want, 1.5)
        st = wait_unmanaged(kam)
        check(st["teardown_no_timer_limit"] == 3, "stats: %r" % st)
        for _, uas, want in calls:
            kam.wait_log(r"(?m)call ended by vos_timer: no-timer-limit call-id=%s$"
                         % re.escape(call_id(uas)), 3, "%s end line" % uas.name)
        no_module_errors(kam)
    finally:
        kam.stop()


def test_kemi_bad_override_keeps_defaults():
    """X-VT-Overrides: no_timer_limit=abc: manage_overrides returns -1, the
    JS logs its warning with the Call-ID, the module logs why, and the call
    is managed with the module settings (capped at 3 s)."""
    wd = workdir("kbad")
    kam = kemi_kamailio(wd, {"VT_NO_TIMER_LIMIT": 3})
    try:
        uac, uas = start_call(wd, kam, sc.caller(["X-VT-Overrides: no_timer_limit=abc"]),
                              sc.callee())
        check(uac.wait(20) == 0, "caller failed:\n" + uac.output())
        check(uas.wait(10) == 0, "callee failed:\n" + uas.output())
        check_capped(uac, uas, 3, 1.5)
        cid = re.escape(call_id(uas))
        kam.wait_log(r"(?m)bad vos_timer overrides for 127\.0\.0\.1:%d call-id=%s: "
                     r"module settings used$" % (uas.port, cid), 1, "the JS warning")
        kam.wait_log(r"invalid override, module settings used: no_timer_limit = \"abc\"",
                     1, "the module's error")
        # that is the only module error
        bad = [ln for ln in kam.log().splitlines()
               if "vos_timer" in ln and re.search(r"\b(ERROR|CRITICAL|BUG)\b", ln)
               and "invalid override" not in ln]
        check(not bad, "module errors in the log:\n" + "\n".join(bad[:5]))
    finally:
        kam.stop()


def test_kemi_script_missing_refuses_start():
    """A VT_KEMI_SCRIPT that does not exist stops Kamailio at start-up."""
    wd = workdir("kmissing")
    kam = Kamailio(wd, {"VT_KEMI_SCRIPT": '"%s"' % os.path.join(wd, "nope.js")}, cfg=KEMI_CFG)
    kam.start(expect_ready=False)
    try:
        rc = kam.wait_exit(15)
        check(rc is not None and rc != 0, "kamailio did not fail (rc %r):\n%s" % (rc, kam.log_tail()))
        check("failed to load js script file" in kam.log(), "no reason logged:\n" + kam.log_tail())
    finally:
        kam.stop()


TESTS = [
    test_kemi_no_timer_call_capped,
    test_kemi_timer_call_probed_then_expired,
    test_kemi_422_below_min_se,
    test_kemi_override_applies_to_one_call,
    test_kemi_bad_override_keeps_defaults,
    test_kemi_script_missing_refuses_start,
]
