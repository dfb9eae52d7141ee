#!/usr/bin/env python3
# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
"""make bench-profile: where Kamailio's CPU per probe exchange goes.

bench/run.py --profile runs the calls and records every Kamailio process
with `perf record -e cpu-clock --call-graph dwarf` over a window; this file
turns the recording into figures:

  - every sample (perf script -F pid,period,ip,sym --no-inline) is put in
    one component: its stack is scanned from the leaf toward the root and
    the FIRST frame whose symbol matches one of ANCHORS (in their order, at
    each frame) names it; a stack with no match is "other";
  - the sample's pid gives the Kamailio process role (core.psx), and the
    role one of ROLE_GROUPS;
  - the sample's period (ns on CPU, cpu-clock) is summed per (role group,
    component) and divided by the probe exchanges of the window (tmx
    UAC_transactions growth, plus vos_timer's probes_stateless: the probes
    it sends without tm) into us per probe exchange;
  - bench/profile.md gets one table per N (components by system), and
    bench/run.py's report embeds those tables (embed_tables()).

Standalone, for a look at the stacks of a recording:

  python3 bench/profile.py WORKDIR/perf.data --roles WORKDIR/roles.json \
      --stacks 10

prints 10 samples with their stack and the component each one got, then
the totals per role group and component (ns). Standard library only.
"""
import argparse
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Components, in the order they are tried at each frame (leaf first). The
# first frame that matches any of them decides. Debian's tm.so and
# dialog.so carry only their dynamic symbols: their static functions show
# as [unknown] and never match; vos_timer.so has full symbols.
# fork_basic_timer / fork_sync_timer (core) are in "timers" so that the
# timer loops of both systems count alike: vos_timer's process runs in
# fork_basic_utimer ("utimer"), the dialog KA timer in fork_sync_timer, whose
# own frames (select() in user space) would otherwise be "other".
# vt_timer_fork: vos_timer's own loop since it sleeps until the next
# deadline (vt_timer_loop() and its poll() are inlined there).
# req_within is tm's t_request_within (the API member's name is not a
# symbol: the function behind it is req_within, exported by Debian's tm.so).
ANCHORS = [
    ("lock contention",
     r"futex_wait|do_futex|__x64_sys_futex|sched_yield|do_sched_yield"),
    ("scheduler: sleep and wake-ups",
     r"^(__)?schedule$|finish_task_switch|try_to_wake_up|ttwu_|__wake_up|"
     r"hrtimer_nanosleep|do_nanosleep|do_select|do_sys_poll|ep_poll|"
     r"pick_next_task|dequeue_task|enqueue_task|"
     r"__x64_sys_(nanosleep|clock_nanosleep|select|poll|epoll_wait)"),
    ("module reply callback",
     r"answered_cb|probe_answered|vt_store_probe_result|dlg_ka_cb_all|"
     r"dlg_ka_cb_src|dlg_ka_cb_dst|vt_uac_reply|vt_flight_answer|"
     r"vt_flight_parse_branch"),
    ("dialog lookup",
     r"vt_dialog_get|vt_dlg_find_id|dlg_lookup|dlg_get_by_iuid"),
    ("dlg_t building",
     r"vt_dialog_leg|vt_dialog_legs|vt_leg_free|parse_rr_body|free_rr|"
     r"build_dlg_t|free_tm_dlg|vt_tm_send"),
    ("request build and send (tm's t_request_within, or the module's own)",
     r"t_request_within|req_within|t_uac|t_uac_with_ids|t_uac_prepare|"
     r"send_prepared_request|build_uac_req|udp_send|msg_send|vt_uac_send|"
     r"vt_flight_add|vt_flight_branch"),
    ("job copy-out, pkg allocations",
     r"vt_store_next_due|vt_store_take_due|job_fill_locked|"
     r"vt_store_job_clean|vt_jobs_"),
    ("reply matching (tm, workers)",
     r"reply_received|t_reply_matching|local_reply|receive_msg|parse_msg|"
     r"udp_rcv_loop|recvfrom"),
    ("timers (tm, core)",
     r"timer_main|timer_handler|slow_timer_main|utimer|run_timer|"
     r"wait_handler|retr_buf_handler|fr_timer|dlg_ka_run|dlg_ka_timer_exec|"
     r"dlg_timer_routine|vt_timer_tick|vt_timer_loop|vt_timer_fork|"
     r"vt_uac_run|vt_uac_next_ms|vt_flight_run|vt_flight_next_ms|"
     r"fork_basic_timer|fork_sync_timer"),
]
OTHER = "other"
COMPONENTS = [a[0] for a in ANCHORS] + [OTHER]
_ANCHOR_RE = [(name, re.compile(rx)) for name, rx in ANCHORS]

ROLE_GROUPS = ["deadline process", "UDP workers", "timers", "other processes"]


def role_group(role):
    """Role group of a Kamailio process role (core.psx, numbers stripped)."""
    if role in ("vos_timer deadlines", "Dialog KA Timer"):
        return "deadline process"
    if role.startswith("udp receiver"):
        return "UDP workers"
    if "timer" in role.lower():
        return "timers"
    return "other processes"


