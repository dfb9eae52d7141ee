#!/usr/bin/env bash
# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
# make format-check / make format: the project's C sources in the style of
# .clang-format (Kamailio's, from its 6.1 tree). Checked to give the same
# result with clang-format 14 (Debian 12) and 19 (Debian 13); another
# version may disagree on a line or two - then use one of those.
# The stand-ins of Kamailio headers under test/unit/kamailio/ are left as
# Kamailio writes them.
#   scripts/format-check.sh          list the files that differ (exit 1)
#   scripts/format-check.sh --fix    rewrite them
set -u
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "format: clang-format missing (make deps installs it)"; exit 1; }
mapfile -t files < <(git ls-files 'modules/vos_timer/*.[ch]' 'test/unit/*.[ch]' \
    'test/fuzz/*.c' 'bench/*.c' | grep -v '^test/unit/kamailio/')
if [ "${1:-}" = --fix ]; then
    clang-format -i "${files[@]}"
    echo "format: ${#files[@]} files formatted ($(clang-format --version | grep -o 'version [0-9.]*'))"
    exit 0
fi
bad=()
for f in "${files[@]}"; do
    clang-format "$f" | cmp -s - "$f" || bad+=("$f")
done
ver=$(clang-format --version | grep -o 'version [0-9.]*')
if [ "${#bad[@]}" -gt 0 ]; then
    echo "format: ${#bad[@]} of ${#files[@]} files differ from .clang-format (clang-format $ver):"
    printf '  %s\n' "${bad[@]}"
    echo "format: make format rewrites them; clang-format -n FILE shows where"
    exit 1
fi
echo "format: ${#files[@]} files follow .clang-format (clang-format $ver)"
