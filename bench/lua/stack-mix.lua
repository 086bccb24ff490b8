-- wrk script for bench/wrk-stack.mjs: a read-heavy mix of the reference app's API.
--   70 % GET /products/:id   (random id; Redis-cached after the first read)
--   10 % GET /products?page  (PostgreSQL, pages 1..50)
--    3 % GET /products/search?q (PostgreSQL full-text search, GIN index)
--   17 % GET /me             (Bearer token of one of the pre-logged-in users; Redis-cached profile)
-- Environment: PRODUCTS (highest product id), TOKENS_FILE (one access token per line),
-- THINK_MS (mean think time between a connection's requests; 0 = closed loop, as fast as possible).

local products = tonumber(os.getenv("PRODUCTS") or "1000")
local think_ms = tonumber(os.getenv("THINK_MS") or "0")
local tokens_file = os.getenv("TOKENS_FILE")
local words = { "oak", "steel", "bamboo", "leather", "wool", "ceramic", "glass", "copper", "walnut", "linen",
                "marble", "brass", "compact", "sturdy", "rustic", "vintage", "portable", "durable", "premium", "wireless" }
local tokens = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_id", thread_count)
end

function init(args)
  math.randomseed(os.time() * 1000 + (thread_id or 0))
  if tokens_file then
    for line in io.lines(tokens_file) do
      if #line > 0 then tokens[#tokens + 1] = line end
    end
  end
end

function request()
  local r = math.random(100)
  if r <= 70 or #tokens == 0 and r > 83 then
    return wrk.format("GET", "/products/" .. math.random(products))
  elseif r <= 80 then
    return wrk.format("GET", "/products?page=" .. math.random(50) .. "&limit=20")
  elseif r <= 83 then
    return wrk.format("GET", "/products/search?q=" .. words[math.random(#words)] .. "&limit=10")
  else
    return wrk.format("GET", "/me", { ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)] })
  end
end

if think_ms > 0 then
  -- Think time before each of a user's requests (the first one too), uniform in [0.5, 1.5] x the
  -- mean: users arrive spread over a think time instead of all at once, and never march in step.
  function delay()
    return math.floor(think_ms * (0.5 + math.random()))
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p95":%d,"p99":%d,"mean":%.1f,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99), latency.mean, latency.max))
end
