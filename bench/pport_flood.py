#!/usr/bin/env python3
# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
"""make bench-pport-flood: what a flood on the probe port costs.

The deadline process reads everything that reaches probe_port, its
probes' answers and anything else (at most 4096 datagrams a wake-up). On
bench/kamailio-bench.cfg with a probe_port, CALLS timer calls (one SIPp
pair answering every probe to its Via, I = 30 s) are set up; then, one
window of --window s each, junk is sent to the probe port at each of
--rates datagrams per second (0: none, the baseline) from a process of
its own. The junk is the integration test's mix
(test_timer.probe_port_junk(), without its 64 KB datagram): noise,
requests, replies without a Via or with a foreign one, and replies in the
module's branch form that name no probe in flight (a 481 among them).

Per window: the rate reached, the deadline process's CPU (and the rest of
Kamailio's), its CPU per junk datagram net of the baseline, the probes
sent and answered on the port, resent (an answer lost or read late) and
failed, lateness (the module's histogram), the port socket's drops, and
calls torn down. At the end, live calls cut (the callee's BYEs from the
proxy). Writes bench/results-pport-flood.md.
"""
import argparse
import multiprocessing
import os
import socket
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
import run as b  # noqa: E402  (bench/run.py: Kamailio, SIPp, helpers)
from test_timer import probe_port_junk  # noqa: E402

DEADLINE = "vos_timer deadlines"


