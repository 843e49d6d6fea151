#!/usr/bin/env bash
# Decide throughput on a three-master Redis Cluster against a single Redis, same machine, same run.
#
#   load-tests/cluster-vs-single.sh [SECONDS] [CLIENTS] [STREAMS]
#
# Starts a redis-server and a three-master cluster on free loopback ports, and four servers (Release, default
# policy): warm (the in-process cache on: a repeated request is a local hit) and L1 miss
# (SessionPolicy:DecisionCache:MaxEntries=0: every request is looked up in Redis, one MGET of the principal's
# keys), each on the single Redis and on the cluster. h2load drives the same Decide request at each in turn,
# three rounds, and the script prints the ratio cluster/single per round and the median, for both.
# Needs h2load (apt-get install -y nghttp2-client), redis-server and redis-cli.
set -euo pipefail
secs=${1:-8} clients=${2:-32} streams=${3:-10}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
source "$here/lib.sh"

build_server
write_framed_decide_body "$work/framed.bin"

start_redis
start_cluster
decide=/sessionpolicy.v1.SessionPolicyService/Decide
start_server warm-single "$redis_address"; warm_single="$server_url$decide"
start_server warm-cluster "$cluster_address"; warm_cluster="$server_url$decide"
start_server miss-single "$redis_address" SessionPolicy__DecisionCache__MaxEntries=0; miss_single="$server_url$decide"
start_server miss-cluster "$cluster_address" SessionPolicy__DecisionCache__MaxEntries=0; miss_cluster="$server_url$decide"

load() { h2load_decide "$1" "$work/framed.bin" "$secs" "$clients" "$streams"; }  # URL -> "req/s errors"
for mode in warm miss; do
  single_var="${mode}_single"; cluster_var="${mode}_cluster"
  ratios=()
  for round in 1 2 3; do
    if [ $((round % 2)) -eq 1 ]; then
      read -r s se < <(load "${!single_var}"); read -r c ce < <(load "${!cluster_var}")
    else
      read -r c ce < <(load "${!cluster_var}"); read -r s se < <(load "${!single_var}")
    fi
    r=$(python3 -c "print(f'{$c/$s:.3f}')"); ratios+=("$r")
    echo "$mode round $round: single $s req/s ($se errors), cluster $c req/s ($ce errors), ratio $r"
  done
  python3 -c "import statistics,sys; print('$mode median ratio cluster/single:', statistics.median(map(float, sys.argv[1:])))" "${ratios[@]}"
done
