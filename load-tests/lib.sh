# Shared by the load-test scripts: a scratch folder, free ports, a redis-server, Release servers on
# loopback. Source it after setting `here` and `root`; everything it starts is stopped on exit.

work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

# The access key the AWS-compatible test endpoints accept and the servers sign with (AWS's documented example key).
key=AKIAIOSFODNN7EXAMPLE secret=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

# build_benchmarks: the Release build of the benchmark tool.
build_benchmarks() { dotnet build -c Release "$here/SessionPolicy.Benchmarks" -nologo -clp:ErrorsOnly >/dev/null; }

# build_server: the Release build the servers below run.
build_server() { dotnet build -c Release "$root/src/SessionPolicy.Server" -nologo -clp:ErrorsOnly >/dev/null; }

# write_decide_body FILE: one Decide request as raw protobuf.
write_decide_body() { dotnet run -c Release --project "$here/SessionPolicy.Benchmarks" -- --write-decide-body "$1"; }

# write_framed_decide_body FILE: the same request framed as one gRPC message (flag byte, length), the body h2load sends.
write_framed_decide_body() {
  write_decide_body "$work/decide.bin"
  python3 - "$work/decide.bin" "$1" <<'PY'
import sys
raw = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(b"\x00" + len(raw).to_bytes(4, "big") + raw)
PY
}

