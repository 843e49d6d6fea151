#!/usr/bin/env bash
# What caller authentication and authorization add to a warm Decide.
#
#   load-tests/auth-overhead.sh [SECONDS] [CLIENTS] [STREAMS]
#
# Makes an EC P-256 key pair (openssl), starts two servers (Release, default policy): one without
# authentication, one requiring JWT bearer tokens signed by that key; then h2load drives the same warm
# Decide at each in turn, six rounds alternating which goes first (the authenticated one with a valid token carrying every
# permission), and prints the ratio authenticated/unauthenticated per round and the median.
# Target: authentication and authorization cost at most 10% (ratio >= 0.90).
# Each round also sends a fixed number of calls (CPU_CALLS, 100000 unless set) to each server and divides
# the server's CPU time (from /proc) by it: the server's own cost per call, which h2load's CPU on the
# same two cores (it encodes the token into every request) does not blur.
set -euo pipefail
secs=${1:-8} clients=${2:-32} streams=${3:-10}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
source "$here/lib.sh"

build_server
dotnet build -c Release "$here/SessionPolicy.Benchmarks" -nologo -clp:ErrorsOnly >/dev/null
openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$work/key.pem"
openssl ec -in "$work/key.pem" -pubout -out "$work/pub.pem" 2>/dev/null
token=$(dotnet run -c Release --no-build --project "$here/SessionPolicy.Benchmarks" -- --write-token "$work/key.pem" https://idp.bench session-policy)
write_framed_decide_body "$work/framed.bin"

start_server open; open_url="$server_url/sessionpolicy.v1.SessionPolicyService/Decide"; open_pid=$server_pid
SessionPolicy__Auth__Issuer=https://idp.bench SessionPolicy__Auth__Audience=session-policy SessionPolicy__Auth__SigningKeyFiles__0="$work/pub.pem" \
  start_server authenticated; auth_url="$server_url/sessionpolicy.v1.SessionPolicyService/Decide"; auth_pid=$server_pid
calls=${CPU_CALLS:-100000} ticks=$(getconf CLK_TCK)

load() { h2load_decide "$1" "$work/framed.bin" "$secs" "$clients" "$streams" ${2:+"$2"}; }  # URL [HEADER] -> "req/s errors"
cpu_per_call() {  # PID URL [HEADER] -> server CPU µs per call over $calls calls
  local before; before=$(cpu_ticks "$1")
  h2load -n "$calls" -c "$clients" -m "$streams" -t 1 -d "$work/framed.bin" \
    -H 'content-type: application/grpc' -H 'te: trailers' ${3:+-H "$3"} "$2" >/dev/null 2>&1
  python3 -c "print(f'{($(cpu_ticks "$1") - $before) / $ticks / $calls * 1e6:.1f}')"
}
status() {  # URL [HEADER] -> grpc-status of one call, so a refused call cannot pass for speed
  nghttp -v -d "$work/framed.bin" -H 'content-type: application/grpc' -H 'te: trailers' ${2:+-H "$2"} "$1" 2>&1 | sed -n 's/.*grpc-status: \([0-9]*\).*/\1/p' | tail -n 1
}
[ "$(status "$auth_url" "authorization: Bearer $token")" = 0 ] || { echo "authenticated Decide did not succeed" >&2; exit 1; }
[ "$(status "$auth_url")" = 16 ] || { echo "unauthenticated Decide was not refused" >&2; exit 1; }
ratios=(); cpu_ratios=()
for round in 1 2 3 4 5 6; do
  # Alternate which goes first, so neither always meets a colder or hotter machine.
  if (( round % 2 )); then
    read -r o _ < <(load "$open_url"); read -r a _ < <(load "$auth_url" "authorization: Bearer $token")
  else
    read -r a _ < <(load "$auth_url" "authorization: Bearer $token"); read -r o _ < <(load "$open_url")
  fi
  oc=$(cpu_per_call "$open_pid" "$open_url"); ac=$(cpu_per_call "$auth_pid" "$auth_url" "authorization: Bearer $token")
  r=$(python3 -c "print(f'{$a/$o:.3f}')"); ratios+=("$r")
  c=$(python3 -c "print(f'{$oc/$ac:.3f}')"); cpu_ratios+=("$c")
  echo "round $round: unauthenticated $o req/s $oc µs/call, authenticated $a req/s $ac µs/call; ratios $r (rate), $c (server CPU per call)"
done
median() { python3 -c "import statistics,sys; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" "$@"; }
echo "median rate ratio authenticated/unauthenticated: $(median "${ratios[@]}")"
echo "median server CPU per call ratio unauthenticated/authenticated: $(median "${cpu_ratios[@]}")"
