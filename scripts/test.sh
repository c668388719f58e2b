#!/usr/bin/env bash
# The one test command: sets up what the tests need on a fresh machine of this kind (Docker engine, the Node base
# image, npm dependencies, moto), then runs every test (node's runner, then xunit through `dotnet test`) and ends
# with one line "N passed, N failed" counted from the test results. Exit code 0 only when nothing failed.
set -euo pipefail

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
# The typed clients are generated source (committed so users build without Python); regenerating must change nothing.
"$MOTO_PYTHON" Deployer/tools/generate-aws-clients.py >/dev/null
git diff --quiet -- Deployer/Aws || fail "Deployer/Aws/*.g.cs differ from what Deployer/tools/generate-aws-clients.py generates: commit the regenerated files."

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

# --- Aspire CLI (Deployer hosting): the local tool the CLI tests run (`dotnet aspire deploy` / `destroy`) ---
step "Aspire CLI (local tool from .config/dotnet-tools.json)"
dotnet tool restore
export ASPIRE_CLI_TELEMETRY_OPTOUT=1
# --- end of the Aspire CLI block ---

step "node-app: npm ci"
(cd node-app && npm ci --no-audit --no-fund)

step "node-app: npm test"
set +e
(cd node-app && npm test) 2>&1 | tee "$results/npm-test.log"
npm_status=${PIPESTATUS[0]}
set -e

step "Building the solution"
dotnet build Aspire.sln -c Release -nologo -clp:ErrorsOnly

dotnet_status=0
for project in tests/*/*.csproj; do
  name="$(basename "$project" .csproj)"
  step "dotnet test $name"
  dotnet test "$project" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
    --results-directory "$results" || dotnet_status=1
done

[ "$npm_status" -eq 0 ] && [ "$dotnet_status" -eq 0 ]
