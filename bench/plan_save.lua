-- wrk script for bench/run's plan_save scenario: saves a change to a plan's
-- overall goal through the JSON API (PUT /api/v1/plans/{id}/overall-goal).
--
-- Every save names the version it started from, and the server refuses a stale
-- one with 409, so a fixed request body cannot be replayed. Instead each wrk
-- thread owns a disjoint slice of the plans (every Nth line of the plans file),
-- keeps a queue of its plans that are not in flight, and learns each plan's new
-- version from the response. A plan is on at most one connection at a time, so
-- no request is ever stale; any non-200 answer counts as an error.
--
-- Arguments (after `--`): plans_file threads token delay_ms
--   plans_file  lines "plan_id version"
--   delay_ms    pause before each request on a connection (paces the rate)

local threads = {}
local next_tid = 0

function setup(thread)
   thread:set("tid", next_tid)
   next_tid = next_tid + 1
   table.insert(threads, thread)
end

function init(args)
   local file, nthreads = args[1], tonumber(args[2])
   token = args[3]
   delay_ms = tonumber(args[4]) or 0
   free, version = {}, {}
   head, tail = 1, 0
   errors, saves, starved, n = 0, 0, 0, 0
   local i = 0
   for line in io.lines(file) do
      local id, v = line:match("^(%S+)%s+(%d+)")
      if id then
         if i % nthreads == tid then
            tail = tail + 1
            free[tail] = id
            version[id] = tonumber(v)
         end
         i = i + 1
      end
   end
end

function delay()
   return delay_ms
end

function request()
   if head > tail then
      -- Every plan of this thread is in flight: more connections than plans.
      -- Counted as an error; the request is harmless.
      starved = starved + 1
      errors = errors + 1
      return wrk.format("GET", "/healthz")
   end
   local id = free[head]
   free[head] = nil
   head = head + 1
   n = n + 1
   local body = string.format(
      '{"version":%d,"overall_goal":"At borgeren klarer hverdagen med mindre hjælp (justeret på opfølgningsmødet, nr. %d-%d)","reason":"Overordnet mål justeret"}',
      version[id], tid, n)
   return wrk.format("PUT", "/api/v1/plans/" .. id .. "/overall-goal",
      { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
   -- The plan comes back whole: its id is the first "id", then its new version.
   local id = body:match('"id"%s*:%s*"([%x%-]+)"')
   local v = body:match('"version"%s*:%s*(%d+)')
   if status ~= 200 or id == nil or v == nil or version[id] == nil then
      errors = errors + 1
      return
   end
   version[id] = tonumber(v)
   tail = tail + 1
   free[tail] = id
   saves = saves + 1
end

function done(summary, latency, requests)
   local errs, saved, starved_total = 0, 0, 0
   for _, t in ipairs(threads) do
      errs = errs + t:get("errors")
      saved = saved + t:get("saves")
      starved_total = starved_total + t:get("starved")
   end
   local e = summary.errors
   errs = errs + e.connect + e.read + e.write + e.timeout
   -- name-less result line for bench/run: requests,rps,p50,p90,p99,max (ms),errors,saves,starved
   io.write(string.format("RESULT,%d,%.0f,%.2f,%.2f,%.2f,%.2f,%d,%d,%d\n",
      summary.requests, summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000, errs, saved, starved_total))
end
