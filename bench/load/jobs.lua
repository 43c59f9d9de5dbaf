-- The job-intake scenario: POST /jobs with an expression no other request
-- had, as distinct.lua does for POST /evaluate. Run serve without workers
-- (and without the per-client rate limit) to measure intake alone. Each
-- wrk thread numbers its own requests and tags them with its thread
-- number and the run's seed.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  n = 0
  seed = tonumber(args[1]) or os.time()
end
function request()
  n = n + 1
  local body = string.format('{"expressao": "%d * %d + %d"}', seed, tid, n)
  return wrk.format("POST", "/jobs", {["Content-Type"] = "application/json"}, body)
end
