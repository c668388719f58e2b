#!/usr/bin/env bash
# HTTP benchmark for node-app (issues 7 and 16): throughput and p99 latency on `/` and `/health`, telemetry off and on,
# against a bare `node:http` hello-world (bench/bare-server.mjs) measured in the same run with the same load tool
# (wrk, 1 thread), connections and duration. For "telemetry on", node-app exports traces, metrics and logs over
# OTLP/HTTP (protobuf, the SDK's default batching and intervals) to bench/otlp-sink.mjs, a local sink answering 200.
#
# This machine is shared with other builds, so one long run per server would mostly measure whoever else was busy
# at that moment. Instead, per path, the three servers run side by side and are measured in ROUNDS interleaved
# rounds (bare, off, on, bare, off, on, ...), each run after an unrecorded warm-up; the table gives the median of
# the rounds. It also gives the server's CPU time per request (user + system of the server process, over all
# rounds), which other processes on the machine affect far less than throughput does. Every request must be logged
# (node-app's JSON request lines, written to a temp file for both node-app servers and counted) and, with telemetry
# on, traced (`/`; health probes are not traced by design): the sink counts the spans it received. Both are checked
# against the requests wrk completed, warm-up included.
#
# Usage: bench/http.sh [DURATION_S] [CONNECTIONS] [ROUNDS]   (defaults 2, 64, 10; WARMUP=3 s; PIN=1: taskset)
# Needs: node, curl, wrk (installed from Debian when missing; needs root). Loopback only.
# Prints a Markdown table (paste it into bench/README.md) and writes it to bench/results/http-latest.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION="${1:-2}"
CONNECTIONS="${2:-64}"
ROUNDS="${3:-10}"
WARMUP="${WARMUP:-3}"
P99_TARGET_MS=20
VARIANTS=(bare off on)

ensure_wrk
ensure_node_modules
LOGS_DIR="$(mktemp -d)"
trap 'cleanup_started; rm -rf "${SINK_OUT:-}" "$LOGS_DIR"' EXIT
LOAD_START="$(loadavg)"

# to_ms "2.95ms" | "812.00us" | "1.02s" -> milliseconds
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }

# run_wrk URL SECONDS -> "rps p99_ms errors requests"
run_wrk() {
  local out rps p99 sock non2xx requests
  out="$("${CLIENT_TASKSET[@]}" wrk -t1 -c"$CONNECTIONS" -d"$2"s --latency "$1")"
  rps="$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")"
  p99="$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")"
  requests="$(awk '/ requests in / { print $1 }' <<<"$out")"
  sock="$(awk -F'[ ,]+' '/Socket errors:/ { print $4 + $6 + $8 + $10 }' <<<"$out")"
  non2xx="$(awk '/Non-2xx or 3xx responses:/ { print $NF }' <<<"$out")"
  echo "$rps $p99 $((${sock:-0} + ${non2xx:-0})) $requests"
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
sink_stat() { curl -fs "http://127.0.0.1:$SINK_PORT/stats" | sed -E "s/.*\"$1\":([0-9]+).*/\\1/"; }
sink_requests() { sink_stat requests; }

start_sink
log "OTLP sink on 127.0.0.1:$SINK_PORT; $PINNING"

declare -A PORT PID RPS P99 ERR REQS TICKS EXPORTS SERVED SPANS LOGGED
for path in / /health; do
  spans_before="$(sink_stat spans)"
  for v in "${VARIANTS[@]}"; do
    PORT[$v]="$(free_port)"
    export SERVER_LOG="$LOGS_DIR/${path//\//_}.$v.log"
    case "$v" in
      bare) start_server bare "${PORT[$v]}" ;;
      off) start_server app "${PORT[$v]}" ;;
      on) start_server app "${PORT[$v]}" "$SINK_PORT" ;;
    esac
    PID[$v]="$SERVER_PID"
    log "$path $v: warm-up ${WARMUP} s"
    read -r _ _ _ warm < <(run_wrk "http://127.0.0.1:${PORT[$v]}$path" "$WARMUP")
    SERVED[$path.$v]="$warm"
    RPS[$path.$v]=""; P99[$path.$v]=""; ERR[$path.$v]=0; REQS[$path.$v]=0; TICKS[$path.$v]=0
  done
  exports_before="$(sink_requests)"
  for ((round = 1; round <= ROUNDS; round++)); do
    for v in "${VARIANTS[@]}"; do
      t0="$(cpu_ticks "${PID[$v]}")"
      read -r rps p99 err reqs < <(run_wrk "http://127.0.0.1:${PORT[$v]}$path" "$DURATION")
      TICKS[$path.$v]=$((TICKS[$path.$v] + $(cpu_ticks "${PID[$v]}") - t0))
      RPS[$path.$v]+="$rps "; P99[$path.$v]+="$p99 "
      ERR[$path.$v]=$((ERR[$path.$v] + err)); REQS[$path.$v]=$((REQS[$path.$v] + reqs)); SERVED[$path.$v]=$((SERVED[$path.$v] + reqs))
      log "$path $v round $round: $rps req/s, p99 $p99 ms, errors $err (load $(loadavg))"
    done
  done
  for v in "${VARIANTS[@]}"; do stop_pid "${PID[$v]}"; done # node-app flushes telemetry on SIGTERM (≤ 2 s)
  EXPORTS[$path]=$(($(sink_requests) - exports_before))
  SPANS[$path]=$(($(sink_stat spans) - spans_before))
  for v in off on; do LOGGED[$path.$v]="$(grep -c "\"msg\":\"request\",\"method\":\"GET\",\"path\":\"$path\"" "$LOGS_DIR/${path//\//_}.$v.log" || true)"; done
  log "$path: off logged ${LOGGED[$path.off]} of ${SERVED[$path.off]}; on logged ${LOGGED[$path.on]}, traced ${SPANS[$path]} of ${SERVED[$path.on]}"
