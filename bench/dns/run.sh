#!/usr/bin/env bash
# Benchmarks the Speedera GTM DNS server against gdnsd on loopback with dnsperf: same zone names
# (weighted and failover records through gdnsd's weighted/simplefo plugins), same query file, same
# run. Prints QPS, latency percentiles and rcodes for both and the QPS ratio ours/gdnsd.
# The servers take turns (ROUNDS rounds, order alternating) because the machine is shared and noisy;
# the summary uses the median QPS of each.
# Usage: bench/dns/run.sh [seconds per run, default 5]    ROUNDS=5 CLIENTS=4 LATENCY_QPS=40000
#        Also: bench/dns/run.sh --micro    (MICRO_ARGS=--no-metrics for the DNS meter not exported)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SECONDS_PER_RUN="${1:-5}"
ROUNDS="${ROUNDS:-5}"
OUR_PORT="${OUR_PORT:-18053}"
GDNSD_PORT="${GDNSD_PORT:-18054}"
CLIENTS="${CLIENTS:-4}"
OUTSTANDING="${OUTSTANDING:-200}"
# Every query carries this EDNS Client Subnet (RFC 7871: family 1, source 24, scope 0, 193.0.6/24, a Dutch prefix) so
# region.bench.test is decided from a real geo lookup on both servers. ECS= (empty) sends none.
ECS="${ECS-00011800c10006}"
ECS_ARGS=()
[[ -n "$ECS" ]] && ECS_ARGS=(-E "8:$ECS")
WORK="$(mktemp -d /tmp/speedera-dnsbench.XXXXXX)"
OUR_PID=""
GDNSD_PID=""

cleanup() {
  [[ -n "$OUR_PID" ]] && kill "$OUR_PID" 2>/dev/null || true
  [[ -n "$GDNSD_PID" ]] && kill "$GDNSD_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  if [[ -n "${KEEP_WORK:-}" ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

for tool in dnsperf gdnsd dig dotnet; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install dnsperf gdnsd bind9-dnsutils)" >&2; exit 1; }
done

echo "== building DnsBenchHost (Release)"
dotnet build -c Release "$HERE/DnsBenchHost/DnsBenchHost.csproj" -o "$WORK/host" -v q -nologo >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }

if [[ "${1:-}" == "--micro" ]]; then
  dotnet "$WORK/host/DnsBenchHost.dll" --micro --queries "${MICRO_QUERIES:-1000000}" ${MICRO_ARGS:-}
  exit 0
fi

echo "== gdnsd config in $WORK/gdnsd"
mkdir -p "$WORK/gdnsd/zones" "$WORK/gdnsd/run" "$WORK/gdnsd/state"
cat >"$WORK/gdnsd/config" <<CONF
options => {
  listen => [ 127.0.0.1:$GDNSD_PORT ]
  run_dir => $WORK/gdnsd/run
  state_dir => $WORK/gdnsd/state
  udp_threads => ${GDNSD_UDP_THREADS:-2}
  tcp_threads => 1
}
plugins => {
  weighted => {
    service_types => up
    www => { s1 = [ 192.0.2.1, 3 ], s2 = [ 192.0.2.2, 2 ], s3 = [ 192.0.2.3, 1 ] }
    geo => { s1 = [ 192.0.2.1, 1 ], s2 = [ 192.0.2.2, 1 ], s3 = [ 192.0.2.3, 1 ] }
  }
  geoip => {
    maps => {
      regions => {
        datacenters => [ p1, p2, p3 ]
        # gdnsd's geoip plugin reads GeoIP2-schema MMDB files; DB-IP's flat country_code schema is not one it maps,
        # so its map is given the same regions as networks (nets) for the ECS subnets the queries carry.
        nets => { 193.0.0.0/16 => [ p2, p1 ], 52.0.0.0/8 => [ p1, p2 ], 0.0.0.0/0 => [ p3 ] }
      }
    }
    resources => {
      region => { map => regions, dcmap => { p1 => 192.0.2.1, p2 => 192.0.2.2, p3 => 192.0.2.3 } }
    }
  }
  simplefo => {
    service_types => up
    failover => { primary => 192.0.2.1, secondary => 192.0.2.4 }
  }
}
CONF
cat >"$WORK/gdnsd/zones/bench.test" <<'ZONE'
$TTL 3600
@        SOA ns1 hostmaster 1 3600 600 604800 300
@        NS  ns1
ns1      A   127.0.0.1
static   300 A 192.0.2.10
txt      300 TXT "speedera bench"
alias    300 CNAME www
www      30  DYNA weighted!www
geo      30  DYNA weighted!geo
region   30  DYNA geoip!region
failover 30  DYNA simplefo!failover
ZONE

