#!/usr/bin/env bash
# Purge propagation on loopback: 3 cache nodes, N purges (default 20), p50/p95 from sending the order to every node
# until each stops serving the old object. Control-plane delivery (portal -> control plane -> edge pull) is not included.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dotnet build -c Release "$here/CacheBenchHost" -v q -nologo >/dev/null
dotnet "$here/CacheBenchHost/bin/Release/net10.0/CacheBenchHost.dll" --purge-bench "${1:-20}" | grep '^purge'
