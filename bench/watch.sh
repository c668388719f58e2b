#!/usr/bin/env bash
# Edit-and-see benchmark (issue 16): how long after a source file is saved node-app serves the new code, in watch
# mode exactly as the AppHost runs it (node --watch-path=src --watch-preserve-output --import ./src/instrumentation.js
# src/server.js, HOST=127.0.0.1, telemetry on to the local OTLP sink). The restart happens inside node (DCP and the AppHost see one process throughout),
# so the AppHost adds nothing to it and is not started here.
#
# Baseline, in the same run: node-app's cold start, the same command without --watch, from spawn to the first 200.
# A restart is that start plus node's debounce and node-app's graceful stop (drain, telemetry flush).
#
# Runs on a copy of node-app in a temp dir (node_modules linked): the repository is never modified.
# Usage: bench/watch.sh [RUNS]   (default 7; median and range reported)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNS="${1:-7}"
TARGET_MS=1000
ensure_node_modules
COPY="$(mktemp -d)"
trap 'cleanup_started; rm -rf "$COPY" "${SINK_OUT:-}"' EXIT
cp -r "$APP_DIR/src" "$APP_DIR/package.json" "$COPY/"
ln -s "$APP_DIR/node_modules" "$COPY/node_modules"
LOAD_START="$(loadavg)"
start_sink

ms_since() { echo $((($(now_ns) - $1) / 1000000)); }
started_at() { curl -fs --max-time 1 "http://127.0.0.1:$1/api/info" | sed -n 's/.*"startedAt":"\([^"]*\)".*/\1/p'; }
# app_env PORT COMMAND...: replaces the calling (sub)shell with node-app's command, so its pid is node's.
app_env() { exec env $(clean_env) PORT="$1" HOST=127.0.0.1 OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$SINK_PORT" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf "${@:2}"; }

# Baseline: cold starts.
COLD=()
for ((i = 1; i <= RUNS; i++)); do
  port="$(free_port)"
  t0="$(now_ns)"
  (cd "$COPY" && app_env "$port" node --import ./src/instrumentation.js src/server.js >/dev/null 2>&1) &
  pid=$!; STARTED_PIDS+=("$pid")
  wait_http "http://127.0.0.1:$port/alive" 30 || die "node-app did not start within 30 s"
  COLD+=("$(ms_since "$t0")")
  stop_pid "$pid"
done

# Watch-mode restarts: append a comment to src/app.js, then poll every 10 ms until the answer comes from a newer
# process (startedAt changed).
port="$(free_port)"
(cd "$COPY" && app_env "$port" node --watch-path=src --watch-preserve-output --import ./src/instrumentation.js src/server.js >/dev/null 2>&1) &
watcher=$!; STARTED_PIDS+=("$watcher")
wait_http "http://127.0.0.1:$port/alive" 30 || die "node-app in watch mode did not start within 30 s"
RESTART=()
for ((i = 1; i <= RUNS; i++)); do
  before="$(started_at "$port")"
  t0="$(now_ns)"
  echo "// edit $i" >>"$COPY/src/app.js"
  deadline=$((t0 + 30 * 1000000000))
  while now="$(started_at "$port" || true)"; [[ -z "$now" || "$now" == "$before" ]]; do
    (($(now_ns) < deadline)) || die "edit $i not served within 30 s"
    sleep 0.01
  done
  RESTART+=("$(ms_since "$t0")")
  log "edit $i served after ${RESTART[-1]} ms"
  sleep 1 # let the previous instance's telemetry settle
done
kill -0 "$watcher" || die "the watch-mode process exited"
stop_pid "$watcher"
LOAD_END="$(loadavg)"

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
range() { printf '%s\n' "$@" | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "-" hi }'; }
cold="$(median "${COLD[@]}")"; restart="$(median "${RESTART[@]}")"
TABLE="$(cat <<EOF
Run: $(date -u '+%Y-%m-%d %H:%M UTC'), $(machine), median of $RUNS runs each; load average (1/5/15 min) at start $LOAD_START, at end $LOAD_END.

| Figure | Median (range) | Baseline | Ratio | Target (issue 16) |
|---|---|---|---|---|
| Source edit to new code served (watch mode, telemetry on) | $restart ms ($(range "${RESTART[@]}") ms) | $cold ms (cold start, $(range "${COLD[@]}") ms) | $(ratio "$restart" "$cold") | < $TARGET_MS ms: $(met_le "$restart" "$((TARGET_MS - 1))") |
EOF
)"
mkdir -p "$BENCH_DIR/results"
printf '%s\n' "$TABLE" | tee "$BENCH_DIR/results/watch-latest.md"
