#!/usr/bin/env python3
# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
"""make demo: scenario A of the VOS3000 seed, sped up, on loopback.

Starts Kamailio (kamailio.cfg.sample with the built module) and two SIPp
endpoints: a caller that supports session timers and a callee that answers
its first probes and then goes silent, as a crashed phone or a dropped NAT
binding would. Prints what happened on the wire as a timeline (from the
endpoints' own message logs), then `kamcmd vos_timer.stats`.
"""
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "test", "integration"))
os.environ.setdefault("VT_TEST_OUT", os.path.join(ROOT, ".cache", "demo"))

import scenarios as sc  # noqa: E402
from harness import Kamailio, Sipp, TestFailure, workdir  # noqa: E402

TTL = 6           # session_ttl (s)
SEGMENTS = 2      # update_segment: a probe every TTL / SEGMENTS = 3 s
FR_TIMER = 1000   # tm fr_timer (ms): how long a probe waits for its answer
ANSWERED = 2      # the callee answers this many probes, then goes silent


def probe_events(side):
    """One entry per probe transaction the endpoint received: (ts, method,
    cseq, answer status or None, answer delay, retransmissions)."""
    out, by_branch = [], {}
    msgs = side.messages()
    for m in msgs:
        if m.sent or not m.is_request or m.method not in ("UPDATE", "OPTIONS"):
            continue
        br = m.header("via")
        if br in by_branch:
            by_branch[br]["retrans"] += 1
            continue
        e = {"ts": m.ts, "method": m.method, "cseq": m.header("cseq"),
             "leg": side.name, "status": None, "delay": None, "retrans": 0}
        by_branch[br] = e
        out.append(e)
    for m in msgs:
        if m.sent and not m.is_request and m.method in ("UPDATE", "OPTIONS"):
            e = by_branch.get(m.header("via"))
            if e is not None and e["status"] is None:
                e["status"], e["delay"] = m.status, m.ts - e["ts"]
    return out


def bye_events(side):
    return [{"ts": m.ts, "leg": side.name, "reason": m.header("reason") or ""}
            for m in side.find(False, "BYE")]


def rounds(events):
    """Group probes sent together (within 0.5 s) into rounds."""
    out = []
    for e in sorted(events, key=lambda e: e["ts"]):
        if out and e["ts"] - out[-1][0]["ts"] < 0.5:
            out[-1].append(e)
        else:
            out.append([e])
    return out


def line(t, who, what):
    print("  %6.2f s  %-7s %s" % (t, who, what))


def timeline(uac, uas, kam):
    ok = uas.find(True, "INVITE", 200)
    if not ok:
        raise TestFailure("the callee never answered the INVITE")
    t0 = ok[0].ts
    print("\nTimeline (seconds after the callee's 200 OK; from the endpoints' logs)\n")
    line(0, "both", "call answered: caller -> proxy -> callee 200 OK; the window starts")
    confirmed, window, k = set(), 0.0, 0
    for rnd in rounds(probe_events(uac) + probe_events(uas)):
        k += 1
        for e in sorted(rnd, key=lambda e: e["leg"] != "caller"):
            what = "<- %s probe %d/%d of the window (CSeq %s)" % (
                e["method"], k, SEGMENTS, e["cseq"].split()[0])
            if e["status"] is not None:
                what += ": %d after %d ms, confirmed" % (e["status"], e["delay"] * 1000)
                confirmed.add(e["leg"])
            else:
                what += ": NO ANSWER (%d retransmission%s, tm gives up after %d ms: 408)" % (
                    e["retrans"], "" if e["retrans"] == 1 else "s", FR_TIMER)
            line(e["ts"] - t0, e["leg"], what)
        if confirmed >= {"caller", "callee"}:
            window = max(e["ts"] for e in rnd) - t0
            print("%22s both legs confirmed: a new window starts, next probe in %d s"
                  % ("", TTL // SEGMENTS))
            confirmed, k = set(), 0
        else:
            missing = ", ".join(sorted({"caller", "callee"} - confirmed))
            print("%22s unconfirmed so far in this window: %s%s" % (
                "", missing, " (probed again)" if k < SEGMENTS else ""))
    byes = sorted(bye_events(uac) + bye_events(uas), key=lambda e: e["ts"])
    if byes and byes[0]["reason"]:
        print("%22s the window from %.2f s is over (%d s) and its last probe timed out"
              "\n%22s without an answer from the callee: the call is dead (session-expired)"
              % ("", window, TTL, ""))
    if not byes:
        print("  (no BYE: the call was not ended)")
    for e in byes:
        by = "proxy (vos_timer)" if e["reason"] else "the other end"
        line(e["ts"] - t0, e["leg"], "<- BYE from %s  Reason: %s" % (by, e["reason"] or "-"))
    print("\nKamailio's log")
    for ln in kam.log().splitlines():
        if re.search(r"ending the call|call ended by vos_timer", ln):
            print("  " + re.sub(r"^.*?(INFO|NOTICE|WARNING|ERROR): ", "", ln))
    print("\nThe callee went silent after answering %d probes; a whole window passed without"
          "\nits confirmation, so vos_timer ended the call on both legs instead of letting it"
          "\nrun on (and be billed) as a zombie." % ANSWERED)


def main():
    wd = workdir("demo")
    print("vos_timer demo: session_ttl %d s, update_segment %d (a probe every %d s),"
          " early_hangup 0, tm fr_timer %d ms." % (TTL, SEGMENTS, TTL // SEGMENTS, FR_TIMER))
    print("The caller offers session timers; the callee answers %d probes, then goes silent."
          % ANSWERED)
    print("Logs and SIP traces: %s\n" % wd)
    kam = Kamailio(wd, {"VT_SESSION_TTL": TTL, "VT_UPDATE_SEGMENT": SEGMENTS,
                        "VT_EARLY_HANGUP": 0, "VT_FR_TIMER": FR_TIMER}).start()
    try:
        uas = Sipp(wd, "callee", sc.write(wd, "callee", sc.callee(silent_after=ANSWERED)),
                   extra=["-m", "1"]).start()
        uac = Sipp(wd, "caller",
                   sc.write(wd, "caller", sc.caller(["Session-Expires: 1800", "Supported: timer"])),
                   remote="127.0.0.1:%d" % kam.port,
                   keys={"callee": "127.0.0.1:%d" % uas.port},
                   extra=["-m", "1", "-timeout", "60", "-timeout_error"]).start()
        print("Kamailio on 127.0.0.1:%d, caller SIPp on :%d, callee SIPp on :%d; waiting for"
              " the call to end (about %d s)..." % (kam.port, uac.port, uas.port, 3 * TTL))
        uac.wait(60)
        uas.wait(10)
        timeline(uac, uas, kam)
        print("\n$ kamcmd vos_timer.stats")
        print(kam.rpc("vos_timer.stats").rstrip())
    except TestFailure as e:
        print("demo failed: %s" % e)
        return 1
    finally:
        kam.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
