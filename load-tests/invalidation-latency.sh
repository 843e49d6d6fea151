#!/usr/bin/env bash
# How long after ReportSignal returns on one replica the other stops serving its cached decision.
#
#   load-tests/invalidation-latency.sh [ROUNDS]
#
# Starts a redis-server and two servers (Release) sharing it, then runs the benchmark tool's
# --invalidation mode (see SessionPolicy.Benchmarks/InvalidationLatency.cs). Target: under 1 second.
set -euo pipefail
rounds=${1:-200}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
source "$here/lib.sh"

build_server
start_redis
start_server a "$redis_address"; a=$server_url
start_server b "$redis_address"; b=$server_url
dotnet run -c Release --project "$here/SessionPolicy.Benchmarks" -- --invalidation "$a" "$b" "$rounds"
