-- wrk script for bench/functions.py: synchronous createExecution with an API key.
--   wrk ... -s bench/functions.lua URL -- FUNCTION_ID PROJECT KEY
-- Every request: POST /v1/functions/FUNCTION_ID/executions {"body":"","async":false,"path":"/","method":"POST"}.
-- An answer counts as completed only if it is 201 with "status":"completed" and
-- "responseStatusCode":200 in its body; everything else is a failure (the first three are printed
-- to stderr). done() prints "completed N failed M" (all threads) for the script to parse.

local req
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local headers = {
    ["Content-Type"] = "application/json",
    ["X-Appwrite-Project"] = args[2],
    ["X-Appwrite-Key"] = args[3],
  }
  req = wrk.format("POST", "/v1/functions/" .. args[1] .. "/executions", headers,
    '{"body":"","async":false,"path":"/","method":"POST"}')
  completed = 0
  failed = 0
end

function request()
  return req
end

function response(status, headers, body)
  if status == 201 and body:find('"status":"completed"', 1, true)
      and body:find('"responseStatusCode":200', 1, true) then
    completed = completed + 1
  else
    failed = failed + 1
    if failed <= 3 then
      io.stderr:write("failed execution: " .. status .. " " .. string.sub(body or "", 1, 300) .. "\n")
    end
  end
end

function done(summary, latency, requests)
  local c, f = 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("completed")
    f = f + t:get("failed")
  end
  io.write(string.format("completed %d failed %d\n", c, f))
end
