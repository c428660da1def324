#!/usr/bin/env bash
# Installs what the tests need (Debian packages, when run as root), starts a throwaway PostgreSQL
# cluster on a free loopback port, builds the solution and runs every test project.
# Prints "N passed, N failed, N skipped" and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
OUT="$ROOT/test-output"
rm -rf "$OUT"; mkdir -p "$OUT"

log() { printf '\n== %s\n' "$*"; }

# --- 1. Debian packages -------------------------------------------------------------------
PACKAGES=(python3 chromium bind9-dnsutils knot-dnsutils postgresql dnsperf gdnsd nginx-light varnish wrk poppler-utils vsftpd iproute2 fonts-dejavu-core)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    log "Installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$OUT/apt.log" 2>&1 \
      || { echo "apt-get install failed; see $OUT/apt.log"; tail -20 "$OUT/apt.log"; exit 1; }
    # Debian starts the distribution's services on install; the tests start their own on loopback.
    for svc in nginx varnish gdnsd vsftpd postgresql; do
      service "$svc" stop >/dev/null 2>&1 || true
    done
  else
    echo "Missing packages (${missing[*]}) and not root: install them first." >&2
    exit 1
  fi
fi

# --- 2. Throwaway PostgreSQL ---------------------------------------------------------------
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
PG_DIR=$(mktemp -d /tmp/speedera-pg.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
PG_PORT=$(free_port)
cleanup() {
  if [ -n "${PG_BIN:-}" ] && [ -f "$PG_DIR/data/postmaster.pid" ]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PG_DIR"
}
trap cleanup EXIT
if [ -z "$PG_BIN" ]; then
  echo "PostgreSQL binaries not found" >&2; exit 1
fi
log "Starting PostgreSQL on 127.0.0.1:$PG_PORT"
chown postgres "$PG_DIR"
PGRUN=(runuser -u postgres --)
[ "$(id -u)" -eq 0 ] || PGRUN=()
"${PGRUN[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --no-locale >"$OUT/initdb.log" 2>&1 \
  || { cat "$OUT/initdb.log"; exit 1; }
"${PGRUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/pg.log" -w -t 60 \
  -o "-h 127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off -c max_connections=200" start >/dev/null \
  || { cat "$PG_DIR/pg.log"; exit 1; }
export SPEEDERA_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres;Pooling=true"

# --- 3. Build -------------------------------------------------------------------------------
log "Building"
dotnet build Speedera.sln -c Release -nologo -v q >"$OUT/build.log" 2>&1
build_rc=$?
grep -E " error | warning " "$OUT/build.log" | sort -u | head -50
if [ "$build_rc" -ne 0 ]; then
  tail -5 "$OUT/build.log"; echo "Build failed"; exit 1
fi

# --- 4. Tests -------------------------------------------------------------------------------
status=0
passed=0; failed=0; skipped=0
run_tests() {
  local project=$1; shift
  log "Testing $project"
  dotnet test "$project" -c Release --no-build -nologo \
    --logger "console;verbosity=normal" --logger "trx;LogFileName=$project.trx" --results-directory "$OUT" \
    --blame-hang-timeout 8m "$@" >"$OUT/$project.log" 2>&1
  local rc=$?
  # Failed tests with their messages, then the counts from the TRX file.
  grep -E -A6 "^\s+Failed Speedera\." "$OUT/$project.log" | head -300
  [ "$rc" -eq 0 ] || status=1
  local counts
  counts=$(python3 - "$OUT/$project.trx" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    c = ET.parse(sys.argv[1]).getroot().find('{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}ResultSummary/{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}Counters')
    total, passed, failed = int(c.get('total')), int(c.get('passed')), int(c.get('failed')) + int(c.get('error')) + int(c.get('timeout')) + int(c.get('aborted'))
    print(passed, failed, total - passed - failed)
except Exception as e:
    print("error", e)
PY
)
  if [[ "$counts" == error* ]] || [ -z "$counts" ]; then
    echo "$project: no test results ($counts, rc=$rc)"; tail -20 "$OUT/$project.log"; status=1; return
  fi
  local p f s
  read -r p f s <<<"$counts"
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  echo "$project: $p passed, $f failed, $s skipped"
}

run_tests Speedera.Tests
run_tests Speedera.E2E

echo
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then
  exit 1
fi
exit 0
