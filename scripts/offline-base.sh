#!/usr/bin/env bash
# Assembles, from this machine, a base image of the chiseled ASP.NET layout for when mcr.microsoft.com cannot be
# reached: /usr/share/dotnet with the host and the shared runtimes the SDK carries, /usr/bin/dotnet, the shared
# libraries they load (glibc, libstdc++, libgcc, OpenSSL 3), the CA certificates, /etc/passwd and /etc/group with the
# app user (UID and GID 1654), /tmp; no shell and no package manager. Committed with buildah as NAME.
#
#   scripts/offline-base.sh NAME
set -euo pipefail
name=${1:?usage: offline-base.sh NAME}
export STORAGE_DRIVER=${STORAGE_DRIVER:-vfs}
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root/usr/share/dotnet/shared" "$root/usr/bin" "$root/etc/ssl/certs" "$root/tmp" "$root/home/app" "$root/lib64" "$root/lib/x86_64-linux-gnu"
cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$dotnet_root/LICENSE.txt" "$root/usr/share/dotnet/"
cp -a "$dotnet_root/shared/Microsoft.NETCore.App" "$dotnet_root/shared/Microsoft.AspNetCore.App" "$root/usr/share/dotnet/shared/"
ln -s ../share/dotnet/dotnet "$root/usr/bin/dotnet"
# What the runtime links and what it opens at run time (OpenSSL for TLS and hashing).
libs=$( { for f in "$dotnet_root/dotnet" "$dotnet_root"/shared/Microsoft.NETCore.App/*/*.so; do ldd "$f" 2>/dev/null || true; done \
          | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'; echo /lib/x86_64-linux-gnu/libssl.so.3; echo /lib/x86_64-linux-gnu/libcrypto.so.3; } | sort -u)
for lib in $libs; do cp -L "$lib" "$root/lib/x86_64-linux-gnu/"; done
cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
printf 'root:x:0:0:root:/root:/noshell\napp:x:1654:1654:app:/home/app:/noshell\n' >"$root/etc/passwd"
printf 'root:x:0:\napp:x:1654:\n' >"$root/etc/group"
chmod 1777 "$root/tmp"
chown 1654:1654 "$root/home/app"

ctr=$(buildah from scratch)
buildah copy "$ctr" "$root/" / >/dev/null
buildah config --env DOTNET_RUNNING_IN_CONTAINER=true --env APP_UID=1654 --env ASPNETCORE_HTTP_PORTS=8080 \
  --env PATH=/usr/bin --user 1654:1654 --label org.opencontainers.image.description="offline base of the chiseled ASP.NET layout" "$ctr"
buildah commit --rm "$ctr" "$name" >/dev/null
echo "base $name assembled from $dotnet_root"
