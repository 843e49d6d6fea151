#!/usr/bin/env bash
# OIDC Back-Channel Logout (or Shared Signals push) to many receivers on loopback, served by the benchmark tool.
#
#   [KIND=ssf-push] load-tests/backchannel-latency.sh [RECEIVERS] [ROUNDS] [latency|sustained] [WARMUP]
#
# KIND is the receivers' kind: oidc-backchannel (default; each answers 200) or ssf-push (each answers 202).
# Starts the Release server (embedded) configured with RECEIVERS oidc-backchannel receivers (default 1,000), receiver N
# at http://127.0.0.1:PORT/r/N for the audience "bench", all served by the tool (one HTTP/1.1 server answering 200).
# latency: ROUNDS ForceLogouts one after another (after WARMUP not counted, 20 unless told); prints the time from each
# call returning to the last receiver's 200. Target: p99 <= 250 ms for 1,000 receivers.
# sustained: ForceLogouts for ROUNDS seconds, 16 in flight; prints deliveries per second. Target: >= 2,000 per second
# across 100 receivers.
set -euo pipefail
receivers=${1:-1000} rounds=${2:-100} mode=${3:-latency} warmup=${4:-20}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
source "$here/lib.sh"

build_server
dotnet build -c Release "$here/SessionPolicy.Benchmarks" -nologo -clp:ErrorsOnly >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$work/signing.pem"
vars=(SessionPolicy__SecurityEventTokens__KeyFile="$work/signing.pem" SessionPolicy__SecurityEventTokens__Issuer=https://bench.example
  SessionPolicy__Receivers__AllowHttpLoopback=true)
for ((i = 0; i < receivers; i++)); do
  vars+=("SessionPolicy__Receivers__List__${i}__Name=r$i" "SessionPolicy__Receivers__List__${i}__Kind=${KIND:-oidc-backchannel}"
    "SessionPolicy__Receivers__List__${i}__Url=http://127.0.0.1:$port/r/$i" "SessionPolicy__Receivers__List__${i}__Audiences__0=bench")
done
start_server embedded "" "${vars[@]}"
rss() { awk '/^VmRSS/ {printf "%.1f MB", $2/1024}' "/proc/$server_pid/status"; }
echo "server RSS before: $(rss)"
dotnet run -c Release --no-build --project "$here/SessionPolicy.Benchmarks" -- --backchannel "$mode" "$server_url" "$port" "$receivers" "$rounds" "$warmup"
echo "server RSS after: $(rss)"
