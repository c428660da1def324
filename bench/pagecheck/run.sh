#!/usr/bin/env bash
# Page check benchmark on loopback: a page with 50 components checked from 7 POPs at once (7 agents, each with its own
# source address), first and repeat view; wall time per round, agent CPU and allocation per location, and the agent's
# own overhead per request against curl's timings for the same URLs in the same run (target: within 1 ms at p50).
# Usage: bench/pagecheck/run.sh [rounds] [pops] [components]. Results also go to bench/pagecheck/results.txt.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
rounds="${1:-5}"; pops="${2:-7}"; components="${3:-50}"
dotnet build -c Release "$here/PageCheckBench" -v q -nologo >/dev/null
out=$(dotnet "$here/PageCheckBench/bin/Release/net10.0/PageCheckBench.dll" --rounds "$rounds" --pops "$pops" --components "$components")
echo "$out"
{ echo "$out"; echo "(measured $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, loopback)"; } >"$here/results.txt"
