-- wrk script for the benches (bench/wrk.py): sends the prepared requests in order, each exactly once.
-- The requests come ready-made (raw HTTP/1.1, Connection: close, hex-encoded one a line) from
-- BENCH_WRK_REQUESTS, so every message is distinct and signed and every member's request carries their
-- own token. A response is bad unless its status is BENCH_WRK_STATUS (default 200) and, when
-- BENCH_WRK_EXPECT is set, its body contains that text.
--
-- wrk runs for a duration, not a count: once every request is out, the thread stops (the few still in
-- flight are served, their answers unread) and writes BENCH_WRK_RESULT .. ".out" so that bench/wrk.py
-- interrupts wrk's main thread, which would otherwise sleep out -d. Throughput is timed here, from the
-- first request to the last answer read, with a monotonic clock (LuaJIT's ffi), since wrk's own
-- duration would include that sleep.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock, bench_timespec *now);
]]
local clock = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000000 + tonumber(clock.tv_nsec) / 1000
end

local threads = {}

-- BENCH_WRK_RATE: requests a second, paced (an open load: the requests arrive at their times whatever
-- the answers, as people do on the day). wrk asks delay() before each request; each call takes the next
-- slot of the schedule. Without it, each connection sends as soon as its previous answer is in.
if os.getenv("BENCH_WRK_RATE") then
  local every_us = 1000000 / tonumber(os.getenv("BENCH_WRK_RATE"))
  local slots, start_us = 0, nil
  function delay()
    start_us = start_us or now_us()
    slots = slots + 1
    local wait_us = start_us + (slots - 1) * every_us - now_us()
    if wait_us <= 0 then return 0 end
    return math.floor(wait_us / 1000)
  end
end

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  prepared = {}
  for hex in io.lines(os.getenv("BENCH_WRK_REQUESTS")) do
    prepared[#prepared + 1] = (hex:gsub("%x%x", function(pair) return string.char(tonumber(pair, 16)) end))
  end
  expect = os.getenv("BENCH_WRK_EXPECT")
  -- BENCH_WRK_WAIT_ALL: stop only when every prepared request is answered (the connections still busy
  -- with the last ones send /livez meanwhile); otherwise stop once the last is out, leaving the
  -- answers in flight unread.
  wait_all = os.getenv("BENCH_WRK_WAIT_ALL") ~= nil
  LIVEZ = "GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
  LIVEZ_KEEP = "GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

  want = tonumber(os.getenv("BENCH_WRK_STATUS") or "200")
  total, sent, answered, bad, sample, first_us, last_us = #prepared, 0, 0, 0, "", 0, 0
end

function request()
  if not verified then -- wrk calls request() once before connecting, to check what it returns
    verified = true
    return prepared[1]
  end
  sent = sent + 1
  if sent == 1 then first_us = now_us() end
  if sent > total then
    -- (an answer lost to a socket error or wrk's timeout never comes: 15 s without one ends the wait)
    if not wait_all or answered >= total or now_us() - last_us > 15000000 then finish() end
    -- Past the end: a harmless GET (its answer is not counted), never a repeat.
    return wait_all and LIVEZ_KEEP or LIVEZ
  end
  return prepared[sent]
end

function finish()
  if finished then return end
  finished = true
  wrk.thread:stop()
  local marker = io.open(os.getenv("BENCH_WRK_RESULT") .. ".out", "w")
  marker:close()
end

function response(status, headers, body)
  if wait_all and sent > total and string.find(body or "", '"alive"', 1, true) then
    if answered >= total then finish() end
    return
  end
  answered, last_us = answered + 1, now_us()
  if wait_all and answered >= total then finish() end
  if status ~= want or (expect and not string.find(body or "", expect, 1, true)) then
    bad = bad + 1
    if #sample < 300 then sample = sample .. status .. " " .. string.sub(body or "", 1, 120) .. " | " end
  end
end

function done(summary, latency, requests)
  local result = {answered = 0, sent = 0, bad = 0, sample = "", first = nil, last = 0}
  for _, thread in ipairs(threads) do
    result.answered = result.answered + thread:get("answered")
    result.sent = result.sent + math.min(thread:get("sent"), thread:get("total"))
    result.bad = result.bad + thread:get("bad")
    result.sample = result.sample .. thread:get("sample")
    result.first = math.min(result.first or thread:get("first_us"), thread:get("first_us"))
    result.last = math.max(result.last, thread:get("last_us"))
  end
  local e = summary.errors
  local out = io.open(os.getenv("BENCH_WRK_RESULT"), "w")
  out:write(string.format(
    '{"answered": %d, "sent": %d, "elapsed_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, '
    .. '"bad": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d, "sample": "%s"}',
    result.answered, result.sent, result.last - result.first, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, result.bad, e.connect, e.read, e.write, e.timeout,
    (result.sample:gsub("[%c\"\\]", " "))))
  out:close()
end
