# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
"""Restart survival (doc/ section "Calls across a restart"): the dialog module keeps dialogs in
SQLite (db_mode 1, db_sqlite from kamailio-sqlite-modules); vos_timer keeps
each answered call's facts in $dlg_var(vos_timer_state) and re-arms the calls
the dialog module loads when Kamailio starts again.

session_ttl 4, update_segment 2 (I = 2 s), tm fr_timer 1000 ms,
no_timer_limit 8 s."""
import os
import re
import signal
import sqlite3
import time

import scenarios as sc
from harness import Kamailio, Sipp, check, proxy_byes, stop_proc, workdir

TTL, FR = 4, 1.0
NTL = 8
SE = ["Session-Expires: 1800", "Supported: timer"]
SQL = "/usr/share/kamailio/db_sqlite"


def make_db(path):
    con = sqlite3.connect(path)
    for name in ("standard-create.sql", "dialog-create.sql"):
        with open(os.path.join(SQL, name)) as f:
            con.executescript(f.read())
    con.commit()
    con.close()


def stored_states(path):
    con = sqlite3.connect(path)
    try:
        return [r[0] for r in con.execute(
            "SELECT dialog_value FROM dialog_vars WHERE dialog_key='vos_timer_state'")]
    finally:
        con.close()


def damage_state(path, callid):
    """A damaged row: the call's vos_timer_state no longer parses."""
    con = sqlite3.connect(path)
    try:
        n = con.execute(
            "UPDATE dialog_vars SET dialog_value='v=1;mode=sideways' "
            "WHERE dialog_key='vos_timer_state' AND hash_id IN (SELECT hash_id "
            "FROM dialog WHERE callid=?)", (callid,)).rowcount
        con.commit()
        return n
    finally:
        con.close()


def call(wd, kam, name, caller_xml, callee_xml):
    uas = Sipp(wd, name + "-callee", sc.write(wd, name + "-callee", callee_xml),
               extra=["-m", "1"]).start()
    uac = Sipp(wd, name + "-caller", sc.write(wd, name + "-caller", caller_xml),
               remote="127.0.0.1:%d" % kam.port,
               keys={"callee": "127.0.0.1:%d" % uas.port},
               extra=["-m", "1", "-timeout", "60", "-timeout_error"]).start()
    return uac, uas


def probes_after(side, t):
    return [m for m in side.messages()
            if not m.sent and m.is_request and m.method == "UPDATE" and m.ts > t]


def module_byes(side):
    return [m for m in side.messages() if not m.sent and m.is_request
            and m.method == "BYE" and m.header("reason")]


