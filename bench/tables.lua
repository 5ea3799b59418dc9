-- wrk script for bench/tables.py: each request acts as a random user of the pool.
--   wrk ... -s bench/tables.lua URL -- SERVER OP CREDENTIALS
--   SERVER: pb (PocketBase) | ox (Oxwrite); OP: list | get | create | floor
--   CREDENTIALS: file with one user per line, "uid<TAB>token-or-session-secret<TAB>rowid,rowid,…"
-- Oxwrite's list sends limit 25 explicitly (also its default) and leaves `total` on (the default);
-- PocketBase's list asks perPage=25 and counts by default, so both compute the total.

local server, op
local users = {}
local counter = 0

local LIMIT_25 = "%7B%22method%22%3A%22limit%22%2C%22values%22%3A%5B25%5D%7D" -- {"method":"limit","values":[25]}
local OX_ROWS = "/v1/tablesdb/bench/tables/items/rows"
local PB_RECORDS = "/api/collections/items/records"

function init(args)
  server, op = args[1], args[2]
  for line in io.lines(args[3]) do
    local uid, secret, rows = line:match("^([^\t]+)\t([^\t]+)\t(.*)$")
    if uid then
      local ids = {}
      for id in rows:gmatch("[^,]+") do ids[#ids + 1] = id end
      users[#users + 1] = { uid = uid, secret = secret, rows = ids }
    end
  end
  assert(#users > 0, "no credentials in " .. tostring(args[3]))
  assert(server == "pb" or server == "ox", "server must be pb or ox")
  assert(op == "list" or op == "get" or op == "create" or op == "floor", "op must be list, get, create or floor")
  math.randomseed(os.time())
end

local function headers_for(u, json)
  local h
  if server == "pb" then
    h = { ["Authorization"] = u.secret }
  else
    h = { ["X-Appwrite-Project"] = "bench", ["X-Appwrite-Session"] = u.secret }
  end
  if json then h["Content-Type"] = "application/json" end
  return h
end

function request()
  local u = users[math.random(#users)]
  if op == "floor" then
    -- The cheapest request each server answers: Oxwrite's as a signed-in user (GET /v1/account:
    -- session -> user -> the user model), PocketBase's health check (no auth at all).
    if server == "pb" then
      return wrk.format("GET", "/api/health", {})
    end
    return wrk.format("GET", "/v1/account", headers_for(u, false))
  elseif op == "list" then
    if server == "pb" then
      return wrk.format("GET", PB_RECORDS .. "?perPage=25", headers_for(u, false))
    end
    return wrk.format("GET", OX_ROWS .. "?queries%5B0%5D=" .. LIMIT_25, headers_for(u, false))
  elseif op == "get" then
    local id = u.rows[math.random(#u.rows)]
    if server == "pb" then
      return wrk.format("GET", PB_RECORDS .. "/" .. id, headers_for(u, false))
    end
    return wrk.format("GET", OX_ROWS .. "/" .. id, headers_for(u, false))
  else
    counter = counter + 1
    if server == "pb" then
      local body = '{"owner":"' .. u.uid .. '","title":"bench row","n":' .. counter .. '}'
      return wrk.format("POST", PB_RECORDS, headers_for(u, true), body)
    end
    local body = '{"rowId":"unique()","data":{"owner":"' .. u.uid .. '","title":"bench row","n":' .. counter .. '}}'
    return wrk.format("POST", OX_ROWS, headers_for(u, true), body)
  end
end