done
LOAD_END="$(loadavg)"

med() { tr ' ' '\n' <<<"$1" | grep . | median; }
range() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.0f-%.0f", lo, hi }'; }
us_per_req() { awk -v t="$1" -v n="$2" -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }'; }
p99_met() { awk -v v="$1" -v t="$P99_TARGET_MS" 'BEGIN { print (v < t ? "met" : "MISSED") }'; }
# every WHAT RECEIVED SERVED -> "every request traced: met (12 of 12)"
every() { local verdict=MISSED; (($2 >= $3)) && verdict=met; echo "every request $1: $verdict ($2 of $3)"; }
rows=""
for path in / /health; do
  base_rps="$(med "${RPS[$path.bare]}")"; base_p99="$(med "${P99[$path.bare]}")"
  base_cpu="$(us_per_req "${TICKS[$path.bare]}" "${REQS[$path.bare]}")"
  for v in "${VARIANTS[@]}"; do
    rps="$(med "${RPS[$path.$v]}")"; p99="$(med "${P99[$path.$v]}")"; cpu="$(us_per_req "${TICKS[$path.$v]}" "${REQS[$path.$v]}")"
    r="$(ratio "$rps" "$base_rps")"; c="$(ratio "$cpu" "$base_cpu")"
    case "$v" in
      bare) label="bare node:http (baseline)"; target="" ;;
      off)
        label="node-app, telemetry off"
        target="≥ 0.8x: $(met_ge "${r%x}" 0.8); CPU ≤ 1.3x: $(met_le "${c%x}" 1.3); p99 < $P99_TARGET_MS ms: $(p99_met "$p99"); $(every logged "${LOGGED[$path.off]}" "${SERVED[$path.off]}")" ;;
      on)
        label="node-app, telemetry on (${EXPORTS[$path]} OTLP exports received)"
        target="≥ 0.35x: $(met_ge "${r%x}" 0.35); p99 < $P99_TARGET_MS ms: $(p99_met "$p99"); "
        [[ "$path" == / ]] && target+="$(every traced "${SPANS[$path]}" "${SERVED[$path.on]}"); "
        target+="$(every logged "${LOGGED[$path.on]}" "${SERVED[$path.on]}")" ;;
    esac
    rows+="| \`$path\` | $label | $(printf '%.0f' "$rps") ($(range "${RPS[$path.$v]}")) | $r | $p99 ms | $(ratio "$p99" "$base_p99") | $cpu µs | $c | ${ERR[$path.$v]} | $target |"$'\n'
  done
done

TABLE="$(cat <<EOF
Run: $(date -u '+%Y-%m-%d %H:%M UTC'), $(machine), wrk $(wrk --version 2>&1 | awk 'NR == 1 { print $2 }') (1 thread, $CONNECTIONS connections), median of $ROUNDS interleaved rounds of $DURATION s per server, each server warmed up for $WARMUP s first; $PINNING; load average (1/5/15 min) at start $LOAD_START, at end $LOAD_END.

| Path | Server | Requests/s, median (range) | Throughput ratio | p99 latency, median | p99 ratio | Server CPU per request | CPU ratio | Errors | Targets (issue 16) |
|---|---|---|---|---|---|---|---|---|---|
${rows%$'\n'}
EOF
)"
mkdir -p "$BENCH_DIR/results"
printf '%s\n' "$TABLE" | tee "$BENCH_DIR/results/http-latest.md"
