#!/usr/bin/env bash
# Purge propagation on loopback, 3 cache nodes, N purges (default 20), p50/p95:
#  1. node-direct: the order POSTed to each cache node's admin endpoint until each stops serving the old object
#     (the cache's own apply time);
#  2. through the control plane: the customer's REST API call on the real portal, three edge processes with the
#     cache role long-polling their orders, until every node's next GET returns the origin's new content
#     (Speedera.Tests PurgePropagationTests). Target: p95 under 200 ms.
# Results are also written to bench/cache/results/purge.txt.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
purges="${1:-20}"
out="$here/results/purge.txt"
mkdir -p "$here/results"
dotnet build -c Release "$here/CacheBenchHost" -v q -nologo >/dev/null
direct=$(dotnet "$here/CacheBenchHost/bin/Release/net10.0/CacheBenchHost.dll" --purge-bench "$purges" | grep '^purge')
echo "$direct"
dotnet build -c Release "$root/Speedera.Tests" -v q -nologo >/dev/null
tmp=$(mktemp)
SPEEDERA_PURGE_BENCH_PURGES="$purges" SPEEDERA_PURGE_BENCH_OUT="$tmp" \
  dotnet test "$root/Speedera.Tests" -c Release --no-build --filter "FullyQualifiedName~PurgePropagationTests" >/dev/null \
  || { echo "the control-plane purge run failed; run: dotnet test Speedera.Tests --filter PurgePropagationTests" >&2; rm -f "$tmp"; exit 1; }
cp=$(cat "$tmp")
rm -f "$tmp"
echo "$cp"
{ echo "$direct"; echo "$cp"; echo "(measured $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, loopback)"; } >"$out"
