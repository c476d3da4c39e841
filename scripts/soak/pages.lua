-- wrk script: a signed-in person's page loads, round-robin over the dashboard's pages. The session cookie comes
-- from scripts/soak.sh (SOAK_COOKIE).
local paths = { "/", "/environments/dev", "/environments/production", "/deployments", "/review-envs", "/audit" }
local cookie = os.getenv("SOAK_COOKIE")
local n = 0

request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1], { ["Cookie"] = cookie })
end
