#!/usr/bin/env bash
# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
# make run: Kamailio in the foreground on 127.0.0.1:5060 with
# kamailio.cfg.sample and the freshly built module.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
port=${VT_PORT:-5060}
ctl=/tmp/vos_timer_kamailio_ctl

if ss -Hlun "sport = :$port" 2>/dev/null | grep -q .; then
    echo "run: UDP port $port is already in use:" >&2
    ss -Hlunp "sport = :$port" >&2 || true
    echo "run: stop that process (Debian's own service: systemctl stop kamailio)," >&2
    echo "run: or pick another port: make run VT_PORT=5070" >&2
    exit 1
fi

cat <<TXT
vos_timer: starting Kamailio on udp:127.0.0.1:$port (kamailio.cfg.sample)
  stop it:   Ctrl-C (or: kill \$(pgrep -f 'kamailio -f $root/kamailio.cfg.sample' | head -1))
  query it:  kamcmd -s unix:$ctl vos_timer.stats
             kamcmd -s unix:$ctl vos_timer.list
             kamcmd -s unix:$ctl vos_timer.show <call-id>
             kamcmd -s unix:$ctl vos_timer.hangup <call-id>
             kamcmd -s unix:$ctl vos_timer.set update_segment 3
             kamcmd -s unix:$ctl stats.get_statistics vos_timer:
  call it:   send an INVITE for sip:bob@127.0.0.1:<callee port> to 127.0.0.1:$port
TXT
exec kamailio -f "$root/kamailio.cfg.sample" -DD -E -m 128 -M 8 \
    -A "VT_MODULE=\"$root/modules/vos_timer/vos_timer.so\"" \
    -A "VT_LISTEN=udp:127.0.0.1:$port" \
    -A "VT_CTL=\"unix:$ctl\"" \
    ${VT_RUN_ARGS:-}
