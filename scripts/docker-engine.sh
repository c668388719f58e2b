#!/usr/bin/env bash
# Makes sure a Docker engine answers on this machine, and configures Testcontainers for it.
#
# - If `docker info` already answers: nothing to do (beyond the Testcontainers settings below).
# - Else installs Debian's docker.io (dockerd 20.10, Docker API 1.41) when no dockerd binary exists,
#   starts dockerd in the background (no systemd on these machines) with its log in a file, and waits
#   (bounded) until `docker info` answers; on timeout prints the log tail and exits non-zero.
# - Writes ~/.testcontainers.properties for an offline engine (Testcontainers for .NET reads it, and the
#   environment variables TESTCONTAINERS_RYUK_DISABLED / DOCKER_API_VERSION take precedence over it):
#   ryuk.disabled=true (the resource reaper is an image that cannot be pulled here) and, when the engine's API is
#   older than 1.44, docker.api.version=<the engine's API> (Testcontainers 4.16 speaks Docker API 1.44 and does not
#   negotiate down: Debian's dockerd 20.10 speaks 1.41). A newer engine gets no pinned version (Docker 29 refuses
#   API versions below 1.44).
#
# Idempotent: safe to run any number of times. Needs root for the install and for dockerd.
set -euo pipefail

log() { printf 'docker-engine: %s\n' "$*"; }

DOCKERD_LOG="${DOCKERD_LOG:-/var/log/dockerd.log}"
WAIT_SECONDS="${DOCKER_ENGINE_WAIT_SECONDS:-60}"

write_testcontainers_properties() {
  local file="${HOME}/.testcontainers.properties" api tmp
  api="$(docker version --format '{{.Server.APIVersion}}' 2>/dev/null || echo '')"
  tmp="$(mktemp)"
  if [[ -f "$file" ]]; then
    grep -v -E '^(ryuk\.disabled|docker\.api\.version)=' "$file" >"$tmp" || true
  fi
  echo 'ryuk.disabled=true' >>"$tmp"
  if [[ -n "$api" ]] && printf '%s\n1.44\n' "$api" | sort -V -C && [[ "$api" != 1.44 ]]; then
    echo "docker.api.version=$api" >>"$tmp"
  fi
  if [[ -f "$file" ]] && cmp -s "$tmp" "$file"; then
    rm -f "$tmp"
  else
    mv "$tmp" "$file"
    log "wrote $file ($(paste -sd' ' "$file"))"
  fi
}

engine_answers() { docker info >/dev/null 2>&1; }

if engine_answers; then
  write_testcontainers_properties
  log "engine already answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
  exit 0
fi

if ! command -v docker >/dev/null 2>&1 && [[ ! -x /usr/bin/docker ]]; then
  NEED_CLIENT=1
else
  NEED_CLIENT=0
fi

if ! command -v dockerd >/dev/null 2>&1 || [[ "$NEED_CLIENT" == 1 ]]; then
  if [[ "$(id -u)" != 0 ]]; then
    log "no dockerd found and not root: cannot install docker.io (run as root)" >&2
    exit 1
  fi
  log "installing docker.io from apt (one-time, about a minute)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends docker.io >/dev/null
  log "installed $(dockerd --version)"
fi

if pgrep -x dockerd >/dev/null 2>&1; then
  log "dockerd is running but does not answer yet; waiting"
else
  if [[ "$(id -u)" != 0 ]]; then
    log "dockerd is not running and this is not root: cannot start it" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$DOCKERD_LOG")"
  log "starting dockerd (log: $DOCKERD_LOG)"
  # setsid + nohup: the engine outlives this script and the shell that ran it.
  setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
fi

for ((i = 0; i < WAIT_SECONDS * 2; i++)); do
  if engine_answers; then
    write_testcontainers_properties
    log "engine answers after ~$((i / 2)) s ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
    exit 0
  fi
  sleep 0.5
done

log "ERROR: the Docker engine did not answer within ${WAIT_SECONDS} s. Last lines of $DOCKERD_LOG:" >&2
tail -n 30 "$DOCKERD_LOG" >&2 || true
exit 1
