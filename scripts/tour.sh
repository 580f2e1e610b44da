#!/usr/bin/env bash
# Retakes the screenshots of documentation/tour.md: starts a release build of draftdesk
# on a fresh database in a temporary folder (no model key, so the offline drafter writes
# the drafts), fills it through the pages and the JSON API as a user would, and
# photographs every page in headless Chromium at desktop size (1280x900) and phone size
# (390x844). It also prints, for every page, whether it scrolls sideways on a phone.
# For "Based on", a scripted OpenAI-compatible model on loopback (a few lines of Python)
# drafts one thread after searching, as a real model would.
# Needs chromium, chromedriver, curl, jq and python3. Talks only to 127.0.0.1; stops
# what it started.
#
#   scripts/tour.sh [OUT_DIR]        # default documentation/tour
#
# PORT (default 3099), DRIVER_PORT (default 3098) and MODEL_PORT (default 3097) choose
# the ports; BIN a binary to use instead of building target/release/draftdesk; KEEP=DIR
# copies the database there at the end, to look around afterwards
# (DATABASE_URL=sqlite://DIR/tour.db draftdesk serve).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
out=$(realpath -m "${1:-documentation/tour}")
port=${PORT:-3099}
driver_port=${DRIVER_PORT:-3098}
model_port=${MODEL_PORT:-3097}
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN=$repo/target/release/draftdesk
fi
bin=$(realpath "$BIN")
for tool in chromium chromedriver curl jq python3; do
  command -v "$tool" >/dev/null || { echo "tour.sh needs $tool" >&2; exit 1; }
done

work=$(mktemp -d)
base="http://127.0.0.1:$port"
password="tour-password-1"
today=$(date +%F)
yesterday=$(date -d yesterday +%F)
server=""
driver=""
model=""
session=""
cleanup() {
  if [ -n "$session" ]; then curl -s -X DELETE "http://127.0.0.1:$driver_port/session/$session" >/dev/null || true; fi
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  if [ -n "$driver" ]; then kill "$driver" 2>/dev/null || true; fi
  if [ -n "$model" ]; then kill "$model" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  if [ -n "${KEEP:-}" ] && [ -f "$work/tour.db" ]; then
    mkdir -p "$KEEP" && cp "$work"/tour.db* "$KEEP"/ && echo "database kept in $KEEP/tour.db (password: $password)"
  fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$out"

# ---- the server ---------------------------------------------------------------
# Run from the empty folder, so that no .env of this checkout is read; extra arguments
# are environment assignments (a model server, JOB_CONCURRENCY).
start_server() {
  if curl -s "$base/healthz" >/dev/null; then
    echo "tour.sh: something already answers on port $port; set PORT" >&2
    exit 1
  fi
  (cd "$work" && exec env -u OPENROUTER_API_KEY -u LLM_API_KEY -u LLM_BASE_URL -u LLM_MODEL \
    DATABASE_URL="sqlite://$work/tour.db" BIND_ADDR="127.0.0.1:$port" RUST_LOG=info "$@" \
    "$bin" serve >>"$work/server.log" 2>&1) &
  server=$!
  for _ in $(seq 100); do
    curl -sf "$base/healthz" >/dev/null && return 0
    sleep 0.1
  done
  echo "draftdesk did not start; its log:" >&2
  cat "$work/server.log" >&2
  exit 1
}
stop_server() {
  kill "$server"
  wait "$server" 2>/dev/null || true
  server=""
}

# ---- the browser (W3C WebDriver over HTTP) -----------------------------------
if curl -s "http://127.0.0.1:$driver_port/status" >/dev/null; then
  echo "tour.sh: something already answers on port $driver_port; set DRIVER_PORT" >&2
  exit 1
fi
TZ=Europe/Berlin chromedriver --port="$driver_port" >"$work/driver.log" 2>&1 &
driver=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$driver_port/status" >/dev/null && break
  sleep 0.1
done
session=$(jq -nc --arg profile "$work/profile" --arg chromium "$(command -v chromium)" '{capabilities: {alwaysMatch: {
    browserName: "chrome",
    "goog:chromeOptions": {binary: $chromium, args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--no-first-run", "--hide-scrollbars", "--window-size=1280,900", "--lang=en-GB",
      ("--user-data-dir=" + $profile)]}}}}' |
  curl -sf -X POST "http://127.0.0.1:$driver_port/session" -H 'Content-Type: application/json' -d @- |
  jq -r '.value.sessionId')

