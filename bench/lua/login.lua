-- POST /auth/access-token (password grant), cycling through the users listed in
-- the file args[1], each with the password args[2].
dofile("done.lua")
local requests, index = {}, 0
local headers = {["Content-Type"] = "application/x-www-form-urlencoded"}

local function form_encode(value)
  return (value:gsub("[^%w%-%._~]", function(char) return string.format("%%%02X", char:byte()) end))
end

function init(args)
  for email in io.lines(args[1]) do
    local body = "grant_type=password&username=" .. form_encode(email)
      .. "&password=" .. form_encode(args[2])
    requests[#requests + 1] = wrk.format("POST", "/auth/access-token", headers, body)
  end
end

function request()
  index = index % #requests + 1
  return requests[index]
end
