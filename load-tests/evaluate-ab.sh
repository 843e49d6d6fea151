#!/usr/bin/env bash
# Policy evaluation of the commit REV (before) against the working tree (after), in one process:
#   bash load-tests/evaluate-ab.sh REV [ROUNDS]
# Builds REV in a temporary worktree; prints a Markdown table of medians and allocations.
set -euo pipefail
rev=${1:?usage: evaluate-ab.sh REV [ROUNDS]}
root=$(cd "$(dirname "$0")/.." && pwd)
before=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$before" >/dev/null 2>&1 || true' EXIT
git -C "$root" worktree add -f --detach "$before" "$rev" >/dev/null
project=load-tests/SessionPolicy.Benchmarks
dotnet build -c Release "$before/src/SessionPolicy.Core" -v q -o "$before/out" >/dev/null
dotnet build -c Release "$root/$project" -v q >/dev/null
dotnet "$root/$project/bin/Release/net10.0/SessionPolicy.Benchmarks.dll" --evaluate-ab "$before/out" "$root/$project/bin/Release/net10.0" "${2:-40}"
