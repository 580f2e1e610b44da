#!/usr/bin/env bash
# Load benchmark for the read side against a release build with 1,000 pending drafts:
# GET /draft-messages/ (all 1,000, JSON) and the dashboard page (first 20, HTML), and the
# server's peak memory. Needs wrk and curl; sends traffic only to 127.0.0.1. Runs on a
# fresh SQLite file, or with DATABASE_URL=postgres://… on a fresh PostgreSQL database
# (see scripts/bench-db.sh).
#
#   scripts/bench-reads.sh [DURATION_SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-16}
port=${PORT:-38081}
drafts=1000

cargo build --release --quiet
bin=$PWD/target/release/draftdesk
work=$(mktemp -d)
server=""
# shellcheck source=scripts/bench-db.sh
. scripts/bench-db.sh
trap 'if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi; bench_db_drop; rm -rf "$work"' EXIT
bench_db_create "$work"
cd "$work"
export BIND_ADDR="127.0.0.1:$port" RUST_LOG=warn JOB_CONCURRENCY=4 JOB_MAX_QUEUED_PER_USER=100000
base="http://$BIND_ADDR"

$bin migrate >/dev/null
echo "a long bench password" | $bin user add bench --password-stdin >/dev/null
token=$($bin token create bench | grep '^ddt_')
$bin serve &
server=$!
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done

echo "== queueing $drafts threads (the offline drafter drafts each one)"
seq 1 "$drafts" | xargs -P 8 -I{} curl -sf -o /dev/null -X POST "$base/send-messages/" \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"user_id":"bench","thread_name":"thread {}","messages":[{"message_id":"m{}","sender_name":"Other Person","message_content":"Could we meet next week to talk about the proposal?"}]}'
pending=0
for _ in $(seq 600); do
  pending=$(curl -sf "$base/draft-messages/?user_id=bench" -H "Authorization: Bearer $token" \
    | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["draft_messages"]))')
  [ "$pending" -ge "$drafts" ] && break
  sleep 0.2
done
echo "pending drafts: $pending"

echo "== GET /draft-messages/ (all $pending drafts as JSON; ${duration}s, $connections connections)"
wrk -t2 -c"$connections" -d"${duration}s" --latency -H "Authorization: Bearer $token" \
  "$base/draft-messages/?user_id=bench"

echo "== GET / (the dashboard, signed in; ${duration}s, $connections connections)"
jar="$work/cookies"
csrf=$(curl -sf -c "$jar" "$base/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | sed 's/.*value="//; s/"//')
curl -sf -b "$jar" -c "$jar" -o /dev/null -X POST "$base/login" \
  --data-urlencode "csrf=$csrf" --data-urlencode "name=bench" \
  --data-urlencode "password=a long bench password" --data-urlencode "next=/"
cookie=$(awk '$6 == "draftdesk_session" {print $6 "=" $7}' "$jar")
# To a file, not piped into `grep -q`: grep exits at the heading, and if curl still has
# some of the page to write it fails, which pipefail turns into the end of the script.
curl -sf -H "Cookie: $cookie" -o "$work/dashboard.html" "$base/"
grep -q 'Drafts waiting for review' "$work/dashboard.html"
wrk -t2 -c"$connections" -d"${duration}s" --latency -H "Cookie: $cookie" "$base/"

echo "== server peak memory"
grep -E 'VmHWM|VmRSS' "/proc/$server/status"
