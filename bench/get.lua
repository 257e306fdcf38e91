-- wrk script: GET the path in BENCH_PATH with the bearer token in BENCH_TOKEN. A `{id}` in the
-- path is replaced, per request, by an id picked at random from the file named by BENCH_IDS.
-- Prints requests/s and p50/p99 latency at the end.
local ids = {}
local path = os.getenv("BENCH_PATH")
local token = os.getenv("BENCH_TOKEN")

function init(args)
  local file = os.getenv("BENCH_IDS")
  if file then
    for line in io.lines(file) do
      ids[#ids + 1] = line
    end
  end
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8), 16) or 0))
end

function request()
  local p = path
  if #ids > 0 then
    p = path:gsub("{id}", ids[math.random(#ids)])
  end
  return wrk.format("GET", p, { ["Authorization"] = "Bearer " .. token })
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests_per_s=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
