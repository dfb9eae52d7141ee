#!/usr/bin/env bash
# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
# make compat: build the module, with no warnings allowed, against the
# newest Kamailio source Debian carries (unstable; scripts/deps.sh compat
# fetches and configures it). The build runs on a copy of the sources
# under .cache/compat/, so the module built for the installed Kamailio is
# left alone. Loading it is not tried (no such Kamailio is installed).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tree=$("$here/scripts/deps.sh" compat)
ver=$(awk -F' *= *' '$1 == "VERSION" {v = $2} $1 == "PATCHLEVEL" {p = $2}
        $1 == "SUBLEVEL" {s = $2} END {print v "." p "." s}' "$tree/src/Makefile.defs")
build=$here/.cache/compat/build
rm -rf "$build"; mkdir -p "$build"
cp "$here"/modules/vos_timer/*.[ch] "$here"/modules/vos_timer/Makefile "$build"/
log=$build/build.log
if ! make -C "$build" KAMAILIO_SRC="$tree" >"$log" 2>&1; then
    grep -E 'error|warning' "$log" | head -40
    echo "compat: FAIL vos_timer does not build against Kamailio $ver ($tree); log: $log"
    exit 1
fi
if grep -q 'warning:' "$log"; then
    grep -A3 'warning:' "$log" | head -40
    echo "compat: FAIL vos_timer builds against Kamailio $ver with $(grep -c 'warning:' "$log") warnings"
    exit 1
fi
echo "compat: PASS vos_timer builds against Kamailio $ver with no warnings ($(ls "$build"/*.o | wc -l) objects)"
