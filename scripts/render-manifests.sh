#!/usr/bin/env bash
# Renders the plain manifests under deploy/kubernetes/*/session-policy.yaml from the Helm chart and each folder's
# values.yaml, with the shipped default policy as the policy ConfigMap. With --check, renders to a scratch folder and
# fails when a committed file differs (scripts/check-deploy.sh runs it so).
#
#   scripts/render-manifests.sh [--check] HELM
set -euo pipefail
cd "$(dirname "$0")/.."
check=false
[ "${1:-}" = --check ] && { check=true; shift; }
helm=${1:?usage: render-manifests.sh [--check] HELM}
status=0
for dir in deploy/kubernetes/*/; do
  name=$(basename "$dir")
  out=$(mktemp)
  {
    echo "# Rendered from deploy/helm/session-policy with $dir""values.yaml by scripts/render-manifests.sh: do not edit."
    "$helm" template session-policy deploy/helm/session-policy --namespace session-policy --skip-tests \
      -f "$dir/values.yaml" --set-file policy=deploy/policies/default.yaml 2>/dev/null
  } >"$out"
  if $check; then
    if ! diff -q "$out" "$dir/session-policy.yaml" >/dev/null; then
      echo "deploy/kubernetes/$name/session-policy.yaml differs from the chart: run scripts/render-manifests.sh" >&2
      diff "$dir/session-policy.yaml" "$out" | head -20 >&2 || true
      status=1
    fi
    rm -f "$out"
  else
    mv "$out" "$dir/session-policy.yaml"
    echo "rendered $dir""session-policy.yaml"
  fi
done
exit $status
