#!/usr/bin/env bash
# Image benchmark for node-app (issue 7, "Image"): size over the base, cold / warm / one-line-change build times,
# container start to /health 200 and `docker stop` time. Every figure comes with a baseline measured in the same
# run, on the same engine and base image, and the ratio between them:
#   - sizes:       the base image itself;
#   - build times: a trivial Dockerfile (`FROM <base>` + `COPY` of one file), built the same way;
#   - start/stop:  a bare `node:http` hello-world container of the same base (with a SIGTERM handler for stop).
# The repository is never modified: node-app is copied to a temp dir and the one-line change is made there.
#
# Usage: bench/image.sh [RUNS]        (RUNS: start/stop repetitions, default 10; the median is reported)
# Needs: a Docker engine and the base image (scripts/docker-engine.sh, scripts/base-image.sh).
# Prints a Markdown table (paste it into bench/README.md) and writes it to bench/results/image-latest.md.
set -euo pipefail

RUNS="${1:-10}"
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
BASE_IMAGE="$(sed -n -E 's/^[[:space:]]*ARG[[:space:]]+NODE_IMAGE=([^[:space:]]+).*/\1/p' "$REPO_ROOT/node-app/Dockerfile" | head -n1)"
APP_TAG="aspire-node-deploy-bench/node-app:bench"
BASELINE_TAG="aspire-node-deploy-bench/baseline:bench"
export DOCKER_BUILDKIT=0 # the classic builder: what this machine kind has (no buildx); same for both sides

log() { printf 'bench: %s\n' "$*" >&2; }
now_ns() { date +%s%N; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.2f", ns / 1e9 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2fx", a / b }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

docker info >/dev/null 2>&1 || { echo "bench: no Docker engine: run scripts/docker-engine.sh" >&2; exit 1; }
docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 || { echo "bench: $BASE_IMAGE missing: run scripts/base-image.sh" >&2; exit 1; }

LOAD_AT_START="$(cut -d' ' -f1 /proc/loadavg)"
WORK="$(mktemp -d)"
DANGLING_BEFORE="$(docker images -q --filter dangling=true | sort -u)"
cleanup() {
  [[ -f "$WORK/containers" ]] && xargs -r docker rm -f <"$WORK/containers" >/dev/null 2>&1 || true
  docker rmi -f "$APP_TAG" "$BASELINE_TAG" >/dev/null 2>&1 || true
  # remove only the untagged images this run left behind (stages of the --no-cache builds)
  comm -13 <(printf '%s\n' "$DANGLING_BEFORE") <(docker images -q --filter dangling=true | sort -u) \
    | xargs -r docker rmi >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# Copies: the app (without node_modules, which .dockerignore keeps out anyway) and a trivial baseline context.
mkdir -p "$WORK/app" "$WORK/baseline"
tar -C "$REPO_ROOT/node-app" --exclude=./node_modules -cf - . | tar -C "$WORK/app" -xf -
printf 'FROM %s\nCOPY hello.js /app/hello.js\n' "$BASE_IMAGE" >"$WORK/baseline/Dockerfile"
echo "require('http').createServer((q, s) => s.end('ok')).listen(4000);" >"$WORK/baseline/hello.js"

build() { # build <tag> <dir> [--no-cache] -> prints elapsed ns
  local tag="$1" dir="$2" t0
  shift 2
  t0="$(now_ns)"
  docker build -q "$@" -t "$tag" "$dir" >/dev/null 2>"$WORK/build.err" || { cat "$WORK/build.err" >&2; exit 1; }
  echo $(($(now_ns) - t0))
}

log "cold builds (--no-cache)"
APP_COLD="$(build "$APP_TAG" "$WORK/app" --no-cache)"
BASE_COLD="$(build "$BASELINE_TAG" "$WORK/baseline" --no-cache)"
log "warm builds (nothing changed)"
APP_WARM="$(build "$APP_TAG" "$WORK/app")"
BASE_WARM="$(build "$BASELINE_TAG" "$WORK/baseline")"
log "warm rebuilds after a one-line change"
echo "// bench: one-line change $(date +%s%N)" >>"$WORK/app/src/server.js"
APP_EDIT="$(build "$APP_TAG" "$WORK/app")"
echo "// bench: one-line change $(date +%s%N)" >>"$WORK/baseline/hello.js"
BASE_EDIT="$(build "$BASELINE_TAG" "$WORK/baseline")"

BASE_SIZE="$(docker image inspect -f '{{.Size}}' "$BASE_IMAGE")"
APP_SIZE="$(docker image inspect -f '{{.Size}}' "$APP_TAG")"
APP_LAYERS=$((APP_SIZE - BASE_SIZE))

# start_to_healthy <image> [cmd...] -> prints ns from `docker run` to the first 200 on /health (or /)
start_to_healthy() {
  local image="$1" path="$2" t0 cid port
  shift 2
  t0="$(now_ns)"
  cid="$(docker run -d -p 127.0.0.1::4000 "$image" "$@")"
  echo "$cid" >>"$WORK/containers"
  port="$(docker port "$cid" 4000/tcp | head -n1 | sed 's/.*://')"
  for ((i = 0; i < 2000; i++)); do
    if curl -fs -o /dev/null --max-time 1 "http://127.0.0.1:$port$path"; then
      echo "$(($(now_ns) - t0)) $cid"
      return
    fi
    sleep 0.01
  done
  echo "bench: $image not healthy within 20 s" >&2
  docker logs "$cid" >&2
  exit 1
}
stop_time() { # stop_time <cid> -> prints ns for `docker stop` (30 s grace, as ECS) and checks exit code 0
  local t0 code
  t0="$(now_ns)"
  docker stop -t 30 "$1" >/dev/null
  echo $(($(now_ns) - t0))
  code="$(docker inspect -f '{{.State.ExitCode}}' "$1")"
  [[ "$code" == 0 ]] || echo "bench: WARNING: $1 exited $code" >&2
}

log "start to healthy and docker stop, $RUNS runs each (interleaved)"
BARE_SERVER="process.on('SIGTERM', () => process.exit(0)); require('http').createServer((q, s) => s.end('ok')).listen(4000);"
: >"$WORK/app.start"; : >"$WORK/base.start"; : >"$WORK/app.stop"; : >"$WORK/base.stop"
for ((r = 0; r < RUNS; r++)); do
  read -r ns cid < <(start_to_healthy "$APP_TAG" /health)
  echo "$ns" >>"$WORK/app.start"
  stop_time "$cid" >>"$WORK/app.stop"
  read -r ns cid < <(start_to_healthy "$BASE_IMAGE" / node -e "$BARE_SERVER")
  echo "$ns" >>"$WORK/base.start"
  stop_time "$cid" >>"$WORK/base.stop"
done
APP_START="$(median <"$WORK/app.start")"; BASE_START="$(median <"$WORK/base.start")"
APP_STOP="$(median <"$WORK/app.stop")"; BASE_STOP="$(median <"$WORK/base.stop")"

mb() { awk -v b="$1" 'BEGIN { if (b < 1e6) printf "%.1f kB", b / 1e3; else printf "%.1f MB", b / 1e6 }'; }
met() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t ? "met" : "MISSED") }'; }
CPU="$(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
OS="$(. /etc/os-release && echo "$PRETTY_NAME")"
ENGINE="dockerd $(docker version -f '{{.Server.Version}}'), classic builder"

