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
set -euo pipefail
subscribers=${1:-100} rounds=${2:-200} mode=${3:-embedded} warmup=${4:-200}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
source "$here/lib.sh"

build_server
dotnet build -c Release "$here/SessionPolicy.Benchmarks" -nologo -clp:ErrorsOnly >/dev/null
if [ "$mode" = shared ]; then
  start_redis
  start_server a "$redis_address"; urls=$server_url
  start_server b "$redis_address"; urls="$urls,$server_url"
elif [ "$mode" = cluster ]; then
  start_cluster
  start_server a "$cluster_address"; urls=$server_url
  start_server b "$cluster_address"; urls="$urls,$server_url"
else
  start_server embedded; urls=$server_url
fi
dotnet run -c Release --no-build --project "$here/SessionPolicy.Benchmarks" -- --logout-latency "$urls" "$subscribers" "$rounds" "$warmup"
