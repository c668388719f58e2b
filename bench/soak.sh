#!/usr/bin/env bash
# Soak test (issue 7): DURATION seconds (default 60) of GET / at 64 connections (wrk, 1 thread) against node-app
# with telemetry off and on (OTLP/HTTP to bench/otlp-sink.mjs), and against a bare `node:http` hello-world as the
# baseline, one after the other in the same run. Pass: zero errors (socket errors, timeouts, non-2xx) and flat
# memory. The server's RSS is read from /proc/PID/status every second: the table gives it before the load, at the
# end, its maximum, and the least-squares slope over the second half of the run (WARMUP_S, default DURATION / 2).
# RSS never shrinks back and V8 grows its heap in steps under allocation pressure, so even the bare server, which
# keeps nothing between requests, shows a positive slope over one minute. "Flat" therefore means: node-app's slope
# is at most the bare server's slope in the same run plus FLAT_MB_PER_MIN (default 5 MB/min). For scale: keeping
# 100 bytes per request at these rates would grow RSS by roughly 50-100 MB/min. A 60 s soak catches fast leaks only.
#
# Usage: bench/soak.sh [DURATION_S] [CONNECTIONS]    (defaults 60 and 64; PIN=1: taskset, see lib.sh)
# Needs: node, curl, wrk (installed from Debian when missing; needs root). Loopback only.
# Prints a Markdown table (paste it into bench/README.md) and writes it to bench/results/soak-latest.md;
# the per-second RSS samples go to bench/results/soak-rss.csv.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION="${1:-60}"
CONNECTIONS="${2:-64}"
WARMUP_S="${WARMUP_S:-$((DURATION / 2))}"
FLAT_MB_PER_MIN="${FLAT_MB_PER_MIN:-5}"
((DURATION >= WARMUP_S + 10)) || die "DURATION must be at least WARMUP_S + 10 s"

ensure_wrk
ensure_node_modules
WORK="$(mktemp -d)"
trap 'cleanup_started; rm -rf "$WORK" "${SINK_OUT:-}"' EXIT
LOAD_START="$(loadavg)"
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

start_sink
log "$PINNING"
mkdir -p "$BENCH_DIR/results"
echo "server,second,rss_kb" >"$BENCH_DIR/results/soak-rss.csv"
declare -A RPS ERRS START END MAX SLOPE
for v in bare off on; do
  port="$(free_port)"
  case "$v" in
    bare) start_server bare "$port" ;;
    off) start_server app "$port" ;;
    on) start_server app "$port" "$SINK_PORT" ;;
  esac
  pid="$SERVER_PID"
  log "$v: ${DURATION} s of GET / at $CONNECTIONS connections, RSS every second"
  : >"$WORK/$v.rss"
  echo "0 $(rss_kb "$pid")" >>"$WORK/$v.rss"
  "${CLIENT_TASKSET[@]}" wrk -t1 -c"$CONNECTIONS" -d"$DURATION"s "http://127.0.0.1:$port/" >"$WORK/$v.wrk" &
  wrk_pid=$!
  STARTED_PIDS+=("$wrk_pid")
  t0="$(now_ns)"
  for ((sec = 1; sec <= DURATION + 5; sec++)); do
    # sleep to the next whole second since the load began, so samples do not drift
    sleep "$(awk -v t0="$t0" -v now="$(now_ns)" -v s="$sec" 'BEGIN { d = s - (now - t0) / 1e9; print (d > 0 ? d : 0) }')"
    kill -0 "$wrk_pid" 2>/dev/null || break
    echo "$sec $(rss_kb "$pid")" >>"$WORK/$v.rss"
  done
  wait "$wrk_pid" || die "wrk failed: $(cat "$WORK/$v.wrk")"
  kill -0 "$pid" 2>/dev/null || die "$v server died during the soak"
  stop_pid "$pid"
  awk -v v="$v" '{ print v "," $1 "," $2 }' "$WORK/$v.rss" >>"$BENCH_DIR/results/soak-rss.csv"

  RPS[$v]="$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$WORK/$v.wrk")"
  sock="$(awk -F'[ ,]+' '/Socket errors:/ { print $4 + $6 + $8 + $10 }' "$WORK/$v.wrk")"
  non2xx="$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$WORK/$v.wrk")"
  ERRS[$v]=$((${sock:-0} + ${non2xx:-0}))
  read -r START[$v] END[$v] MAX[$v] SLOPE[$v] < <(awk -v w="$WARMUP_S" '
    NR == 1 { start = $2 } { end = $2; if ($2 > max) max = $2 }
    $1 >= w { n++; sx += $1; sy += $2; sxx += $1 * $1; sxy += $1 * $2 }
    END { slope = (n > 1) ? (n * sxy - sx * sy) / (n * sxx - sx * sx) : 0   # kB per second
          printf "%.1f %.1f %.1f %.2f\n", start / 1024, end / 1024, max / 1024, slope * 60 / 1024 }' "$WORK/$v.rss")
  log "$v: ${RPS[$v]} req/s, errors ${ERRS[$v]}, RSS ${START[$v]} -> ${END[$v]} MB (max ${MAX[$v]}), slope ${SLOPE[$v]} MB/min"
done
LOAD_END="$(loadavg)"

flat() { awk -v s="$1" -v b="${SLOPE[bare]}" -v t="$FLAT_MB_PER_MIN" 'BEGIN { print (s <= b + t ? "flat" : "GROWING") }'; }
rows=""
for v in bare off on; do
  case "$v" in
    bare) label="bare node:http (baseline)"; target="" ;;
    off) label="node-app, telemetry off" ;;
    on) label="node-app, telemetry on" ;;
  esac
  [[ "$v" == bare ]] || target="zero errors: $([[ ${ERRS[$v]} == 0 ]] && echo met || echo MISSED); flat memory: $([[ "$(flat "${SLOPE[$v]}")" == flat ]] && echo met || echo MISSED)"
  verdict=""
  [[ "$v" == bare ]] || verdict=" ($(flat "${SLOPE[$v]}"))"
  rows+="| $label | ${RPS[$v]} | $(ratio "${RPS[$v]}" "${RPS[bare]}") | ${ERRS[$v]} | ${START[$v]} MB | ${END[$v]} MB | ${MAX[$v]} MB | $(ratio "${MAX[$v]}" "${MAX[bare]}") | ${SLOPE[$v]} MB/min$verdict | $target |"$'\n'
done

TABLE="$(cat <<EOF
Run: $(date -u '+%Y-%m-%d %H:%M UTC'), $(machine), wrk $(wrk --version 2>&1 | awk 'NR == 1 { print $2 }') (1 thread, $CONNECTIONS connections, GET /), ${DURATION} s per server, one after the other; $PINNING; RSS slope fitted from ${WARMUP_S} s to the end, flat = at most the bare server's slope + ${FLAT_MB_PER_MIN} MB/min; load average (1/5/15 min) at start $LOAD_START, at end $LOAD_END.

| Server | Requests/s | Throughput ratio | Errors | RSS before load | RSS at end | RSS max | RSS max ratio | RSS slope after warm-up | Target (issue 7) |
|---|---|---|---|---|---|---|---|---|---|
${rows%$'\n'}
EOF
)"
printf '%s\n' "$TABLE" | tee "$BENCH_DIR/results/soak-latest.md"
