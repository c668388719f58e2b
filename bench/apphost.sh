#!/usr/bin/env bash
# Local loop benchmark (issue 7): from `dotnet run --project AppHost` to node-app answering GET /health with 200
# on http://127.0.0.1:4000, warm and cold, each against a baseline measured in the same run:
#   - warm, `dotnet run --project AppHost --no-build` (after a build) and `dotnet run --project AppHost` (with its
#     build check, nothing changed): against node-app started directly (`node --import ./src/instrumentation.js
#     src/server.js`, the very command the AppHost runs, telemetry off) to /health 200: what Aspire adds.
#   - warm with a trusted ASP.NET Core developer certificate (`dotnet dev-certs https --trust`, made in a temp HOME
#     so this machine's own certificate store is never touched): Aspire then hands DCP that certificate instead of
#     DCP generating a new key pair for its API server at every start. Same two kinds, same baseline, own clone
#     (a different HOME means a different restore, which must not make the other clone rebuild).
#   - cold: `git clone` of the repository into a temp dir (no bin/, obj/ or node_modules/), then
#     `dotnet run --project AppHost` (restore, build, `npm ci` run by the AppHost itself, start): against a second
#     fresh clone brought up without .NET: `npm ci` + node directly. NuGet's and npm's caches on this machine are
#     warm for both sides (packages come from ~/.nuget/packages and ~/.npm, not the network).
# Everything runs in temp clones of HEAD (committed work only; the working tree and its bin/obj are never touched,
# so builds by others in the repository do not collide with these).
#
# After each AppHost run it sends SIGTERM to `dotnet run` and waits until every process of that run has exited:
# the `dotnet run` tree and the DCP tree that monitors the AppHost (dcp, dashboard, node-app), recorded at start.
# A process still alive 30 s after SIGTERM is reported as left over and then killed by its pid (only processes this
# script started are ever signalled).
#
# Usage: bench/apphost.sh [RUNS]   (warm runs of each kind, default 3, median reported)
# Needs: dotnet, node, npm, git, curl; ports 4000, 15080, 19080, 19081 and 20080 free (the AppHost's fixed ports).
# Prints a Markdown table (paste it into bench/README.md) and writes it to bench/results/apphost-latest.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNS="${1:-3}"
RUN_ENV=()   # extra environment for `dotnet run` (the developer-certificate runs set HOME here)
HEALTH_URL="http://127.0.0.1:4000/health"
PORTS=(4000 15080 19080 19081 20080)
HEALTHY_TARGET_S=5       # issue 2
HEALTHY_STRETCH_S=3      # issue 7
COLD_TARGET_S=90         # issue 2
COLD_STRETCH_S=60        # issue 7

for tool in dotnet node npm git curl; do command -v "$tool" >/dev/null || die "$tool not found"; done
check_ports() {
  local p holder
  for p in "${PORTS[@]}"; do
    holder="$(ss -ltnpH "sport = :$p" 2>/dev/null | head -n1)"
    [[ -z "$holder" ]] || die "port $p is in use (another AppHost or node-app?): $holder"
  done
}
check_ports

WORK="$(mktemp -d)"
TREE_PIDS=()
trap 'for p in "${TREE_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null; done; cleanup_started; rm -rf "$WORK"' EXIT
LOAD_START="$(loadavg)"
ms_since() { echo $((($(now_ns) - $1) / 1000000)); }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
s() { awk -v ms="$1" 'BEGIN { printf "%.2f", ms / 1000 }'; }

# wait_healthy T0_NS PID LIMIT_S -> prints ms from T0 to the first 200 on /health; fails if PID exits first.
wait_healthy() {
  local t0="$1" pid="$2" limit=$(($3 * 20)) i
  for ((i = 0; i < limit; i++)); do
    if curl -fs -o /dev/null --max-time 1 "$HEALTH_URL"; then ms_since "$t0"; return 0; fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# descendants PID... -> the given pids and all their descendants
descendants() {
  ps -eo pid=,ppid= | awk -v roots="$*" '
    BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1 }
    { parent[$1] = $2 }
    END { do { changed = 0; for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; changed = 1 } } while (changed)
          for (k in keep) print k }'
}

