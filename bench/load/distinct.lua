-- The all-distinct scenario: every request of the run has an expression no
-- other request had, so each one misses both cache tiers, is parsed,
-- evaluated and written to Redis. Each wrk thread numbers its own requests
-- and tags them with its thread number and the run's seed.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  n = 0
  seed = tonumber(args[1]) or os.time()
  -- The path is /evaluate unless a second argument names another: /jobs
  -- measures job intake (run serve without workers or a rate limit).
  path = args[2] or "/evaluate"
end
function request()
  n = n + 1
  local body = string.format('{"expressao": "%d * %d + %d"}', seed, tid, n)
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
end
