# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
"""Test harness: real Kamailio with the built vos_timer module, real SIPp
endpoints, all on 127.0.0.1 with free ports. Standard library only.

Every process a test starts is registered and killed at the end of the test
(or at exit), whatever happens.
"""
import atexit
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
from datetime import datetime

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scenarios")
MODULE = os.path.join(ROOT, "modules", "vos_timer", "vos_timer.so")
CFG = os.path.join(ROOT, "kamailio.cfg.sample")

_procs = []


def _cleanup():
    for p in list(_procs):
        stop_proc(p)


atexit.register(_cleanup)


def stop_proc(p, sig=signal.SIGTERM, wait_s=5.0):
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
    if p in _procs:
        _procs.remove(p)


def spawn(args, log_path):
    log = open(log_path, "w")
    p = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    log.close()
    _procs.append(p)
    return p


def free_udp_port(host="127.0.0.1"):
    """A UDP port on host (an address of this namespace) that nobody holds
    right now (and whose TCP twin is free too, as Kamailio may probe both)."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(50):
        u = socket.socket(fam, socket.SOCK_DGRAM)
        u.bind((host, 0))
        port = u.getsockname()[1]
        t = socket.socket(fam, socket.SOCK_STREAM)
        try:
            t.bind((host, port))
            return port
        except OSError:
            continue
        finally:
            t.close()
            u.close()
    raise RuntimeError("no free port")


# A call's answer time in the tests is when SIPp logged the 200 leaving; the
# proxy's clock (where no_timer_limit counts from) saw it a few ms later,
# and SIPp stamps its log from a clock it reads once per loop. Lower
# bounds of "BYE n s after the answer" allow this much.
TS_SKEW_S = 0.05


class TestSkipped(Exception):
    """The test cannot run here (run.py reports it as SKIP, with why)."""


class TestFailure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


_jsonrpc_seq = itertools.count()


def run_cmd(args, ns=None, ok=True, stdin=None, timeout=20):
    """Run a command (in network namespace ns when given); with ok, a
    non-zero exit is a TestFailure carrying its message."""
    if ns:
        args = ["ip", "netns", "exec", ns] + args
    r = subprocess.run(args, capture_output=True, text=True, input=stdin, timeout=timeout)
    if ok and r.returncode != 0:
        raise TestFailure("%s: %s" % (" ".join(args), (r.stderr or r.stdout).strip()))
    return r


def free_subnet(net, what):
    """X such that net.X.0/24 is on no interface or route here (a test's
    own addresses); TestSkipped when there is none."""
    used = run_cmd(["ip", "-4", "-o", "addr", "show"], ok=False).stdout
    used += run_cmd(["ip", "-4", "route", "show"], ok=False).stdout
    start = os.getpid() % 200
    for i in range(200):
        x = 20 + (start + i) % 200
        if "%s.%d." % (net, x) not in used:
            return x
    raise TestSkipped("no free %s.X.0/24 subnet for %s" % (net, what))


def pid_alive(pid):
    """For the leftovers of killed runs, named after their pid."""
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


class Kamailio:
    """kamailio.cfg.sample (or another config taking the same -A defines,
    cfg=path), parameterised with -A defines (VT_LISTEN among them: the
    default, a free port on 127.0.0.1, is for the root namespace; it may
    list several sockets, space-separated). With netns, Kamailio runs in
    that network namespace (`ip netns exec` execs it: self.proc is
    Kamailio's main process, its process group all of Kamailio's, so
    stop_proc(p, SIGKILL) kills them all, though some may still be exiting
    when it returns); kamcmd still reaches it over the ctl socket, a file."""

    def __init__(self, workdir, defines=None, shm_mb=64, cfg=CFG, netns=None):
        self.workdir = workdir
        self.port = free_udp_port()
        self.ctl = os.path.join(workdir, "ctl.sock")
        self.log_path = os.path.join(workdir, "kamailio.log")
        d = {
            "VT_LISTEN": "udp:127.0.0.1:%d" % self.port,
            "VT_CTL": '"unix:%s"' % self.ctl,
            "VT_RPC_FIFO": '"%s"' % os.path.join(workdir, "rpc.fifo"),
            "VT_MODULE": '"%s"' % MODULE,
            "VT_CHILDREN": "2",
            "VT_FR_TIMER": "1000",
        }
        d.update(defines or {})
        self.args = ["kamailio", "-f", cfg, "-DD", "-E", "-m", str(shm_mb),
                     "-M", "8", "-w", workdir, "-Y", workdir]
        for k, v in d.items():
            self.args += ["-A", "%s=%s" % (k, v)]
        self.netns = netns
        if netns:
            self.args = ["ip", "netns", "exec", netns] + self.args
        self.proc = None

    def start(self, expect_ready=True, timeout_s=15.0):
        if os.path.exists(self.ctl):
            os.remove(self.ctl)   # a killed run's: kamcmd would fail on it
        self.proc = spawn(self.args, self.log_path)
        if not expect_ready:
            return self
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise TestFailure("kamailio exited with %s at start:\n%s" %
                                  (self.proc.returncode, self.log_tail()))
            if os.path.exists(self.ctl):
                out = self.rpc_raw("core.uptime")
                if out is not None and "error" not in out:
                    return self
            time.sleep(0.1)
        raise TestFailure("kamailio not ready in %.0fs:\n%s" %
                          (timeout_s, self.log_tail()))

    def wait_exit(self, timeout_s=15.0):
        try:
            return self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        if self.proc is not None:
            stop_proc(self.proc)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def wait_log(self, pattern, timeout_s, what):
        """Log lines come from whichever process ran the route (the dialog's
        end route runs when the BYE's reply arrives), possibly after the
        state we waited on changed: poll for them."""
        try:
            return self.wait_for(lambda: re.search(pattern, self.log()), timeout_s, what)
        except TestFailure:
            raise TestFailure("no log line for %s; log tail:\n%s" % (what, self.log_tail()))

    def log_tail(self, n=30):
        return "\n".join(self.log().splitlines()[-n:])

    def rpc_raw(self, *args):
        try:
            r = subprocess.run(["kamcmd", "-s", "unix:" + self.ctl] + list(args),
                               capture_output=True, text=True, timeout=10)
        except subprocess.TimeoutExpired:
            return None
        return r.stdout + r.stderr

    def jsonrpc(self, method, *params, timeout_s=10.0):
        """The same RPC over jsonrpcs' FIFO (the sample's VT_RPC_FIFO):
        returns the decoded JSON reply ({"result": ...} or {"error": ...})."""
        fifo = os.path.join(self.workdir, "rpc.fifo")
        reply = "vt_jsonrpc_%d_%d" % (os.getpid(), next(_jsonrpc_seq))
        reply_path = os.path.join("/tmp", reply)   # jsonrpcs' fifo_reply_dir
        os.mkfifo(reply_path, 0o666)
        try:
            req = {"jsonrpc": "2.0", "method": method, "params": list(params),
                   "reply_name": reply, "id": 1}
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            with os.fdopen(fd, "w") as f:
                f.write(json.dumps(req) + "\n")
            # open the reply side without blocking forever
            rfd = os.open(reply_path, os.O_RDONLY | os.O_NONBLOCK)
            data, deadline = b"", time.time() + timeout_s
            got_writer = False
            while time.time() < deadline:
                try:
                    chunk = os.read(rfd, 65536)
                except BlockingIOError:
                    chunk = None
                if chunk:
                    data += chunk
                    got_writer = True
                elif chunk == b"" and got_writer:
                    break          # the writer closed: reply complete
                time.sleep(0.02)
            os.close(rfd)
            check(data, "jsonrpc %s: no reply" % method)
            return json.loads(data.decode())
        finally:
            os.unlink(reply_path)

    def rpc(self, *args):
        """kamcmd exits 0 even when the RPC fails: look at the text."""
        out = self.rpc_raw(*args)
        check(out is not None, "kamcmd %s timed out" % " ".join(args))
        check(not out.startswith("error"), "kamcmd %s: %s" % (" ".join(args), out))
        return out

    def rpc_struct(self, *args):
        """Parse kamcmd's '{ key: value ... }' output into dicts (a list,
        one per struct)."""
        out = self.rpc(*args)
        items, cur = [], None
        for line in out.splitlines():
            s = line.strip()
            if s == "{":
                cur = {}
            elif s == "}":
                if cur is not None:
                    items.append(cur)
                cur = None
            elif cur is not None and ":" in s:
                k, v = s.split(":", 1)
                v = v.strip()
                cur[k.strip()] = int(v) if re.fullmatch(r"-?\d+", v) else v
        return items

    def stats(self):
        items = self.rpc_struct("vos_timer.stats")
        check(len(items) == 1, "vos_timer.stats: unexpected output")
        return items[0]

    def wait_released(self, timeout_s, what="every call released"):
        """vos_timer.stats once no call is managed any more."""
        return self.wait_for(lambda: (lambda s: s if s["managed"] == 0 else None)(self.stats()),
                             timeout_s, what)

    def shm_used(self):
        out = self.rpc("core.shmmem")
        m = re.search(r"used:\s*(\d+)", out)
        check(m is not None, "core.shmmem: no used size in %r" % out)
        return int(m.group(1))

    def module_shm(self):
        out = self.rpc("mod.stats", "vos_timer", "shm")
        m = re.search(r"Total:\s*(\d+)", out)
        check(m is not None, "mod.stats: no total in %r" % out)
        return int(m.group(1))

    def wait_for(self, pred, timeout_s, what):
        deadline = time.time() + timeout_s
        last = None
        while time.time() < deadline:
            last = pred()
            if last:
                return last
            time.sleep(0.1)
        raise TestFailure("timed out waiting for %s" % what)


class SipMessage:
    def __init__(self, ts, sent, text):
        self.ts = ts
        self.sent = sent
        self.text = text
        lines = text.split("\n")
        self.first_line = lines[0].strip() if lines else ""
        self.headers = []
        for ln in lines[1:]:
            ln = ln.rstrip("\r")
            if not ln:
                break
            if ":" in ln:
                n, v = ln.split(":", 1)
                self.headers.append((n.strip().lower(), v.strip()))

    def header(self, name):
        name = name.lower()
        for n, v in self.headers:
            if n == name:
                return v
        return None

    def all(self, name):
        name = name.lower()
        return [v for n, v in self.headers if n == name]

    @property
    def is_request(self):
        return not self.first_line.startswith("SIP/2.0")

    @property
    def method(self):
        if self.is_request:
            return self.first_line.split(" ", 1)[0]
        cseq = self.header("cseq") or ""
        return cseq.split()[-1] if cseq else ""

    @property
    def status(self):
        if self.is_request:
            return None
        return int(self.first_line.split()[1])


_BLOCK = re.compile(r"^-{20,} (\d{4}-\d\d-\d\d)[ \t](\d\d:\d\d:\d\d\.\d+)\s*$")


def parse_sipp_messages(path):
    """SIPp -trace_msg file -> [SipMessage] in file order."""
    msgs = []
    if not os.path.exists(path):
        return msgs
    with open(path, errors="replace") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        m = _BLOCK.match(lines[i])
        if not m:
            i += 1
            continue
        ts = datetime.strptime(m.group(1) + " " + m.group(2),
                               "%Y-%m-%d %H:%M:%S.%f").timestamp()
        i += 1
        if i >= len(lines):
            break
        kind = lines[i]
        sent = "sent" in kind
        i += 1
        body = []
        while i < len(lines) and not _BLOCK.match(lines[i]):
            body.append(lines[i])
            i += 1
        text = "\n".join(body).strip("\n")
        if text:
            msgs.append(SipMessage(ts, sent, text))
    return msgs


class Sipp:
    """local_ip: the address SIPp binds (-i), 127.0.0.1 unless given."""

    def __init__(self, workdir, name, scenario, port=None, remote=None,
                 keys=None, extra=None, local_ip=None):
        self.name = name
        self.local_ip = local_ip or "127.0.0.1"
        self.port = port or free_udp_port(self.local_ip)
        self.msg_path = os.path.join(workdir, name + ".msg")
        self.err_path = os.path.join(workdir, name + ".err")
        self.log_path = os.path.join(workdir, name + ".out")
        args = ["sipp"]
        if remote:
            args.append(remote)
        args += ["-sf", os.path.join(SCEN, scenario), "-i", self.local_ip,
                 "-p", str(self.port), "-trace_msg", "-message_file",
                 self.msg_path, "-trace_err", "-error_file", self.err_path,
                 "-nostdin"]
        all_keys = {"invite_hdr": "X-VT-Test: plain", "answer_hdr": "X-VT-Test: plain"}
        all_keys.update(keys or {})
        for k, v in all_keys.items():
            args += ["-key", k, str(v)]
        args += list(extra or [])
        self.args = args
        self.proc = None

    def start(self):
        self.proc = spawn(self.args, self.log_path)
        return self

    def wait(self, timeout_s):
        try:
            return self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            stop_proc(self.proc)
            raise TestFailure("%s did not finish in %.0fs" % (self.name, timeout_s))

    def stop(self):
        if self.proc is not None:
            stop_proc(self.proc)

    def messages(self):
        return parse_sipp_messages(self.msg_path)

    def output(self):
        out = ""
        for p in (self.log_path, self.err_path):
            if os.path.exists(p):
                with open(p, errors="replace") as f:
                    out += f.read()[-3000:]
        return out

    def first_errors(self, n=1200):
        """The start of SIPp's error file: the first event (what made it
        abort a call) even when many follow."""
        if not os.path.exists(self.err_path):
            return ""
        with open(self.err_path, errors="replace") as f:
            return f.read(n)

    def find(self, sent, method, status=None):
        return [m for m in self.messages() if m.sent == sent and
                m.method == method and (status is None or m.status == status)
                and (status is not None or m.is_request)]


def proxy_byes(side):
    """call-id -> the BYE transactions the proxy itself sent an endpoint
    (the module's carry a Reason header), each as its first copy: tm's
    retransmissions (same top Via and CSeq) are the same BYE."""
    out, seen = {}, set()
    for m in side.find(False, "BYE"):
        k = (m.header("via"), m.header("cseq"))
        if m.header("reason") and k not in seen:
            seen.add(k)
            out.setdefault(m.header("call-id"), []).append(m)
    return out


def call_ids(side):
    """The Call-IDs an endpoint saw."""
    return {m.header("call-id") for m in side.messages() if m.header("call-id")}


def dead_call_teardowns(uac, uas, reason):
    """The proxy's teardowns of the calls a caller/callee pair carried,
    each of which must carry the Reason text `reason`: (calls not ended,
    calls whose teardown reached one leg only or came twice, {call-id:
    (BYE to the caller, BYE to the callee)} for those ended on both legs)."""
    a, b = proxy_byes(uac), proxy_byes(uas)
    left = one_leg = 0
    ended = {}
    for cid in call_ids(uas):
        na, nb = len(a.get(cid, [])), len(b.get(cid, []))
        if na == nb == 0:
            left += 1
        elif na != 1 or nb != 1:
            one_leg += 1
        else:
            check(('text="%s"' % reason) in b[cid][0].header("reason"),
                  "call %s ended with reason %r, want %s"
                  % (cid, b[cid][0].header("reason"), reason))
            ended[cid] = (a[cid][0], b[cid][0])
    return left, one_leg, ended


OUT = os.environ.get("VT_TEST_OUT") or os.path.join(ROOT, "test", "out")


def workdir(name):
    base = OUT
    os.makedirs(base, exist_ok=True)
    return tempfile.mkdtemp(prefix=name + "-", dir=base)
