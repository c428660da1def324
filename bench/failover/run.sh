#!/usr/bin/env bash
# Failover benchmark: time from an origin's failure to the first DNS answer without it, over 20
# trials with a 1 s service-probe interval; p50/p95 printed and written to results-<mode>.txt.
# Usage: bench/failover/run.sh [netns|loopback] [trials]
# netns (default) needs root: it creates namespaces spd<pid>c/p1..p3 joined by tools/delaybridge
# (10.200.0.0/16 inside them only) and deletes them afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
MODE="${1:-netns}"
TRIALS="${2:-20}"
OUT="$PWD/bench/failover/results-$MODE.txt"
dotnet build -nologo -v q Speedera.Tests >/dev/null
if [[ "$MODE" == netns ]]; then dotnet build -nologo -v q tools/delaybridge/DelayBridge.csproj >/dev/null; fi
SPEEDERA_FAILOVER_BENCH=1 SPEEDERA_FAILOVER_MODE="$MODE" SPEEDERA_FAILOVER_TRIALS="$TRIALS" SPEEDERA_FAILOVER_OUT="$OUT" \
  dotnet test Speedera.Tests --no-build --filter "FullyQualifiedName~FailoverBench" --logger "console;verbosity=normal" | grep -E "Passed|Failed|Skipped|Error" || true
echo "---- $OUT"
cat "$OUT"
