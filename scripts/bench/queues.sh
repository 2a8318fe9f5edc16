#!/usr/bin/env bash
# The handling queues over many cases: seeds a demo district with N generated cases (default
# 1,000,000), then times queue pages with wrk (one connection, so each number is one request's
# latency; then 16 connections for throughput). SQLite by default; PostgreSQL when
# DATABASE_URL is set (an empty database: it is filled). 127.0.0.1 only; bounded in time.
# Usage: scripts/bench/queues.sh [cases] [seconds-per-url]
set -euo pipefail
cd "$(dirname "$0")/../.."
CASES="${1:-1000000}"
SECONDS_PER_URL="${2:-5}"
PORT="${BENCH_PORT:-18095}"
DIR="${BENCH_DIR:-$(mktemp -d)}"
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT

# A given binary (BIN=…) is used as it is; otherwise the release build of this checkout.
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/liaison"
fi
export LIAISON_DATA_DIR="$DIR" LIAISON_BIND="127.0.0.1:$PORT" RUST_LOG=warn LIAISON_RUN_JOBS=false
if [ ! -f "$DIR/seeded-$CASES" ]; then
  "$BIN" demo >/dev/null
  "$BIN" seed-cases --cases "$CASES"
  touch "$DIR/seeded-$CASES"
fi
"$BIN" serve >"$DIR/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

token() {
  curl -sf -XPOST "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"liaison-demo-2026\"}" | sed 's/.*"token":"\([^"]*\)".*/\1/'
}
MANAGER=$(token manager)
DEPUTY=$(token deputy)
ADMIN=$(token admin)

measure() { # name token path
  local out
  out=$(wrk -t1 -c1 -d"${SECONDS_PER_URL}s" --latency -H "Authorization: Bearer $2" "http://127.0.0.1:$PORT$3")
  printf '%-44s p50 %8s  p99 %8s  %s req/s\n' "$1" \
    "$(echo "$out" | awk '/ 50%/{print $2}')" "$(echo "$out" | awk '/ 99%/{print $2}')" \
    "$(echo "$out" | awk '/Requests\/sec/{print $2}')"
}

echo "== $CASES cases, one connection"
measure "manager queue, page 1"              "$MANAGER" "/api/v1/cases"
measure "manager queue, page 200"            "$MANAGER" "/api/v1/cases?page=200"
measure "manager queue, status=in_progress"  "$MANAGER" "/api/v1/cases?status=in_progress"
measure "manager queue, overdue=true"        "$MANAGER" "/api/v1/cases?overdue=true"
measure "manager queue, category + tier"     "$MANAGER" "/api/v1/cases?category_id=3&tier=week"
measure "manager queue, key_supervision"     "$MANAGER" "/api/v1/cases?key_supervision=true"
measure "manager queue, text search 路灯"    "$MANAGER" "/api/v1/cases?q=%E8%B7%AF%E7%81%AF"
measure "manager counts"                     "$MANAGER" "/api/v1/cases/counts"
measure "deputy inbox, page 1"               "$DEPUTY"  "/api/v1/cases"
measure "deputy inbox, open only"            "$DEPUTY"  "/api/v1/cases?status=submitted,accepted,assigned,in_progress"
measure "deputy counts"                      "$DEPUTY"  "/api/v1/cases/counts"
measure "admin queue (all stations), page 1" "$ADMIN"   "/api/v1/cases"
echo "== 16 connections"
wrk -t2 -c16 -d"${SECONDS_PER_URL}s" --latency -H "Authorization: Bearer $MANAGER" "http://127.0.0.1:$PORT/api/v1/cases" | grep -E "Requests/sec|99%"
echo "data directory: $DIR"
