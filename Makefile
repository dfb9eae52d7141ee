# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
# vos_timer: top-level entry points. On a fresh Debian 12 or 13 machine
# `make run` and `make test` install what is missing (as root, or through
# sudo), build the module against the installed Kamailio, and do their job.
# Only they and `make deps` install or fetch anything; the other targets
# say what is missing.
#
#   make deps     install the Debian packages needed and fetch the installed
#                 Kamailio's source, configured (as root, or through sudo)
#   make build    module only (modules/vos_timer/vos_timer.so), against
#                 KAMAILIO_SRC or the tree make deps fetched
#   make run      Kamailio on 127.0.0.1:5060 with kamailio.cfg.sample
#   make test     unit tests, fuzzing, doc validation, integration tests
#   make fuzz     the header parser, the overrides and persisted-state
#                 parsers, the cluster messages and the probes' Via branch,
#                 under libFuzzer, FUZZ_RUNS (10^6) inputs each
#   make soak     the soak test with SOAK_CALLS (250) calls of each of 6 kinds,
#                 then RESTART_CALLS (2000) live calls across a restart, then
#                 the cluster failover with CLUSTER_SCALE (20) times its calls
#   make test-fresh DEBIAN=13   make test in a pristine minimal Debian root
#                 (DEBIAN=12 or 13; debootstrap, cached under .cache/fresh/;
#                 as root)
#   make compat   build the module (no warnings allowed) against the newest
#                 Kamailio source Debian carries (unstable, 6.1.x)
#   make demo     a timer-mode call whose callee goes silent, as a timeline
#   make doc      validate doc/ and regenerate modules/vos_timer/README
#   make format-check  the C sources follow .clang-format (make test runs
#                 it); make format rewrites those that do not
#   make licence-check  every source file carries its licence line (make
#                 test runs it)
#   make dist     vos_timer-<version>.tar.gz of HEAD (CHANGELOG.md)
#   make deb      kamailio-vos-timer-module_<version>_<arch>.deb in deb-out/
#                 (debian/; dpkg-buildpackage, lintian), depending on the
#                 exact Kamailio it was built against
#   make test-deb DEBIAN=13   (or 12; as root) the package built in a
#                 pristine root, installed with apt-get in another, one
#                 capped call through it, then purged (CI runs both)
#   make bench-heap  micro-benchmark of the deadline heap alone (gcc -O2,
#                 10^3..10^6 deadlines; table on stdout, JSON in
#                 test/out/bench/heap.json)
#   make bench    build, bench-heap, then bench/run.py: vos_timer and the
#                 dialog module's keepalive side by side on N concurrent
#                 calls (N="1000 5000 20000"; make bench N=1000 for one
#                 size; N=50000 runs the calls over SIPp pairs of 10000),
#                 idle CPU before the calls, scale limits (set-up failures,
#                 shm, pkg); table on stdout and in bench/results.md, with
#                 bench/profile.md's tables if present (as root).
#                 MODULE=<path or git commit>: that vos_timer.so (a commit
#                 is built under test/out/bench; no make build then);
#                 PROBE_PORT=1: vos_timer with a probe_port, SIPp answering
#                 every request to its Via (also for bench-profile);
#                 BENCH_ARGS="...": more bench/run.py options (--window,
#                 --idle, --pair-size, -x tlsf, --no-spread ...)
#   make bench-profile  perf record of every Kamailio process while the
#                 calls run (N="1000 5000"), each sample classified by its
#                 stack: us per probe exchange per component, in
#                 bench/profile.md (as root; needs perf). Builds only the
#                 working tree's module, and only when MODULE is not set;
#                 PROFILE_BEFORE=<commit> profiles that older module too
#   make bench-overload  vos_timer alone with every call probed each second
#                 (N="2500 5000 10000": 2N probes/s): lateness, probes_late,
#                 the lateness WARNINGs, live calls cut, deadline process CPU
#                 (bench/results-overload.md; as root, about 5 minutes)
#   make bench-rpc   SIP call set-up latency while vos_timer.list runs at
#                 20000 calls, before and after chunked listing
#                 (bench/results-rpc.md; about 6 minutes)
#   make bench-answer-spread  CPU per probe of both systems when SIPp
#                 answers each probe at once and after a random 0..200 ms
#                 (SPREAD_MS), two pairs each at N="1000 5000 20000"
#                 (bench/results-answer-spread.md; as root, about 30 minutes)
#   make bench-pport-flood  1000 calls with a probe_port, junk sent to the
#                 port at 0, 5000, 20000 and 80000 datagrams/s: deadline
#                 process CPU per datagram, answers still read, resends,
#                 drops, calls cut (bench/results-pport-flood.md; about 4
#                 minutes)
#
# KAMAILIO_SRC=/path/to/kamailio builds against your own configured tree.

