#!/usr/bin/env bash
# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/check-flags.sh MODULE.so [KAMAILIO_BINARY]
#
# Kamailio loads a module only when the module's version string and
# compile-flags string equal the core's ("module compile flags mismatch" at
# start-up otherwise). Both strings sit in the module as the pointers
# module_version and module_flags (core/sr_module.h, MODULE_VERSION); this
# reads them out of the ELF file (the pointer's RELATIVE relocation gives the
# string's address) and compares them with what `kamailio -V` prints, so a
# build that Kamailio would refuse stops here, naming the flag that differs.
#
# Exit 0: same; 1: differs (printed); 2: cannot tell (no binary, no readelf).
set -euo pipefail
so=${1:?usage: $0 MODULE.so [kamailio]}
kam=${2:-${VT_KAMAILIO:-kamailio}}

command -v "$kam" >/dev/null 2>&1 || { echo "check-flags: no $kam binary to compare with; not checked"; exit 2; }
command -v readelf >/dev/null 2>&1 || { echo "check-flags: readelf (binutils) missing; not checked"; exit 2; }

# module_string SYMBOL: the C string the pointer SYMBOL points at
module_string() {
    local sym=$1 ptr addr off
    ptr=$(readelf -sW "$so" | awk -v s="$sym" '$8 == s { print $2; exit }')
    [ -n "$ptr" ] || return 1
    addr=$(readelf -rW "$so" | awk -v p="$ptr" '
        { o = $1; sub(/^0+/, "", o); q = p; sub(/^0+/, "", q) }
        o == q && $3 ~ /_RELATIVE$/ { print $4; exit }')
    [ -n "$addr" ] || return 1
    # file offset of that address: through the section holding it
    local a=$((16#$addr)) name type s o n
    off=
    while read -r name type s o n _; do
        [[ $s =~ ^[0-9a-f]+$ && $o =~ ^[0-9a-f]+$ && $n =~ ^[0-9a-f]+$ ]] || continue
        [ "$type" = NOBITS ] && continue
        if [ "$a" -ge $((16#$s)) ] && [ "$a" -lt $((16#$s + 16#$n)) ]; then
            off=$((a - 16#$s + 16#$o)); break
        fi
    done < <(readelf -SW "$so" | sed -nE 's/^ *\[ *[0-9]+\] *//p')
    [ -n "$off" ] || return 1
    # (head closes the pipe early: the writers' SIGPIPE is not a failure)
    { tail -c +"$((off + 1))" "$so" | head -c 4096 | tr '\0' '\n' | head -1; } || true
}

mod_ver=$(module_string module_version) || { echo "check-flags: no module_version in $so; not checked"; exit 2; }
mod_flags=$(module_string module_flags) || { echo "check-flags: no module_flags in $so; not checked"; exit 2; }
core_v=$("$kam" -V 2>/dev/null)
core_ver=$(sed -n 's/^version: //p' <<<"$core_v" | sed 's/ *$//')
core_flags=$(sed -n 's/^flags: //p' <<<"$core_v")

bad=0
if [ "$(sed 's/ *$//' <<<"$mod_ver")" != "$core_ver" ]; then
    echo "check-flags: $so was built for \"$mod_ver\", $kam is \"$core_ver\""
    bad=1
fi
if [ "$mod_flags" != "$core_flags" ]; then
    tokens() { tr ',' '\n' <<<"$1" | sed 's/^ *//; s/ *$//' | sort; }
    only_core=$(comm -23 <(tokens "$core_flags") <(tokens "$mod_flags") | paste -sd' ')
    only_mod=$(comm -13 <(tokens "$core_flags") <(tokens "$mod_flags") | paste -sd' ')
    echo "check-flags: $so has other compile flags than $kam; Kamailio would refuse it"
    echo "check-flags:   only the core has: ${only_core:-(none)}"
    echo "check-flags:   only the module has: ${only_mod:-(none)}"
    [ -z "$only_core$only_mod" ] && echo "check-flags:   (same flags in another order)"
    case " $only_core " in
        *" TLS_PTHREAD_MUTEX_SHARED "*)
            echo "check-flags:   Kamailio's Makefile.defs sets it only when 'pkg-config --exists libssl'"
            echo "check-flags:   succeeds: install libssl-dev and pkg-config, then configure the tree again" ;;
    esac
    bad=1
fi
if [ "$bad" -eq 1 ]; then
    echo "check-flags: build the module against the source tree of the Kamailio you run (KAMAILIO_SRC=...),"
    echo "check-flags: configured like it (the tree make build fetched: rm -rf .cache/kamailio-*, then make build)"
    exit 1
fi
echo "check-flags: $(basename "$so") matches $kam ($core_ver)"
