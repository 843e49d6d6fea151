#!/usr/bin/env bash
# From a logout to IAM accepting the deny of the session's credentials, at RATE logouts per second.
#
#   load-tests/revocation-latency.sh [RATE] [SECONDS] [ROLES]
#
# Starts the STS-compatible endpoint (Release) with ROLES roles, the server (Release, default policy, revocation on)
# pointed at it and at an IAM port the benchmark tool then serves (tests/SessionPolicy.StsEndpoint's IamEndpoint,
# in process, so it knows when it accepted each write), and runs --revocation (SessionPolicy.Benchmarks/RevocationLatency.cs).
set -euo pipefail
rate=${1:-100} seconds=${2:-10} roles=${3:-50}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
source "$here/lib.sh"

build_server
build_benchmarks
start_sts "$key" "$secret" $(for r in $(seq 0 $((roles - 1))); do printf 'arn:aws:iam::123456789012:role/Load%03d:43200 ' "$r"; done)
iam_port=$(free_port)

AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret AWS_EC2_METADATA_DISABLED=true \
  SessionPolicy__Sts__ServiceUrl=$sts_url SessionPolicy__Sts__Region=us-east-1 \
  SessionPolicy__Revocation__Enabled=true SessionPolicy__Revocation__ServiceUrl="http://127.0.0.1:$iam_port/" start_server revoking
dotnet "$here/SessionPolicy.Benchmarks/bin/Release/net10.0/SessionPolicy.Benchmarks.dll" --revocation "$server_url" "$iam_port" "$key" "$secret" "$roles" "$rate" "$seconds"
