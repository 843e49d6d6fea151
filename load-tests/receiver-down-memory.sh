#!/usr/bin/env bash
# A receiver that is down costs a cursor, not a queue: the server's memory while it is down, and what it gets once back.
#
#   load-tests/receiver-down-memory.sh [SECONDS] [RATE] [KIND]
#
# Starts a redis-server and the Release server (shared mode) with one receiver of KIND (oidc-backchannel unless told;
# ssf-push works too) for the audience "bench", at a loopback port where nothing listens. Ends RATE sessions per second
# (default 50) for SECONDS (default 600), printing the server's RSS and Redis's used_memory every 60 s;
# then the receiver comes up and the tool counts what it gets. Target: no memory that grows with the backlog.
# KIND none runs the same load with no receiver at all: the control to compare the server's memory with.
set -euo pipefail
seconds=${1:-600} rate=${2:-50} kind=${3:-oidc-backchannel}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
source "$here/lib.sh"

build_server
dotnet build -c Release "$here/SessionPolicy.Benchmarks" -nologo -clp:ErrorsOnly >/dev/null
start_redis
port=$(free_port)
openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$work/signing.pem"
receiver=() receivers=0
if [ "$kind" != none ]; then
  receiver=(SessionPolicy__Receivers__List__0__Name=down SessionPolicy__Receivers__List__0__Kind="$kind"
    SessionPolicy__Receivers__List__0__Url="http://127.0.0.1:$port/r/0" SessionPolicy__Receivers__List__0__Audiences__0=bench)
  receivers=1
fi
start_server shared "$redis_address" SessionPolicy__SecurityEventTokens__KeyFile="$work/signing.pem" \
  SessionPolicy__SecurityEventTokens__Issuer=https://bench.example SessionPolicy__Receivers__AllowHttpLoopback=true \
  SessionPolicy__Receivers__MaxBackoff=00:00:05 "${receiver[@]}"
sample() {
  local rss redis_mem
  rss=$(awk '/^VmRSS/ {printf "%.1f", $2/1024}' "/proc/$server_pid/status")
  redis_mem=$(redis-cli -h "${redis_address%:*}" -p "${redis_address#*:}" info memory | awk -F: '/^used_memory:/ {printf "%.1f", $2/1048576}')
  echo "  at $1 s: server RSS $rss MB, Redis used_memory $redis_mem MB"
}
sample 0
( for ((t = 60; t <= seconds; t += 60)); do sleep 60; sample "$t"; done ) &
sampler=$!; pids+=("$sampler")
dotnet run -c Release --no-build --project "$here/SessionPolicy.Benchmarks" -- --backchannel down "$server_url" "$port" "$receivers" "$seconds" "$rate"
kill "$sampler" 2>/dev/null || true
sample end