# h2load_decide URL BODY SECONDS CLIENTS STREAMS [HEADER ...]: drives gRPC calls with BODY at URL; prints "req/s errors".
h2load_decide() {
  local url=$1 body=$2 secs=$3 clients=$4 streams=$5; shift 5
  local headers=(); for h in "$@"; do headers+=(-H "$h"); done
  h2load -D "$secs" --warm-up-time=2 -c "$clients" -m "$streams" -t 1 -d "$body" \
    -H 'content-type: application/grpc' -H 'te: trailers' "${headers[@]}" "$url" 2>&1 \
    | awk '/^finished in/ {gsub(",", "", $4); r=$4} /^requests:/ {e=$10} END {print r, e}'
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_redis: prints host:port of a new redis-server (nothing persisted); its pid is in $redis_pid.
start_redis() {
  local port; port=$(free_port)
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no >"$work/redis-$port.log" 2>&1 &
  redis_pid=$!; pids+=("$redis_pid")
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis_address="127.0.0.1:$port"
}

# start_cluster: a three-master Redis Cluster on free loopback ports (each port's cluster bus port, +10000,
# free too); prints nothing, sets $cluster_address to its seed endpoints and adds its pids to $pids.
start_cluster() {
  local ports=() port
  while [ ${#ports[@]} -lt 3 ]; do
    port=$(python3 -c 'import random,socket
while True:
    p=random.randint(20000,55000)
    try:
        for q in (p,p+10000): socket.socket().bind(("127.0.0.1",q))
        print(p); break
    except OSError: pass')
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --cluster-enabled yes \
      --cluster-config-file "$work/nodes-$port.conf" --cluster-require-full-coverage no --dir "$work" >"$work/redis-$port.log" 2>&1 &
    pids+=("$!"); ports+=("$port")
  done
  for p in "${ports[@]}"; do for _ in $(seq 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done; done
  redis-cli --cluster create "${ports[@]/#/127.0.0.1:}" --cluster-replicas 0 --cluster-yes >/dev/null
  for p in "${ports[@]}"; do for _ in $(seq 100); do redis-cli -p "$p" cluster info | grep -q cluster_state:ok && break; sleep 0.1; done; done
  cluster_address=$(IFS=,; echo "${ports[*]/#/127.0.0.1:}")
}

# start_server NAME [REDIS] [VAR=VALUE ...]: starts the Release server on a free port, with the given extra
# environment; sets $server_url to its base URL.
start_server() {
  local name=$1 log="$work/$1.log" redis=${2:-}
  shift; [ $# -gt 0 ] && shift
  env Logging__LogLevel__Default=Warning "Logging__LogLevel__Microsoft.Hosting.Lifetime=Information" \
    SessionPolicy__Redis__Configuration="$redis" SessionPolicy__Audit__Path="$work/$name.audit.jsonl" "$@" \
    dotnet "$root/src/SessionPolicy.Server/bin/Release/net10.0/SessionPolicy.Server.dll" --urls http://127.0.0.1:0 >"$log" 2>&1 &
  server_pid=$!; pids+=("$server_pid")
  await_listening "$log" http
}

# await_listening LOG SCHEME: waits until the server writing LOG says where it listens; sets $server_url. The server
# may not have opened LOG yet (its redirection happens in the child), so a LOG not there yet is waited for too.
await_listening() {
  server_url=
  for _ in $(seq 100); do
    [ -e "$1" ] || { sleep 0.2; continue; }
    server_url=$(sed -n "s/.*Now listening on: \($2:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p" "$1" | head -n 1)
    [ -n "$server_url" ] && return
    sleep 0.2
  done
  cat "$1" >&2; exit 1
}

# start_sts KEY SECRET ROLE_ARN:MAX ...: the STS-compatible endpoint (tests/SessionPolicy.StsEndpoint, Release) for the
# caller KEY/SECRET with those roles; sets $sts_url.
start_sts() {
  local key=$1 secret=$2; shift 2
  local roles=(); for r in "$@"; do roles+=(--role "$r"); done
  dotnet build -c Release "$root/tests/SessionPolicy.StsEndpoint" -nologo -clp:ErrorsOnly >/dev/null
  dotnet "$root/tests/SessionPolicy.StsEndpoint/bin/Release/net10.0/SessionPolicy.StsEndpoint.dll" \
    --caller "$key:$secret:arn:aws:iam::123456789012:user/session-policy" "${roles[@]}" >"$work/sts.log" 2>&1 &
  pids+=("$!")
  sts_url=
  for _ in $(seq 100); do
    sts_url=$(sed -n 's/^listening on \(http:.*\)$/\1/p' "$work/sts.log"); [ -n "$sts_url" ] && return; sleep 0.2
  done
  cat "$work/sts.log" >&2; exit 1
}

# cpu_ticks PID: user + system CPU time the process has used, in clock ticks (getconf CLK_TCK per second).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# make_tls_files: a CA ($work/ca.pem), a server certificate for 127.0.0.1 ($work/server.pem, .key) and a
# client certificate for the caller "bench" ($work/client.pem, .key), all EC P-256, with openssl.
make_tls_files() {
  local d="$work"
  key() { openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$1"; }
  key "$d/ca.key"; key "$d/server.key"; key "$d/client.key"
  openssl req -x509 -new -key "$d/ca.key" -subj /CN=bench-ca -days 2 -out "$d/ca.pem" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
  openssl req -new -key "$d/server.key" -subj /CN=localhost -out "$d/server.csr" 2>/dev/null
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 2 -out "$d/server.pem" \
    -extfile <(printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') 2>/dev/null
  openssl req -new -key "$d/client.key" -subj /CN=bench -out "$d/client.csr" 2>/dev/null
  openssl x509 -req -in "$d/client.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 2 -out "$d/client.pem" \
    -extfile <(printf 'extendedKeyUsage=clientAuth\n') 2>/dev/null
}

# start_tls_server NAME [VAR=VALUE ...]: starts the Release server on HTTPS (the certificate from
# make_tls_files) on a free port, with the given extra environment; sets $server_url to its base URL.
start_tls_server() {
  local name=$1; shift
  local log="$work/$name.log"
  env Logging__LogLevel__Default=Warning "Logging__LogLevel__Microsoft.Hosting.Lifetime=Information" \
    Kestrel__Endpoints__Https__Url=https://127.0.0.1:0 \
    Kestrel__Endpoints__Https__Certificate__Path="$work/server.pem" Kestrel__Endpoints__Https__Certificate__KeyPath="$work/server.key" \
    SessionPolicy__Audit__Path="$work/$name.audit.jsonl" "$@" dotnet "$root/src/SessionPolicy.Server/bin/Release/net10.0/SessionPolicy.Server.dll" >"$log" 2>&1 &
  server_pid=$!; pids+=("$server_pid")
  await_listening "$log" https
}
