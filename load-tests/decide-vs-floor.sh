#!/usr/bin/env bash
# Warm Decide throughput against the empty-gRPC floor, same machine, same run, same load tool.
#
#   load-tests/decide-vs-floor.sh [SECONDS] [CLIENTS] [STREAMS]
#
# Builds the server in Release, starts it on a free loopback port with the embedded default policy,
# writes a Decide request body and hands both to ../shared/bench/grpc-vs-floor.sh, which prints the
# ratio target/floor. The request repeats, so after the first call every Decide is a warm cache hit.
# Needs h2load and nghttp (apt-get install -y nghttp2-client).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
floor_script=${FLOOR_SCRIPT:-$root/../shared/bench/grpc-vs-floor.sh}
[ -x "$floor_script" ] || { echo "floor script not found at $floor_script (set FLOOR_SCRIPT)" >&2; exit 2; }
source "$here/lib.sh"

build_server
write_decide_body "$work/decide.bin"
start_server embedded
echo "server at $server_url"
"$floor_script" "$server_url/sessionpolicy.v1.SessionPolicyService/Decide" "$work/decide.bin" "$@"
