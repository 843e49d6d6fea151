#!/usr/bin/env bash
# What IssueSession adds on top of a decision: at most one STS round trip.
#
#   load-tests/issue-session-latency.sh [ROUNDS]
#
# Starts the STS-compatible endpoint (tests/SessionPolicy.StsEndpoint, Release) and the server (Release,
# default policy) pointed at it with credentials from the environment, then runs the benchmark tool's
# --issue-session mode (see SessionPolicy.Benchmarks/IssueSessionLatency.cs).
set -euo pipefail
rounds=${1:-2000}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
source "$here/lib.sh"

build_server
start_sts "$key" "$secret" arn:aws:iam::123456789012:role/Batch:43200

AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret AWS_EC2_METADATA_DISABLED=true \
  SessionPolicy__Sts__ServiceUrl=$sts_url SessionPolicy__Sts__Region=us-east-1 start_server issuing
dotnet run -c Release --project "$here/SessionPolicy.Benchmarks" -- --issue-session "$server_url" "$sts_url" "$key" "$secret" "$rounds"
