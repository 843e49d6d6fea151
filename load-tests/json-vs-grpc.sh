#!/usr/bin/env bash
# Warm Decide over JSON transcoding (POST /v1/decide on the HTTP port, HTTP/1.1) as a ratio of warm Decide over gRPC
# (h2c), same server, same machine, same run, same load tool (h2load; --h1 for the JSON side), A B A B.
#
#   load-tests/json-vs-grpc.sh [SECONDS] [CLIENTS]
#
# The same request both ways (the benchmarks write it as protobuf and as JSON); after the first call each is a warm
# decision. gRPC runs CLIENTS connections with 10 streams each; HTTP/1.1 has no streams, so JSON runs CLIENTS x 10
# connections: the same number of requests in flight. Needs h2load and nghttp (apt-get install -y nghttp2-client).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
source "$here/lib.sh"
secs=${1:-8} clients=${2:-8}
command -v h2load >/dev/null || { echo "h2load missing: apt-get install -y nghttp2-client" >&2; exit 2; }

build_server
build_benchmarks
write_framed_decide_body "$work/framed.bin"
dotnet run -c Release --no-build --project "$here/SessionPolicy.Benchmarks" -- --write-decide-json "$work/decide.json"
http_port=$(free_port)
start_server json "" SessionPolicy__Http__Url="http://127.0.0.1:$http_port"
grpc_url="$server_url/sessionpolicy.v1.SessionPolicyService/Decide"
json_url="http://127.0.0.1:$http_port/v1/decide"
echo "gRPC at $grpc_url, JSON at $json_url"

# One call each way must succeed, so an error reply cannot pass for speed.
code=$(curl -s -o "$work/reply.json" -w '%{http_code}' -H 'content-type: application/json' --data-binary @"$work/decide.json" "$json_url")
[[ $code == 200 ]] && grep -q OUTCOME_ALLOW "$work/reply.json" || { echo "JSON Decide answered $code: $(cat "$work/reply.json")" >&2; exit 1; }
status=$(nghttp -v -d "$work/framed.bin" -H 'content-type: application/grpc' -H 'te: trailers' "$grpc_url" 2>&1 | sed -n 's/.*grpc-status: \([0-9]*\).*/\1/p' | tail -n 1)
[[ $status == 0 ]] || { echo "gRPC Decide ended with grpc-status '${status:-none}'" >&2; exit 1; }

grpc_rps() { read -r rate errors < <(h2load_decide "$grpc_url" "$work/framed.bin" "$secs" "$clients" 10); [ "${errors:-0}" = 0 ] || echo "gRPC: $errors errors" >&2; echo "$rate"; }
json_rps() {
  h2load --h1 -D "$secs" --warm-up-time=2 -c $((clients * 10)) -m 1 -t 1 -d "$work/decide.json" -H 'content-type: application/json' "$json_url" 2>&1 \
    | awk '/^finished in/ {gsub(",", "", $4); print $4}'
}
ratios=()
for round in 1 2 3; do
  g=$(grpc_rps); j=$(json_rps)
  r=$(python3 -c "print(f'{$j/$g:.3f}')")
  ratios+=("$r")
  echo "round $round: gRPC $g req/s, JSON $j req/s, ratio $r"
done
python3 -c "import statistics,sys; print('median ratio JSON/gRPC:', statistics.median(map(float, sys.argv[1:])))" "${ratios[@]}"
