"""Counts tests from node's test runner log and xunit's .trx files; prints 'N passed, N failed, N skipped'.

node's own summary has five counts: pass, fail, cancelled (a test that timed out or whose parent failed: it did not
pass, so it counts as failed), skipped, and todo (not done yet: counted with the skipped). A breakdown line is
printed before the closing one.

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
    node = {kind: int(count) for kind, count in re.findall(r"^\S*\s*(pass|fail|cancelled|skipped|todo) (\d+)\s*$", text, re.M)}
    passed += node.get("pass", 0)
    failed += node.get("fail", 0) + node.get("cancelled", 0)
    skipped += node.get("skipped", 0) + node.get("todo", 0)
    print("node: " + ", ".join(f"{node.get(k, 0)} {k}" for k in ("pass", "fail", "cancelled", "skipped", "todo")))
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
