# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
"""RFC 4028 proxy role and hardened header parsing: 422 with
Min-SE, Session-Expires lowered / raised on the forwarded INVITE, the 2xx's
Session-Expires in vos_timer.show, malformed values never crash and never
leave a call uncapped."""
import re
import time

import scenarios as sc
from harness import TS_SKEW_S, Kamailio, Sipp, check, workdir

from test_timer import answer_time, no_module_errors, proxy_byes, start_call


def callee_invite(uas):
    invs = uas.find(False, "INVITE")
    check(invs, "the callee got no INVITE")
    return invs[0]


def test_422_below_min_se():
    """Session-Expires 30 with timer support and min_se 90: the caller gets
    422 with Min-SE: 90, the callee nothing; long and compact forms."""
    wd = workdir("t422")
    kam = Kamailio(wd, {"VT_MIN_SE": 90}).start()
    try:
        for hdrs in (["Session-Expires: 30", "Supported: timer"],
                     ["x: 30;refresher=uac", "k: 100rel, timer"],
                     ["Session-Expires: 30", "Require: timer"]):
            uas = Sipp(wd, "callee", sc.write(wd, "callee", sc.callee()),
                       extra=["-m", "1"]).start()
            uac = Sipp(wd, "caller", sc.write(wd, "caller", sc.caller_rejected(hdrs, 422)),
                       remote="127.0.0.1:%d" % kam.port,
                       keys={"callee": "127.0.0.1:%d" % uas.port},
                       extra=["-m", "1", "-timeout", "10", "-timeout_error"]).start()
            check(uac.wait(15) == 0, "%r: caller did not get its 422:\n%s" % (hdrs, uac.output()))
            rej = [m for m in uac.messages() if not m.sent and m.status == 422]
            check(rej[0].header("min-se") == "90", "%r: 422 Min-SE %r" % (hdrs, rej[0].header("min-se")))
            time.sleep(0.3)
            check(not uas.messages(), "%r: the callee got %r" % (hdrs, [m.first_line for m in uas.messages()]))
            uas.stop()
            st = kam.stats()
            check(st["managed"] == 0, "%r: a rejected call is managed: %r" % (hdrs, st))
        no_module_errors(kam)
    finally:
        kam.stop()


def _forwarded(kam, wd, hdrs, name):
    uac, uas = start_call(wd, kam, sc.caller(hdrs, hold_ms=800), sc.callee())
    kam.wait_for(lambda: kam.stats()["managed"] == 1, 5, "call managed")
    check(uac.wait(15) == 0, "%s: caller failed:\n%s" % (name, uac.output()))
    check(uas.wait(10) == 0, "%s: callee failed:\n%s" % (name, uas.output()))
    return callee_invite(uas)


def test_session_expires_lowered_and_raised():
    """Session-Expires 1800 with session_ttl 600: the callee receives 600
    (parameters kept; compact form too; never below a Min-SE in force;
    raised to the request's own Min-SE when below it).
    From a caller without timer support, 30 is raised to min_se and
    Min-SE is set to it."""
    wd = workdir("tse")
    kam = Kamailio(wd, {"VT_SESSION_TTL": 600, "VT_MIN_SE": 90}).start()
    try:
        cases = [
            (["Session-Expires: 1800;refresher=uac", "Supported: timer"],
             "session-expires", "600;refresher=uac", None),
            (["x: 1800", "k: timer"], "x", "600", None),
            (["Session-Expires:  1800 ;refresher=uas", "Min-SE: 900", "Supported: timer"],
             "session-expires", "900 ;refresher=uas", "900"),
            (["Session-Expires: 30"], "session-expires", "90", "90"),
            (["Session-Expires: 60", "Min-SE: 60"], "session-expires", "90", "90"),
            (["Session-Expires: 300", "Supported: timer"], "session-expires", "300", None),
            # below the caller's own Min-SE: raised to it
            (["Session-Expires: 200", "Min-SE: 300", "Supported: timer"],
             "session-expires", "300", "300"),
        ]
        for hdrs, hname, want, want_min in cases:
            inv = _forwarded(kam, wd, hdrs, repr(hdrs))
            got = inv.header(hname)
            check(got == want, "%r: callee got %s: %r, want %r" % (hdrs, hname, got, want))
            check(inv.all(hname) == [want], "%r: %r" % (hdrs, inv.all(hname)))
            if want_min is not None:
                check(inv.all("min-se") == [want_min],
                      "%r: callee got Min-SE %r, want %r" % (hdrs, inv.all("min-se"), want_min))
        no_module_errors(kam)
    finally:
        kam.stop()


