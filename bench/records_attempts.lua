-- wrk script: POST a unique, valid quiz attempt per request; count the 201s per thread.
-- Used by bench/records.py. Each thread numbers its own attempt ids. The path is the URL's, so
-- the bare route can be driven with the very same requests.
local threads = {}
local next_tid = 1

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  created = 0
  others = 0
  run = tonumber(args[1] or "0")
end

function request()
  counter = counter + 1
  local id = string.format("%08x-%04x-4000-8000-%012x", run, tid, counter)
  local body = '{"attempt_id":"' .. id .. '","module":"bench","version":1,'
    .. '"answers":{"q1":["b"],"q2":["x","y"],"q3":["false"]}}'
  return wrk.format("POST", nil,
    {["Content-Type"] = "application/json", ["X-TrustPath-User"] = "bench@example.com"}, body)
end

function response(status, headers, body)
  if status == 201 then created = created + 1 else others = others + 1 end
end

function done(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    o = o + t:get("others")
  end
  io.write(string.format("TP created=%d others=%d p50_us=%d p99_us=%d\n",
    c, o, latency:percentile(50), latency:percentile(99)))
end
