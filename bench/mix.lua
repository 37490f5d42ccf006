-- wrk script for bench/run's scenarios that need a different request each
-- time: measurement_record, mixed, and healthz at the mixed rate (the floor
-- the mixed scenario is compared with).
--
-- Request kinds (weights in the first argument, e.g. "overview:35,timeline:35"):
--   healthz        GET /healthz
--   overview       GET /borgere/{citizen}             case worker's browser session
--   timeline       GET /borgere/{citizen}/journal     case worker's browser session
--   search_one     POST /api/v1/citizens/{citizen}/journal/search   case worker's token
--   search_all     POST /api/v1/journal/search        case worker's token
--   journal_write  POST /api/v1/citizens/{citizen}/journal   writer's token
--   measurement    POST /api/v1/citizens/{citizen}/measurements on a goal of the
--                  citizen's plan, with a value valid for the goal's scale, measured now
--   plan_save      PUT /api/v1/plans/{id}/overall-goal naming the current version
--
-- Plan saves never conflict: each wrk thread owns a disjoint slice of the plans,
-- a plan is on at most one connection at a time, and its next version is read
-- from the response (as in plan_save.lua). Every other kind is independent of
-- what runs beside it, so any non-2xx answer is a real error.
--
-- Pacing: wrk is closed-loop (one request in flight per connection). To hold a
-- fixed arrival rate, each thread keeps a schedule of send times, one every
-- threads×1000/rate ms, and delay() makes a free connection wait for the next
-- slot. While enough connections are free the offered rate is exact; when every
-- connection is busy the next sends go out late (counted as `late`, with the
-- largest lateness) and wrk measures their latency from the actual send, not
-- from the slot: that wait is not in the percentiles (coordinated omission),
-- which is why bench/run reports `late` beside them.
--
-- Arguments (after `--`):
--   mix plans_file writer_file threads rate token cookie writer_token
--   plans_file   lines "plan_id version citizen_id goal_id [measurement_json]" of
--                the case worker's citizens (reads, searches, plan saves)
--   writer_file  the same for the writer's citizens (journal entries, measurements)
--   rate         total requests/s over all threads; 0 = unpaced

local ffi = require("ffi")
ffi.cdef [[
   typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
   int clock_gettime(int clk, bench_timespec *ts);
]]
local ts = ffi.new("bench_timespec")
local function now_ms()
   ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
   return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local KINDS = { "healthz", "overview", "timeline", "search_one", "search_all",
   "journal_write", "measurement", "plan_save" }
local WORDS = { "fald", "medicin", "bad", "smerter", "svimmel", "søvn", "appetit",
   "træning", "hjemmebesøg", "sår", "ensom", "kørestol" }
local TEXTS = {
   "Borgeren fortæller, at hun er faldet i badeværelset i nat. Ingen synlige skader; aftalt at se på gulvtæppet.",
   "Medicin givet efter ordination. Borgeren klager over svimmelhed om morgenen; vi følger op i morgen.",
   "Hjemmebesøg: bad med hjælp, god stemning. Appetitten er bedre, og borgeren har gået en tur med naboen.",
   "Telefonsamtale med datteren om træning og hjælpemidler. Hun ønsker et møde om kørestol og boligændring.",
}

local threads = {}
local next_tid = 0

function setup(thread)
   thread:set("tid", next_tid)
   next_tid = next_tid + 1
   table.insert(threads, thread)
end

local function read_plans(file)
   local rows = {}
   for line in io.lines(file) do
      local plan, v, citizen, goal, body = line:match("^(%S+)%s+(%d+)%s+(%S+)%s+(%S+)%s*(%S*)")
      if plan then
         table.insert(rows, { plan = plan, version = tonumber(v), citizen = citizen, goal = goal,
            body = body ~= "" and body or nil })
      end
   end
   return rows
end

function init(args)
   local nthreads = tonumber(args[4])
   token, cookie, writer_token = args[6], args[7], args[8]
   local rate = tonumber(args[5]) or 0
   interval = rate > 0 and nthreads * 1000 / rate or 0
   next_slot = nil
   math.randomseed(1000 + tid)

   -- Weighted choice: cumulative weights over the kinds named in the mix.
   cum, total_weight = {}, 0
   for kind, w in args[1]:gmatch("([%w_]+):(%d+)") do
      local known = false
      for _, k in ipairs(KINDS) do known = known or k == kind end
      if not known then error("mix.lua: unknown request kind " .. kind) end
      total_weight = total_weight + tonumber(w)
      table.insert(cum, { kind = kind, upto = total_weight })
   end
   if total_weight == 0 then error("mix.lua: empty mix " .. args[1]) end

   readers = read_plans(args[2])
   writers = read_plans(args[3])
   measurable = {}
   for _, r in ipairs(writers) do
      if r.body then table.insert(measurable, r) end
   end
   -- This thread's plans to save, as a queue of plans not in flight.
   free, version, head, tail = {}, {}, 1, 0
   for i, r in ipairs(readers) do
      if (i - 1) % nthreads == tid then
         tail = tail + 1
         free[tail] = r.plan
         version[r.plan] = r.version
      end
   end

   sent, status_count = {}, {}
   for _, k in ipairs(KINDS) do sent[k] = 0 end
   errors, starved, late, max_late, saves, n = 0, 0, 0, 0, 0, 0
