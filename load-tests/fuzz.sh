#!/usr/bin/env bash
# More seeds of the malformed-request and bad-frame suites (tests/.../Hostile/FuzzTests.cs, FrameFuzzTests.cs) than
# the test run tries:
#   bash load-tests/fuzz.sh [ROUNDS]   each round is 3 new seeds x 1,000 requests across every RPC, and 2 new seeds x
#                                      300 hand-written HTTP/2 connections of bad frames
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-20}
dotnet build tests/SessionPolicy.Server.Tests -v q >/dev/null
for ((r = 1; r <= rounds; r++)); do
  FUZZ_SEED_OFFSET=$((r * 3)) dotnet test tests/SessionPolicy.Server.Tests --no-build --filter "FullyQualifiedName~FuzzTests.MalformedRequests|FullyQualifiedName~FrameFuzzTests.BadFrames" -v q \
    | grep -E "Passed!|Failed!" | sed "s/^/seeds $((r * 3 + 1))-$((r * 3 + 3)): /"
done