def classify(stack):
    """Component of one sample: stack = symbol names, leaf first."""
    for sym in stack:
        for name, rx in _ANCHOR_RE:
            if rx.search(sym):
                return name
    return OTHER


def _clean_sym(s):
    """'__libc_start_main@@GLIBC_2.34' -> '__libc_start_main'."""
    return s.split("@@")[0].strip()


def perf_samples(data):
    """Yield (pid, period_ns, [symbol, ...] leaf first) for every sample of
    a perf.data recorded with a call graph."""
    p = subprocess.Popen(["perf", "script", "-i", data, "-F", "pid,period,ip,sym",
                          "--no-inline"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True, errors="replace")
    head, stack = None, []
    for ln in p.stdout:
        if not ln.strip():
            if head:
                yield head[0], head[1], stack
            head, stack = None, []
            continue
        if ln[0] == "\t":              # a frame: "\t  <ip> <sym>"
            parts = ln.split(None, 1)
            stack.append(_clean_sym(parts[1]) if len(parts) > 1 else "[unknown]")
            continue
        f = ln.split()                 # a sample: " <pid> <period>"
        if len(f) >= 2 and f[0].isdigit() and f[1].isdigit():
            head, stack = (int(f[0]), int(f[1])), []
    if head:
        yield head[0], head[1], stack
    p.wait()


def analyse(data, roles, show_stacks=0, out=sys.stdout, show_role=None):
    """Sum the samples of perf.data per (role group, component).

    roles: {pid: role}; show_stacks: print that many samples (of role
    show_role only, if given) with their stack and component. Returns {"samples": n, "ns": {group: {component:
    ns}}, "ns_by_role": {role: ns}, "unmatched_anchors": [components no
    sample reached], "unknown_pids": n samples of pids not in roles}."""
    ns = {g: {c: 0 for c in COMPONENTS} for g in ROLE_GROUPS}
    by_role = {}
    hit = set()
    samples = unknown = shown = 0
    for pid, period, stack in perf_samples(data):
        samples += 1
        role = roles.get(pid)
        if role is None:
            unknown += 1
            role = "?"
        comp = classify(stack)
        hit.add(comp)
        ns[role_group(role)][comp] += period
        by_role[role] = by_role.get(role, 0) + period
        if shown < show_stacks and show_role in (None, role):
            shown += 1
            print("-- pid %d (%s), %d ns -> %s" % (pid, role, period, comp), file=out)
            for s in stack[:40]:
                print("     " + s, file=out)
    return {"samples": samples, "ns": ns, "ns_by_role": by_role,
            "unmatched_anchors": [c for c in COMPONENTS if c not in hit and c != OTHER],
            "unknown_pids": unknown}


# ---------------------------------------------------------------- profile.md

def _cell(ns, uac, total):
    if not uac:
        return "n/a"
    return "%.1f (%.0f%%)" % (ns / uac / 1000.0, 100.0 * ns / total if total else 0)


def tables(runs, sizes, labels):
    """One Markdown table per N: rows = components, role group totals and
    "all"; columns = the systems profiled. runs: the run dicts of
    bench/run.py's profile mode (n, label, uac, ns, samples...)."""
    L = []
    by = {(r["n"], r["label"]): r for r in runs}
    for n in sizes:
        cols = [lb for lb in labels if (n, lb) in by]
        if not cols:
            continue
        L.append("### N = %d" % n)
        L.append("")
        L.append("| component (us per probe exchange, share of all) | " +
                 " | ".join(cols) + " |")
        L.append("|---|" + "---|" * len(cols))
        tot = {}
        for lb in cols:
            r = by[(n, lb)]
            tot[lb] = sum(sum(g.values()) for g in r.get("ns", {}).values())

        def row(name, f):
            cells = []
            for lb in cols:
                r = by[(n, lb)]
                if "error" in r:
                    cells.append("failed: %s" % r["error"])
                else:
                    cells.append(_cell(f(r["ns"]), r["uac"], tot[lb]))
            L.append("| %s | %s |" % (name, " | ".join(cells)))

        for c in COMPONENTS:
            row(c, lambda ns, c=c: sum(ns[g][c] for g in ROLE_GROUPS))
        for g in ROLE_GROUPS:
            row("*%s (total)*" % g, lambda ns, g=g: sum(ns[g].values()))
        row("**all**", lambda ns: sum(sum(v.values()) for v in ns.values()))
        info = []
        for lb in cols:
            r = by[(n, lb)]
            if "error" not in r:
                one = (tot[lb] / r["samples"] / r["uac"] / 1000.0
                       if r["samples"] and r["uac"] else 0)
                info.append("%s: %d probe exchanges in %.1f s, %d samples, one "
                            "sample = %.1f us per probe exchange" % (
                                lb, r["uac"], r["window_s"], r["samples"], one))
        L.append("")
        L.append("(%s.)" % "; ".join(info))
        L.append("")
    return L


def write_md(path, runs, sizes, labels, settings):
    """bench/profile.md. settings: {"date", "git", "lines": [...]}."""
    L = ["# vos_timer vs. dialog keepalive: make bench-profile", ""]
    L.append("- date: %s" % settings["date"])
    L.append("- git: %s" % settings["git"])
    L.extend("- " + s for s in settings["lines"])
    L.append("")
    L.append("perf itself costs CPU (sampling, and copying 16 KiB of stack per "
             "sample for the DWARF unwinding): the absolute figures here are higher "
             "than make bench's CPU per probe exchange and are not the benchmark's. "
             "Compare shares and systems within one table.")
    L.append("")
    L.append("Each sample goes to the first component whose anchor matches a frame, "
             "scanning the stack from the leaf toward the root (anchors in "
             "bench/profile.py); a cell is its samples' cpu-clock periods (ns) summed "
             "over every Kamailio process, divided by the growth of tmx "
             "UAC_transactions (plus vos_timer's probes_stateless, the probes it "
             "sends without tm) over the window, in us, and its share of the "
             "system's total. Role groups: deadline process = \"vos_timer "
             "deadlines\" and \"Dialog KA Timer\"; UDP workers = \"udp receiver\"; "
             "timers = the other roles named *timer*; other processes = the rest.")
    L.append("")
    unmatched = None
    for r in runs:
        if "error" not in r:
            u = set(r.get("unmatched_anchors", []))
            unmatched = u if unmatched is None else unmatched & u
    if unmatched:
        L.append("Components no sample of any run reached: %s (their functions "
                 "are absent from a system, too rare for the samples taken, or "
                 "static in Debian's tm.so or dialog.so, which carry only their "
                 "dynamic symbols)." % ", ".join(sorted(unmatched)))
        L.append("")
    L.extend(tables(runs, sizes, labels))
    with open(path, "w") as f:
        f.write("\n".join(L))


def embed_tables(path):
    """The lines bench/run.py's report embeds from bench/profile.md: its
    date and git lines, then every "### N = ..." table with its note."""
    try:
        with open(path) as f:
            lines = f.read().split("\n")
    except OSError:
        return None
    date = next((x[len("- date: "):] for x in lines if x.startswith("- date: ")), "?")
    git = next((x[len("- git: "):] for x in lines if x.startswith("- git: ")), "?")
    out = ["From bench/profile.md (date %s, git %s); perf's own cost is in "
           "these figures, so they are higher than the CPU per probe exchange "
           "above." % (date, git), ""]
    keep = False
    for x in lines:
        if x.startswith("### "):
            keep = True
        if keep:
            out.append(x)
    return out


def rewrite(run_dir, md_path):
    """Classify every kept perf.data of a make bench-profile run again
    (after a change to the anchors) and write its profile.md again."""
    path = os.path.join(run_dir, "profile.json")
    with open(path) as f:
        saved = json.load(f)
    for r in saved["runs"]:
        if "error" in r:
            continue
        wd = os.path.join(ROOT, r["workdir"])
        with open(os.path.join(wd, "roles.json")) as f:
            roles = {int(k): v for k, v in json.load(f).items()}
        r.update(analyse(os.path.join(wd, "perf.data"), roles))
    saved["components"] = COMPONENTS
    with open(path, "w") as f:
        json.dump(saved, f, indent=1)
    sizes = sorted({r["n"] for r in saved["runs"]})
    labels = []
    for r in saved["runs"]:
        if r["label"] not in labels:
            labels.append(r["label"])
    write_md(md_path, saved["runs"], sizes, labels, saved["settings"])
    print("%s written again from %s" % (md_path, path))
    return 0


def main():
    ap = argparse.ArgumentParser(description="classify a perf.data of make bench-profile")
    ap.add_argument("data", help="a perf.data, or with --rewrite the run's directory")
    ap.add_argument("--rewrite", metavar="MD",
                    help="data is a make bench-profile run directory kept with "
                         "--keep-perf-data: classify all its runs again, write MD")
    ap.add_argument("--roles", help="roles.json ({pid: role}) of the run")
    ap.add_argument("--stacks", type=int, default=5, help="samples to print")
    ap.add_argument("--role", help="print samples of this process role only "
                    "(e.g. \"vos_timer deadlines\")")
    args = ap.parse_args()
    if args.rewrite:
        return rewrite(args.data, args.rewrite)
    roles = {}
    if args.roles:
        with open(args.roles) as f:
            roles = {int(k): v for k, v in json.load(f).items()}
    res = analyse(args.data, roles, show_stacks=args.stacks, show_role=args.role)
    print("samples: %d (pid without a role: %d)" % (res["samples"], res["unknown_pids"]))
    for g in ROLE_GROUPS:
        for c in COMPONENTS:
            if res["ns"][g][c]:
                print("%-18s %-36s %12d ns" % (g, c, res["ns"][g][c]))
    print("anchors never reached: %s" % (", ".join(res["unmatched_anchors"]) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
