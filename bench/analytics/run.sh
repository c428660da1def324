#!/usr/bin/env bash
# Analytics benchmark: ingest rate into the analytics store on PostgreSQL and p50/p95 of the 24-hour queries
# (one hostname at minute resolution; network-wide), every answer checked against what was generated.
# Usage: bench/analytics/run.sh            (full size: 10,000 hostnames, 50 POPs, 30 days)
#        BENCH_HOSTNAMES=200 BENCH_DAYS=3 bench/analytics/run.sh   (a quick check)
# Other knobs: BENCH_POPS, BENCH_POPS_PER_HOSTNAME (3), BENCH_QUERIES (50), BENCH_WORKERS (4 cache nodes uploading),
#   BENCH_INGEST_MINUTES (60: the newest minutes of every hostname go through the timed upload path; the older history
#   is loaded with plain COPY first). To load on a busy machine and time later on an idle one:
#   BENCH_PG_DIR=/var/tmp/bench-pg BENCH_DATABASE=analytics BENCH_PHASE=load BENCH_E2E=0 bench/analytics/run.sh
#   BENCH_PG_DIR=/var/tmp/bench-pg BENCH_DATABASE=analytics BENCH_PHASE=measure bench/analytics/run.sh
# Uses the cluster in SPEEDERA_TEST_POSTGRES, or starts a throwaway one (as root: runs it as postgres).
# The edge-to-graph times (real-time panel, 24-hour graph) come from the E2E journey: see the last lines.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="$PWD/bench/analytics/results.txt"
if [ -z "${SPEEDERA_TEST_POSTGRES:-}" ]; then
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  RUN=(); [ "$(id -u)" -eq 0 ] && RUN=(runuser -u postgres --)
  if [ -n "${BENCH_PG_DIR:-}" ]; then
    # A kept cluster (BENCH_PG_DIR): load once, measure later; it stays running after the script.
    PG_DIR=$BENCH_PG_DIR; mkdir -p "$PG_DIR"; [ "$(id -u)" -eq 0 ] && chown postgres "$PG_DIR"
    PG_PORT=$(cat "$PG_DIR/port" 2>/dev/null || python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
    echo "$PG_PORT" > "$PG_DIR/port"
  else
    PG_DIR=$(mktemp -d /tmp/speedera-bench-pg.XXXXXX)
    PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
    [ "$(id -u)" -eq 0 ] && chown postgres "$PG_DIR"
    trap '"${RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$PG_DIR"' EXIT
  fi
  [ -f "$PG_DIR/data/PG_VERSION" ] || "${RUN[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --no-locale >/dev/null
  [ -f "$PG_DIR/data/postmaster.pid" ] || "${RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/pg.log" -w -o "-h 127.0.0.1 -p $PG_PORT -k $PG_DIR -c shared_buffers=2GB -c work_mem=32MB -c max_wal_size=8GB" start >/dev/null
  export SPEEDERA_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres;Pooling=true"
fi
dotnet build -nologo -v q -c Release Speedera.Tests >/dev/null
SPEEDERA_ANALYTICS_BENCH=1 SPEEDERA_ANALYTICS_OUT="$OUT" \
  dotnet test Speedera.Tests -c Release --no-build --filter "FullyQualifiedName~AnalyticsBench" --logger "console;verbosity=normal" | grep -E "Passed|Failed|Skipped|Error|Assert" || true
if [ "${BENCH_E2E:-1}" = 1 ]; then
  dotnet build -nologo -v q -c Release Speedera.E2E >/dev/null
  dotnet test Speedera.E2E -c Release --no-build --filter "FullyQualifiedName~TrafficJourneyTests" --logger "console;verbosity=normal" \
    | grep -E "traffic journey:" | sed 's/^ *//' | tee -a "$OUT" || true
fi
echo "---- $OUT"
tail -5 "$OUT"
