#!/usr/bin/env python3
# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
"""Runs the integration tests; prints PASS/FAIL per test and a closing
'integration: N passed, N failed' line. Exit status 1 if any failed.
Usage: run.py [name-substring ...]"""
import glob
import os
import sys
import time
import traceback

sys.path.insert(0, __import__("os").path.dirname(__file__))
from harness import OUT, TestFailure, TestSkipped, _cleanup  # noqa: E402
import importlib  # noqa: E402

# Every test_*.py here: these first, in this order (quick ones before the
# soak), then any other, by name.
ORDER = ["test_foundation", "test_timer", "test_rfc4028", "test_operate",
         "test_kemi"]
LAST = ["test_soak"]
_here = os.path.dirname(os.path.abspath(__file__))
_found = sorted(os.path.basename(p)[:-3]
                for p in glob.glob(os.path.join(_here, "test_*.py")))
_names = ([n for n in ORDER if n in _found]
          + [n for n in _found if n not in ORDER and n not in LAST]
          + [n for n in LAST if n in _found])
MODULES = [importlib.import_module(n) for n in _names]


def main(argv):
    tests = [t for m in MODULES for t in m.TESTS]
    if argv:
        tests = [t for t in tests if any(a in t.__name__ for a in argv)]
    passed = failed = skipped = 0
    for t in tests:
        t0 = time.time()
        cores = set(glob.glob(os.path.join(OUT, "**", "core*"), recursive=True))
        try:
            t()
            _cleanup()
            # A crash in any Kamailio process (even at shutdown) fails the
            # test that ran it: Kamailio writes core files to its -w dir.
            new = set(glob.glob(os.path.join(OUT, "**", "core*"), recursive=True)) - cores
            if new:
                raise TestFailure("Kamailio dumped core: %s" % ", ".join(sorted(new)))
            passed += 1
            print("PASS %s (%.1fs)" % (t.__name__, time.time() - t0), flush=True)
        except TestSkipped as e:
            skipped += 1
            print("SKIP %s: %s" % (t.__name__, e), flush=True)
        except TestFailure as e:
            failed += 1
            print("FAIL %s (%.1fs): %s" % (t.__name__, time.time() - t0, e), flush=True)
        except Exception:
            failed += 1
            print("FAIL %s: %s" % (t.__name__, traceback.format_exc()), flush=True)
        finally:
            _cleanup()
    if skipped:
        print("integration: %d skipped (not counted; see SKIP lines)" % skipped)
    print("integration: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