# The same query file for both: dynamic names, static, CNAME, NXDOMAIN and NODATA.
cat >"$WORK/queries.txt" <<'Q'
www.bench.test A
www.bench.test A
geo.bench.test A
region.bench.test A
region.bench.test A
failover.bench.test A
static.bench.test A
alias.bench.test A
missing.bench.test A
www.bench.test AAAA
txt.bench.test TXT
bench.test SOA
Q

wait_for() {
  local port=$1
  for _ in $(seq 1 100); do
    dig @127.0.0.1 -p "$port" +time=1 +tries=1 static.bench.test A 2>/dev/null | grep -q "192.0.2.10" && return 0
    sleep 0.2
  done
  echo "server on port $port did not answer" >&2
  return 1
}

echo "== starting servers (ours :$OUR_PORT, gdnsd :$GDNSD_PORT)"
dotnet "$WORK/host/DnsBenchHost.dll" --port "$OUR_PORT" ${OUR_ARGS:-} >"$WORK/ours.log" 2>&1 &
OUR_PID=$!
gdnsd -c "$WORK/gdnsd" start >"$WORK/gdnsd.log" 2>&1 &
GDNSD_PID=$!
wait_for "$OUR_PORT" || { cat "$WORK/ours.log"; exit 1; }
wait_for "$GDNSD_PORT" || { cat "$WORK/gdnsd.log"; exit 1; }

# Region routing must agree: Europe (193.0.6.0/24) → 192.0.2.2, the US (52.95.110.0/24) → 192.0.2.1, elsewhere → 192.0.2.3.
for pair in "193.0.6.0/24 192.0.2.2" "52.95.110.0/24 192.0.2.1" "1.1.1.0/24 192.0.2.3"; do
  set -- $pair
  for p in "$OUR_PORT" "$GDNSD_PORT"; do
    got=$(dig @127.0.0.1 -p "$p" +short +subnet="$1" region.bench.test A)
    [[ "$got" == "$2" ]] || { echo "region answer for $1 on port $p: '$got', expected $2" >&2; exit 1; }
  done
done
echo "region answers: Europe → 192.0.2.2, US → 192.0.2.1, elsewhere → 192.0.2.3 on both servers"

# Every answer of a batch is checked, not only the first: ANSWER_CHECKS queries per region and server through
# dig's batch mode (-f), while a dnsperf load runs against the same server, so region routing is verified
# under load and not only when idle.
ANSWER_CHECKS="${ANSWER_CHECKS:-100}"
check_answers() {
  local port=$1 subnet=$2 expected=$3 batch="$WORK/batch.$1" out="$WORK/batch.$1.out" got lines
  : >"$batch"
  for _ in $(seq 1 "$ANSWER_CHECKS"); do echo "region.bench.test A +subnet=$subnet" >>"$batch"; done
  dig @127.0.0.1 -p "$port" +short +time=2 +tries=2 -f "$batch" >"$out" 2>&1 || true
  lines=$(wc -l <"$out")
  got=$(grep -cx "$expected" "$out" || true)
  [[ "$got" == "$ANSWER_CHECKS" && "$lines" == "$ANSWER_CHECKS" ]] \
    || { echo "answer check on port $port for $subnet: $got of $ANSWER_CHECKS answers were $expected ($lines lines):" >&2; sort "$out" | uniq -c >&2; exit 1; }
}
for p in "$OUR_PORT" "$GDNSD_PORT"; do
  dnsperf -s 127.0.0.1 -p "$p" -d "$WORK/queries.txt" -l 3 -c "$CLIENTS" -T 1 -q "$OUTSTANDING" -t 2 "${ECS_ARGS[@]}" >/dev/null 2>&1 &
  load_pid=$!
  for pair in "193.0.6.0/24 192.0.2.2" "52.95.110.0/24 192.0.2.1" "1.1.1.0/24 192.0.2.3"; do
    set -- $pair
    check_answers "$p" "$1" "$2"
  done
  wait "$load_pid" || true
