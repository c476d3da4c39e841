-- Every request asks for its own address (`fresh=N` added to the query), so none is answered from tengu's page
-- cache: what a render costs, from the read models or the database.
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  sent = 0
end

request = function()
  sent = sent + 1
  local sep = string.find(wrk.path, "?", 1, true) and "&" or "?"
  return wrk.format(nil, wrk.path .. sep .. "fresh=" .. id .. "-" .. sent)
end
