#!/usr/bin/env python3
# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
"""make bench: vos_timer side by side with the dialog module's keepalive.

For each N (default 1000 5000 20000) and each system - vos_timer (OPTIONS
probes, session_ttl 60 / update_segment 2 -> I = 30 s) and the dialog
module's keepalive (ka_interval 30, ka_timer 1, both legs) - one Kamailio
(bench/kamailio-bench.cfg) and SIPp pairs on 127.0.0.1:

  main pairs   N calls (caller and callee answer every probe with 200),
               held for the whole run; one pair per --pair-size (10000)
               calls, main0, main1, ... (N=50000: five pairs), the set-up
               rate split among them;
  silent pair  S calls whose callee never answers a probe (it answers the
               BYE): the time from its 200 OK to the BYE is the detection
               time. Traced with -trace_msg (S is small).

Right after Kamailio is up, before any call: an idle window (--idle, 20 s;
0: none), CPU per process role with no calls. CPU per probe is reported as
measured and net of idle: less that Kamailio's idle rate over the window.

Measured over a steady window after all calls are up:
  - Kamailio CPU (time on CPU of every process of Kamailio's process group,
    /proc/<pid>/schedstat, ns) per probe exchange (tmx UAC_transactions
    plus vos_timer's probes_stateless over the window), and per process
    role (core.psx);
  - lateness: vos_timer's own histogram / summary; for the keepalive, the
    send times seen on the wire (see results.md);
  - module shm per managed call (mod.stats vos_timer shm) and dialog shm;
  - probes per 100 ms slice: every OPTIONS the proxy sends (first
    transmission, by Via branch), captured on lo with an AF_PACKET socket
    (kernel timestamps, BPF filter "udp src port <proxy>") - the same way
    for both systems; plus vos_timer's own probes_peak_100ms;
  - scale limits: set-up failures (SIPp's failed calls, N - dialogs up),
    ramp time, shm used before the calls and with all up, UDP receive
    buffer drops, tm transactions in use, pkg memory of the "vos_timer
    deadlines" process and of the busiest UDP worker (kamcmd pkg.stats).
A run that fails (e.g. calls that do not all come up) is reported with
what it measured up to there.

Then, at each N up to --repeat-max-n (5000), --repeats (4) more pairs of
light runs: Kamailio and the main pairs only (an idle window of
--repeat-idle s, 10, before the calls), all calls up, then one probe
interval's window; vos_timer and the keepalive back to back, the first one
alternating. At 1000 and 5000 calls one run's CPU per probe has moved by
more than the systems differ; the target line uses the median of the
per-pair ratios (the main runs' pair included).

Then probe spreading: 1000 calls answered within about a second, first
probe round, with the module of commit 5da6094 (no spreading), the current
module, and the keepalive for reference. And the heap micro-benchmark's
figures (test/out/bench/heap.json, from make bench-heap), and the tables of
bench/profile.md (make bench-profile) when it exists.

--module PATH-or-COMMIT: the vos_timer.so to load (both systems load it);
default the working tree's modules/vos_timer/vos_timer.so; anything that is
not a file is a git commit, built from git archive under test/out/bench.
-x MM: Kamailio's shm memory manager (kamailio -x), both systems alike.

--profile (make bench-profile): instead of the benchmark, for each N
(default 1000 5000) and system (vos_timer with --module, vos_timer with
--profile-before COMMIT if given, keepalive): the main pairs only (no
silent pair, no capture), one probe interval to reach steady state, then
`perf record -e cpu-clock -F 499 --call-graph dwarf,16384` of every
Kamailio process over --window (default 30 s: keep it a multiple of the
30 s probe interval); each sample classified by its stack
(bench/profile.py); us per probe exchange per component in
bench/profile.md, the raw sums in <work dir>/profile.json.

Standard library only. Needs root (AF_PACKET, perf). Every process it
starts runs in its own process group and is killed at exit.
"""
import argparse
import atexit
import ctypes
import json
import os
import platform
import re
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.dont_write_bytecode = True     # nothing written under test/
sys.path.insert(0, os.path.join(ROOT, "test", "integration"))
import scenarios  # noqa: E402  (SIPp scenario generators of the tests)
from harness import free_udp_port  # noqa: E402

CFG = os.path.join(HERE, "kamailio-bench.cfg")
MODULE = os.path.join(ROOT, "modules", "vos_timer", "vos_timer.so")
OUT = os.path.join(ROOT, "test", "out", "bench")
BEFORE_COMMIT = "5da6094"

SESSION_TTL = 60
UPDATE_SEGMENT = 2
INTERVAL = SESSION_TTL // UPDATE_SEGMENT
KA_INTERVAL = 30
# --repeats: from all calls up to the window of a light run, s
REPEAT_SETTLE_S = 5
FR_TIMER_MS = 2000
DETECT_TARGET = SESSION_TTL + FR_TIMER_MS / 1000.0 + 0.5

_procs = []
T_START = time.time()


def log(msg):
    print("[bench %6.1fs] %s" % (time.time() - T_START, msg), flush=True)


# ---------------------------------------------------------------- processes

def spawn(args, log_path, cwd=None):
    with open(log_path, "w") as f:
        p = subprocess.Popen(args, stdout=f, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, start_new_session=True,
                             cwd=cwd)
    _procs.append(p)
    return p


def stop(p, sig=signal.SIGTERM, wait_s=8.0):
    if p is None:
        return
    if p.poll() is None:
        try:
            os.killpg(p.pid, sig)
        except ProcessLookupError:
            pass
        try:
            p.wait(wait_s)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
    else:
        # the leader is gone; children of its group may remain
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if p in _procs:
        _procs.remove(p)


@atexit.register
def _cleanup():
    for p in list(_procs):
        stop(p, wait_s=3.0)


def udp_rcvbuf_errors():
    """Host-wide UDP datagrams dropped for a full receive buffer."""
    with open("/proc/net/snmp") as f:
        rows = [ln.split() for ln in f if ln.startswith("Udp:")]
    return int(dict(zip(rows[0][1:], rows[1][1:])).get("RcvbufErrors", 0))


def udp_socket_drops(port):
    """Datagrams dropped by the open UDP sockets (the drops column of
    /proc/net/udp and udp6, counted since each socket was made): those of
    the socket on local port `port` (Kamailio's) and of all others (the
    SIPp endpoints')."""
    own = other = 0
    for name in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            with open(name) as f:
                rows = [ln.split() for ln in f][1:]
        except OSError:
            continue
        for row in rows:
            if len(row) < 13:
                continue
            d = int(row[-1])
            if int(row[1].rsplit(":", 1)[1], 16) == port:
                own += d
            else:
                other += d
    return own, other


def task_cpu_ns(pid):
    """ns on CPU of process pid: the first field of /proc/<pid>/schedstat
    (the scheduler's own count, in ns), summed over its threads (Kamailio's
    processes have one each). None if it is gone."""
    total, found = 0, False
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return None
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
                found = True
        except (OSError, ValueError, IndexError):
            continue
    return total if found else None


