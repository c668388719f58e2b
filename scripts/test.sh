#!/usr/bin/env bash
# The one test command: sets up what the tests need on a fresh machine of this kind (Docker engine, the Node base
# image, npm dependencies, moto), then runs every test (node's runner, then xunit through `dotnet test`) and ends
# with one line "N passed, N failed" counted from the test results. Exit code 0 only when nothing failed.
#
# Usage: bash scripts/test.sh          the whole run (what CI runs)
#        bash scripts/test.sh --fast   the inner loop: node-app's tests and the AppHost tests only (no Docker, no
#                                      moto, no Deployer or container tests), about a minute on a warm machine
set -euo pipefail

# --- Inner-loop mode (issue 16) ---
fast=false
case "${1:-}" in
  "") ;;
  --fast) fast=true ;;
  *) printf 'error: unknown argument "%s"; use --fast for the inner loop, or nothing for the whole run.\n' "$1" >&2; exit 2 ;;
esac
# --- end inner-loop mode ---

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
results="$root/.artifacts/test-results"
rm -rf "$results" && mkdir -p "$results"
cd "$root"

step() { printf '\n==> %s\n' "$*"; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Whatever happens, end with the counted line; a set-up failure counts as one failed test, never as zero tests.
summarize() {
  local status=$?
  trap - EXIT
  step "Summary"
  python3 "$root/scripts/count-results.py" "$results" "$status"
  exit "$status"
}
trap summarize EXIT

step "Checking prerequisites"
command -v dotnet >/dev/null || fail "dotnet not found: install the .NET SDK named in global.json."
command -v node >/dev/null || fail "node not found: install Node.js 20 or newer."
command -v npm >/dev/null || fail "npm not found: install npm (it comes with Node.js)."

# --- Package managers for the AppHost's yarn and pnpm fixtures (issue 16): project-local, never global ---
step "yarn and pnpm (into .artifacts/tools)"
tools_bin="$(bash "$root/scripts/node-tools.sh")"
export PATH="$tools_bin:$PATH"
echo "yarn $(yarn --version), pnpm $(pnpm --version) from $tools_bin"
# --- end package managers ---

if [ "$fast" = false ]; then # the inner loop (--fast) needs none of moto, Docker and the registry (issue 16)
# moto (the local AWS) is a Python package: use MOTO_PYTHON if given, else the first python3 that has it.
if [ -z "${MOTO_PYTHON:-}" ]; then
  for candidate in python3 "$HOME/.pyenv/shims/python3" /usr/bin/python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import moto.server' 2>/dev/null; then
      MOTO_PYTHON="$(command -v "$candidate")"
      break
    fi
  done
fi
[ -n "${MOTO_PYTHON:-}" ] || fail "no Python with moto[server] found: pip install 'moto[server]==5.2.1', or set MOTO_PYTHON to a python that has it."
export MOTO_PYTHON
echo "moto: $("$MOTO_PYTHON" -c 'import moto; print(moto.__version__)') via $MOTO_PYTHON"

step "Generated AWS clients match botocore's models"
# The typed clients are generated source (committed so users build without Python). They are regenerated into a
# temp folder and compared there: the check never rewrites the working tree, and catches missing and extra files too.
generated="$(mktemp -d)"
"$MOTO_PYTHON" Deployer/tools/generate-aws-clients.py --out "$generated" >/dev/null
clients_differ="$(diff <(cd Deployer/Aws && find . -name '*.g.cs' | sort) <(cd "$generated" && find . -name '*.g.cs' | sort) || true)"
for file in $(cd "$generated" && find . -name '*.g.cs'); do
  cmp -s "$generated/$file" "Deployer/Aws/$file" || clients_differ+=$'\n'"differs: Deployer/Aws/${file#./}"
done
rm -rf "$generated"
[ -z "$clients_differ" ] || fail "Deployer/Aws/*.g.cs are not what Deployer/tools/generate-aws-clients.py generates:${clients_differ}"$'\n'"Run it and commit the result."

step "Docker engine"
bash "$root/scripts/docker-engine.sh"
# This engine is Debian's dockerd 20.10 (API 1.41) and no registry is reachable: Testcontainers must not ask for a
# newer API or pull its helper images (the Ryuk reaper).
export DOCKER_API_VERSION="${DOCKER_API_VERSION:-1.41}"
export TESTCONTAINERS_RYUK_DISABLED=true
# Aspire 13.6 would pull an image for its container tunnel; nothing here needs it.
export ASPIRE_ENABLE_CONTAINER_TUNNEL=false

step "Base image for node-app/Dockerfile"
bash "$root/scripts/base-image.sh"

step "Local registry package (push target of the image pipeline tests)"
bash "$root/scripts/registry-package.sh"
fi

# --- Aspire CLI (Deployer hosting): the local tool the CLI tests run (`dotnet aspire deploy` / `destroy`) ---
step "Aspire CLI (local tool from .config/dotnet-tools.json)"
dotnet tool restore
export ASPIRE_CLI_TELEMETRY_OPTOUT=1
# --- end of the Aspire CLI block ---

step "node-app: npm ci"
# --- The inner loop reinstalls only when package-lock.json is newer than the install, as the AppHost does (issue 16) ---
if [ "$fast" = true ] && [ node-app/node_modules/.package-lock.json -nt node-app/package-lock.json ]; then
  echo "node_modules is newer than package-lock.json: skipped"
else
  (cd node-app && npm ci --no-audit --no-fund)
fi
# --- end ---

step "node-app: npm test"
set +e
(cd node-app && npm test) 2>&1 | tee "$results/npm-test.log"
npm_status=${PIPESTATUS[0]}
set -e

# --- Inner loop builds and runs the AppHost tests only (issue 16) ---
if [ "$fast" = true ]; then
  test_projects=(tests/AppHost.Tests/AppHost.Tests.csproj)
  step "Building the AppHost tests"
  dotnet build tests/AppHost.Tests -c Release -nologo -clp:ErrorsOnly
else
  test_projects=(tests/*/*.csproj)
  step "Building the solution"
  dotnet build Aspire.sln -c Release -nologo -clp:ErrorsOnly
fi
# --- end inner loop ---

dotnet_status=0
for project in "${test_projects[@]}"; do
  name="$(basename "$project" .csproj)"
  step "dotnet test $name"
  dotnet test "$project" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
    --results-directory "$results" || dotnet_status=1
done

[ "$npm_status" -eq 0 ] && [ "$dotnet_status" -eq 0 ]
