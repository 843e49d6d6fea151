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

work=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT

dotnet build -c Release "$root/src/PolicyService.Server" -nologo -clp:ErrorsOnly >/dev/null
dotnet run -c Release --project "$here/PolicyService.Benchmarks" -- --write-decide-body "$work/decide.bin"

env Logging__LogLevel__Default=Warning "Logging__LogLevel__Microsoft.Hosting.Lifetime=Information" \
  dotnet "$root/src/PolicyService.Server/bin/Release/net10.0/PolicyService.Server.dll" --urls http://127.0.0.1:0 >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  url=$(sed -n 's/.*Now listening on: \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' "$work/server.log" | head -n 1)
  [ -n "$url" ] && break
  sleep 0.2
done
[ -n "${url:-}" ] || { cat "$work/server.log" >&2; exit 1; }
echo "server at $url"
"$floor_script" "$url/sessionpolicy.v1.SessionPolicyService/Decide" "$work/decide.bin" "$@"
