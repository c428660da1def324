-- wrk script: counts responses whose status is not 200 or whose body is not the expected size (first script
-- argument, after --) across all threads and prints machine-readable RPS / P99 lines for run.sh. A second argument
-- paces the load: each connection waits that many milliseconds before each request (a load below saturation, so
-- the latency is the cache's own rather than queueing).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non200 = 0
  expected = tonumber(args[1])
  local pace = tonumber(args[2])
  if pace ~= nil then
    function delay()
      return pace
    end
  end
end

function response(status, headers, body)
  if status ~= 200 or (expected ~= nil and #body ~= expected) then
    non200 = non200 + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("non200")
  end
  io.write(string.format("RESULT requests=%d rps=%.0f p50_us=%d p99_us=%d non200=%d errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99), bad,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
end