# apphost_tree DOTNET_RUN_PID -> every process of this run: `dotnet run`, the AppHost it started, and the DCP
# processes monitoring that AppHost (DCP detaches from it), with all their children.
apphost_tree() {
  local roots="$1" child
  for child in $(ps -eo pid=,ppid= | awk -v p="$1" '$2 == p { print $1 }'); do
    roots+=" $child $(ps -eo pid=,args= | awk -v m="--monitor $child" 'index($0, m " ") || $0 ~ (m "$") { print $1 }')"
  done
  descendants $roots
}

# run_apphost DIR LABEL [dotnet run args...] -> sets HEALTHY_MS, STOP_MS, LEFT (processes left over), PROCS
run_apphost() {
  local dir="$1" label="$2" t0 pid healthy started node_pid t1 i p alive leftover=0
  shift 2
  check_ports
  t0="$(now_ns)"
  (cd "$dir" && exec env "${RUN_ENV[@]}" dotnet run --project AppHost "$@" >"$WORK/$label.log" 2>&1) &
  pid=$!
  STARTED_PIDS+=("$pid")
  healthy="$(wait_healthy "$t0" "$pid" 300)" || { tail -n 30 "$WORK/$label.log" >&2; die "$label: node-app not healthy within 300 s"; }
  mapfile -t TREE_PIDS < <(apphost_tree "$pid")
  # The AppHost logs this once every resource has been started; node-app may still be loading then.
  # Whether DCP was handed a certificate (else it generated its own key pair at start).
  DCP_CERT=n
  for p in "${TREE_PIDS[@]}"; do
    { tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null | grep -q -- 'start-apiserver.*--tls-cert-file' && DCP_CERT=y
  done
  started="$(awk '/Distributed application started/ { found = 1 } END { print found ? "y" : "n" }' "$WORK/$label.log")"
  node_pid="$(ss -ltnpH 'sport = :4000' | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n1)"
  printf '%s\n' "${TREE_PIDS[@]}" | grep -qx "$node_pid" || die "$label: the node on :4000 (pid $node_pid) is not one this run started"
  [[ "$(readlink "/proc/$node_pid/cwd")" == "$dir/node-app" ]] || die "$label: node on :4000 runs elsewhere"

  t1="$(now_ns)"
  kill -TERM "$pid"
  for ((i = 0; i < 300; i++)); do
    alive=()
    for p in "${TREE_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive+=("$p"); done
    ((${#alive[@]} == 0)) && break
    sleep 0.1
  done
  local stop_ms
  stop_ms="$(ms_since "$t1")"
  if ((${#alive[@]} > 0)); then
    leftover=${#alive[@]}
    log "$label: still running 30 s after SIGTERM: $(ps -o pid=,args= -p "$(IFS=,; echo "${alive[*]}")" | cut -c1-120 | tr '\n' ';')"
    kill -KILL "${alive[@]}" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  log "$label: healthy after $(s "$healthy") s (app-started line: $started, DCP given a certificate: $DCP_CERT), all ${#TREE_PIDS[@]} processes gone $(s "$stop_ms") s after SIGTERM, leftovers $leftover"
  HEALTHY_MS="$healthy" STOP_MS="$stop_ms" LEFT="$leftover" PROCS="${#TREE_PIDS[@]}"
}

# run_node DIR -> sets HEALTHY_MS: from starting node-app directly (telemetry off) to /health 200; then SIGTERM.
run_node() {
  local dir="$1" t0 pid healthy envs
  check_ports
  mapfile -t envs < <(clean_env)
  t0="$(now_ns)"
  (cd "$dir/node-app" && exec env "${envs[@]}" PORT=4000 node --import ./src/instrumentation.js src/server.js >/dev/null 2>&1) &
  pid=$!
  STARTED_PIDS+=("$pid")
  healthy="$(wait_healthy "$t0" "$pid" 60)" || die "node-app started directly: not healthy within 60 s"
  stop_pid "$pid"
  HEALTHY_MS="$healthy"
}

# --- cold ---
log "cold: git clone + dotnet run --project AppHost (restore, build, npm ci, start)"
t0="$(now_ns)"
git clone -q "$REPO_ROOT" "$WORK/cold"
CLONE_MS="$(ms_since "$t0")"
[[ ! -e "$WORK/cold/node-app/node_modules" && ! -e "$WORK/cold/AppHost/obj" ]] || die "the clone is not fresh"
run_apphost "$WORK/cold" cold
COLD_MS=$((CLONE_MS + HEALTHY_MS)) COLD_STOP="$STOP_MS" COLD_LEFT="$LEFT" COLD_PROCS="$PROCS"
[[ -d "$WORK/cold/node-app/node_modules/@opentelemetry/sdk-trace-node" ]] || die "cold: the AppHost did not install node_modules"

log "cold baseline: git clone + npm ci + node directly"
t0="$(now_ns)"
git clone -q "$REPO_ROOT" "$WORK/cold-base"
(cd "$WORK/cold-base/node-app" && npm ci --no-audit --no-fund >/dev/null 2>&1) || die "npm ci failed"
NPM_DONE_MS="$(ms_since "$t0")"
run_node "$WORK/cold-base"
COLD_BASE_MS=$((NPM_DONE_MS + HEALTHY_MS))

# --- warm ---
# The developer-certificate clone: its own HOME holding a trusted dev certificate, the machine's NuGet package
# folder (nothing is downloaded) and node_modules installed with the real HOME's npm cache.
log "warm: a trusted developer certificate in a temp HOME, and a clone built under it"
DEVCERT_HOME="$WORK/devcert-home"
DEVCERT_ENV=(HOME="$DEVCERT_HOME" DOTNET_CLI_HOME="$DEVCERT_HOME" NUGET_PACKAGES="$(dotnet nuget locals global-packages -l | sed 's/^global-packages: //')")
mkdir -p "$DEVCERT_HOME"
# Exit code 4 is "trusted by .NET but not by every client" (OpenSSL needs SSL_CERT_DIR): .NET's trust is what
# Aspire checks, so the store below is the proof.
env "${DEVCERT_ENV[@]}" dotnet dev-certs https --trust >/dev/null 2>&1 || true
compgen -G "$DEVCERT_HOME/.dotnet/corefx/cryptography/x509stores/root/*.pfx" >/dev/null || die "dotnet dev-certs https --trust made no trusted certificate"
git clone -q "$REPO_ROOT" "$WORK/devcert"
(cd "$WORK/devcert/node-app" && npm ci --no-audit --no-fund >/dev/null 2>&1) || die "npm ci failed"
(cd "$WORK/devcert" && env "${DEVCERT_ENV[@]}" dotnet build AppHost -nologo -v q >/dev/null) || die "dotnet build AppHost (dev certificate HOME) failed"

log "warm: dotnet build AppHost (untimed), then $RUNS rounds of: node directly, then --no-build and the build check, each without and with the developer certificate"
(cd "$WORK/cold" && dotnet build AppHost -nologo -v q >/dev/null) || die "dotnet build AppHost failed"
for f in node nobuild build devnobuild devbuild; do : >"$WORK/$f.ms"; : >"$WORK/$f.stop"; : >"$WORK/$f.cert"; done
LEFTOVERS=$COLD_LEFT
# record KIND: appends the last run's figures to KIND's files
record() { echo "$HEALTHY_MS" >>"$WORK/$1.ms"; echo "$STOP_MS" >>"$WORK/$1.stop"; echo "$DCP_CERT" >>"$WORK/$1.cert"; LEFTOVERS=$((LEFTOVERS + LEFT)); }
for ((r = 1; r <= RUNS; r++)); do
  run_node "$WORK/cold"
  echo "$HEALTHY_MS" >>"$WORK/node.ms"
  RUN_ENV=()
  run_apphost "$WORK/cold" "nobuild-$r" --no-build; record nobuild
  run_apphost "$WORK/cold" "build-$r"; record build
  RUN_ENV=("${DEVCERT_ENV[@]}")
  run_apphost "$WORK/devcert" "devnobuild-$r" --no-build; record devnobuild
  run_apphost "$WORK/devcert" "devbuild-$r"; record devbuild
done
RUN_ENV=()
grep -qx n "$WORK/devnobuild.cert" "$WORK/devbuild.cert" && die "a developer-certificate run did not hand DCP the certificate"
NODE_MS="$(median <"$WORK/node.ms")"
NOBUILD_MS="$(median <"$WORK/nobuild.ms")"; BUILD_MS="$(median <"$WORK/build.ms")"
DEVNOBUILD_MS="$(median <"$WORK/devnobuild.ms")"; DEVBUILD_MS="$(median <"$WORK/devbuild.ms")"
# certs KIND -> whether DCP was handed a certificate in KIND's runs ("no" on a machine without a trusted dev cert)
certs() { case "$(sort -u "$WORK/$1.cert" | tr -d '\n')" in y) echo yes ;; n) echo no ;; *) echo "in some runs" ;; esac; }
# targets MS TARGET_S STRETCH_S -> "≤ 5 s: met; ≤ 3 s: MISSED"
targets() { echo "≤ $2 s: $(met_le "$1" $(($2 * 1000))); ≤ $3 s: $(met_le "$1" $(($3 * 1000)))"; }
NOBUILD_STOP="$(median <"$WORK/nobuild.stop")"; BUILD_STOP="$(median <"$WORK/build.stop")"
DEVBUILD_STOP="$(median <"$WORK/devbuild.stop")"
LOAD_END="$(loadavg)"
range() { sort -n "$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f-%.2f s", lo / 1000, hi / 1000 }'; }

TABLE="$(cat <<EOF
Run: $(date -u '+%Y-%m-%d %H:%M UTC'), $(machine), $(dotnet --version) SDK, warm figures the median of $RUNS interleaved rounds; load average (1/5/15 min) at start $LOAD_START, at end $LOAD_END.

| Figure | Measured | Baseline | Ratio | Targets (issue 2; issue 7) |
|---|---|---|---|---|
| Warm: \`dotnet run --project AppHost\` (build check, nothing changed) to node-app /health 200 | $(s "$BUILD_MS") s ($(range "$WORK/build.ms")); DCP given a certificate: $(certs build) | $(s "$NODE_MS") s (node-app started directly, $(range "$WORK/node.ms")) | $(ratio "$BUILD_MS" "$NODE_MS") | $(targets "$BUILD_MS" $HEALTHY_TARGET_S $HEALTHY_STRETCH_S) |
| Warm: \`dotnet run --project AppHost --no-build\` | $(s "$NOBUILD_MS") s ($(range "$WORK/nobuild.ms")); certificate: $(certs nobuild) | same | $(ratio "$NOBUILD_MS" "$NODE_MS") | $(targets "$NOBUILD_MS" $HEALTHY_TARGET_S $HEALTHY_STRETCH_S) |
| Warm, trusted developer certificate: \`dotnet run --project AppHost\` | $(s "$DEVBUILD_MS") s ($(range "$WORK/devbuild.ms")); certificate: $(certs devbuild) | same | $(ratio "$DEVBUILD_MS" "$NODE_MS") | $(targets "$DEVBUILD_MS" $HEALTHY_TARGET_S $HEALTHY_STRETCH_S) |
| Warm, trusted developer certificate: \`dotnet run --project AppHost --no-build\` | $(s "$DEVNOBUILD_MS") s ($(range "$WORK/devnobuild.ms")); certificate: $(certs devnobuild) | same | $(ratio "$DEVNOBUILD_MS" "$NODE_MS") | $(targets "$DEVNOBUILD_MS" $HEALTHY_TARGET_S $HEALTHY_STRETCH_S) |
| Cold: \`git clone\` + \`dotnet run --project AppHost\` (restore, build, npm ci, start) to /health 200 | $(s "$COLD_MS") s (clone $(s "$CLONE_MS") s) | $(s "$COLD_BASE_MS") s (\`git clone\` + \`npm ci\` + node directly) | $(ratio "$COLD_MS" "$COLD_BASE_MS") | $(targets "$COLD_MS" $COLD_TARGET_S $COLD_STRETCH_S) |
| Stop: SIGTERM to \`dotnet run\` until all its processes (dotnet, AppHost, DCP, dashboard, node) are gone | build-check runs $(s "$BUILD_STOP") s, --no-build runs $(s "$NOBUILD_STOP") s, developer-certificate build-check runs $(s "$DEVBUILD_STOP") s, cold run $(s "$COLD_STOP") s ($COLD_PROCS processes) | | | processes left over: $LEFTOVERS |
EOF
)"
mkdir -p "$BENCH_DIR/results"
printf '%s\n' "$TABLE" | tee "$BENCH_DIR/results/apphost-latest.md"
