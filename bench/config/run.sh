#!/usr/bin/env bash
# Generate, validate and sign a network configuration with 100,000 hostnames, 500 POPs and
# 5,000 servers (override: run.sh HOSTNAMES POPS SERVERS CANDIDATES_PER_CDN_HOSTNAME);
# prints the time of each step and the peak memory.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dotnet build "$here/ConfigBench.csproj" -c Release -v quiet -nologo -p:TreatWarningsAsErrors=true >/dev/null
dll="$here/bin/Release/net10.0/ConfigBench.dll"
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f "max resident set size %M KiB, elapsed %e s (process, including start-up)" dotnet "$dll" "$@"
else
  dotnet "$dll" "$@"
fi
