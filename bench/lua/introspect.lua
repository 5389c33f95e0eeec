-- POST /auth/introspect of an access token, as an introspection client: the file
-- args[1] holds the client's Authorization header, then one access token a line.
dofile("done.lua")
local requests, index = {}, 0

function init(args)
  local authorization
  for line in io.lines(args[1]) do
    if not authorization then
      authorization = line
    else
      local headers = {
        ["Authorization"] = authorization,
        ["Content-Type"] = "application/x-www-form-urlencoded",
      }
      requests[#requests + 1] = wrk.format("POST", "/auth/introspect", headers, "token=" .. line)
    end
  end
end

function request()
  index = index % #requests + 1
  return requests[index]
end
