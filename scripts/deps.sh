#!/usr/bin/env bash
# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs what vos_timer needs on Debian 12 and fetches Kamailio's source for the
# installed Kamailio version, configured the way Debian's debian/rules does.
# Idempotent: every step checks first and skips what is done.
#   scripts/deps.sh packages   - Debian packages only
#   scripts/deps.sh all        - packages, those of make deb too, and the
#                                source (make deps)
#   scripts/deps.sh source     - packages + configured Kamailio source tree
#   scripts/deps.sh path       - print the Kamailio tree the module builds against
#   scripts/deps.sh tree       - the same, once checked to be there and
#                                configured for the installed Kamailio;
#                                installs and fetches nothing (make build)
#   scripts/deps.sh need TOOL.. - fail, naming them, when commands are
#                                missing; installs nothing (make unit, ...)
#   scripts/deps.sh compat     - Debian unstable's Kamailio source (its own
#                                apt lists, not the system's), configured;
#                                prints its path
# KAMAILIO_SRC=/path skips the source step and uses the user's own configured tree.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${VT_CACHE:-$here/.cache}
what=${1:-source}

# libssl-dev: Debian built kamailio with it, and Kamailio's Makefile.defs
# adds a compile flag (KSR_PTHREAD_MUTEX_SHARED) only where pkg-config
# finds libssl; without it Kamailio refuses the module (flags mismatch).
pkgs=(kamailio sip-tester python3 check pkg-config libssl-dev build-essential clang libclang-rt-dev
      dpkg-dev patch libxml2-utils xsltproc docbook-xsl docbook-xml iproute2 procps
      kamailio-sqlite-modules nftables clang-format)
# make deb only (make deps installs them; make run and make test do not)
pkgs_deb=(debhelper lintian)

say() { echo "deps: $*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing_pkgs() {
    local p
    for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' \
            || echo "$p"
    done
}

apt_updated=0
apt_update() {
    [ "$apt_updated" -eq 1 ] && return 0
    as_root apt-get update -qq
    apt_updated=1
}

install_packages() {
    local miss
    miss=$(missing_pkgs)
    if [ -z "$miss" ]; then
        say "packages present"
        return 0
    fi
    say "installing:" $miss
    apt_update
    # Debian's kamailio package would start its own service on 5060 where an init
    # system is present; keep it from doing so during our install (we run our own).
    local policy=/usr/sbin/policy-rc.d made_policy=0
    if [ ! -e "$policy" ]; then
        as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
        made_policy=1
    fi
    # dpkg's progress goes to a log (thousands of lines on a fresh machine)
    mkdir -p "$cache"
    local log=$cache/apt-install.log
    if ! DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
            $miss >"$log" 2>&1; then
        tail -30 "$log" >&2
        echo "deps: apt-get install failed (whole output: $log)" >&2
        [ "$made_policy" -eq 1 ] && as_root rm -f "$policy"
        exit 1
    fi
    say "installed ($(grep -c '^Setting up ' "$log") packages set up; output in $log)"
    [ "$made_policy" -eq 1 ] && as_root rm -f "$policy"
    return 0
}

# A deb-src twin of each deb entry, so `apt-get source` can reach Debian's archive.
ensure_deb_src() {
    if grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null; then
        return 0
    fi
    say "adding deb-src entries"
    local out=/etc/apt/sources.list.d/vos-timer-deb-src.sources f
    local tmp
    tmp=$(mktemp)
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        # deb822: copy stanzas whose Types include deb, as deb-src.
        awk 'BEGIN{RS=""; ORS="\n\n"}
             /(^|\n)Types:[^\n]*(^|[ \t])deb([ \t]|\n|$)/ {
                 gsub(/(^|\n)Types:[^\n]*/, "\nTypes: deb-src"); sub(/^\n/, ""); print }' "$f" >> "$tmp"
    done
    if [ -f /etc/apt/sources.list ]; then
        grep -E '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' > "$tmp.list" || true
        [ -s "$tmp.list" ] && as_root cp "$tmp.list" /etc/apt/sources.list.d/vos-timer-deb-src.list
        rm -f "$tmp.list"
    fi
    [ -s "$tmp" ] && as_root cp "$tmp" "$out"
    rm -f "$tmp"
    apt_updated=0
}

