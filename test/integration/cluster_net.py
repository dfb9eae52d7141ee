# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
"""Network for a two-node cluster failover test: two Kamailio nodes, each
in a network namespace of its own (vtcA<pid>, vtcB<pid>), and the SIPp
endpoints in the root namespace, all on one Linux bridge (vtcbr<pid>):

    root namespace: bridge 10.214.X.254/24 (the endpoints' address)
      |-- veth -- vtcA<pid>: 10.214.X.1/24, + the floating 10.214.X.10/24
      `-- veth -- vtcB<pid>: 10.214.X.2/24

The floating address is where the endpoints send; it starts on node A and
move_floating("B") hands it over (a node that dies does not give it back:
the new holder takes it and the endpoints' ARP entry is fixed at once).
Both node namespaces have net.ipv4.ip_nonlocal_bind=1, so a Kamailio can
listen on the floating address before its node holds it.

Names carry the creating test's pid: parallel runs do not meet, and up()
removes the leftovers of runs whose pid is dead (killed before their
finally). Not root, no `ip`, no namespaces, bridges or veth pairs: up()
raises TestSkipped (run.py prints SKIP and why). Standard library only."""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

from harness import TestFailure, TestSkipped, free_subnet, pid_alive, run_cmd

NODES = ("A", "B")
NET = "10.214"
BRNF_DIR = "/proc/sys/net/bridge"     # there when br_netfilter is loaded (or built in)
BRNF_KEYS = ("bridge-nf-call-iptables", "bridge-nf-call-ip6tables",
             "bridge-nf-call-arptables")
# The br_netfilter settings found before the first live ClusterNet turned
# them off; the last one to go puts them back (several may run at once).
BRNF_SAVED = "/run/vtcluster-bridge-nf"




def _netns_pids(ns):
    r = run_cmd(["ip", "netns", "pids", ns], ok=False)
    return [int(p) for p in r.stdout.split()] if r.returncode == 0 else []


def _kill_netns(ns, timeout_s=5.0):
    """SIGKILL every process in the namespace until none is left (a dying
    parent may still fork): the pids killed."""
    killed = []
    deadline = time.time() + timeout_s
    while True:
        pids = _netns_pids(ns)
        if not pids:
            return killed
        if time.time() > deadline:
            raise TestFailure("processes left in %s: %s" % (ns, pids))
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                if pid not in killed:
                    killed.append(pid)
            except ProcessLookupError:
                pass
        time.sleep(0.05)


# A UDP echo in a namespace (for the path check in up()): answers every
# datagram until its time is up.
_ECHO = r"""
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
s.settimeout(0.2)
end = time.time() + float(sys.argv[3])
print("ready", flush=True)
while time.time() < end:
    try:
        d, a = s.recvfrom(2048)
        s.sendto(d, a)
    except socket.timeout:
        pass
"""

# Ask an echo until it answers: exit status 0 when it did.
_PROBE = r"""
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
s.settimeout(0.1)
end = time.time() + float(sys.argv[4])
while time.time() < end:
    s.sendto(b"vtc", (sys.argv[2], int(sys.argv[3])))
    try:
        if s.recvfrom(2048)[0] == b"vtc":
            sys.exit(0)
    except OSError:
        pass
sys.exit(1)
"""

# A gratuitous ARP request (sender = target = the address) from a node's
# interface, for when there is no arping: neighbours with an entry for the
# address take the new MAC.
_GARP = r"""
import socket, sys
dev, ip, mac = sys.argv[1:4]
m, a = bytes.fromhex(mac.replace(":", "")), socket.inet_aton(ip)
arp = b"\x00\x01\x08\x00\x06\x04\x00\x01" + m + a + b"\x00" * 6 + a
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((dev, 0))
s.send((b"\xff" * 6 + m + b"\x08\x06" + arp).ljust(60, b"\x00"))
"""