# wd METHOD PATH [JSON]: one WebDriver command; prints its value.
wd() {
  curl -sf -X "$1" "http://127.0.0.1:$driver_port/session/$session$2" \
    -H 'Content-Type: application/json' -d "${3:-"{}"}" | jq -c '.value'
}
# js SCRIPT [ARG...]: runs SCRIPT in the page with the arguments as strings; prints the
# value it returns (strings raw).
js() {
  local script=$1
  shift
  jq -nc --arg s "$script" '{script: $s, args: $ARGS.positional}' --args "$@" |
    curl -sf -X POST "http://127.0.0.1:$driver_port/session/$session/execute/sync" \
      -H 'Content-Type: application/json' -d @- | jq -r '.value // empty'
}
cdp() { wd POST /goog/cdp/execute "$(jq -nc --arg c "$1" --argjson p "$2" '{cmd: $c, params: $p}')"; }
goto() {
  wd POST /url "$(jq -nc --arg u "$base$1" '{url: $u}')" >/dev/null
  settle
}
# Waits until the page has loaded and its scripts have run.
settle() {
  for _ in $(seq 100); do
    [ "$(js 'return document.readyState')" = complete ] && break
    sleep 0.1
  done
  sleep 0.3
}
wait_for_text() {
  for _ in $(seq 150); do
    [ "$(js 'return [document.body.innerText, ...[...document.querySelectorAll("textarea")].map((t) => t.value)].join("\n").includes(arguments[0])' "$1")" = true ] && return 0
    sleep 0.2
  done
  echo "tour.sh: the page never showed \"$1\"; it shows:" >&2
  js 'return document.body.innerText' >&2
  exit 1
}
fill() { js 'const f = document.querySelector(arguments[0]); f.value = arguments[1]; f.dispatchEvent(new Event("input", {bubbles: true}));' "$1" "$2" >/dev/null; }
# click SELECTOR: clicks like a user, then waits for the page it leads to.
click() {
  js 'window.__tour = 1; document.querySelector(arguments[0]).click();' "$1" >/dev/null
  for _ in $(seq 100); do
    [ "$(js 'return window.__tour === undefined && document.readyState === "complete"')" = true ] && break
    sleep 0.1
  done
  settle
}

