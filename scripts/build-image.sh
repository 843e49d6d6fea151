#!/usr/bin/env bash
# Builds the container image (Containerfile) with podman or buildah: publishes the server and policyctl (Release,
# framework-dependent, the version from git) into .image/, then builds on the official chiseled ASP.NET base. Where that
# base cannot be pulled (no registry reachable), --offline builds on a base of the same layout assembled from this
# machine: the .NET runtime the SDK carries (Microsoft.NETCore.App and Microsoft.AspNetCore.App), the C and C++ runtime,
# OpenSSL and the CA certificates, an app user of UID 1654, no shell.
#
#   scripts/build-image.sh [--offline] [TAG]        (TAG: localhost/session-policy:VERSION by default)
#
# Prints the image name and its size last.
set -euo pipefail
cd "$(dirname "$0")/.."
offline=false
[ "${1:-}" = --offline ] && { offline=true; shift; }
builder=$(command -v podman || command -v buildah || true)
[ -n "$builder" ] || { echo "podman or buildah is required (apt-get install -y buildah)" >&2; exit 2; }
export STORAGE_DRIVER=${STORAGE_DRIVER:-vfs}

rm -rf .image && mkdir -p .image
dotnet publish src/SessionPolicy.Server -c Release -o .image/server -p:UseAppHost=false -nologo -clp:ErrorsOnly >/dev/null
dotnet publish src/SessionPolicy.Cli -c Release -o .image/policyctl -p:UseAppHost=false -nologo -clp:ErrorsOnly >/dev/null
version=$(dotnet .image/policyctl/policyctl.dll --version)
tag=${1:-localhost/session-policy:${version%%+*}}

base=mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled
if $offline; then
  base=localhost/session-policy-base:offline
  bash scripts/offline-base.sh "$base" >&2
fi
if [ "$(basename "$builder")" = podman ]; then
  podman build --pull=never -f Containerfile --build-arg BASE="$base" --build-arg VERSION="$version" -t "$tag" . >&2
else
  buildah build --pull-never -f Containerfile --build-arg BASE="$base" --build-arg VERSION="$version" -t "$tag" . >&2
fi
echo "$tag"
"$builder" images --format '{{.Size}}' "$tag" | head -n 1
