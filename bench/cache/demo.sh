#!/usr/bin/env bash
# A curl session against our cache in front of an nginx origin: miss, hit, revalidation (304), purge, miss again,
# with the Cache-Status of each. Loopback only.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ORIGIN_PORT=${ORIGIN_PORT:-38200}
CACHE_PORT=${CACHE_PORT:-38201}
ADMIN_PORT=${ADMIN_PORT:-38209}
work="$(mktemp -d /tmp/speedera-demo.XXXXXX)"
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -f "$work/nginx.pid" ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  sleep 0.3
  rm -rf "$work"
}
trap cleanup EXIT
as_nobody() { if [[ $EUID -eq 0 ]]; then runuser -u nobody -- "$@"; else "$@"; fi; }
wait_port() { for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.2; done; return 1; }

mkdir -p "$work/www/images" "$work/tmp"
echo "GIF89a-pretend" >"$work/www/images/test.gif"
cat >"$work/nginx.conf" <<NGINX
daemon off; pid $work/nginx.pid; error_log $work/error.log warn;
events {}
http {
  access_log off; client_body_temp_path $work/tmp/b; proxy_temp_path $work/tmp/p; fastcgi_temp_path $work/tmp/f;
  uwsgi_temp_path $work/tmp/u; scgi_temp_path $work/tmp/s;
  server { listen 127.0.0.1:$ORIGIN_PORT; root $work/www; expires 3s; }
}
NGINX
chown -R nobody "$work" 2>/dev/null || true
as_nobody /usr/sbin/nginx -p "$work" -c "$work/nginx.conf" &
pids+=($!)
dotnet build -c Release "$here/CacheBenchHost" -v q -nologo >/dev/null
dotnet "$here/CacheBenchHost/bin/Release/net10.0/CacheBenchHost.dll" --listen 127.0.0.1:$CACHE_PORT --origin 127.0.0.1:$ORIGIN_PORT \
  --host www.customer.com --admin 127.0.0.1:$ADMIN_PORT >"$work/cache.log" 2>&1 &
pids+=($!)
wait_port $ORIGIN_PORT; wait_port $CACHE_PORT; wait_port $ADMIN_PORT

show() { # title, curl args...
  local title=$1; shift
  printf '$ curl -si'; printf " %q" "$@"; echo "   # $title"
  curl -si "$@" | tr -d '\r' | grep -iE '^(HTTP/|cache-status|age|etag|cache-control|content-length)'
  echo
}
url="http://127.0.0.1:$CACHE_PORT/www.customer.com/images/test.gif"
show "miss (path form: customer.speedera.net/www.customer.com/...)" -H 'Host: customer.speedera.net' "$url"
show "hit (virtual host form, same object)" -H 'Host: www.customer.com' "http://127.0.0.1:$CACHE_PORT/images/test.gif"
sleep 4
show "stale after max-age=3: revalidated with If-None-Match, origin answers 304" -H 'Host: www.customer.com' "http://127.0.0.1:$CACHE_PORT/images/test.gif"
echo "\$ curl -s -X POST 'http://127.0.0.1:$ADMIN_PORT/purge?url=http://www.customer.com/images/'   # purge the directory"
curl -s -X POST "http://127.0.0.1:$ADMIN_PORT/purge?url=http://www.customer.com/images/"
echo
show "miss again after the purge" -H 'Host: www.customer.com' "http://127.0.0.1:$CACHE_PORT/images/test.gif"
show "unknown hostname" -H 'Host: www.other.com' "http://127.0.0.1:$CACHE_PORT/images/test.gif"
echo "\$ curl -s http://127.0.0.1:$ADMIN_PORT/usage   # this minute's usage rollup"
curl -s "http://127.0.0.1:$ADMIN_PORT/usage"
