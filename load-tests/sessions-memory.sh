#!/usr/bin/env bash
# Memory and sweep cost of many registered sessions in the embedded mode.
#
#   load-tests/sessions-memory.sh [SESSIONS] [IN_FLIGHT]
#
# Starts the server (Release, default policy, embedded), registers SESSIONS sessions through
# RegisterSession (1,000 principals, 50 roles, two audiences each; IN_FLIGHT calls at once, default 64), then prints the
# server's resident memory (VmRSS, VmHWM) and the CPU time it spends over 10 idle seconds, during which
# the sweeper runs every 250 ms: it looks only at the head of the deadline heap, never at every session.
# Target: 100,000 sessions under 200 MB of process memory.
set -euo pipefail
sessions=${1:-100000} in_flight=${2:-64}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
source "$here/lib.sh"

build_server
dotnet build -c Release "$here/SessionPolicy.Benchmarks" -nologo -clp:ErrorsOnly >/dev/null
start_server embedded
server_pid=${pids[-1]}
rss() { awk '/^VmRSS|^VmHWM/ {printf "%s %.1f MB  ", $1, $2/1024}' "/proc/$server_pid/status"; echo; }
ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
echo "before:  $(rss)"
dotnet run -c Release --no-build --project "$here/SessionPolicy.Benchmarks" -- --register-sessions "$server_url" "$sessions" "$in_flight"
echo "after:   $(rss)"
t0=$(ticks); sleep 10; t1=$(ticks)
echo "idle 10 s with $sessions sessions (sweeper every 250 ms): $(( (t1 - t0) * 10 )) ms of CPU"
echo "settled: $(rss)"
