#!/usr/bin/env bash
# wrk against our cache, nginx proxy_cache and Varnish, each in front of the same origin (nginx serving static
# files), same objects (1 KB and 100 KB, all hits after warm-up), same run. Prints requests/s, p99 and ours/nginx.
# Loopback only. Usage: bench/cache/run.sh   (DURATION=10s CONNECTIONS=50 THREADS=2 to change the load)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-50}
THREADS=${THREADS:-2}
ORIGIN_PORT=${ORIGIN_PORT:-38100}
OURS_PORT=${OURS_PORT:-38101}
NGINX_PORT=${NGINX_PORT:-38102}
VARNISH_PORT=${VARNISH_PORT:-38103}
# tmpfs when there is one: nginx's proxy_cache then serves from RAM like Varnish (malloc) and our memory tier.
work="$(mktemp -d "$( [[ -d /dev/shm ]] && echo /dev/shm || echo /tmp )/speedera-bench.XXXXXX")"
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for f in "$work/origin/nginx.pid" "$work/proxy/nginx.pid" "$work/varnish/varnishd.pid"; do
    [[ -f "$f" ]] && kill "$(cat "$f")" 2>/dev/null || true
  done
  sleep 0.5
  rm -rf "$work"
}
trap cleanup EXIT
as_nobody() { if [[ $EUID -eq 0 ]]; then runuser -u nobody -- "$@"; else "$@"; fi; }
wait_port() {
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.2
  done
  echo "port $1 did not open" >&2
  return 1
}
nginx_conf() { # dir, server block
  cat <<NGINX
daemon off;
worker_processes auto;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 1000; }
http {
  access_log off;
  sendfile on;
  tcp_nopush off;
  keepalive_requests 1000000;
  client_body_temp_path $1/tmp/body;
  proxy_temp_path $1/tmp/proxy;
  fastcgi_temp_path $1/tmp/fastcgi;
  uwsgi_temp_path $1/tmp/uwsgi;
  scgi_temp_path $1/tmp/scgi;
  $2
}
NGINX
}

# Origin: nginx serving two static objects, cacheable for an hour.
mkdir -p "$work/origin/www" "$work/origin/tmp" "$work/proxy/cache" "$work/proxy/tmp" "$work/varnish"
head -c 1024 /dev/urandom >"$work/origin/www/1k.bin"
head -c 102400 /dev/urandom >"$work/origin/www/100k.bin"
nginx_conf "$work/origin" "server { listen 127.0.0.1:$ORIGIN_PORT; root $work/origin/www; expires 1h; }" >"$work/origin/nginx.conf"
nginx_conf "$work/proxy" "proxy_cache_path $work/proxy/cache levels=1:2 keys_zone=bench:64m max_size=1g inactive=1h;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://127.0.0.1:$ORIGIN_PORT;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
      proxy_cache bench;
      add_header X-Cache-Status \$upstream_cache_status;
    }
  }" >"$work/proxy/nginx.conf"
chown -R nobody "$work/origin" "$work/proxy" "$work/varnish" 2>/dev/null || true
as_nobody /usr/sbin/nginx -p "$work/origin" -c "$work/origin/nginx.conf" &
pids+=($!)
as_nobody /usr/sbin/nginx -p "$work/proxy" -c "$work/proxy/nginx.conf" &
pids+=($!)
as_nobody /usr/sbin/varnishd -F -j none -n "$work/varnish" -a 127.0.0.1:$VARNISH_PORT -b 127.0.0.1:$ORIGIN_PORT -s malloc,256m \
  -P "$work/varnish/varnishd.pid" >"$work/varnish.log" 2>&1 &
pids+=($!)
dotnet build -c Release "$here/CacheBenchHost" -v q -nologo >/dev/null
# OUR_ARGS passes options to our cache (e.g. OUR_ARGS='--fast-hits false' or '--zero-copy false' to compare).
# shellcheck disable=SC2086
dotnet "$here/CacheBenchHost/bin/Release/net10.0/CacheBenchHost.dll" --listen 127.0.0.1:$OURS_PORT --origin 127.0.0.1:$ORIGIN_PORT \
  --host 127.0.0.1 ${OUR_ARGS:-} >"$work/ours.log" 2>&1 &
