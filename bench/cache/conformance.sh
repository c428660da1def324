#!/usr/bin/env bash
# Runs mnot's HTTP cache tests (npm http-cache-tests) against our cache, nginx proxy_cache and Varnish, all in
# front of the suite's own origin server, on loopback only; prints pass counts side by side.
# Usage: bench/cache/conformance.sh            (SHOW_FAILS=1 lists required tests not passing)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
conf="$here/conformance"
suite="$conf/node_modules/http-cache-tests"
ORIGIN_PORT=${ORIGIN_PORT:-38000}
OURS_PORT=${OURS_PORT:-38001}
NGINX_PORT=${NGINX_PORT:-38002}
VARNISH_PORT=${VARNISH_PORT:-38003}
work="$(mktemp -d /tmp/speedera-conformance.XXXXXX)"
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -f "$work/nginx/nginx.pid" ]] && kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true
  [[ -f "$work/varnish/varnishd.pid" ]] && kill "$(cat "$work/varnish/varnishd.pid")" 2>/dev/null || true
  sleep 0.5
  rm -rf "$work"
}
trap cleanup EXIT

wait_port() {
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.2
  done
  echo "port $1 did not open" >&2
  return 1
}

as_nobody() { if [[ $EUID -eq 0 ]]; then runuser -u nobody -- "$@"; else "$@"; fi; }

[[ -d "$suite" ]] || (cd "$conf" && npm ci --no-audit --no-fund >/dev/null)

echo "origin: cache-tests server on 127.0.0.1:$ORIGIN_PORT" >&2
(cd "$suite" && npm_config_port=$ORIGIN_PORT npm_package_config_protocol=http npm_config_pidfile="$work/origin.pid" exec node server/server.mjs) >"$work/origin.log" 2>&1 &
pids+=($!)

echo "ours: CacheBenchHost on 127.0.0.1:$OURS_PORT" >&2
dotnet build -c Release "$here/CacheBenchHost" -v q -nologo >/dev/null
dotnet "$here/CacheBenchHost/bin/Release/net10.0/CacheBenchHost.dll" --listen 127.0.0.1:$OURS_PORT --origin 127.0.0.1:$ORIGIN_PORT \
  --host localhost --disk "$work/ours-disk" >"$work/ours.log" 2>&1 &
pids+=($!)

echo "nginx: proxy_cache on 127.0.0.1:$NGINX_PORT (as nobody)" >&2
mkdir -p "$work/nginx/cache" "$work/nginx/tmp"
cat >"$work/nginx/nginx.conf" <<NGINX
daemon off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx/tmp/body;
  proxy_temp_path $work/nginx/tmp/proxy;
  fastcgi_temp_path $work/nginx/tmp/fastcgi;
  uwsgi_temp_path $work/nginx/tmp/uwsgi;
  scgi_temp_path $work/nginx/tmp/scgi;
  proxy_cache_path $work/nginx/cache levels=1:2 keys_zone=my-cache:8m max_size=1000m inactive=600m;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://127.0.0.1:$ORIGIN_PORT;
      proxy_cache my-cache;
      proxy_cache_revalidate on;
    }
  }
}
NGINX
chown -R nobody "$work/nginx" 2>/dev/null || true
as_nobody /usr/sbin/nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" >"$work/nginx/stdout.log" 2>&1 &
pids+=($!)

echo "varnish: default VCL on 127.0.0.1:$VARNISH_PORT (as nobody)" >&2
mkdir -p "$work/varnish"
chown nobody "$work/varnish" 2>/dev/null || true
as_nobody /usr/sbin/varnishd -F -j none -n "$work/varnish" -a 127.0.0.1:$VARNISH_PORT -b 127.0.0.1:$ORIGIN_PORT -s malloc,64m \
  -P "$work/varnish/varnishd.pid" >"$work/varnish.log" 2>&1 &
pids+=($!)

for p in $ORIGIN_PORT $OURS_PORT $NGINX_PORT $VARNISH_PORT; do wait_port "$p"; done

run_suite() {
  (cd "$suite" && npm_config_base="http://localhost:$2" npm_package_config_id='' node --no-warnings cli.mjs) >"$work/$1.json" 2>"$work/$1.err"
}
# One after the other: the suite has timing-sensitive tests and the machine is small.
for target in "speedera:$OURS_PORT" "nginx:$NGINX_PORT" "varnish:$VARNISH_PORT"; do
  name="${target%%:*}"
  start=$(date +%s)
  run_suite "$name" "${target##*:}"
  echo "$name: suite finished in $(( $(date +%s) - start )) s" >&2
done

mkdir -p "$here/results"
cp "$work/speedera.json" "$work/nginx.json" "$work/varnish.json" "$here/results/"
echo
echo "http-cache-tests $(node -p "require('$suite/package.json').version") — $(date -u +%FT%TZ)"
(cd "$conf" && node summarize.mjs speedera="$work/speedera.json" nginx="$work/nginx.json" varnish="$work/varnish.json")