def _restart_with_calls(crash):
    """Four calls up when Kamailio stops (SIGTERM, or SIGKILL when crash)
    and starts again: a live timer call is not cut and its probes go on; a
    timer call whose callee dies during the restart is torn down within
    session_ttl + fr_timer + 1 s of the restart; a non-timer call ends at
    its original answer + no_timer_limit, not at a fresh one; a non-timer
    call whose stored state was damaged is probed as a timer call (its
    caller hangs up after two probes)."""
    wd = workdir("crash" if crash else "restart")
    db = os.path.join(wd, "dialog.db")
    make_db(db)
    defs = {"VT_SESSION_TTL": TTL, "VT_UPDATE_SEGMENT": 2,
            "VT_NO_TIMER_LIMIT": NTL, "VT_DIALOG_DB": '"sqlite:///%s"' % db,
            # db_sqlite sets no busy timeout: one SIP worker, so that no
            # two processes write the file at once ("database is locked")
            "VT_CHILDREN": 1}
    kam = Kamailio(wd, defs).start()
    try:
        kam.wait_log(r"db_mode 1: calls are kept", 5, "persistence announced")
        shm0 = kam.module_shm()
        live = call(wd, kam, "live", sc.caller(SE, probes_then_bye=6), sc.callee())
        dies = call(wd, kam, "dies", sc.caller(SE), sc.callee())
        capped = call(wd, kam, "capped", sc.caller(), sc.callee())
        damaged = call(wd, kam, "damaged", sc.caller(probes_then_bye=2), sc.callee())
        kam.wait_for(lambda: (lambda s: s["timer"] == 2 and s["non_timer"] == 2)(kam.stats()),
                     5, "four calls answered")
        t_ans = capped[1].find(True, "INVITE", 200)[0].ts
        # mid-call, after the first probes: stop, the callee of "dies" is
        # gone meanwhile, start again on the same address and database
        time.sleep(max(0.0, t_ans + 3.0 - time.time()))
        stop_proc(kam.proc, signal.SIGKILL if crash else signal.SIGTERM)
        t_down = time.time()
        dies[1].stop()
        states = stored_states(db)
        check(len(states) == 4, "vos_timer_state rows in the database: %r" % states)
        check(sum("mode=timer" in s for s in states) == 2
              and sum("mode=non-timer" in s for s in states) == 2
              and all("no_timer_limit=%d" % NTL in s for s in states),
              "stored states: %r" % states)
        dcid = damaged[0].find(True, "INVITE")[0].header("call-id")
        check(damage_state(db, dcid) == 1, "could not damage the stored state of " + dcid)
        time.sleep(1.0)
        kam.log_path = os.path.join(wd, "kamailio-2.log")
        kam.start()
        t_up = time.time()
        print("    down %.1fs, restarted %.1fs after the answer" % (t_up - t_down, t_up - t_ans))
        kam.wait_for(lambda: kam.log().count("re-armed after the restart") == 4, 5,
                     "four calls re-armed")
        check("unreadable $dlg_var(vos_timer_state)" in kam.log(),
              "no warning about the damaged state")
        st = kam.stats()
        check(st["restored"] == 4 and st["timer"] == 3 and st["non_timer"] == 1,
              "after the restart: %r" % st)

        # the non-timer call: the cap of the original answer
        check(capped[0].wait(NTL + 5) == 0, "capped caller failed:\n" + capped[0].output())
        capped[1].wait(5)
        bye = module_byes(capped[0])
        check(len(bye) == 1 and "no-timer-limit" in bye[0].header("reason"),
              "capped caller: module BYEs %r" % [m.header("reason") for m in bye])
        at = bye[0].ts - t_ans
        check(NTL - 0.2 <= at <= NTL + 0.7,
              "non-timer call ended %.2fs after its answer, want %d (restart "
              "must not restart its no_timer_limit)" % (at, NTL))
        check(len(module_byes(capped[1])) == 1, "capped callee got no module BYE")

        # the call whose callee died during the restart
        check(dies[0].wait(TTL + 10) == 0, "dies caller failed:\n" + dies[0].output())
        bye = module_byes(dies[0])
        check(len(bye) == 1 and "session-expired" in bye[0].header("reason"),
              "dead call: module BYEs to the caller %r" % [m.header("reason") for m in bye])
        after = bye[0].ts - t_up
        check(FR <= after <= TTL + FR + 1.0 + 0.7,
              "dead call ended %.2fs after the restart, want within "
              "session_ttl + fr_timer + 1 s" % after)

        # the live call: probed after the restart, never cut, hung up by
        # its caller
        check(live[0].wait(30) == 0, "live caller failed:\n" + live[0].output())
        check(live[1].wait(5) == 0, "live callee failed:\n" + live[1].output())
        check(not module_byes(live[0]) and not module_byes(live[1]),
              "the live call was cut")
        pc, pe = probes_after(live[0], t_up), probes_after(live[1], t_up)
        check(len(pc) >= 2 and len(pe) >= 2,
              "live call probes after the restart: caller %d, callee %d" % (len(pc), len(pe)))
        got = live[1].find(False, "BYE")
        check(got and not got[0].header("reason"), "the callee got no BYE from its caller")

        # the damaged one: probed after the restart, hung up by its caller
        check(damaged[0].wait(10) == 0, "damaged caller failed:\n" + damaged[0].output())
        check(len(probes_after(damaged[1], t_up)) >= 2 and not module_byes(damaged[0]),
              "damaged-state call: not probed as a timer call after the restart")

        st = kam.wait_released(5)
        # the restored records are freed like any other: the module's shm
        # is back to what a fresh start of the same config holds
        kam.wait_for(lambda: kam.module_shm() == shm0, 5,
                     "module shm back to %d (now %d)" % (shm0, kam.module_shm()))
        check(st["teardown_no_timer_limit"] == 1 and st["teardown_session_expired"] == 1
              and st["teardown_leg_gone"] == 0,
              "teardowns after the restart: %r" % st)
        print("    non-timer BYE at +%.2fs (limit %d), dead call BYE %.2fs after the "
              "restart, live call %d+%d probes after it"
              % (at, NTL, after, len(pc), len(pe)))
    finally:
        kam.stop()


