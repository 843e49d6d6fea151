#!/usr/bin/env bash
# What caller authentication adds to a warm Decide over HTTPS: client certificates (mutual TLS) and bearer
# tokens, each against the same server without authentication.
#
#   load-tests/auth-overhead-tls.sh [SECONDS] [CONNECTIONS] [STREAMS]
#
# Makes a CA, a server certificate and a client certificate for the caller "bench" (openssl), and an EC
# key for tokens; starts three Release servers on HTTPS: without authentication, requiring client
# certificates from that CA (bench granted every permission), and requiring JWT bearer tokens. A .NET
# gRPC client (load-tests/SessionPolicy.Benchmarks --decide-load; h2load cannot present a client
# certificate) drives the same warm Decide at each in turn, six rounds rotating the order. It prints, per
# round, each server's rate and the server CPU time per call (from /proc, warm-up included), and at the
# end the median ratios: rate authenticated/unauthenticated (target >= 0.90) and server CPU per call
# unauthenticated/authenticated (the same "no more than 10% added", measured where the client's own CPU
# cannot hide it: the .NET client spends more CPU per call than the server on these two cores).
set -euo pipefail
secs=${1:-6} connections=${2:-16} streams=${3:-16}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
source "$here/lib.sh"

build_server
dotnet build -c Release "$here/SessionPolicy.Benchmarks" -nologo -clp:ErrorsOnly >/dev/null
bench="$here/SessionPolicy.Benchmarks/bin/Release/net10.0/SessionPolicy.Benchmarks.dll"
make_tls_files
openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$work/jwt.key"
openssl ec -in "$work/jwt.key" -pubout -out "$work/jwt.pub" 2>/dev/null
token=$(dotnet "$bench" --write-token "$work/jwt.key" https://idp.bench session-policy)

ticks=$(getconf CLK_TCK)
start_tls_server open; open_url=$server_url; declare -A pid=([open]=$server_pid)
grants=()
i=0; for p in decide issue subscribe register admin; do grants+=("SessionPolicy__Auth__Callers__bench__Permissions__$i=$p"); i=$((i + 1)); done
start_tls_server mtls SessionPolicy__Auth__ClientCaFile="$work/ca.pem" "${grants[@]}"; mtls_url=$server_url; pid[mtls]=$server_pid
start_tls_server jwt SessionPolicy__Auth__Issuer=https://idp.bench SessionPolicy__Auth__Audience=session-policy \
  SessionPolicy__Auth__SigningKeyFiles__0="$work/jwt.pub"; jwt_url=$server_url; pid[jwt]=$server_pid

load() {  # URL [ARGS...] -> "req/s errors"
  local url=$1; shift
  dotnet "$bench" --decide-load "$url" "$secs" "$connections" "$streams" "$work/ca.pem" "$@"
}
# A refused call cannot pass for speed: each authenticated server must refuse the call without its credential.
read -r _ e _ < <(secs=1 load "$mtls_url"); [ "$e" != 0 ] || { echo "the mutual-TLS server answered a caller without a certificate" >&2; exit 1; }
read -r _ e _ < <(secs=1 load "$mtls_url" --cert "$work/client.pem" "$work/client.key"); [ "$e" = 0 ] || { echo "the mutual-TLS server refused the client certificate" >&2; exit 1; }
read -r _ e _ < <(secs=1 load "$jwt_url"); [ "$e" != 0 ] || { echo "the token server answered a caller without a token" >&2; exit 1; }
read -r _ e _ < <(secs=1 load "$jwt_url" --token "$token"); [ "$e" = 0 ] || { echo "the token server refused the token" >&2; exit 1; }

# Warm every server (JIT, tiering, connection pools) before anything is counted.
secs=2 load "$open_url" >/dev/null; secs=2 load "$mtls_url" --cert "$work/client.pem" "$work/client.key" >/dev/null; secs=2 load "$jwt_url" --token "$token" >/dev/null
mtls_ratios=(); jwt_ratios=(); mtls_cpu=(); jwt_cpu=()
for round in 1 2 3 4 5 6; do
  declare -A rate=() cpu=()
  case $((round % 3)) in
    1) order="open mtls jwt" ;;
    2) order="mtls jwt open" ;;
    0) order="jwt open mtls" ;;
  esac
  for which in $order; do
    before=$(cpu_ticks "${pid[$which]}")
    case $which in
      open) read -r r _ n < <(load "$open_url") ;;
      mtls) read -r r _ n < <(load "$mtls_url" --cert "$work/client.pem" "$work/client.key") ;;
      jwt) read -r r _ n < <(load "$jwt_url" --token "$token") ;;
    esac
    rate[$which]=$r
    cpu[$which]=$(python3 -c "print(f'{($(cpu_ticks "${pid[$which]}") - $before) / $ticks / $n * 1e6:.1f}')")
  done
  m=$(python3 -c "print(f'{${rate[mtls]}/${rate[open]}:.3f}')"); j=$(python3 -c "print(f'{${rate[jwt]}/${rate[open]}:.3f}')")
  mc=$(python3 -c "print(f'{${cpu[open]}/${cpu[mtls]}:.3f}')"); jc=$(python3 -c "print(f'{${cpu[open]}/${cpu[jwt]}:.3f}')")
  mtls_ratios+=("$m"); jwt_ratios+=("$j"); mtls_cpu+=("$mc"); jwt_cpu+=("$jc")
  echo "round $round: unauthenticated ${rate[open]} req/s ${cpu[open]} µs/call; client certificate ${rate[mtls]} req/s ${cpu[mtls]} µs/call (ratios $m, $mc); bearer token ${rate[jwt]} req/s ${cpu[jwt]} µs/call (ratios $j, $jc)"
done
median() { python3 -c "import statistics,sys; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" "$@"; }
echo "median rate ratio, client certificate/unauthenticated: $(median "${mtls_ratios[@]}")"
echo "median rate ratio, bearer token/unauthenticated: $(median "${jwt_ratios[@]}")"
echo "median server CPU per call ratio, unauthenticated/client certificate: $(median "${mtls_cpu[@]}")"
echo "median server CPU per call ratio, unauthenticated/bearer token: $(median "${jwt_cpu[@]}")"
