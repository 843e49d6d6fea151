#!/usr/bin/env bash
# Tests the built image without running a container (this machine cannot: crun refuses cgroups in hybrid mode): its
# file system is mounted with buildah and its entrypoint run under chroot as UID 1654 with the image's environment, on
# a read-only root with only /tmp writable, on the host's loopback. Checks that:
#   - without authentication it refuses to listen on all interfaces (exit 2, with the reason);
#   - with caller keys mounted it starts, its readiness is SERVING (policyctl health, from the image, as UID 1654),
#     Decide answers over gRPC (policyctl decide, from the image) and over JSON (POST /v1/decide with curl), and
#     anonymous JSON is 401;
#   - nothing was written to the image's file system.
#
#   scripts/test-image.sh IMAGE      (scripts/build-image.sh --offline builds one)
set -euo pipefail
image=${1:?usage: test-image.sh IMAGE}
export STORAGE_DRIVER=${STORAGE_DRIVER:-vfs}
[ "$(id -u)" = 0 ] || { echo "test-image.sh mounts and chroots: run it as root" >&2; exit 2; }
work=$(mktemp -d)
ctr=$(buildah from --pull-never "$image")
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  umount -R "$work/root" 2>/dev/null || true
  buildah rm "$ctr" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
layers=$(buildah mount "$ctr")
chroot=$(command -v chroot)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The root read-only, /proc and /dev from the host, /tmp a fresh tmpfs, the keys a read-only volume.
mkdir -p "$work/root" "$work/keys"
# Mount points, as a container runtime makes them in the container's own layer.
mkdir -p "$layers/proc" "$layers/dev" "$layers/tmp"
mount --bind "$layers" "$work/root" && mount -o remount,bind,ro "$work/root"
mount -t proc proc "$work/root/proc" 2>/dev/null || mount --rbind /proc "$work/root/proc"
mount --rbind /dev "$work/root/dev"
mount -t tmpfs -o size=64m,mode=1777 tmpfs "$work/root/tmp"
before=$(find "$layers" -xdev -newer "$layers/app/SessionPolicy.Server.dll" 2>/dev/null | wc -l)

# The image's environment and entrypoint, as a runtime would use them.
mapfile -t environment < <(buildah inspect --format '{{range .OCIv1.Config.Env}}{{println .}}{{end}}' "$image" | sed '/^$/d')
mapfile -t entrypoint < <(buildah inspect --format '{{range .OCIv1.Config.Entrypoint}}{{println .}}{{end}}' "$image" | sed '/^$/d')
user=$(buildah inspect --format '{{.OCIv1.Config.User}}' "$image")
[ "$user" = 1654:1654 ] || { echo "the image runs as '$user', not 1654:1654" >&2; exit 1; }
in_image() { # in_image VAR=VALUE... -- COMMAND...: as UID 1654 in the image's root, with its environment and the extra
  local extra=(); while [ "$1" != -- ]; do extra+=("$1"); shift; done; shift
  env -i "${environment[@]}" HOME=/home/app "${extra[@]}" "$chroot" --userspec=1654:1654 "$work/root" "$@"
}

echo "== without authentication: refused"
grpc=$(free_port) http=$(free_port)
set +e
# timeout needs a program, not the function: the same environment, spelled out.
out=$(timeout 60 env -i "${environment[@]}" HOME=/home/app Urls="http://+:$grpc" SessionPolicy__Http__Url="http://+:$http" \
      "$chroot" --userspec=1654:1654 "$work/root" "${entrypoint[@]}" 2>&1)
code=$?
set -e
[ "$code" = 2 ] && grep -q "without authentication" <<<"$out" || { echo "expected exit 2 naming authentication, got $code: $out" >&2; exit 1; }
echo "refused (exit 2): $(grep 'cannot start' <<<"$out" | head -n 1)"

echo "== with caller keys: serving"
openssl genrsa -out "$work/caller.key" 2048 2>/dev/null
openssl rsa -in "$work/caller.key" -pubout -out "$work/keys/caller.pem" 2>/dev/null
chmod 0644 "$work/keys/caller.pem"
mkdir -p "$work/root/tmp/keys" && mount --bind -o ro "$work/keys" "$work/root/tmp/keys"
b64() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
header=$(printf '{"alg":"RS256","typ":"JWT"}' | b64)
payload=$(printf '{"iss":"https://idp.test","aud":"session-policy","sub":"gateway","permissions":["decide"],"iat":%d,"nbf":%d,"exp":%d}' "$now" "$now" $((now + 600)) | b64)
token="$header.$payload.$(printf '%s' "$header.$payload" | openssl dgst -sha256 -sign "$work/caller.key" -binary | b64)"
auth=(SessionPolicy__Auth__Issuer=https://idp.test SessionPolicy__Auth__Audience=session-policy SessionPolicy__Auth__SigningKeyFiles__0=/tmp/keys/caller.pem)
# env and chroot exec: the process started is the server itself.
env -i "${environment[@]}" HOME=/home/app Urls="http://+:$grpc" SessionPolicy__Http__Url="http://+:$http" "${auth[@]}" \
  "$chroot" --userspec=1654:1654 "$work/root" "${entrypoint[@]}" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 150); do grep -q "Application started" "$work/server.log" 2>/dev/null && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
grep -q "Application started" "$work/server.log" || { cat "$work/server.log" >&2; exit 1; }

in_image -- /usr/bin/dotnet /app/policyctl/policyctl.dll health --server "http://127.0.0.1:$grpc" --service readiness
in_image SESSIONPOLICY_TOKEN="$token" -- /usr/bin/dotnet /app/policyctl/policyctl.dll decide --server "http://127.0.0.1:$grpc" \
  -p alice --group eng -r arn:aws:iam::123456789012:role/Developer -e production --mfa true --source-ip 10.1.2.3 | tee "$work/decide.txt"
grep -q "^outcome: *allow" "$work/decide.txt" || { echo "gRPC Decide did not allow" >&2; exit 1; }
body='{"principal":{"id":"alice","type":"PRINCIPAL_TYPE_HUMAN"},"role":{"arn":"arn:aws:iam::123456789012:role/Developer"},"context":{"environment":"production","mfa":true}}'
json=$(curl -s -w ' %{http_code}' -H "authorization: Bearer $token" -H 'content-type: application/json' -d "$body" "http://127.0.0.1:$http/v1/decide")
[[ $json == *OUTCOME_ALLOW*" 200" ]] || { echo "JSON Decide: $json" >&2; exit 1; }
echo "JSON Decide: 200 $(sed 's/.*"maxSessionSeconds":\([0-9]*\).*/maxSessionSeconds \1/' <<<"$json")"
anonymous=$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' -d "$body" "http://127.0.0.1:$http/v1/decide")
[ "$anonymous" = 401 ] || { echo "anonymous JSON Decide answered $anonymous, not 401" >&2; exit 1; }
echo "anonymous JSON Decide: 401"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=

after=$(find "$layers" -xdev -newer "$layers/app/SessionPolicy.Server.dll" 2>/dev/null | wc -l)
[ "$before" = "$after" ] || { echo "the image's file system was written to" >&2; exit 1; }
echo "image test: ok (UID 1654, read-only root, /tmp only)"
