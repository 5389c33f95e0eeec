-- POST /auth/register with a new email each time: args[1] a prefix unique to
-- the run, args[2] the password.
dofile("done.lua")
local prefix, password, count = "", "", 0
local headers = {["Content-Type"] = "application/json"}

function init(args)
  prefix, password = args[1], args[2]
end

function request()
  count = count + 1
  local body = string.format('{"email": "%s-%d@example.com", "password": "%s"}', prefix, count, password)
  return wrk.format("POST", "/auth/register", headers, body)
end
