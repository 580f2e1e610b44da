-- wrk: POST the same 20-message thread again and again (every message already stored).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")

local messages = {}
for i = 1, 20 do
  messages[#messages + 1] = string.format(
    '{"message_id":"resend-%d","sender_name":"%s","date":"2026-11-25","time":"10:%02d",' ..
    '"message_content":"Message number %d of a thread that is resent unchanged."}',
    i, (i % 2 == 0) and "bench" or "Other Person", i, i)
end
wrk.body = '{"user_id":"bench","thread_name":"resend","messages":[' ..
  table.concat(messages, ",") .. ']}'
