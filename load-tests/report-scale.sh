#!/usr/bin/env bash
# policyctl report over 10,000 roles and 1,000,000 CloudTrail AssumeRole records (gzipped, as CloudTrail delivers them),
# timed, with its peak memory; then over a tenth of the records, to show memory does not grow with them.
# Usage: load-tests/report-scale.sh [ROLES] [RECORDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
roles=${1:-10000}
records=${2:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dotnet build -c Release "$root/src/SessionPolicy.Cli" -nologo -clp:ErrorsOnly >/dev/null
cli="$root/src/SessionPolicy.Cli/bin/Release/net10.0/policyctl"

python3 - "$work" "$roles" "$records" <<'PY'
import gzip, json, os, random, sys
work, roles, records = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(7)
account = "123456789012"
names = [f"role-{i:05d}{'-admin' if i % 17 == 0 else ''}" for i in range(roles)]
with open(os.path.join(work, "roles.json"), "w") as f:
    json.dump({"Roles": [{"Path": "/", "RoleName": n, "RoleId": f"AROA{i:016d}", "Arn": f"arn:aws:iam::{account}:role/{n}",
                          "CreateDate": "2025-01-01T00:00:00+00:00", "MaxSessionDuration": random.choice([3600, 14400, 43200])}
                         for i, n in enumerate(names)]}, f)
os.makedirs(os.path.join(work, "trail"))
per_file = 10000
people = [f"user-{i:04d}" for i in range(2000)]
for start in range(0, records, per_file):
    out = []
    for k in range(start, min(start + per_file, records)):
        name = names[random.randrange(roles)]
        human = k % 3 != 0
        identity = ({"type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": f"arn:aws:iam::{account}:user/{random.choice(people)}", "accountId": account, "userName": random.choice(people)}
                    if human else {"type": "AWSService", "invokedBy": "ec2.amazonaws.com"})
        params = {"roleArn": f"arn:aws:iam::{account}:role/{name}", "roleSessionName": "s"}
        if k % 5: params["durationSeconds"] = random.choice([900, 3600, 7200, 14400, 43200])
        out.append({"eventVersion": "1.08", "userIdentity": identity, "eventTime": "2026-11-30T02:00:12Z", "eventSource": "sts.amazonaws.com",
                    "eventName": "AssumeRole" if k % 10 else "GetCallerIdentity", "awsRegion": "eu-west-1", "sourceIPAddress": "10.0.3.4",
                    "userAgent": "aws-sdk-dotnet", "requestParameters": params,
                    "responseElements": {"credentials": {"accessKeyId": "ASIAEXAMPLE", "sessionToken": "HIDDEN_DUE_TO_SECURITY_REASONS", "expiration": "Nov 30, 2026, 2:00:12 PM"}},
                    "requestID": f"{k:08x}-1111-4a2b-9c3d-1234567890ab", "eventID": f"{k:08x}-0000-4000-8000-000000000001", "readOnly": True,
                    "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": account, "eventCategory": "Management"})
    with gzip.open(os.path.join(work, "trail", f"{account}_CloudTrail_eu-west-1_{start:08d}.json.gz"), "wt", compresslevel=1) as f:
        json.dump({"Records": out}, f)
PY
echo "inputs: $roles roles, $records records in $(ls "$work/trail" | wc -l) gzipped files ($(du -sh "$work/trail" | cut -f1) compressed)"

run() { # run LABEL TRAIL...: prints elapsed seconds and peak RSS of one report
  local label=$1; shift
  /usr/bin/time -f "$label: %e s elapsed, %U s user, %M KB peak RSS" "$cli" report "$root/deploy/policies/default.yaml" \
    --roles "$work/roles.json" "$@" --format json > "$work/out.json" 2> "$work/time.txt" || true
  tail -1 "$work/time.txt"
}
tenth=$(ls "$work/trail" | head -n $(( $(ls "$work/trail" | wc -l) / 10 )) | sed "s|^|--trail $work/trail/|" | tr '\n' ' ')
# shellcheck disable=SC2086
run "a tenth of the records" $tenth
run "every record" --trail "$work/trail"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print('report:', len(d['roles']), 'roles,', d['trail']['assumeRoleCalls'], 'AssumeRole calls,', d['coverage'])" "$work/out.json"
