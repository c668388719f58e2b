#!/usr/bin/env bash
# The predicted rollout of node-app as the plan prints it, for a first deploy and for an image-only update, from this
# deploy's own settings and the smoke test's measurement (moto never runs tasks, so what it measures is the tool's own
# time, not AWS's: the prediction is the figure to compare with Copilot's and CloudFormation's reported times).
#   bench/rollout.sh    # needs moto, docker-registry and Docker; prints the two predicted timelines and the measured ones
#                       # and keeps them in bench/results/rollout-latest.md
# The image-only update is made by an untracked file in node-app/src (the build context), removed on exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PYTHON="${MOTO_PYTHON:-python3}"
"$PYTHON" -c 'import moto.server' 2>/dev/null || die "no moto: set MOTO_PYTHON to a python with moto[server]"
command -v docker-registry >/dev/null || die "no docker-registry: bash scripts/registry-package.sh"
docker info >/dev/null 2>&1 || die "no Docker engine: bash scripts/docker-engine.sh && bash scripts/base-image.sh"

work="$(mktemp -d)"
mkdir -p "$BENCH_DIR/results"
marker="$APP_DIR/src/.bench-rollout-marker.js"
cleanup() { rm -f "$marker"; for pid in "${STARTED_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
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

deploy() {
  (cd "$REPO_ROOT/AppHost" && dotnet run --no-build -- --operation publish --step aws-deploy \
    --Aws:AppName=rollout --Aws:Environment=bench --Aws:Registry="127.0.0.1:$registry_port" --Aws:WaitForHealthyTargets=false \
    --Aws:SummaryFile="$work/summary.json") >"$work/$1.log" 2>&1 || { tail -20 "$work/$1.log" >&2; die "deploy ($1) failed"; }
}

# The forecast block of a deploy's plan output, the smoke test's measurement, and the summary's measured rollout
# (on moto: the tool's own time from the first change to COMPLETED, since moto starts no tasks and has no targets).
forecast() {
  grep -E '^Smoke test passed' "$work/$1.log" || echo "(no smoke test: the image was already in the registry)"
  awk '/^Predicted rollout/ { on = 1 } on && /^(==>|Plan:)/ { on = 0 } on { print }' "$work/$1.log" | sed '/^[A-Z=]/!b; /^Predicted/!q'
  grep -E '^ *rollout: ' "$work/$1.log" | sed 's/^ */Summary on moto: /' || echo "(the summary printed no rollout line)"
}

log "first deploy"
deploy first
log "image-only update (a new file in the build context)"
echo "// bench/rollout.sh $(date +%s%N)" >"$marker"
deploy update
rm -f "$marker"
(cd "$REPO_ROOT/AppHost" && dotnet run --no-build -- --operation publish --step aws-destroy --Aws:AppName=rollout --Aws:Environment=bench) >"$work/destroy.log" 2>&1 || true

{
  echo "Run: $(date -u '+%Y-%m-%d %H:%M UTC'), $(machine); load average $(loadavg)."
  echo
  echo "First deploy (plan of an empty account):"
  echo '```'
  forecast first
  echo '```'
  echo
  echo "Image-only update (node-app rebuilt, smoke-tested and pushed; one new task definition revision):"
  echo '```'
  forecast update
  echo '```'
} | tee "$BENCH_DIR/results/rollout-latest.md"
