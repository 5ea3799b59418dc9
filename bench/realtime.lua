-- wrk script for bench/realtime.py: creates rows (readable by anyone) as fast as the connections
-- allow, or paced by a per-connection delay.
--   wrk ... -s bench/realtime.lua URL -- SERVER SECRET [DELAY_MS]
--   SERVER: ox (Oxwrite; SECRET is an API key) | pb (PocketBase; SECRET is a superuser token)
--   DELAY_MS: pause before each request of a connection (0: none)

local server, secret, pause
local counter = 0

function init(args)
  server, secret, pause = args[1], args[2], tonumber(args[3] or "0")
  assert(server == "pb" or server == "ox", "server must be pb or ox")
  assert(secret, "missing SECRET")
end

function delay()
  return pause
end

function request()
  counter = counter + 1
  if server == "pb" then
    return wrk.format("POST", "/api/collections/items/records",
      { ["Authorization"] = secret, ["Content-Type"] = "application/json" },
      '{"title":"rate ' .. counter .. '"}')
  end
  return wrk.format("POST", "/v1/tablesdb/db/tables/t/rows",
    { ["X-Appwrite-Project"] = "bench", ["X-Appwrite-Key"] = secret, ["Content-Type"] = "application/json" },
    '{"rowId":"unique()","data":{"title":"rate ' .. counter .. '"},"permissions":["read(\\"any\\")"]}')
end