def group_cpu_by_pid(pgid):
    """{pid: ns on CPU} of every live process in process group pgid."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                s = f.read()
        except OSError:
            continue
        rest = s[s.rfind(")") + 2:].split()
        if int(rest[2]) != pgid:
            continue
        ns = task_cpu_ns(int(d))
        if ns is not None:
            out[int(d)] = ns
    return out


def group_cpu_seconds(pgid):
    """CPU seconds of every live process in process group pgid, and how
    many processes."""
    c = group_cpu_by_pid(pgid)
    return sum(c.values()) / 1e9, len(c)


def exchanges(st0, st1):
    """Probe exchanges (and teardown BYEs) between two k.stats() snapshots:
    tm's UAC transactions, plus the probes vos_timer sent itself, without
    tm (stateless_probes; 0 for the keepalive)."""
    return (st1["UAC_transactions"] - st0["UAC_transactions"]
            + st1.get("probes_stateless", 0) - st0.get("probes_stateless", 0))


def cpu_between(c0, c1):
    """CPU seconds between two group_cpu_by_pid() readings, all processes
    (a process started in between counts from 0)."""
    return sum(v - c0.get(pid, 0) for pid, v in c1.items()) / 1e9


def role_of(name):
    """Kamailio process role: its core.psx description, numbers stripped
    ("udp receiver child=3 sock=..." -> "udp receiver")."""
    role = re.sub(r"\s*(child=|sock=|rank=|idx=)\S*", "", name)
    return re.sub(r"\s+\d+$", "", role).strip() or "?"


def cpu_by_role(c0, c1, names, digits=3):
    """CPU seconds between two group_cpu_by_pid() readings, summed per
    Kamailio process role (role_of(core.psx description))."""
    roles = {}
    for pid, v in c1.items():
        role = role_of(names.get(pid, "?"))
        roles[role] = roles.get(role, 0.0) + (v - c0.get(pid, 0)) / 1e9
    return {k: round(v, digits) for k, v in sorted(roles.items(), key=lambda x: -x[1])}


# ---------------------------------------------------------------- capture

SO_ATTACH_FILTER = 26
SO_TIMESTAMPNS = 35
SOL_PACKET = 263
PACKET_STATISTICS = 6
PACKET_OUTGOING = 4


def _bpf_udp_src_port(port, port2=None):
    """Classic BPF: IPv4, UDP, not a fragment, source port == port (or
    == port2: vos_timer's probe_port)."""
    ins = [
        (0x28, 0, 0, 12),          # ldh [12]  ethertype
        (0x15, 0, 9, 0x0800),      # jeq IPv4 else drop
        (0x30, 0, 0, 23),          # ldb [23]  protocol
        (0x15, 0, 7, 17),          # jeq UDP else drop
        (0x28, 0, 0, 20),          # ldh [20]  flags/fragment
        (0x45, 5, 0, 0x1fff),      # jset fragment -> drop
        (0xb1, 0, 0, 14),          # ldxb 4*([14]&0xf)
        (0x48, 0, 0, 14),          # ldh [x+14] source port
        (0x15, 1, 0, port),        # jeq port -> accept
        (0x15, 0, 1, port2 or port),   # jeq port2 else drop
        (0x06, 0, 0, 0x40000),     # ret accept
        (0x06, 0, 0, 0),           # ret drop
    ]
    buf = ctypes.create_string_buffer(
        b"".join(struct.pack("HBBI", *i) for i in ins))
    return buf, struct.pack("HL", len(ins), ctypes.addressof(buf))


def capture_main(port, out_path, port2=None):
    """Child mode: record every OPTIONS / BYE / ACK the proxy (UDP source
    port `port`, or `port2`) sends on lo: 'time method dport branch
    call-id' lines."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    buf, prog = _bpf_udp_src_port(port, port2)
    s.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, prog)
    s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)   # SO_RCVBUFFORCE
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.bind(("lo", 0))
    stopping = []
    signal.signal(signal.SIGTERM, lambda *a: stopping.append(1))
    out = open(out_path, "w", buffering=1 << 20)
    s.settimeout(0.2)
    while not stopping:
        try:
            data, anc, _flags, addr = s.recvmsg(65535, 64)
        except socket.timeout:
            continue
        except InterruptedError:
            continue
        if addr[2] == PACKET_OUTGOING:
            continue
        ihl = (data[14] & 15) * 4
        udp = 14 + ihl
        pl = data[udp + 8:udp + 8 + 1400]
        if pl.startswith(b"OPTIONS "):
            m = "OPTIONS"
        elif pl.startswith(b"BYE "):
            m = "BYE"
        elif pl.startswith(b"ACK "):
            m = "ACK"
        else:
            continue
        ts = None
        for lvl, typ, d in anc:
            if lvl == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS:
                sec, ns = struct.unpack("qq", d[:16])
                ts = sec + ns / 1e9
        if ts is None:
            ts = time.time()
        dport = struct.unpack("!H", data[udp + 2:udp + 4])[0]
        b = re.search(rb";branch=([^;\r\n,]+)", pl)
        c = re.search(rb"\r\n(?:Call-ID|i):\s*([^\r\n]+)", pl)
        out.write("%.6f %s %d %s %s\n" % (
            ts, m, dport, b.group(1).decode() if b else "-",
            c.group(1).decode() if c else "-"))
    st = s.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)
    pk, drops = struct.unpack("II", st)
    out.write("# stats packets=%d drops=%d\n" % (pk, drops))
    out.close()


class Capture:
    def __init__(self, wd, port, port2=None):
        self.path = os.path.join(wd, "capture.txt")
        self.proc = spawn([sys.executable, os.path.abspath(__file__),
                           "--capture", str(port), self.path] +
                          ([str(port2)] if port2 else []),
                          os.path.join(wd, "capture.log"))
        time.sleep(0.3)

    def finish(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                stop(self.proc)
        if self.proc in _procs:
            _procs.remove(self.proc)
        recs, drops = [], None
        with open(self.path) as f:
            for ln in f:
                if ln.startswith("# stats"):
                    drops = int(re.search(r"drops=(\d+)", ln).group(1))
                    continue
                t, m, dport, br, cid = ln.rstrip("\n").split(" ", 4)
                recs.append((float(t), m, int(dport), br, cid))
        return recs, drops


def probes_first_tx(recs):
    """OPTIONS the proxy sent, first transmission only (tm retransmits
    unanswered ones with the same branch)."""
    seen, out = set(), []
    for r in recs:
        if r[1] != "OPTIONS" or r[3] in seen:
            continue
        seen.add(r[3])
        out.append(r)
    return out


def peak_per_100ms(times, lo=None, hi=None):
    """Most probes in one fixed 100 ms slice (slices aligned on the clock,
    like vos_timer's probes_peak_100ms)."""
    bins = {}
    for t in times:
        if (lo is not None and t < lo) or (hi is not None and t >= hi):
            continue
        k = int(t * 10)
        bins[k] = bins.get(k, 0) + 1
    return max(bins.values()) if bins else 0


def pct(values, q):
    if not values:
        return None
    v = sorted(values)
    i = min(len(v) - 1, max(0, int(round(q / 100.0 * len(v) + 0.5)) - 1))
    return v[i]


# ---------------------------------------------------------------- Kamailio

class Kamailio:
    def __init__(self, wd, system, module=MODULE, shm_mb=1024, children=8,
                 shm_manager=None, session_ttl=SESSION_TTL,
                 update_segment=UPDATE_SEGMENT, probe_port=False):
        self.wd = wd
        self.port = free_udp_port()
        self.ctl = os.path.join(wd, "ctl.sock")
        self.args = ["kamailio", "-f", CFG, "-DD", "-E", "-m", str(shm_mb),
                     "-M", "16", "-w", wd, "-Y", wd,
                     "-A", "BENCH_LISTEN=udp:127.0.0.1:%d" % self.port,
                     "-A", 'BENCH_CTL="unix:%s"' % self.ctl,
                     "-A", 'BENCH_MODULE="%s"' % module,
                     "-A", "BENCH_CHILDREN=%d" % children,
                     "-A", "BENCH_FR_TIMER=%d" % FR_TIMER_MS,
                     "-A", "BENCH_SESSION_TTL=%d" % session_ttl,
                     "-A", "BENCH_UPDATE_SEGMENT=%d" % update_segment,
                     "-A", "BENCH_KA_INTERVAL=%d" % KA_INTERVAL]
        # --probe-port: vos_timer's probe_port (loaded in both systems)
        self.probe_port = free_udp_port() if probe_port else None
        if probe_port:
            self.args += ["-A", "BENCH_PROBE_PORT=%d" % self.probe_port]
        # run.py -x: Kamailio's shm memory manager, both systems alike
        if shm_manager:
            self.args += ["-x", shm_manager]
        # extra Kamailio options for both systems alike, e.g. "-x tlsf"
        self.args += os.environ.get("BENCH_KAMAILIO_ARGS", "").split()
        # the system is picked at run time: both parse the same text (see
        # the cfg), the define has the same length for both
        self.args += ["-A", 'BENCH_SYSTEM="sys=i:%d"' % (system == "keepalive")]
        self.proc = None

    def start(self):
        self.proc = spawn(self.args, os.path.join(self.wd, "kamailio.log"))
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("kamailio exited at start, see %s/kamailio.log" % self.wd)
            if os.path.exists(self.ctl) and "error" not in (self.rpc("core.uptime") or "error"):
                return self
            time.sleep(0.1)
        raise RuntimeError("kamailio not ready")

    def rpc(self, *args):
        try:
            r = subprocess.run(["kamcmd", "-s", "unix:" + self.ctl] + list(args),
                               capture_output=True, text=True, timeout=30)
        except subprocess.TimeoutExpired:
            return None
        return r.stdout + r.stderr

    def stats(self, *names):
        out = self.rpc("stats.get_statistics", *names) or ""
        d = {}
        for m in re.finditer(r"^\s*([\w.]+):(\w+) = (-?\d+)", out, re.M):
            d[m.group(2)] = int(m.group(3))
        return d

    def struct(self, *args):
        out = self.rpc(*args) or ""
        d = {}
        for m in re.finditer(r"^\s*(\w+): (-?\d+)\s*$", out, re.M):
            d[m.group(1)] = int(m.group(2))
        return d

    def mod_shm(self, mod):
        out = self.rpc("mod.stats", mod, "shm") or ""
        m = re.search(r"Total:\s*(\d+)", out)
        return int(m.group(1)) if m else None

    def cpu(self):
        return group_cpu_seconds(self.proc.pid)

    def cpu_pids(self):
        return group_cpu_by_pid(self.proc.pid)

    def shm_used(self):
        """Bytes of shm in use (kamcmd core.shmmem used)."""
        return self.struct("core.shmmem").get("used")

    def pkg_by_pid(self):
        """{pid: {"used", "real_used", "free", "total_frags"}} from kamcmd pkg.stats (one
        entry per process, bytes)."""
        out = self.rpc("pkg.stats") or ""
        d = {}
        for blk in re.findall(r"\{([^{}]*)\}", out):
            f = dict(re.findall(r"^\s*(\w+): (-?\d+)\s*$", blk, re.M))
            if "pid" in f:
                d[int(f["pid"])] = {x: int(f[x]) for x in ("used", "real_used", "free",
                                                          "total_frags") if x in f}
        return d

    def process_names(self):
        out = self.rpc("core.psx") or ""
        names = {}
        for m in re.finditer(r"PID: (\d+)\s+DSC: ([^\n]+)", out):
            names[int(m.group(1))] = m.group(2).strip()
        return names

    def stop(self):
        stop(self.proc, wait_s=10.0)


def sipp(wd, name, scenario_xml, port, remote=None, keys=None, extra=(),
         trace=False):
    path = scenarios.write(wd, name, scenario_xml)
    args = ["sipp"]
    if remote:
        args.append(remote)
    args += ["-sf", path, "-i", "127.0.0.1", "-p", str(port), "-nostdin",
             "-trace_err", "-error_file", os.path.join(wd, name + ".err")]
    if trace:
        args += ["-trace_msg", "-message_file", os.path.join(wd, name + ".msg")]
    for k, v in (keys or {}).items():
        args += ["-key", k, str(v)]
    args += list(extra)
    return spawn(args, os.path.join(wd, name + ".out"))


INVITE_HDRS = ["Supported: timer"]    # timer mode, no Session-Expires


def start_pair(wd, k, name, n, rate, silent=False, trace=False, answer_spread_ms=0,
               answers_to_via=False):
    """Callee then caller of n calls at `rate` calls/s through the proxy;
    answer_spread_ms: each probe answered after a random 0..M ms;
    answers_to_via: to the probe's Via (SIPp: to where the call began)."""
    callee_port = free_udp_port()
    callee_xml = scenarios.callee(silent_after=0 if silent else None,
                                  answer_spread_ms=answer_spread_ms,
                                  answers_to_via=answers_to_via)
    lim = ["-l", str(n + 100), "-max_reconnect", "0"]
    ce = sipp(wd, name + "_callee", callee_xml, callee_port,
              extra=["-m", str(n)] + lim, trace=trace)
    time.sleep(0.3)
    ca = sipp(wd, name + "_caller", scenarios.caller(invite_hdrs=INVITE_HDRS,
                                                     answer_spread_ms=answer_spread_ms,
                                                     answers_to_via=answers_to_via),
              free_udp_port(), remote="127.0.0.1:%d" % k.port,
              keys={"callee": "127.0.0.1:%d" % callee_port},
              extra=["-m", str(n), "-r", str(rate)] + lim, trace=trace)
    return ce, ca


def start_main_pairs(wd, k, n, rate, pair_size, answer_spread_ms=0, answers_to_via=False):
    """The main calls over ceil(n / pair_size) SIPp pairs main0, main1, ...
    (no SIPp process has to hold 50000 calls and their probes alone):
    calls and rate split evenly, each pair its own -m and -l.
    Returns (processes, pair names)."""
    pairs = max(1, -(-n // max(1, pair_size)))
    procs, names = [], []
    for i in range(pairs):
        ni = n // pairs + (1 if i < n % pairs else 0)
        ri = max(1, int(round(rate * ni / float(n))))
        procs += start_pair(wd, k, "main%d" % i, ni, ri,
                            answer_spread_ms=answer_spread_ms,
                            answers_to_via=answers_to_via)
        names.append("main%d" % i)
    return procs, names


def wait_ramp(k, target, timeout_s, what, stall_s=30):
    """Wait for `target` dialogs up; never raises. Gives up after timeout_s,
    or when the most dialogs seen up has not grown for stall_s (calls failing
    or being cut while the others come up). Returns the most seen up."""
    t_start = time.time()
    deadline = t_start + timeout_s
    best, t_best, last_print = -1, t_start, 0
    while True:
        a = k.stats("active_dialogs").get("active_dialogs", 0)
        if a > best:
            best, t_best = a, time.time()
        if a >= target:
            return a
        now = time.time()
        if now > deadline or now - t_best > stall_s:
            log("  %s: only %d of %d up (at most %d) after %.0fs; going on" %
                (what, a, target, best, now - t_start))
            return best
        if now - last_print > 5:
            log("  %s: %d/%d dialogs up" % (what, a, target))
            last_print = now
        time.sleep(0.5)


def wait_active(k, target, timeout_s, what):
    deadline = time.time() + timeout_s
    last, last_print = -1, 0
    while time.time() < deadline:
        a = k.stats("active_dialogs").get("active_dialogs", 0)
        if a >= target:
            return a
        if time.time() - last_print > 5:
            log("  %s: %d/%d dialogs up" % (what, a, target))
            last_print = time.time()
        last = a
        time.sleep(0.5)
    raise RuntimeError("%s: only %d of %d calls up after %.0fs" %
                       (what, last, target, timeout_s))


def sipp_bye_count(wd, name, received=True):
    """BYEs the SIPp instance received (its last screen, printed when it is
    stopped): for the main pair, calls the proxy cut."""
    try:
        with open(os.path.join(wd, name + ".out"), errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    pat = r"^\s*-+> BYE\s+(\d+)" if name.endswith("_callee") else r"^\s*BYE <-+\s+(\d+)"
    found = re.findall(pat, text, re.M)
    return int(found[-1]) if found else None


def sipp_failed_calls(wd, name):
    """The "Failed call" counter (cumulative) of the SIPp instance's last
    screen, printed when it is stopped."""
    try:
        with open(os.path.join(wd, name + ".out"), errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    found = re.findall(r"^\s*Failed call\s*\|\s*\d+\s*\|\s*(\d+)", text, re.M)
    return int(found[-1]) if found else None


def sum_known(values):
    """Sum of the values that are not None; None if all are."""
    v = [x for x in values if x is not None]
    return sum(v) if v else None


def silent_detection(wd, name):
    """Per silent call: BYE received by the callee - its 200 OK sent (s)."""
    from harness import parse_sipp_messages
    msgs = parse_sipp_messages(os.path.join(wd, name + "_callee.msg"))
    ok, bye = {}, {}
    for m in msgs:
        cid = m.header("call-id")
        if m.sent and m.status == 200 and m.method == "INVITE":
            ok.setdefault(cid, m.ts)
        elif not m.sent and m.is_request and m.method == "BYE":
            bye.setdefault(cid, m.ts)
    return [bye[c] - ok[c] for c in ok if c in bye], len(ok)


HIST_BOUNDS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000]


def hist_pct(h0, h1, q):
    """q-th percentile's bucket bound (ms) of the lateness histogram diff."""
    counts = [h1.get("lateness_le_%dms" % b, 0) - h0.get("lateness_le_%dms" % b, 0)
              for b in HIST_BOUNDS]
    counts.append(h1.get("lateness_gt_2000ms", 0) - h0.get("lateness_gt_2000ms", 0))
    total = sum(counts)
    if total <= 0:
        return None, 0
    need, acc = q / 100.0 * total, 0
    for i, c in enumerate(counts):
        acc += c
        if acc >= need:
            return (HIST_BOUNDS[i] if i < len(HIST_BOUNDS) else float("inf")), total
    return float("inf"), total


def ka_lateness(recs, interval):
    """Keepalive deadlines seen on the wire, per leg (Call-ID, port): the
    first OPTIONS is due `interval` after the ACK the proxy relayed (the
    dialog arms it on the ACK), each later one `interval` after the previous
    one (it re-arms when it sends). Signed ms, negative = early (the dialog
    module counts in whole seconds)."""
    ack = {}
    for t, m, dport, br, cid in recs:
        if m == "ACK":
            ack.setdefault(cid, t)
    legs = {}
    for t, m, dport, br, cid in probes_first_tx(recs):
        legs.setdefault((cid, dport), []).append(t)
    late = []
    for (cid, _), ts in legs.items():
        prev = ack.get(cid)
        for t in ts:
            if prev is not None:
                late.append((t - prev - interval) * 1000.0)
            prev = t
    return late


# ---------------------------------------------------------------- one run

def idle_window(k, seconds):
    """CPU seconds per process role over `seconds` with no call, the
    window's length and the number of processes."""
    c0, t0 = k.cpu_pids(), time.time()
    time.sleep(seconds)
    c1 = k.cpu_pids()
    return (cpu_by_role(c0, c1, k.process_names(), digits=6),
            round(time.time() - t0, 2), len(c1))


def net_us(r):
    """CPU per probe exchange net of Kamailio's idle rate (us): the window's
    CPU less what the same Kamailio burnt per second with no call (its idle
    window) times the window's length; None without an idle window."""
    idle, idle_s = r.get("idle"), r.get("idle_s")
    if not idle or not idle_s or not r.get("uac") or r.get("window_s") is None:
        return None
    rate = sum(idle.values()) / idle_s
    return (r["cpu_s"] - rate * r["window_s"]) / r["uac"] * 1e6


def run_system(r, args, module, base_wd):
    """One run of r["system"] with r["n"] calls; fills r as it goes (what
    was measured stays in r when the run fails half-way)."""
    n, system = r["n"], r["system"]
    rate, window_s, silent_n = args.rate, args.window, silent_count(n)
    wd = tempfile.mkdtemp(prefix="%s-%d-" % (system, n), dir=base_wd)
    r["workdir"] = os.path.relpath(wd, ROOT)
    via = args.probe_port     # SIPp answers to the Via with a probe_port
    k = Kamailio(wd, system, module=module, shm_manager=args.shm_manager,
                 probe_port=args.probe_port)
    cap = Capture(wd, k.port, k.probe_port)
    k.start()
    procs, silent_procs, main_names = [], [], []
    sc = r["scale"] = {}
    rcvbuf0 = udp_rcvbuf_errors()
    try:
        # ---- idle: Kamailio up, no call yet
        if args.idle > 0:
            log("%s N=%d: Kamailio up (udp %d), idle window %ds" %
                (system, n, k.port, args.idle))
            r["idle"], r["idle_s"], r["idle_processes"] = idle_window(k, args.idle)
        shm0 = {"vos_timer": k.mod_shm("vos_timer"), "dialog": k.mod_shm("dialog")}
        sc["shm_used_before"] = k.shm_used()
        log("%s N=%d: Kamailio up (udp %d), %d calls at %d cps" %
            (system, n, k.port, n, rate))
        t_ramp = time.time()
        pp, main_names = start_main_pairs(wd, k, n, rate, args.pair_size,
                                          answers_to_via=via)
        procs += pp
        sc["pairs"] = len(main_names)
        up = wait_ramp(k, n, n / rate * 4 + 60, "main calls")
        r["ramp_s"] = sc["ramp_s"] = round(time.time() - t_ramp, 1)
        sc["dialogs_up_max"] = up
        sc["not_up"] = n - up
        log("  %d of %d calls up in %.1fs (%d SIPp pairs); %d silent calls" %
            (up, n, r["ramp_s"], len(main_names), silent_n))
        base = k.stats("active_dialogs").get("active_dialogs", 0)
        silent_procs = list(start_pair(wd, k, "silent", silent_n, min(200, silent_n * 2),
                                       silent=True, trace=True, answers_to_via=via))
        t_silent = time.time()
        # not fatal: when live calls are being cut (the keepalive at large
        # N) the count may never reach it; the silent calls' own figures
        # come from their callee's trace
        wait_ramp(k, base + silent_n, 60, "silent calls", stall_s=10)
        managed = k.stats("active_dialogs")["active_dialogs"]
        shm1 = {"vos_timer": k.mod_shm("vos_timer"), "dialog": k.mod_shm("dialog")}
        sc["shm_used_up"] = k.shm_used()
        r["managed_at_shm"] = managed
        r["shm"] = {m: {"start": shm0[m], "up": shm1[m]} for m in shm0}
        time.sleep(2)
        # ---- steady window
        pids0 = k.cpu_pids()
        st0 = k.stats("UAC_transactions", "vos_timer:")
        t0 = time.time()
        log("  window %ds starts (%d Kamailio processes)" % (window_s, len(pids0)))
        while time.time() - t0 < window_s:
            time.sleep(min(10, window_s - (time.time() - t0)))
            if time.time() - t0 < window_s - 1:
                log("  window: %.0fs" % (time.time() - t0))
        pids1 = k.cpu_pids()
        st1 = k.stats("UAC_transactions", "vos_timer:")
        t1 = time.time()
        names = k.process_names()
        r["cpu_by_role"] = cpu_by_role(pids0, pids1, names)
        # ---- scale figures at the end of the window
        sc["tm_inuse_end"] = k.stats("inuse_transactions").get("inuse_transactions")
        pkg = k.pkg_by_pid()
        dl = [p for p, nm in names.items() if role_of(nm) == "vos_timer deadlines"]
        if dl and dl[0] in pkg:
            sc["pkg_deadlines"] = dict(pkg[dl[0]], pid=dl[0])
        udp = [p for p, nm in names.items() if role_of(nm) == "udp receiver" and p in pkg]
        if udp:
            busiest = max(udp, key=lambda p: pids1.get(p, 0) - pids0.get(p, 0))
            sc["pkg_udp_busiest"] = dict(pkg[busiest], pid=busiest,
                                         cpu_s=round((pids1.get(busiest, 0) -
                                                      pids0.get(busiest, 0)) / 1e9, 3))
            sc["pkg_udp_max_real_used"] = max(pkg[p].get("real_used", 0) for p in udp)
            # qm's free fragments per worker: a malloc scans its buckets
            # upward to the first fragment that fits
            sc["pkg_udp_frags"] = sorted(pkg[p].get("total_frags", -1) for p in udp)
        r["window_s"] = round(t1 - t0, 2)
        r["kamailio_processes"] = len(pids0)
        cpu_s = cpu_between(pids0, pids1)
        r["cpu_s"] = round(cpu_s, 3)
        r["uac"] = exchanges(st0, st1)
        r["cpu_us_per_probe"] = cpu_s / r["uac"] * 1e6 if r["uac"] else None
        r["cpu_net_us_per_probe"] = net_us(r)
        if system == "vos_timer":
            r["hist_p50"], r["hist_n"] = hist_pct(st0, st1, 50)
            r["hist_p99"], _ = hist_pct(st0, st1, 99)
        # ---- silent calls: wait for their BYEs
        log("  waiting for the silent calls' BYEs")
        deadline = t_silent + DETECT_TARGET + 30
        while time.time() < deadline and silent_procs[0].poll() is None:
            time.sleep(0.5)
        time.sleep(1)
        vs = k.struct("vos_timer.stats")
        r["vos_stats"] = {x: vs.get(x) for x in (
            "lateness_p50_ms", "lateness_p99_ms", "lateness_max_ms",
            "probes_peak_100ms", "probes_sent", "probes_confirmed",
            "probes_failed", "teardown_total")}
        d = k.stats("dialog:")
        r["dialog_stats"] = {x: d.get(x) for x in (
            "active_dialogs", "expired_dialogs", "failed_dialogs", "processed_dialogs")}
        r["main_calls_left"] = d.get("active_dialogs")
    finally:
        # per socket, while they are all still open
        r["udp_drops_kamailio"], r["udp_drops_other"] = udp_socket_drops(k.port)
        for p in procs + silent_procs:
            stop(p, wait_s=3.0)
        k.stop()
        recs, drops = cap.finish()
        r["udp_rcvbuf_drops"] = udp_rcvbuf_errors() - rcvbuf0
        # SIPp prints its last screen when stopped: read it even if the
        # run failed, it says what happened to the calls
        sc["sipp_failed"] = sum_known(sipp_failed_calls(wd, nm + "_caller")
                                      for nm in main_names)
        r["main_byes_callee"] = sum_known(sipp_bye_count(wd, nm + "_callee")
                                          for nm in main_names)
        r["main_byes_caller"] = sum_known(sipp_bye_count(wd, nm + "_caller")
                                          for nm in main_names)
    det, sil_total = silent_detection(wd, "silent")
    r["silent_calls"] = sil_total
    r["silent_detected"] = len(det)
    r["detect_median_s"] = statistics.median(det) if det else None
    r["detect_max_s"] = max(det) if det else None
    pr = probes_first_tx(recs)
    times = [x[0] for x in pr]
    r["capture_drops"] = drops
    r["capture_probes_total"] = len(times)
    r["capture_probes_window"] = sum(1 for t in times if t0 <= t < t1)
    r["peak_100ms"] = peak_per_100ms(times)
    if system == "keepalive":
        late = ka_lateness(recs, KA_INTERVAL)
        r["ka_late_n"] = len(late)
        r["ka_late_p50"] = pct(late, 50)
        r["ka_late_p99"] = pct(late, 99)
        r["ka_late_max"] = max(late) if late else None
        r["ka_late_min"] = min(late) if late else None
    log("  done: %.1f us CPU/probe, %d probes in window, peak %d/100ms, "
        "silent detected %d/%d median %s s" % (
            r["cpu_us_per_probe"] or -1, r["uac"], r["peak_100ms"],
            r["silent_detected"], sil_total,
            "%.2f" % r["detect_median_s"] if det else "n/a"))
    return r


def ctx_switches(pids):
    """Voluntary context switches (times a process went to sleep, i.e. was
    woken again) of each pid: {pid: count}."""
    out = {}
    for p in pids:
        try:
            with open("/proc/%d/status" % p) as f:
                for ln in f:
                    if ln.startswith("voluntary_ctxt_switches"):
                        out[p] = int(ln.split()[1])
        except OSError:
            pass
    return out


def run_cpu_only(n, system, args, module, base_wd):
    """One light run for the repeated CPU figure (--repeats): Kamailio and
    the main pairs only (no silent pair or capture); an idle window of
    args.repeat_idle s before the calls (0: none); all calls up,
    REPEAT_SETTLE_S, then a window of one probe interval: every call's
    legs are probed once in it, by either system."""
    r = {"n": n, "system": system}
    wd = tempfile.mkdtemp(prefix="repeat-%s-%d-" % (system, n), dir=base_wd)
    k = Kamailio(wd, system, module=module, shm_manager=args.shm_manager,
                 probe_port=getattr(args, "probe_port", False))
    k.start()
    procs = []
    try:
        if getattr(args, "repeat_idle", 0) > 0:
            r["idle"], r["idle_s"], _ = idle_window(k, args.repeat_idle)
        procs, _ = start_main_pairs(wd, k, n, args.rate, args.pair_size,
                                    getattr(args, "answer_spread_ms", 0),
                                    getattr(args, "probe_port", False))
        up = wait_ramp(k, n, n / args.rate * 4 + 60, "main calls")
        if up < n:
            raise RuntimeError("%d of %d calls up" % (up, n))
        time.sleep(REPEAT_SETTLE_S)
        names = k.process_names()
        pids0, st0 = k.cpu_pids(), k.stats("UAC_transactions", "vos_timer:")
        cs0, t0 = ctx_switches(pids0), time.time()
        time.sleep(INTERVAL)
        pids1, st1 = k.cpu_pids(), k.stats("UAC_transactions", "vos_timer:")
        cs1 = ctx_switches(pids1)
        r["window_s"] = round(time.time() - t0, 2)
        r["uac"] = exchanges(st0, st1)
        r["cpu_s"] = round(cpu_between(pids0, pids1), 4)
        r["cpu_us_per_probe"] = r["cpu_s"] / r["uac"] * 1e6 if r["uac"] else None
        r["cpu_net_us_per_probe"] = net_us(r)
        r["cpu_by_role"] = cpu_by_role(pids0, pids1, names, digits=4)
        def wakeups(role):
            return sum(cs1.get(p, 0) - cs0.get(p, 0)
                       for p, nm in names.items() if role_of(nm) == role)
        r["worker_wakeups"] = wakeups("udp receiver")
        r["sender_wakeups"] = wakeups("vos_timer deadlines" if system == "vos_timer"
                                      else "Dialog KA Timer")
        # the module's own count: most probes sent in one 100 ms slice
        # since start-up (the set-up and the first round; no capture here)
        r["module_peak_100ms"] = st1.get("probes_peak_100ms")
    except Exception as e:
        r["error"] = str(e)
        log("  repeat %s N=%d FAILED: %s" % (system, n, e))
    finally:
        for p in procs:
            stop(p, wait_s=3.0)
        k.stop()
    if "error" not in r:
        log("  repeat %s N=%d: %.1f us CPU/probe, %d probes, wake-ups: workers %d, "
            "sender %d" % (system, n, r["cpu_us_per_probe"] or -1, r["uac"],
                           r["worker_wakeups"], r["sender_wakeups"]))
    return r


def run_repeats(n, args, module, base_wd):
    """--repeats pairs of light runs at N, back to back; the first system
    alternates (ABBA...), so that a slow drift of the machine's speed
    weighs on both alike. [[vos_timer run, keepalive run], ...]"""
    pairs = []
    for i in range(args.repeats):
        order = ("vos_timer", "keepalive") if i % 2 == 0 else ("keepalive", "vos_timer")
        log("repeat %d/%d at N=%d: %s first" % (i + 1, args.repeats, n, order[0]))
        got = {s: run_cpu_only(n, s, args, module, base_wd) for s in order}
        pairs.append({"first": order[0], "vos_timer": got["vos_timer"],
                      "keepalive": got["keepalive"]})
    return pairs


def answer_spread_main(args, base_wd, module):
    """--answer-spread M: --repeats pairs of light runs per N in two answer
    models, the endpoints answering each probe at once (as in make bench)
    and after a uniformly random 0..M ms (as endpoints at different
    distances do); the models and the first system alternate. Writes
    --answer-spread-out."""
    runs = []
    for n in args.sizes:
        for i in range(args.repeats):
            models = (0, args.answer_spread) if i % 2 == 0 else (args.answer_spread, 0)
            for ms in models:
                args.answer_spread_ms = ms
                order = ("vos_timer", "keepalive") if i % 2 == 0 else ("keepalive", "vos_timer")
                log("answer spread %d ms, N=%d, pair %d/%d: %s first" % (
                    ms, n, i + 1, args.repeats, order[0]))
                got = {sy: run_cpu_only(n, sy, args, module, base_wd) for sy in order}
                runs.append({"n": n, "spread_ms": ms, "pair": i, "runs": got})
    with open(os.path.join(base_wd, "answer-spread.json"), "w") as f:
        json.dump(runs, f, indent=1, default=str)
    return write_report(answer_spread_report(runs, args), args.answer_spread_out,
                        os.path.join(base_wd, "answer-spread.json"))


def answer_spread_report(runs, args):
    def per_ex(r, role):
        return 1e6 * r.get("cpu_by_role", {}).get(role, 0) / r["uac"]

    def med(v):
        return statistics.median(v) if v else None

    def f1(x):
        return "-" if x is None else "%.1f" % x

    def f2(x):
        return "-" if x is None else "%.2f" % x

    L = ["# vos_timer vs. dialog keepalive when endpoints answer at different times: "
         "bench/run.py --answer-spread %d" % args.answer_spread, "",
         "- date: %s; git: %s; module: %s" % (
             datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
             args.git, args.module_label),
         "- machine: %s cores, kernel %s; Kamailio, SIPp on the same machine, 127.0.0.1; "
         "probe settings as make bench (vos_timer I = %d s, OPTIONS; dialog keepalive "
         "ka_interval %d, ka_timer 1; 8 UDP workers)" % (
             os.cpu_count(), platform.release(), INTERVAL, KA_INTERVAL),
         "- each row: light runs as make bench's repeated pairs (Kamailio and the "
         "main SIPp pairs only, a %d s idle window, all calls up, %d s, then a %d s "
         "window); answers at once: SIPp answers a probe as soon as it reads it (as "
         "in make bench); spread: SIPp waits a uniformly random 0..%d ms before each "
         "answer (a SIPp pause), as endpoints at different distances answer. The "
         "answer models and the first system alternate per pair." % (
             args.repeat_idle, REPEAT_SETTLE_S, INTERVAL, args.answer_spread),
         "- " + probe_port_line(args),
         "- us: Kamailio's CPU (schedstat, every process) per probe exchange; "
         "net: less its idle rate; sender: the deadline process / the Dialog KA "
         "Timer; workers: the UDP workers; wake-ups: the workers' voluntary context "
         "switches per probe exchange (each answer is one datagram a worker reads)",
         "",
         "| N | answers | pairs | vos_timer us (net) | keepalive us (net) | ratio "
         "median (range) | net ratio | sender us vt / ka | workers us vt / ka | "
         "worker wake-ups per answer vt / ka |",
         "|---|---|---|---|---|---|---|---|---|---|"]
    keys = sorted({(x["n"], x["spread_ms"]) for x in runs})
    for n, ms in keys:
        ok = [x["runs"] for x in runs if x["n"] == n and x["spread_ms"] == ms
              and not x["runs"]["vos_timer"].get("error")
              and not x["runs"]["keepalive"].get("error")
              and x["runs"]["vos_timer"].get("uac") and x["runs"]["keepalive"].get("uac")]
        bad = sum(1 for x in runs if x["n"] == n and x["spread_ms"] == ms) - len(ok)
        label = "at once" if ms == 0 else "spread 0..%d ms" % ms
        if not ok:
            L.append("| %d | %s | 0 (%d failed) | | | | | | | |" % (n, label, bad))
            continue
        vt = [p["vos_timer"] for p in ok]
        ka = [p["keepalive"] for p in ok]
        ratios = [a["cpu_us_per_probe"] / b["cpu_us_per_probe"] for a, b in zip(vt, ka)]
        nets = [a["cpu_net_us_per_probe"] / b["cpu_net_us_per_probe"] for a, b in zip(vt, ka)
                if a.get("cpu_net_us_per_probe") and b.get("cpu_net_us_per_probe")]
        L.append("| %d | %s | %d%s | %s (%s) | %s (%s) | **%s** (%s..%s) | %s | %s / %s | "
                 "%s / %s | %s / %s |" % (
                     n, label, len(ok), " (%d failed)" % bad if bad else "",
                     f1(med([r["cpu_us_per_probe"] for r in vt])),
                     f1(med([r.get("cpu_net_us_per_probe") for r in vt
                             if r.get("cpu_net_us_per_probe")])),
                     f1(med([r["cpu_us_per_probe"] for r in ka])),
                     f1(med([r.get("cpu_net_us_per_probe") for r in ka
                             if r.get("cpu_net_us_per_probe")])),
                     f2(med(ratios)), f2(min(ratios)), f2(max(ratios)), f2(med(nets)),
                     f1(med([per_ex(r, "vos_timer deadlines") for r in vt])),
                     f1(med([per_ex(r, "Dialog KA Timer") for r in ka])),
                     f1(med([per_ex(r, "udp receiver") for r in vt])),
                     f1(med([per_ex(r, "udp receiver") for r in ka])),
                     f2(med([r["worker_wakeups"] / r["uac"] for r in vt])),
                     f2(med([r["worker_wakeups"] / r["uac"] for r in ka]))))
    L.append("")
    return "\n".join(L) + "\n"


def run_spread(label, system, module, n, rate, base_wd, shm_manager=None):
    """n calls answered within ~n/rate s; capture the first probe round."""
    wd = tempfile.mkdtemp(prefix="spread-%s-" % label, dir=base_wd)
    k = Kamailio(wd, system, module=module, shm_manager=shm_manager)
    cap = Capture(wd, k.port)
    k.start()
    procs = []
    r = {"label": label, "n": n}
    try:
        t0 = time.time()
        procs += start_pair(wd, k, "main", n, rate)
        wait_active(k, n, 60, "spread calls")
        r["answered_within_s"] = round(time.time() - t0, 2)
        log("  spread %s: %d calls up in %.2fs; waiting for the first round" %
            (label, n, r["answered_within_s"]))
        while time.time() < t0 + r["answered_within_s"] + INTERVAL + 3:
            time.sleep(0.5)
        vs = k.struct("vos_timer.stats")
        r["module_peak"] = vs.get("probes_peak_100ms")
    finally:
        for p in procs:
            stop(p, wait_s=3.0)
        k.stop()
        recs, drops = cap.finish()
    times = sorted(x[0] for x in probes_first_tx(recs))
    r["probes"] = len(times)
    r["capture_drops"] = drops
    r["peak_100ms"] = peak_per_100ms(times)
    r["spread_s"] = round(times[-1] - times[0], 2) if times else None
    log("  spread %s: %d probes over %.2fs, peak %d per 100 ms" %
        (label, r["probes"], r["spread_s"] or 0, r["peak_100ms"]))
    return r


# ---------------------------------------------------------------- overload

OVERLOAD_TTL = 2          # session_ttl 2, update_segment 2: I = 1 s, so
OVERLOAD_SEGMENT = 2      # N calls make 2N probe requests per second
OVERLOAD_WARN = "deadlines started more than 100 ms late"


def run_overload(n, args, module, base_wd):
    """vos_timer alone with N calls probed every second (2N probes/s): is
    the deadline process on time, and when it is not, does it degrade as
    it should (late probes counted, one WARNING a minute, no live call
    cut)? The endpoints (SIPp) share the machine's two cores."""
    r = {"n": n, "probes_due_per_s": 2 * n}
    wd = tempfile.mkdtemp(prefix="overload-%d-" % n, dir=base_wd)
    r["workdir"] = os.path.relpath(wd, ROOT)
    k = Kamailio(wd, "vos_timer", module=module, shm_manager=args.shm_manager,
                 session_ttl=OVERLOAD_TTL, update_segment=OVERLOAD_SEGMENT)
    k.start()
    procs, names = [], []
    try:
        log("overload N=%d (%d probes/s due): %d calls at %d cps" %
            (n, 2 * n, n, args.rate))
        procs, names = start_main_pairs(wd, k, n, args.rate, args.pair_size)
        r["up"] = wait_ramp(k, n, n / args.rate * 4 + 60, "overload calls")
        time.sleep(5)
        st0 = k.stats("vos_timer:")
        vs0 = k.struct("vos_timer.stats")
        pids0 = k.cpu_pids()
        t0 = time.time()
        time.sleep(args.window)
        st1 = k.stats("vos_timer:")
        vs1 = k.struct("vos_timer.stats")
        roles = cpu_by_role(pids0, k.cpu_pids(), k.process_names())
        r["window_s"] = round(time.time() - t0, 1)
        r["probes_sent_per_s"] = round(
            (vs1["probes_sent"] - vs0["probes_sent"]) / r["window_s"])
        r["probes_late"] = vs1["probes_late"] - vs0["probes_late"]
        r["probes_failed"] = vs1["probes_failed"] - vs0["probes_failed"]
        r["p50"], _ = hist_pct(st0, st1, 50)
        r["p99"], _ = hist_pct(st0, st1, 99)
        r["late_max_ms"] = vs1["lateness_max_ms"]
        r["deadline_cpu_pct"] = round(100.0 * roles.get("vos_timer deadlines", 0)
                                      / r["window_s"], 1)
        r["kamailio_cpu_pct"] = round(100.0 * sum(roles.values()) / r["window_s"], 1)
        r["teardowns"] = vs1["teardown_total"] - vs0["teardown_total"]
    finally:
        for p in procs:
            stop(p, wait_s=3.0)
        k.stop()
    with open(os.path.join(wd, "kamailio.log"), errors="replace") as f:
        r["warnings"] = sum(1 for ln in f if OVERLOAD_WARN in ln)
    # a call cut gets the proxy's BYE on both legs: count the callees'
    r["live_cut"] = sum_known(sipp_bye_count(wd, nm + "_callee") for nm in names)
    log("  overload N=%d: sent %s/s, p99 %s ms, late %s, warnings %s, cut %s" % (
        n, r.get("probes_sent_per_s"), r.get("p99"), r.get("probes_late"),
        r["warnings"], r["live_cut"]))
    return r


def overload_main(args, base_wd, module):
    rows = []
    for n in args.sizes:
        try:
            rows.append(run_overload(n, args, module, base_wd))
        except Exception as e:
            log("  overload N=%d FAILED: %s" % (n, e))
            rows.append({"n": n, "error": str(e)})
    with open(os.path.join(base_wd, "overload.json"), "w") as f:
        json.dump(rows, f, indent=1)
    L = ["# vos_timer under overload: bench/run.py --overload", "",
         "- date: %s; git: %s; module: %s" % (
             datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
             args.git, args.module_label),
         "- machine: %s cores; Kamailio, SIPp (pairs of at most %d calls) on the "
         "same machine; session_ttl %d, update_segment %d (each call probes both legs "
         "every %d s), tm fr_timer %d ms, 8 UDP workers; calls set up at %d cps; "
         "window %d s, 5 s after all calls are up" % (
             os.cpu_count(), args.pair_size, OVERLOAD_TTL, OVERLOAD_SEGMENT,
             OVERLOAD_TTL // OVERLOAD_SEGMENT, FR_TIMER_MS, args.rate, args.window),
         "",
         "| calls | probes due / s | probes sent / s | lateness p50 / p99 (ms, window) | "
         "latest (ms, since start) | probes_late | lateness WARNINGs | probes failed | "
         "teardowns | live calls cut | deadline process CPU % | Kamailio CPU % |",
         "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if "error" in r:
            L.append("| %d | failed: %s |||||||||||" % (r["n"], r["error"]))
            continue
        L.append("| %d | %d | %s | %s / %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["n"], r["probes_due_per_s"], r.get("probes_sent_per_s"),
            fmt(r.get("p50"), "%.0f"), fmt(r.get("p99"), "%.0f"), r.get("late_max_ms"),
            r.get("probes_late"), r["warnings"], r.get("probes_failed"),
            r.get("teardowns"), r["live_cut"], r.get("deadline_cpu_pct"),
            r.get("kamailio_cpu_pct")))
    L += ["", "probes_late: probe requests sent more than 100 ms after their time "
          "(vos_timer.stats, over the window); lateness WARNINGs: lines in the "
          "whole run's log (at most one a minute); live calls cut: BYEs the SIPp "
          "endpoints received (every call is live); CPU: schedstat over the window, "
          "% of one core.", ""]
    with open(args.overload_out, "w") as f:
        f.write("\n".join(L))
    print("\n".join(L))
    log("written to %s" % os.path.relpath(args.overload_out, ROOT))
    return 0


def build_at(commit, why=""):
    """vos_timer.so of `commit`, built from `git archive` under
    test/out/bench (the working tree is not touched); built once."""
    d = os.path.join(OUT, "module-" + commit)
    so = os.path.join(d, "modules", "vos_timer", "vos_timer.so")
    if os.path.exists(so):
        return so
    os.makedirs(d, exist_ok=True)
    arch = subprocess.run(["git", "-C", ROOT, "archive", commit, "modules/vos_timer"],
                          capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", d], input=arch, check=True)
    src = subprocess.run([os.path.join(ROOT, "scripts", "deps.sh"), "path"],
                         capture_output=True, text=True, check=True).stdout.strip()
    log("building vos_timer.so of %s%s" % (commit, why))
    subprocess.run(["make", "-s", "-C", os.path.dirname(so), "KAMAILIO_SRC=" + src],
                   check=True, stdout=subprocess.DEVNULL)
    return so


def resolve_module(spec, why=""):
    """--module: an existing file is used as it is; anything else is a git
    commit (hash, tag, branch) whose module build_at() builds under
    test/out/bench. Returns (path of vos_timer.so, label for the report)."""
    if os.path.isfile(spec):
        path = os.path.abspath(spec)
        if path == MODULE:
            return path, "working tree"
        return path, os.path.relpath(path, ROOT)
    if os.path.abspath(spec) == MODULE:
        raise RuntimeError("%s not built (make build, or --module COMMIT)" %
                           os.path.relpath(MODULE, ROOT))
    # a short hash names the build directory: "HEAD" or a branch must not
    # reuse a build of what they pointed at before
    r = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short",
                        "--verify", spec + "^{commit}"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("--module %s: neither a file nor a git commit" % spec)
    commit = r.stdout.strip()
    return build_at(commit, why), "commit " + commit


# ---------------------------------------------------------------- profile

def profile_module():
    """bench/profile.py, loaded by path: `import profile` would be the
    standard library's module of that name."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "vt_bench_profile", os.path.join(HERE, "profile.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run_profile(n, label, system, module, args, base_wd, probe_port=False):
    """Profile mode: n calls (main pairs only: no silent pair, no capture),
    then `perf record` of every Kamailio process over args.window seconds,
    classified by bench/profile.py. probe_port: this module with a
    probe_port (with --probe-port SIPp answers to the Via in every run).
    Returns the run's dict."""
    prof = profile_module()
    r = {"n": n, "label": label, "system": system}
    wd = tempfile.mkdtemp(prefix="profile-%s-%d-" % (system, n), dir=base_wd)
    r["workdir"] = os.path.relpath(wd, ROOT)
    k = Kamailio(wd, system, module=module, shm_manager=args.shm_manager,
                 probe_port=probe_port)
    k.start()
    procs = []
    data = os.path.join(wd, "perf.data")
    try:
        log("profile %s N=%d: Kamailio up (udp %d), %d calls at %d cps" %
            (label, n, k.port, n, args.rate))
        t_ramp = time.time()
        pp, names = start_main_pairs(wd, k, n, args.rate, args.pair_size,
                                     answers_to_via=args.probe_port)
        procs += pp
        up = wait_ramp(k, n, n / args.rate * 4 + 60, "main calls")
        r["ramp_s"] = round(time.time() - t_ramp, 1)
        if up < n:
            raise RuntimeError("only %d of %d calls up" % (up, n))
        # steady state: every call past its first probe (the keepalive sends
        # its first OPTIONS ka_interval after the ACK, vos_timer spreads its
        # first round over the first interval), else the window holds too
        # few probes for the fixed costs (timers, wake-ups) it also holds
        settle = args.profile_settle + 2
        log("  all %d calls up in %.1fs; steady state in %ds" % (n, r["ramp_s"], settle))
        time.sleep(settle)
        pids = k.cpu_pids()
        roles = {pid: role_of(nm) for pid, nm in k.process_names().items()}
        with open(os.path.join(wd, "roles.json"), "w") as f:
            json.dump(roles, f, indent=1)
        st0 = k.stats("UAC_transactions", "vos_timer:")
        t0 = time.time()
        log("  perf record of %d Kamailio processes, %ds" % (len(pids), args.window))
        perf = spawn(["perf", "record", "-e", "cpu-clock", "-F", "499",
                      "--call-graph", "dwarf,16384",
                      "-p", ",".join(str(p) for p in sorted(pids)),
                      "-o", data, "--", "sleep", str(args.window)],
                     os.path.join(wd, "perf.log"))
        try:
            perf.wait(args.window + 120)
        except subprocess.TimeoutExpired:
            stop(perf)
            raise RuntimeError("perf record did not end, see %s/perf.log" % wd)
        if perf in _procs:
            _procs.remove(perf)
        st1 = k.stats("UAC_transactions", "vos_timer:")
        # the UAC count spans perf's start-up and its writing of the data
        # too (well under a second): the figures per probe are a little low
        r["window_s"] = round(time.time() - t0, 2)
        r["uac"] = exchanges(st0, st1)
        if perf.returncode != 0 or not os.path.exists(data):
            raise RuntimeError("perf record failed (%s), see %s/perf.log" %
                               (perf.returncode, wd))
    finally:
        for p in procs:
            stop(p, wait_s=3.0)
        k.stop()
    t_a = time.time()
    res = prof.analyse(data, roles)
    r.update(res)
    total = sum(sum(g.values()) for g in res["ns"].values())
    log("  %d probe exchanges, %d samples, %.1f us per probe exchange "
        "(perf included); perf script took %.0fs" % (
            r["uac"], res["samples"], total / r["uac"] / 1000.0 if r["uac"] else -1,
            time.time() - t_a))
    if not args.keep_perf_data:
        os.unlink(data)    # tens of MB each
    return r


def profile_main(args, base_wd, module, module_label):
    """--profile: every N, every system; bench/profile.md and
    <work dir>/profile.json."""
    prof = profile_module()
    started = datetime.now(timezone.utc)
    systems = []
    if "vos_timer" in args.systems.split():
        if args.profile_before:
            so, lb = resolve_module(args.profile_before, " (profile before)")
            # the older module as it ran then: without a probe_port
            systems.append(("vos_timer before (%s)" % lb.replace("commit ", ""),
                            "vos_timer", so, False))
        now = ("vos_timer now" if module_label == "working tree"
               else "vos_timer (%s)" % module_label.replace("commit ", ""))
        systems.append((now + (", probe_port" if args.probe_port else ""),
                        "vos_timer", module, args.probe_port))
    if "keepalive" in args.systems.split():
        systems.append(("keepalive", "keepalive", module, args.probe_port))
    runs = []
    for n in args.sizes:
        for label, system, so, pport in systems:
            try:
                runs.append(run_profile(n, label, system, so, args, base_wd, pport))
            except Exception as e:  # report it, keep going
                log("  profile %s N=%d FAILED: %s" % (label, n, e))
                runs.append({"n": n, "label": label, "system": system,
                             "error": str(e)})
    labels = [s[0] for s in systems]
    settings = {
        "date": started.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "git": git_desc(),
        "lines": [
            "machine: %s cores, kernel %s; %s" % (
                os.cpu_count(), platform.release(),
                sh("kamailio -v | head -1 | sed 's/version: //'")),
            "modules: %s" % "; ".join("%s = %s" % (lb, os.path.relpath(so, ROOT))
                                      for lb, _, so, _ in systems),
            "N: %s calls per run, set up at %d cps over %s SIPp pair(s) of at most "
            "%d calls; no silent pair, no packet capture" % (
                " / ".join(str(n) for n in args.sizes), args.rate,
                "/".join(str(-(-n // args.pair_size)) for n in args.sizes),
                args.pair_size),
            "window: %d s, starting %d s after all calls are up (every call past its "
            "first probe); perf record -e cpu-clock -F 499 "
            "--call-graph dwarf,16384 -p <every Kamailio process>; perf script "
            "-F pid,period,ip,sym --no-inline" % (args.window, args.profile_settle + 2),
            "probe settings as make bench: vos_timer session_ttl %d, update_segment "
            "%d (I = %d s), OPTIONS; dialog keepalive ka_interval %d, ka_timer 1; "
            "tm fr_timer %d ms; 8 UDP workers, -m 1024%s" % (
                SESSION_TTL, UPDATE_SEGMENT, INTERVAL, KA_INTERVAL, FR_TIMER_MS,
                ", -x %s" % args.shm_manager if args.shm_manager else ""),
            probe_port_line(args),
            "raw figures: %s/profile.json" % os.path.relpath(base_wd, ROOT),
        ]}
    with open(os.path.join(base_wd, "profile.json"), "w") as f:
        json.dump({"settings": settings, "components": prof.COMPONENTS,
                   "role_groups": prof.ROLE_GROUPS, "runs": runs}, f, indent=1)
    prof.write_md(args.profile_out, runs, args.sizes, labels, settings)
    with open(args.profile_out) as f:
        print()
        print(f.read())
    log("profile written to %s (raw: %s/profile.json)" % (
        os.path.relpath(args.profile_out, ROOT), os.path.relpath(base_wd, ROOT)))
    return 0


# ---------------------------------------------------------------- report

def probe_port_line(args):
    """The answer path, for every report's settings."""
    if getattr(args, "probe_port", False):
        return ("vos_timer probe_port on (bench/kamailio-bench.cfg, a free port): its "
                "probes leave from that port and name it in their Via, and its "
                "deadline process reads their answers there (no UDP worker wakes); "
                "SIPp answers every request to its Via, as RFC 3261 18.2.2 says "
                "(both systems)")
    return ("vos_timer probe_port off (default): the probes leave from the listen "
            "socket and a UDP worker reads each answer; SIPp answers to where each "
            "call came from (both systems)")


def fmt(v, f="%.1f"):
    if v is None:
        return "n/a"
    if v == float("inf"):
        return ">2000"
    return f % v


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "n/a"
    return "%.2fx" % (a / b)


def sh(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, shell=True,
                              timeout=10).stdout.strip()
    except Exception:
        return "?"


def git_desc():
    """Short HEAD, with a note when the working tree has changes."""
    return "%s%s" % (sh("git -C %s rev-parse --short HEAD" % ROOT),
                     " (+ uncommitted changes)" if sh(
                         "git -C %s status --porcelain --untracked-files=no" % ROOT) else "")


def report(results, spread, heap, started, elapsed, args, repeats=None):
    L = []
    model = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
    L.append("# vos_timer vs. dialog keepalive: make bench")
    L.append("")
    L.append("- date: %s (run took %.1f min)" % (
        started.strftime("%Y-%m-%d %H:%M:%S UTC"), elapsed / 60))
    L.append("- machine: %s cores, %s, kernel %s, %s" % (
        os.cpu_count(), model, platform.release(),
        sh("free -g | awk '/Mem:/{print $2\" GiB RAM\"}'")))
    L.append("- Kamailio: %s; SIPp: %s; Python %s" % (
        sh("kamailio -v | head -1 | sed 's/version: //'"),
        sh("sipp -v 2>&1 | grep -o 'SIPp v[^ ]*' | head -1"),
        platform.python_version()))
    L.append("- git: %s; vos_timer module: %s" % (args.git, args.module_label))
    L.append("- load before the run: %s" % args.load_before)
    for x in getattr(args, "separate", []):
        L.append("- run separately: %s" % x)
    L.append("- settings: vos_timer session_ttl %d, update_segment %d (I = %d s), "
             "probe_method OPTIONS, early_hangup 0; dialog keepalive ka_interval %d, "
             "ka_timer 1, ka_failed_limit 1 (default), send_bye 1; tm fr_timer %d ms; "
             "8 UDP workers, -m 1024%s; calls set up at %s cps over SIPp pairs of at "
             "most %d calls; idle window %d s; window %d s; "
             "silent subset %s calls" % (
                 SESSION_TTL, UPDATE_SEGMENT, INTERVAL, KA_INTERVAL, FR_TIMER_MS,
                 ", -x %s" % args.shm_manager if args.shm_manager else "",
                 args.rate, args.pair_size, args.idle, args.window,
                 "/".join(str(silent_count(n)) for n in args.sizes)))
    L.append("- " + probe_port_line(args))
    L.append("")
    L.append("## Side by side")
    L.append("")
    L.append("| N | system | CPU us / probe exchange | probes in window | "
             "lateness p50 / p99 / max (ms) | silent callee -> BYE median / max (s) | "
             "module shm B/call (total / growth) | dialog shm B/call | "
             "peak probes / 100 ms (wire) | module probes_peak_100ms | live calls cut; dead left |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|")
    by = {(r["n"], r["system"]): r for r in results}
    for n in args.sizes:
        for sysname in ("vos_timer", "keepalive"):
            r = by.get((n, sysname))
            if r is None:
                continue
            if "error" in r:
                L.append("| %d | %s | failed: %s |||||||||" % (n, sysname, r["error"]))
                continue
            m = r["managed_at_shm"] or 1
            if sysname == "vos_timer":
                vs = r["vos_stats"]
                lat = "%s / %s / %s" % (vs["lateness_p50_ms"], vs["lateness_p99_ms"],
                                        vs["lateness_max_ms"])
                s = r["shm"]["vos_timer"]
                mshm = "%.0f / %.0f" % (s["up"] / m, (s["up"] - s["start"]) / m)
                mpeak = str(vs["probes_peak_100ms"])
            else:
                lat = "%s / %s / %s (wire)" % (fmt(r.get("ka_late_p50"), "%.0f"),
                                               fmt(r.get("ka_late_p99"), "%.0f"),
                                               fmt(r.get("ka_late_max"), "%.0f"))
                mshm = "- (not managing)"
                mpeak = "-"
            dsh = r["shm"]["dialog"]
            dshm = "%.0f" % ((dsh["up"] - dsh["start"]) / m)
            cut = max(x for x in (r["main_byes_callee"], r["main_byes_caller"]) if x is not None) \
                if (r["main_byes_callee"], r["main_byes_caller"]) != (None, None) else None
            cut = "%s; dead left %d" % ("n/a" if cut is None else cut,
                                         r["silent_calls"] - r["silent_detected"])
            cpu = fmt(r["cpu_us_per_probe"])
            if r.get("cpu_net_us_per_probe") is not None:
                cpu += " (net %s)" % fmt(r["cpu_net_us_per_probe"])
            L.append("| %d | %s | %s | %d | %s | %s / %s of %d/%d | %s | %s | %d | %s | %s |" % (
                n, sysname, cpu, r["uac"], lat,
                fmt(r["detect_median_s"], "%.2f"), fmt(r["detect_max_s"], "%.2f"),
                r["silent_detected"], r["silent_calls"], mshm, dshm,
                r["peak_100ms"], mpeak, cut))
        a, b = by.get((n, "vos_timer")), by.get((n, "keepalive"))
        if a and b and "error" not in a and "error" not in b:
            cr = ratio(a["cpu_us_per_probe"], b["cpu_us_per_probe"])
            if a.get("cpu_net_us_per_probe") and b.get("cpu_net_us_per_probe"):
                cr += "** (net **%s**)" % ratio(a["cpu_net_us_per_probe"],
                                                b["cpu_net_us_per_probe"])
            else:
                cr += "**"
            L.append("| %d | **ratio vos_timer / keepalive** | **%s | %s | - | %s | - | %s | %s | - | - |" % (
                n, cr,
                ratio(a["uac"], b["uac"]),
                ratio(a["detect_median_s"], b["detect_median_s"]),
                ratio((a["shm"]["dialog"]["up"] - a["shm"]["dialog"]["start"]) / (a["managed_at_shm"] or 1),
                      (b["shm"]["dialog"]["up"] - b["shm"]["dialog"]["start"]) / (b["managed_at_shm"] or 1)),
                ratio(a["peak_100ms"], b["peak_100ms"])))
    L.append("")
    L.append("How each figure is taken:")
    L.append("")
    L.append("- CPU us / probe exchange: time on CPU of every process of Kamailio's "
             "process group (the first field of /proc/<pid>/schedstat, the scheduler's own "
             "count in ns, summed over the process's threads) over the window, divided by the "
             "growth of tmx UAC_transactions plus vos_timer's probes_stateless over the same "
             "window (every probe through tm is one UAC transaction; vos_timer sends its "
             "probes over UDP to IP addresses itself, without tm, and counts them in "
             "probes_stateless; the window also holds the silent subset's BYEs, at most 2 per "
             "silent call, counted as UAC transactions in both systems alike). It covers the "
             "whole exchange: sending, tm's reply matching in the UDP workers, timers. "
             "net: the same less Kamailio's idle rate (its CPU per second over the idle "
             "window before the calls, every process) times the window's length: what "
             "Kamailio burns with no call at all (timer processes' ticks, about 0.1% of "
             "a core) is no cost of a probe; the fewer the calls, the larger its share "
             "of the figure.")
    L.append("- lateness, vos_timer: the module's own vos_timer.stats "
             "lateness_p50_ms / p99 / max since start-up (probes and teardowns; "
             "p50/p99 are histogram bucket bounds: 1, 2, 5, 10, 20, 50, 100 ... ms). "
             "Keepalive (wire): its deadlines rebuilt from the OPTIONS and ACKs the proxy sent, "
             "captured on lo: first OPTIONS of a leg due ka_interval after the ACK the proxy "
             "relayed (the dialog arms it on the ACK), each later one ka_interval after the "
             "previous one (it re-arms on sending); signed, negative = early (the dialog module "
             "keeps its keepalive times in whole seconds and runs its list every ka_timer = 1 s).")
    L.append("- silent callee -> BYE: S calls of a second SIPp pair whose callee never answers a "
             "probe; per call the time from the callee's 200 OK to the BYE it receives "
             "(its -trace_msg). Target for vos_timer: session_ttl + fr_timer + 0.5 s = %.1f s." %
             DETECT_TARGET)
    L.append("- module shm: kamcmd mod.stats vos_timer shm Total with all N+S calls up, divided "
             "by the calls up (total), and its growth since start-up per call (growth). dialog "
             "shm: growth of mod.stats dialog shm per call (the dialog module's own memory, "
             "for reference).")
    L.append("- peak probes / 100 ms (wire): OPTIONS the proxy sent (first transmission, by Via "
             "branch; tm's retransmissions to the silent callee not counted), captured on lo "
             "with kernel timestamps, most in one clock-aligned 100 ms slice over the whole run "
             "(including the first probes of calls still being set up). Same for both systems. "
             "module probes_peak_100ms: vos_timer's own counter, since start-up.")
    L.append("- live calls cut: BYEs the main pairs' SIPp (callers or callees, summed over the "
             "pairs) received, i.e. live calls "
             "the proxy ended (should be 0); dead left: silent calls whose callee never got a BYE "
             "by the end of the run (should be 0).")
    L.append("")
    L.append("Where Kamailio's CPU went in the window (seconds on CPU from schedstat, per "
             "process role from core.psx):")
    L.append("")
    for r in results:
        if r.get("cpu_by_role"):
            per_sock = ""
            if r.get("udp_drops_kamailio") is not None:
                per_sock = " (Kamailio's socket %d, the SIPp endpoints' %d)" % (
                    r["udp_drops_kamailio"], r["udp_drops_other"])
            L.append("- N=%d %s: %s; UDP datagrams dropped for a full receive buffer "
                     "(host-wide, whole run): %s%s" % (r["n"], r["system"], ", ".join(
                         "%s %.3f" % kv for kv in r["cpu_by_role"].items() if kv[1] > 0),
                         r.get("udp_rcvbuf_drops", "n/a"), per_sock))
    drops = [r.get("capture_drops") for r in results + spread if r.get("capture_drops")]
    L.append("- capture drops (kernel): %s." % (sum(drops) if drops else 0))
    L.append("")
    L.extend(repeat_section(by, repeats, args.sizes))
    L.extend(idle_section(results))
    L.extend(scale_section(results, args))
    L.append("## Probe spreading: first probe round of calls answered together")
    L.append("")
    if spread:
        L.append("| module | calls | answered within (s) | probes in first round | "
                 "spread over (s) | peak probes / 100 ms (wire) | module probes_peak_100ms |")
        L.append("|---|---|---|---|---|---|---|")
        for s in spread:
            L.append("| %s | %d | %s | %d | %s | %d | %s |" % (
                s["label"], s["n"], s["answered_within_s"], s["probes"],
                s["spread_s"], s["peak_100ms"],
                "-" if s["label"] == "dialog keepalive" else
                (s.get("module_peak") if s.get("module_peak") is not None else "n/a")))
        L.append("")
        L.append("(%s: commit %s, the last one without spreading, built from git archive "
                 "under test/out/bench; it has no probes_peak_100ms counter.)" % (
                     spread[0]["label"], BEFORE_COMMIT))
    else:
        L.append("not run")
    L.append("")
    L.append("## Deadline store alone (make bench-heap, ns per operation)")
    L.append("")
    if heap:
        sizes = heap["sizes"]
        L.append("| operation | " + " | ".join("%d" % s for s in sizes) + " |")
        L.append("|---|" + "---|" * len(sizes))
        for op in heap["operations"]:
            L.append("| %s | %s |" % (op["label"], " | ".join(
                "%.1f" % op["ns_per_op"][str(s)] for s in sizes)))
        L.append("")
        L.append("(%s, %s of %d runs, order check %s)" % (
            heap.get("source"), heap.get("statistic"), heap.get("runs", 0),
            heap.get("order_check")))
    else:
        L.append("test/out/bench/heap.json not found (run make bench-heap)")
    L.append("")
    L.append("## Profile (make bench-profile)")
    L.append("")
    emb = profile_module().embed_tables(args.profile_md)
    L.extend(emb if emb else ["bench/profile.md not found (run make bench-profile)", ""])
    L.append("## Overload (make bench-overload)")
    L.append("")
    ov = os.path.join(HERE, "results-overload.md")
    if os.path.exists(ov):
        with open(ov) as f:
            body = f.read().split("\n")[2:]   # without its title
        L.append("From bench/results-overload.md:")
        L.append("")
        L.extend(body)
    else:
        L.append("bench/results-overload.md not found (run make bench-overload)")
        L.append("")
    L.append("## Targets")
    L.append("")
    L.extend(targets(by, args.sizes, results, repeats))
    L.append("")
    L.append("## Changes made because of the figures")
    L.append("")
    L.append("- Issue 17 (commits a0c92d7, 0ad3019), found with make bench-profile "
             "(the profile tables above; before = 97ac498): the deadline process "
             "woke every 50 ms with nothing due (idle: 0.11-0.15% of a core at 97ac498, "
             "the most of any Kamailio process), took each due deadline with its own "
             "lock round trip and pkg allocation, and re-armed each call by removing "
             "and inserting its heap node (vt_heap_remove and node_swap: 9% of the "
             "deadline process's samples at 5000 calls, and vt_heap_remove the "
             "module's largest share in the UDP workers, where every answered probe "
             "round re-arms its call). Now it sleeps until the next deadline (a pipe "
             "wakes it for an earlier one), at most one run per 50 ms tick, takes up "
             "to 256 jobs per hold of the lock into a buffer of its own, and re-arms "
             "in place (vt_heap_update, the re-arm rows of the heap table). Idle: "
             "0.011-0.014% of a core (Idle section). Profile at 5000 calls: "
             "191.4 -> 137.7 us per probe exchange under perf (keepalive 99.8); "
             "make bench before (39344ed, the previous results.md, CPU from 10 ms "
             "ticks) 1.52x / 1.57x / 1.39x the keepalive at 1000 / 5000 / 20000.")
    L.append("- Spreading and lateness kept: an A/B at 20000 calls, vos_timer only, one "
             "SIPp pair, the two modules back to back on the same machine (bench/run.py "
             "--systems vos_timer --sizes 20000 --pair-size 20000 --module ...): 97ac498 "
             "peak 626 probes per 100 ms on the wire (module counter 668), lateness since "
             "start-up p50 / p99 / max 50 / 1000 / 830 ms; now 425 (470), 50 / 200 / 200 ms. "
             "Both peaks come from the ramp (20000 calls answered at 500 per second while "
             "SIPp and Kamailio share two cores), as does the 200 ms since start-up at "
             "20000 in the table above (the window's own p99 there: 100 ms).")
    L.append("- Not reached with 1.1.x: 0.8x. What remained, from the 5000-call profile: the "
             "UDP workers (91 vs 58 us per exchange) and the sending (35 vs 30). Per "
             "reply, the same tm code runs in both systems; the difference is how "
             "the replies come. The keepalive's replies arrive in bursts of a whole "
             "second's probes, so the workers are awake and their caches warm; "
             "vos_timer's come a few per 50 ms tick, and each wakes a worker from "
             "sleep on a cold cache. In perf (UDP workers at 5000 calls: 456 samples "
             "against the keepalive's 291) that is qm_malloc (pkg, while tm parses "
             "the reply: 59 samples against 6; qm's free-list search walks its "
             "bucket array, cheap when cached) and the kernel's receive and wake-up "
             "path (recvfrom 128 against 75, pvm_irq_enable 85 against 69), plus "
             "sendto waking SIPp in the deadline process. The heap's in-place sift "
             "is 18 samples of the workers' 456. Sending in bursts would remove it and is what "
             "spreading exists to avoid (peak column: the keepalive's bursts drop "
             "datagrams and cut live calls); larger ticks would break the 100 ms "
             "lateness bound and buy little: an A/B of the same module built with a "
             "100 ms tick against the 50 ms one (1.1.1, vos_timer only, back to back, "
             "bench/run.py --systems vos_timer --sizes \"1000 5000\" --module ...) "
             "measured 199.0 -> 183.7 us per exchange at 5000 calls (-8%) and 253.6 -> "
             "317.7 at 1000 (noise larger than any gain), while lateness p99 went 50 -> "
             "100 ms and the peak per 100 ms at 5000 calls 138 -> 194. "
             "The allocator is the operator's choice: TLSF "
             "(kamailio -x tlsf, see the allocator A/B below) has no such search.")
    L.append("- Re-arm at the same deadline (1.1.1): the first leg's answer of a probe round"
             " leaves its call's deadline where it was, and vt_heap_update() now returns at "
             "once then instead of sifting the node past its neighbours (other calls' "
             "records, cold in cache: sift was 18 of the 248 samples under receive_msg in "
             "the UDP workers at 5000 calls, profile above). make bench-heap, row \"re-arm in"
             " place, same deadline\": 8.9 / 9.8 / 14.2 / 49.8 ns before, 1.6 / 1.5 / 3.7 / "
             "14.9 after, at 10^3 / 10^4 / 10^5 / 10^6 (a warm array; in the store the reads"
             " saved are cache misses). Not separable in make bench: half the workers' sifts"
             " are under 2% of a probe exchange, inside the run-to-run noise.")
    L.append("- The allocator's share, measured, and removed from the comparison (module 1.1.1, "
             "N=5000, 30 s windows 35 s after all calls are up, no capture, CPU of all "
             "Kamailio processes per UAC transaction). Until 1.1.1 the bench config picked "
             "the system with #!ifdef, so the two systems parsed different script text. "
             "Kamailio's default allocator (qm) keeps the holes the config parse leaves in "
             "pkg memory (freed cfg.lex addstr() buffers), every worker inherits them at "
             "fork, and a malloc scans its size buckets upward to the first fragment that "
             "fits. A pkg dump of the workers (cfg_rpc, core mem_dump_pkg) showed free "
             "holes of 456 and 2048 B below the big free block in the vos_timer system and "
             "of 1736, 1848 and 2048 B in the keepalive's: a reply's parse fitted the "
             "keepalive's holes, and vos_timer's went on to the top bucket (about 2,000 "
             "empty buckets scanned). perf of the workers: qm_malloc 154 samples against "
             "29 for the same replies. The config now picks the system at run time "
             "($shv(sys), a define of the same length): same text, same holes (4 free "
             "fragments per worker in both), qm_malloc 40 against 21. Per exchange, "
             "vos_timer against keepalive: 136.9 / 115.8 against 76.4 / 78.9 us before "
             "(two runs each), 104.4 / 100.4 / 102.9 / 89.2 against 70.7 / 78.2 / 85.2 "
             "/ 88.3 us after (four runs each).")
    L.append("- The price of spreading, measured (module 1.1.1, same set-up, back to back): the "
             "same module built with probes unspread (no first-window lead) and a 1000 "
             "ms tick, so it sends each second's probes in one pass as the keepalive does"
             " (an experiment only: it breaks the 100 ms bound), cost 88.6 / 74.4 us per "
             "exchange, UDP workers 47.9 / 42.1, against 102.9 / 89.2 (workers 63.3 / "
             "56.0) for the module as shipped and 85.2 / 88.3 (workers 49.8 / 51.5) for "
             "the keepalive in the same rounds. The module's own work per probe is about the "
             "keepalive's (1.04x and 0.84x in the two rounds); what vos_timer pays beyond it, about 14 us per "
             "exchange at 5000 calls, is the workers waking for replies that trickle in "
             "instead of arriving in one burst.")
    L.append("- Probes without tm (1.2.0, stateless_probes 1): the wake-ups stay (they are "
             "what spreading costs), so the rest of a probe exchange had to shrink, and most "
             "of it was tm's. perf of the UDP workers (module 1.1.1, 5000 calls): tm's "
             "reply_received was 46.5% of their samples (t_reply_matching 16.8%, the "
             "callbacks 16.5%, of which the module's own vt_store_probe_result 12.2%); in "
             "the deadline process, tm built and kept a transaction per probe, and tm's "
             "timers ran its retransmission and wait timers. Now the deadline process "
             "builds the request tm would send and sends it itself (UDP to an IP next hop; "
             "the rest still through tm), the module's response function takes the answer "
             "by the slot and tag in its Via branch before tm looks for a transaction, and "
             "retransmissions and the timeout run from a ring of probes in flight "
             "(vt_flight.c, RFC 3261 timers E and F). make bench, ratio to the keepalive "
             "at 1000 / 5000 / 20000 calls: 1.13x / 1.16x / 1.24x before (a500d7e, module "
             "1.1.1: 215.0 / 135.1 / 107.7 us against 190.8 / 116.3 / 86.9); after, "
             "before pacing (next item; 30d06a2, make bench of 2026-12-03 03:59): 0.60x / "
             "0.67x / 0.71x (122.0 / 74.5 / 57.9 us against 203.3 / 111.7 / 81.8), and "
             "0.70x at 50000 calls (62.9 against 90.0); with pacing: this run's table. First A/B of a prototype (5000 calls, 30 s windows, "
             "vos_timer then keepalive, twice): 53.1 / 55.8 against 64.9 / 73.3 us, UDP "
             "workers 37.0 / 38.8 against 37.1 / 41.7, deadline process 13.1 / 13.3 "
             "against the Dialog KA timer's 19.5 / 23.1. Exchanges are counted as tm's "
             "UAC transactions plus the module's probes_stateless, so the keepalive's "
             "figures mean what they meant.")
    L.append("- Pacing (1.2.0, commit ec0052c), found with make bench-overload: sent "
             "without tm, a 50 ms tick's probes left within a fraction of a millisecond; at "
             "5000 probes per second (2500 calls) the bursts of 250 overflowed the SIPp "
             "endpoints' receive buffers (drops in /proc/net/udp on their sockets, none on "
             "Kamailio's), retransmissions met the next burst, and in 20 s 926 probes failed "
             "and 851 calls were ended. The sender now pauses 1 ms after 16 datagrams: same "
             "load, 0 drops, 0 retransmissions, 0 failed probes (the Overload section). The "
             "rate is then capped at about 10700 probes per second on this machine (the "
             "20000-per-second row). It costs a wake-up per pause: about one per 50 ms tick "
             "at 5000 calls (17 probes a tick), four at 20000: make bench 74.5 -> 90.9 us "
             "per exchange at 5000 and 57.9 -> 65.1 at 20000 (0.67x -> 0.80x and 0.71x -> "
             "0.80x). At 1000 calls no pause happens (3 probes a tick), and the two runs "
             "gave 122.0 and 204.7 us against the keepalive's 203.3 and 170.4 (0.60x and "
             "1.20x): there the cost per exchange is mostly wake-ups, and it varies more "
             "between runs than the systems differ. Quiet A/B at 1000 calls (30 s windows, "
             "no capture, no silent calls, before pacing): 226.9 / 151.4 against 97.9 / "
             "100.1 us. The profile tables were from 30d06a2, before pacing, until 1.3.0.")
    L.append("- Pacing as a token bucket (1.3.0, commit e7d136a; modparams probe_burst 32, "
             "probe_rate 16000/s): the 1.2.0 pacing paused 1 ms whenever more than 16 probes "
             "left within one millisecond, so most ticks paused at 5000 calls; each pause "
             "is a wake-up of the deadline process and splits the answers' bursts in the "
             "workers. The bucket lets a tick's probes within its depth leave at once; the "
             "worst burst is the old one's (16 in one millisecond and 16 more past its "
             "end). A/B at 5000 calls (30 s windows, vos_timer alone, same machine, "
             "interleaved): 1.2.0 pacing 121.5 / 131.7 us per exchange, bucket of 32 78.2 / "
             "94.2, of 64 71.8 / 63.7, unpaced 65.0 / 66.3 / 69.3 / 77.1; the workers' "
             "voluntary context switches per 30 s 8593 / 8394, 6470 / 6903, 5631 / 4949, "
             "5465 to 6114. Overload (2500 calls probed each second, 20 s): 1.2.0 pacing "
             "0 / 0 datagrams dropped at the SIPp sockets, bucket of 32 14 / 18 / 0, of 64 "
             "226, every one answered on its retransmission, no probe failed: 32 is the "
             "default. Refilling the bucket whole before going on (one pause per 32 "
             "probes instead of per 16) was tried at 20000 calls: 60.4 / 57.9 against "
             "60.4 / 60.0 us, within the noise, not kept. make bench of 1.2.0 (ec0052c) -> "
             "this run: 204.7 -> 160.4, 90.9 -> 88.5, 65.1 -> 64.5 us at 1000, 5000 and "
             "20000 calls, against the keepalive's 170.4 / 113.4 / 81.5 then and this "
             "run's figures now.")
    L.append("- Probes up to 50 ms early (1.4.0, commit e744530): at 1000 calls the deadline "
             "process woke every 50 ms tick of a probe round with a few probes each, and "
             "each answer woke a UDP worker of its own. A probe deadline may now run up to "
             "50 ms before its time (a teardown or verdict never), and when the next thing "
             "due is a probe the process sleeps at least 100 ms: every probe still leaves "
             "within one tick of its time, early or late. A/B at 1000 calls, 1.3.0 against "
             "this (light runs as in the repeated table, 4 pairs alternating): 153.4 / 213.2 "
             "/ 191.8 / 131.3 against 124.8 / 120.8 / 164.6 / 135.9 us per exchange (median "
             "ratio 0.84x); per 30 s window the deadline process woke 201 to 211 times "
             "against 118 to 129, the UDP workers 1655 to 1798 against 1184 to 1279. make "
             "bench of 1.3.0 with this bench (5388a0f, 2026-12-03 10:15): 169.4 / 110.3 / "
             "73.2 us at 1000, 5000 and 20000 calls against the keepalive's 170.8 / 130.6 "
             "/ 97.8 (0.99x, 0.85x, 0.75x), and at 1000 calls a median of 1.13x over 5 "
             "pairs (0.73x to 1.23x); now: this run's tables.")
    L.append("- Early probes only in a probe run (1.4.1, commit b476b2d): in 1.4.0 a run woken "
             "between two probe runs (for a probe's retransmission, a teardown, the cluster's "
             "heartbeat) took the next 50 ms of probes too, so a clock-aligned 100 ms could "
             "hold two runs' probes; make bench of 1.4.0 showed a 1000-call peak of 58 and, "
             "at 50000 calls, 2500 datagrams dropped and deadlines up to 146 ms late. Now "
             "such a run takes only what is due. 1000 calls, vos_timer only, two runs each on "
             "this machine: 1.4.0 peak 52 and 56, 1.4.1 44 and 50, 1.3.0 48 and 46 (the "
             "largest batch without a 20 ms gap: one run's probes in every case). 50000 calls "
             "with 1.4.1: 0 datagrams dropped, the latest deadline 54 ms, peak 820 (1.4.0: "
             "2500, 146 ms, 1292).")
    L.append("- No snprintf and no pkg malloc per probe (1.4.2, commit 627c8c8): perf of the "
             "deadline process at 5000 calls (bench/profile.md's run of 1.4.1) put 10 of its "
             "82 samples in build()'s snprintf and 8 in vt_dialog_leg(), half of those in "
             "qm_malloc. The probe is now built by copying its pieces (the same bytes on the "
             "wire) and the leg's strings go into a buffer inside the vt_leg_t. A/B at 5000 "
             "calls, vos_timer-only light runs, 4 each, alternating: deadline process 20.1 "
             "-> 17.7 us per exchange (median), all of Kamailio 48.4 -> 46.4.")
    L.append("- The 0.8x goal at 1000 to 20000 calls, missed again without a probe_port "
             "(1.4.2's make bench of 2026-12-03 17:25, bench/results-default.md; 1.4.1 at 14:00 on the same kernel: medians 0.96x / 0.89x / "
             "0.84x, now 0.90x / 0.87x / 0.89x, net of idle 0.87x / 0.86x / 0.89x; every "
             "pair's range overlaps the other run's). The same module family measured "
             "0.65x / 0.71x / 0.79x at 11:12 on the machine's earlier kernel build "
             "(-v1045), when the keepalive's figure was about three times today's and the "
             "module's moved little. Where the rest goes, counted with voluntary context "
             "switches in one 5000-call light run of each (1.4.2, 30 s, 10000 exchanges): "
             "the deadline process 17.5 us per exchange against the Dialog KA Timer's "
             "17.8, the UDP workers 27.0 against 22.4, the timer process 2.1 (its idle "
             "rate) against 4.9 (tm's timers); the workers woke 6410 times against 4564 "
             "(0.64 against 0.46 per reply), about 25 us per extra wake-up on this VM. So "
             "the sender costs what the keepalive's does and the timers less; what "
             "vos_timer pays beyond is the workers waking for replies that come a run's "
             "batch at a time instead of a second's at once (that pair of runs: 46.9 "
             "against 46.7 us in all, 1.00x). A longer probe run does not buy that back: the "
             "same module built with probes taken up to 150 ms early (a 200 ms probe run, "
             "A/B at 5000 calls, 3 light runs each) woke the workers 7402 times against "
             "7014 (median), raised the module's peak per 100 ms from 130..158 to "
             "234..276, and its CPU per exchange (44.9 against 47.6 us, medians, ranges "
             "overlapping) was inside the noise: not kept. On loopback, part of the "
             "sender's cost is the endpoint's: 25% of the deadline process's samples at "
             "5000 calls (perf, 1.4.2) are the loopback delivering the probe to SIPp's "
             "socket inside sendto (net_rx_action under __dev_queue_xmit).")
    L.append("- Tail at 20000 and 50000 calls in 1.4.2's run (bench/results-default.md): "
             "the 20000-call main run's peak "
             "was 418 probes in one clock-aligned 100 ms (the light runs at 20000: 244 to "
             "274; 1.4.1's main run: 300), at the densest moment of the run (about 2000 "
             "probes per second where the first round of the last calls meets the second "
             "round of the first ones, in 1.4.1's run too). The slices around it alternate "
             "(328, 80, 418, 64) and the latest deadline was 70 ms late, so most likely one "
             "probe run started about 20 ms late and sent 170 ms of probes at once (inferred "
             "from the capture, not traced). The 50000-call run had a minute (the "
             "WARNING's, about 111 to 171 s after start-up, overlapping the steady window: "
             "the window's own p99 was the 100 ms bucket) in which 5988 deadlines "
             "started more than 100 ms late (the latest 426 ms; the module's WARNING says "
             "so) and Kamailio's socket dropped 778 datagrams; no call was cut. An A/B "
             "right after (vos_timer only, 50000 calls, back to back) did not show it "
             "again: 1.4.1 (2028033) 58.5 us per exchange, p99 50 ms, latest 64 ms, peak "
             "767 (module 729), no drop; 1.4.2 53.2 us, p99 50 ms, latest 89 ms, peak 807 "
             "(module 914), no drop. 1.4.1's make bench N=50000 at 14:31: latest 54 ms. "
             "Three runs of 1.4.2 at 20000 and 50000 calls all had a later latest deadline "
             "than 1.4.1's (70, 426, 89 against 52, 54, 64 ms); two runs are not enough to "
             "tell whether that is the module.")
    L.append("- What make bench hid, and probe_port (1.5.0, commits 538be70, fecb170): SIPp "
             "answers a probe the moment it reads it. make bench-answer-spread (light pairs, "
             "module 1.4.2, bench/results-answer-spread.md) made it wait a random 0 to 200 ms "
             "first, as endpoints at different distances do: the default path then cost "
             "1.20x / 1.25x / 1.12x the keepalive at 1000 / 5000 / 20000 calls (0.84x / "
             "0.81x / 0.77x with answers at once), a UDP worker waking for nearly every "
             "answer (1.00 wake-ups per answer at 5000 calls against the keepalive's 0.74, "
             "whose answers to a second's burst still come close together). No change to "
             "how the module sends can remove that: the endpoints decide when the answers "
             "come. With probe_port the module's own probes leave from a port of their own "
             "and name it in their Via, and the deadline process reads the answers there "
             "before and after each run (a non-blocking recv, parse_msg, the same matching "
             "as the workers), so no worker wakes for an answer: light pairs with answers at "
             "once 0.46x / 0.46x / 0.43x, spread 0.44x / 0.36x / 0.39x "
             "(bench/results-probe-port.md); make bench PROBE_PORT=1 of 2026-12-04 (module "
             "1.5.0): medians of five pairs 0.53x / 0.41x / 0.43x at 1000 / 5000 / 20000 "
             "calls, 0.27x at 50000, under perf at 5000 calls 22.6 us per exchange against "
             "97ac498's 80.4 and the keepalive's 59.4. A leg the port cannot reach answers "
             "the retransmission, which "
             "leaves from the listen socket with the same branch (T1 later). Off by "
             "default: an operator does not expect a module to send from a new port.")
    L.append("- Peaks in make bench PROBE_PORT=1 of 2026-12-04 (1.5.0): 66 / 198 / 308 / 870 "
             "probes in one clock-aligned 100 ms on the wire at 1000 / 5000 / 20000 / 50000 "
             "calls, against 54 / 140 / 418 / 1136 in 1.4.2's run without a probe_port and "
             "46 / 168 / 372 when issue 17 was filed (97ac498); the light runs' module "
             "counter: 44..50 / 128..140 / 236..306. The 5000-call 198 is two slices 1 s "
             "apart, each after a run of about 30 (the runs were 100 ms apart, the median run "
             "58 probes): the due times had clustered, not the runs. Likely cause "
             "(from the capture: the 198 probes of the run at 38.17 s had had their previous "
             "probes in the runs at 8.1 s (132) and 8.2 s (66)): the deadline process took an "
             "answer's confirmation time when it read the answer, before and after each run, "
             "so the late answers of one run and the quick ones of the next got the same time "
             "and fell due together a round later. 1.5.1 takes the kernel's receive time of "
             "the datagram instead. A/B at 5000 calls (vos_timer only, --probe-port, two "
             "runs each, alternating): probes in runs whose probes came from two earlier "
             "runs (each at least 10%) 76.5% and 78.3% before (1.5.0), 3.6% and 30.7% after; "
             "peak per 100 ms 178 and 178 before, 136 and 162 after; at 1000 calls (the "
             "same, two runs each): peak 61 and 64 before, 42 and 56 after.")
    L.append("- The first full run (commit bb4b1f2) showed 22% of the timer process in a per-probe "
             "dialog lookup that built and parsed a fake BYE, and 224-256 B of module shm per call. "
             "Commits fc7b0f0 and 92b0ec6: the module now finds the dialog by its hash id with the "
             "dialog module's exported dlg_lookup() (dlsym; the message lookup stays as a fallback) "
             "and, with it, keeps no From/To tags in its records and updates the record in place "
             "at the answer. Full runs before (bb4b1f2) and after (ecf1c1a): CPU per probe exchange "
             "107.3 -> 80.5 us at 1000, 79.5 -> 56.3 us at 5000, 66.5 -> 46.6 us at 20000 (ratio "
             "to the keepalive 1.70x -> 1.14x there); timer process 0.67 -> 0.42 s per window at "
             "5000; module shm growth 256 -> 214 B per call at 20000.")
    L.append("- Probe spreading (commit 644c4f6): its before/after is the spreading table above.")
    L.append("- Allocator A/B (separate run, N=5000, 40 s window, BENCH_KAMAILIO_ARGS=\"-x tlsf\" "
             "for both systems): vos_timer 42.3 vs keepalive 27.5 us per probe exchange (1.54x). "
             "With Kamailio's default qm allocator, perf showed qm_malloc at about half of the UDP "
             "workers' time in the vos_timer run; TLSF lowers vos_timer's cost by a quarter "
             "(56.3 -> 42.3 us) and halves its extra over the keepalive, whose cost barely "
             "moves. Not changed in the module: the allocator is the operator's "
             "choice (kamailio -x).")
    L.append("- (Before issue 17.) The gap was put down to the price of spreading: vos_timer "
             "sends a few probes every 50 ms tick and their replies trickle in; the keepalive "
             "sends a whole second's probes in one burst (peak column), which costs fewer "
             "wake-ups per probe but overflows receive buffers (drops) and can cut live calls. "
             "The issue 17 profile above confirms it and says where, per component.")
    L.append("")
    L.append("## Notes from the investigation (perf, at commit bb4b1f2, N=5000)")
    L.append("")
    L.append("- Where vos_timer's extra CPU per probe goes: `perf record --call-graph dwarf` of the "
             "\"vos_timer deadlines\" process shows ~64% in tm's t_uac (build_cell, shm "
             "allocations, and sendto, which on lo also runs the receive softirq), ~22% in "
             "vt_dialog_get(): vt_dlg_find() builds and parses a fake BYE (parse_msg, "
             "parse_from_header -> pkg qm_malloc) for every probe round only to look the dialog "
             "up, ~7% in the heap (vt_heap_remove/node_swap), and a visible share in the scheduler "
             "(finish_task_switch, spin unlocks): the process wakes every 50 ms and sends a few "
             "probes each time. The dialog keepalive sends all due OPTIONS of a second in one "
             "burst (see the peak column), so its sender and the UDP workers handling the "
             "replies wake once per burst; vos_timer's even spread costs wake-ups per probe. "
             "This fits the ratio shrinking as N grows (more probes per 50 ms tick) while "
             "the keepalive's cost per probe grows with its burst size. Cheaper lookups "
             "(dlg_get_by_iuid-style, by h_entry/h_id the module already keeps) would remove "
             "the parse; the wake-up cost is the price of spreading.")
    L.append("- Dialog keepalive and dead calls: its OPTIONS bursts (all calls answered in the same "
             "second probe in the same ka_timer tick) overflow UDP receive buffers on loopback (the drops counted per run above: 0 for vos_timer, thousands for the keepalive at 5000 and 20000); a lost OPTIONS or reply means tm retransmits or ends it with 408, and with "
             "ka_failed_limit 1 one 408 ends a live call (live calls cut column). Kamailio 5.6.3's "
             "dialog module also logs \"send_bye(): terminating non-confirmed dialogs not supported\" "
             "for some silent calls and never sends their BYE (dead left column).")
    L.append("- Detection: the keepalive ends a silent call after ka_interval + fr_timer + 10 s "
             "(one failed OPTIONS, then the 10 s lifetime it sets) = about 42 s; vos_timer waits for "
             "the window (update_segment probes, one lost probe tolerated): session_ttl + fr_timer "
             "minus the first window's lead. With the same tolerance (ka_failed_limit 2) the "
             "keepalive would need 2 x ka_interval + fr_timer + 10 s = 72 s (computed, not run).")
    L.append("")
    return "\n".join(L)


def cpu_pairs(by, repeats, n):
    """Every pair of CPU-per-probe figures at N: the main runs' first, then
    the --repeats pairs; [(label, first system, vos us, keepalive us,
    the repeat pair or None)], only pairs where both systems measured."""
    out = []
    a, b = by.get((n, "vos_timer")), by.get((n, "keepalive"))
    if a and b and a.get("cpu_us_per_probe") and b.get("cpu_us_per_probe"):
        out.append(("main runs", "vos_timer", a["cpu_us_per_probe"], b["cpu_us_per_probe"],
                    None))
    for i, p in enumerate((repeats or {}).get(str(n), [])):
        v, k = p["vos_timer"].get("cpu_us_per_probe"), p["keepalive"].get("cpu_us_per_probe")
        if v and k:
            out.append(("repeat %d" % (i + 1), p["first"], v, k, p))
    return out


def net_pairs(by, repeats, n):
    """The pairs of cpu_pairs() whose both runs have a figure net of idle:
    [(label, vos us net, keepalive us net)]."""
    out = []
    for lab, first, v, k, p in cpu_pairs(by, repeats, n):
        a, b = (p["vos_timer"], p["keepalive"]) if p is not None else (
            by.get((n, "vos_timer")), by.get((n, "keepalive")))
        if a.get("cpu_net_us_per_probe") and b.get("cpu_net_us_per_probe"):
            out.append((lab, a["cpu_net_us_per_probe"], b["cpu_net_us_per_probe"]))
    return out


def per100(r, key):
    """r[key] per 100 probe exchanges of run r, as text ("-" if unknown)."""
    return "%.0f" % (100.0 * r[key] / r["uac"]) if key in r and r.get("uac") else "-"


def repeat_section(by, repeats, sizes):
    sizes = [n for n in sizes if str(n) in (repeats or {})]
    if not sizes:
        return []
    L = ["## CPU per probe, repeated pairs", ""]
    L.append("At 1000 calls a window holds about 4000 probe exchanges and under a "
             "second of Kamailio CPU (5000: 20000 and 2 s), and one system's figure "
             "has moved between runs by more than the two systems differ (this VM has no steal-time accounting "
             "and no hardware counters: time the host takes from a vCPU shows up as "
             "CPU of whatever ran on it). So each such N gets more pairs of light runs "
             "beside the main runs: Kamailio and the main pairs only, all calls up, "
             "%d s, then a window of one probe interval (%d s: every leg is probed once "
             "by either system); the two systems back to back, the first one "
             "alternating. The figure for the target is the median of the per-pair "
             "ratios." % (REPEAT_SETTLE_S, INTERVAL))
    L.append("")
    L.append("| N | pair | first | vos_timer us / probe | keepalive us / probe | ratio | "
             "net of idle: vos_timer / keepalive us, ratio | "
             "wake-ups per 100 probes, UDP workers: vos_timer / keepalive | "
             "sender: vos_timer / keepalive | vos_timer probes_peak_100ms |")
    L.append("|---|---|---|---|---|---|---|---|---|---|")
    for n in sizes:
        pr = cpu_pairs(by, repeats, n)
        nets = dict((x[0], x[1:]) for x in net_pairs(by, repeats, n))
        peaks = []
        for lab, first, v, k, p in pr:
            wk = ws = pk = "-"
            if p is not None:
                wv, wka = p["vos_timer"], p["keepalive"]
                wk = "%s / %s" % (per100(wv, "worker_wakeups"), per100(wka, "worker_wakeups"))
                ws = "%s / %s" % (per100(wv, "sender_wakeups"), per100(wka, "sender_wakeups"))
                if wv.get("module_peak_100ms") is not None:
                    peaks.append(wv["module_peak_100ms"])
                    pk = str(wv["module_peak_100ms"])
            else:
                mp = ((by.get((n, "vos_timer")) or {}).get("vos_stats") or {}).get(
                    "probes_peak_100ms")
                if mp is not None:
                    peaks.append(mp)
                    pk = str(mp)
            net = "%.1f / %.1f, %.2fx" % (nets[lab][0], nets[lab][1],
                                          nets[lab][0] / nets[lab][1]) if lab in nets else "-"
            L.append("| %d | %s | %s | %.1f | %.1f | %.2fx | %s | %s | %s | %s |" % (
                n, lab, first, v, k, v / k, net, wk, ws, pk))
        if pr:
            rs = [x[2] / x[3] for x in pr]
            nr = [x[0] / x[1] for x in nets.values()]
            L.append("| %d | **median** | - | %.1f | %.1f | **%.2fx** (%.2f..%.2f) | %s | - | - | %s |" % (
                n, statistics.median(x[2] for x in pr),
                statistics.median(x[3] for x in pr), statistics.median(rs),
                min(rs), max(rs),
                "%.1f / %.1f, **%.2fx** (%.2f..%.2f) of %d" % (
                    statistics.median(x[0] for x in nets.values()),
                    statistics.median(x[1] for x in nets.values()),
                    statistics.median(nr), min(nr), max(nr), len(nr)) if nr else "-",
                "%g (%d..%d)" % (statistics.median(peaks), min(peaks), max(peaks))
                if peaks else "-"))
        for p in repeats[str(n)]:
            for s in ("vos_timer", "keepalive"):
                if "error" in p[s]:
                    L.append("| %d | failed | %s | %s ||||||||" % (n, s, p[s]["error"]))
    L.append("")
    L.append("Net of idle: the run's CPU less Kamailio's idle rate times the window "
             "(each light run has its own idle window, Kamailio up and no call yet, "
             "before its calls; the main runs use theirs).")
    L.append("")
    L.append("Wake-ups: voluntary context switches (/proc/<pid>/status) in the "
             "window, per 100 probe exchanges, of the UDP workers and of the process "
             "that sends the probes (vos_timer deadlines; Dialog KA Timer).")
    L.append("")
    L.append("vos_timer probes_peak_100ms: the module's own statistic, the most probes "
             "it sent in one clock-aligned 100 ms slice since start-up (the main runs: "
             "with the silent calls; the light runs: the calls' set-up and first "
             "round, no capture). Each run draws new Call-IDs, and so new phases of "
             "the first probes: the peak varies between runs by about 10 for the same "
             "build at 1000 calls.")
    L.append("")
    return L


def idle_pct(r, role):
    """Idle CPU of one role (all roles if None) as % of one core."""
    idle = r.get("idle")
    if not idle or not r.get("idle_s"):
        return None
    v = sum(idle.values()) if role is None else idle.get(role, 0.0)
    return 100.0 * v / r["idle_s"]


def idle_section(results):
    L = ["## Idle (no calls)", ""]
    rows = [r for r in results if r.get("idle")]
    if not rows:
        return L + ["not measured (--idle 0)", ""]
    L.append("CPU over the idle window right after Kamailio is up, before any call "
             "(schedstat, ns), as % of one core. vos_timer is loaded in both systems "
             "and the dialog module's KA timer process runs in both.")
    L.append("")
    for r in rows:
        L.append("- N=%d %s (%.1f s): Kamailio %.3f%% of a core (%d processes); "
                 "vos_timer deadlines %.3f%%; Dialog KA Timer %.3f%%" % (
                     r["n"], r["system"], r["idle_s"], idle_pct(r, None),
                     r.get("idle_processes", 0),
                     idle_pct(r, "vos_timer deadlines"), idle_pct(r, "Dialog KA Timer")))
    L.append("")
    return L


def kib(v):
    return "n/a" if v is None else "%.0f" % (v / 1024.0)


def mib(v):
    return "n/a" if v is None else "%.1f" % (v / 1048576.0)


def scale_section(results, args):
    L = ["## Scale limits", ""]
    L.append("| N | system | SIPp pairs | set-up failures (SIPp failed calls; N - most dialogs up) | "
             "ramp (s) | shm used before calls / all calls up (MiB) | "
             "UDP rcvbuf drops: host-wide (Kamailio's socket / SIPp's) | "
             "tm transactions in use (end of window) | pkg vos_timer deadlines: real_used / free (KiB) | "
             "pkg busiest UDP worker: real_used / free (KiB); most real_used of the workers | "
             "error |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        sc = r.get("scale") or {}
        if not sc and "error" in r:
            L.append("| %d | %s | - | - | - | - | - | - | - | - | %s |" % (
                r["n"], r["system"], r["error"]))
            continue
        pd, pu = sc.get("pkg_deadlines") or {}, sc.get("pkg_udp_busiest") or {}
        L.append("| %d | %s | %s | %s; %s | %s | %s / %s | %s | %s | %s / %s | %s / %s; %s | %s |" % (
            r["n"], r["system"], sc.get("pairs", "n/a"),
            fmt(sc.get("sipp_failed"), "%d"), fmt(sc.get("not_up"), "%d"),
            fmt(r.get("ramp_s")), mib(sc.get("shm_used_before")), mib(sc.get("shm_used_up")),
            fmt(r.get("udp_rcvbuf_drops"), "%d") + (
                " (%d / %d)" % (r["udp_drops_kamailio"], r["udp_drops_other"])
                if r.get("udp_drops_kamailio") is not None else ""),
            fmt(sc.get("tm_inuse_end"), "%d"),
            kib(pd.get("real_used")), kib(pd.get("free")),
            kib(pu.get("real_used")), kib(pu.get("free")), kib(sc.get("pkg_udp_max_real_used")),
            r.get("error", "-")))
    L.append("")
    L.append("SIPp failed calls: the \"Failed call\" counters of the main pairs' callers "
             "(their last screen, whole run); N - most dialogs up: calls that never came up "
             "during the ramp (dialog stats active_dialogs, most seen). Ramp: from the first "
             "main caller started to all main calls up (or to giving up: no more calls came "
             "up for 30 s). shm: kamcmd core.shmmem used, before the first call and with "
             "every call (main and silent) up. tm transactions: tmx inuse_transactions. pkg: "
             "kamcmd pkg.stats of the \"vos_timer deadlines\" process, and of the UDP worker "
             "with the most CPU in the window (-M 16: 16 MiB of pkg per process), at the end of "
             "the window.")
    L.append("")
    return L


def targets(by, sizes, results=(), repeats=None):
    out = []

    def ok(c):
        return "**met**" if c else "**NOT met**"

    for n in sizes:
        a, b = by.get((n, "vos_timer")), by.get((n, "keepalive"))
        pr = cpu_pairs(by, repeats, n)
        if len(pr) >= 3:
            rs = [p[2] / p[3] for p in pr]
            x = statistics.median(rs)
            out.append("- CPU per probe <= 0.8x keepalive (goal; SPEC: <= 1.0x) at N=%d: "
                       "%s, 1.0x %s (median of %d paired ratios %.2fx, range %.2f..%.2f; "
                       "main runs alone %s)" % (
                           n, ok(x <= 0.8), ok(x <= 1.0), len(rs), x, min(rs), max(rs),
                           "%.2fx" % rs[0] if pr[0][0] == "main runs" else "failed"))
        elif a and b and "error" not in a and "error" not in b and a["cpu_us_per_probe"] and b["cpu_us_per_probe"]:
            x = a["cpu_us_per_probe"] / b["cpu_us_per_probe"]
            out.append("- CPU per probe <= 0.8x keepalive (goal; SPEC: <= 1.0x) at N=%d: "
                       "%s, 1.0x %s (%.1f vs %.1f us, %.2fx)" % (
                           n, ok(x <= 0.8), ok(x <= 1.0), a["cpu_us_per_probe"],
                           b["cpu_us_per_probe"], x))
        else:
            out.append("- CPU per probe <= 0.8x keepalive at N=%d: not measured" % n)
        npr = net_pairs(by, repeats, n)
        if npr:
            rs = [p[1] / p[2] for p in npr]
            x = statistics.median(rs)
            out.append("- the same net of idle at N=%d: %s, 1.0x %s (median of %d paired "
                       "ratios %.2fx, range %.2f..%.2f)" % (
                           n, ok(x <= 0.8), ok(x <= 1.0), len(rs), x, min(rs), max(rs)))
    big = max(sizes)
    for n in sizes:
        a = by.get((n, "vos_timer"))
        if not a or "error" in a or "vos_stats" not in a:
            continue
        p99 = a["vos_stats"]["lateness_p99_ms"]
        w99 = a.get("hist_p99")
        out.append("- lateness p99 <= 100 ms at %d calls: %s in the window (p99 %s ms), "
                   "%s since start-up, set-up included (p99 %s ms, max %s ms)" % (
                       n, ok(w99 is not None and 0 <= w99 <= 100), fmt(w99, "%.0f"),
                       ok(p99 is not None and 0 <= p99 <= 100), p99,
                       a["vos_stats"]["lateness_max_ms"]))
    small = min(sizes)
    a1, a2 = by.get((small, "vos_timer")), by.get((big, "vos_timer"))
    if a1 and a2 and "error" not in a1 and "error" not in a2 and big != small:
        x = a2["cpu_us_per_probe"] / a1["cpu_us_per_probe"]
        out.append("- CPU per probe at %d <= 1.2x that at %d: %s (%.1f vs %.1f us, %.2fx)" % (
            big, small, ok(x <= 1.2), a2["cpu_us_per_probe"], a1["cpu_us_per_probe"], x))
    else:
        out.append("- CPU per probe flat from smallest to largest N: needs two sizes")
    rows = []
    for n in sizes:
        a = by.get((n, "vos_timer"))
        if a and "error" not in a:
            s = a["shm"]["vos_timer"]
            m = a["managed_at_shm"]
            rows.append((n, s["up"] / m, (s["up"] - s["start"]) / m))
    if rows:
        n_big, tot_big, _ = rows[-1]
        worst_growth = max(r[2] for r in rows)
        out.append("- module shm <= 256 bytes per managed call: %s (mod.stats vos_timer shm / "
                   "calls at N=%d: %.0f B; growth per call, worst over all N: %.0f B; "
                   "total / calls per N: %s - the module's fixed start-up allocation of "
                   "%d B weighs on small N)" % (
                       ok(tot_big <= 256 and worst_growth <= 256), n_big, tot_big,
                       worst_growth, ", ".join("%d: %.0f" % (r[0], r[1]) for r in rows),
                       by[(rows[0][0], "vos_timer")]["shm"]["vos_timer"]["start"]))
    for n in sizes:
        a = by.get((n, "vos_timer"))
        if a and "error" not in a and a.get("detect_max_s") is not None:
            dm = a["detect_max_s"]
            if a["silent_detected"] < a["silent_calls"]:
                dm = float("inf")
            out.append("- silent callee detected <= session_ttl + fr_timer + 0.5 s = %.1f s "
                       "at %d calls: %s (worst %s s)" % (DETECT_TARGET, n,
                                                        ok(dm <= DETECT_TARGET),
                                                        fmt(dm, "%.2f")))
    return out


def silent_count(n):
    return max(20, n // 100)


# what report() reads of the options: kept in results.json for --report-from
REPORT_ARGS = ("git", "idle", "load_before", "module_label", "pair_size", "probe_port",
               "profile_md", "rate", "shm_manager", "sizes", "window")


def report_again(args):
    """The report of earlier runs, from their results.json (after a change
    to the report's text, or to put a separate N=50000 run beside the
    others), written to --out. The first run's options, spreading and
    heap figures head the report; the others add their sizes."""
    runs = []
    for d in args.report_from:
        with open(os.path.join(d, "results.json")) as f:
            runs.append(json.load(f))
    meta = runs[0]["meta"]
    for k in REPORT_ARGS:
        setattr(args, k, meta.get(k))    # older runs: no probe_port
    results = list(runs[0]["results"])
    repeats = dict(runs[0].get("repeats") or {})
    for extra in runs[1:]:
        results += extra["results"]
        repeats.update(extra.get("repeats") or {})
        args.sizes = args.sizes + [n for n in extra["meta"]["sizes"] if n not in args.sizes]
        args.separate = getattr(args, "separate", []) + [
            "N=%s%s: %s, %.1f min, git %s, load before %s" % (
                "/".join(str(n) for n in extra["meta"]["sizes"]),
                " (repeated pairs only)" if extra["meta"].get("repeats_only") else "",
                extra["meta"]["started"][:19].replace("T", " ") + " UTC",
                extra["meta"]["elapsed"] / 60, extra["meta"]["git"],
                extra["meta"]["load_before"])]
    md = report(results, runs[0]["spread"], runs[0].get("heap"),
                datetime.fromisoformat(meta["started"]), meta["elapsed"], args, repeats)
    with open(args.out, "w") as f:
        f.write(md)
    log("report of %s written to %s" % (", ".join(args.report_from),
                                         os.path.relpath(args.out, ROOT)))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default=None,
                    help='calls per run, e.g. "1000 5000" (default: $N, else '
                    '"1000 5000 20000"; "1000 5000" with --profile)')
    ap.add_argument("--rate", type=int, default=500, help="call set-up rate, cps")
    ap.add_argument("--window", type=int, default=None,
                    help="steady window, s (default 60; 30 with --profile)")
    ap.add_argument("--idle", type=int, default=20,
                    help="idle window before the calls, s (0: none)")
    ap.add_argument("--pair-size", type=int, default=10000,
                    help="at most this many main calls per SIPp pair")
    ap.add_argument("--module", default=MODULE,
                    help="vos_timer.so to load, or a git commit whose module is "
                    "built under test/out/bench (default: the working tree's)")
    ap.add_argument("-x", dest="shm_manager", default=None, metavar="MM",
                    help="Kamailio's shm memory manager (kamailio -x: qm, fm, "
                    "tlsf), both systems alike (default: Kamailio's own)")
    ap.add_argument("--repeats", type=int, default=4,
                    help="at each N up to --repeat-max-n, this many more pairs of "
                    "light runs (vos_timer and keepalive back to back, the first "
                    "alternating) for the median CPU per probe (0: none)")
    ap.add_argument("--repeat-idle", type=int, default=10,
                    help="idle window of each light run before its calls, s, for "
                    "its CPU per probe net of idle (0: none)")
    ap.add_argument("--repeat-max-n", type=int, default=5000,
                    help="the largest N that gets --repeats (default 5000)")
    ap.add_argument("--repeats-only", action="store_true",
                    help="only the --repeats pairs (no main runs, no spreading): "
                    "to add them to another run's report with --report-from")
    ap.add_argument("--spread-n", type=int, default=1000)
    ap.add_argument("--no-spread", action="store_true")
    ap.add_argument("--systems", default="vos_timer keepalive")
    ap.add_argument("--out", default=os.path.join(HERE, "results.md"))
    ap.add_argument("--profile", action="store_true",
                    help="profile mode: perf record per N and system "
                    "(bench/profile.md) instead of the benchmark")
    ap.add_argument("--profile-before", metavar="COMMIT-or-PATH",
                    help="with --profile, also profile this older module")
    ap.add_argument("--profile-out", default=os.path.join(HERE, "profile.md"),
                    help="profile mode's output")
    ap.add_argument("--profile-md", default=os.path.join(HERE, "profile.md"),
                    help="profile tables the benchmark's report embeds")
    ap.add_argument("--profile-settle", type=int, default=max(INTERVAL, KA_INTERVAL),
                    help="with --profile, seconds from all calls up to the window "
                    "(default: one probe interval, %(default)s)")
    ap.add_argument("--keep-perf-data", action="store_true",
                    help="with --profile, keep each run's perf.data")
    ap.add_argument("--overload", action="store_true",
                    help="vos_timer alone, every call probed each second "
                         "(2N probes/s), per N in --sizes: lateness, late probes, "
                         "WARNINGs, calls cut (bench/results-overload.md)")
    ap.add_argument("--overload-out", default=os.path.join(HERE, "results-overload.md"))
    ap.add_argument("--answer-spread", type=int, default=0, metavar="MS",
                    help="repeated light pairs per N with probes answered at once and "
                         "after a random 0..MS ms (see answer_spread_main)")
    ap.add_argument("--probe-port", action="store_true",
                    help="vos_timer with a probe_port, and SIPp answering each "
                         "request to its Via (both systems; --profile: the "
                         "--profile-before module keeps none)")
    ap.add_argument("--answer-spread-out",
                    default=os.path.join(HERE, "results-answer-spread.md"))
    ap.add_argument("--report-from", metavar="RUN_DIR", nargs="+",
                    help="write the report again from runs' results.json "
                         "(test/out/bench/run-*; a second run's sizes are "
                         "added, e.g. a separate N=50000), running nothing")
    ap.add_argument("--capture", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.capture:     # PORT PATH [PORT2]
        capture_main(int(args.capture[0]), args.capture[1],
                     int(args.capture[2]) if len(args.capture) > 2 else None)
        return 0
    if args.report_from:
        return report_again(args)
    if os.geteuid() != 0:
        print("bench/run.py needs root (packet capture on lo, perf)", file=sys.stderr)
        return 2
    if args.sizes is None:
        args.sizes = os.environ.get("N") or ("1000 5000" if args.profile
                                             else "1000 5000 20000")
    if args.window is None:
        args.window = 30 if args.profile else 60
    args.sizes = [int(x) for x in args.sizes.replace(",", " ").split()]
    with open("/proc/loadavg") as f:
        args.load_before = " ".join(f.read().split()[:3]) + " (1/5/15 min load average)"
    started = datetime.now(timezone.utc)
    args.git = git_desc()
    os.makedirs(OUT, exist_ok=True)
    module, args.module_label = resolve_module(args.module)
    base_wd = tempfile.mkdtemp(prefix="profile-run-" if args.profile else
                               "overload-run-" if args.overload else
                               "answer-spread-run-" if args.answer_spread else "run-", dir=OUT)
    log("work dir %s; sizes %s; module %s; load %s" % (
        os.path.relpath(base_wd, ROOT), args.sizes, args.module_label, args.load_before))
    if args.profile:
        if args.window % INTERVAL:
            # both systems probe in rounds of one interval (the keepalive all
            # calls set up in the same second at once, vos_timer spread over
            # a few seconds): a window of whole intervals holds whole rounds
            log("warning: --window %d is not a multiple of the probe interval "
                "(%d s): the window holds part of a probe round" % (args.window, INTERVAL))
        return profile_main(args, base_wd, module, args.module_label)
    if args.overload:
        return overload_main(args, base_wd, module)
    if args.answer_spread:
        return answer_spread_main(args, base_wd, module)
    results = []
    for n in [] if args.repeats_only else args.sizes:
        for sysname in args.systems.split():
            r = {"n": n, "system": sysname}
            try:
                run_system(r, args, module, base_wd)
            except Exception as e:  # report it (and what was measured), keep going
                log("  %s N=%d FAILED: %s" % (sysname, n, e))
                r["error"] = str(e)
            results.append(r)
    repeats = {}
    for n in args.sizes:
        if n <= args.repeat_max_n and args.repeats > 0 and \
                set(args.systems.split()) == {"vos_timer", "keepalive"}:
            repeats[str(n)] = run_repeats(n, args, module, base_wd)
    spread = []
    if not args.no_spread and not args.repeats_only:
        try:
            before = build_at(BEFORE_COMMIT, " (before spreading)")
            rate = args.spread_n     # all answered within about 1 s
            spread.append(run_spread("vos_timer %s (before)" % BEFORE_COMMIT, "vos_timer",
                                     before, args.spread_n, rate, base_wd,
                                     args.shm_manager))
            spread.append(run_spread("vos_timer now (after)", "vos_timer", module,
                                     args.spread_n, rate, base_wd, args.shm_manager))
            spread.append(run_spread("dialog keepalive", "keepalive", module,
                                     args.spread_n, rate, base_wd, args.shm_manager))
        except Exception as e:
            log("spreading runs FAILED: %s" % e)
    heap = None
    hp = os.path.join(OUT, "heap.json")
    if os.path.exists(hp):
        with open(hp) as f:
            heap = json.load(f)
    elapsed = time.time() - T_START
    meta = {k: getattr(args, k) for k in REPORT_ARGS}
    meta.update(started=started.isoformat(), elapsed=elapsed,
                repeats_only=args.repeats_only)
    with open(os.path.join(base_wd, "results.json"), "w") as f:
        json.dump({"results": results, "repeats": repeats, "spread": spread,
                   "heap": heap, "meta": meta}, f, indent=1, default=str)
    if args.repeats_only:
        log("repeats kept in %s/results.json: add them to a report with --report-from" %
            os.path.relpath(base_wd, ROOT))
        return 0
    return write_report(report(results, spread, heap, started, elapsed, args, repeats),
                        args.out, os.path.join(base_wd, "results.json"))


def write_report(md, path, raw):
    """The report to path and stdout; 0."""
    with open(path, "w") as f:
        f.write(md)
    print()
    print(md)
    log("results written to %s (raw: %s)" % (os.path.relpath(path, ROOT),
                                             os.path.relpath(raw, ROOT)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
