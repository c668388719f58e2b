#!/usr/bin/env bash
# Deploy benchmark against a local AWS (moto server) and a local registry: wall time and AWS calls of a first
# deploy, a no-op deploy and a destroy, each as a ratio against the read-only plan step run the same way (the fixed
# cost of `dotnet run` + the AppHost + the model + the session, plus the read calls every verb makes).
#   bench/deploy.sh [RUNS]     # RUNS rounds (default 3), median reported; needs moto, docker-registry and Docker
# AWS calls are counted from moto's request log (one line per HTTP request it served).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNS="${1:-3}"
PYTHON="${MOTO_PYTHON:-python3}"
"$PYTHON" -c 'import moto.server' 2>/dev/null || die "no moto: set MOTO_PYTHON to a python with moto[server]"
command -v docker-registry >/dev/null || die "no docker-registry: bash scripts/registry-package.sh"
docker info >/dev/null 2>&1 || die "no Docker engine: bash scripts/docker-engine.sh && bash scripts/base-image.sh"

work="$(mktemp -d)"
cleanup() { for pid in "${STARTED_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

moto_port="$(free_port)"; registry_port="$(free_port)"
MOTO_ECS_SERVICE_RUNNING=1 MOTO_IAM_LOAD_MANAGED_POLICIES=true \
  "$PYTHON" -m moto.server -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
STARTED_PIDS+=($!)
printf 'version: 0.1\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: 127.0.0.1:%s}\n' "$work/registry" "$registry_port" >"$work/registry.yml"
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
STARTED_PIDS+=($!)
wait_http "http://127.0.0.1:$moto_port/moto-api/" 20 || die "moto did not start"

export AWS_ENDPOINT_URL="http://127.0.0.1:$moto_port" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench
log "building the AppHost"
dotnet build "$REPO_ROOT/AppHost" -nologo -v q >/dev/null || die "build failed"

calls() { grep -c '" 200 -\|" 20[0-9] -\|" [45][0-9][0-9] -' "$work/moto.log" || true; }

# step NAME ARGS...: runs one AppHost pipeline step; prints "seconds calls".
step() {
  local name="$1" before after start end
  shift
  before="$(calls)"
  start="$(now_ns)"
  (cd "$REPO_ROOT/AppHost" && dotnet run --no-build -- --operation publish --step "$name" \
    --Aws:AppName=bench --Aws:Registry="127.0.0.1:$registry_port" --Aws:WaitForHealthyTargets=false --Aws:IamSettleSeconds=0 \
    --Aws:SummaryFile="$work/summary.json" "$@") >"$work/$name.log" 2>&1 || { tail -20 "$work/$name.log" >&2; die "$name failed"; }
  end="$(now_ns)"
  after="$(calls)"
  echo "$(secs $((end - start))) $((after - before))"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
declare -A t c
for ((i = 1; i <= RUNS; i++)); do
  log "round $i/$RUNS"
  read -r t[plan,$i] c[plan,$i] < <(step aws-plan)
  read -r t[first,$i] c[first,$i] < <(step aws-deploy)
  first_changes[$i]="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["mutatingCalls"])' "$work/summary.json" 2>/dev/null || echo '?')"
  read -r t[noop,$i] c[noop,$i] < <(step aws-deploy)
  noop_changes[$i]="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["mutatingCalls"])' "$work/summary.json" 2>/dev/null || echo '?')"
  read -r t[destroy,$i] c[destroy,$i] < <(step aws-destroy)
done

m() { for ((i = 1; i <= RUNS; i++)); do echo "${t[$1,$i]}"; done | median; }
mc() { for ((i = 1; i <= RUNS; i++)); do echo "${c[$1,$i]}"; done | median; }
plan="$(m plan)"

cat <<TABLE
Run: $(date -u '+%Y-%m-%d %H:%M UTC'), $(machine), moto $("$PYTHON" -c 'import moto; print(moto.__version__)'), median of $RUNS rounds; load average $(loadavg).

| Step (against moto) | Wall time | Ratio to plan | AWS calls | Changing calls | Target (issue 7) |
|---|---|---|---|---|---|
| \`aws-plan\` on an empty account (baseline) | ${plan} s | 1.00x | $(mc plan) | 0 | |
| \`aws-deploy\`, first (build, smoke test, push, create 12 resources) | $(m first) s | $(ratio "$(m first)" "$plan") | $(mc first) | ${first_changes[1]} | |
| \`aws-deploy\`, nothing changed | $(m noop) s | $(ratio "$(m noop)" "$plan") | $(mc noop) | ${noop_changes[1]} | 0 changing calls: $([[ ${noop_changes[1]} == 0 ]] && echo met || echo MISSED); ≤ 5 s: $(met_le "$(m noop)" 5) |
| \`aws-destroy\` | $(m destroy) s | $(ratio "$(m destroy)" "$plan") | $(mc destroy) | | |
TABLE
