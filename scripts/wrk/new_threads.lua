-- wrk: POST a new 20-message thread on every request (all messages new, a job queued).
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local name = string.format("new-%d-%d", thread_id, counter)
  local messages = {}
  for i = 1, 20 do
    messages[#messages + 1] = string.format(
      '{"message_id":"%s-%d","sender_name":"%s","date":"2026-11-25","time":"10:%02d",' ..
      '"message_content":"Message number %d of a brand new thread."}',
      name, i, (i % 2 == 0) and "bench" or "Other Person", i, i)
  end
  local body = '{"user_id":"bench","thread_name":"' .. name .. '","messages":[' ..
    table.concat(messages, ",") .. ']}'
  return wrk.format("POST", "/send-messages/", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. os.getenv("TOKEN"),
  }, body)
end

function response(status, headers, body)
  if status ~= 202 then
    io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
  end
end