ours_pid=$!
pids+=($ours_pid)
for p in $ORIGIN_PORT $OURS_PORT $NGINX_PORT $VARNISH_PORT; do wait_port "$p"; done

# Warm up each cache and show that the second request is a hit.
for obj in 1k.bin 100k.bin; do
  for port in $OURS_PORT $NGINX_PORT $VARNISH_PORT; do
    curl -s -o /dev/null "http://127.0.0.1:$port/$obj"
    line=$(curl -s -o /dev/null -D - "http://127.0.0.1:$port/$obj" | tr -d '\r' | grep -iE '^(HTTP/|cache-status|x-cache-status|age|content-length)' | tr '\n' ' ')
    echo "warm  :$port /$obj -> $line"
  done
done

# Server CPU (user + system of the cache's processes, from /proc) per request: what each cache itself spends,
# whatever share of the two cores wrk and the neighbours leave it.
server_pids() {
  case $1 in
    speedera) pgrep -f "CacheBenchHost.dll --listen 127.0.0.1:$OURS_PORT" ;;
    nginx) for m in $(pgrep -f "nginx -p $work/proxy"); do echo "$m"; pgrep -P "$m"; done ;;
    varnish) for m in $(pgrep -f "varnishd -F -j none -n $work/varnish"); do echo "$m"; pgrep -P "$m"; done ;;
  esac
}
cpu_ticks() { local t=0 p; for p in $(server_pids "$1"); do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo "$t"; }

# Warm-up, not measured: 2 s of the same load on each cache and object (our JIT compiles the hit path to its
# optimized tier in the first second or so; a cache runs for weeks, so a cold second is not what we compare).
for obj in 1k.bin 100k.bin; do
  for port in $OURS_PORT $NGINX_PORT $VARNISH_PORT; do
    wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "http://127.0.0.1:$port/$obj" >/dev/null 2>&1 || true
  done
done

