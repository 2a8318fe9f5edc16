#!/usr/bin/env bash
# Load run on 127.0.0.1 only, bounded in time: the resident form page and JSON submissions at
# 64 connections against a release build on SQLite (or PostgreSQL with DATABASE_URL).
# Usage: scripts/load/run.sh [seconds]   (needs wrk and sqlite3: apt-get install wrk sqlite3)
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_RUN="${1:-30}"
PORT="${LOAD_PORT:-18090}"
DIR="$(mktemp -d)"
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$DIR"' EXIT

cargo build --release --quiet
BIN="$PWD/target/release/liaison"
export LIAISON_DATA_DIR="$DIR" LIAISON_BIND="127.0.0.1:$PORT" LIAISON_SUBMIT_RATE_PER_MINUTE=0 \
       LIAISON_SUBMIT_RATE_PER_CODE_PER_MINUTE=0 RUST_LOG=warn
"$BIN" demo >/dev/null
"$BIN" serve >"$DIR/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

TOKEN=$(curl -sf -XPOST "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username":"admin","password":"liaison-demo-2026"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
QR_TOKEN=$(curl -sf "http://127.0.0.1:$PORT/api/v1/deputies?per_page=1" -H "Authorization: Bearer $TOKEN" \
  | sed 's/.*"qr_token":"\([^"]*\)".*/\1/')
export QR_TOKEN

echo "== GET /d/{token} (the resident form), 64 connections, ${SECONDS_PER_RUN}s"
wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" --latency "http://127.0.0.1:$PORT/d/$QR_TOKEN"

echo "== POST /api/v1/public/submissions, 64 connections, ${SECONDS_PER_RUN}s"
OUT=$(wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" --latency -s scripts/load/submit.lua "http://127.0.0.1:$PORT")
echo "$OUT"
CREATED=$(echo "$OUT" | sed -n 's/^created=//p')
# Stop the server first: requests still in flight when wrk stopped may land after it counted.
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
if [ -z "${DATABASE_URL:-}" ]; then
  STORED=$(sqlite3 "$DIR/liaison.db" "select count(*) from cases")
  EVENTS=$(sqlite3 "$DIR/liaison.db" "select count(*) from case_event where action = 'submitted'")
  ORPHANS=$(sqlite3 "$DIR/liaison.db" "select count(*) from cases c where not exists (select 1 from case_event e where e.case_id = c.id)")
  echo "acknowledged (201): $CREATED · cases stored: $STORED · submitted events: $EVENTS · cases without an event: $ORPHANS"
  # Every acknowledged case is stored (a few more may have completed after wrk stopped
  # counting), and every stored case is whole.
  [ "$STORED" -ge "$CREATED" ] && [ "$STORED" = "$EVENTS" ] && [ "$ORPHANS" = 0 ] \
    || { echo "MISMATCH: an acknowledged submission is missing or incomplete"; exit 1; }
fi
