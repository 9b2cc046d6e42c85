-- wrk script of the benchmarks (bench-keepalive.sh, bench-floor.sh): one
-- token per wrk thread, from TOKENS=a,b,c,d — 4 threads × 2 connections =
-- 4 tokens × 2 in flight, the contract's limit.
--
-- With CODIFY set, each request is a codify (PUT, the path given to wrk) of
-- one of CODIFY_CUSTOMERS customers numbered from CODIFY_BASE, each thread
-- going round them from its own place.
local tokens = {}
for t in string.gmatch(os.getenv("TOKENS"), "[^,]+") do table.insert(tokens, t) end
local n = 0
function setup(thread)
  n = n + 1
  thread:set("token", tokens[(n - 1) % #tokens + 1])
  thread:set("nth", n)
end
function init(args)
  wrk.headers["wolkvox-token"] = token
  i = 0
end
if os.getenv("CODIFY") then
  local count = tonumber(os.getenv("CODIFY_CUSTOMERS"))
  local base = tonumber(os.getenv("CODIFY_BASE"))
  wrk.method = "PUT"
  wrk.headers["Content-Type"] = "application/json"
  function request()
    local c = base + (nth * 997 + i) % count
    i = i + 1
    return wrk.format(nil, nil, nil,
      '{"customer_id":"' .. string.format("%d", c) .. '","cod_act":"001","cod_act_2":"","comment":"bench"}')
  end
end
