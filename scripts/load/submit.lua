-- wrk script: JSON submissions to one deputy's code; counts 201s so the run can check that
-- every acknowledged submission is in the database afterwards.
local token = os.getenv("QR_TOKEN")
local category = os.getenv("CATEGORY_ID") or "3"
local counter = 0
local threads = {}

function setup(thread)
  thread:set("created", 0)
  table.insert(threads, thread)
end

request = function()
  counter = counter + 1
  local body = string.format(
    '{"qr_token":"%s","category_id":%s,"content":"压力测试第%d件：小区门口的路灯坏了，晚上很黑。","contact_phone":"13812345678","consent":true}',
    token, category, counter)
  return wrk.format("POST", "/api/v1/public/submissions", {["Content-Type"] = "application/json"}, body)
end

response = function(status, headers, body)
  if status == 201 then created = created + 1 end
end

done = function(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("created") end
  io.write(string.format("created=%d\n", total))
end
