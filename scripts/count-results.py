"""Counts tests from node's test runner log and xunit's .trx files; prints 'N passed, N failed, N skipped'.

Usage: count-results.py RESULTS_DIR [EXIT_STATUS]. A non-zero exit status with no failed test counted (set-up or a
build broke before any test ran) is counted as one failure, so a broken run never reads as green or empty.
"""
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET

results = sys.argv[1]
status = int(sys.argv[2]) if len(sys.argv) > 2 else 0
passed = failed = skipped = 0

# node --test (spec reporter) ends with lines like "ℹ pass 42" and "ℹ fail 0".
log = os.path.join(results, "npm-test.log")
if os.path.exists(log):
    text = open(log, encoding="utf-8", errors="replace").read()
    for kind, count in re.findall(r"^\S*\s*(pass|fail|skipped) (\d+)\s*$", text, re.M):
        if kind == "pass":
            passed += int(count)
        elif kind == "fail":
            failed += int(count)
        else:
            skipped += int(count)
    # A runner that crashed before its summary counts as a failure, not as zero tests.
    if not re.search(r"^\S*\s*pass \d+\s*$", text, re.M):
        failed += 1

ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for trx in glob.glob(os.path.join(results, "*.trx")):
    counters = ET.parse(trx).getroot().find("t:ResultSummary/t:Counters", ns)
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0))
    skipped += int(counters.get("notExecuted", 0))

if status != 0 and failed == 0:
    failed = 1

print(f"{passed} passed, {failed} failed, {skipped} skipped")