desktop() {
  cdp Emulation.setDeviceMetricsOverride '{"width":1280,"height":900,"deviceScaleFactor":1,"mobile":false}' >/dev/null
  cdp Emulation.setTouchEmulationEnabled '{"enabled":false}' >/dev/null
  sleep 0.3
}
phone() {
  cdp Emulation.setDeviceMetricsOverride '{"width":390,"height":844,"deviceScaleFactor":2,"mobile":true}' >/dev/null
  cdp Emulation.setTouchEmulationEnabled '{"enabled":true,"maxTouchPoints":5}' >/dev/null
  sleep 0.3
}
# shot NAME [SELECTOR [HEIGHT [ABOVE]]]: the viewport, scrolled so that SELECTOR is ABOVE
# CSS pixels (default 8) below its top (the page's top without one), HEIGHT CSS pixels
# tall (default: the viewport's).
shot() {
  local name=$1 selector=${2:-} height=${3:-0} above=${4:-8}
  js 'const [sel, above] = arguments; const el = sel && document.querySelector(sel);
      if (el) { el.scrollIntoView({block: "start"}); window.scrollBy(0, -Number(above)); } else { window.scrollTo(0, 0); }' "$selector" "$above" >/dev/null
  sleep 0.3
  local clip
  clip=$(js 'const h = Number(arguments[0]) || window.innerHeight;
             return JSON.stringify({x: 0, y: window.scrollY, width: window.innerWidth, height: Math.min(h, document.documentElement.scrollHeight - window.scrollY), scale: 1});' "$height")
  cdp Page.captureScreenshot "{\"format\":\"png\",\"captureBeyondViewport\":true,\"clip\":$clip}" |
    jq -r '.data' | base64 -d >"$out/$name.png"
  echo "  $name.png ($(($(stat -c %s "$out/$name.png") / 1024)) KB)"
}
# measure LABEL: at phone width, does the page scroll sideways? (Emulating a phone, the
# window widens to the page when the page is wider than the screen.)
widths=""
sideways=0
measure() {
  local width
  width=$(js 'return String(document.documentElement.scrollWidth)')
  if [ "$width" -le 390 ]; then
    widths+="$(printf '  %-36s scrollWidth %4s <= 390' "$1" "$width")"$'\n'
  else
    widths+="$(printf '  %-36s scrollWidth %4s >  390: scrolls sideways' "$1" "$width")"$'\n'
    sideways=1
  fi
}

# ---- the JSON API ---------------------------------------------------------------
token=""
api() { # PATH JSON: prints the answer
  curl -sf -X POST "$base$1" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$2"
}
# send THREAD then SENDER|TIME|TEXT lines on stdin ("me" for Anna); yesterday's date
# unless a line's time is prefixed "today ".
send() {
  local thread=$1 messages
  messages=$(jq -Rnc --arg today "$today" --arg yesterday "$yesterday" '[inputs | split("|") |
    {sender_name: (if .[0] == "me" then "Anna Schmidt" else .[0] end),
     date: (if (.[1] | startswith("today ")) then $today else $yesterday end),
     time: (.[1] | sub("^today "; "")), message_content: (.[2:] | join("|") | gsub("\\\\n"; "\n"))}]')
  api /send-messages/ "$(jq -nc --arg t "$thread" --argjson m "$messages" '{user_id: "anna", thread_name: $t, messages: $m}')"
}

# open_runs: opens every agent run on a thread page, and each step's JSON.
open_runs() { js 'document.querySelectorAll("#runs details").forEach((d) => { d.open = true; });' >/dev/null; sleep 0.3; }

echo "== draftdesk with no model key (the offline drafter)"
start_server
setup_link=$(grep -o "http://[^ ]*/setup?token=[A-Za-z0-9_-]*" "$work/server.log" | head -n1)
[ -n "$setup_link" ] || { echo "tour.sh: no setup link in the server's log" >&2; exit 1; }
setup_path=${setup_link#"http://127.0.0.1:$port"}

echo "== first-run setup"
phone
goto /login
measure "sign-in, before any account"
goto "$setup_path"
measure "setup"
shot setup-phone
desktop
goto "$setup_path"
shot setup
fill '#name' anna
fill '#display_name' 'Anna Schmidt'
fill '#password' "$password"
fill '#password_again' "$password"
click "form[action='/setup'] button[type=submit]"
wait_for_text "Welcome, Anna Schmidt"
phone
measure "dashboard, empty"
desktop

echo "== a token for the API, made on Settings"
goto /settings
fill '#label' 'browser plugin'
click "form[action='/settings/tokens'] button"
token=$(js 'return document.querySelector(".token-secret").textContent.trim()')

echo "== a LinkedIn conversation, pasted and previewed"
goto /threads/new
phone
measure "new thread"
desktop
fill '#conversation' "$(cat tests/fixtures/paste/linkedin-page.txt)"
click "form#new-thread button[value=preview]"
wait_for_text "How it was read"
shot new-thread '#main' 1560
phone
measure "new thread, with a preview"
shot new-thread-phone '#preview' 1250
desktop
click "#preview button[value=submit]"
wait_for_text "Drafts waiting for review"

echo "== a chat pasted as Name: text lines"
goto /threads/new
fill '#thread_name' 'Priya Raman'
fill '#conversation' "Priya Raman: Hi Anna! We're putting together the speaker line-up for RustFest Zürich in March.
Anna Schmidt: Hi Priya, nice to hear from you. What did you have in mind?
Priya Raman: A 30-minute talk on moving a billing service to Rust, like the one you gave in Berlin. Travel and hotel are covered. Could you send a title and a short abstract by Friday?"
click "button[value=submit]"
wait_for_text "Drafts waiting for review"

echo "== threads sent to the API as JSON"
send "Marta Kowalski" >/dev/null <<EOF
Marta Kowalski|14:05|Hi Anna, the contract for the Q1 workshop is ready. I put everything in one folder: https://drive.example.com/drive/folders/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-workshop-q1-contract-final?usp=sharing
me|14:20|Thanks Marta, I'll have a look tonight.
Marta Kowalski|today 09:12|Morning! Did you get a chance to read it? Legal wants the signed copy by Thursday, and we still need to agree on the cancellation clause (section 7.2, "Stornierungsbedingungen").
EOF
send "Jonas Becker" >/dev/null <<EOF
Jonas Becker|16:40|Could you forward me the slides from Tuesday?
me|17:02|Sure, here they are: https://slides.example.com/rust-billing-berlin
Jonas Becker|17:05|Thanks!
EOF
send "נועה לוי" >/dev/null <<EOF
נועה לוי|today 08:47|שלום אנה, תודה רבה על ההרצאה אתמול! אפשר לקבל את השקפים? ואם יש לך זמן בשבוע הבא, אשמח לשבת על קפה ולדבר על Rust בצוות שלנו.
EOF
goto /
wait_for_text "Hi Marta"
wait_for_text "No reply needed"

echo "== feedback \"shorter\" on Marta's draft"
card=$(js 'return [...document.querySelectorAll("article.draft")].find((a) => a.innerText.includes("Marta")).dataset.key')
js 'document.querySelector(`article[data-key="${arguments[0]}"] details summary`).click()' "$card" >/dev/null
fill "article[data-key='$card'] textarea[name=feedback]" "shorter"
click "article[data-key='$card'] form[action\$='/feedback'] button[type=submit]"
wait_for_text "Revised after your feedback"
marta=$(js 'return [...document.querySelectorAll("article.draft h2 a")].find((a) => a.innerText.includes("Marta")).getAttribute("href")')

echo "== a thread whose drafting fails: the model server cannot be reached (about 30 s)"
stop_server
start_server LLM_BASE_URL="http://127.0.0.1:9/v1" LLM_API_KEY=tour LLM_MODEL=tour-model
job=$(send "Tom Fischer" <<EOF | jq -r '.job_id'
Tom Fischer|today 10:30|Hi Anna, are we still on for the architecture review on Friday? I'd like to add the payments team to the invite.
EOF
)
for _ in $(seq 120); do
  [ "$(curl -sf "$base/jobs/$job" -H "Authorization: Bearer $token" | jq -r '.state')" = failed ] && break
  sleep 1
done
stop_server

echo "== no workers running: a thread left queued"
start_server JOB_CONCURRENCY=0
send "Lena Hoffmann" >/dev/null <<EOF
Lena Hoffmann|today 11:02|Hi Anna, quick one: can you review my pull request for the invoice exporter before the release?
EOF

echo "== a second token, on Settings"
goto /settings
fill '#label' 'zapier'
click "form[action='/settings/tokens'] button"
wait_for_text "Your new token"
shot settings
phone
measure "settings, with two tokens"
shot settings-phone "section[aria-labelledby='tokens-heading']" 700
desktop

echo "== the dashboard"
goto /
shot dashboard '' 1350
phone
goto /
measure "dashboard"
shot dashboard-work-phone '#work' 800
shot dashboard-phone '#drafts' 1250
js 'document.getElementById("shortcuts").showModal()' >/dev/null
measure "dashboard, shortcuts dialog open"
js 'document.getElementById("shortcuts").close()' >/dev/null
desktop

echo "== Marta's thread: the revision chain and a run's trace"
goto "$marta"
shot thread-revisions '#thread-drafts'
js 'document.querySelector("#runs details").open = true;
    document.querySelector("#runs details .trace-json").open = true;' >/dev/null
sleep 0.3
shot run-trace '#runs'
phone
goto "$marta"
shot thread-phone '#conversation' 1250
open_runs
measure "thread (Marta), runs and JSON open"

echo "== How it is going"
desktop
goto /stats
shot stats '#main' 1300
phone
goto /stats
measure "how it is going"
shot stats-phone '#main' 1250

echo "== Based on: a model that searches before it drafts"
# The scripted model: a run's first turn searches for "slides", the next one drafts.
cat >"$work/model.py" <<'PY'
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

DRAFT = ("Hi Sofia, of course! Here are the slides from the Berlin talk: "
         "https://slides.example.com/rust-billing-berlin\n\nBest, Anna")

class Model(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if any(m.get("role") == "tool" for m in body["messages"]):
            call = ("suggest_draft", {"draft_content": DRAFT})
        else:
            call = ("search_past_messages", {"query": "slides talk"})
        answer = json.dumps({
            "id": "chatcmpl-tour", "object": "chat.completion", "created": 0,
            "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                "role": "assistant", "content": None,
                "tool_calls": [{"id": "call_" + call[0], "type": "function",
                                "function": {"name": call[0],
                                             "arguments": json.dumps(call[1])}}]}}],
            "usage": {"prompt_tokens": 900, "completion_tokens": 60, "total_tokens": 960},
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass

HTTPServer(("127.0.0.1", int(sys.argv[1])), Model).serve_forever()
PY
python3 "$work/model.py" "$model_port" >"$work/model.log" 2>&1 &
model=$!
desktop
goto /settings
fill "form[action='/settings/notes'] textarea[name=text]" 'Sign off with "Best, Anna".'
click "form[action='/settings/notes'] button[type=submit]"
wait_for_text "Note added"
stop_server
start_server LLM_BASE_URL="http://127.0.0.1:$model_port/v1" LLM_API_KEY=tour LLM_MODEL=scripted/tour-model JOB_CONCURRENCY=1
send "Sofia Marino" >/dev/null <<EOF
Sofia Marino|today 12:15|Hi Anna, I missed your Rust billing talk in Berlin. Could you share the slides?
EOF
goto /
wait_for_text "Hi Sofia, of course"
card=$(js 'return [...document.querySelectorAll("article.draft")].find((a) => a.innerText.includes("Sofia")).dataset.key')
js 'document.querySelector(`article[data-key="${arguments[0]}"] details.based-on`).open = true' "$card" >/dev/null
shot based-on "article[data-key='$card']" 1100
phone
goto /
js 'document.querySelector(`article[data-key="${arguments[0]}"] details.based-on`).open = true' "$card" >/dev/null
measure "dashboard, Based on open"
shot based-on-phone "article[data-key='$card'] details.based-on" 1250
desktop
sofia=$(js 'return [...document.querySelectorAll("article.draft h2 a")].find((a) => a.innerText.includes("Sofia")).getAttribute("href")')
goto "$sofia"
click "#thread-drafts section.based-on li.precedent:last-child button[value=contact]"
wait_for_text "Not used again for this contact"
shot based-on-thread "#thread-drafts section.based-on" 960 60
phone
goto "$sofia"
measure "thread (Sofia), a precedent excluded"
desktop
stop_server
kill "$model" 2>/dev/null || true
wait "$model" 2>/dev/null || true
model=""
start_server JOB_CONCURRENCY=0
phone

echo "== every other thread, the error page, the feedback page, signed out"
goto /
for href in $(js 'return [...new Set([...document.querySelectorAll("#main a[href^=\"/threads/\"]")]
    .map((a) => a.getAttribute("href")).filter((h) => h !== "/threads/new" && h !== arguments[0]))].join(" ")' "$marta"); do
  goto "$href"
  open_runs
  measure "thread $(js 'return document.querySelector("h1").textContent'), runs open"
done
goto /threads/999999
measure "error page (404)"

# Feedback written while new messages replace the draft: the feedback page keeps it.
goto /
card=$(js 'return [...document.querySelectorAll("article.draft")].find((a) => a.innerText.includes("Priya")).dataset.key')
js 'document.querySelector(`article[data-key="${arguments[0]}"] details summary`).click()' "$card" >/dev/null
fill "article[data-key='$card'] textarea[name=feedback]" "Say yes, and offer the title \"Rewriting billing in Rust: what broke and what did not\""
send "Priya Raman" >/dev/null <<EOF
Priya Raman|today 11:40|PS: the deadline moved to next Monday, if that helps.
EOF
click "article[data-key='$card'] form[action\$='/feedback'] button[type=submit]"
wait_for_text "While you were writing"
measure "feedback page"

click "form[action='/logout'] button"
wait_for_text "Sign in"
measure "sign-in"

echo "== phone width (390 px): how wide each page is"
printf '%s' "$widths"
exit "$sideways"
