"""Soak (issue 7 item 1, short form; `make soak` runs it bigger): timer-mode
calls of five kinds at once on one Kamailio, for several windows:

  live     both ends answer every probe; the caller hangs up after 6 probes
  refresh  the caller refreshes with UPDATE every 1.5 s, then hangs up
  reinvite the caller refreshes with re-INVITE every 1.5 s, then hangs up
  silent   the callee answers one probe, then never again (it still
           answers the BYE)
  gone     the callee answers probes with 481

Result lines: live calls cut (must be 0), dead calls not ended within
window + probe timeout (0), teardowns that reached one leg only (0),
Kamailio crashes (0; run.py also fails on a core file), module shm after
all calls ended vs before (equal). VT_SOAK_CALLS sets the calls per kind
(default 40)."""
import os
import time

import scenarios as sc
from harness import Kamailio, Sipp, check, workdir

TTL, SEG, FR_S = 4, 2, 1.0
SE = ["Session-Expires: 1800", "Supported: timer"]


def _pair(wd, kam, kind, n, caller_xml, callee_xml):
    uas = Sipp(wd, "callee_" + kind, sc.write(wd, "callee_" + kind, callee_xml),
               extra=["-m", str(n)]).start()
    uac = Sipp(wd, "caller_" + kind, sc.write(wd, "caller_" + kind, caller_xml),
               remote="127.0.0.1:%d" % kam.port, keys={"callee": "127.0.0.1:%d" % uas.port},
               extra=["-m", str(n), "-l", str(n), "-r", "50", "-timeout", "120",
                      "-timeout_error"]).start()
    return uac, uas


def _proxy_byes(side):
    """call-id -> the proxy's BYEs (with a Reason) an endpoint received."""
    out = {}
    for m in side.find(False, "BYE"):
        if m.header("reason"):
            out.setdefault(m.header("call-id"), []).append(m)
    return out


def _call_ids(side):
    return {m.header("call-id") for m in side.messages() if m.header("call-id")}


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
            "refresh": _pair(wd, kam, "refresh", n,
                             sc.caller(SE, refresh_every_ms=1500, refresh_count=5,
                                       refresh_method="UPDATE"), sc.callee()),
            "reinvite": _pair(wd, kam, "reinvite", n,
                              sc.caller(SE, refresh_every_ms=1500, refresh_count=5,
                                        refresh_method="INVITE"), sc.callee()),
            "silent": _pair(wd, kam, "silent", n, sc.caller(SE), sc.callee(silent_after=1)),
            "gone": _pair(wd, kam, "gone", n, sc.caller(SE), sc.callee(codes={"UPDATE": 481})),
        }
        for kind, (uac, uas) in pairs.items():
            check(uac.wait(120) == 0, "%s callers failed:\n%s" % (kind, uac.output()[-1500:]))
            check(uas.wait(20) == 0, "%s callees failed:\n%s" % (kind, uas.output()[-1500:]))
        check(kam.proc.poll() is None, "Kamailio died")

        live_cut = dead_left = one_leg = late = 0
        for kind in ("live", "refresh", "reinvite"):
            uac, uas = pairs[kind]
            check(len(_call_ids(uas)) == n, "%s: %d calls reached the callee" % (kind, len(_call_ids(uas))))
            live_cut += len(set(_proxy_byes(uac)) | set(_proxy_byes(uas)))
        for kind, reason in (("silent", "session-expired"), ("gone", "leg-gone")):
            uac, uas = pairs[kind]
            a, b = _proxy_byes(uac), _proxy_byes(uas)
            ids = _call_ids(uas)
            check(len(ids) == n, "%s: %d calls reached the callee" % (kind, len(ids)))
            for cid in ids:
                if cid not in a and cid not in b:
                    dead_left += 1
                    continue
                if (cid in a) != (cid in b) or len(a.get(cid, [])) > 1 or len(b.get(cid, [])) > 1:
                    one_leg += 1
                    continue
                check(('text="%s"' % reason) in b[cid][0].header("reason"),
                      "%s: reason %r" % (kind, b[cid][0].header("reason")))
                if kind == "silent":
                    # from the callee's last answered probe: one window plus
                    # the last probe's timeout (and a tick and slack)
                    answers = [m.ts for m in uas.messages()
                               if m.sent and m.header("call-id") == cid and m.status == 200
                               and "UPDATE" in (m.header("cseq") or "")]
                    if answers and b[cid][0].ts - max(answers) > TTL + FR_S + 1.5:
                        late += 1
        st = kam.wait_released(10, "every call released")
        # tm and the dialog module free their records a little later; ours
        # go at once
        time.sleep(1)
        shm1 = kam.module_shm()
        print("    %d calls per kind: live calls cut %d, dead calls not ended %d (late %d), "
              "one-leg teardowns %d, module shm %d -> %d" % (n, live_cut, dead_left, late,
                                                              one_leg, shm0, shm1))
        check(live_cut == 0, "%d live calls cut" % live_cut)
        check(dead_left == 0 and late == 0, "%d dead calls left, %d ended late" % (dead_left, late))
        check(one_leg == 0, "%d teardowns reached one leg only (or twice)" % one_leg)
        check(st["teardown_session_expired"] == n and st["teardown_leg_gone"] == n,
              "teardowns counted: %r" % st)
        check(shm1 == shm0, "module shm %d before, %d after" % (shm0, shm1))
    finally:
        kam.stop()


TESTS = [test_soak_short]