done
echo "answer check: $((ANSWER_CHECKS * 3)) region answers per server under dnsperf load, every one as expected on both servers"

# Answers must agree in kind before speed means anything.
for q in "www.bench.test A" "failover.bench.test A" "missing.bench.test A" "www.bench.test AAAA" "alias.bench.test A"; do
  ours=$(dig @127.0.0.1 -p "$OUR_PORT" +noall +comments $q | grep -o 'status: [A-Z]*')
  theirs=$(dig @127.0.0.1 -p "$GDNSD_PORT" +noall +comments $q | grep -o 'status: [A-Z]*')
  [[ "$ours" == "$theirs" ]] || { echo "rcode mismatch for $q: ours '$ours' gdnsd '$theirs'" >&2; exit 1; }
done

# utime + stime of a process and its threads, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
server_pid() { if [[ "$1" == speedera ]]; then echo "$OUR_PID"; else pgrep -f "gdnsd -c $WORK/gdnsd" | head -n 1; fi; }

# One dnsperf run. QPS rounds run dnsperf quietly: with -v it prints a line per query, and writing ~170,000 lines
# a second costs the client (which already saturates a core) a large share of its time, so the ratio measured
# the client more than the servers. Latency percentiles come from a separate -v pass (latency_pass below).
run_perf() {
  local name=$1 port=$2 round=$3
  local pid cpu0 cpu1
  pid=$(server_pid "$name")
  cpu0=$(cpu_ticks "$pid")
  dnsperf -s 127.0.0.1 -p "$port" -d "$WORK/queries.txt" -l "$SECONDS_PER_RUN" -c "$CLIENTS" -T 1 \
    -q "$OUTSTANDING" -t 2 "${ECS_ARGS[@]}" >"$WORK/$name.perf" 2>&1 || true
  cpu1=$(cpu_ticks "$pid")
  cp "$WORK/$name.perf" "$WORK/$name.$round.summary"
  local qps lost codes avg completed us
  qps=$(awk '/Queries per second:/ {print $4}' "$WORK/$name.perf")
  lost=$(awk '/Queries lost:/ {print $3}' "$WORK/$name.perf")
  codes=$(awk '/Response codes:/ {sub(/.*Response codes: /, ""); print}' "$WORK/$name.perf")
  avg=$(awk '/Average Latency/ {printf "%.3f", $4 * 1000}' "$WORK/$name.perf")
  completed=$(awk '/Queries completed:/ {print $3}' "$WORK/$name.perf")
  # Server CPU (user + system, from /proc) per answered query: what the server itself spends, whatever the client manages.
  us=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$completed" -v hz="$(getconf CLK_TCK)" 'BEGIN { if (n > 0) printf "%.2f", (b - a) / hz * 1e6 / n; else print "n/a" }')
  printf 'round %s %-8s QPS %10.0f  lost %-6s latency ms avg %s  server CPU us/query %s  rcodes: %s\n' \
    "$round" "$name" "$qps" "$lost" "$avg" "$us" "$codes"
  echo "$us" >>"$WORK/$name.cpu"
  echo "$qps" >>"$WORK/$name.qps"
  # The rcode mix (percentages) must be the same for both servers: same queries, same zone.
  echo "$codes" | sed -E 's/[A-Z]+ [0-9]+ \(([0-9.]+%)\)/\1/g; s/ //g' >"$WORK/$name.$round.mix"
  [[ -z "$lost" || "$lost" == "0" ]] || echo "WARNING: $name lost $lost queries in round $round"
  rm -f "$WORK/$name.perf"
}