SHELL := /bin/bash
ROOT := $(CURDIR)
export KAMAILIO_SRC

.PHONY: all deps deps-base build run test demo unit fuzz integration doc doc-check clean \
	bench-heap bench bench-profile bench-overload bench-rpc bench-answer-spread bench-pport-flood soak test-fresh compat format format-check \
	licence-check dist deb test-deb

all: build

# make deps: everything, make deb's tools too; make run and make test
# install what they need (deps-base)
deps:
	@scripts/deps.sh all

deps-base:
	@scripts/deps.sh source

# make build installs and fetches nothing (make deps, make run and make test
# do): it builds against KAMAILIO_SRC, or the tree make deps fetched.
build:
	@tree=$$(scripts/deps.sh tree) && $(MAKE) --no-print-directory \
		-C modules/vos_timer KAMAILIO_SRC="$$tree"
	@scripts/check-flags.sh modules/vos_timer/vos_timer.so; \
		rc=$$?; [ $$rc -ne 1 ] || { rm -f modules/vos_timer/vos_timer.so; exit 1; }

run: deps-base
	@$(MAKE) --no-print-directory build
	@scripts/run.sh

test: deps-base
	@$(MAKE) --no-print-directory build
	@test/run_all.sh

demo: build
	@python3 scripts/demo.py

compat:
	@scripts/compat.sh

DEBIAN ?= 13
test-fresh:
	@scripts/fresh.sh $(DEBIAN)

test-deb:
	@scripts/fresh.sh $(DEBIAN) deb

unit:
	@pkg-config --exists check 2>/dev/null || { echo "make unit needs a C compiler, pkg-config and Check (apt-get install build-essential pkg-config check, or make deps)"; exit 1; }
	@$(MAKE) --no-print-directory -C test/unit check

fuzz:
	@scripts/deps.sh need clang
	@$(MAKE) --no-print-directory -C test/fuzz run

integration: build
	@python3 test/integration/run.py

# The soak test of make test (timer calls that live, hang up at random times,
# refresh by UPDATE or re-INVITE, go silent or answer 481, all at once) with
# SOAK_CALLS calls of each kind, then RESTART_CALLS live calls across a restart,
# then the cluster failovers with CLUSTER_SCALE times their calls.
SOAK_CALLS ?= 250
RESTART_CALLS ?= 2000
CLUSTER_SCALE ?= 20
soak: build
	@VT_SOAK_CALLS=$(SOAK_CALLS) VT_RESTART_CALLS=$(RESTART_CALLS) \
		VT_CLUSTER_SCALE=$(CLUSTER_SCALE) python3 test/integration/run.py \
		test_soak test_restart_many test_cluster_failover test_cluster_takeover

bench-heap:
	@$(MAKE) --no-print-directory -C bench heap-run

# MODULE=<path or commit>: the vos_timer.so to bench (default the working
# tree's, built first); PROBE_PORT=1: vos_timer with a probe_port and SIPp
# answering to the Via (bench/run.py --probe-port); BENCH_ARGS: more
# bench/run.py options.
N ?= 1000 5000 20000
MODULE ?=
PROBE_PORT ?=
BENCH_ARGS ?=
bench:
	@$(if $(MODULE),,$(MAKE) --no-print-directory build)
	@$(MAKE) --no-print-directory -C bench heap-run
	@python3 bench/run.py --sizes "$(N)" $(if $(MODULE),--module "$(MODULE)") \
		$(if $(PROBE_PORT),--probe-port) $(BENCH_ARGS)