def flood(port, rate, stop, sent):
    """Junk to 127.0.0.1:port at `rate` datagrams/s, in batches every
    10 ms, until `stop` is set; the count in `sent`."""
    junk = [j for j in probe_port_junk("flood@127.0.0.1") if len(j) < 2000]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    per_batch, i, n = max(1, rate // 100), 0, 0
    t_next = time.monotonic()
    while not stop.is_set():
        for _ in range(per_batch):
            try:
                s.sendto(junk[i % len(junk)], ("127.0.0.1", port))
                n += 1
            except OSError:
                pass
            i += 1
        sent.value = n
        t_next += 0.01
        delay = t_next - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    sent.value = n


def window(k, rate, secs):
    """One window with junk at `rate`/s (0: none)."""
    r = {"rate": rate}
    st0, vs0 = k.stats("vos_timer:"), k.struct("vos_timer.stats")
    drops0 = b.udp_socket_drops(k.probe_port)[0]
    names, pids0, t0 = k.process_names(), k.cpu_pids(), time.time()
    stop, sent, proc = multiprocessing.Event(), multiprocessing.Value("q", 0), None
    if rate:
        proc = multiprocessing.Process(target=flood, args=(k.probe_port, rate, stop, sent))
        proc.start()
    time.sleep(secs)
    if proc:
        stop.set()
        proc.join()
    roles = b.cpu_by_role(pids0, k.cpu_pids(), names, digits=4)
    r["window_s"] = round(time.time() - t0, 2)
    st1, vs1 = k.stats("vos_timer:"), k.struct("vos_timer.stats")
    r["sent"] = sent.value
    r["sent_per_s"] = round(sent.value / r["window_s"])
    r["deadline_s"] = roles.get(DEADLINE, 0.0)
    r["rest_s"] = round(sum(v for role, v in roles.items() if role != DEADLINE), 4)
    for key in ("probes_sent", "probe_port_answers", "probes_resent", "probes_failed",
                "teardown_total"):
        r[key] = vs1.get(key, 0) - vs0.get(key, 0)
    r["p99"], _ = b.hist_pct(st0, st1, 99)
    r["late_max_ms"] = vs1.get("lateness_max_ms")
    r["drops"] = b.udp_socket_drops(k.probe_port)[0] - drops0
    b.log("  junk %d/s: sent %d/s, deadline process %.3f s, probes %d, answers %d, "
          "resent %d, drops %d" % (rate, r["sent_per_s"], r["deadline_s"], r["probes_sent"],
                                   r["probe_port_answers"], r["probes_resent"], r["drops"]))
    return r


def report(rows, a, cut):
    base = rows[0] if rows and rows[0]["rate"] == 0 else None
    lines = ["# A flood on the probe port: make bench-pport-flood", "",
             "- date: %s; git %s; %s" % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                        b.git_desc(), b.platform.platform()),
             "- %d timer calls (one SIPp pair answering to the Via), probe interval %d s, "
             "windows of %d s; junk: test_timer.probe_port_junk() without its 64 KB "
             "datagram, sent by one Python process in batches every 10 ms"
             % (a.calls, b.INTERVAL, a.window), "",
             "| junk asked / sent per s | dropped by the port's socket (full buffer) | "
             "deadline process CPU s (% of a core) | its us per junk datagram read, net "
             "of no junk | rest of Kamailio CPU s | probes sent / answered on the port / "
             "resent / failed | lateness p99 (ms, window) / latest since start (ms) | "
             "calls torn down |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        per, read = "-", r["sent"] - r["drops"]
        if base and r["rate"] and read > 0:
            per = "%.2f" % ((r["deadline_s"] - base["deadline_s"] * r["window_s"]
                             / base["window_s"]) / read * 1e6)
        lines.append("| %d / %d | %d (%.0f%%) | %.3f (%.2f%%) | %s | %.3f | %d / %d / %d / %d "
                     "| %s / %s | %d |" % (
                         r["rate"], r["sent_per_s"], r["drops"],
                         100.0 * r["drops"] / r["sent"] if r["sent"] else 0,
                         r["deadline_s"], 100.0 * r["deadline_s"] / r["window_s"], per,
                         r["rest_s"], r["probes_sent"], r["probe_port_answers"],
                         r["probes_resent"], r["probes_failed"], r["p99"], r["late_max_ms"],
                         r["teardown_total"]))
    lines += ["", "- live calls cut over the whole run (the callee's BYEs from the "
              "proxy): %s" % cut,
              "- resent: a probe whose answer was not read within T1 (500 ms) goes again "
              "from the listen socket (SIP workers); an answer the junk crowds out of the "
              "port's receive buffer (4 MB) shows as a resend, not as a cut call. The "
              "deadline process reads the port when it wakes: at least every 100 ms while "
              "one of its probes is unanswered, else at its next deadline."]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--rate", type=int, default=500, help="call set-up rate, cps")
    ap.add_argument("--window", type=int, default=b.INTERVAL,
                    help="seconds per junk rate (default: one probe interval)")
    ap.add_argument("--rates", default="0 5000 20000 80000",
                    help="junk datagrams per second, one window each")
    ap.add_argument("--out", default=os.path.join(HERE, "results-pport-flood.md"))
    a = ap.parse_args()
    os.makedirs(b.OUT, exist_ok=True)
    wd = tempfile.mkdtemp(prefix="pport-flood-", dir=b.OUT)
    k = b.Kamailio(wd, "vos_timer", probe_port=True).start()
    procs, names, rows = [], [], []
    try:
        procs, names = b.start_main_pairs(wd, k, a.calls, a.rate, a.calls, answers_to_via=True)
        up = b.wait_ramp(k, a.calls, a.calls / a.rate * 4 + 60, "calls")
        if up < a.calls:
            raise RuntimeError("%d of %d calls up" % (up, a.calls))
        # every call past its first probe: the windows see steady probing
        time.sleep(b.INTERVAL)
        for rate in (int(x) for x in a.rates.split()):
            rows.append(window(k, rate, a.window))
    finally:
        for p in procs:
            b.stop(p, wait_s=3.0)
        k.stop()
    cut = b.sum_known(b.sipp_bye_count(wd, nm + "_callee") for nm in names)
    md = report(rows, a, cut)
    print(md)
    with open(a.out, "w") as f:
        f.write(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
