#!/usr/bin/env bash
# Runs every check of the repository: buf lint on the contract, then the whole test suite
# (unit, functional, end-to-end, and shared mode against real redis-server processes: single servers and a
# three-master Redis Cluster started on loopback ports) in Release.
# Installs what it needs on a fresh Debian machine (redis-server, redis-cli, prometheus with promtool and buildah from
# apt-get, buf with npm). Also: the container image built on an offline base and its file system tested under chroot
# (scripts/build-image.sh, scripts/test-image.sh), buf breaking against the previous release tag, the alert rules' unit
# tests (promtool), and the deployment manifests rendered and validated (scripts/check-deploy.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null; then
  echo "the .NET 10 SDK is required (dotnet on PATH): https://dot.net" >&2
  exit 2
fi

# From Debian, what is missing, in one apt-get run: redis-server and redis-cli for the shared-mode tests (they start their
# own servers on free loopback ports), prometheus and promtool for the alert rules' unit tests and the scrape test,
# buildah to build the image (no container is run: the image's file system is tested under chroot), Node.js for buf
# and the deployment checks.
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-cli >/dev/null || missing+=(redis-tools)
{ command -v prometheus >/dev/null && command -v promtool >/dev/null; } || missing+=(prometheus)
command -v buildah >/dev/null || missing+=(buildah)
command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# buf, pinned, from npm into .tools/ (ignored by git).
buf=.tools/node_modules/.bin/buf
if [ ! -x "$buf" ]; then
  npm install --prefix .tools --no-audit --no-fund --silent @bufbuild/buf@1.75.0 >/dev/null
fi
echo "== buf lint protos"
"$buf" lint protos
echo "buf lint: ok"

# The contract against the previous release: a breaking change needs a new package version (sessionpolicy.v2). The tag,
# or where a clone lacks tags the commit it marks.
previous=v0.1.0 previous_commit=291b7abbd7a7e3bbee46f5cc9ade50c695f1004e
echo "== buf breaking against $previous"
if git rev-parse -q --verify "refs/tags/$previous" >/dev/null; then
  against=".git#tag=$previous,subdir=protos"
elif git cat-file -e "$previous_commit^{commit}" 2>/dev/null; then
  against=".git#ref=$previous_commit,subdir=protos"
else
  against=
fi
if [ -n "$against" ]; then
  "$buf" breaking protos --against "$against"
  echo "buf breaking: ok ($against)"
else
  echo "buf breaking: NOT CHECKED: this clone has neither the tag $previous nor its commit (a shallow clone without tags)" >&2
fi

echo "== promtool test rules"
(cd deploy/prometheus && promtool check rules session-policy-rules.yml >/dev/null && promtool test rules session-policy-rules.test.yml)

echo "== deployment files (Helm chart, kustomize, Kubernetes API schemas)"
bash scripts/check-deploy.sh

echo "== build"
dotnet build SessionPolicy.sln -c Release -nologo -clp:ErrorsOnly

echo "== policyctl as a .NET tool"
tool=$(mktemp -d)
dotnet pack src/SessionPolicy.Cli -c Release --no-build -o "$tool/package" -nologo -clp:ErrorsOnly >/dev/null
dotnet tool install SessionPolicy.PolicyCtl --tool-path "$tool/bin" --add-source "$tool/package" --prerelease >/dev/null
echo "installed: policyctl $("$tool/bin/policyctl" --version)"
rm -rf "$tool"

echo "== image"
image=$(bash scripts/build-image.sh --offline 2>/dev/null | sed -n 1p)
bash scripts/test-image.sh "$image"

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
