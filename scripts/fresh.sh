#!/usr/bin/env bash
# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
# make test-fresh DEBIAN=13 (or 12): the whole suite in a pristine minimal
# Debian root, as a new user on a fresh server would run it.
#
# 1. A minbase root of the release is made once with debootstrap from the
#    same package registry as this host and kept as a tarball under
#    .cache/fresh/ (VT_FRESH_CACHE moves it); every run unpacks an
#    untouched copy of it.
# 2. The copy gets the apt sources a real install of that release has, the
#    host's resolver and registry settings, /proc, /sys, /dev and a fresh
#    /run. The root is bind-mounted onto itself so that `ip netns` works
#    inside (it remounts / as a slave).
# 3. The committed checkout (HEAD) is cloned into it; inside, apt installs
#    make and git (what the user needs to clone), then `make test` runs and
#    does all the rest; then `make run` must bring Kamailio up with the
#    sample and answer vos_timer.stats (a line "make run: PASS|FAIL").
# 4. Processes left in the root are killed and every mount under it is
#    undone, also on Ctrl-C, on errors and on SIGTERM; the copy is deleted
#    (VT_FRESH_KEEP=1 keeps it for a look).
#
# With a second argument "deb" (make test-deb DEBIAN=13): the package as a
# user installs it instead. In one pristine copy, the clone runs make deps
# and make deb (the .deb is built against that release's Kamailio); in a
# second pristine copy the .deb is installed with apt-get install ./<file>
# (Kamailio comes from the registry), Kamailio is started with the example
# config the package installs (it loads vos_timer.so from the default
# module path), one call is capped end to end (SIPp, no_timer_limit 2 s),
# vos_timer.stats must show it and the package's version, then the package
# is purged and nothing of it may be left. Ends with "deb install: PASS"
# or "deb install: FAIL ..." (and the lintian verdict of make deb).
#
# The suite's closing line is printed as "<release> ...: N passed, N failed"
# with the release's name in front, so a caller that runs several releases
# prints one closing line of its own (.ci/run).
#
# Needs root, debootstrap (installed when missing) and the network path to
# the Debian registry the host's apt uses.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
rel=${1:-${DEBIAN:-13}}
case "$rel" in
    12|bookworm) rel=12; suite=bookworm ;;
    13|trixie) rel=13; suite=trixie ;;
    *) echo "fresh: DEBIAN=$rel: 12 (bookworm) or 13 (trixie)" >&2; exit 2 ;;
