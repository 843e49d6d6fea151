#!/usr/bin/env bash
# CPU the server spends per interval listing SESSIONS active Session Manager sessions (default 10,000).
#
#   load-tests/ssm-poll-cost.sh [SESSIONS] [ROUNDS] [INTERVAL]
#
# Starts the server (Release, default policy) governing Session Manager in eu-west-1 (production) through an SSM port
# the benchmark tool then serves itself (tests/SessionPolicy.StsEndpoint's SsmEndpoint, in process, with the sessions),
# and runs --ssm-poll (SessionPolicy.Benchmarks/SsmPollCost.cs), which reads the server's CPU at the end of each round.
set -euo pipefail
sessions=${1:-10000} rounds=${2:-5} interval=${3:-00:00:05}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
source "$here/lib.sh"

build_server
build_benchmarks
ssm_port=$(free_port)
AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret AWS_EC2_METADATA_DISABLED=true \
  SessionPolicy__Ssm__Enabled=true SessionPolicy__Ssm__Targets__0__Region=eu-west-1 SessionPolicy__Ssm__Targets__0__Environment=production \
  SessionPolicy__Ssm__Targets__0__ServiceUrl="http://127.0.0.1:$ssm_port/" SessionPolicy__Ssm__SessionsInterval="$interval" \
  SessionPolicy__Ssm__PreferencesInterval=01:00:00 start_server ssm
dotnet "$here/SessionPolicy.Benchmarks/bin/Release/net10.0/SessionPolicy.Benchmarks.dll" --ssm-poll "$ssm_port" "$server_pid" "$key" "$secret" "$sessions" "$rounds"
