#!/usr/bin/env bash
# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make licence-check (make test runs it): every source file of the project
# (C, Python, shell, Makefiles, Kamailio configs, the KEMI script) carries
# the licence line "SPDX-License-Identifier: GPL-2.0-or-later" in its first
# 10 lines, and COPYING holds the GPL version 2 it refers to.
set -u
cd "$(dirname "$0")/.."
bad=()
n=0
while IFS= read -r f; do
    n=$((n + 1))
    head -n 10 "$f" | grep -q 'SPDX-License-Identifier: GPL-2.0-or-later' || bad+=("$f")
done < <(git ls-files | grep -E '\.(c|h|py|sh|cfg|js|sample)$|(^|/)Makefile$|^\.ci/run$|^debian/rules$' \
    | grep -v '^test/fuzz/corpus')
if ! grep -q 'GNU GENERAL PUBLIC LICENSE' COPYING 2>/dev/null \
        || ! grep -q 'Version 2, June 1991' COPYING; then
    echo "licence: COPYING is missing or is not the GPL version 2"
    exit 1
fi
if [ "${#bad[@]}" -gt 0 ]; then
    echo "licence: ${#bad[@]} of $n files have no SPDX-License-Identifier line:"
    printf '  %s\n' "${bad[@]}"
    exit 1
fi
echo "licence: $n files carry GPL-2.0-or-later; COPYING is the GPL version 2"
