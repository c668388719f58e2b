#!/usr/bin/env bash
# Long fault tests (issue 7): slowloris, SIGTERM under 64-connection load, oversized-header flood, against the real
# node-app; see bench/faults.mjs for what each does and measures. The short versions run in node-app's `npm test`
# (node-app/test/load.test.js).
#
# Usage: bench/faults.sh [slowloris|sigterm|oversized ...]   (default: all three, about 50 s; SLOW=500 connections)
# Prints one JSON line per scenario and writes them to bench/results/faults-latest.jsonl.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_node_modules
mkdir -p "$BENCH_DIR/results"
log "load average (1/5/15 min) at start: $(loadavg); $(machine)"
node "$BENCH_DIR/faults.mjs" "$@" | tee "$BENCH_DIR/results/faults-latest.jsonl"
log "load average at end: $(loadavg)"
