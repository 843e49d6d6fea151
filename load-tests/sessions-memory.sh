#!/usr/bin/env bash
# Memory and sweep cost of many registered sessions, in the embedded mode or on a Redis Cluster.
#
#   load-tests/sessions-memory.sh [SESSIONS] [IN_FLIGHT] [embedded|cluster]
#
# Starts the server (Release, default policy, embedded), registers SESSIONS sessions through
# RegisterSession (1,000 principals, 50 roles, two audiences each; IN_FLIGHT calls at once, default 64), then prints the
# server's resident memory (VmRSS, VmHWM) and the CPU time it spends over 10 idle seconds, during which
# the sweeper runs every 250 ms: it looks only at the head of the deadline heap, never at every session.
# Target: 100,000 sessions under 200 MB of process memory.
# cluster: the server on a three-master Redis Cluster on loopback; also prints each master's used_memory, their sum
# per session and the spread (largest over smallest), the masters' CPU over the same idle 10 s, and the L1-miss Decide
# rate of a second server on the cluster before and after registering (needs h2load).
set -euo pipefail
sessions=${1:-100000} in_flight=${2:-64} mode=${3:-embedded}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
source "$here/lib.sh"

build_server
dotnet build -c Release "$here/SessionPolicy.Benchmarks" -nologo -clp:ErrorsOnly >/dev/null
if [ "$mode" = cluster ]; then
  start_cluster
  # A second server on the same cluster, every Decide looked up in Redis: is Decide affected by the sessions?
  start_server decide "$cluster_address" SessionPolicy__DecisionCache__MaxEntries=0
  decide_url="$server_url/sessionpolicy.v1.SessionPolicyService/Decide"
  write_framed_decide_body "$work/framed.bin"
  start_server cluster "$cluster_address"
else
  start_server embedded
fi
server_pid=${pids[-1]}
masters() { tr ',' '\n' <<<"${cluster_address:-}" | sed 's/.*://'; }
redis_memory() {
  local total=0 min= max=0 m
  for p in $(masters); do
    m=$(redis-cli -p "$p" info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
    printf "master %s used_memory %.1f MB  " "$p" "$(bc -l <<<"$m/1048576")"
    total=$((total + m)); [ "$m" -gt "$max" ] && max=$m; { [ -z "$min" ] || [ "$m" -lt "$min" ]; } && min=$m
  done
  echo; printf "sum %.1f MB, %.0f bytes per session, spread largest/smallest %.2f\n" "$(bc -l <<<"$total/1048576")" "$(bc -l <<<"$total/$sessions")" "$(bc -l <<<"$max/$min")"
}
redis_cpu_ms() { for p in $(masters); do redis-cli -p "$p" info cpu | sed -n 's/^used_cpu_\(sys\|user\):\([0-9.]*\).*/\2/p'; done | paste -sd+ | bc -l; }
rss() { awk '/^VmRSS|^VmHWM/ {printf "%s %.1f MB  ", $1, $2/1024}' "/proc/$server_pid/status"; echo; }
ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
echo "before:  $(rss)"
decide_rate() { read -r rate errors < <(h2load_decide "$decide_url" "$work/framed.bin" 8 32 10); echo "L1-miss Decide on the cluster: $rate req/s, $errors errors"; }
[ "$mode" = cluster ] && decide_rate
dotnet run -c Release --no-build --project "$here/SessionPolicy.Benchmarks" -- --register-sessions "$server_url" "$sessions" "$in_flight"
echo "after:   $(rss)"
[ "$mode" = cluster ] && redis_memory && decide_rate && r0=$(redis_cpu_ms)
t0=$(ticks); sleep 10; t1=$(ticks)
echo "idle 10 s with $sessions sessions (sweeper every 250 ms): $(( (t1 - t0) * 10 )) ms of CPU"
[ "$mode" = cluster ] && printf "the masters over the same 10 s: %.0f ms of CPU\n" "$(bc -l <<<"($(redis_cpu_ms) - $r0) * 1000")"
echo "settled: $(rss)"
