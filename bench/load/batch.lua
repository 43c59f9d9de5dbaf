-- Synchronous batches: each request is POST /evaluate/batch with a batch
-- of all-distinct expressions (as distinct.lua's, 100 per request unless
-- the third argument says otherwise), so every expression misses both
-- cache tiers. Expressions per second are the requests per second times
-- the batch size.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  n = 0
  seed = tonumber(args[1]) or os.time()
  path = args[2] or "/evaluate/batch"
  size = tonumber(args[3]) or 100
end
function request()
  local exprs = {}
  for i = 1, size do
    n = n + 1
    exprs[i] = string.format('"%d * %d + %d"', seed, tid, n)
  end
  local body = '{"expressoes": [' .. table.concat(exprs, ", ") .. ']}'
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
end
