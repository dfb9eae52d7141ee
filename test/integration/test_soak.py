# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
"""Soak (short form; `make soak` runs it bigger; doc/ section "Reliability
tests"): timer-mode
calls of six kinds at once on one Kamailio, for several windows:

  live     both ends answer every probe; the caller hangs up after 6 probes
  hangup   both ends answer every probe; the caller hangs up at a random
           time, uniform in 0.5..11 s after the answer (each call draws
           its own), so hang-ups fall before, between and on top of the
           probes (every 2 s)
  refresh  the caller refreshes with UPDATE every 1.2 s (no probe is due:
           the first comes 1.5..2 s after the answer), then hangs up
  reinvite the caller refreshes with re-INVITE every 1.2 s, then hangs up
  silent   the callee answers one probe, then never again (it still
           answers the BYE)
  gone     the callee answers probes with 481

Result lines: live calls cut (must be 0: any BYE of the proxy's to either
leg of a live, hangup, refresh or reinvite call), dead calls not ended
within window + probe timeout (0), teardowns that reached one leg only (0),
Kamailio crashes (0; run.py also fails on a core file), module shm after
all calls ended vs before (equal). VT_SOAK_CALLS sets the calls per kind
(default 40)."""
import glob
import os
import time

import scenarios as sc
from harness import (Kamailio, Sipp, call_ids, check, dead_call_teardowns,
                     proxy_byes, workdir)

TTL, SEG, FR_S = 4, 2, 1.0
HANGUP_MS = (500, 11000)   # the random hang-up's range, after the answer
SE = ["Session-Expires: 1800", "Supported: timer"]


def _pair(wd, kam, kind, n, caller_xml, callee_xml):
    uas = Sipp(wd, "callee_" + kind, sc.write(wd, "callee_" + kind, callee_xml),
               extra=["-m", str(n)]).start()
    uac = Sipp(wd, "caller_" + kind, sc.write(wd, "caller_" + kind, caller_xml),
               remote="127.0.0.1:%d" % kam.port, keys={"callee": "127.0.0.1:%d" % uas.port},
               extra=["-m", str(n), "-l", str(n), "-r", "50", "-timeout", "120",
                      "-timeout_error"]).start()
    return uac, uas


def _hangup_times(uac):
    """Random hang-up calls: [(seconds from the answer to the caller's
    BYE, probes the caller answered before it, seconds to the nearest
    probe the caller got, or None)], one per call whose caller sent a BYE
    (its first copy: retransmissions are not hang-ups)."""
    answered = {m.header("call-id"): m.ts for m in uac.find(False, "INVITE", 200)}
    probes, bye = {}, {}
    for m in uac.messages():
        cid = m.header("call-id")
        if not m.sent and m.is_request and m.method in ("UPDATE", "OPTIONS"):
            probes.setdefault(cid, []).append(m.ts)
        elif m.sent and m.is_request and m.method == "BYE":
            bye.setdefault(cid, m.ts)
    out = []
    for cid, t in bye.items():
        if cid in answered:
            ps = probes.get(cid, [])
            out.append((t - answered[cid], sum(1 for p in ps if p < t),
                        min((abs(t - p) for p in ps), default=None)))
    return out


