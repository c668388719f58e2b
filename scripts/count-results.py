"""Counts passed and failed tests from node's test runner log and xunit's .trx files; prints 'N passed, N failed'."""
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET

results = sys.argv[1]
passed = failed = 0

# node --test (spec reporter) ends with lines like "ℹ pass 42" and "ℹ fail 0".
log = os.path.join(results, "npm-test.log")
if os.path.exists(log):
    text = open(log, encoding="utf-8", errors="replace").read()
    for kind, count in re.findall(r"^\S*\s*(pass|fail) (\d+)\s*$", text, re.M):
        if kind == "pass":
            passed += int(count)
        else:
            failed += int(count)
    # A runner that crashed before its summary counts as a failure, not as zero tests.
    if not re.search(r"^\S*\s*pass \d+\s*$", text, re.M):
        failed += 1

ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for trx in glob.glob(os.path.join(results, "*.trx")):
    counters = ET.parse(trx).getroot().find("t:ResultSummary/t:Counters", ns)
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0))

print(f"{passed} passed, {failed} failed")
