-- wrk script for eng/load.sh (Bot.Load turns): expectReplies turns from many concurrent customer conversations.
-- Each wrk thread rotates through its own pool of conversations; a conversation's first turn is the Emulator's
-- conversationUpdate (the bot welcomes the customer), later turns are customer questions. The pool is much larger
-- than the number of connections, so one conversation never has two turns in flight (as with a real customer).

local pool = tonumber(os.getenv("LOAD_CONVERSATIONS_PER_THREAD") or "2048")
local run = os.getenv("LOAD_RUN_ID") or tostring(os.time())

local questions = {
  "Hi, where is my order? I ordered a jacket last week",
  "how do I return a jacket that does not fit",
  "when will I get my refund",
  "can I pay with PayPal",
  "I forgot my password and cannot log in",
  "how long does delivery take",
  "can I change the delivery address of my order",
  "do you ship internationally",
  "my parcel arrived damaged, what should I do",
  "how do I cancel my order",
  "is there a fee for returns",
  "can I use two discount codes on one order",
}

local threads = {}
local next_thread = 0
local targets = nil

-- LOAD_TARGETS="127.0.0.1:5001 127.0.0.1:5002 ...": several bot instances (Bot.Load turns --instances N); thread k
-- connects to target k mod N, so each conversation (it belongs to one thread) keeps to one instance. Unset: the URL's.
local function resolve_targets()
  local list = {}
  for host, port in string.gmatch(os.getenv("LOAD_TARGETS") or "", "([^%s:]+):(%d+)") do
    table.insert(list, wrk.lookup(host, port)[1])
  end
  return list
end

function setup(thread)
  next_thread = next_thread + 1
  thread:set("tid", next_thread)
  table.insert(threads, thread)
  targets = targets or resolve_targets()
  if #targets > 0 then
    thread.addr = targets[((next_thread - 1) % #targets) + 1]
  end
end

function init(args)
  counter = 0
  bad = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local n = counter
  counter = counter + 1
  local conversation = string.format("load-%s-%d-%d", run, tid, n % pool)
  local id = string.format("a-%d-%d", tid, n)
  local body
  if n < pool then
    body = string.format(
      '{"type":"conversationUpdate","id":"%s","channelId":"emulator","deliveryMode":"expectReplies",' ..
      '"timestamp":"2026-11-24T09:00:00.000Z","locale":"en-US","conversation":{"id":"%s"},' ..
      '"from":{"id":"user-%d-%d","name":"Customer","role":"user"},"recipient":{"id":"bot","name":"Bot","role":"bot"},' ..
      '"membersAdded":[{"id":"bot","name":"Bot"},{"id":"user-%d-%d","name":"Customer"}]}',
      id, conversation, tid, n % pool, tid, n % pool)
  else
    body = string.format(
      '{"type":"message","id":"%s","channelId":"emulator","deliveryMode":"expectReplies","textFormat":"plain",' ..
      '"timestamp":"2026-11-24T09:00:00.000Z","localTimestamp":"2026-11-24T10:00:00+01:00","locale":"en-US",' ..
      '"conversation":{"id":"%s"},"from":{"id":"user-%d-%d","name":"Customer","role":"user"},' ..
      '"recipient":{"id":"bot","name":"Bot","role":"bot"},' ..
      '"entities":[{"type":"ClientCapabilities","requiresBotState":true,"supportsListening":true,"supportsTts":true}],' ..
      '"channelData":{"clientActivityID":"%s"},"text":"%s"}',
      id, conversation, tid, n % pool, id, questions[(n % #questions) + 1])
  end
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"activities":[{', 1, true) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("bad")
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT turns=%d seconds=%.2f turns_per_s=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f failed=%d socket_errors=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    failed, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
