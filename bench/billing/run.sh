#!/usr/bin/env bash
# Rate and issue invoices for ORGS organizations with a month of minute rollups each on PostgreSQL
# (default 10,000 × 43,200 minutes; small: bench/billing/run.sh 200 4320), stored as traffic maintenance leaves them
# when the month is rated (older than 48 h in UsageHourly; "minutes" as 3rd argument keeps all minute rows). Prints rating time, issuing time,
# PDFs per second, total time and peak memory, and checks billed bytes against the rollups and gap-free numbers.
# Needs SPEEDERA_BENCH_POSTGRES (a server connection string); without it a throwaway cluster is started on loopback.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ORGS=${1:-10000}
MINUTES=${2:-43200}
LAYOUT=${3:-downsampled}
dotnet build "$here/BillingBench.csproj" -c Release -v quiet -nologo >/dev/null || { echo "bench build failed" >&2; dotnet build "$here/BillingBench.csproj" -c Release -v quiet -nologo | grep -E " error " >&2; exit 1; }
dll="$here/bin/Release/net10.0/BillingBench.dll"
if [ -z "${SPEEDERA_BENCH_POSTGRES:-}" ]; then
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  PG_DIR=$(mktemp -d /tmp/speedera-bench-pg.XXXXXX)
  PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  PGRUN=(); [ "$(id -u)" -eq 0 ] && { chown postgres "$PG_DIR"; PGRUN=(runuser -u postgres --); }
  trap '"${PGRUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$PG_DIR"' EXIT
  "${PGRUN[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --no-locale >/dev/null
  "${PGRUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/pg.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $PG_PORT -k $PG_DIR -c shared_buffers=512MB -c work_mem=64MB -c max_wal_size=4GB -c synchronous_commit=off" start >/dev/null
  export SPEEDERA_BENCH_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres"
fi
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f "process: max resident set size %M KiB, elapsed %e s (including seeding)" dotnet "$dll" "$SPEEDERA_BENCH_POSTGRES" "$ORGS" "$MINUTES" "$LAYOUT"
else
  dotnet "$dll" "$SPEEDERA_BENCH_POSTGRES" "$ORGS" "$MINUTES" "$LAYOUT"
fi