def test_soak_short():
    n = int(os.environ.get("VT_SOAK_CALLS", "40"))
    wd = workdir("soak")
    kam = Kamailio(wd, {"VT_SESSION_TTL": TTL, "VT_UPDATE_SEGMENT": SEG,
                        "VT_NO_TIMER_LIMIT": 600, "VT_CHILDREN": 4},
                   shm_mb=256).start()
    try:
        shm0 = kam.module_shm()
        pairs = {
            "live": _pair(wd, kam, "live", n, sc.caller(SE, probes_then_bye=6), sc.callee()),
            "hangup": _pair(wd, kam, "hangup", n,
                            sc.caller_random_hangup(SE, *HANGUP_MS), sc.callee()),
            "refresh": _pair(wd, kam, "refresh", n,
                             sc.caller(SE, refresh_every_ms=1200, refresh_count=5,
                                       refresh_method="UPDATE"), sc.callee()),
            "reinvite": _pair(wd, kam, "reinvite", n,
                              sc.caller(SE, refresh_every_ms=1200, refresh_count=5,
                                        refresh_method="INVITE"), sc.callee()),
            "silent": _pair(wd, kam, "silent", n, sc.caller(SE), sc.callee(silent_after=1)),
            "gone": _pair(wd, kam, "gone", n, sc.caller(SE), sc.callee(codes={"UPDATE": 481})),
        }
        for kind, (uac, uas) in pairs.items():
            check(uac.wait(120) == 0, "%s callers failed; first events:\n%s\n...\n%s"
                  % (kind, uac.first_errors(), uac.output()[-800:]))
            check(uas.wait(20) == 0, "%s callees failed; first events:\n%s\n...\n%s"
                  % (kind, uas.first_errors(), uas.output()[-800:]))
        check(kam.proc.poll() is None, "Kamailio died")

        live_cut = dead_left = one_leg = late = 0
        for kind in ("live", "hangup", "refresh", "reinvite"):
            uac, uas = pairs[kind]
            check(len(call_ids(uas)) == n, "%s: %d calls reached the callee" % (kind, len(call_ids(uas))))
            live_cut += len(set(proxy_byes(uac)) | set(proxy_byes(uas)))
        hung = _hangup_times(pairs["hangup"][0])
        check(len(hung) == n, "hangup: %d of %d callers sent their BYE" % (len(hung), n))
        for kind, reason in (("silent", "session-expired"), ("gone", "leg-gone")):
            uac, uas = pairs[kind]
            ids = call_ids(uas)
            check(len(ids) == n, "%s: %d calls reached the callee" % (kind, len(ids)))
            left, one, ended = dead_call_teardowns(uac, uas, reason)
            dead_left += left
            one_leg += one
            for cid, (_, to_callee) in ended.items():
                if kind == "silent":
                    # from the callee's last answered probe: one window plus
                    # the last probe's timeout (and a tick and slack)
                    answers = [m.ts for m in uas.messages()
                               if m.sent and m.header("call-id") == cid and m.status == 200
                               and "UPDATE" in (m.header("cseq") or "")]
                    if answers and to_callee.ts - max(answers) > TTL + FR_S + 1.5:
                        late += 1
        st = kam.wait_released(10, "every call released")
        # tm and the dialog module free their records a little later; ours
        # go at once
        time.sleep(1)
        shm1 = kam.module_shm()
        crashes = (kam.proc.poll() is not None) + len(glob.glob(os.path.join(wd, "core*")))
        print("    %d calls per kind: live calls cut %d, dead calls not ended %d (late %d), "
              "one-leg teardowns %d, Kamailio crashes %d, module shm %d -> %d"
              % (n, live_cut, dead_left, late, one_leg, crashes, shm0, shm1))
        print("    random hang-ups %.1f..%.1f s after the answer, %d after a probe, "
              "%d within 100 ms of one" % (min(t for t, _, _ in hung), max(t for t, _, _ in hung),
                                          sum(1 for _, p, _ in hung if p),
                                          sum(1 for _, _, d in hung if d is not None and d <= 0.1)))
        check(crashes == 0, "Kamailio crashed")
        check(live_cut == 0, "%d live calls cut" % live_cut)
        check(dead_left == 0 and late == 0, "%d dead calls left, %d ended late" % (dead_left, late))
        check(one_leg == 0, "%d teardowns reached one leg only (or twice)" % one_leg)
        check(st["teardown_session_expired"] == n and st["teardown_leg_gone"] == n,
              "teardowns counted: %r" % st)
        check(shm1 == shm0, "module shm %d before, %d after" % (shm0, shm1))
    finally:
        kam.stop()


TESTS = [test_soak_short]