class ClusterNet:
    """A bridge for the endpoints and two node namespaces on it, with a
    floating address that moves between the nodes."""

    def __init__(self):
        tag = os.getpid()
        self.tag = tag
        self.bridge = "vtcbr%d" % tag
        self.ns = {n: "vtc%s%d" % (n, tag) for n in NODES}
        self.host_if = {n: "vtch%d%s" % (tag, n.lower()) for n in NODES}   # bridge ports
        self.node_if = {n: "vtcn%d%s" % (tag, n.lower()) for n in NODES}   # in the namespaces
        self.subnet = None
        self.endpoint_ip = None
        self.node_ip = {}
        self.floating_ip = None
        self.holder = None          # the node the floating address is on
        self.garp = None            # how the last move announced it
        self.brnf = None            # what was done about br_netfilter
        self.made = False

    # -- leftovers ---------------------------------------------------------
    def _reap_stale(self):
        """Leftovers of earlier runs that were killed before their finally
        ran (names carry the creating test's pid; only dead pids' go, and
        our own pid's: an earlier ClusterNet of this process not taken
        down). Their namespaces' processes are killed first, or the
        namespace (and its veth) would outlive its name."""
        def stale(pid):
            return int(pid) == self.tag or not pid_alive(int(pid))
        r = run_cmd(["ip", "netns", "list"], ok=False)
        for m in re.finditer(r"^(vtc[AB](\d+))\b", r.stdout, re.M):
            if stale(m.group(2)):
                try:
                    _kill_netns(m.group(1))
                except TestFailure:
                    pass
                run_cmd(["ip", "netns", "del", m.group(1)], ok=False)
        r = run_cmd(["ip", "-o", "link", "show"], ok=False)
        for m in re.finditer(r"^\d+: (vtch(\d+)[ab])[@:]", r.stdout, re.M):
            if stale(m.group(2)):
                run_cmd(["ip", "link", "del", m.group(1)], ok=False)
        for m in re.finditer(r"^\d+: (vtcbr(\d+))[@:]", r.stdout, re.M):
            if stale(m.group(2)):
                run_cmd(["ip", "link", "del", m.group(1)], ok=False)
        if not self._other_live_bridges():
            self._brnf_restore()

    def _other_live_bridges(self):
        r = run_cmd(["ip", "-o", "link", "show", "type", "bridge"], ok=False)
        return [int(p) for p in re.findall(r"^\d+: vtcbr(\d+)[@:]", r.stdout, re.M)
                if int(p) != self.tag and pid_alive(int(p))]

    def _subnet(self):
        return free_subnet(NET, "the cluster bridge")

    # -- br_netfilter --------------------------------------------------------
    def _brnf_off(self):
        """With br_netfilter loaded, bridged packets go through iptables /
        arptables, whose rules (a FORWARD policy DROP, say) may drop the
        nodes' traffic: turn that off while a cluster net lives (these
        sysctls are the bridge's namespace's, the root one here)."""
        if not os.path.isdir(BRNF_DIR):
            self.brnf = "br_netfilter not loaded"
            return
        cur = {}
        for k in BRNF_KEYS:
            try:
                with open(os.path.join(BRNF_DIR, k)) as f:
                    cur[k] = f.read().strip()
            except OSError:
                pass
        if not os.path.exists(BRNF_SAVED):
            with open(BRNF_SAVED, "w") as f:
                f.write("".join("%s %s\n" % kv for kv in cur.items()))
        failed = []
        for k, v in cur.items():
            if v != "0":
                try:
                    with open(os.path.join(BRNF_DIR, k), "w") as f:
                        f.write("0")
                except OSError as e:
                    failed.append("%s: %s" % (k, e))
        self.brnf = ("set to 0 (were %s)" % cur if not failed else
                     "could not turn off: %s" % "; ".join(failed))

    @staticmethod
    def _brnf_restore():
        if not os.path.exists(BRNF_SAVED):
            return
        with open(BRNF_SAVED) as f:
            for line in f:
                k, _, v = line.strip().partition(" ")
                if k in BRNF_KEYS and v:
                    try:
                        with open(os.path.join(BRNF_DIR, k), "w") as g:
                            g.write(v)
                    except OSError:
                        pass
        os.unlink(BRNF_SAVED)

    # -- up / down -----------------------------------------------------------
    def up(self):
        """Makes it all (TestSkipped where it cannot be done); on any
        failure, what was made goes again before the exception."""
        try:
            return self._up()
        except BaseException:
            self.down()
            raise

    def _up(self):
        if os.geteuid() != 0:
            raise TestSkipped("needs root (network namespaces, bridge, veth pairs)")
        if shutil.which("ip") is None:
            raise TestSkipped("no ip command")
        self._reap_stale()
        self.made = True       # from here on, down() undoes whatever was made
        r = run_cmd(["ip", "link", "add", self.bridge, "type", "bridge", "stp_state", "0"], ok=False)
        if r.returncode != 0:
            raise TestSkipped("cannot make a bridge: %s" % r.stderr.strip())
        self._brnf_off()
        x = self.subnet = self._subnet()
        self.endpoint_ip = "%s.%d.254" % (NET, x)
        self.node_ip = {"A": "%s.%d.1" % (NET, x), "B": "%s.%d.2" % (NET, x)}
        self.floating_ip = "%s.%d.10" % (NET, x)
        run_cmd(["ip", "addr", "add", self.endpoint_ip + "/24", "dev", self.bridge])
        run_cmd(["ip", "link", "set", self.bridge, "up"])
        for n in NODES:
            ns = self.ns[n]
            r = run_cmd(["ip", "netns", "add", ns], ok=False)
            if r.returncode != 0:
                raise TestSkipped("network namespaces not allowed here: %s" % r.stderr.strip())
            r = run_cmd(["ip", "link", "add", self.host_if[n], "type", "veth", "peer", "name",
                      self.node_if[n], "netns", ns], ok=False)
            if r.returncode != 0:
                raise TestSkipped("cannot make a veth pair: %s" % r.stderr.strip())
            run_cmd(["ip", "link", "set", self.host_if[n], "master", self.bridge])
            run_cmd(["ip", "link", "set", self.host_if[n], "up"])
            run_cmd(["ip", "-n", ns, "link", "set", "lo", "up"])
            run_cmd(["ip", "-n", ns, "addr", "add", self.node_ip[n] + "/24",
                  "dev", self.node_if[n]])
            run_cmd(["ip", "-n", ns, "link", "set", self.node_if[n], "up"])
            # per namespace: listen on the floating address before holding it
            self._sysctl(ns, "net.ipv4.ip_nonlocal_bind", "1")
        run_cmd(["ip", "-n", self.ns["A"], "addr", "add", self.floating_ip + "/24",
              "dev", self.node_if["A"]])
        self.holder = "A"
        self._check_paths()
        return self

    @staticmethod
    def _sysctl(ns, key, value):
        path = "/proc/sys/" + key.replace(".", "/")
        # /proc/sys/net shows the namespace of the process that reads it
        run_cmd(["sh", "-c", 'echo %s > %s && test "$(cat %s)" = %s' % (value, path, path, value)],
             ns=ns)

    def _check_paths(self):
        """UDP must pass endpoints <-> each node and node <-> node (DMQ)
        before a test relies on it: a bridge that filters fails here, with
        what br_netfilter looked like."""
        port = 5999
        echo = {}
        try:
            for n in NODES:
                echo[n] = subprocess.Popen(
                    ["ip", "netns", "exec", self.ns[n], sys.executable, "-c", _ECHO,
                     self.node_ip[n], str(port), "5"],
                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                echo[n].stdout.readline()      # "ready"
            for src_ns, src, dst in ((None, self.endpoint_ip, "A"), (None, self.endpoint_ip, "B"),
                                     (self.ns["A"], self.node_ip["A"], "B"),
                                     (self.ns["B"], self.node_ip["B"], "A")):
                r = run_cmd([sys.executable, "-c", _PROBE, src, self.node_ip[dst], str(port), "3"],
                         ns=src_ns, ok=False)
                if r.returncode != 0:
                    raise TestSkipped("UDP from %s does not reach node %s (%s) over the bridge "
                                      "(br_netfilter: %s)" % (src, dst, self.node_ip[dst],
                                                              self.brnf))
        finally:
            for p in echo.values():
                p.kill()
                p.wait()

    def down(self):
        """Everything goes, whatever state up() reached (idempotent, for a
        finally block). Processes still in the namespaces are killed: a
        namespace holding processes would outlive its name."""
        if not self.made:
            return
        for n in NODES:
            try:
                _kill_netns(self.ns[n])
            except TestFailure:
                pass
            run_cmd(["ip", "netns", "del", self.ns[n]], ok=False)   # its veth end, so the pair
            run_cmd(["ip", "link", "del", self.host_if[n]], ok=False)
        run_cmd(["ip", "link", "del", self.bridge], ok=False)
        if not self._other_live_bridges():
            self._brnf_restore()
        self.made = False
        self.holder = None

    # -- failover ------------------------------------------------------------
    def pids(self, name):
        """The pids in node `name`'s namespace (`ip netns pids`)."""
        return _netns_pids(self.ns[name])

    def kill_node(self, name, timeout_s=5.0):
        """SIGKILL every process in node `name`'s namespace (the machine
        gone; run it after or instead of stop_proc(p, SIGKILL) on the
        node's Kamailio): the pids killed."""
        return _kill_netns(self.ns[name], timeout_s)

    def node_down(self, name):
        """Node `name`'s link goes down (with its processes killed: the
        machine is gone). Its bridge port loses carrier too."""
        run_cmd(["ip", "-n", self.ns[name], "link", "set", self.node_if[name], "down"])

    def node_up(self, name):
        run_cmd(["ip", "-n", self.ns[name], "link", "set", self.node_if[name], "up"])

    def mac(self, name):
        out = run_cmd(["ip", "-n", self.ns[name], "-o", "link", "show", self.node_if[name]]).stdout
        m = re.search(r"link/ether ([0-9a-f:]{17})", out)
        if not m:
            raise TestFailure("no MAC for %s in: %s" % (self.node_if[name], out))
        return m.group(1)

    def move_floating(self, to="B", neigh=True):
        """The floating address leaves the other node (which may be down:
        errors ignored) and comes up on `to`; a gratuitous ARP announces it
        (arping when there is one, else a raw frame), and with neigh the
        root namespace's neighbour entry is set to `to`'s MAC at once, so
        the endpoints send nothing to the dead node's MAC (a gratuitous ARP
        alone may be lost, or not taken)."""
        other = "B" if to == "A" else "A"
        run_cmd(["ip", "-n", self.ns[other], "addr", "del", self.floating_ip + "/24",
              "dev", self.node_if[other]], ok=False)
        run_cmd(["ip", "-n", self.ns[to], "addr", "replace", self.floating_ip + "/24",
              "dev", self.node_if[to]])
        self.holder = to
        mac = self.mac(to)
        self.garp = None
        if shutil.which("arping"):
            # iputils' arping (-U: unsolicited, source = the address); the
            # other arping takes other options and fails here: raw frame
            r = run_cmd(["arping", "-U", "-c", "1", "-I", self.node_if[to], self.floating_ip],
                     ns=self.ns[to], ok=False, timeout=5)
            if r.returncode == 0:
                self.garp = "arping"
        if self.garp is None:
            r = run_cmd([sys.executable, "-c", _GARP, self.node_if[to], self.floating_ip, mac],
                     ns=self.ns[to], ok=False)
            self.garp = "raw frame" if r.returncode == 0 else \
                "failed: %s" % r.stderr.strip()
        if neigh:
            run_cmd(["ip", "neigh", "replace", self.floating_ip, "lladdr", mac,
                  "dev", self.bridge, "nud", "reachable"])

    def neigh(self):
        """The root namespace's neighbour entry for the floating address
        ('' when none), e.g. '10.214.X.10 lladdr 02:.. REACHABLE'."""
        return run_cmd(["ip", "neigh", "show", self.floating_ip, "dev", self.bridge],
                    ok=False).stdout.strip()
