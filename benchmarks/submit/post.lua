-- wrk script: every request posts a filled survey with its own pre-signed ticket (idempotency
-- key), so no request is an idempotent repeat. Arguments: tickets file, thread count, body file.
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function init(args)
  local threads = tonumber(args[2])
  tickets = {}
  local n = 0
  for line in io.lines(args[1]) do
    if n % threads == id then tickets[#tickets + 1] = line end
    n = n + 1
  end
  local file = io.open(args[3])
  body = file:read("*a")
  file:close()
  sent = 0
end

function request()
  sent = sent + 1
  local ticket = tickets[(sent - 1) % #tickets + 1]
  return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded"},
    body .. "&ticket=" .. ticket)
end
