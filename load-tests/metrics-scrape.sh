#!/usr/bin/env bash
# The cost of a Prometheus scrape of /metrics with many sessions running: the gauges are kept as the sweeper counts
# (never by walking the sessions at scrape time), so a scrape should cost the same with none or 100,000.
#
#   load-tests/metrics-scrape.sh [SESSIONS] [SCRAPES]
#
# Starts the Release server (embedded, default policy) with the HTTP port and /metrics, scrapes SCRAPES times (default 50)
# before and after registering SESSIONS sessions (default 100,000) through RegisterSession, and prints the median and
# the largest scrape time (curl's time_total) and the size of the answer each time.
set -euo pipefail
sessions=${1:-100000} scrapes=${2:-50}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
source "$here/lib.sh"

build_server
build_benchmarks
http_port=$(free_port)
start_server metrics "" SessionPolicy__Http__Url="http://127.0.0.1:$http_port" SessionPolicy__Metrics__Prometheus=true
metrics="http://127.0.0.1:$http_port/metrics"
scrape() {
  for _ in $(seq "$scrapes"); do curl -s -o "$work/metrics.txt" -w '%{time_total}\n' "$metrics"; done | sort -n >"$work/times"
  printf "%s: median %.2f ms, largest %.2f ms over %d scrapes, %d bytes, %d series; sessions_active %s\n" "$1" \
    "$(awk '{a[NR]=$1} END {print a[int((NR+1)/2)] * 1000}' "$work/times")" "$(tail -n 1 "$work/times" | awk '{print $1 * 1000}')" \
    "$scrapes" "$(wc -c <"$work/metrics.txt")" "$(grep -vc '^#' "$work/metrics.txt")" \
    "$(sed -n 's/^sessionpolicy_sessions_active{[^}]*} \([0-9]*\).*/\1/p' "$work/metrics.txt")"
}
scrape "no sessions"
dotnet run -c Release --no-build --project "$here/SessionPolicy.Benchmarks" -- --register-sessions "$server_url" "$sessions" 64
sleep 1  # one sweep (every 250 ms) counts them
scrape "$sessions sessions"
