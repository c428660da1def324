#!/usr/bin/env bash
# bench/status: (1) time from a POP's node going down to the alert mail, the signed webhook and the status page on
# another edge node (real control plane and edge processes on loopback, the StatusSiteOutageTests scenario, RUNS times,
# p50/p95/max); (2) wrk against the status page on an edge cache vs nginx serving the same files, same run.
# Loopback only. Usage: bench/status/run.sh   (RUNS=5 DURATION=10s CONNECTIONS=50 THREADS=2 SKIP_ALERTS=1 SKIP_WRK=1)
# The alert part uses the test's thresholds unless ALERT_HEARTBEAT_MISSING / ALERT_EVALUATION are set (e.g. the
# production defaults 00:00:20 and 00:00:05; the scenario's nodes heartbeat every 500 ms), since the time to alert is
# mostly those settings.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
RUNS=${RUNS:-5}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-50}
THREADS=${THREADS:-2}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

if [[ -z "${SKIP_ALERTS:-}" ]]; then
  echo "== time to alert: $RUNS runs (node killed -> page on edge / mail / webhook)"
  dotnet build -c Release "$repo/Speedera.sln" -v q -nologo >/dev/null
  samples="$(mktemp)"
  for i in $(seq 1 "$RUNS"); do
    SPEEDERA_STATUS_BENCH_MISSING="${ALERT_HEARTBEAT_MISSING:-}" SPEEDERA_STATUS_BENCH_EVALUATION="${ALERT_EVALUATION:-}" \
      dotnet test "$repo/Speedera.Tests" -c Release --no-build --filter "FullyQualifiedName~StatusSiteOutageTests" \
      --logger "console;verbosity=detailed" 2>&1 | grep -E "^node down ->" | head -1 | tee -a "$samples"
  done
  python3 - "$samples" <<'PY'
import re, sys, statistics
rows = [list(map(float, re.findall(r"([0-9.]+) s", l))) for l in open(sys.argv[1]) if l.startswith("node down")]
if not rows:
    sys.exit("no samples: the scenario failed; run it with dotnet test to see why")
def pct(xs, p):
    xs = sorted(xs); k = max(0, min(len(xs) - 1, int(round(p * (len(xs) - 1)))))
    return xs[k]
for name, col in (("status page on the edge", 0), ("alert mail", 1), ("webhook (first attempt refused, retried)", 2)):
    xs = [r[col] for r in rows]
    print(f"{name:42s} n={len(xs)} p50 {pct(xs,.5):5.1f} s  p95 {pct(xs,.95):5.1f} s  max {max(xs):5.1f} s  (target p95 < 30 s)")
PY
  rm -f "$samples"
fi

if [[ -z "${SKIP_WRK:-}" ]]; then
  # The files an edge served in the last outage scenario (part 1 writes them), else the committed sample.
  site="${STATUS_FILES:-}"
  [[ -n "$site" ]] || { [[ -f "$repo/test-output/status/edge/index.html" ]] && site="$repo/test-output/status/edge" || site="$here/sample"; }
  echo "== wrk: status page from $site (edge cache role vs nginx, same files)"
  work="$(mktemp -d)"; chmod 755 "$work"
  pids=()
  cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; sleep 0.3; rm -rf "$work"; }
  trap cleanup EXIT
  mkdir -p "$work/www" "$work/tmp"
  cp "$site"/* "$work/www/"
  ours=$(free_port); theirs=$(free_port); origin=$(free_port)
  cat >"$work/nginx.conf" <<NGINX
daemon off;
worker_processes auto;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 1000; }
http {
  access_log off; sendfile on; keepalive_requests 1000000;
  client_body_temp_path $work/tmp/body; proxy_temp_path $work/tmp/proxy; fastcgi_temp_path $work/tmp/f; uwsgi_temp_path $work/tmp/u; scgi_temp_path $work/tmp/s;
  types { text/html html; application/rss+xml rss; application/atom+xml atom; application/json json; }
  server { listen 127.0.0.1:$theirs; server_name status.speedera.net; root $work/www; index index.html;
           location / { add_header Cache-Control "public, max-age=5"; etag on; } }
}
NGINX
  nginx -c "$work/nginx.conf" & pids+=($!)
  dotnet build -c Release "$repo/bench/cache/CacheBenchHost" -v q -nologo >/dev/null
  dotnet "$repo/bench/cache/CacheBenchHost/bin/Release/net10.0/CacheBenchHost.dll" --listen 127.0.0.1:$ours --origin 127.0.0.1:$origin \
    --status-site "$work/www" >"$work/ours.log" 2>&1 & pids+=($!)
  for p in $ours $theirs; do for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break; sleep 0.2; done; done
  # Check the answers first: both must return the same bytes for every path.
  for path in / /history.rss /history.atom /summary.json; do
    a=$(curl -s -H 'Host: status.speedera.net' "http://127.0.0.1:$ours$path" | sha256sum | cut -c1-16)
    b=$(curl -s -H 'Host: status.speedera.net' "http://127.0.0.1:$theirs$path" | sha256sum | cut -c1-16)
    [[ "$a" == "$b" ]] || { echo "different bodies for $path: ours $a nginx $b" >&2; exit 1; }
  done
  echo "answers identical on /, /history.rss, /history.atom, /summary.json"
  run() { wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H 'Host: status.speedera.net' "http://127.0.0.1:$1$2" | awk '/Requests\/sec/ {print $2}'; }
  for path in / /history.atom; do
    o=$(run $ours $path); n=$(run $theirs $path)
    python3 -c "print(f'$path: edge {float(\"$o\"):10.0f} req/s   nginx {float(\"$n\"):10.0f} req/s   ratio {float(\"$o\")/float(\"$n\"):.2f}x (target >= 1.0x)')"
  done
fi
