#!/usr/bin/env bash
# Runs every check of the repository: buf lint on the contract, then the whole test suite
# (unit, functional, end-to-end, and shared mode against real redis-server processes: single servers and a
# three-master Redis Cluster started on loopback ports) in Release.
# Installs what it needs on a fresh Debian machine (redis-server and redis-cli with apt-get, buf with npm).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null; then
  echo "the .NET 10 SDK is required (dotnet on PATH): https://dot.net" >&2
  exit 2
fi

# redis-server for the shared-mode tests, which start their own servers on free loopback ports.
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  apt-get update -qq && apt-get install -y -qq redis-server redis-tools >/dev/null
fi

# buf, pinned, from npm into .tools/ (ignored by git).
buf=.tools/node_modules/.bin/buf
if [ ! -x "$buf" ]; then
  if ! command -v npm >/dev/null; then
    apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
  fi
  npm install --prefix .tools --no-audit --no-fund --silent @bufbuild/buf@1.75.0 >/dev/null
fi
echo "== buf lint protos"
"$buf" lint protos
echo "buf lint: ok"

echo "== build"
dotnet build SessionPolicy.sln -c Release -nologo -clp:ErrorsOnly

echo "== test"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test SessionPolicy.sln -c Release --no-build -nologo 2>&1 | tee "$log" || status=$?

# One closing line for the whole suite, summed over the test projects.
awk '/(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+/ {
       for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1) }
     } END { printf "%d passed, %d failed\n", p, f }' "$log"
exit "$status"
