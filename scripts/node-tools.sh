#!/usr/bin/env bash
# Installs the package managers the AppHost tests install fixtures with (Yarn 4 and pnpm, npm packages both) into
# .artifacts/tools, not globally, and prints the folder to put on PATH. Pinned: these exact versions wrote the fixtures'
# lockfiles. Does nothing when they are already there.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.artifacts/tools"
YARN_VERSION=4.18.1   # @yarnpkg/cli-dist: Yarn 4 as one npm package, no corepack download
PNPM_VERSION=12.4.2

installed() { [ "$("$tools/node_modules/.bin/$1" --version 2>/dev/null)" = "$2" ]; }

if ! installed yarn "$YARN_VERSION" || ! installed pnpm "$PNPM_VERSION"; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-save --no-audit --no-fund --loglevel=error \
    "@yarnpkg/cli-dist@$YARN_VERSION" "pnpm@$PNPM_VERSION" >&2 \
    || { echo "error: could not install yarn $YARN_VERSION and pnpm $PNPM_VERSION from the npm registry into $tools" >&2; exit 1; }
  installed yarn "$YARN_VERSION" || { echo "error: $tools/node_modules/.bin/yarn is not yarn $YARN_VERSION after the install" >&2; exit 1; }
  installed pnpm "$PNPM_VERSION" || { echo "error: $tools/node_modules/.bin/pnpm is not pnpm $PNPM_VERSION after the install" >&2; exit 1; }
fi
echo "$tools/node_modules/.bin"