def test_2xx_session_expires_means_timer_mode():
    """An INVITE without timer support answered with Session-Expires: the
    call is in timer mode and vos_timer.show has the negotiated values."""
    wd = workdir("t2xx")
    kam = Kamailio(wd, {"VT_NO_TIMER_LIMIT": 2}).start()
    try:
        uac, uas = start_call(wd, kam, sc.caller([], hold_ms=3000),
                              sc.callee(answer_hdrs=["Session-Expires: 300;refresher=uac",
                                                     "Require: timer"]))
        kam.wait_for(lambda: kam.stats()["timer"] == 1, 5, "a timer call")
        callid = callee_invite(uas).header("call-id")
        e = kam.rpc_struct("vos_timer.show", callid)
        check(len(e) == 1, "show: %r" % e)
        e = e[0]
        check(e["mode"] == "timer" and e["session_expires"] == 300 and e["refresher"] == "uac"
              and e["invite_session_expires"] == 0 and e["headers_trusted"] == "yes"
              and e["next_action"] == "probe", "show: %r" % e)
        check(e["session_ttl"] == 600 and e["probes_sent"] == 0, "show: %r" % e)
        # not capped by no_timer_limit (2 s): the caller hangs up at 3 s
        check(uac.wait(15) == 0, "caller failed (cut?):\n" + uac.output())
        check(uas.wait(10) == 0, "callee failed:\n" + uas.output())
        check(not proxy_byes(uac), "the proxy ended the call")
        out = kam.rpc_raw("vos_timer.show", callid)
        check("404" in out and "No managed call" in out, "show after the end: %r" % out)
        out = kam.rpc_raw("vos_timer.show")
        check("400" in out, "show without Call-ID: %r" % out)
        no_module_errors(kam)
    finally:
        kam.stop()


MALFORMED = [
    (["Session-Expires: abc", "Supported: timer"], []),
    (["Session-Expires: 99999999999999999999", "Supported: timer"], []),
    (["Session-Expires: 1800", "Min-SE: -5", "Supported: timer"], []),
    (["Session-Expires: ", "Supported: timer"], []),
    (["Session-Expires: 1800", "x: 1800", "Supported: timer"], []),
    (["Session-Expires: 1800;refresher=nobody", "Supported: timer"], []),
    (["Session-Expires: 2147483648"], []),
    (["Supported: timer"], ["Session-Expires: 300;refresher=foo"]),
]


def test_malformed_values_still_capped():
    """Malformed, overflowing, negative, empty or repeated values: the
    INVITE is forwarded unchanged, Kamailio keeps running, and the call
    still gets the no_timer_limit cap (here 3 s), timer mode or not."""
    wd = workdir("tbad")
    kam = Kamailio(wd, dict({"VT_NO_TIMER_LIMIT": 3, "VT_SESSION_TTL": 600})).start()
    try:
        for inv_hdrs, ans_hdrs in MALFORMED:
            uac, uas = start_call(wd, kam, sc.caller(inv_hdrs), sc.callee(answer_hdrs=ans_hdrs))
            kam.wait_for(lambda: kam.stats()["managed"] == 1, 5, "call managed")
            inv = callee_invite(uas)
            e = kam.rpc_struct("vos_timer.show", inv.header("call-id"))[0]
            check(e["headers_trusted"] == "no", "%r: show %r" % (inv_hdrs, e))
            check(uac.wait(15) == 0, "%r: caller failed:\n%s" % (inv_hdrs, uac.output()))
            check(uas.wait(10) == 0, "%r: callee failed:\n%s" % (inv_hdrs, uas.output()))
            t0 = answer_time(uas)
            byes = proxy_byes(uac)
            check(len(byes) == 1 and "no-timer-limit" in byes[0].header("reason"),
                  "%r: no cap BYE (%r)" % (inv_hdrs, [b.header("reason") for b in byes]))
            check(3 - TS_SKEW_S <= byes[0].ts - t0 <= 4.5, "%r: cap after %.3fs" % (inv_hdrs, byes[0].ts - t0))
            for h in inv_hdrs:
                name, val = h.split(":", 1)
                check(val.strip() in [v.strip() for v in inv.all(name.lower())],
                      "%r: forwarded as %r" % (inv_hdrs, inv.all(name.lower())))
            check(kam.proc.poll() is None, "kamailio died")
        st = kam.stats()
        check(st["teardown_no_timer_limit"] == len(MALFORMED) and st["managed"] == 0, "stats %r" % st)
        check(re.search(r"malformed or repeated", kam.log()), "no warning logged")
        no_module_errors(kam)
    finally:
        kam.stop()


TESTS = [
    test_422_below_min_se,
    test_session_expires_lowered_and_raised,
    test_2xx_session_expires_means_timer_mode,
    test_malformed_values_still_capped,
]
