#!/usr/bin/env bash
# Installs what vos_timer needs on Debian 12 and fetches Kamailio's source for the
# installed Kamailio version, configured the way Debian's debian/rules does.
# Idempotent: every step checks first and skips what is done.
#   scripts/deps.sh packages   - Debian packages only
#   scripts/deps.sh source     - packages + configured Kamailio source tree
#   scripts/deps.sh path       - print the Kamailio tree the module builds against
# KAMAILIO_SRC=/path skips the source step and uses the user's own configured tree.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${VT_CACHE:-$here/.cache}
what=${1:-source}

pkgs=(kamailio sip-tester python3 check pkg-config build-essential clang libclang-rt-dev
      dpkg-dev libxml2-utils xsltproc docbook-xsl docbook-xml iproute2 procps
      kamailio-sqlite-modules nftables)

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
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends $miss \
        || { [ "$made_policy" -eq 1 ] && as_root rm -f "$policy"; exit 1; }
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

fetch_source() {
    if [ -n "${KAMAILIO_SRC:-}" ]; then
        [ -f "$KAMAILIO_SRC/src/Makefile.defs" ] || { echo "deps: KAMAILIO_SRC=$KAMAILIO_SRC has no src/Makefile.defs" >&2; exit 1; }
        say "using KAMAILIO_SRC=$KAMAILIO_SRC"
        return 0
    fi
    local ver upstream tree
    ver=$(dpkg-query -W -f='${Version}' kamailio)
    upstream=${ver#*:}; upstream=${upstream%-*}
    tree=$cache/kamailio-$upstream
    if [ -f "$tree/src/config.mak" ] && [ -f "$tree/.vt-version" ] && [ "$(cat "$tree/.vt-version")" = "$ver" ]; then
        say "source $ver present and configured"
        return 0
    fi
    mkdir -p "$cache"
    if [ ! -f "$tree/src/Makefile.defs" ]; then
        ensure_deb_src
        apt_update
        say "fetching Kamailio source $ver"
        (cd "$cache" && apt-get source -qq "kamailio=$ver")
    fi
    say "configuring $tree like debian/rules"
    local cppflags cflags ldflags
    cppflags=$(cd / && DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CPPFLAGS)
    cflags=$(cd / && DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CFLAGS)
    ldflags=$(cd / && DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get LDFLAGS)
    (cd "$tree" && make -s cfg prefix=/usr cfg_target=/etc/kamailio/ FLAVOUR=kamailio \
        group_include=kstandard \
        CC_EXTRA_OPTS="$cppflags $cflags -DVERSION_NODATE" LD_EXTRA_OPTS="$ldflags" >/dev/null)
    echo "$ver" > "$tree/.vt-version"
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

case "$what" in
    path) src_path ;;
    packages) install_packages ;;
    source) install_packages; fetch_source ;;
    *) echo "usage: $0 [packages|source|path]" >&2; exit 2 ;;
esac
exit 0