# Latency percentiles: dnsperf -v (a line per query with its latency) for each server, same load settings.
# With a rate (dnsperf -Q) the load is the same for both servers and below what either saturates at, so the
# percentiles are the servers' own; without one, dnsperf keeps OUTSTANDING queries in flight and the latency is
# mostly queueing (in flight / QPS).
latency_pass() {
  local name=$1 port=$2 rate=${3:-} label=saturated
  [[ -z "$rate" ]] || label="at $rate QPS"
  dnsperf -s 127.0.0.1 -p "$port" -d "$WORK/queries.txt" -l "$SECONDS_PER_RUN" -c "$CLIENTS" -T 1 \
    -q "$OUTSTANDING" -t 2 "${ECS_ARGS[@]}" ${rate:+-Q "$rate"} -v >"$WORK/$name.perf" 2>&1 || true
  awk '$1 == ">" {print $NF}' "$WORK/$name.perf" | sort -g >"$WORK/$name.lat"
  local n qps
  n=$(wc -l <"$WORK/$name.lat")
  qps=$(awk '/Queries per second:/ {print $4}' "$WORK/$name.perf")
  pct() { awk -v p="$1" -v n="$n" 'NR == int(n * p / 100 + 0.999999) {printf "%.3f", $1 * 1000; exit}' "$WORK/$name.lat"; }
  printf 'latency %-8s %-14s ms p50 %s p90 %s p99 %s p99.9 %s  (%s answers; QPS with -v %.0f)\n' \
    "$name" "$label" "$(pct 50)" "$(pct 90)" "$(pct 99)" "$(pct 99.9)" "$n" "$qps"
  rm -f "$WORK/$name.perf" "$WORK/$name.lat"
}

median() { sort -g "$1" | awk '{v[NR] = $1} END {printf "%.0f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# Warm-up, not measured: both servers answer the query file for 2 s first (our JIT compiles its hot path to the
# optimized tier in the first second or so; a DNS server runs for days, so a cold second is not what we compare).
for port in "$OUR_PORT" "$GDNSD_PORT"; do
  dnsperf -s 127.0.0.1 -p "$port" -d "$WORK/queries.txt" -l 2 -c "$CLIENTS" -T 1 -q "$OUTSTANDING" -t 2 >/dev/null 2>&1 || true
done
echo "== dnsperf: $ROUNDS rounds, ${SECONDS_PER_RUN}s per run, $CLIENTS clients, $OUTSTANDING outstanding, load: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
  if (( round % 2 )); then
    run_perf speedera "$OUR_PORT" "$round"; run_perf gdnsd "$GDNSD_PORT" "$round"
  else
    run_perf gdnsd "$GDNSD_PORT" "$round"; run_perf speedera "$OUR_PORT" "$round"
  fi
done
for round in $(seq 1 "$ROUNDS"); do
  if ! cmp -s "$WORK/speedera.$round.mix" "$WORK/gdnsd.$round.mix"; then
    echo "RCODE MISMATCH in round $round: speedera $(cat "$WORK/speedera.$round.mix") gdnsd $(cat "$WORK/gdnsd.$round.mix")" >&2
    exit 1
  fi
done
echo "rcodes: same mix for both servers in every round ($(cat "$WORK/speedera.1.mix"))"
paste "$WORK/speedera.qps" "$WORK/gdnsd.qps" | awk '{printf "round %d ratio ours/gdnsd %.2f\n", NR, $1 / $2}'
ours=$(median "$WORK/speedera.qps")
theirs=$(median "$WORK/gdnsd.qps")
ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
echo "median QPS: speedera $ours  gdnsd $theirs  ratio ours/gdnsd: $ratio"
# The rounds are pairs run back to back, so the median of the per-round ratios is also printed: it follows the
# machine's drift less than the ratio of the two medians (both are shown; neither is preferred after the fact).
echo "median of per-round ratios ours/gdnsd: $(paste "$WORK/speedera.qps" "$WORK/gdnsd.qps" | awk '{print $1 / $2}' | sort -g | awk '{v[NR] = $1} END {printf "%.2f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')"
ours_cpu=$(sort -g "$WORK/speedera.cpu" | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
theirs_cpu=$(sort -g "$WORK/gdnsd.cpu" | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
echo "median server CPU per query: speedera ${ours_cpu} us  gdnsd ${theirs_cpu} us  (lower is better)"
latency_pass speedera "$OUR_PORT"
latency_pass gdnsd "$GDNSD_PORT"
LATENCY_QPS="${LATENCY_QPS:-40000}"
for round in 1 2; do
  latency_pass speedera "$OUR_PORT" "$LATENCY_QPS"
  latency_pass gdnsd "$GDNSD_PORT" "$LATENCY_QPS"
done
kill -TERM "$OUR_PID" 2>/dev/null || true
wait "$OUR_PID" 2>/dev/null || true
OUR_PID=""
echo "speedera server: $(tail -n 1 "$WORK/ours.log")"
