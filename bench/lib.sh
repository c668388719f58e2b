# shellcheck shell=bash disable=SC2034
# Shared helpers for bench/http.sh, bench/soak.sh and bench/faults.sh (sourced, not run).
# Every process these scripts start is recorded in STARTED_PIDS and only those are ever signalled.

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
APP_DIR="$REPO_ROOT/node-app"
STARTED_PIDS=()

log() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
now_ns() { date +%s%N; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.2f", ns / 1e9 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2fx", a / b }'; }
met_ge() { awk -v v="$1" -v t="$2" 'BEGIN { print (v >= t ? "met" : "MISSED") }'; }
met_le() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t ? "met" : "MISSED") }'; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

machine() {
  local os cpu
  os="$(. /etc/os-release && echo "$PRETTY_NAME")"
  cpu="$(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1))"
  echo "$os, $cpu, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), node $(node --version)"
}

free_port() {
  node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })"
}

ensure_wrk() {
  command -v wrk >/dev/null && return
  log "wrk missing: installing Debian's wrk package"
  [[ $EUID -eq 0 ]] || die "wrk is missing and installing it needs root: apt-get install -y wrk"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null || die "apt-get install wrk failed"
}

ensure_node_modules() {
  [[ -d "$APP_DIR/node_modules/@opentelemetry/sdk-trace-node" ]] && return
  log "node-app/node_modules missing: npm ci"
  (cd "$APP_DIR" && npm ci --no-audit --no-fund >/dev/null) || die "npm ci failed"
}

# Pinning (PIN=1): on 2+ cores the server gets CPU 1 and the load generator (and OTLP sink) CPU 0, so they do not
# preempt each other. Off by default: with other builds loading this 2-core machine, pinning made runs neither
# steadier nor faster (the server can no longer move to whichever core is free; see bench/README.md).
if [[ "${PIN:-0}" == 1 && "$(nproc)" -ge 2 ]]; then
  SERVER_TASKSET=(taskset -c 1)
  CLIENT_TASKSET=(taskset -c 0)
  PINNING="server pinned to CPU 1, load generator (and OTLP sink) to CPU 0 (taskset)"
else
  SERVER_TASKSET=()
  CLIENT_TASKSET=()
  PINNING="not pinned (PIN=0)"
fi

# cpu_ticks PID: user + system CPU time of a process (all its threads), in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
CLK_TCK="$(getconf CLK_TCK)"

# The caller's environment minus anything node-app reads, so only what a script sets counts.
clean_env() {
  local unset=() v
  for v in $(compgen -e); do
    case "$v" in
      OTEL_* | PORT | HOST | APP_NAME | LOG_LEVEL | SHUTDOWN_TIMEOUT_MS | KEEP_ALIVE_TIMEOUT_MS | REQUEST_TIMEOUT_MS | \
        MAX_BODY_BYTES | MAX_HEADER_BYTES | NODE_OPTIONS) unset+=(-u "$v") ;;
    esac
  done
  ((${#unset[@]})) && printf '%s\n' "${unset[@]}"
  return 0
}

# wait_http URL [TIMEOUT_S]: polls every 20 ms until URL answers 200.
wait_http() {
  local url="$1" limit=$((${2:-10} * 50)) i
  for ((i = 0; i < limit; i++)); do
    curl -fs -o /dev/null --max-time 1 "$url" && return 0
    sleep 0.02
  done
  return 1
}

# start_server KIND PORT [SINK_PORT] -> sets SERVER_PID; KIND: bare | app. With SINK_PORT, node-app exports
# its telemetry (OTLP/HTTP protobuf, the SDK's default intervals) to the sink. node-app's stdout (its JSON lines)
# goes to SERVER_LOG when set, else to /dev/null (it is still written: that is part of its cost).
start_server() {
  local kind="$1" port="$2" sink="${3:-}" envs
  mapfile -t envs < <(clean_env)
  if [[ "$kind" == bare ]]; then
    env "${envs[@]}" PORT="$port" "${SERVER_TASKSET[@]}" node "$BENCH_DIR/bare-server.mjs" >/dev/null 2>&1 &
  elif [[ -z "$sink" ]]; then
    (cd "$APP_DIR" && exec env "${envs[@]}" PORT="$port" HOST=127.0.0.1 \
      "${SERVER_TASKSET[@]}" node --import ./src/instrumentation.js src/server.js >"${SERVER_LOG:-/dev/null}" 2>&1) &
  else
    (cd "$APP_DIR" && exec env "${envs[@]}" PORT="$port" HOST=127.0.0.1 \
      OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf \
      "${SERVER_TASKSET[@]}" node --import ./src/instrumentation.js src/server.js >"${SERVER_LOG:-/dev/null}" 2>&1) &
  fi
  SERVER_PID=$!
  STARTED_PIDS+=("$SERVER_PID")
  wait_http "http://127.0.0.1:$port/" 15 || die "$kind server on port $port not answering within 15 s"
}

# stop_pid PID: SIGTERM, wait up to 15 s, then SIGKILL. Only for processes this script started.
stop_pid() {
  local pid="$1" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  log "pid $pid still running 15 s after SIGTERM: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# start_sink -> sets SINK_PID, SINK_PORT, SINK_OUT (its stdout: "listening PORT", then the counts at exit).
start_sink() {
  SINK_OUT="$(mktemp)"
  "${CLIENT_TASKSET[@]}" node "$BENCH_DIR/otlp-sink.mjs" 0 >"$SINK_OUT" 2>&1 &
  SINK_PID=$!
  STARTED_PIDS+=("$SINK_PID")
  local i
  for ((i = 0; i < 250; i++)); do
    SINK_PORT="$(sed -n 's/^listening //p' "$SINK_OUT")"
    [[ -n "$SINK_PORT" ]] && return 0
    sleep 0.02
  done
  die "OTLP sink did not start"
}

cleanup_started() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null && stop_pid "$pid"
  done
  return 0
}