declare -A rps p99 p50s bads cpus
ROUNDS=${ROUNDS:-3}
# Interleaved rounds (ours, nginx, varnish, ours, ...) and the median of each: the machine is shared, so a single
# run mostly measures the neighbours.
for round in $(seq 1 "$ROUNDS"); do
  for obj in 1k.bin 100k.bin; do
    for target in "speedera:$OURS_PORT" "nginx:$NGINX_PORT" "varnish:$VARNISH_PORT"; do
      name=${target%%:*}
      t0=$(cpu_ticks "$name")
      out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$here/status.lua" "http://127.0.0.1:${target##*:}/$obj" -- "$(stat -c %s "$work/origin/www/$obj")")
      t1=$(cpu_ticks "$name")
      res=$(grep '^RESULT' <<<"$out")
      total=$(awk '/requests in/ {print $1}' <<<"$out")
      cpu=$(awk -v a="$t0" -v b="$t1" -v n="$total" -v hz="$(getconf CLK_TCK)" 'BEGIN { if (n > 0) printf "%.1f", (b - a) / hz * 1e6 / n; else print 0 }')
      cpus[$name,$obj]+="$cpu "
      non2xx=$(grep -i 'Non-2xx' <<<"$out" || true)
      r=$(sed -E 's/.*rps=([0-9]+).*/\1/' <<<"$res")
      p50=$(sed -E 's/.*p50_us=([0-9]+).*/\1/' <<<"$res")
      p=$(sed -E 's/.*p99_us=([0-9]+).*/\1/' <<<"$res")
      bad=$(sed -E 's/.*non200=([0-9]+).*/\1/' <<<"$res")
      rps[$name,$obj]+="$r "
      p99[$name,$obj]+="$p "
      p50s[$name,$obj]+="$p50 "
      bads[$name,$obj]=$(( ${bads[$name,$obj]:-0} + bad ))
      printf 'round %d  %-8s %-9s %8s req/s  p50 %6.2fms  p99 %6.2fms  server CPU %5s us/req  bad (status/size) %s %s\n' "$round" "$name" "$obj" "$r" \
        "$(bc -l <<<"$p50/1000")" "$(bc -l <<<"$p/1000")" "$cpu" "$bad" "$non2xx"
    done
  done
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo
printf '%-8s %-9s %12s %10s %10s %14s %8s\n' cache object "requests/s" "p50" "p99" "CPU us/req" "bad"
declare -A mr mp mc
for obj in 1k.bin 100k.bin; do
  for name in speedera nginx varnish; do
    mr[$name,$obj]=$(median "${rps[$name,$obj]}")
    mp[$name,$obj]=$(median "${p99[$name,$obj]}")
    mc[$name,$obj]=$(tr ' ' '\n' <<<"${cpus[$name,$obj]}" | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    printf '%-8s %-9s %12s %8.2fms %8.2fms %14s %8s\n' "$name" "$obj" "${mr[$name,$obj]}" "$(bc -l <<<"$(median "${p50s[$name,$obj]}")/1000")" \
      "$(bc -l <<<"${mp[$name,$obj]}/1000")" "${mc[$name,$obj]}" "${bads[$name,$obj]}"
  done
done
echo
for obj in 1k.bin 100k.bin; do
  printf 'ratio ours/nginx %-9s requests/s %.2f   p99 %.2f   server CPU per request %.2f (lower is better)\n' "$obj" \
    "$(bc -l <<<"${mr[speedera,$obj]}/${mr[nginx,$obj]}")" "$(bc -l <<<"${mp[speedera,$obj]}/${mp[nginx,$obj]}")" \
    "$(bc -l <<<"${mc[speedera,$obj]}/${mc[nginx,$obj]}")"
done
# Each round runs the caches back to back, so the median of the per-round ratios is printed too (it follows the
# machine's drift less than the ratio of medians; both are shown).
for obj in 1k.bin 100k.bin; do
  printf 'median of per-round ratios ours/nginx %-9s requests/s %s\n' "$obj" \
    "$(paste <(tr ' ' '\n' <<<"${rps[speedera,$obj]}" | grep .) <(tr ' ' '\n' <<<"${rps[nginx,$obj]}" | grep .) | awk '{print $1 / $2}' | sort -g | awk '{v[NR] = $1} END {printf "%.2f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')"
done
# Latency below saturation: each connection waits PACE_MS before each request, the same offered load for every
# cache (about 20,000 requests/s with 50 connections), so p50/p99 are the caches' own rather than queueing behind
# a saturated client.
PACE_MS=${PACE_MS:-2}
echo
for obj in 1k.bin 100k.bin; do
  for target in "speedera:$OURS_PORT" "nginx:$NGINX_PORT" "varnish:$VARNISH_PORT"; do
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${PACED_DURATION:-8s}" --latency -s "$here/status.lua" "http://127.0.0.1:${target##*:}/$obj" -- "$(stat -c %s "$work/origin/www/$obj")" "$PACE_MS")
    res=$(grep '^RESULT' <<<"$out")
    printf 'paced %-8s %-9s %8s req/s  p50 %6.2fms  p99 %6.2fms  bad (status/size) %s\n' "${target%%:*}" "$obj" \
      "$(sed -E 's/.*rps=([0-9]+).*/\1/' <<<"$res")" "$(bc -l <<<"$(sed -E 's/.*p50_us=([0-9]+).*/\1/' <<<"$res")/1000")" \
      "$(bc -l <<<"$(sed -E 's/.*p99_us=([0-9]+).*/\1/' <<<"$res")/1000")" "$(sed -E 's/.*non200=([0-9]+).*/\1/' <<<"$res")"
  done
done
echo "(paced: wrk -t$THREADS -c$CONNECTIONS -d${PACED_DURATION:-8s}, each connection waiting ${PACE_MS} ms before each request)"

# Our cache reports on exit how many requests its connection-level hit path answered (the rest went through Kestrel).
kill "$ours_pid" 2>/dev/null && wait "$ours_pid" 2>/dev/null || true
grep -h 'connection-level hit path' "$work/ours.log" | sed 's/^/speedera: /' || true
echo "(medians of $ROUNDS interleaved rounds of wrk -t$THREADS -c$CONNECTIONS -d$DURATION on $(nproc) cores shared by wrk, the caches, the origin and other work)"
