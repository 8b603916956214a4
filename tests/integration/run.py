#!/usr/bin/env python3
"""Run every integration test (tests/integration/test_*.py) against a build.

usage: run.py [--build DIR] [-k PATTERN]
Prints one line per test and a closing "integration: N passed, N failed".
"""
import argparse
import os
import sys
import unittest

here = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(here, "..", "..", "build"))
    ap.add_argument("-k", dest="pattern", action="append")
    args = ap.parse_args()
    os.environ["SIPEDGE_BUILD"] = os.path.abspath(args.build)
    sys.path.insert(0, here)
    loader = unittest.TestLoader()
    if args.pattern:
        loader.testNamePatterns = ["*%s*" % p for p in args.pattern]
    suite = loader.discover(here, pattern="test_*.py", top_level_dir=here)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    # A test with failing subtests is one failed test, not one per subtest.
    bad = len({getattr(t, "test_case", t).id()
               for t, _ in result.failures + result.errors})
    ok = result.testsRun - bad - len(result.skipped)
    if result.testsRun == 0:
        print("integration: no tests ran")
        return 1
    print("integration: %d passed, %d failed, %d skipped"
          % (ok, bad, len(result.skipped)))
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
