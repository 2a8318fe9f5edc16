-- wrk script: the mixed traffic of a station's day, in fixed proportions per ten requests:
--   3 × GET  /d/{qr}                      the resident's form
--   1 × POST /d/{qr}                      the form with a photo (multipart; 303 to /t/{code})
--   1 × POST /api/v1/public/submissions   a JSON submission (201)
--   2 × GET  /t/{code}                    tracking pages of codes this thread was given
--   2 × GET  /api/v1/cases?...            the manager's queue, two filters
--   1 × POST /api/v1/cases/{id}/actions   accept a seeded case (200, or 409 once acted on)
-- Each thread writes the tracking codes it was acknowledged to $LOAD_DIR/codes-<n>.txt and
-- counts responses by class; `done` prints the totals for the run script to check.
local qr = os.getenv("QR_TOKEN")
local category = os.getenv("CATEGORY_ID")
local manager = os.getenv("MANAGER_TOKEN")
local dir = os.getenv("LOAD_DIR")
local max_case = tonumber(os.getenv("MAX_CASE_ID") or "1000")
local threads = {}
local next_id = 1

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local counter, codes, out, photo = 0, {}, nil, nil
local boundary = "----liaisonload7MA4YWxkTrZu0gW"

function init(args)
  out = io.open(string.format("%s/codes-%d.txt", dir, id), "w")
  out:setvbuf("line")
  local file = io.open(dir .. "/photo.png", "rb")
  photo = file:read("*a")
  file:close()
  s2xx, s3xx, s4xx, s5xx, other, acknowledged = 0, 0, 0, 0, 0, 0
  table.insert(codes, os.getenv("SEED_CODE"))
  math.randomseed(id * 7919)
end

local function part(name, value)
  return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name .. "\"\r\n\r\n" .. value .. "\r\n"
end

local function form_body()
  local key = string.format("load-%d-%d", id, counter)
  return part("form_key", key) .. part("category_id", category)
    .. part("content", string.format("压力测试%d-%d：楼下路灯坏了一个多月，晚上出门看不清路，请尽快修一下。", id, counter))
    .. part("location", "幸福小区东门") .. part("contact_phone", "13812345678") .. part("consent", "1")
    .. "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"p.png\"\r\n"
    .. "Content-Type: image/png\r\n\r\n" .. photo .. "\r\n--" .. boundary .. "--\r\n"
end

request = function()
  counter = counter + 1
  local slot = counter % 10
  if slot <= 2 then
    return wrk.format("GET", "/d/" .. qr)
  elseif slot == 3 then
    return wrk.format("POST", "/d/" .. qr, {["Content-Type"] = "multipart/form-data; boundary=" .. boundary}, form_body())
  elseif slot == 4 then
    local body = string.format(
      '{"qr_token":"%s","category_id":%s,"content":"压力测试%d-%d：小区门口的垃圾站很久没人清运了。","contact_phone":"13812345678","consent":true}',
      qr, category, id, counter)
    return wrk.format("POST", "/api/v1/public/submissions", {["Content-Type"] = "application/json"}, body)
  elseif slot <= 6 then
    return wrk.format("GET", "/t/" .. codes[math.random(#codes)])
  elseif slot == 7 then
    return wrk.format("GET", "/api/v1/cases?per_page=20", {["Authorization"] = "Bearer " .. manager})
  elseif slot == 8 then
    return wrk.format("GET", "/api/v1/cases?status=submitted&per_page=20", {["Authorization"] = "Bearer " .. manager})
  else
    local case_id = math.random(max_case)
    return wrk.format("POST", "/api/v1/cases/" .. case_id .. "/actions",
      {["Authorization"] = "Bearer " .. manager, ["Content-Type"] = "application/json"}, '{"action":"accept"}')
  end
end

local function remember(code, kind)
  if code and #code > 0 then
    out:write(code .. " " .. kind .. "\n")
    acknowledged = acknowledged + 1
    if #codes < 500 then table.insert(codes, code) end
  end
end

-- A 303 to /t/{code} answers a form, a 201 a JSON submission: the code comes from the
-- response itself (several connections share a thread's state).
response = function(status, headers, body)
  if status >= 500 then s5xx = s5xx + 1
  elseif status >= 400 then s4xx = s4xx + 1
  elseif status >= 300 then s3xx = s3xx + 1
  elseif status >= 200 then s2xx = s2xx + 1
  else other = other + 1 end
  local location = headers["Location"] or headers["location"]
  if status == 303 and location then
    remember(string.match(location, "^/t/([%w]+)"), "form")
  elseif status == 201 then
    remember(string.match(body, '"tracking_code":"([%w]+)"'), "json")
  end
end

done = function(summary, latency, requests)
  local t = {s2xx = 0, s3xx = 0, s4xx = 0, s5xx = 0, other = 0, acknowledged = 0}
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + thread:get(k) end
  end
  io.write(string.format("responses 2xx=%d 3xx=%d 4xx=%d 5xx=%d other=%d errors=%d timeouts=%d\n",
    t.s2xx, t.s3xx, t.s4xx, t.s5xx, t.other,
    summary.errors.connect + summary.errors.read + summary.errors.write,
    summary.errors.timeout))
  io.write(string.format("acknowledged=%d\n", t.acknowledged))
  for _, p in ipairs({50, 90, 99, 99.9}) do
    io.write(string.format("p%s=%.1fms\n", p, latency:percentile(p) / 1000))
  end
end
