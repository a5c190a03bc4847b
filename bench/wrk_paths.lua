-- wrk script: request the paths listed in a file (one per line), in turn, and print the figures as one
-- JSON line at the end. Usage: wrk ... -s bench/wrk_paths.lua http://127.0.0.1:PORT -- paths.txt
local paths = {}
local counter = 0

init = function(args)
  local file = assert(io.open(args[1], "r"), "paths file not found: " .. tostring(args[1]))
  for line in file:lines() do
    if #line > 0 then table.insert(paths, line) end
  end
  file:close()
  assert(#paths > 0, "no paths in " .. args[1])
  counter = math.random(#paths)  -- threads start at different places in the list
end

request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.2f, "p90_ms": %.2f, "p95_ms": %.2f, ' ..
    '"p99_ms": %.2f, "max_ms": %.2f, "mean_ms": %.2f, "non_2xx": %d, "connect_errors": %d, ' ..
    '"read_errors": %d, "timeouts": %d, "bytes": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000,
    e.status, e.connect, e.read, e.timeout, summary.bytes))
end
