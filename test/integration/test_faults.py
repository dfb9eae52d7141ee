"""Faults a core review named: the module's own processes running late,
probes that cannot leave the box, and the like. Each test stages the fault
on a real Kamailio and looks at the wire. session_ttl 4, update_segment 2
(I = 2 s), tm fr_timer 1000 ms unless said otherwise."""
import os
import re
import signal
import time

import scenarios as sc
from harness import Kamailio, Sipp, check, workdir
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
        print("    stalled %.1f s; live call: %d probes after, not cut; dead call: BYE %.2f s "
              "after the process ran on" % (t_cont - t_stop, len(late),
                                            proxy_byes(duas)[0].ts - t_cont))
    finally:
        kam.stop()


TESTS = [
    test_stalled_deadline_process_cuts_no_live_call,
]
