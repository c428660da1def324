#!/usr/bin/env bash
# bench/portal: N concurrent signed-in users (default 50) load the main pages and hold their pages
# (circuits, on the interactive portal) open; prints page p50/p95, server CPU per page and memory per
# open user, for the current tree and, in the same run, the last statically rendered portal
# (STATIC_REF, default a20aca6, the commit before interactive rendering came in).
#   bench/portal/run.sh [USERS] [HOLD_SECONDS]      STATIC_REF=none skips the static run
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
users="${1:-50}"
hold="${2:-20}"
static_ref="${STATIC_REF:-a20aca6}"
work="$(mktemp -d /tmp/speedera-portal-bench.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -d "$work/static" ]; then git -C "$root" worktree remove --force "$work/static" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
email=admin@speedera.bench
password="Bench-$(head -c 9 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')-1a"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

dotnet build "$here/PortalBench.csproj" -c Release -v quiet -nologo >/dev/null
bench_dll="$here/bin/Release/net10.0/PortalBench.dll"

# run LABEL WEB_PROJECT_DIR
run() {
  local label="$1" web="$2" port data
  dotnet build "$web/Speedera.Web.csproj" -c Release -v quiet -nologo >/dev/null
  port="$(free_port)"
  data="$work/data-$label"
  mkdir -p "$data"
  (cd "$web" && ASPNETCORE_ENVIRONMENT=Production Speedera__DataDirectory="$data" Database__Provider=Sqlite \
     Speedera__Admin__Email="$email" Speedera__Admin__Password="$password" Speedera__EmbeddedEdge__Enabled=false \
     Logging__LogLevel__Default=Warning \
     exec dotnet "bin/Release/net10.0/Speedera.Web.dll" --urls "http://127.0.0.1:$port" >"$work/$label.log" 2>&1) &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 1 240); do
    curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
    sleep 0.5
  done
  # The portal runs as `dotnet Speedera.Web.dll`: measure that process.
  dotnet "$bench_dll" "http://127.0.0.1:$port" "$pid" "$users" "$hold" "$label" "$email" "$password"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

echo "bench/portal: $users users, hold $hold s, load average $(cut -d' ' -f1-3 /proc/loadavg)"
run interactive "$root/Speedera.Web"
if [ "$static_ref" != none ]; then
  git -C "$root" worktree add --detach "$work/static" "$static_ref" >/dev/null 2>&1
  run "static@$static_ref" "$work/static/Speedera.Web"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
