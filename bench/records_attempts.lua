-- wrk script: POST a unique, valid quiz attempt per request; count the 201s per thread.
-- Used by bench/records.py, which writes the requests to a file first (args[2]): one line per
-- attempt, "EMAIL<TAB>BODY", each body carrying a draw signed for its person, as the service
-- would issue it (a draw serves one attempt). Thread N sends lines N, N+T, N+2T, … The path
-- is the URL's, so the bare route can be driven with the very same requests.
local threads = {}
local next_tid = 1

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

function init(args)
  created = 0
  others = 0
  lines = {}
  local n = 0
  for line in io.lines(args[2]) do
    n = n + 1
    if (n - 1) % 2 == (tid - 1) % 2 then table.insert(lines, line) end
  end
  counter = 0
end

function request()
  counter = counter + 1
  local line = lines[(counter - 1) % #lines + 1]
  local tab = string.find(line, "\t", 1, true)
  local email, body = string.sub(line, 1, tab - 1), string.sub(line, tab + 1)
  return wrk.format("POST", nil,
    {["Content-Type"] = "application/json", ["X-TrustPath-User"] = email}, body)
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