# make bench-profile: N defaults to "1000 5000" here (unless given); the
# working tree's module is (re)built only if MODULE is not set, and make
# build itself recompiles only what changed; PROFILE_BEFORE=<commit>.
PROFILE_N := $(if $(filter command line environment,$(origin N)),$(N),1000 5000)
PROFILE_BEFORE ?=
bench-profile:
	@$(if $(MODULE),,$(MAKE) --no-print-directory build)
	@python3 bench/run.py --profile --sizes "$(PROFILE_N)" \
		$(if $(MODULE),--module "$(MODULE)") \
		$(if $(PROFILE_BEFORE),--profile-before "$(PROFILE_BEFORE)") \
		$(if $(PROBE_PORT),--probe-port) $(BENCH_ARGS)

# make bench-overload: N defaults to "2500 5000 10000" here (unless given)
OVERLOAD_N := $(if $(filter command line environment,$(origin N)),$(N),2500 5000 10000)
bench-overload:
	@$(if $(MODULE),,$(MAKE) --no-print-directory build)
	@python3 bench/run.py --overload --sizes "$(OVERLOAD_N)" --window 30 \
		$(if $(MODULE),--module "$(MODULE)") $(BENCH_ARGS)

# make bench-answer-spread: both answer models side by side (bench/run.py
# --answer-spread); N as make bench, two pairs per N and model
SPREAD_MS ?= 200
bench-answer-spread:
	@$(if $(MODULE),,$(MAKE) --no-print-directory build)
	@python3 bench/run.py --answer-spread $(SPREAD_MS) --sizes "$(N)" --repeats 2 \
		$(if $(MODULE),--module "$(MODULE)") $(BENCH_ARGS)

# junk on the probe port: the deadline process's CPU per datagram, and
# the probes' answers still read (bench/results-pport-flood.md)
bench-pport-flood: build
	@python3 bench/pport_flood.py $(BENCH_ARGS)

# vos_timer.list at 20000 calls: SIP call set-up latency while it runs,
# the module before and after chunked listing (bench/results-rpc.md)
bench-rpc: build
	@python3 bench/rpc_list.py

format-check:
	@scripts/format-check.sh

licence-check:
	@scripts/licence-check.sh

# make dist: vos_timer-<version>.tar.gz of the committed tree (HEAD), the
# version from modules/vos_timer/vt_version.h; it builds with make build
# KAMAILIO_SRC=..., or make deps && make build.
VERSION := $(shell sed -n 's/^\#define VT_VERSION "\(.*\)"/\1/p' modules/vos_timer/vt_version.h)
deb:
	@scripts/deb.sh

DIST_DIR ?= .
dist:
	@test -n "$(VERSION)" || { echo "dist: no VT_VERSION in modules/vos_timer/vt_version.h"; exit 1; }
	@git archive --format=tar.gz --prefix=vos_timer-$(VERSION)/ \
		-o $(DIST_DIR)/vos_timer-$(VERSION).tar.gz HEAD
	@echo "dist: $(DIST_DIR)/vos_timer-$(VERSION).tar.gz (HEAD $$(git rev-parse --short HEAD))"

format:
	@scripts/format-check.sh --fix

doc-check:
	@$(MAKE) --no-print-directory -C doc check

doc:
	@scripts/deps.sh need xmllint xsltproc
	@$(MAKE) --no-print-directory -C doc check readme

clean:
	@if [ -n "$$(scripts/deps.sh path 2>/dev/null)" ] && [ -d "$$(scripts/deps.sh path)/src" ]; then \
		$(MAKE) --no-print-directory -C modules/vos_timer \
			KAMAILIO_SRC="$$(scripts/deps.sh path)" clean; fi
	@$(MAKE) --no-print-directory -C test/unit clean || true
	@$(MAKE) --no-print-directory -C test/fuzz clean || true
	@rm -rf test/out