esac
mirror=${VT_MIRROR:-http://deb.debian.org/debian}
security=${VT_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
cache=${VT_FRESH_CACHE:-$here/.cache/fresh}
base=$cache/$suite-minbase.tar
root=$cache/$suite-run
say() { echo "fresh[$suite]: $*"; }

[ "$(id -u)" -eq 0 ] || { echo "fresh: needs root (debootstrap, chroot, mounts)" >&2; exit 1; }
mkdir -p "$cache"

mounted_under() {
    # every mount point at or below $1, deepest first
    findmnt -rn -o TARGET | awk -v r="$1" '$0 == r || index($0, r "/") == 1' | sort -r
}

cleanup() {
    local rc=$? p n
    trap - EXIT INT TERM HUP
    [ -d "$root" ] || exit "$rc"
    # processes whose root is the copy (Kamailio, SIPp left by an interrupt)
    for n in 1 2; do
        for p in /proc/[0-9]*; do
            [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -9 "${p#/proc/}" 2>/dev/null
        done
        sleep 0.5
    done
    if mounted_under "$root" | grep -q .; then
        umount -R "$root" 2>/dev/null || true
        mounted_under "$root" | while read -r m; do umount -l "$m" 2>/dev/null || true; done
    fi
    if mounted_under "$root" | grep -q .; then
        say "still mounted, NOT deleting $root:"; mounted_under "$root" >&2
        exit 1
    fi
    if [ "${VT_FRESH_KEEP:-0}" = 1 ]; then
        say "kept $root (mounts undone)"
    else
        rm -rf "$root"
        say "mounts undone, $root removed"
    fi
    exit "$rc"
}

make_base() {
    [ -s "$base" ] && return 0
    command -v debootstrap >/dev/null || {
        say "installing debootstrap"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    }
    local tmp=$cache/$suite-debootstrap
    rm -rf "$tmp"
    say "debootstrap --variant=minbase $suite from $mirror (a few minutes, once)"
    local t0=$SECONDS
    debootstrap --variant=minbase "$suite" "$tmp" "$mirror" > "$cache/$suite-debootstrap.log" 2>&1 \
        || { tail -20 "$cache/$suite-debootstrap.log" >&2; rm -rf "$tmp"; exit 1; }
    tar -C "$tmp" --numeric-owner -cf "$base.part" .
    mv "$base.part" "$base"
    rm -rf "$tmp"
    say "pristine base cached: $base ($((SECONDS - t0)) s)"
}

apt_sources() {
    # what the release's installer writes: the release, its updates, security
    if [ "$rel" = 13 ]; then
        rm -f "$root/etc/apt/sources.list"
        cat > "$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    else
        cat > "$root/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security $suite-security main
EOF
    fi
}

# make test-deb: build the .deb in this copy, install it in a new one.
deb_test() {
    local debdir=$cache/$suite-deb deb
    rm -rf "$debdir"; mkdir -p "$debdir"
    if ! in_root 'set -e
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends make git >/dev/null
            cd /root/vos_timer
            make deps >/tmp/deps.log 2>&1 || { tail -20 /tmp/deps.log; exit 1; }
            make deb'; then
        echo "deb install: FAIL (make deb)"; return 1
    fi
    cp "$root"/root/vos_timer/deb-out/*.deb "$debdir/"
    deb=$(cd "$debdir" && ls kamailio-vos-timer-module_*.deb)
    cp "$here/test/integration/scenarios/uac_wait_bye.xml" \
        "$here/test/integration/scenarios/uas_wait_bye.xml" "$debdir/"
    say "built $deb; installing it in a new pristine copy"
    ( cleanup ) >/dev/null 2>&1 || true
    trap cleanup EXIT
    new_copy
    cp "$debdir"/* "$root/tmp/"
    in_root 'set -u
        fail() { echo "deb install: FAIL ($*)"; exit 1; }
        apt-get update -qq
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -qq /tmp/'"$deb"' >/tmp/install.log 2>&1 \
            || { tail -20 /tmp/install.log; fail "apt-get install ./'"$deb"'"; }
        echo "installed: $(dpkg-query -W -f="\${Package} \${Version}" kamailio-vos-timer-module), kamailio $(dpkg-query -W -f="\${Version}" kamailio)"
        mod=$(dpkg -L kamailio-vos-timer-module | grep "/kamailio/modules/vos_timer.so$") \
            || fail "no vos_timer.so in the package"
        files=$(dpkg -L kamailio-vos-timer-module | grep -v "^/\.$")
        # the test driver only: SIPp
        apt-get install -y -qq --no-install-recommends sip-tester >/dev/null 2>&1 \
            || fail "cannot install sip-tester"
        cfg=/usr/share/doc/kamailio-vos-timer-module/examples/kamailio.cfg.sample
        [ -f "$cfg" ] || fail "no example config"
        ctl=/tmp/vt_deb_ctl
        kamailio -f "$cfg" -DD -E -A VT_LISTEN=udp:127.0.0.1:5097 \
            -A VT_CTL="\"unix:$ctl\"" -A VT_RPC_FIFO="\"/tmp/vt_deb.fifo\"" \
            -A VT_NO_TIMER_LIMIT=2 -A VT_CHILDREN=2 >/tmp/kamailio.log 2>&1 &
        kpid=$!
        for i in $(seq 1 30); do
            kamcmd -s unix:$ctl core.uptime 2>/dev/null | grep -q uptime && break
            sleep 0.5
        done
        kamcmd -s unix:$ctl core.uptime 2>/dev/null | grep -q uptime \
            || { tail -20 /tmp/kamailio.log; fail "Kamailio did not start with the package'"'"'s module"; }
        grep -q "vos_timer [0-9.]*: session_ttl" /tmp/kamailio.log || fail "no vos_timer start-up line"
        cd /tmp
        sipp -sf uas_wait_bye.xml -i 127.0.0.1 -p 5098 -m 1 -nostdin -bg \
            -key answer_hdr "X-VT-Test: plain" >/dev/null 2>&1
        sipp 127.0.0.1:5097 -sf uac_wait_bye.xml -i 127.0.0.1 -p 5096 -m 1 -nostdin \
            -key callee 127.0.0.1:5098 -key invite_hdr "X-VT-Test: plain" \
            -timeout 20 -timeout_error >/tmp/uac.log 2>&1; urc=$?
        stats=$(kamcmd -s unix:$ctl vos_timer.stats)
        kill $kpid; wait $kpid 2>/dev/null
        [ $urc -eq 0 ] || { cat /tmp/uac.log | tail -5; fail "the capped call did not end with the proxy'"'"'s BYE"; }
        grep -q "teardown_no_timer_limit: 1" <<<"$stats" || fail "stats: $stats"
        ver=$(dpkg-query -W -f="\${Version}" kamailio-vos-timer-module)
        grep -q "version: $ver" <<<"$stats" || fail "stats version, package $ver: $stats"
        echo "capped call ended by the proxy'"'"'s BYE; vos_timer.stats: teardown_no_timer_limit 1, version $ver"
        apt-get purge -y -qq kamailio-vos-timer-module >/tmp/purge.log 2>&1 \
            || { tail -5 /tmp/purge.log; fail "apt-get purge"; }
        dpkg-query -W kamailio-vos-timer-module >/dev/null 2>&1 \
            && [ "$(dpkg-query -W -f="\${Status}" kamailio-vos-timer-module)" != "unknown ok not-installed" ] \
            && fail "still known to dpkg: $(dpkg-query -W -f="\${Status}" kamailio-vos-timer-module)"
        left=
        for f in $files; do [ -e "$f" ] && [ ! -d "$f" ] && left="$left $f"; done
        [ -e /usr/share/doc/kamailio-vos-timer-module ] && left="$left /usr/share/doc/kamailio-vos-timer-module"
        [ -z "$left" ] || fail "left after purge:$left"
        echo "purged: nothing of the package left ($(wc -w <<<"$files") paths checked)"
        echo "deb install: PASS"'
}

make_base
[ "${2:-}" = base ] && exit 0
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# A pristine copy of the base at $root, with the release's apt sources,
# the host's resolver and registry settings, /proc, /sys, /dev and /run.
new_copy() {
    if [ -e "$root" ]; then
        say "removing a copy a previous run left"
        ( cleanup ) || exit 1
        [ -e "$root" ] && rm -rf "$root"
    fi
    mkdir -p "$root"
    tar -C "$root" --numeric-owner -xf "$base"
    apt_sources
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    # the registry's own settings (e.g. stale-Release tolerance), not the project's
    for f in /etc/apt/apt.conf.d/99artifact-registry; do
        [ -f "$f" ] && cp "$f" "$root/etc/apt/apt.conf.d/"
    done
    mount --bind "$root" "$root"
    mount --make-private "$root"
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys"; mount --make-rslave "$root/sys"
    mount --rbind /dev "$root/dev"; mount --make-rslave "$root/dev"
    mount -t tmpfs -o mode=755 tmpfs "$root/run"
}

# Run a bash script in the copy, in the background and waited for, so that
# a signal to this script runs its trap at once (bash defers traps while a
# foreground job runs); the trap's cleanup kills what runs in the root.
# Its output goes through filter (a sed expression); returns its status.
in_root() {
    local script=$1 filter=${2:-} rcfile=$cache/$suite-run.rc rc
    rm -f "$rcfile"
    ( chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        ${CI:+CI=$CI} ${FUZZ_RUNS:+FUZZ_RUNS=$FUZZ_RUNS} \
        bash -c "$script" 2>&1
      echo $? > "$rcfile" ) | sed -u -E "${filter:-p;d}" &
    wait $!
    rc=$(cat "$rcfile" 2>/dev/null || echo 1)
    rm -f "$rcfile"
    return "$rc"
}

new_copy
if [ -n "$(git -C "$here" status --porcelain --untracked-files=no)" ]; then
    say "note: uncommitted changes are not in the clone (it tests HEAD $(git -C "$here" rev-parse --short HEAD))"
fi
git clone -q "$here" "$root/root/vos_timer"
say "testing $(git -C "$root/root/vos_timer" log -1 --format='%h %s' | cut -c1-72)"

t0=$SECONDS
if [ "${2:-}" = deb ]; then
    deb_test
    exit $?
fi
in_root 'set -e
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends make git >/dev/null
        cd /root/vos_timer
        echo "kamailio candidate: $(apt-cache policy kamailio | sed -n "s/ *Candidate: //p")"
        set +e
        make test; rc=$?
        # the other set-up command of the README: Kamailio with the sample
        # must come up and answer RPC (it runs in the foreground: stopped)
        ctl=/tmp/vos_timer_kamailio_ctl
        timeout 90 make run > /tmp/make-run.log 2>&1 &
        up=
        for i in $(seq 1 60); do
            kamcmd -s unix:$ctl core.uptime 2>/dev/null | grep -q uptime && { up=1; break; }
            sleep 1
        done
        if [ -n "$up" ] && kamcmd -s unix:$ctl vos_timer.stats | grep -q managed; then
            echo "make run: PASS (Kamailio up on udp:127.0.0.1:5060, vos_timer.stats answered)"
        else
            tail -20 /tmp/make-run.log; echo "make run: FAIL"; rc=1
        fi
        # anchored: the command line of this very shell holds the same words
        pkill -f "^kamailio -f /root/vos_timer/kamailio.cfg.sample" || true
        wait
        exit $rc' "s/^([0-9]+ passed, [0-9]+ failed)/Debian $rel ($suite) suite: \1/"
rc=$?
say "make test exited $rc after $((SECONDS - t0)) s"
exit "$rc"
