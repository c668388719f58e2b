#!/usr/bin/env bash
# Makes sure the distribution registry v2 (Debian's docker-registry package) is installed: the image pipeline tests
# (tests/Deployer.Tests/Images) start it themselves, on a random loopback port with storage in a temp folder, as
# `docker-registry serve CONFIG.yml`. Nothing is started here and no service is enabled (no systemd on these machines).
#
# Idempotent. Needs root (apt-get) only when the package is missing. Exits non-zero with the reason when it cannot
# install it, so the test command fails early instead of the tests failing one by one.
set -euo pipefail

log() { printf 'registry-package: %s\n' "$*"; }

if command -v docker-registry >/dev/null 2>&1; then
  log "docker-registry present ($(docker-registry --version 2>/dev/null | awk '{print $NF}'))"
  exit 0
fi

if [[ "$(id -u)" != 0 ]]; then
  log "docker-registry is missing and this is not root: run 'sudo apt-get install -y docker-registry'" >&2
  exit 1
fi

log "installing Debian's docker-registry"
export DEBIAN_FRONTEND=noninteractive
# The package's init script would start a registry on :5000 with htpasswd auth; the tests start their own. A
# temporary policy-rc.d (exit 101 = "action forbidden") keeps the package from starting its service.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
if ! apt-get install -y --no-install-recommends docker-registry >/tmp/registry-package-apt.log 2>&1; then
  apt-get update >>/tmp/registry-package-apt.log 2>&1 || true
  apt-get install -y --no-install-recommends docker-registry >>/tmp/registry-package-apt.log 2>&1 || {
    tail -20 /tmp/registry-package-apt.log >&2
    log "apt-get install docker-registry failed (log above)" >&2
    exit 1
  }
fi

command -v docker-registry >/dev/null 2>&1 || { log "installed, but docker-registry is not on PATH" >&2; exit 1; }
log "installed docker-registry ($(docker-registry --version 2>/dev/null | awk '{print $NF}'))"
