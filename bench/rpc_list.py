#!/usr/bin/env python3
# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
"""make bench-rpc: what vos_timer.list costs SIP traffic at N calls.

The store lock that vos_timer.list takes is the one every managed call's
set-up, answer, refresh and probe result takes too. For the module of
commit BEFORE (one lock hold for the whole copy) and the current one (a
hold per chunk of 256 hash slots), on bench/kamailio-bench.cfg:

  1. N non-timer calls up and held (SIPp pair, not probed);
  2. a second SIPp pair makes short calls at RATE calls/s; per call the
     set-up latency, from the caller's INVITE to the 200 it receives
     (its -trace_msg timestamps), for PHASE_S seconds each:
       idle   nobody calls vos_timer.list;
       list   kamcmd vos_timer.list back to back (the whole list: kamcmd
              cannot read it at this size and says so, but the proxy has
              done all the work by then, as for any client);
       paged  (current module only) pages of 250 through all N calls,
              back to back, as an operator with kamcmd would.
Reports p50 / p99 / max set-up latency per phase, and how long one list
(or one pass of pages) took on the client side. Standard library only;
every process runs in its own process group and is killed at exit.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
import run as b  # noqa: E402  (bench/run.py: Kamailio, SIPp, helpers)
import scenarios  # noqa: E402
from harness import free_udp_port, parse_sipp_messages  # noqa: E402

BEFORE = "17f5967"   # last commit with the one-hold list
PAGE = 250


def setup_latencies(msg_path):
    """INVITE sent -> 200 received, per Call-ID, in ms."""
    sent, got = {}, {}
    for m in parse_sipp_messages(msg_path):
        cid = m.header("call-id")
        if m.sent and m.is_request and m.method == "INVITE":
            sent.setdefault(cid, m.ts)
        elif not m.sent and m.status == 200 and "INVITE" in (m.header("cseq") or ""):
            got.setdefault(cid, m.ts)
    return [(got[c] - sent[c]) * 1000.0 for c in sent if c in got]


class Lister(threading.Thread):
    """kamcmd vos_timer.list back to back until stopped; `paged`: pages of
    PAGE through all calls (one pass = until a short page)."""

    def __init__(self, k, paged):
        super().__init__(daemon=True)
        self.k, self.paged = k, paged
        self.stop_ev = threading.Event()
        self.durations, self.last = [], ""

    def run(self):
        while not self.stop_ev.is_set():
            t0 = time.time()
            if not self.paged:
                self.last = self.k.rpc("vos_timer.list") or ""
            else:
                off, pages, done = 0, 0, False
                while not self.stop_ev.is_set():
                    out = self.k.rpc("vos_timer.list", "0", str(PAGE), str(off)) or ""
                    got = out.count("call_id:")
                    off += got
                    pages += 1
                    if got < PAGE:
                        done = True
                        break
                if not done:
                    break       # stopped mid-pass: not a whole pass
                self.last = "%d calls in %d pages of %d" % (off, pages, PAGE)
            self.durations.append(time.time() - t0)


def phase(k, wd, name, rate, secs, lister=None):
    callee_port = free_udp_port()
    n = int(rate * secs)
    ce = b.sipp(wd, name + "_callee", scenarios.callee(), callee_port,
                extra=["-m", str(n)], trace=True)
    time.sleep(0.3)
    if lister:
        lister.start()
    ca = b.sipp(wd, name + "_caller", scenarios.caller(hold_ms=200), free_udp_port(),
                remote="127.0.0.1:%d" % k.port, keys={"callee": "127.0.0.1:%d" % callee_port},
                extra=["-m", str(n), "-r", str(rate), "-l", str(n)], trace=True)
    try:
        ca.wait(secs + 60)
    except subprocess.TimeoutExpired:
        pass
    if lister:
        lister.stop_ev.set()
        lister.join(120)
    b.stop(ca)
    b.stop(ce)
    lat = setup_latencies(os.path.join(wd, name + "_caller.msg"))
    r = {"phase": name, "calls": len(lat), "wanted": n}
    if lat:
        r.update(p50=b.pct(lat, 50), p99=b.pct(lat, 99), max=max(lat))
    if lister:
        r["lists"] = len(lister.durations)
        r["list_s"] = statistics.median(lister.durations) if lister.durations else None
        r["list_reply"] = lister.last.strip().splitlines()[0][:60] if lister.last.strip() else ""
    b.log("  %s: %d/%d calls, set-up p50 %.1f p99 %.1f max %.1f ms%s" % (
        name, len(lat), n, r.get("p50", 0), r.get("p99", 0), r.get("max", 0),
        "; %d lists, median %.2fs each (%s)" % (r["lists"], r["list_s"] or 0, r["list_reply"])
        if lister else ""))
    return r


def run_module(label, module, n, rate, secs, base_wd, paged):
    wd = tempfile.mkdtemp(prefix="rpc-%s-" % label, dir=base_wd)
    k = b.Kamailio(wd, "vos_timer", module=module).start()
    try:
        held_port = free_udp_port()
        b.sipp(wd, "held_callee", scenarios.callee(), held_port,
               extra=["-m", str(n), "-l", str(n + 100)])
        time.sleep(0.3)
        b.sipp(wd, "held_caller", scenarios.caller(), free_udp_port(),
               remote="127.0.0.1:%d" % k.port, keys={"callee": "127.0.0.1:%d" % held_port},
               extra=["-m", str(n), "-r", "500", "-l", str(n + 100)])
        b.wait_active(k, n, n / 100 + 60, "%s held calls" % label)
        time.sleep(2)
        out = [phase(k, wd, "idle", rate, secs),
               phase(k, wd, "list", rate, secs, Lister(k, False))]
        if paged:
            out.append(phase(k, wd, "paged", rate, secs, Lister(k, True)))
        return out
    finally:
        k.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=20000)
    ap.add_argument("--rate", type=int, default=50)
    ap.add_argument("--secs", type=int, default=30)
    a = ap.parse_args()
    os.makedirs(b.OUT, exist_ok=True)
    base_wd = tempfile.mkdtemp(prefix="rpc-list-", dir=b.OUT)
    before = b.build_at(BEFORE, " (one-hold list)")
    res = {}
    for label, module, paged in (("before %s" % BEFORE, before, False),
                                 ("current", b.MODULE, True)):
        b.log("%s: %d held calls, %d calls/s measured, %d s per phase"
              % (label, a.calls, a.rate, a.secs))
        res[label] = run_module(label.split()[0], module, a.calls, a.rate, a.secs,
                                base_wd, paged)
    lines = ["", "## vos_timer.list and SIP call set-up (make bench-rpc)", "",
             "- date: %s; %d held calls, short calls at %d/s measured for %d s per phase"
             % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), a.calls, a.rate, a.secs),
             "", "| module | phase | calls | set-up p50 / p99 / max (ms) | lists done | "
             "one list (s) | kamcmd said |", "|---|---|---|---|---|---|---|"]
    for label, rows in res.items():
        for r in rows:
            lines.append("| %s | %s | %d | %.1f / %.1f / %.1f | %s | %s | %s |" % (
                label, r["phase"], r["calls"], r.get("p50", 0), r.get("p99", 0),
                r.get("max", 0), r.get("lists", "-"),
                "%.2f" % r["list_s"] if r.get("list_s") else "-", r.get("list_reply", "-")))
    print("\n".join(lines))
    with open(os.path.join(HERE, "results-rpc.md"), "w") as f:
        f.write("# vos_timer.list at scale: make bench-rpc\n" + "\n".join(lines[2:]) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