# unpack_dsc DSC TREE: the source package DSC names, checked and unpacked
# without dpkg-source. Registries may serve a .dsc whose upstream signature
# (.orig.tar.gz.asc) is missing (404), and dpkg-source -x refuses a .dsc
# with a file missing; apt already checked the .dsc against the signed
# Sources index, so the .dsc's own SHA-256 lines vouch for the tarballs:
# every file present is checked against them, a missing .asc is reported,
# anything else missing is an error. Debian's quilt patches are applied in
# series order, as dpkg-source does.
unpack_dsc() {
    local dsc=$1 tree=$2 dir sum size name n_ok=0 asc_missing=
    dir=$(dirname "$dsc")
    [ -f "$dsc" ] || { echo "deps: $dsc was not downloaded" >&2; exit 1; }
    while read -r sum size name; do
        if [ -f "$dir/$name" ]; then
            if [ "$(sha256sum "$dir/$name" | cut -d' ' -f1)" != "$sum" ] \
               || [ "$(stat -c %s "$dir/$name")" != "$size" ]; then
                echo "deps: $name does not match the SHA-256/size in $(basename "$dsc"); not using it" >&2
                exit 1
            fi
            n_ok=$((n_ok + 1))
        elif [[ $name == *.asc ]]; then
            asc_missing="$asc_missing $name"
        else
            echo "deps: $name (named in $(basename "$dsc")) was not downloaded" >&2
            exit 1
        fi
    done < <(sed -n '/^Checksums-Sha256:/,/^[^ ]/{/^ /p}' "$dsc")
    [ "$n_ok" -gt 0 ] || { echo "deps: no Checksums-Sha256 in $dsc" >&2; exit 1; }
    [ -n "$asc_missing" ] && say "the registry does not serve the signature file$asc_missing;" \
        "the $n_ok other files were verified against the SHA-256 checksums in $(basename "$dsc") instead"
    [ -z "$asc_missing" ] && say "$n_ok files verified against the SHA-256 checksums in $(basename "$dsc")"
    local tmp=$tree.unpack p opt
    rm -rf "$tmp"; mkdir -p "$tmp"
    while read -r sum size name; do
        case "$name" in
            *.asc) ;;
            *.orig.tar.*) tar -xf "$dir/$name" -C "$tmp" --strip-components=1 ;;
            *.debian.tar.*) tar -xf "$dir/$name" -C "$tmp" ;;
        esac
    done < <(sed -n '/^Checksums-Sha256:/,/^[^ ]/{/^ /p}' "$dsc")
    [ -f "$tmp/src/Makefile.defs" ] || { echo "deps: $dsc unpacked without src/Makefile.defs" >&2; exit 1; }
    if [ -f "$tmp/debian/patches/series" ]; then
        command -v patch >/dev/null || { echo "deps: 'patch' is missing (package patch)" >&2; exit 1; }
        while read -r p opt; do
            [ -z "$p" ] || [[ $p == \#* ]] && continue
            patch -d "$tmp" -s -N ${opt:--p1} < "$tmp/debian/patches/$p" \
                || { echo "deps: Debian patch $p does not apply" >&2; exit 1; }
        done < "$tmp/debian/patches/series"
        say "applied $(grep -cvE '^(#|$)' "$tmp/debian/patches/series") Debian patches"
    fi
    rm -rf "$tree"
    mv "$tmp" "$tree"
}

# configure_tree TREE: `make cfg` the way Debian's debian/rules does (same
# prefix, flavour, module group and CC_EXTRA_OPTS), so the module's version
# and compile-flags strings equal the installed core's.
configure_tree() {
    local tree=$1 cppflags cflags ldflags
    say "configuring $tree like debian/rules"
    cppflags=$(cd / && DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CPPFLAGS)
    cflags=$(cd / && DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CFLAGS)
    ldflags=$(cd / && DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get LDFLAGS)
    (cd "$tree" && make -s cfg prefix=/usr cfg_target=/etc/kamailio/ FLAVOUR=kamailio \
        group_include=kstandard \
        CC_EXTRA_OPTS="$cppflags $cflags -DVERSION_NODATE" LD_EXTRA_OPTS="$ldflags" >/dev/null)
}

# What decides the configured flags besides the version: Makefile.defs adds
# -DKSR_PTHREAD_MUTEX_SHARED only when pkg-config finds libssl.
config_key() {
    local ssl=no
    pkg-config --exists libssl 2>/dev/null && ssl=yes
    echo "$1 libssl=$ssl"
}

fetch_source() {
    if [ -n "${KAMAILIO_SRC:-}" ]; then
        [ -f "$KAMAILIO_SRC/src/Makefile.defs" ] || { echo "deps: KAMAILIO_SRC=$KAMAILIO_SRC has no src/Makefile.defs" >&2; exit 1; }
        say "using KAMAILIO_SRC=$KAMAILIO_SRC"
        return 0
    fi
    local ver upstream tree key
    ver=$(dpkg-query -W -f='${Version}' kamailio)
    upstream=${ver#*:}; upstream=${upstream%-*}
    tree=$cache/kamailio-$upstream
    key=$(config_key "$ver")
    if [ -f "$tree/src/config.mak" ] && [ -f "$tree/.vt-version" ] && [ "$(cat "$tree/.vt-version")" = "$key" ]; then
        say "source $ver present and configured"
        return 0
    fi
    mkdir -p "$cache"
    if [ ! -f "$tree/src/Makefile.defs" ] || [ "$(cut -d' ' -f1 "$tree/.vt-version" 2>/dev/null)" != "$ver" ]; then
        ensure_deb_src
        apt_update
        say "fetching Kamailio source $ver"
        # --download-only: apt fails the whole fetch when one file (the
        # upstream .asc) is missing; unpack_dsc checks what did arrive.
        (cd "$cache" && apt-get source --download-only -qq "kamailio=$ver" 2>&1 \
            | grep -v "couldn't be accessed by user '_apt'" || true)
        unpack_dsc "$cache/kamailio_${ver#*:}.dsc" "$tree"
    fi
    configure_tree "$tree"
    echo "$key" > "$tree/.vt-version"
}

# The newest Kamailio source Debian carries (unstable), for `make compat`:
# fetched through a private apt state under .cache/apt-unstable (the
# system's apt sources are not touched), unpacked and configured like the
# installed one. If the registry does not serve unstable's current source
# package, the last one known to build here is fetched from the pool with
# its .dsc pinned by SHA-256 (apt-helper checks it).
compat_mirror=${VT_MIRROR:-http://deb.debian.org/debian}
compat_suite=${VT_COMPAT_SUITE:-unstable}
compat_pinned_ver=6.1.4-1
compat_pinned_sha256=68cdafb853e6398e2e3035a92c587eea02e53d43aced861aa1f8a0dc00b73e6b

fetch_compat() {
    local d=$cache/apt-$compat_suite out=$cache/compat ver dsc tree
    local -a o
    mkdir -p "$d/lists/partial" "$d/parts" "$out"
    echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $compat_mirror $compat_suite main" \
        > "$d/sources.list"
    o=(-o "Dir::Etc::SourceList=$d/sources.list" -o "Dir::Etc::SourceParts=$d/parts"
       -o "Dir::State::Lists=$d/lists" -o "APT::Sandbox::User=root")
    apt-get "${o[@]}" update -qq >&2
    ver=$(apt-cache "${o[@]}" showsrc kamailio | sed -n 's/^Version: //p' | sort -V | tail -1)
    [ -n "$ver" ] || { echo "deps: no kamailio source in $compat_suite" >&2; exit 1; }
    say "Kamailio in $compat_suite: $ver" >&2
    dsc=$out/kamailio_${ver#*:}.dsc
    if [ ! -f "$dsc" ]; then
        (cd "$out" && apt-get "${o[@]}" source --download-only -qq "kamailio=$ver" >/dev/null 2>&1 || true)
    fi
    if [ ! -f "$dsc" ]; then
        ver=$compat_pinned_ver
        dsc=$out/kamailio_$ver.dsc
        say "the registry does not serve $compat_suite's source package; using kamailio $ver" \
            "from the pool, its .dsc pinned by SHA-256" >&2
        local pool=$compat_mirror/pool/main/k/kamailio f sum size
        [ -f "$dsc" ] || /usr/lib/apt/apt-helper "${o[@]}" download-file "$pool/kamailio_$ver.dsc" "$dsc" \
            "SHA256:$compat_pinned_sha256" >&2
        while read -r sum size f; do
            [ -f "$out/$f" ] && continue
            /usr/lib/apt/apt-helper "${o[@]}" download-file "$pool/$f" "$out/$f" "SHA256:$sum" >&2 \
                || [[ $f == *.asc ]] || exit 1
        done < <(sed -n '/^Checksums-Sha256:/,/^[^ ]/{/^ /p}' "$dsc")
    fi
    tree=$out/kamailio-${ver#*:}
    if [ ! -f "$tree/src/config.mak" ]; then
        unpack_dsc "$dsc" "$tree" >&2
        configure_tree "$tree" >&2
    fi
    echo "$tree"
}

# make build: the tree, or why there is none. No install, no fetch, no apt.
src_tree() {
    local t ver key
    if [ -n "${KAMAILIO_SRC:-}" ]; then
        [ -f "$KAMAILIO_SRC/src/Makefile.defs" ] || {
            echo "deps: KAMAILIO_SRC=$KAMAILIO_SRC has no src/Makefile.defs" >&2; exit 1; }
        echo "$KAMAILIO_SRC"
        return 0
    fi
    ver=$(dpkg-query -W -f='${Version}' kamailio 2>/dev/null) || {
        echo "deps: kamailio is not installed: make deps installs it and fetches its source (or pass KAMAILIO_SRC=/path/to/kamailio)" >&2
        exit 1; }
    t=$(src_path)
    key=$(config_key "$ver")
    if [ ! -f "$t/src/config.mak" ] || [ ! -f "$t/.vt-version" ] || [ "$(cat "$t/.vt-version")" != "$key" ]; then
        echo "deps: no configured Kamailio $ver source under $t: make deps fetches it (or pass KAMAILIO_SRC=/path/to/kamailio)" >&2
        exit 1
    fi
    echo "$t"
}

need_tools() {
    local t miss=()
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || miss+=("$t")
    done
    [ "${#miss[@]}" -eq 0 ] && return 0
    echo "deps: missing: ${miss[*]} (make deps installs them)" >&2
    exit 1
}

src_path() {
    if [ -n "${KAMAILIO_SRC:-}" ]; then
        echo "$KAMAILIO_SRC"
        return 0
    fi
    local ver upstream
    ver=$(dpkg-query -W -f='${Version}' kamailio 2>/dev/null) || { echo "deps: kamailio is not installed" >&2; exit 1; }
    upstream=${ver#*:}; upstream=${upstream%-*}
    echo "$cache/kamailio-$upstream"
}

# sourced (test/scripts): the functions only
[ "${BASH_SOURCE[0]}" = "$0" ] || return 0

case "$what" in
    path) src_path ;;
    tree) src_tree ;;
    all) pkgs+=("${pkgs_deb[@]}"); install_packages; fetch_source ;;
    need) shift; need_tools "$@" ;;
    packages) install_packages ;;
    # a user's own tree (KAMAILIO_SRC): nothing is installed or fetched
    source) [ -n "${KAMAILIO_SRC:-}" ] || install_packages; fetch_source ;;
    compat) need_tools dpkg-source patch gcc make >&2; fetch_compat ;;
    *) echo "usage: $0 [packages|source|path|compat]" >&2; exit 2 ;;
esac
exit 0
