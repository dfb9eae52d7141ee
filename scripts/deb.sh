#!/usr/bin/env bash
# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make deb: kamailio-vos-timer-module_<version>_<arch>.deb with Debian's
# tooling (dpkg-buildpackage, debhelper; debian/), built against the
# configured source tree of the installed Kamailio (KAMAILIO_SRC, default
# the tree make deps fetched) and depending on exactly that Kamailio.
# The checkout's files (tracked and new, not ignored) are copied to
# $DEB_OUT/build/ and built there, so nothing is written next to the
# checkout; the .deb lands in $DEB_OUT (default deb-out/), then lintian
# runs on it (its output is printed; errors fail the build) and the
# package's file list is printed. Installs nothing: make deps installs
# debhelper and lintian.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${DEB_OUT:-$root/deb-out}
"$root/scripts/deps.sh" need dpkg-buildpackage dh lintian
tree=$(cd "$root" && scripts/deps.sh tree)
ver=$(sed -n 's/^#define VT_VERSION "\(.*\)"/\1/p' "$root/modules/vos_timer/vt_version.h")
pver=$(cd "$root" && dpkg-parsechangelog -S Version)
if [ "$ver" != "$pver" ]; then
    echo "deb: debian/changelog says $pver, modules/vos_timer/vt_version.h $ver: make them agree" >&2
    exit 1
fi
src=$out/build/kamailio-vos-timer-module-$ver
rm -rf "$out/build"; mkdir -p "$src"
(cd "$root" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$src")
(cd "$src" && KAMAILIO_SRC="$tree" dpkg-buildpackage -us -uc -b >"$out/build.log" 2>&1) || {
    tail -30 "$out/build.log"; echo "deb: dpkg-buildpackage failed (log: $out/build.log)" >&2; exit 1; }
deb=$(ls "$out"/build/kamailio-vos-timer-module_"$ver"_*.deb)
mv "$out"/build/*.deb "$out"/build/*.changes "$out"/build/*.buildinfo "$out/" 2>/dev/null || true
deb=$out/$(basename "$deb")
echo "deb: $deb"
dpkg-deb -f "$deb" Package Version Architecture Depends
echo "deb: files"
dpkg-deb -c "$deb" | awk '{print "  " $6}'
echo "deb: lintian"
# (lintian's own notices about running as root and its options dropped)
lint=$(lintian --tag-display-limit 0 "$deb" 2>&1 | grep -E '^[EWIPNX]: ' || true)
echo "${lint:-  (no tags)}" | sed 's/^/  /'
if grep -q '^E: ' <<<"$lint"; then
    echo "deb: lintian reports errors" >&2
    exit 1
fi