end

function delay()
   if interval == 0 then return 0 end
   local now = now_ms()
   if next_slot == nil then next_slot = now end
   next_slot = next_slot + interval
   local d = next_slot - now
   if d < 0 then
      -- Every connection was busy when this slot came: the request goes out late.
      if -d > 10 then late = late + 1 end
      if -d > max_late then max_late = -d end
      return 0
   end
   return math.floor(d)
end

local function pick(list)
   return list[math.random(#list)]
end

local function json_headers(tok)
   return { ["Authorization"] = "Bearer " .. tok, ["Content-Type"] = "application/json" }
end

local function build(kind)
   if kind == "healthz" then
      return wrk.format("GET", "/healthz")
   elseif kind == "overview" then
      return wrk.format("GET", "/borgere/" .. pick(readers).citizen, { ["Cookie"] = "tvaers_session=" .. cookie })
   elseif kind == "timeline" then
      return wrk.format("GET", "/borgere/" .. pick(readers).citizen .. "/journal",
         { ["Cookie"] = "tvaers_session=" .. cookie })
   elseif kind == "search_one" then
      return wrk.format("POST", "/api/v1/citizens/" .. pick(readers).citizen .. "/journal/search",
         json_headers(token), string.format('{"q":"%s","limit":20}', pick(WORDS)))
   elseif kind == "search_all" then
      return wrk.format("POST", "/api/v1/journal/search", json_headers(token),
         string.format('{"q":"%s","limit":20}', pick(WORDS)))
   elseif kind == "journal_write" then
      n = n + 1
      local body = string.format('{"text":"%s (benchmark %d-%d)","kind":"observation"}', pick(TEXTS), tid, n)
      return wrk.format("POST", "/api/v1/citizens/" .. pick(writers).citizen .. "/journal",
         json_headers(writer_token), body)
   elseif kind == "measurement" then
      local r = pick(measurable)
      return wrk.format("POST", "/api/v1/citizens/" .. r.citizen .. "/measurements",
         json_headers(writer_token), r.body)
   elseif kind == "plan_save" then
      if head > tail then
         -- Every plan of this thread is in flight: counted as an error; the request is harmless.
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
      return wrk.format("PUT", "/api/v1/plans/" .. id .. "/overall-goal", json_headers(token), body)
   end
end

function request()
   local r = math.random() * total_weight
   local kind = cum[#cum].kind
   for _, c in ipairs(cum) do
      if r < c.upto then
         kind = c.kind
         break
      end
   end
   if (kind == "measurement" and #measurable == 0) then error("mix.lua: no goal to measure in the writer's plans") end
   sent[kind] = sent[kind] + 1
   return build(kind)
end

function response(status, headers, body)
   status_count[status] = (status_count[status] or 0) + 1
   if status < 200 or status > 299 then
      errors = errors + 1
      return
   end
   -- A saved plan comes back whole as JSON: its id is the first "id", then its
   -- new version. (Pages are HTML; other JSON answers have no overall_goal.)
   if body:sub(1, 1) == "{" and body:find('"overall_goal"', 1, true) then
      local id = body:match('"id"%s*:%s*"([%x%-]+)"')
      local v = body:match('"version"%s*:%s*(%d+)')
      if id and v and version[id] then
         version[id] = tonumber(v)
         tail = tail + 1
         free[tail] = id
         saves = saves + 1
      end
   end
end

function done(summary, latency, requests)
   local errs, starved_total, late_total, max_late_all, saved = 0, 0, 0, 0, 0
   local kinds, statuses = {}, {}
   for _, t in ipairs(threads) do
      errs = errs + t:get("errors")
      starved_total = starved_total + t:get("starved")
      late_total = late_total + t:get("late")
      saved = saved + t:get("saves")
      max_late_all = math.max(max_late_all, t:get("max_late"))
      local s = t:get("sent")
      for _, k in ipairs(KINDS) do kinds[k] = (kinds[k] or 0) + s[k] end
      for code, c in pairs(t:get("status_count")) do statuses[code] = (statuses[code] or 0) + c end
   end
   local e = summary.errors
   errs = errs + e.connect + e.read + e.write + e.timeout
   local parts = {}
   for _, k in ipairs(KINDS) do
      if kinds[k] > 0 then table.insert(parts, k .. "=" .. kinds[k]) end
   end
   io.write("SENT " .. table.concat(parts, " ") .. "\n")
   parts = {}
   for code, c in pairs(statuses) do table.insert(parts, code .. "=" .. c) end
   table.sort(parts)
   io.write("STATUS " .. table.concat(parts, " ") .. string.format(
      " | socket errors: connect=%d read=%d write=%d timeout=%d | starved plan saves=%d | plans saved=%d\n",
      e.connect, e.read, e.write, e.timeout, starved_total, saved))
   io.write(string.format("LATE %d sends more than 10 ms behind schedule; the latest %.1f ms behind\n",
      late_total, max_late_all))
   -- name-less result line for bench/run: requests,rps,p50,p90,p99,max (ms),errors,late
   io.write(string.format("RESULT,%d,%.0f,%.2f,%.2f,%.2f,%.2f,%d,%d\n",
      summary.requests, summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000, errs, late_total))
end
