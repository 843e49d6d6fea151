#!/usr/bin/env bash
# Warm Decide throughput in shared mode (Redis) against the embedded mode, same machine, same run.
#
#   load-tests/shared-vs-embedded.sh [SECONDS] [CLIENTS] [STREAMS]
#
# Starts a redis-server on a free loopback port and two servers (Release, default policy): one embedded,
# one pointed at that Redis. h2load drives the same Decide request at each in turn, three rounds, and
# the script prints the ratio shared/embedded per round and the median. Then it kills Redis and drives
# the shared server once more, printing its throughput and h2load's error count.
# Needs h2load (apt-get install -y nghttp2-client) and redis-server.
set -euo pipefail
secs=${1:-8} clients=${2:-32} streams=${3:-10}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
source "$here/lib.sh"

build_server
write_framed_decide_body "$work/framed.bin"

start_redis
start_server embedded; embedded="$server_url/sessionpolicy.v1.SessionPolicyService/Decide"
start_server shared "$redis_address"; shared="$server_url/sessionpolicy.v1.SessionPolicyService/Decide"

load() { h2load_decide "$1" "$work/framed.bin" "$secs" "$clients" "$streams"; }  # URL -> "req/s errors"
ratios=()
for round in 1 2 3; do
  read -r e _ < <(load "$embedded"); read -r s _ < <(load "$shared")
  r=$(python3 -c "print(f'{$s/$e:.3f}')"); ratios+=("$r")
  echo "round $round: embedded $e req/s, shared $s req/s, ratio $r"
done
python3 -c "import statistics,sys; print('median ratio shared/embedded:', statistics.median(map(float, sys.argv[1:])))" "${ratios[@]}"

kill "$redis_pid"; wait "$redis_pid" 2>/dev/null || true
read -r s errors < <(load "$shared")
echo "Redis killed: shared $s req/s, h2load errored requests: $errors"
