#!/usr/bin/env bash
# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
# Tests of the build scripts (no Kamailio run): the source unpacking of
# scripts/deps.sh on a source package made here, and the compile-flags check
# of scripts/check-flags.sh against stand-in kamailio binaries. One line
# "PASS name" / "FAIL name: why" per test, then "scripts: N passed, N failed".
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0; failed=0
ok() { echo "PASS $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

# A source package like Debian's: orig tarball, debian tarball with one
# quilt patch, a .dsc whose Checksums-Sha256 also lists an .asc that is
# not there (as the registry serves kamailio 6.0.1-1+deb13u1).
make_pkg() {
    local d=$1
    mkdir -p "$d/up/pkg-1.0/src" "$d/deb/debian/patches"
    echo "VERSION = 1" > "$d/up/pkg-1.0/src/Makefile.defs"
    printf 'old\n' > "$d/up/pkg-1.0/src/file.txt"
    tar -C "$d/up" -czf "$d/pkg_1.0.orig.tar.gz" pkg-1.0
    cat > "$d/deb/debian/patches/fix.patch" <<'P'
--- a/src/file.txt
+++ b/src/file.txt
@@ -1 +1 @@
-old
+patched
P
    printf '# a comment\nfix.patch\n' > "$d/deb/debian/patches/series"
    tar -C "$d/deb" -cJf "$d/pkg_1.0-1.debian.tar.xz" debian
    {
        echo "Format: 3.0 (quilt)"
        echo "Source: pkg"
        echo "Checksums-Sha256:"
        for f in pkg_1.0.orig.tar.gz pkg_1.0-1.debian.tar.xz; do
            echo " $(sha256sum "$d/$f" | cut -d' ' -f1) $(stat -c %s "$d/$f") $f"
        done
        echo " 0000000000000000000000000000000000000000000000000000000000000000 228 pkg_1.0.orig.tar.gz.asc"
        echo "Files:"
    } > "$d/pkg_1.0-1.dsc"
}

unpack() {   # unpack DSC TREE, in a subshell with deps.sh's functions
    ( VT_CACHE=$work/cache; source "$root/scripts/deps.sh"; unpack_dsc "$1" "$2" )
}

d=$work/pkg; make_pkg "$d"
out=$(unpack "$d/pkg_1.0-1.dsc" "$d/tree" 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$(cat "$d/tree/src/file.txt" 2>/dev/null)" = patched ] \
   && grep -q "does not serve the signature file pkg_1.0.orig.tar.gz.asc" <<<"$out" \
   && grep -q "verified against the SHA-256" <<<"$out"; then
    ok "unpack_dsc: missing .asc reported, files verified, Debian patch applied"
else
    bad "unpack_dsc: missing .asc" "rc $rc: $out"
fi

d=$work/pkg2; make_pkg "$d"
echo "x" >> "$d/pkg_1.0.orig.tar.gz"
out=$(unpack "$d/pkg_1.0-1.dsc" "$d/tree" 2>&1); rc=$?
if [ $rc -ne 0 ] && [ ! -e "$d/tree" ] && grep -q "does not match the SHA-256" <<<"$out"; then
    ok "unpack_dsc: a tarball that does not match the .dsc is refused"
else
    bad "unpack_dsc: corrupted tarball" "rc $rc, tree $( [ -e "$d/tree" ] && echo made || echo absent): $out"
fi

d=$work/pkg3; make_pkg "$d"
rm "$d/pkg_1.0-1.debian.tar.xz"
out=$(unpack "$d/pkg_1.0-1.dsc" "$d/tree" 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q "pkg_1.0-1.debian.tar.xz (named in pkg_1.0-1.dsc) was not downloaded" <<<"$out"; then
    ok "unpack_dsc: a missing tarball (not an .asc) is an error"
else
    bad "unpack_dsc: missing tarball" "rc $rc: $out"
fi

# check-flags against stand-in kamailio binaries printing `kamailio -V`
so=$root/modules/vos_timer/vos_timer.so
if [ ! -f "$so" ] || ! command -v kamailio >/dev/null; then
    bad "check-flags" "needs the built module and kamailio (make build first)"
else
    fake() {   # fake NAME SED-EXPR: a kamailio whose -V output is edited
        printf '#!/bin/sh\nkamailio -V | sed "%s"\n' "$2" > "$work/$1"
        chmod +x "$work/$1"
    }
    fake same 's/x/x/'
    fake nossl 's/, TLS_PTHREAD_MUTEX_SHARED//'
    fake older 's/^version: kamailio [0-9.]*/version: kamailio 5.5.0/'
    out=$("$root/scripts/check-flags.sh" "$so" "$work/same" 2>&1); rc=$?
    [ $rc -eq 0 ] && grep -q matches <<<"$out" && ok "check-flags: the module matches its Kamailio" \
        || bad "check-flags: same" "rc $rc: $out"
    out=$("$root/scripts/check-flags.sh" "$so" "$work/nossl" 2>&1); rc=$?
    [ $rc -eq 1 ] && grep -q "only the module has: TLS_PTHREAD_MUTEX_SHARED" <<<"$out" \
        && ok "check-flags: a flag that differs is named" \
        || bad "check-flags: flag" "rc $rc: $out"
    out=$("$root/scripts/check-flags.sh" "$so" "$work/older" 2>&1); rc=$?
    [ $rc -eq 1 ] && grep -q 'is "kamailio 5.5.0' <<<"$out" \
        && ok "check-flags: another Kamailio version is named" \
        || bad "check-flags: version" "rc $rc: $out"
fi

# The module folder builds inside Kamailio's own tree, as a module Kamailio
# ships would: a copy of the configured tree make build uses, the tracked
# files of modules/vos_timer copied to src/modules/vos_timer unchanged,
# Kamailio's `make modules include_modules=vos_timer`, and the result
# matches the installed Kamailio (check-flags); the copied files are left
# as they were.
tree=$("$root/scripts/deps.sh" path 2>/dev/null)
if [ -z "$tree" ] || [ ! -f "$tree/src/Makefile.defs" ]; then
    bad "in-tree build" "no configured Kamailio tree (make build makes it)"
else
    cp -a "$tree" "$work/kam"
    mod=$work/kam/src/modules/vos_timer
    rm -rf "$mod"; mkdir -p "$mod"
    (cd "$root" && git ls-files modules/vos_timer | xargs cp -t "$mod")
    out=$(make -C "$work/kam" modules include_modules="vos_timer" 2>&1); rc=$?
    changed=$(cd "$root" && for f in $(git ls-files modules/vos_timer); do
        cmp -s "$f" "$mod/$(basename "$f")" || echo "$f"; done)
    if [ $rc -ne 0 ] || [ ! -f "$mod/vos_timer.so" ]; then
        bad "in-tree build" "make modules: rc $rc: $(tail -5 <<<"$out")"
    elif [ -n "$changed" ]; then
        bad "in-tree build" "files changed by the build: $changed"
    elif ! out=$("$root/scripts/check-flags.sh" "$mod/vos_timer.so" 2>&1); then
        bad "in-tree build" "$out"
    else
        ok "in-tree build: make modules include_modules=vos_timer"
    fi
fi

# No side effects where none are expected: make build KAMAILIO_SRC=... and
# make unit run no apt-get, apt, dpkg or sudo (stand-ins first in PATH
# record any call and fail) and leave apt's sources as they were.
if [ -n "$tree" ] && [ -f "$tree/src/Makefile.defs" ]; then
    mkdir -p "$work/bin"
    for c in apt-get apt aptitude dpkg sudo debootstrap; do
        printf '#!/bin/sh\necho "%s $*" >> "%s/calls"\nexit 1\n' "$c" "$work" > "$work/bin/$c"
        chmod +x "$work/bin/$c"
    done
    apt_sum() { cat /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null | sha256sum; }
    before=$(apt_sum)
    out=$(PATH="$work/bin:$PATH" make -C "$root" --no-print-directory build \
          KAMAILIO_SRC="$tree" 2>&1); rc1=$?
    out2=$(PATH="$work/bin:$PATH" make -C "$root" --no-print-directory unit 2>&1); rc2=$?
    calls=$(cat "$work/calls" 2>/dev/null)
    if [ $rc1 -ne 0 ] || [ $rc2 -ne 0 ]; then
        bad "no side effects" "build rc $rc1, unit rc $rc2: $(tail -3 <<<"$out$out2")"
    elif [ -n "$calls" ] || [ "$(apt_sum)" != "$before" ]; then
        bad "no side effects" "called: ${calls:-nothing}; apt sources changed: \
$([ "$(apt_sum)" != "$before" ] && echo yes || echo no)"
    else
        ok "no side effects: make build KAMAILIO_SRC=... and make unit install nothing"
    fi
fi

# make dist: the tarball is named after the version in vt_version.h and
# what it holds builds (make build KAMAILIO_SRC=...) into a module that
# matches kamailio.
ver=$(sed -n 's/^#define VT_VERSION "\(.*\)"/\1/p' "$root/modules/vos_timer/vt_version.h")
if [ -n "$tree" ] && [ -f "$tree/src/Makefile.defs" ] && [ -n "$ver" ]; then
    mkdir -p "$work/dist"
    out=$(make -C "$root" --no-print-directory dist DIST_DIR="$work/dist" 2>&1) \
        && tar -C "$work/dist" -xzf "$work/dist/vos_timer-$ver.tar.gz" \
        && out=$(make -C "$work/dist/vos_timer-$ver" --no-print-directory build \
                 KAMAILIO_SRC="$tree" 2>&1) \
        && [ -f "$work/dist/vos_timer-$ver/modules/vos_timer/vos_timer.so" ]
    if [ $? -eq 0 ]; then
        ok "make dist: vos_timer-$ver.tar.gz builds"
    else
        bad "make dist" "$(tail -5 <<<"$out")"
    fi
else
    bad "make dist" "no version in vt_version.h or no configured tree"
fi

echo "scripts: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
