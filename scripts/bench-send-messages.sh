#!/usr/bin/env bash
# Load benchmark for POST /send-messages/ against a release build (see
# documentation/performance.md). Needs wrk (apt-get install wrk). Sends traffic only to
# 127.0.0.1 and stops by itself. Runs on a fresh SQLite file, or with
# DATABASE_URL=postgres://… on a fresh PostgreSQL database (see scripts/bench-db.sh).
#
#   scripts/bench-send-messages.sh [DURATION_SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-32}
port=${PORT:-38080}

cargo build --release --quiet
bin=target/release/draftdesk
work=$(mktemp -d)
server=""
# shellcheck source=scripts/bench-db.sh
. scripts/bench-db.sh
trap 'if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi; bench_db_drop; rm -rf "$work"' EXIT
bench_db_create "$work"
export BIND_ADDR="127.0.0.1:$port" RUST_LOG=warn JOB_MAX_QUEUED_PER_USER=1000000

$bin migrate >/dev/null
$bin user add bench >/dev/null
TOKEN=$($bin token create bench | grep '^ddt_')
export TOKEN
$bin serve &
server=$!
for _ in $(seq 50); do curl -sf "http://$BIND_ADDR/healthz" >/dev/null && break; sleep 0.1; done

echo "== resend of an unchanged 20-message thread (${duration}s, ${connections} connections, 2 wrk threads)"
# Store the thread once, so that every measured request is a resend.
wrk -t1 -c1 -d1s -s scripts/wrk/resend.lua "http://$BIND_ADDR/send-messages/" >/dev/null
wrk -t2 -c"$connections" -d"${duration}s" --latency -s scripts/wrk/resend.lua \
  "http://$BIND_ADDR/send-messages/"

echo "== a new 20-message thread per request (${duration}s, ${connections} connections)"
wrk -t2 -c"$connections" -d"${duration}s" --latency -s scripts/wrk/new_threads.lua \
  "http://$BIND_ADDR/send-messages/"

echo "== server peak memory"
grep -E 'VmHWM|VmRSS' "/proc/$server/status"
echo "messages stored: $(bench_db_query 'SELECT count(*) FROM messages')"
