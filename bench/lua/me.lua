-- GET /users/me, cycling through the access tokens listed in the file args[1].
dofile("done.lua")
local requests, index = {}, 0

function init(args)
  for token in io.lines(args[1]) do
    requests[#requests + 1] = wrk.format("GET", "/users/me", {["Authorization"] = "Bearer " .. token})
  end
end

function request()
  index = index % #requests + 1
  return requests[index]
end
