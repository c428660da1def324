#!/usr/bin/env bash
# Checks the delay bridge: two namespaces joined by a 40 ms (each way) link must show an ~80 ms
# TCP connect. Needs root. Uses only 10.200.250.0/30 inside the namespaces it creates, and
# deletes them on exit.
set -euo pipefail
cd "$(dirname "$0")"
DELAY_MS="${1:-40}"
A=spdbr-a-$$; B=spdbr-b-$$
cleanup() {
  [[ -n "${BRIDGE_PID:-}" ]] && kill "$BRIDGE_PID" 2>/dev/null && wait "$BRIDGE_PID" 2>/dev/null || true
  [[ -n "${SERVER_PID:-}" ]] && kill "$SERVER_PID" 2>/dev/null || true
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
}
trap cleanup EXIT
dotnet build -v q -nologo DelayBridge.csproj >/dev/null
ip netns add "$A"; ip netns add "$B"
mkfifo "/tmp/$A.ctl"
dotnet bin/Debug/net10.0/delaybridge.dll --link "ab:$A:spdta$$:10.200.250.1:$B:spdtb$$:10.200.250.2:$DELAY_MS" < "/tmp/$A.ctl" > "/tmp/$A.out" &
BRIDGE_PID=$!
exec 9>"/tmp/$A.ctl"; rm -f "/tmp/$A.ctl"
for _ in $(seq 50); do grep -q ready "/tmp/$A.out" 2>/dev/null && break; sleep 0.1; done
cat "/tmp/$A.out"
ip netns exec "$B" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.200.250.2", 8080)); s.listen(64)
while True:
    c, _ = s.accept(); c.close()' &
SERVER_PID=$!
sleep 0.5
measure() {
  ip netns exec "$A" python3 -c '
import socket, time, statistics
times = []
for _ in range(10):
    s = socket.socket(); t = time.perf_counter(); s.connect(("10.200.250.2", 8080)); times.append((time.perf_counter() - t) * 1000); s.close()
print("tcp connect ms: min %.1f median %.1f max %.1f" % (min(times), statistics.median(times), max(times)))'
}
echo "one-way delay ${DELAY_MS} ms:"; measure
echo "delay ab 10" >&9; sleep 0.3; echo "changed while running to 10 ms:"; measure
echo "delay ab $DELAY_MS" >&9; sleep 0.3; echo "back to ${DELAY_MS} ms:"; measure
echo quit >&9
