-- POST /auth/refresh-token, chaining tokens: every response's new refresh token
-- is queued and spent by a later request, so each token is used exactly once.
-- The file args[1] seeds the queue with one token per connection (and spares).
dofile("done.lua")
local queue, head, tail = {}, 1, 0
local headers = {["Content-Type"] = "application/json"}

function init(args)
  for token in io.lines(args[1]) do
    tail = tail + 1
    queue[tail] = token
  end
end

function request()
  local token = queue[head] or "queue-ran-dry"  -- answered 400, counted as an error
  queue[head] = nil
  head = head + 1
  return wrk.format("POST", "/auth/refresh-token", headers, '{"refresh_token": "' .. token .. '"}')
end

function response(status, _, body)
  local token = status == 200 and body:match('"refresh_token":%s*"([^"]+)"')
  if token then
    tail = tail + 1
    queue[tail] = token
  end
end
