#!/usr/bin/env bash
# More seeds of the malformed-request suite (tests/.../Hostile/FuzzTests.cs) than the test run tries:
#   bash load-tests/fuzz.sh [ROUNDS]   each round is 3 new seeds x 1,000 requests across every RPC
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-20}
dotnet build tests/SessionPolicy.Server.Tests -v q >/dev/null
for ((r = 1; r <= rounds; r++)); do
  FUZZ_SEED_OFFSET=$((r * 3)) dotnet test tests/SessionPolicy.Server.Tests --no-build --filter "FullyQualifiedName~FuzzTests.MalformedRequests" -v q \
    | grep -E "Passed!|Failed!" | sed "s/^/seeds $((r * 3 + 1))-$((r * 3 + 3)): /"
done
