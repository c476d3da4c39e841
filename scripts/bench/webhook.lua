-- wrk script: signed `pull_request.edited` deliveries for a PR that is not a deploy PR (most of a real
-- repository's webhook traffic), each with its own X-GitHub-Delivery so every one is stored, not deduplicated.
-- The body and its signature are prepared by scripts/bench.sh (files named by WEBHOOK_BODY / WEBHOOK_SIGNATURE).
local body_file = assert(io.open(os.getenv("WEBHOOK_BODY"), "rb"))
local body = body_file:read("*a")
body_file:close()
local signature = os.getenv("WEBHOOK_SIGNATURE")
local counter = 0
local thread_id = tostring(math.random(1, 1000000000))

request = function()
  counter = counter + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["X-GitHub-Event"] = "pull_request",
    ["X-GitHub-Delivery"] = "bench-" .. thread_id .. "-" .. counter,
    ["X-Hub-Signature-256"] = signature,
  }
  return wrk.format("POST", "/webhooks/github", headers, body)
end