TABLE="$(cat <<EOF
Run: $(date -u '+%Y-%m-%d %H:%M UTC'), $OS, $CPU, $ENGINE, base \`$BASE_IMAGE\`, start/stop median of $RUNS, load average at start $LOAD_AT_START.

| Figure | node-app | Baseline | Ratio | Target (issue 7) |
|---|---|---|---|---|
| Image size | $(mb "$APP_SIZE") | $(mb "$BASE_SIZE") (base image) | $(ratio "$APP_SIZE" "$BASE_SIZE") | |
| App layers over the base | $(mb "$APP_LAYERS") | trivial image: $(mb $(($(docker image inspect -f '{{.Size}}' "$BASELINE_TAG") - BASE_SIZE))) | | ≤ 20 MB: $(met "$APP_LAYERS" 20000000) |
| Cold build (\`--no-cache\`) | $(secs "$APP_COLD") s | $(secs "$BASE_COLD") s | $(ratio "$APP_COLD" "$BASE_COLD") | |
| Warm build, no change | $(secs "$APP_WARM") s | $(secs "$BASE_WARM") s | $(ratio "$APP_WARM" "$BASE_WARM") | |
| Warm rebuild, one-line source change | $(secs "$APP_EDIT") s | $(secs "$BASE_EDIT") s | $(ratio "$APP_EDIT" "$BASE_EDIT") | ≤ 5 s: $(met "$APP_EDIT" 5000000000) |
| \`docker run\` to /health 200 | $(secs "$APP_START") s | $(secs "$BASE_START") s (bare node:http) | $(ratio "$APP_START" "$BASE_START") | ≤ 1 s: $(met "$APP_START" 1000000000) |
| \`docker stop\` (SIGTERM, 30 s grace) | $(secs "$APP_STOP") s | $(secs "$BASE_STOP") s (bare node:http) | $(ratio "$APP_STOP" "$BASE_STOP") | < 10 s (issue 3): $(met "$APP_STOP" 9999999999) |
EOF
)"
mkdir -p "$BENCH_DIR/results"
printf '%s\n' "$TABLE" | tee "$BENCH_DIR/results/image-latest.md"