def test_calls_survive_restart():
    _restart_with_calls(crash=False)


def test_calls_survive_crash():
    """The same with Kamailio killed (SIGKILL): dialogs and their
    variables were written when they changed (db_mode 1)."""
    _restart_with_calls(crash=True)


def test_restart_many_calls():
    """VT_RESTART_CALLS (100; make soak: 2000) live timer calls up across a
    restart: every one stored, re-armed and probed on, none cut, each hung
    up by its caller; nothing left."""
    n = int(os.environ.get("VT_RESTART_CALLS", "100"))
    wd = workdir("restart-many")
    db = os.path.join(wd, "dialog.db")
    make_db(db)
    kam = Kamailio(wd, {"VT_SESSION_TTL": 6, "VT_UPDATE_SEGMENT": 2, "VT_NO_TIMER_LIMIT": 60,
                        "VT_DIALOG_DB": '"sqlite:///%s"' % db, "VT_CHILDREN": 1},
                   shm_mb=64 if n <= 500 else 256).start()
    try:
        uas = Sipp(wd, "callee", sc.write(wd, "callee", sc.callee()), extra=["-m", str(n)]).start()
        # 100 calls/s; I = 3 s: the first caller hangs up about 10 s after
        # the last call is answered, so all are up at the restart (2 s after
        # that), and each gets probes after it
        probes = int((n / 100.0 + 10) / 3) + 1
        uac = Sipp(wd, "caller", sc.write(wd, "caller", sc.caller(SE, probes_then_bye=probes)),
                   remote="127.0.0.1:%d" % kam.port, keys={"callee": "127.0.0.1:%d" % uas.port},
                   extra=["-m", str(n), "-l", str(n), "-r", "100", "-timeout", "120",
                          "-timeout_error"]).start()
        kam.wait_for(lambda: kam.stats()["timer"] == n, 10 + n / 50, "%d calls answered" % n)
        time.sleep(2)
        kam.stop()
        rows = len(stored_states(db))
        kam.log_path = os.path.join(wd, "kamailio-2.log")
        t0 = time.time()
        kam.start()
        st = kam.stats()
        print("    %d calls: %d states stored, %d re-armed, Kamailio ready %.2fs after the start"
              % (n, rows, st["restored"], time.time() - t0))
        check(rows == n and st["restored"] == n and st["timer"] == n,
              "stored %d, after the restart %r" % (rows, st))
        check(uac.wait(3 * probes + 30) == 0, "callers failed:\n" + uac.output())
        uas.wait(10)
        st = kam.wait_released(10)
        check(st["teardown_total"] == 0 and st["probes_failed"] == 0,
              "after the restart: %r" % st)
        check(len(proxy_byes(uac)) == 0 and len(proxy_byes(uas)) == 0, "live calls cut")
        check(len({m.header("call-id") for m in uac.find(True, "BYE")}) == n,
              "not every caller hung up itself")
        bad = [ln for ln in kam.log().splitlines() if re.search(r"\b(ERROR|CRITICAL|BUG)\b", ln)]
        check(not bad, "errors after the restart:\n" + "\n".join(bad[:5]))
    finally:
        kam.stop()


TESTS = [test_calls_survive_restart, test_calls_survive_crash, test_restart_many_calls]
