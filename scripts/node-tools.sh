#!/usr/bin/env bash
# Installs the package managers the AppHost tests install fixtures with (Yarn 4 and pnpm, npm packages both), and the
# GitHub workflow validator the workflow tests run (action-validator), into
# .artifacts/tools, not globally, and prints the folder to put on PATH. Pinned: these exact versions wrote the fixtures'
# lockfiles. Does nothing when they are already there.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.artifacts/tools"
YARN_VERSION=4.18.1   # @yarnpkg/cli-dist: Yarn 4 as one npm package, no corepack download
PNPM_VERSION=12.4.2
ACTION_VALIDATOR_VERSION=0.6.0   # @action-validator/cli + core: checks .github/workflows against GitHub's schema

installed() { [ "$("$tools/node_modules/.bin/$1" --version 2>/dev/null)" = "$2" ]; }
# action-validator has no --version: read its package's.
validator_installed() {
  [ -x "$tools/node_modules/.bin/action-validator" ] &&
    [ "$(node -p "require('$tools/node_modules/@action-validator/cli/package.json').version" 2>/dev/null)" = "$ACTION_VALIDATOR_VERSION" ] &&
    [ "$(node -p "require('$tools/node_modules/@action-validator/core/package.json').version" 2>/dev/null)" = "$ACTION_VALIDATOR_VERSION" ]
}

if ! installed yarn "$YARN_VERSION" || ! installed pnpm "$PNPM_VERSION" || ! validator_installed; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-save --no-audit --no-fund --loglevel=error \
    "@yarnpkg/cli-dist@$YARN_VERSION" "pnpm@$PNPM_VERSION" \
    "@action-validator/cli@$ACTION_VALIDATOR_VERSION" "@action-validator/core@$ACTION_VALIDATOR_VERSION" >&2 \
    || { echo "error: could not install yarn $YARN_VERSION, pnpm $PNPM_VERSION and action-validator $ACTION_VALIDATOR_VERSION from the npm registry into $tools" >&2; exit 1; }
  installed yarn "$YARN_VERSION" || { echo "error: $tools/node_modules/.bin/yarn is not yarn $YARN_VERSION after the install" >&2; exit 1; }
  installed pnpm "$PNPM_VERSION" || { echo "error: $tools/node_modules/.bin/pnpm is not pnpm $PNPM_VERSION after the install" >&2; exit 1; }
  validator_installed || { echo "error: $tools/node_modules/.bin/action-validator is not $ACTION_VALIDATOR_VERSION after the install" >&2; exit 1; }
fi
echo "$tools/node_modules/.bin"
