#!/usr/bin/env bash
# From ForceLogout returning to receipt by every subscriber.
#
#   load-tests/logout-latency.sh [SUBSCRIBERS] [ROUNDS] [embedded|shared|cluster] [WARMUP]
#
# embedded (default): one server (Release), every subscriber on it.
# shared: a redis-server and two servers sharing it; subscribers spread over both, logouts forced on the first.
# cluster: the same on a three-master Redis Cluster on loopback.
# Runs the benchmark tool's --logout-latency mode (SessionPolicy.Benchmarks/LogoutLatency.cs); the first
# WARMUP rounds (200 unless told) are not counted.
# Targets: p99 <= 10 ms for 100 subscribers; p99 <= 50 ms for 1,000 subscribers over two replicas.
# RECEIVERS=N (environment) also configures N oidc-backchannel receivers for the subscribers' audience at a loopback port
# nothing listens on: every delivery fails and is retried, so the latency is measured with receivers down.
set -euo pipefail
subscribers=${1:-100} rounds=${2:-200} mode=${3:-embedded} warmup=${4:-200}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
source "$here/lib.sh"

build_server
dotnet build -c Release "$here/SessionPolicy.Benchmarks" -nologo -clp:ErrorsOnly >/dev/null
extra=()
if [ "${RECEIVERS:-0}" -gt 0 ]; then
  openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$work/signing.pem"
  down=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  extra=(SessionPolicy__SecurityEventTokens__KeyFile="$work/signing.pem" SessionPolicy__SecurityEventTokens__Issuer=https://bench.example
    SessionPolicy__Receivers__AllowHttpLoopback=true)
  for ((i = 0; i < RECEIVERS; i++)); do
    extra+=("SessionPolicy__Receivers__List__${i}__Name=r$i" "SessionPolicy__Receivers__List__${i}__Kind=oidc-backchannel"
      "SessionPolicy__Receivers__List__${i}__Url=http://127.0.0.1:$down/r/$i" "SessionPolicy__Receivers__List__${i}__Audiences__0=bench")
  done
fi
if [ "$mode" = shared ]; then
  start_redis
  start_server a "$redis_address" "${extra[@]}"; urls=$server_url
  start_server b "$redis_address" "${extra[@]}"; urls="$urls,$server_url"
elif [ "$mode" = cluster ]; then
  start_cluster
  start_server a "$cluster_address" "${extra[@]}"; urls=$server_url
  start_server b "$cluster_address" "${extra[@]}"; urls="$urls,$server_url"
else
  start_server embedded "" "${extra[@]}"; urls=$server_url
fi
dotnet run -c Release --no-build --project "$here/SessionPolicy.Benchmarks" -- --logout-latency "$urls" "$subscribers" "$rounds" "$warmup"
awk '/^VmRSS/ {printf "last server started: RSS %.1f MB\n", $2/1024}' "/proc/$server_pid/status"
